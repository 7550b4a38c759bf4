"""View model of `django_forms.py`: one Django form class per spec form."""

from __future__ import annotations

from typing import Any

from mizan_lang.gen.python.layout import INDENT, call, comment_lines, docstring, lay_out, string
from mizan_lang.plan import Plan

# The `django_formkit` field class of each form field type (enums: choices).
FIELD_CLASSES = {
    "bool": "BooleanField",
    "int": "IntegerField",
    "float": "FloatField",
    "decimal": "DecimalField",
    "str": "CharField",
    "email": "EmailField",
    "url": "URLField",
    "date": "DateField",
    "datetime": "DateTimeField",
    "uuid": "UUIDField",
}


def field_class(schema_field: dict[str, Any]) -> str:
    if schema_field["choices"] is not None:
        return "ChoiceField"
    return FIELD_CLASSES[schema_field["type"]]


def forms_view(plan: Plan) -> dict[str, object]:
    schemas = plan.tables["forms"]
    blocks = []
    for form in plan.ir.forms:
        lines = [f"class {form.name}(django_formkit.Form):"]
        lines += docstring(form.doc, INDENT)
        if form.doc:
            lines.append("")
        lines += lay_out(call("_schema", string(form.name)), INDENT, prefix="schema_json = ")
        lines.append("")
        by_name = {f["name"]: f for f in schemas[form.name]["fields"]}
        for field in form.fields:
            lines += comment_lines(field.doc, INDENT)
            make = call(f"django_formkit.{field_class(by_name[field.name])}",
                        call("_field", string(form.name), string(field.name)))
            lines += lay_out(make, INDENT, prefix=f"{field.name} = ")
        blocks.append("\n".join(lines))
    head = "FORMS: dict[str, type[django_formkit.Form]] = {"
    registry = [head + "}"]
    if plan.ir.forms:
        registry = [head, *(f"{INDENT}{string(f.name)}: {f.name}," for f in plan.ir.forms), "}"]
    return {"forms": blocks, "registry": registry}
