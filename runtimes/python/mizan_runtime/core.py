"""Mizan wire protocol runtime for generated Python servers (FastAPI, Django).

Copied as-is into every generated server; it imports only the standard
library, and PyJWT for JWTs. It implements docs/protocol.md: the error
envelope, the strict JSON reader and canonical JSON, value codecs compiled
from the embedded type table, key texts, invalidation lists and the
X-Mizan-Invalidate header, bundle cache keys, JWT access/refresh tokens, MWT,
CSRF, upload checks, form validation, and an in-memory bundle cache (the
interface a Redis backend implements). Framework glue lives elsewhere.

Its behaviour is pinned by the test vectors in protocol/vectors/ of
mizan-lang, which this module replays in mizan-lang's test suite.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import hmac
import json
import math
import re
import secrets
import string
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Protocol

PROTOCOL_VERSION = 1
DEFAULT_PREFIX = "/api/mizan/"
INVALIDATE_HEADER = "X-Mizan-Invalidate"
CSRF_COOKIE, CSRF_HEADER = "mizan_csrf", "X-Mizan-CSRF"
MWT_COOKIE, MWT_HEADER, MWT_TTL = "mizan_mwt", "X-Mizan-MWT", 300
ACCESS_COOKIE, REFRESH_COOKIE = "mizan_access", "mizan_refresh"
MAX_BODY_SIZE = 10 * 1024 * 1024  # default server-wide request limit
HEADER_LIMIT = 4096
MAX_DEPTH = 128

# ===================================================================== errors

ERROR_CODES: dict[str, tuple[int, str]] = {
    "bad_request": (400, "The request is malformed."),
    "invalid_arguments": (400, "Some arguments are invalid."),
    "unauthenticated": (401, "Authentication is required."),
    "forbidden": (403, "You are not allowed to do this."),
    "csrf_failed": (403, "The CSRF check failed."),
    "not_found": (404, "Not found."),
    "method_not_allowed": (405, "Method not allowed."),
    "payload_too_large": (413, "The payload is too large."),
    "unsupported_media_type": (415, "Unsupported media type."),
    "validation_failed": (422, "The form has errors."),
    "internal": (500, "Internal server error."),
}


class MizanError(Exception):
    """Becomes an error response: `status` and `body()`."""

    def __init__(self, code: str, details: Any = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.details = details

    @property
    def status(self) -> int:
        return ERROR_CODES[self.code][0]

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.details)


def error_body(code: str, details: Any = None) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": ERROR_CODES[code][1], "details": details}
    }


# ============================================================== canonical JSON


def utf16_order(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def format_float(value: float) -> str:
    """ECMAScript Number.prototype.toString of a finite float."""
    if not math.isfinite(value):
        raise ValueError("non-finite float")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    all_digits = "".join(map(str, digit_tuple))
    n = int(exponent) + len(all_digits)
    digits = all_digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def canonical_json(value: Any) -> str:
    """No whitespace, keys sorted by UTF-16 code units, ECMAScript floats."""
    if _dumps_is_canonical(value):
        # The common case, ~10x faster: json's C encoder writes the same text
        # when there are no floats (Python and ECMAScript spell them
        # differently) and no key outside the BMP (UTF-16 order differs from
        # code point order only there).
        return json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), sort_keys=True
        )
    out: list[str] = []
    _write_json(value, out)
    return "".join(out)


def _dumps_is_canonical(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is list or kind is tuple:
            stack.extend(item)
        elif kind is dict:
            for key in item:
                if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                    return False
            stack.extend(item.values())
        else:  # floats, subclasses, anything else: the careful writer decides
            return False
    return True


def _write_json(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(format_float(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write_json(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for index, key in enumerate(sorted(value, key=utf16_order)):
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write_json(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


class MalformedJson(ValueError):
    pass


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json(data: bytes | str) -> Any:
    """Strict JSON: UTF-8 without BOM, no NaN/Infinity, no duplicate keys,
    no lone surrogates, at most MAX_DEPTH levels of nesting."""
    if isinstance(data, (bytes, bytearray)):
        if data[:3] == b"\xef\xbb\xbf":
            raise MalformedJson("byte order mark")
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedJson("not UTF-8") from exc
    try:
        value = json.loads(
            data, parse_constant=_no_constant, object_pairs_hook=_unique_keys
        )
    except (ValueError, RecursionError) as exc:
        raise MalformedJson(str(exc)) from exc
    if data.count("[") + data.count("{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise MalformedJson("nested too deeply")
    if _SURROGATE_ESCAPE.search(data) and _has_lone_surrogate(value):
        raise MalformedJson("lone surrogate")
    return value


def _no_constant(name: str) -> Any:
    raise MalformedJson(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise MalformedJson("duplicate object key")
    return result


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _is_scalar_text(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _is_scalar_text(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(str(exc)) from exc
    if b64url_encode(data) != text:
        raise ValueError("not canonical base64url")
    return data


# ====================================================================== values

INT_RANGE = (-(2**31), 2**31 - 1)
INT64_RANGE = (-(2**63), 2**63 - 1)
MAX_DECIMAL_DIGITS = 50

VALUE_MESSAGES = {
    "required": "This value is required.",
    "unknown": "This name is not expected.",
    "type": "Expected {type}.",
    "format": "Not a valid {type}.",
    "range": "Out of range for {type}.",
    "choice": "Not a member of {type}.",
    "duplicate": "Given more than once.",
}


def _escape_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


class ValueProblem(ValueError):
    """A rejected value: code, JSON Pointer path, fixed message."""

    def __init__(self, code: str, path: str = "", type_text: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.path = path
        self.message = VALUE_MESSAGES[code].format(type=type_text)

    def under(self, token: str | int) -> ValueProblem:
        """The same problem one level deeper (paths are built on the way out)."""
        self.path = f"/{_escape_token(token)}{self.path}"
        return self

    def detail(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "path": self.path}


class EncodeError(ValueError):
    """A value the server is about to send does not fit its type (a server bug)."""


class _Bad(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


_INT_TEXT = re.compile(r"0|-?[1-9][0-9]*")
_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DATETIME_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_BASE64_TEXT = re.compile(
    r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
)
_UTC = dt.UTC


def _d_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise _Bad("type")


def _d_integral(value: Any) -> int:
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise _Bad("type")


def _d_int(value: Any) -> int:
    number = _d_integral(value)
    if not INT_RANGE[0] <= number <= INT_RANGE[1]:
        raise _Bad("range")
    return number


def _d_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad("type")
    try:
        number = float(value)
    except OverflowError:
        raise _Bad("range") from None
    if not math.isfinite(number):
        raise _Bad("range")
    return number


def _text(value: Any) -> str:
    if type(value) is not str:
        raise _Bad("type")
    return value


def _d_str(value: Any) -> str:
    text = _text(value)
    if not _is_scalar_text(text):
        raise _Bad("format")
    return text


def _d_int64(value: Any) -> int:
    text = _text(value)
    if not _INT_TEXT.fullmatch(text):
        raise _Bad("format")
    if len(text.lstrip("-")) > 19:
        raise _Bad("range")
    number = int(text)
    if not INT64_RANGE[0] <= number <= INT64_RANGE[1]:
        raise _Bad("range")
    return number


def _d_decimal(value: Any) -> Decimal:
    text = _text(value)
    if not _DECIMAL_TEXT.fullmatch(text):
        raise _Bad("format")
    if len(text) - text.startswith("-") - ("." in text) > MAX_DECIMAL_DIGITS:
        raise _Bad("range")
    number = Decimal(text)
    return number.copy_abs() if number.is_zero() else number


def _d_date(value: Any) -> dt.date:
    match = _DATE_TEXT.fullmatch(_text(value))
    if not match:
        raise _Bad("format")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise _Bad("format") from None


def _d_datetime(value: Any) -> dt.datetime:
    match = _DATETIME_TEXT.fullmatch(_text(value))
    if not match:
        raise _Bad("format")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = (
        match.groups()
    )
    micro = int((fraction or "").ljust(6, "0")[:6])
    offset = 0
    if not zulu:
        if int(off_h) > 23 or int(off_m) > 59:
            raise _Bad("format")
        offset = (int(off_h) * 60 + int(off_m)) * (1 if sign == "+" else -1)
    try:
        local = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro
        )
    except ValueError:
        raise _Bad("format") from None
    try:
        utc = local - dt.timedelta(minutes=offset)
    except OverflowError:
        raise _Bad("range") from None
    return utc.replace(tzinfo=_UTC)


def _d_uuid(value: Any) -> uuid.UUID:
    text = _text(value)
    if not _UUID_TEXT.fullmatch(text):
        raise _Bad("format")
    return uuid.UUID(text)


def _d_bytes(value: Any) -> bytes:
    text = _text(value)
    if not _BASE64_TEXT.fullmatch(text):
        raise _Bad("format")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise _Bad("format") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise _Bad("format")
    return data


PRIMITIVE_DECODERS: dict[str, Callable[[Any], Any]] = {
    "bool": _d_bool,
    "int": _d_int,
    "int64": _d_int64,
    "float": _d_float,
    "decimal": _d_decimal,
    "str": _d_str,
    "email": _d_str,
    "url": _d_str,
    "date": _d_date,
    "datetime": _d_datetime,
    "uuid": _d_uuid,
    "bytes": _d_bytes,
    "json": lambda value: value,
}


def decimal_text(number: Decimal) -> str:
    if not number.is_finite():
        raise ValueError("non-finite decimal")
    if number.is_zero():
        number = number.copy_abs()
    return format(number, "f")


def datetime_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime (no time zone)")
    u = moment.astimezone(_UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:"
        f"{u.second:02d}.{u.microsecond:06d}Z"
    )


def _e_int(value: Any, bounds: tuple[int, int] = INT_RANGE) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{type(value).__name__} is not an integer")
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{value} is out of range")
    return value


def _e_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{type(value).__name__} is not a float")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("non-finite float")
    return number


def _e_decimal(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{type(value).__name__} is not a decimal")
    return decimal_text(Decimal(value))


def _e_date(value: Any) -> str:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise TypeError(f"{type(value).__name__} is not a date")
    return value.isoformat()


def _e_datetime(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{type(value).__name__} is not a datetime")
    return datetime_text(value)


def _e_of(
    kind: type | tuple[type, ...], convert: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    def encode(value: Any) -> Any:
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise TypeError(f"{type(value).__name__} is not a {kind}")
        return convert(value)

    return encode


def _e_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{type(value).__name__} is not a str")
    if not _is_scalar_text(value):
        raise ValueError("lone surrogate")
    return value


PRIMITIVE_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "bool": _e_of(bool, lambda v: v),
    "int": _e_int,
    "int64": lambda v: str(_e_int(v, INT64_RANGE)),
    "float": _e_float,
    "decimal": _e_decimal,
    "str": _e_str,
    "email": _e_str,
    "url": _e_str,
    "date": _e_date,
    "datetime": _e_datetime,
    "uuid": _e_of(uuid.UUID, str),
    "bytes": _e_of(
        (bytes, bytearray), lambda v: base64.b64encode(bytes(v)).decode("ascii")
    ),
    "json": lambda value: value,
}


def type_text(node: dict[str, Any]) -> str:
    kind = node["kind"]
    if kind in ("primitive", "named"):
        return str(node["name"])
    if kind == "list":
        return f"list<{type_text(node['item'])}>"
    if kind == "map":
        return f"map<str,{type_text(node['value'])}>"
    if kind == "nullable":
        return type_text(node["inner"]) + "?"
    return "Upload"


_NO_DEFAULT: Any = object()
Decoder = Callable[[Any], Any]


class Codecs:
    """Decoders and encoders compiled from a type table (the schema JSON).

    `factories` maps a record or shape name to a callable that turns the
    decoded field dict into the application's own object (a pydantic model,
    a dataclass); without one, records decode to dicts. Encoders accept
    dicts and objects with the fields as attributes.
    """

    def __init__(
        self,
        schema: dict[str, Any],
        factories: dict[str, Callable[[dict[str, Any]], Any]] | None = None,
    ) -> None:
        self.enums = {
            name: frozenset(members)
            for name, members in schema.get("enums", {}).items()
        }
        self.records: dict[str, list[dict[str, Any]]] = dict(schema.get("records", {}))
        self.factories = dict(factories or {})
        self._named_decoders: dict[str, Decoder] = {}
        self._named_encoders: dict[str, Decoder] = {}

    # --- decoding: problems carry paths relative to the value decoded

    def decoder(self, node: dict[str, Any]) -> Decoder:
        kind = node["kind"]
        if kind == "primitive":
            return self._primitive_decoder(node["name"])
        if kind == "nullable":
            return self._nullable_decoder(node["inner"])
        if kind == "list":
            return self._list_decoder(node)
        if kind == "map":
            return self._map_decoder(node)
        if kind == "named":
            return self._named_decoder(node["name"])

        def upload(value: Any) -> Any:
            raise ValueProblem("type", "", "Upload")

        return upload

    def decode(self, node: dict[str, Any], value: Any) -> Any:
        return self.decoder(node)(value)

    @staticmethod
    def _primitive_decoder(name: str) -> Decoder:
        convert = PRIMITIVE_DECODERS[name]

        def primitive(value: Any) -> Any:
            try:
                return convert(value)
            except _Bad as bad:
                raise ValueProblem(bad.code, "", name) from None

        return primitive

    def _nullable_decoder(self, inner_node: dict[str, Any]) -> Decoder:
        inner = self.decoder(inner_node)
        message = f"Expected {type_text(inner_node)} or null."

        def nullable(value: Any) -> Any:
            if value is None:
                return None
            try:
                return inner(value)
            except ValueProblem as problem:
                if problem.code == "type" and problem.path == "":
                    problem.message = message
                raise

        return nullable

    def _list_decoder(self, node: dict[str, Any]) -> Decoder:
        item, text = self.decoder(node["item"]), type_text(node)

        def list_(value: Any) -> Any:
            if type(value) is not list:
                raise ValueProblem("type", "", text)
            result = []
            for index, element in enumerate(value):
                try:
                    result.append(item(element))
                except ValueProblem as problem:
                    raise problem.under(index) from None
            return result

        return list_

    def _map_decoder(self, node: dict[str, Any]) -> Decoder:
        item, text = self.decoder(node["value"]), type_text(node)

        def map_(value: Any) -> Any:
            if type(value) is not dict:
                raise ValueProblem("type", "", text)
            result = {}
            for key in sorted(value, key=utf16_order):
                try:
                    result[key] = item(value[key])
                except ValueProblem as problem:
                    raise problem.under(key) from None
            return result

        return map_

    def _named_decoder(self, name: str) -> Decoder:
        if name in self.enums:
            members = self.enums[name]

            def enum(value: Any) -> Any:
                if type(value) is not str:
                    raise ValueProblem("type", "", name)
                if value not in members:
                    raise ValueProblem("choice", "", name)
                return value

            return enum

        def record(
            value: Any,
        ) -> Any:  # built on first use: records may refer to themselves
            build = self._named_decoders.get(name)
            if build is None:
                build = self._named_decoders[name] = self._record_decoder(name)
            return build(value)

        return record

    def _record_decoder(self, name: str) -> Decoder:
        fields = []
        for spec in self.records[name]:
            decode = self.decoder(spec["type"])
            default = decode(spec["default"]) if "default" in spec else _NO_DEFAULT
            fields.append((spec["name"], decode, default))
        known = frozenset(f[0] for f in fields)
        factory = self.factories.get(name)

        def record(value: Any) -> Any:
            if type(value) is not dict:
                raise ValueProblem("type", "", name)
            result = {}
            for field, decode, default in fields:
                if field in value:
                    try:
                        result[field] = decode(value[field])
                    except ValueProblem as problem:
                        raise problem.under(field) from None
                elif default is not _NO_DEFAULT:
                    result[field] = default
                else:
                    raise ValueProblem("required").under(field)
            if not known.issuperset(value):
                extra = sorted((k for k in value if k not in known), key=utf16_order)
                raise ValueProblem("unknown").under(extra[0])
            return factory(result) if factory is not None else result

        return record

    # --- encoding

    def encoder(self, node: dict[str, Any]) -> Callable[[Any], Any]:
        kind = node["kind"]
        if kind == "primitive":
            convert = PRIMITIVE_ENCODERS[node["name"]]

            def primitive(value: Any) -> Any:
                try:
                    return convert(value)
                except (TypeError, ValueError) as exc:
                    raise EncodeError(str(exc)) from None

            return primitive
        if kind == "nullable":
            inner = self.encoder(node["inner"])
            return lambda value: None if value is None else inner(value)
        if kind == "list":
            item = self.encoder(node["item"])

            def list_(value: Any) -> Any:
                if not isinstance(value, (list, tuple)):
                    raise EncodeError(f"{type(value).__name__} is not a list")
                return [item(element) for element in value]

            return list_
        if kind == "map":
            item = self.encoder(node["value"])

            def map_(value: Any) -> Any:
                if not isinstance(value, dict) or not all(
                    isinstance(k, str) for k in value
                ):
                    raise EncodeError("a map needs a dict with str keys")
                return {key: item(element) for key, element in value.items()}

            return map_
        if kind == "named":
            return self._named_encoder(node["name"])
        raise EncodeError("an Upload is never sent")

    def encode(self, node: dict[str, Any], value: Any) -> Any:
        return self.encoder(node)(value)

    def _named_encoder(self, name: str) -> Callable[[Any], Any]:
        if name in self.enums:
            members = self.enums[name]

            def enum(value: Any) -> Any:
                member = getattr(value, "name", value)
                if member not in members:
                    raise EncodeError(f"{member!r} is not a member of {name}")
                return member

            return enum

        def record(value: Any) -> Any:
            build = self._named_encoders.get(name)
            if build is None:
                fields = [
                    (f["name"], self.encoder(f["type"])) for f in self.records[name]
                ]
                build = self._named_encoders[name] = functools.partial(
                    _encode_record, fields
                )
            return build(value)

        return record


def _encode_record(fields: list[tuple[str, Callable[[Any], Any]]], value: Any) -> Any:
    result = {}
    is_dict = isinstance(value, dict)
    for field, encode in fields:
        if is_dict:
            if field not in value:
                raise EncodeError(f"field {field!r} is missing")
            result[field] = encode(value[field])
        else:
            try:
                item = getattr(value, field)
            except AttributeError:
                raise EncodeError(f"field {field!r} is missing") from None
            result[field] = encode(item)
    return result


# ================================================================== key texts


def _key_base(node: dict[str, Any]) -> dict[str, Any]:
    while node["kind"] == "nullable":
        node = node["inner"]
    return node


def normalized_decimal(number: Decimal) -> str:
    if number.is_zero():
        return "0"
    text = decimal_text(number)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def key_text(node: dict[str, Any], value: Any) -> str | None:
    """The canonical text of a context key value (None for null)."""
    if value is None:
        return None
    base = _key_base(node)
    if base["kind"] == "named":
        return str(getattr(value, "name", value))
    name = base["name"]
    if name == "bool":
        return "true" if value else "false"
    if name in ("int", "int64"):
        return str(value)
    if name == "decimal":
        return normalized_decimal(Decimal(value))
    return str(PRIMITIVE_ENCODERS[name](value))


def parse_key(node: dict[str, Any], text: str, codecs: Codecs) -> Any:
    """A key value from its query-string text; ValueProblem (relative path) otherwise."""
    base = _key_base(node)
    if base["kind"] == "named":
        if text not in codecs.enums.get(base["name"], ()):
            raise ValueProblem("choice", "", base["name"])
        return text
    kind = base["name"]
    try:
        if kind == "bool":
            if text not in ("true", "false"):
                raise _Bad("format")
            return text == "true"
        if kind in ("int", "int64"):
            number = _d_int64(text)
            if kind == "int" and not INT_RANGE[0] <= number <= INT_RANGE[1]:
                raise _Bad("range")
            return number
        if kind == "decimal":
            return Decimal(normalized_decimal(_d_decimal(text)))
        return PRIMITIVE_DECODERS[kind](text)
    except _Bad as bad:
        raise ValueProblem(bad.code, "", kind) from None


# ============================================================ arguments, queries


class Params:
    """The params of a function or the key of a context, compiled.

    `specs`: [{"name", "type", "default"? (wire form)}] in declared order.
    """

    def __init__(self, specs: list[dict[str, Any]], codecs: Codecs) -> None:
        self.codecs = codecs
        self.specs = []
        for spec in specs:
            decode = codecs.decoder(spec["type"])
            self.specs.append(
                (spec["name"], spec["type"], decode, self._missing_value(spec, decode))
            )
        self.names = frozenset(spec["name"] for spec in specs)

    @staticmethod
    def _missing_value(spec: dict[str, Any], decode: Decoder) -> Any:
        if "default" in spec:
            return decode(spec["default"])
        if spec["type"]["kind"] == "nullable":
            return None
        return _NO_DEFAULT

    def decode_args(self, args: dict[str, Any]) -> dict[str, Any]:
        """Decoded args of a JSON call; MizanError(invalid_arguments) with details."""
        values: dict[str, Any] = {}
        problems: dict[str, dict[str, str]] = {}
        for name, node, decode, missing in self.specs:
            if name in args:
                try:
                    values[name] = decode(args[name])
                except ValueProblem as problem:
                    problems[name] = problem.under(name).detail()
            elif node["kind"] == "upload":
                continue  # a multipart file part
            elif missing is not _NO_DEFAULT:
                values[name] = missing
            else:
                problems[name] = ValueProblem("required").under(name).detail()
        if not self.names.issuperset(args):
            for name in args:
                if name not in self.names:
                    problems[name] = ValueProblem("unknown").under(name).detail()
        if problems:
            raise MizanError("invalid_arguments", problems)
        return values

    def decode_query(self, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """Decoded key params of a context fetch from the query's (name, value) pairs."""
        given: dict[str, list[str]] = {}
        for name, text in pairs:
            given.setdefault(name, []).append(text)
        values: dict[str, Any] = {}
        problems: dict[str, dict[str, str]] = {}
        for name, node, _, missing in self.specs:
            texts = given.get(name)
            try:
                if texts is None:
                    if missing is _NO_DEFAULT:
                        raise ValueProblem("required")
                    values[name] = missing
                elif len(texts) > 1:
                    raise ValueProblem("duplicate")
                else:
                    values[name] = parse_key(node, texts[0], self.codecs)
            except ValueProblem as problem:
                problems[name] = problem.under(name).detail()
        for name in given:
            if name not in self.names:
                problems[name] = ValueProblem("unknown").under(name).detail()
        if problems:
            raise MizanError("invalid_arguments", problems)
        return values

    def key_texts(self, values: dict[str, Any]) -> dict[str, str | None]:
        """The `params` of a bundle response and of its cache key."""
        return {name: key_text(node, values[name]) for name, node, _, _ in self.specs}


