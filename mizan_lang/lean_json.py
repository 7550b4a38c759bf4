"""JSON for the start of `mizan-lang lsp`, without importing `json`.

Importing `json` imports `re`, and through it `enum` and `functools`: ~30 M
instructions, a third of what the server does before it answers `initialize`
(`lsp_boot`). `loads` and `dumps` here drive the C scanner and encoder that
`json` itself uses (CPython's `_json`) with `json`'s default options, so they
give what `json.loads` and `json.dumps(..., separators=(",", ":"))` give.
Whatever they do not cover (another interpreter, text that is not plain
UTF-8 JSON, an error) goes to `json`, which then answers or raises as usual.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

try:
    from _json import encode_basestring, encode_basestring_ascii, make_encoder, make_scanner
except ImportError:  # pragma: no cover - interpreters without the accelerator
    make_scanner = make_encoder = encode_basestring_ascii = encode_basestring = None

_SPACE = " \t\n\r"  # JSON's whitespace (json.decoder.WHITESPACE)
_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}


class _Options:
    """What the C scanner reads of a `json.JSONDecoder()`."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = _CONSTANTS.__getitem__


def _unserializable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def loads(data: bytes | str) -> Any:
    """`json.loads(data)`."""
    text = _utf8(data)
    if text is not None and make_scanner is not None:
        start = len(text) - len(text.lstrip(_SPACE))
        try:
            value, end = make_scanner(_Options)(text, start)
        except Exception:  # StopIteration (no value) or a syntax error: json words it
            pass
        else:
            if not text[end:].strip(_SPACE):
                return value
    import json

    return json.loads(data)


def _utf8(data: bytes | str) -> str | None:
    """The text `json.loads` reads, when it reads it as plain UTF-8 (else None)."""
    if isinstance(data, str):
        return None if data.startswith("\ufeff") else data
    # json.detect_encoding: a byte order mark, or a NUL in the first bytes, is another encoding.
    if data[:1] in (b"\xef", b"\xfe", b"\xff") or b"\x00" in data[:4]:
        return None
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def dumps(value: Any, sort_keys: bool = False, ensure_ascii: bool = True) -> str:
    """`json.dumps(value, separators=(",", ":"), sort_keys=sort_keys,
    ensure_ascii=ensure_ascii)`."""
    if make_encoder is not None and not isinstance(value, str):
        strings = encode_basestring_ascii if ensure_ascii else encode_basestring
        try:
            chunks = make_encoder({}, _unserializable, strings, None, ":", ",",
                                  sort_keys, False, True)(value, 0)
        except Exception:  # not serializable, or too deep: json raises it
            pass
        else:
            return "".join(chunks)
    import json

    return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys,
                      ensure_ascii=ensure_ascii)
