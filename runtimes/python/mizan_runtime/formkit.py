"""Forms as pydantic models, validated by the protocol's rules.

Each form of the spec is a `Form` subclass in `forms.py`; each field
carries `rule(schema field)`, which checks the input exactly as
docs/protocol.md 13.2 says (the runtime's checks) and reports problems with
the protocol's codes and messages, so `validator(Form)` gives the same
error payloads as every other Mizan server.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, ClassVar

import pydantic
from pydantic_core import PydanticCustomError

from . import core as runtime

Errors = dict[str, dict[str, str]]


class Form(pydantic.BaseModel):
    """A validated form: one attribute per field, None for an empty one."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    mizan_schema: ClassVar[dict[str, Any]]  # the JSON of `GET form/<name>/`


def rule(field: dict[str, Any]) -> Any:
    """The pydantic validator of one field: empty -> None (or `required`),
    otherwise the first failing check of 13.2, else the cleaned value."""

    def check(value: Any) -> Any:
        if value is None or value == "":
            if field["required"]:
                raise _problem("required", runtime.FORM_MESSAGES["required"])
            return None
        try:
            return runtime._clean_field(field, value)
        except runtime._FormError as error:
            problem = runtime._form_error(field, error)
            raise _problem(problem["code"], problem["message"]) from None

    return pydantic.BeforeValidator(check)


def _problem(code: str, message: str) -> PydanticCustomError:
    # Braces would be read as placeholders: the message is already complete.
    return PydanticCustomError(code, message.replace("{", "{{").replace("}", "}}"))


def errors_of(error: pydantic.ValidationError) -> Errors:
    """A pydantic failure as the protocol's details: {field: {code, message}}."""
    found: Errors = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        if name in found:
            continue
        code = item["type"]
        if code == "missing":
            found[name] = _detail("required")
        elif code == "extra_forbidden":
            found[name] = _detail("unknown")
        else:
            found[name] = {"code": code, "message": item["msg"]}
    return found


def _detail(code: str) -> dict[str, str]:
    return {"code": code, "message": runtime.FORM_MESSAGES[code]}


def validator(
    form: type[Form],
) -> Callable[[dict[str, Any]], tuple[dict[str, Any], Errors]]:
    """The dispatcher's validator of a form: (wire data, errors)."""
    schema = form.mizan_schema

    def validate(data: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
        try:
            valid = form.model_validate(data)
        except pydantic.ValidationError as error:
            return {}, errors_of(error)
        return runtime.form_data_wire(schema, cleaned(valid)), {}

    return validate


def cleaned(valid: Form) -> dict[str, Any]:
    """The non-empty fields as plain values (an enum as its member name)."""
    values = {}
    for name in type(valid).model_fields:
        value = getattr(valid, name)
        if value is not None:
            values[name] = value.name if isinstance(value, enum.Enum) else value
    return values