# ===================================================================== uploads

DEFAULT_CONTENT_TYPE = "application/octet-stream"


def media_type(content_type: str | None) -> str:
    if not content_type:
        return DEFAULT_CONTENT_TYPE
    return content_type.split(";", 1)[0].strip().lower()


def accepts(accepted: list[str], content_type: str | None) -> bool:
    if not accepted:
        return True
    kind = media_type(content_type)
    major = kind.split("/", 1)[0]
    return any(a.lower() == kind or a.lower() == f"{major}/*" for a in accepted)


def check_upload(
    name: str,
    max_size: int | None,
    accepted: list[str],
    size: int,
    content_type: str | None,
) -> None:
    if max_size is not None and size > max_size:
        raise MizanError("payload_too_large", {"limit": max_size, "param": name})
    if not accepts(accepted, content_type):
        raise MizanError(
            "unsupported_media_type",
            {"content_type": media_type(content_type), "param": name},
        )


# ================================================================ invalidation

Entry = tuple[
    str, tuple[tuple[str, "str | None"], ...]
]  # (context, params sorted by key)


def make_entry(context: str, params: dict[str, str | None]) -> Entry:
    return context, tuple(sorted(params.items(), key=lambda kv: utf16_order(kv[0])))


def _entry_order(entry: Entry) -> tuple[Any, ...]:
    return (
        utf16_order(entry[0]),
        [
            (utf16_order(k), (0, b"") if v is None else (1, utf16_order(v)))
            for k, v in entry[1]
        ],
    )


