"""The spec's primitive types as they appear in the generated models.

The service builds its results from these models and receives its
arguments as them. Each alias checks its Python value strictly (no
silent conversion of "42" to 42), so a mistake shows where it is made;
the wire form itself (int64 as a string, ...) is the runtime's business
(`mizan_runtime.encode` / `decode`).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import pydantic
from pydantic_core import PydanticCustomError

INT_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)


def _fail(expected: str) -> PydanticCustomError:
    return PydanticCustomError(
        "mizan_type", "expected {expected}", {"expected": expected}
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail("a bool")


def _ranged(bounds: tuple[int, int], name: str) -> Any:
    def check(value: object) -> int:
        if _is_int(value) and bounds[0] <= value <= bounds[1]:  # type: ignore[operator]
            return value  # type: ignore[return-value]
        raise _fail(f"an int within the range of {name}")

    return check


def _float(value: object) -> float:
    if _is_int(value) or isinstance(value, float):
        return float(value)  # type: ignore[arg-type]
    raise _fail("a float")


def _decimal(value: object) -> decimal.Decimal:
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return value
    if _is_int(value):
        return decimal.Decimal(value)  # type: ignore[arg-type]
    raise _fail("a finite decimal.Decimal")


def _str(value: object) -> str:
    if isinstance(value, str):
        return value
    raise _fail("a str")


def _date(value: object) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    raise _fail("a datetime.date")


def _datetime(value: object) -> datetime.datetime:
    if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
        return value
    raise _fail("a timezone-aware datetime.datetime")


def _uuid(value: object) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    raise _fail("a uuid.UUID")


def _bytes(value: object) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise _fail("bytes")


def _json(value: object) -> Any:
    return value


def parse_datetime(text: str) -> datetime.datetime:
    """A default written in the spec: ISO 8601, a naive one meaning UTC."""
    moment = datetime.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


Bool = Annotated[bool, pydantic.PlainValidator(_bool)]
Int = Annotated[int, pydantic.PlainValidator(_ranged(INT_RANGE, "int"))]
Int64 = Annotated[int, pydantic.PlainValidator(_ranged(INT64_RANGE, "int64"))]
Float = Annotated[float, pydantic.PlainValidator(_float)]
Decimal = Annotated[decimal.Decimal, pydantic.PlainValidator(_decimal)]
Str = Annotated[str, pydantic.PlainValidator(_str)]
Date = Annotated[datetime.date, pydantic.PlainValidator(_date)]
DateTime = Annotated[datetime.datetime, pydantic.PlainValidator(_datetime)]
UUID = Annotated[uuid.UUID, pydantic.PlainValidator(_uuid)]
Bytes = Annotated[bytes, pydantic.PlainValidator(_bytes)]
Json = Annotated[Any, pydantic.PlainValidator(_json)]
Email = Str
Url = Str


@dataclass(frozen=True)
class Upload:
    """A file received in a multipart call, already checked against the
    param's `max-size` and `content-types`."""

    filename: str  # as the client sent it ("" when absent)
    content_type: str  # the part's media type, lowercased, without parameters
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self) -> bytes:
        return self.data
