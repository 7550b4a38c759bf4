"""Key texts: how a context key value is written in a URL, an invalidation and a cache key.

A context key is a scalar (bool, int, int64, str, date, datetime, uuid,
decimal or an enum, maybe nullable). Its *key text* is one canonical string
per value, so equal values always give equal texts: `true`/`false`, integers
in plain digits, decimals normalized (`9.90` -> `9.9`), datetimes in the
six-digit UTC form, uuids lowercase, enums by member name, strings as they
are. A null key value has no text (None).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..ir import model as ir
from .schema import Schema
from .values import (
    INT_RANGE,
    ValueProblem,
    _Bad,
    _decimal,
    decimal_text,
    decode_primitive,
    encode_primitive,
    pointer,
)


def key_text(type_: ir.TypeRef, value: Any) -> str | None:
    """The key text of a decoded key value (None for null)."""
    if value is None:
        return None
    base = _base(type_)
    if isinstance(base, ir.NamedType):
        return getattr(value, "name", value)
    name = base.name
    if name == "bool":
        return "true" if value else "false"
    if name in ("int", "int64"):
        return str(value)
    if name == "decimal":
        return normalized_decimal(Decimal(value))
    return encode_primitive(name, value)  # str, date, datetime, uuid: their wire text


def parse_key(type_: ir.TypeRef, text: str, schema: Schema, name: str) -> Any:
    """A key value from its text in a query string; ValueProblem when it is not one."""
    base = _base(type_)
    path = pointer("", name)
    if isinstance(base, ir.NamedType):
        if text not in schema.enums.get(base.name, ()):
            raise ValueProblem("choice", path, base.name)
        return text
    kind = base.name
    try:
        if kind == "bool":
            if text not in ("true", "false"):
                raise _Bad("format")
            return text == "true"
        if kind in ("int", "int64"):
            number = decode_primitive("int64", text)
            if kind == "int" and not INT_RANGE[0] <= number <= INT_RANGE[1]:
                raise _Bad("range")
            return number
        if kind == "decimal":
            return Decimal(normalized_decimal(_decimal(text)))
        return decode_primitive(kind, text)
    except _Bad as bad:
        raise ValueProblem(bad.code, path, kind) from None


def normalized_decimal(number: Decimal) -> str:
    """Plain notation with no trailing fraction zeros: `9.90` -> `9.9`, `1E+2` -> `100`."""
    if number.is_zero():
        return "0"
    text = decimal_text(number)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _base(type_: ir.TypeRef) -> ir.PrimitiveType | ir.NamedType:
    while isinstance(type_, ir.NullableType):
        type_ = type_.inner
    if not isinstance(type_, (ir.PrimitiveType, ir.NamedType)):
        raise TypeError(f"{ir.type_text(type_)} cannot be a context key")
    return type_
