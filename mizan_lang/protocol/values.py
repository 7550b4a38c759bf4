"""Values on the wire: decode a JSON value by its IR type, encode one back.

Decoding checks a value a client sent and returns Python values (int, str,
Decimal, date, datetime, UUID, bytes, lists, dicts; enums as member names,
records as dicts). The first problem found, depth first, is raised as a
ValueProblem with a JSON Pointer to it. Encoding is the inverse, for values
a server sends; a value that does not fit its type is a server bug
(EncodeError).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import uuid
from decimal import Decimal
from typing import Any

from ..ir import model as ir
from .canonical import is_scalar_text, utf16_order
from .schema import NO_DEFAULT, Schema

INT_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)
MAX_DECIMAL_DIGITS = 50

_INT_TEXT = re.compile(r"0|-?[1-9][0-9]*")
_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_BASE64_TEXT = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")

MESSAGES = {
    "required": "This value is required.",
    "unknown": "This name is not expected.",
    "type": "Expected {type}.",
    "format": "Not a valid {type}.",
    "range": "Out of range for {type}.",
    "choice": "Not a member of {type}.",
    "duplicate": "Given more than once.",
}


class ValueProblem(ValueError):
    """Why a value a client sent was rejected: a code, where, and a fixed message."""

    def __init__(self, code: str, path: str, type_text: str = "") -> None:
        self.code = code
        self.path = path
        self.message = MESSAGES[code].format(type=type_text)
        super().__init__(f"{path or '/'}: {self.message}")

    def detail(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "path": self.path}


class EncodeError(ValueError):
    """A value the server is about to send does not fit its type."""


class _Bad(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


def pointer(path: str, token: str | int) -> str:
    """Append one reference token to a JSON Pointer (RFC 6901)."""
    return f"{path}/{str(token).replace('~', '~0').replace('/', '~1')}"


# --- decoding ------------------------------------------------------------------


def decode(type_: ir.TypeRef, value: Any, schema: Schema, path: str = "") -> Any:
    """The Python value of a wire value, or ValueProblem."""
    if isinstance(type_, ir.NullableType):
        if value is None:
            return None
        try:
            return decode(type_.inner, value, schema, path)
        except ValueProblem as problem:
            if problem.code == "type" and problem.path == path:
                problem.message = f"Expected {ir.type_text(type_.inner)} or null."
            raise
    text = ir.type_text(type_)
    if isinstance(type_, ir.PrimitiveType):
        try:
            return decode_primitive(type_.name, value)
        except _Bad as bad:
            raise ValueProblem(bad.code, path, text) from None
    if isinstance(type_, ir.ListType):
        if not isinstance(value, list):
            raise ValueProblem("type", path, text)
        return [decode(type_.item, item, schema, pointer(path, i)) for i, item in enumerate(value)]
    if isinstance(type_, ir.MapType):
        if not isinstance(value, dict):
            raise ValueProblem("type", path, text)
        return {key: decode(type_.value, value[key], schema, pointer(path, key))
                for key in sorted(value, key=utf16_order)}
    if isinstance(type_, ir.NamedType):
        return _decode_named(type_.name, value, schema, path)
    raise ValueProblem("type", path, text)  # Upload: never inside a JSON value


def _decode_named(name: str, value: Any, schema: Schema, path: str) -> Any:
    if name in schema.enums:
        if not isinstance(value, str):
            raise ValueProblem("type", path, name)
        if value not in schema.enums[name]:
            raise ValueProblem("choice", path, name)
        return value
    if not isinstance(value, dict):
        raise ValueProblem("type", path, name)
    result = {}
    fields = schema.records[name]
    for field in fields:
        where = pointer(path, field.name)
        if field.name in value:
            result[field.name] = decode(field.type, value[field.name], schema, where)
        elif field.default is not NO_DEFAULT:
            result[field.name] = decode(field.type, field.default, schema, where)
        else:
            raise ValueProblem("required", where)
    known = {field.name for field in fields}
    unknown = sorted((key for key in value if key not in known), key=utf16_order)
    if unknown:
        raise ValueProblem("unknown", pointer(path, unknown[0]))
    return result


def decode_primitive(name: str, value: Any) -> Any:
    """One primitive's wire value -> Python value; raises _Bad(code)."""
    if name == "json":
        return value
    if name == "bool":
        if not isinstance(value, bool):
            raise _Bad("type")
        return value
    if name == "int":
        return _in_range(_integral(value), INT_RANGE)
    if name == "float":
        return _float(value)
    if not isinstance(value, str):
        raise _Bad("type")
    if name in ("str", "email", "url"):
        if not is_scalar_text(value):
            raise _Bad("format")
        return value
    return _TEXT_DECODERS[name](value)


