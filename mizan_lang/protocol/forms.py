"""Forms: the schema a client renders, and validation every server and client repeats.

`form_schema(form)` is the JSON of `GET form/<name>/`. `validate(schema,
data)` works from that JSON alone, so a generated server and a generated
client validate from the same data. One error per field, the first failing
check in this order: required, type, min/max length, email/url format,
pattern, min/max value.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any

from ..ir import model as ir
from .canonical import format_float, utf16_order
from .formats import is_email, is_url
from .values import _Bad, decimal_text, decode_primitive, encode_primitive

NUMERIC = ("int", "float", "decimal", "date", "datetime")
TEXTUAL = ("str", "email", "url")

INVALID = {
    "bool": "Enter true or false.",
    "int": "Enter a whole number.",
    "float": "Enter a number.",
    "decimal": "Enter a number.",
    "str": "Enter text.",
    "date": "Enter a valid date.",
    "datetime": "Enter a valid date and time.",
    "uuid": "Enter a valid UUID.",
    "email": "Enter a valid email address.",
    "url": "Enter a valid URL.",
}
MESSAGES = {
    "required": "This field is required.",
    "unknown": "This field is not expected.",
    "invalid_choice": "Select a valid choice.",
    "min_length": "Ensure this value has at least {limit} character{s}.",
    "max_length": "Ensure this value has at most {limit} character{s}.",
    "pattern": "Enter a value that matches the required pattern.",
    "min_value": "Ensure this value is greater than or equal to {limit}.",
    "max_value": "Ensure this value is less than or equal to {limit}.",
}


# --- the schema -------------------------------------------------------------------


def form_schema(form: ir.Form, enums: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    return {"doc": form.doc, "fields": [_field_schema(f, enums) for f in form.fields],
            "form": form.name, "submit": form.submit}


def _field_schema(field: ir.FormField, enums: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    v = field.validators
    kind = field.type.name if isinstance(field.type, (ir.PrimitiveType, ir.NamedType)) else "str"
    is_enum = isinstance(field.type, ir.NamedType)
    return {
        "choices": list(enums[kind]) if is_enum else None,
        "doc": field.doc,
        "label": field.label,
        "max": None if v.max is None else bound_to_wire(kind, v.max),
        "max_length": v.max_length,
        "min": None if v.min is None else bound_to_wire(kind, v.min),
        "min_length": v.min_length,
        "name": field.name,
        "pattern": v.pattern,
        "required": v.required,
        "type": kind,
    }


def bound_to_wire(kind: str, bound: Any) -> Any:
    """A min/max of the IR in the wire form of the field's type."""
    if kind == "int":
        return int(bound)
    if kind == "float":
        return float(bound)
    if kind == "decimal":
        return decimal_text(Decimal(str(bound)))
    if kind == "datetime":
        from .from_ir import datetime_literal  # same leniency as defaults

        return datetime_literal(str(bound))
    return str(bound)


# --- validation -------------------------------------------------------------------


class _Error(Exception):
    def __init__(self, code: str, limit: Any = None) -> None:
        self.code = code
        self.limit = limit


def validate(schema: dict[str, Any], data: dict[str, Any]) -> tuple[dict[str, Any],
                                                                     dict[str, dict[str, str]]]:
    """(cleaned Python values, errors by field name). Empty optional fields are left out."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, dict[str, str]] = {}
    known = set()
    for field in schema["fields"]:
        name = field["name"]
        known.add(name)
        value = data.get(name)
        if value is None or value == "":
            if field["required"]:
                errors[name] = _error(field, _Error("required"))
            continue
        try:
            cleaned[name] = _clean(field, value)
        except _Error as error:
            errors[name] = _error(field, error)
    for name in sorted((n for n in data if n not in known), key=utf16_order):
        errors[name] = {"code": "unknown", "message": MESSAGES["unknown"]}
    return cleaned, errors


def to_wire(schema: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, Any]:
    """Cleaned values in their wire form (the `data` of a validate response)."""
    kinds = {f["name"]: ("enum" if f["choices"] is not None else f["type"])
             for f in schema["fields"]}
    return {name: value if kinds[name] == "enum" else encode_primitive(kinds[name], value)
            for name, value in cleaned.items()}


def _error(field: dict[str, Any], error: _Error) -> dict[str, str]:
    if error.code == "invalid":
        return {"code": "invalid", "message": INVALID[field["type"]]}
    limit = error.limit
    shown = format_float(limit) if isinstance(limit, float) else limit
    message = MESSAGES[error.code].format(limit=shown, s="" if limit == 1 else "s")
    return {"code": error.code, "message": message}


def _clean(field: dict[str, Any], value: Any) -> Any:
    kind = field["type"]
    if field["choices"] is not None:
        if not isinstance(value, str) or value not in field["choices"]:
            raise _Error("invalid_choice")
        return value
    try:
        result = decode_primitive(kind, value)
    except _Bad:
        raise _Error("invalid") from None
    if kind in TEXTUAL:
        _check_text(field, kind, result)
    elif kind in NUMERIC:
        _check_bounds(field, kind, result)
    return result


def _check_text(field: dict[str, Any], kind: str, text: str) -> None:
    if field["min_length"] is not None and len(text) < field["min_length"]:
        raise _Error("min_length", field["min_length"])
    if field["max_length"] is not None and len(text) > field["max_length"]:
        raise _Error("max_length", field["max_length"])
    if (kind == "email" and not is_email(text)) or (kind == "url" and not is_url(text)):
        raise _Error("invalid")
    if field["pattern"] is not None and not compiled(field["pattern"]).fullmatch(text):
        raise _Error("pattern")


def _check_bounds(field: dict[str, Any], kind: str, value: Any) -> None:
    for key, code, fails in (("min", "min_value", lambda v, b: v < b),
                             ("max", "max_value", lambda v, b: v > b)):
        bound = field[key]
        if bound is not None and fails(value, decode_primitive(kind, bound)):
            raise _Error(code, bound)


@functools.lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern[str]:
    """Patterns use the syntax ECMAScript and Python share; classes are ASCII."""
    return re.compile(pattern, re.ASCII)