def normalize(entries: Iterable[Entry]) -> list[Entry]:
    """Deduplicated, without entries a broader one covers, sorted."""
    unique = sorted(set(entries), key=_entry_order)
    if len(unique) < 2:
        return unique
    keep = []
    for entry in unique:
        pairs = set(entry[1])
        if not any(
            o is not entry and o[0] == entry[0] and set(o[1]) <= pairs for o in unique
        ):
            keep.append(entry)
    return keep


class Invalidator:
    """Computes a mutation's invalidation from its scoping and a call's decoded args.

    `scopings`: the IR's `invalidates` ([{context, tier, bindings: {key: param}}]);
    `key_types`: context -> key param -> type node.
    """

    def __init__(
        self,
        scopings: list[dict[str, Any]],
        key_types: dict[str, dict[str, dict[str, Any]]],
    ) -> None:
        self.plan = []
        for scoping in scopings:
            types = key_types[scoping["context"]]
            bound = (
                []
                if scoping["tier"] == "global"
                else [
                    (key, param, types[key])
                    for key, param in sorted(scoping["bindings"].items())
                ]
            )
            self.plan.append((scoping["context"], bound))

    def entries(self, args: dict[str, Any]) -> list[Entry]:
        return normalize(
            make_entry(
                context,
                {key: key_text(node, args.get(param)) for key, param, node in bound},
            )
            for context, bound in self.plan
        )