def _integral(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad("type")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Bad("type")


def _in_range(number: int, bounds: tuple[int, int]) -> int:
    if not bounds[0] <= number <= bounds[1]:
        raise _Bad("range")
    return number


def _float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad("type")
    try:
        number = float(value)
    except OverflowError:
        raise _Bad("range") from None
    if not math.isfinite(number):
        raise _Bad("range")
    return number


def _int64(text: str) -> int:
    if not _INT_TEXT.fullmatch(text):
        raise _Bad("format")
    if len(text.lstrip("-")) > 19:
        raise _Bad("range")
    return _in_range(int(text), INT64_RANGE)


def _decimal(text: str) -> Decimal:
    if not _DECIMAL_TEXT.fullmatch(text):
        raise _Bad("format")
    if sum(ch.isdigit() for ch in text) > MAX_DECIMAL_DIGITS:
        raise _Bad("range")
    number = Decimal(text)
    return number.copy_abs() if number.is_zero() else number


def _date(text: str) -> dt.date:
    match = _DATE_TEXT.fullmatch(text)
    if not match:
        raise _Bad("format")
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        raise _Bad("format") from None


def _datetime(text: str) -> dt.datetime:
    match = _DATETIME_TEXT.fullmatch(text)
    if not match:
        raise _Bad("format")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "").ljust(6, "0")[:6])  # beyond microseconds: truncated
    offset = 0
    if not zulu:
        if int(off_h) > 23 or int(off_m) > 59:
            raise _Bad("format")
        offset = (int(off_h) * 60 + int(off_m)) * (1 if sign == "+" else -1)
    try:
        local = dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                            int(second), micro)
    except ValueError:
        raise _Bad("format") from None
    try:
        utc = local - dt.timedelta(minutes=offset)
    except OverflowError:
        raise _Bad("range") from None
    return utc.replace(tzinfo=dt.UTC)


def _uuid(text: str) -> uuid.UUID:
    if not _UUID_TEXT.fullmatch(text):
        raise _Bad("format")
    return uuid.UUID(text)


def _bytes(text: str) -> bytes:
    if not _BASE64_TEXT.fullmatch(text):
        raise _Bad("format")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise _Bad("format") from None
    if base64.b64encode(data).decode("ascii") != text:  # non-zero unused bits
        raise _Bad("format")
    return data


_TEXT_DECODERS = {"int64": _int64, "decimal": _decimal, "date": _date, "datetime": _datetime,
                  "uuid": _uuid, "bytes": _bytes}


# --- encoding ------------------------------------------------------------------------


def encode(type_: ir.TypeRef, value: Any, schema: Schema, path: str = "") -> Any:
    """The wire value of a Python value; EncodeError when it does not fit."""
    if isinstance(type_, ir.NullableType):
        return None if value is None else encode(type_.inner, value, schema, path)
    if isinstance(type_, ir.PrimitiveType):
        try:
            return encode_primitive(type_.name, value)
        except (TypeError, ValueError) as exc:
            raise EncodeError(f"{path or '/'}: {exc}") from None
    if isinstance(type_, ir.ListType) and isinstance(value, (list, tuple)):
        return [encode(type_.item, item, schema, pointer(path, i)) for i, item in enumerate(value)]
    if isinstance(type_, ir.MapType) and isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise EncodeError(f"{path or '/'}: map keys must be strings")
        return {key: encode(type_.value, item, schema, pointer(path, key))
                for key, item in value.items()}
    if isinstance(type_, ir.NamedType):
        return _encode_named(type_.name, value, schema, path)
    raise EncodeError(f"{path or '/'}: {type(value).__name__} is not a {ir.type_text(type_)}")


def _encode_named(name: str, value: Any, schema: Schema, path: str) -> Any:
    if name in schema.enums:
        member = getattr(value, "name", value)  # a Python Enum travels by member name
        if member not in schema.enums[name]:
            raise EncodeError(f"{path or '/'}: {member!r} is not a member of {name}")
        return member
    result = {}
    for field in schema.records[name]:
        if isinstance(value, dict):
            if field.name not in value:
                raise EncodeError(f"{path or '/'}: field {field.name!r} is missing")
            item = value[field.name]
        elif hasattr(value, field.name):
            item = getattr(value, field.name)
        else:
            raise EncodeError(f"{path or '/'}: field {field.name!r} is missing")
        result[field.name] = encode(field.type, item, schema, pointer(path, field.name))
    return result


def encode_primitive(name: str, value: Any) -> Any:
    if name == "json":
        return value
    expected = _PYTHON_TYPES.get(name, str)
    if not isinstance(value, expected) or isinstance(value, bool) != (name == "bool"):
        raise TypeError(f"{type(value).__name__} is not a {name}")
    if name == "int":
        return _in_range_or_error(value, INT_RANGE)
    if name == "int64":
        return str(_in_range_or_error(value, INT64_RANGE))
    if name == "float":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("non-finite float")
        return number
    if name == "decimal":
        return decimal_text(Decimal(value))
    if name == "date":
        if isinstance(value, dt.datetime):
            raise TypeError("datetime is not a date")
        return value.isoformat()
    if name == "datetime":
        return datetime_text(value)
    if name == "uuid":
        return str(value)
    if name == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if name in ("str", "email", "url") and not is_scalar_text(value):
        raise ValueError("lone surrogate")
    return value


_PYTHON_TYPES: dict[str, Any] = {
    "bool": bool, "int": int, "int64": int, "float": (int, float), "decimal": (Decimal, int),
    "date": dt.date, "datetime": dt.datetime, "uuid": uuid.UUID, "bytes": (bytes, bytearray),
}


def _in_range_or_error(number: int, bounds: tuple[int, int]) -> int:
    if not bounds[0] <= number <= bounds[1]:
        raise ValueError(f"{number} is out of range")
    return number


def decimal_text(number: Decimal) -> str:
    """Plain notation keeping the scale (`9.90` stays); never `-0`."""
    if not number.is_finite():
        raise ValueError("non-finite decimal")
    if number.is_zero():
        number = number.copy_abs()
    return format(number, "f")


def datetime_text(moment: dt.datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ`, always six fraction digits, in UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime (no time zone)")
    utc = moment.astimezone(dt.UTC)
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
            f"{utc.second:02d}.{utc.microsecond:06d}Z")
