"""CSRF: a signed double-submit token.

    token = base64url(nonce) "." base64url(HMAC-SHA256(secret, "mizan-csrf-v1" 0x00 base64url(nonce)))

with a 32-byte random nonce. `GET session/` sets it in the `mizan_csrf`
cookie and returns it in the body; a request that needs the check sends it
back in the `X-Mizan-CSRF` header. The check passes when cookie and header
are present, equal, and the MAC verifies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from .canonical import b64url_decode, b64url_encode

COOKIE = "mizan_csrf"
HEADER = "X-Mizan-CSRF"
TAG = b"mizan-csrf-v1\x00"
NONCE_BYTES = 32


def _mac(secret: bytes | str, nonce_text: str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, TAG + nonce_text.encode("ascii"), hashlib.sha256).digest()


def make_token(secret: bytes | str, nonce: bytes | None = None) -> str:
    nonce_text = b64url_encode(secrets.token_bytes(NONCE_BYTES) if nonce is None else nonce)
    return f"{nonce_text}.{b64url_encode(_mac(secret, nonce_text))}"


def is_valid(secret: bytes | str, token: str) -> bool:
    """A token this server made (whatever the cookie says)."""
    nonce_text, dot, mac_text = token.partition(".")
    if not dot or not token.isascii():
        return False
    try:
        nonce, mac = b64url_decode(nonce_text), b64url_decode(mac_text)
    except ValueError:
        return False
    return len(nonce) == NONCE_BYTES and hmac.compare_digest(_mac(secret, nonce_text), mac)


def check(secret: bytes | str, cookie: str | None, header: str | None) -> str | None:
    """None when the request passes; else why not: `missing`, `mismatch` or `invalid`."""
    if not cookie or not header:
        return "missing"
    if not hmac.compare_digest(cookie.encode("utf-8"), header.encode("utf-8")):
        return "mismatch"
    return None if is_valid(secret, cookie) else "invalid"
