"""Canonical JSON text, the strict JSON reader, base64url and string order.

Canonical JSON (docs/protocol.md, "Canonical JSON") is RFC 8785 in all but
integers: no whitespace, object keys sorted by UTF-16 code units, strings
with the minimal escapes, floats in the ECMAScript number form, and integers
written with all their digits.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from decimal import Decimal
from typing import Any

MAX_DEPTH = 128  # nesting of arrays and objects a JSON text may have


class MalformedJson(ValueError):
    """The bytes are not a JSON text the protocol accepts."""


def utf16_order(text: str) -> bytes:
    """Sort key that orders strings by UTF-16 code units, as JavaScript does."""
    return text.encode("utf-16-be", "surrogatepass")


# --- numbers -------------------------------------------------------------------


def format_float(value: float) -> str:
    """The ECMAScript `Number.prototype.toString` form of a finite float."""
    if not math.isfinite(value):
        raise ValueError("non-finite float")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr() is the shortest text that round-trips; Decimal splits it exactly.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    all_digits = "".join(map(str, digit_tuple))
    n = int(exponent) + len(all_digits)  # value = 0.<all_digits> x 10^n
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


# --- canonical JSON --------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """The canonical text of a JSON value (dict, list, str, int, float, bool, None)."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
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
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for index, key in enumerate(sorted(value, key=utf16_order)):
            if not isinstance(key, str):
                raise TypeError(f"object key {key!r} is not a string")
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


# --- the strict reader -------------------------------------------------------------

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json(data: bytes | str) -> Any:
    """Read a JSON text; raise MalformedJson for anything the protocol rejects.

    Rejected beyond RFC 8259 syntax: bytes that are not UTF-8 (a BOM too),
    `NaN`/`Infinity`, duplicate object keys, lone surrogates, nesting deeper
    than MAX_DEPTH.
    """
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            raise MalformedJson("byte order mark")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedJson("not UTF-8") from exc
    try:
        value = json.loads(data, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
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
        children = item.values() if isinstance(item, dict) else item if isinstance(
            item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_scalar_text(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def is_scalar_text(text: str) -> bool:
    """True when the string holds no lone surrogate (it encodes as UTF-8)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- base64 ------------------------------------------------------------------------

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 section 5)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of b64url_encode: unpadded, canonical; ValueError otherwise."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(str(exc)) from exc
    if b64url_encode(data) != text:  # non-zero unused bits
        raise ValueError("not canonical base64url")
    return data
