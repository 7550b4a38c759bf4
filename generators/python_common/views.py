"""View models of the shared Python modules: everything computed here,
the templates only place it."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field

from mizan_lang.gen.python.layout import (
    INDENT,
    Group,
    bracketed,
    call,
    comment_lines,
    concatenated,
    docstring,
    lay_out,
    string,
    tuple_of,
)
from mizan_lang.gen.python.types import plain_annotation, wire_annotation
from mizan_lang.gen.python.values import Spelling, default_expr
from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan import model as plan_model
from mizan_lang.protocol.schema import type_from_json

MODELS_SPELLING = Spelling(models="")

# A module alias used in code -> its import line; (group, line): stdlib 0,
# third-party 1, local 2.
_ALIASES = {
    "_datetime.": (0, "import datetime as _datetime"),
    "_decimal.": (0, "import decimal as _decimal"),
    "_enum.": (0, "import enum as _enum"),
    "_uuid.": (0, "import uuid as _uuid"),
    "_pydantic.": (1, "import pydantic as _pydantic"),
    "_wire.": (1, "from mizan_runtime import wire as _wire"),
    "models.": (2, "from . import models"),
}


@dataclass
class Code:
    """Collects code fragments so imports follow what the code really uses
    (docs and comments are not scanned: a doc mentioning `models.` must not
    add an unused import)."""

    fragments: list[str] = field(default_factory=list)

    def use(self, text: str) -> str:
        self.fragments.append(text)
        return text

    def imports(self, extra: Iterable[tuple[int, str]] = ()) -> list[str]:
        joined = "\n".join(self.fragments)
        wanted = set(extra)
        for alias, entry in _ALIASES.items():
            if re.search(r"(?<![\w.])" + re.escape(alias), joined):
                wanted.add(entry)
        return import_lines(wanted)


def import_lines(entries: Iterable[tuple[int, str]]) -> list[str]:
    lines: list[str] = []
    last_group = None
    for group, line in sorted(entries, key=lambda e: (e[0], e[1].startswith("from"), e[1])):
        if last_group is not None and group != last_group:
            lines.append("")
        lines.append(line)
        last_group = group
    return lines


# --- models.py -----------------------------------------------------------------


def models_view(plan: Plan) -> dict[str, object]:
    code = Code()
    # Enums first: record defaults name their members at class creation.
    enums = [_enum_block(enum, code) for enum in plan.ir.enums]
    named: list[tuple[str, str]] = []
    records = [(r.name, r.doc, [(f.name, f.type, f.default, f.doc) for f in r.fields])
               for r in plan.ir.types]
    records += [(s.name, s.doc, [(f.name, _shape_field_type(plan, s.name, f.name), None, None)
                                 for f in s.fields])
                for s in plan.ir.shapes]
    for name, doc, fields in records:
        named.append((name, _model_block(name, doc, fields, code)))
    blocks = enums + [block for _, block in sorted(named)]
    rebuild = [code.use(f"{name}.model_rebuild()") for name, _, _ in sorted(records)]
    return {"imports": code.imports(), "blocks": blocks, "rebuild": rebuild}


def _shape_field_type(plan: Plan, shape: str, field_name: str) -> ir.TypeRef:
    """The type the codec gives a shape field (a relation's value: its nested
    shape or the related primary key, nullable when to-one, a list when
    to-many): taken from the server table, so models and runtime agree."""
    fields = plan.tables["schema"]["records"][shape]
    spec = next(f for f in fields if f["name"] == field_name)
    return type_from_json(spec["type"])


def _enum_block(enum: ir.Enum, code: Code) -> str:
    lines = [code.use(f"class {enum.name}(_enum.Enum):")]
    lines += _doc_head(enum.doc)
    for member in enum.members:
        lines += comment_lines(member.doc, INDENT)
        lines.append(f"{INDENT}{member.name} = {string(member.name)}")
    if not enum.members:
        lines.append(f"{INDENT}pass")
    return "\n".join(lines)


def _doc_head(doc: str | None) -> list[str]:
    """A class docstring and the blank line after it (nothing without a doc)."""
    lines = docstring(doc, INDENT)
    return [*lines, ""] if lines else []


def _model_block(name: str, doc: str | None,
                 fields: list[tuple[str, ir.TypeRef, ir.Default | None, str | None]],
                 code: Code) -> str:
    lines = [code.use(f"class {name}(_pydantic.BaseModel):")]
    lines += _doc_head(doc)
    lines.append(code.use(f'{INDENT}model_config = _pydantic.ConfigDict(extra="forbid")'))
    if fields:
        lines.append("")
    for field_name, type_, default, field_doc in fields:
        lines += comment_lines(field_doc, INDENT)
        annotation = wire_annotation(type_, wire="_wire.", models="")
        line = f"{INDENT}{field_name}: {annotation}"
        if default is not None:
            line += f" = {default_expr(default.value, type_, MODELS_SPELLING)}"
        lines.append(code.use(line))
    return "\n".join(lines)


# --- service.py ----------------------------------------------------------------


def caller_name(fn: plan_model.Function) -> str:
    """The name of the caller parameter: `caller`, unless a param has it."""
    taken = {param.name for param in fn.params}
    name = "caller"
    while name in taken:
        name = "mizan_" + name
    return name


def service_signature(fn: plan_model.Function, code: Code, *, indent: str,
                      returns_awaitable: bool) -> list[str]:
    params = [f"{param.name}: {plain_annotation(param.type, models='models.', upload='Upload')}"
              for param in fn.params]
    items = ["self", f"{caller_name(fn)}: Caller", *(["*", *params] if params else [])]
    result = (plain_annotation(fn.returns, models="models.", upload="Upload")
              if fn.returns is not None else "None")
    returns = f"Result[{result}]" if returns_awaitable else result
    lines = bracketed(f"def {fn.name}(", items, f") -> {returns}:", indent)
    for line in lines:
        code.use(line)
    return lines


def _method_doc(fn: plan_model.Function) -> str:
    """The spec's doc, param docs, and what the protocol does around the call."""
    parts = [fn.doc] if fn.doc else []
    documented = [param for param in fn.params if param.doc]
    if documented:
        parts.append("Args:\n" + "\n".join(f"    {p.name}: {p.doc}" for p in documented))
    parts.append(textwrap.fill(f"{_kind_fact(fn)} {_auth_fact(fn.auth)}", width=76))
    return "\n\n".join(parts)


