"""The protocol's JSON form of every value type, as pydantic annotations.

Each primitive of the spec is an `Annotated` alias that validates and
serialises its wire form, so generated models and argument models are
exact about what they accept:

- from JSON (validation context `WIRE`): `int` a JSON integer in the 32-bit
  range, `int64` and `decimal` strings, `date` `YYYY-MM-DD`, `datetime`
  RFC 3339 (stored in UTC), `uuid` canonical text, `bytes` standard base64;
- from a query string (context `QUERY`): the same text forms, and numbers
  and booleans written as text;
- from Python (no context: the service building its results): the plain
  Python types, checked just as strictly.

Serialising in JSON mode writes the wire form back.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import enum
import math
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import pydantic
from pydantic_core import PydanticCustomError

WIRE = {"wire": "json"}
QUERY = {"wire": "query"}

INT_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _source(info: pydantic.ValidationInfo) -> str:
    context = info.context
    if isinstance(context, dict):
        return str(context.get("wire", "python"))
    return "python"


def _fail(expected: str) -> PydanticCustomError:
    return PydanticCustomError(
        "mizan_type", "expected {expected}", {"expected": expected}
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _in_range(value: int, bounds: tuple[int, int], expected: str) -> int:
    if not bounds[0] <= value <= bounds[1]:
        raise _fail(expected)
    return value


def _bool(value: object, info: pydantic.ValidationInfo) -> bool:
    if _source(info) == "query" and value in ("true", "false"):
        return value == "true"
    if isinstance(value, bool):
        return value
    raise _fail("a boolean")


def _int(value: object, info: pydantic.ValidationInfo) -> int:
    expected = "an int (a JSON integer between -2^31 and 2^31-1)"
    if (
        _source(info) == "query"
        and isinstance(value, str)
        and _INTEGER.fullmatch(value)
    ):
        return _in_range(int(value), INT_RANGE, expected)
    if _is_int(value):
        return _in_range(value, INT_RANGE, expected)  # type: ignore[arg-type]
    raise _fail(expected)


def _int64(value: object, info: pydantic.ValidationInfo) -> int:
    expected = "an int64 (a string of decimal digits)"
    if _source(info) == "python":
        if _is_int(value):
            return _in_range(value, INT64_RANGE, expected)  # type: ignore[arg-type]
        raise _fail("an int")
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return _in_range(int(value), INT64_RANGE, expected)
    raise _fail(expected)


def _float(value: object, info: pydantic.ValidationInfo) -> float:
    expected = "a number"
    if _source(info) == "query" and isinstance(value, str) and _NUMBER.fullmatch(value):
        value = float(value)
    if (_is_int(value) or isinstance(value, float)) and math.isfinite(value):  # type: ignore[arg-type]
        return float(value)  # type: ignore[arg-type]
    raise _fail(expected)


def _decimal(value: object, info: pydantic.ValidationInfo) -> decimal.Decimal:
    expected = 'a decimal (a string such as "-12.50")'
    if _source(info) == "python":
        if isinstance(value, decimal.Decimal) and value.is_finite():
            return value
        if _is_int(value):
            return decimal.Decimal(value)  # type: ignore[arg-type]
        raise _fail("a decimal.Decimal")
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return decimal.Decimal(value)
    raise _fail(expected)


def _str(value: object, info: pydantic.ValidationInfo) -> str:
    if isinstance(value, str):
        return value
    raise _fail("a string")


def _date(value: object, info: pydantic.ValidationInfo) -> datetime.date:
    if _source(info) == "python":
        if isinstance(value, datetime.date) and not isinstance(
            value, datetime.datetime
        ):
            return value
        raise _fail("a datetime.date")
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail("a date (YYYY-MM-DD)")


def parse_datetime(text: str) -> datetime.datetime:
    """An RFC 3339 date-time as an aware datetime in UTC."""
    if not _DATETIME.fullmatch(text):
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    moment = datetime.datetime.fromisoformat(text.upper())
    return moment.astimezone(datetime.UTC)


def _datetime(value: object, info: pydantic.ValidationInfo) -> datetime.datetime:
    if _source(info) == "python":
        if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
            return value.astimezone(datetime.UTC)
        raise _fail("a timezone-aware datetime.datetime")
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            pass
    raise _fail("a date-time (RFC 3339, e.g. 2024-01-31T12:00:00Z)")


def _uuid(value: object, info: pydantic.ValidationInfo) -> uuid.UUID:
    if _source(info) == "python":
        if isinstance(value, uuid.UUID):
            return value
        raise _fail("a uuid.UUID")
    if isinstance(value, str) and _UUID.fullmatch(value):
        return uuid.UUID(value)
    raise _fail("a uuid (8-4-4-4-12 hexadecimal digits)")


def _bytes(value: object, info: pydantic.ValidationInfo) -> bytes:
    if _source(info) == "python":
        if isinstance(value, bytes):
            return value
        raise _fail("bytes")
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    raise _fail("bytes (standard base64)")


def _json(value: object, info: pydantic.ValidationInfo) -> Any:
    return value


def datetime_text(value: datetime.datetime) -> str:
    text = value.astimezone(datetime.UTC).isoformat()
    return text.replace("+00:00", "Z")


def decimal_text(value: decimal.Decimal) -> str:
    return format(value, "f")


def bytes_text(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


Bool = Annotated[bool, pydantic.PlainValidator(_bool)]
Int = Annotated[int, pydantic.PlainValidator(_int)]
Int64 = Annotated[
    int,
    pydantic.PlainValidator(_int64),
    pydantic.PlainSerializer(str, return_type=str, when_used="json"),
]
Float = Annotated[float, pydantic.PlainValidator(_float)]
Decimal = Annotated[
    decimal.Decimal,
    pydantic.PlainValidator(_decimal),
    pydantic.PlainSerializer(decimal_text, return_type=str, when_used="json"),
]
Str = Annotated[str, pydantic.PlainValidator(_str)]
Date = Annotated[
    datetime.date,
    pydantic.PlainValidator(_date),
    pydantic.PlainSerializer(
        datetime.date.isoformat, return_type=str, when_used="json"
    ),
]
DateTime = Annotated[
    datetime.datetime,
    pydantic.PlainValidator(_datetime),
    pydantic.PlainSerializer(datetime_text, return_type=str, when_used="json"),
]
UUID = Annotated[
    uuid.UUID,
    pydantic.PlainValidator(_uuid),
    pydantic.PlainSerializer(str, return_type=str, when_used="json"),
]
Bytes = Annotated[
    bytes,
    pydantic.PlainValidator(_bytes),
    pydantic.PlainSerializer(bytes_text, return_type=str, when_used="json"),
]
Json = Annotated[Any, pydantic.PlainValidator(_json)]
Email = Str
Url = Str


@dataclass(frozen=True)
class Upload:
    """A file received in a multipart call."""

    filename: str
    content_type: str
    data: bytes


def key_text(value: object) -> str:
    """A context key value as text: the form of bundle `params` and of
    invalidation entries (and of the bundle's query string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime.datetime):
        return datetime_text(value)
    if isinstance(value, (datetime.date, uuid.UUID, int, str)):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"not a context key value: {value!r}")