def to_body(entries: list[Entry]) -> list[dict[str, Any]]:
    return [{"context": context, "params": dict(params)} for context, params in entries]


def from_body(items: list[dict[str, Any]]) -> list[Entry]:
    return normalize(make_entry(item["context"], item["params"]) for item in items)


_UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._"
)
_HEADER_TOKEN = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*")


def header_escape(text: str) -> str:
    return "".join(
        chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8")
    )


def header_unescape(token: str) -> str:
    if not _HEADER_TOKEN.fullmatch(token):
        raise ValueError(f"bad characters in {token!r}")
    raw = bytearray()
    index = 0
    while index < len(token):
        if token[index] == "%":
            raw.append(int(token[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.append(ord(token[index]))
            index += 1
    return raw.decode("utf-8")


def _entry_header(entry: Entry) -> str:
    parts = [header_escape(entry[0])]
    for key, value in entry[1]:
        parts.append(
            header_escape(key)
            if value is None
            else f"{header_escape(key)}={header_escape(value)}"
        )
    return ";".join(parts)


def format_header(entries: list[Entry], limit: int = HEADER_LIMIT) -> str | None:
    """X-Mizan-Invalidate of a normalized list; None: send no header."""
    if not entries:
        return None
    text = ",".join(map(_entry_header, entries))
    if len(text) <= limit:
        return text
    text = ",".join(
        map(_entry_header, normalize((context, ()) for context, _ in entries))
    )
    return text if len(text) <= limit else "*"


def parse_header(text: str) -> list[Entry] | None:
    """The normalized list of a header value; None for `*` (everything).
    ValueError when malformed (treat as `*`)."""
    text = text.strip(" \t")
    if text == "*":
        return None
    entries = []
    for item in text.split(","):
        parts = item.strip(" \t").split(";")
        context = header_unescape(parts[0])
        params: dict[str, str | None] = {}
        for part in parts[1:]:
            key, eq, value = part.partition("=")
            name = header_unescape(key)
            if not name or name in params:
                raise ValueError(f"empty or repeated key in {item!r}")
            params[name] = header_unescape(value) if eq else None
        if not context:
            raise ValueError(f"empty context name in {item!r}")
        entries.append(make_entry(context, params))
    return normalize(entries)


# =================================================================== cache key

CACHE_KEY_TAG = b"mizan-cache-key-v1\x00"


def cache_identity(vary: str, subject: str | None) -> str:
    if vary == "public":
        return "public"
    return "anon" if subject is None else f"user:{subject}"


def _lp(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def cache_message(context: str, params: dict[str, str | None], identity: str) -> bytes:
    parts = [CACHE_KEY_TAG, _lp(context), struct.pack(">I", len(params))]
    for key in sorted(params, key=utf16_order):
        value = params[key]
        parts.append(_lp(key))
        parts.append(b"\x00" if value is None else b"\x01" + _lp(value))
    parts.append(_lp(identity))
    return b"".join(parts)


def _secret(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def cache_key(
    secret: bytes | str, context: str, params: dict[str, str | None], identity: str
) -> str:
    return hmac.new(
        _secret(secret), cache_message(context, params, identity), hashlib.sha256
    ).hexdigest()


# ========================================================================= JWT

RESERVED_CLAIMS = frozenset({"aud", "exp", "iat", "iss", "jti", "nbf", "sub", "typ"})


class TokenError(ValueError):
    """A refused token; `reason` goes to the 401's details."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def token_claims(
    jwt_config: dict[str, Any],
    typ: str,
    sub: str,
    iat: int,
    extra: dict[str, Any] | None = None,
    jti: str | None = None,
) -> dict[str, Any]:
    """`jwt_config`: the IR's jwt settings (algorithm, issuer, audience, *_ttl)."""
    ttl = jwt_config["access_ttl"] if typ == "access" else jwt_config["refresh_ttl"]
    claims: dict[str, Any] = {"exp": iat + ttl, "iat": iat, "sub": sub, "typ": typ}
    if jwt_config.get("issuer") is not None:
        claims["iss"] = jwt_config["issuer"]
    if jwt_config.get("audience") is not None:
        claims["aud"] = jwt_config["audience"]
    if typ == "refresh":
        if not jti:
            raise ValueError("a refresh token needs a jti")
        claims["jti"] = jti
    clash = RESERVED_CLAIMS.intersection(extra or {})
    if clash:
        raise ValueError(f"extra claims may not set {sorted(clash)}")
    claims.update(extra or {})
    return claims


def encode_jwt(algorithm: str, key: Any, claims: dict[str, Any]) -> str:
    """Sign canonical-JSON claims with PyJWT (header `{"alg":..,"typ":"JWT"}`)."""
    from jwt.api_jws import PyJWS

    payload = canonical_json(claims).encode("utf-8")
    return PyJWS().encode(payload, key, algorithm=algorithm)


def mint_token(
    jwt_config: dict[str, Any],
    key: Any,
    typ: str,
    sub: str,
    iat: int | None = None,
    extra: dict[str, Any] | None = None,
    jti: str | None = None,
) -> str:
    if iat is None:
        iat = int(time.time())
    if typ == "refresh" and jti is None:
        jti = secrets.token_hex(16)
    return encode_jwt(
        jwt_config["algorithm"],
        key,
        token_claims(jwt_config, typ, sub, iat, extra, jti),
    )


def verify_token(
    jwt_config: dict[str, Any], key: Any, token: str, typ: str, now: int | None = None
) -> dict[str, Any]:
    """The claims of a valid token, or TokenError. The order of checks is fixed:
    malformed, algorithm, signature, malformed claims, wrong_type, issuer, audience, expired."""
    from jwt.api_jws import PyJWS
    from jwt.exceptions import InvalidSignatureError, InvalidTokenError

    header, claims = _jwt_parts(token)
    algorithm = jwt_config["algorithm"]
    if header.get("alg") != algorithm:
        raise TokenError("algorithm")
    try:
        PyJWS().decode_complete(token, key, algorithms=[algorithm])
    except InvalidSignatureError:
        raise TokenError("signature") from None
    except InvalidTokenError:
        raise TokenError("malformed") from None
    if not _claims_well_formed(claims, typ):
        raise TokenError("malformed")
    if claims["typ"] != typ:
        raise TokenError("wrong_type")
    if claims.get("iss") != jwt_config.get("issuer"):
        raise TokenError("issuer")
    if claims.get("aud") != jwt_config.get("audience"):
        raise TokenError("audience")
    if (int(time.time()) if now is None else now) >= claims["exp"]:
        raise TokenError("expired")
    return claims


def _jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        raise TokenError("malformed")
    try:
        header = parse_json(b64url_decode(parts[0]))
        claims = parse_json(b64url_decode(parts[1]))
        b64url_decode(parts[2])
    except ValueError:
        raise TokenError("malformed") from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or "crit" in header:
        raise TokenError("malformed")
    if not isinstance(header.get("alg"), str):
        raise TokenError("malformed")
    return header, claims


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _claims_well_formed(claims: dict[str, Any], typ: str) -> bool:
    ok = (
        isinstance(claims.get("sub"), str)
        and claims["sub"] != ""
        and _is_int(claims.get("iat"))
        and _is_int(claims.get("exp"))
        and isinstance(claims.get("typ"), str)
    )
    if ok and typ == "refresh" and claims.get("typ") == "refresh":
        ok = isinstance(claims.get("jti"), str) and claims["jti"] != ""
    return ok


def guard_allows(guard: dict[str, Any], claims: dict[str, Any]) -> bool:
    """`guard`: {"claim", "value"} (value None: the claim must be truthy)."""
    if guard["claim"] not in claims:
        return False
    claim = claims[guard["claim"]]
    if guard.get("value") is None:
        return bool(claim)
    return json_equal(claim, guard["value"])


def json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            json_equal(left[k], right[k]) for k in left
        )
    numbers = (int, float, Decimal)
    if isinstance(left, numbers) and isinstance(right, numbers):
        return left == right
    return type(left) is type(right) and left == right


class UsedTokens(Protocol):
    """Refresh token ids already spent (rotation); a Redis backend implements the same."""

    def use(self, jti: str, exp: int) -> bool:
        """Mark `jti` used until `exp`; False when it already was."""
        ...


class MemoryUsedTokens:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def use(self, jti: str, exp: int) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._used) > 1024:
                self._used = {k: v for k, v in self._used.items() if v > now}
            if jti in self._used:
                return False
            self._used[jti] = exp
            return True


# ========================================================================= MWT

MWT_TAG = b"mizan-mwt-v1\x00"
_MWT_EXP = re.compile(r"0|[1-9][0-9]{0,15}")


def _mwt_mac(secret: bytes | str, signed: str) -> bytes:
    return hmac.new(
        _secret(secret), MWT_TAG + signed.encode("ascii"), hashlib.sha256
    ).digest()


def mint_mwt(secret: bytes | str, identity: str, exp: int) -> str:
    if not identity:
        raise ValueError("an MWT needs an identity")
    signed = f"v1.{b64url_encode(identity.encode('utf-8'))}.{exp}"
    return f"{signed}.{b64url_encode(_mwt_mac(secret, signed))}"


def verify_mwt(secret: bytes | str, token: str, now: int | None = None) -> str:
    """The identity of a valid MWT; TokenError(malformed | signature | expired)."""
    parts = token.split(".")
    if (
        len(parts) != 4
        or parts[0] != "v1"
        or not token.isascii()
        or not _MWT_EXP.fullmatch(parts[2])
    ):
        raise TokenError("malformed")
    try:
        identity = b64url_decode(parts[1]).decode("utf-8")
        mac = b64url_decode(parts[3])
    except ValueError:
        raise TokenError("malformed") from None
    if not identity:
        raise TokenError("malformed")
    if not hmac.compare_digest(_mwt_mac(secret, ".".join(parts[:3])), mac):
        raise TokenError("signature")
    if (int(time.time()) if now is None else now) >= int(parts[2]):
        raise TokenError("expired")
    return identity


# ======================================================================== CSRF

CSRF_TAG = b"mizan-csrf-v1\x00"


def _csrf_mac(secret: bytes | str, nonce_text: str) -> bytes:
    return hmac.new(
        _secret(secret), CSRF_TAG + nonce_text.encode("ascii"), hashlib.sha256
    ).digest()


def make_csrf_token(secret: bytes | str, nonce: bytes | None = None) -> str:
    nonce_text = b64url_encode(secrets.token_bytes(32) if nonce is None else nonce)
    return f"{nonce_text}.{b64url_encode(_csrf_mac(secret, nonce_text))}"


def csrf_token_valid(secret: bytes | str, token: str) -> bool:
    nonce_text, dot, mac_text = token.partition(".")
    if not dot or not token.isascii():
        return False
    try:
        nonce, mac = b64url_decode(nonce_text), b64url_decode(mac_text)
    except ValueError:
        return False
    return len(nonce) == 32 and hmac.compare_digest(_csrf_mac(secret, nonce_text), mac)


def check_csrf(
    secret: bytes | str, cookie: str | None, header: str | None
) -> str | None:
    """None when the double submit passes; else `missing`, `mismatch` or `invalid`."""
    if not cookie or not header:
        return "missing"
    if not hmac.compare_digest(cookie.encode("utf-8"), header.encode("utf-8")):
        return "mismatch"
    return None if csrf_token_valid(secret, cookie) else "invalid"


# ======================================================================= forms

_ATEXT = frozenset(string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-.")
_LABEL = frozenset(string.ascii_letters + string.digits + "-")


def is_hostname(text: str, min_labels: int = 1) -> bool:
    labels = text.split(".")
    if len(text) > 253 or len(labels) < min_labels:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or not set(label) <= _LABEL:
            return False
        if label[0] == "-" or label[-1] == "-":
            return False
    return not labels[-1].isdigit()


def is_ipv4(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(
        p.isascii()
        and p.isdigit()
        and len(p) <= 3
        and (p == "0" or p[0] != "0")
        and int(p) <= 255
        for p in parts
    )


def is_email(text: str) -> bool:
    if not text.isascii() or len(text) > 254 or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not 1 <= len(local) <= 64 or not set(local) <= _ATEXT:
        return False
    if local[0] == "." or local[-1] == "." or ".." in local:
        return False
    return is_hostname(domain, min_labels=2)


def is_url(text: str) -> bool:
    if (
        not text.isascii()
        or len(text) > 2048
        or any(ord(c) <= 32 or ord(c) == 127 for c in text)
    ):
        return False
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return False
    end = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    host, colon, port = rest[:end].partition(":")
    if colon and not (port.isdigit() and len(port) <= 5 and 1 <= int(port) <= 65535):
        return False
    return is_ipv4(host) or is_hostname(host)


FORM_INVALID = {
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
FORM_MESSAGES = {
    "required": "This field is required.",
    "unknown": "This field is not expected.",
    "invalid_choice": "Select a valid choice.",
    "min_length": "Ensure this value has at least {limit} character{s}.",
    "max_length": "Ensure this value has at most {limit} character{s}.",
    "pattern": "Enter a value that matches the required pattern.",
    "min_value": "Ensure this value is greater than or equal to {limit}.",
    "max_value": "Ensure this value is less than or equal to {limit}.",
}
_TEXTUAL = ("str", "email", "url")
_ORDERED = ("int", "float", "decimal", "date", "datetime")


class _FormError(Exception):
    def __init__(self, code: str, limit: Any = None) -> None:
        self.code = code
        self.limit = limit


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


def validate_form(
    schema: dict[str, Any], data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """(cleaned Python values, errors by field). `schema` is the GET form/ JSON."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, dict[str, str]] = {}
    known = set()
    for field in schema["fields"]:
        name = field["name"]
        known.add(name)
        value = data.get(name)
        if value is None or value == "":
            if field["required"]:
                errors[name] = _form_error(field, _FormError("required"))
            continue
        try:
            cleaned[name] = _clean_field(field, value)
        except _FormError as error:
            errors[name] = _form_error(field, error)
    for name in sorted((n for n in data if n not in known), key=utf16_order):
        errors[name] = {"code": "unknown", "message": FORM_MESSAGES["unknown"]}
    return cleaned, errors


def form_data_wire(schema: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, Any]:
    encoders: dict[str, Callable[[Any], Any]] = {
        f["name"]: (lambda v: v)
        if f["choices"] is not None
        else PRIMITIVE_ENCODERS[f["type"]]
        for f in schema["fields"]
    }
    return {name: encoders[name](value) for name, value in cleaned.items()}


def _form_error(field: dict[str, Any], error: _FormError) -> dict[str, str]:
    if error.code == "invalid":
        return {"code": "invalid", "message": FORM_INVALID[field["type"]]}
    limit = error.limit
    shown = format_float(limit) if isinstance(limit, float) else limit
    return {
        "code": error.code,
        "message": FORM_MESSAGES[error.code].format(
            limit=shown, s="" if limit == 1 else "s"
        ),
    }


def _clean_field(field: dict[str, Any], value: Any) -> Any:
    kind = field["type"]
    if field["choices"] is not None:
        if type(value) is not str or value not in field["choices"]:
            raise _FormError("invalid_choice")
        return value
    try:
        result = PRIMITIVE_DECODERS[kind](value)
    except _Bad:
        raise _FormError("invalid") from None
    if kind in _TEXTUAL:
        if field["min_length"] is not None and len(result) < field["min_length"]:
            raise _FormError("min_length", field["min_length"])
        if field["max_length"] is not None and len(result) > field["max_length"]:
            raise _FormError("max_length", field["max_length"])
        if (kind == "email" and not is_email(result)) or (
            kind == "url" and not is_url(result)
        ):
            raise _FormError("invalid")
        if field["pattern"] is not None and not _pattern(field["pattern"]).fullmatch(
            result
        ):
            raise _FormError("pattern")
    elif kind in _ORDERED:
        decode = PRIMITIVE_DECODERS[kind]
        if field["min"] is not None and result < decode(field["min"]):
            raise _FormError("min_value", field["min"])
        if field["max"] is not None and result > decode(field["max"]):
            raise _FormError("max_value", field["max"])
    return result


# =============================================================== bundle cache


class BundleCache(Protocol):
    """Origin cache of context bundle bodies, keyed by cache_key().

    A fetch reads `generation(context)` before computing the bundle and
    passes it to `put`, which stores nothing when an invalidation of that
    context happened in between: a bundle computed from stale data is never
    cached. A Redis backend implements the same four methods.
    """

    def get(self, key: str) -> bytes | None: ...

    def generation(self, context: str) -> int: ...

    def put(
        self,
        key: str,
        context: str,
        params: dict[str, str | None],
        body: bytes,
        ttl: int,
        generation: int,
    ) -> bool: ...

    def invalidate(self, entries: list[Entry]) -> None: ...


class MemoryBundleCache:
    """BundleCache for one process. Thread-safe; bounded by `max_entries`."""

    def __init__(
        self, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: dict[
            str, tuple[float, str, frozenset[tuple[str, str | None]], bytes]
        ] = {}
        self._by_context: dict[str, set[str]] = {}
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._max = max_entries

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                self._drop(key)
                return None
            return entry[3]

    def generation(self, context: str) -> int:
        with self._lock:
            return self._generations.get(context, 0)

    def put(
        self,
        key: str,
        context: str,
        params: dict[str, str | None],
        body: bytes,
        ttl: int,
        generation: int,
    ) -> bool:
        if ttl <= 0:
            return False
        with self._lock:
            if self._generations.get(context, 0) != generation:
                return False
            self._drop(key)
            while len(self._entries) >= self._max:
                self._drop(next(iter(self._entries)))
            self._entries[key] = (
                self._clock() + ttl,
                context,
                frozenset(params.items()),
                body,
            )
            self._by_context.setdefault(context, set()).add(key)
            return True

    def invalidate(self, entries: list[Entry]) -> None:
        with self._lock:
            for context, params in entries:
                self._generations[context] = self._generations.get(context, 0) + 1
                wanted = set(params)
                for key in list(self._by_context.get(context, ())):
                    if wanted <= self._entries[key][2]:
                        self._drop(key)

    def invalidate_all(self) -> None:
        """For the `*` form: everything is stale."""
        with self._lock:
            for context in list(self._by_context) + list(self._generations):
                self._generations[context] = self._generations.get(context, 0) + 1
            self._entries.clear()
            self._by_context.clear()

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            keys = self._by_context.get(entry[1])
            if keys is not None:
                keys.discard(key)