def _kind_fact(fn: plan_model.Function) -> str:
    if fn.context is not None:
        return f"Query, member of context `{fn.context}`."
    if fn.kind == "query":
        return "Query."
    if not fn.invalidates:
        return "Mutation; invalidates nothing."
    entries = []
    for inv in fn.invalidates:
        keys = ", ".join(f"{b.key}={b.param}" for b in inv.bindings)
        entries.append(f"`{inv.context}` ({inv.tier}{': ' + keys if keys else ''})")
    return f"Mutation; invalidates {', '.join(entries)}."


def _auth_fact(rule: plan_model.AuthRule) -> str:
    if rule.kind == "public":
        return "Open to anyone."
    if rule.kind == "user":
        return "Requires a signed-in user."
    check = f"= {rule.value!r}" if rule.has_value else "truthy"
    return f"Requires guard `{rule.level}` (claim `{rule.claim}` {check})."


# The application's side of the auth endpoints (when the spec uses auth).
AUTH_HOOKS = (
    ("authenticate", ("`POST auth/token/`: the identity the credentials (any JSON the client\n"
                      "sent) belong to, or None to refuse them (401 `credentials`).")),
    ("identity_of", ("`POST auth/refresh/`: the subject's current identity (its claims may\n"
                     "have changed since), or None when it is gone (401 `revoked`).")),
)
_HOOK_PARAMS = {"authenticate": "credentials: typing.Any", "identity_of": "subject: str"}


