"""Forms as Django forms, validated by the protocol's rules.

Each form of the spec is a `Form` subclass in `django_forms.py`, usable as
any Django form (`ProfileForm(data).is_valid()`, templates, widgets). Each
field is the Django field of its type, but cleans exactly as
docs/protocol.md 13.2 says (the runtime's checks) and fails with the
protocol's codes and messages, so `validator(Form)` gives the dispatcher
the same error payloads as every other Mizan server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms  # type: ignore[import-untyped, unused-ignore]
from django.core.exceptions import ValidationError  # type: ignore[import-untyped, unused-ignore]

from . import core as runtime

Errors = dict[str, dict[str, str]]
Spec = dict[str, Any]  # one field of the form's schema (`GET form/<name>/`)


class Form(forms.Form):  # type: ignore[misc, unused-ignore]
    """A form of the spec; `schema_json` is its schema."""

    schema_json: ClassVar[dict[str, Any]]


class ProtocolField(forms.Field):  # type: ignore[misc, unused-ignore]
    """Empty (absent, null, "") is `required` or None; otherwise the first
    failing check of 13.2, else the cleaned value."""

    spec: Spec
    empty_values = (None, "")  # `false`, `0`, `[]` are values, not empty

    def __init__(self, spec: Spec, **options: Any) -> None:
        self.spec = spec
        super().__init__(
            required=spec["required"],
            label=spec["label"],
            help_text=spec["doc"] or "",
            **options,
        )

    def clean(self, value: Any) -> Any:
        if value is None or value == "":
            if self.spec["required"]:
                message = runtime.FORM_MESSAGES["required"]
                raise ValidationError(message, code="required")
            return None
        try:
            return runtime._clean_field(self.spec, value)
        except runtime._FormError as error:
            problem = runtime._form_error(self.spec, error)
            raise ValidationError(problem["message"], code=problem["code"]) from None


class RawCheckboxInput(forms.CheckboxInput):  # type: ignore[misc, unused-ignore]
    """The submitted value as it is: the protocol decides what a bool is."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


def _lengths(spec: Spec) -> dict[str, Any]:
    return {"max_length": spec["max_length"], "min_length": spec["min_length"]}


class BooleanField(ProtocolField, forms.BooleanField):  # type: ignore[misc, unused-ignore]
    widget = RawCheckboxInput


class IntegerField(ProtocolField, forms.IntegerField):  # type: ignore[misc, unused-ignore]
    def __init__(self, spec: Spec) -> None:
        super().__init__(spec, min_value=spec["min"], max_value=spec["max"])


class FloatField(ProtocolField, forms.FloatField):  # type: ignore[misc, unused-ignore]
    def __init__(self, spec: Spec) -> None:
        super().__init__(spec, min_value=spec["min"], max_value=spec["max"])


class DecimalField(ProtocolField, forms.DecimalField):  # type: ignore[misc, unused-ignore]
    pass


class CharField(ProtocolField, forms.CharField):  # type: ignore[misc, unused-ignore]
    def __init__(self, spec: Spec) -> None:
        super().__init__(spec, strip=False, **_lengths(spec))


class EmailField(CharField):
    widget = forms.EmailInput


class URLField(CharField):
    widget = forms.URLInput


class DateField(ProtocolField, forms.DateField):  # type: ignore[misc, unused-ignore]
    pass


class DateTimeField(ProtocolField, forms.DateTimeField):  # type: ignore[misc, unused-ignore]
    pass


class UUIDField(ProtocolField, forms.UUIDField):  # type: ignore[misc, unused-ignore]
    pass


class ChoiceField(ProtocolField, forms.ChoiceField):  # type: ignore[misc, unused-ignore]
    def __init__(self, spec: Spec) -> None:
        super().__init__(spec, choices=[(name, name) for name in spec["choices"]])


def field_spec(form: dict[str, Any], name: str) -> Spec:
    spec: Spec = next(field for field in form["fields"] if field["name"] == name)
    return spec


def errors_of(form: forms.Form) -> Errors:
    """A Django form's errors as the protocol's details: {field: {code, message}}."""
    found: Errors = {}
    for name, problems in form.errors.as_data().items():
        first = problems[0]
        found[name] = {"code": str(first.code), "message": first.messages[0]}
    return found


def validator(
    form: type[Form],
) -> Callable[[dict[str, Any]], tuple[dict[str, Any], Errors]]:
    """The dispatcher's validator of a form: (wire data, errors)."""
    schema = form.schema_json
    known = {field["name"] for field in schema["fields"]}
    unknown = {"code": "unknown", "message": runtime.FORM_MESSAGES["unknown"]}

    def validate(data: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
        bound = form(data=data)
        errors = {} if bound.is_valid() else errors_of(bound)
        errors.update({name: dict(unknown) for name in data if name not in known})
        if errors:
            return {}, errors
        cleaned = {k: v for k, v in bound.cleaned_data.items() if v is not None}
        return runtime.form_data_wire(schema, cleaned), {}

    return validate
