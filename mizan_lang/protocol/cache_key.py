"""The origin cache key of a context bundle: HMAC-SHA256 over a canonical message.

    message  = "mizan-cache-key-v1" 0x00
               str(context)
               u32(number of key params)
               { str(key) value }            key params sorted by name (UTF-16 order)
               str(identity)
    str(s)   = u32(byte length of UTF-8 s) UTF-8 s
    value    = 0x00 (null) | 0x01 str(key text)
    u32(n)   = 4 bytes, big endian

The key is the lowercase hex of HMAC-SHA256(secret, message).
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from .canonical import utf16_order

TAG = b"mizan-cache-key-v1\x00"
PUBLIC = "public"  # identity of a `vary=public` bundle: one for everybody
ANONYMOUS = "anon"  # identity of a caller without a token


def identity(vary: str, subject: str | None) -> str:
    """The identity a bundle is cached for: `public`, `anon` or `user:<sub>`."""
    if vary == "public":
        return PUBLIC
    return ANONYMOUS if subject is None else f"user:{subject}"


def _text(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def message(context: str, params: dict[str, str | None], identity_text: str) -> bytes:
    parts = [TAG, _text(context), struct.pack(">I", len(params))]
    for key in sorted(params, key=utf16_order):
        value = params[key]
        parts.append(_text(key))
        parts.append(b"\x00" if value is None else b"\x01" + _text(value))
    parts.append(_text(identity_text))
    return b"".join(parts)


def cache_key(secret: bytes | str, context: str, params: dict[str, str | None],
              identity_text: str) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, message(context, params, identity_text), hashlib.sha256).hexdigest()