def _hook_signature(name: str, returns: str) -> list[str]:
    return bracketed(f"def {name}(", ["self", _HOOK_PARAMS[name]], f") -> {returns}:",
                     INDENT)


def service_view(plan: Plan) -> dict[str, object]:
    code = Code()
    methods = []
    for fn in plan.functions:
        lines = service_signature(fn, code, indent=INDENT, returns_awaitable=True)
        methods.append([*lines, *docstring(_method_doc(fn), INDENT * 2)])
    extra = {(0, "import abc"), (0, "import typing")}
    if plan.functions:
        extra.add((1, "from mizan_runtime.dispatch import Caller"))
    if plan.auth.used:
        methods += [[*_hook_signature(name, "Result[Identity | None]"),
                     *docstring(doc, INDENT * 2)] for name, doc in AUTH_HOOKS]
        extra.add((1, "from mizan_runtime.auth import Identity"))
    extra |= _plain_modules(code)
    class_doc = docstring("Implement every method (see the module docstring).", INDENT)
    return {"imports": code.imports(extra), "methods": methods, "class_doc": class_doc}


def _plain_modules(code: Code) -> set[tuple[int, str]]:
    joined = "\n".join(code.fragments)
    needed = {(0, f"import {module}") for module in ("datetime", "decimal", "typing", "uuid")
              if re.search(rf"(?<![\w.]){module}\.", joined)}
    if re.search(r"\bUpload\b", joined):
        needed.add((1, "from mizan_runtime.wire import Upload"))
    if re.search(r"(?<![\w.])models\.", joined):
        needed.add((2, "from . import models"))
    return needed


# --- registry.py ---------------------------------------------------------------


def _mentions_named(ref: ir.TypeRef) -> bool:
    return isinstance(ir.leaf_type(ref), ir.NamedType)


def registry_view(plan: Plan) -> dict[str, object]:
    """The converters: how a decoded argument that holds records or enums
    becomes the generated models the service takes."""
    code = Code()
    entries = []
    for fn in plan.functions:
        adapters = [
            (param.name, call("_pydantic.TypeAdapter",
                              wire_annotation(param.type, wire="_wire.", models="models.")))
            for param in fn.params if _mentions_named(param.type)
        ]
        if adapters:
            entries.append((fn.name, adapters))
    lines = ["CONVERTERS: dict[str, dict[str, _pydantic.TypeAdapter[typing.Any]]] = {"]
    for name, adapters in entries:
        lines.append(f"{INDENT}{string(name)}: {{")
        for param, adapter in adapters:
            lines += lay_out(adapter, INDENT * 2, prefix=f"{string(param)}: ", suffix=",")
        lines.append(f"{INDENT}}},")
    lines.append("}")
    if not entries:
        lines = ["CONVERTERS: dict[str, dict[str, _pydantic.TypeAdapter[typing.Any]]] = {}"]
    code.use("\n".join(lines))
    names = [string(fn.name) for fn in plan.functions]
    functions = lay_out(tuple_of(names), "", prefix="FUNCTIONS: tuple[str, ...] = ")
    return {
        "imports": code.imports({(0, "import typing"), (1, "import pydantic as _pydantic")}),
        "functions": functions,
        "converters": lines,
    }


# --- spec.py ---------------------------------------------------------------------


def spec_view(plan: Plan) -> dict[str, object]:
    return {
        "protocol": plan.protocol,
        "ir_kdl": concatenated("IR_KDL", plan.ir_kdl),
        "manifest": concatenated("MANIFEST_JSON", review_json(plan.manifest)),
        "tables": concatenated("TABLES_JSON", review_json(plan.tables)),
    }


REVIEW_WIDTH = 88  # the longest JSON line review_json writes (short atoms aside)


def review_json(value: object, width: int = REVIEW_WIDTH) -> str:
    """JSON laid out for review: a value whose compact form fits in `width`
    columns stays on one line, anything longer gets one entry per line, all
    the way down. A one-line spec change then changes a few short lines,
    never a whole function table. Sorted keys; the C encoder writes each
    compact part. Ends with a newline."""
    return _review(value, "", 0, width) + "\n"


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _review(value: object, indent: str, used: int, width: int) -> str:
    if not isinstance(value, (dict, list)) or not value:
        return _compact(value)
    compact = _compact(value)
    if len(indent) + used + len(compact) + 1 <= width:  # +1: the comma after it
        return compact
    inner = indent + "  "
    if isinstance(value, dict):
        items = []
        for key in sorted(value):
            label = json.dumps(key, ensure_ascii=False) + ": "
            items.append(inner + label + _review(value[key], inner, len(label), width))
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    items = [inner + _review(item, inner, 0, width) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + indent + "]"


# --- the user's module -----------------------------------------------------------


def scaffold_view(plan: Plan, package: str) -> dict[str, object]:
    code = Code()
    methods = []
    for fn in plan.functions:
        lines = service_signature(fn, code, indent=INDENT, returns_awaitable=False)
        if methods:
            methods.append("")
        methods += [*lines, f"{INDENT * 2}raise NotImplementedError({string(fn.name)})"]
    extra = {(2, f"from {package}.service import Service")}
    if plan.functions:
        extra.add((1, "from mizan_runtime.dispatch import Caller"))
    if plan.auth.used:
        for name, _ in AUTH_HOOKS:
            methods += [*([""] if methods else []), *_hook_signature(name, "Identity | None"),
                        f"{INDENT * 2}raise NotImplementedError({string(name)})"]
        extra |= {(0, "import typing"), (1, "from mizan_runtime.auth import Identity")}
    for group, line in _plain_modules(code):
        if line == "from . import models":
            line = f"from {package} import models"
        extra.add((group, line))
    return {"imports": import_lines(extra), "body": methods or [f"{INDENT}pass"]}


# --- forms.py --------------------------------------------------------------------


def forms_view(plan: Plan) -> dict[str, object]:
    """One `formkit.Form` per form: a field per form field, typed as the
    value validation gives (None when empty), checked by the protocol's rules."""
    code = Code()
    blocks = []
    for form in plan.ir.forms:
        lines = [code.use(f"class {form.name}(formkit.Form):")]
        lines += _doc_head(form.doc)
        lines += lay_out(call("_schema", string(form.name)), INDENT,
                         prefix="mizan_schema = ")
        lines.append("")
        for field_ in form.fields:
            lines += comment_lines(field_.doc, INDENT)
            annotation = plain_annotation(field_.type, models="models.", upload="")
            required = field_.validators.required
            if not required:
                annotation += " | None"
            group = Group("typing.Annotated[", [annotation, call(
                "_rule", string(form.name), string(field_.name))], "]")
            lines += [code.use(line) for line in lay_out(
                group, INDENT, prefix=f"{field_.name}: ", suffix="" if required else " = None")]
        blocks.append("\n".join(lines))
    names = [f"{string(form.name)}: {form.name}" for form in plan.ir.forms]
    registry = bracketed("FORMS: dict[str, type[formkit.Form]] = {", names, "}", "",
                         force_explode=bool(names))
    if not names:
        registry = ["FORMS: dict[str, type[formkit.Form]] = {}"]
    joined = "\n".join(code.fragments)
    extra = {(0, "import typing")}
    extra |= {(0, f"import {module}") for module in ("datetime", "decimal", "uuid")
              if re.search(rf"(?<![\w.]){module}\.", joined)}
    local = ["spec"]
    if re.search(r"(?<![\w.])models\.", joined):
        local.append("models")
    extra.add((1, "from mizan_runtime import formkit"))
    extra.add((2, f"from . import {', '.join(sorted(local))}"))
    return {"imports": import_lines(extra), "blocks": blocks, "registry": registry}
