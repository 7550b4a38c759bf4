"""MWT: the Mizan web token, a short-lived identity token for edge caches.

    token = "v1." base64url(identity) "." exp "." base64url(mac)
    mac   = HMAC-SHA256(secret, "mizan-mwt-v1" 0x00 "v1." base64url(identity) "." exp)

`identity` is the cache identity (`user:<sub>`), `exp` the expiry in Unix
seconds (plain digits). An edge that holds the MWT secret verifies it and
keys its cache by the identity; it never learns the JWT key.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from .canonical import b64url_decode, b64url_encode

VERSION = "v1"
TAG = b"mizan-mwt-v1\x00"
TTL = 300  # seconds
COOKIE = "mizan_mwt"
HEADER = "X-Mizan-MWT"
_EXP = re.compile(r"0|[1-9][0-9]{0,15}")


class MwtError(ValueError):
    """Refused: `reason` is `malformed`, `signature` or `expired`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _mac(secret: bytes | str, signed: str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, TAG + signed.encode("ascii"), hashlib.sha256).digest()


def mint(secret: bytes | str, identity: str, exp: int) -> str:
    if not identity:
        raise ValueError("an MWT needs an identity")
    signed = f"{VERSION}.{b64url_encode(identity.encode('utf-8'))}.{exp}"
    return f"{signed}.{b64url_encode(_mac(secret, signed))}"


def verify(secret: bytes | str, token: str, now: int) -> str:
    """The identity an MWT carries, or MwtError (checked: shape, MAC, expiry)."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not token.isascii() or not _EXP.fullmatch(
            parts[2]):
        raise MwtError("malformed")
    try:
        identity = b64url_decode(parts[1]).decode("utf-8")
        mac = b64url_decode(parts[3])
    except ValueError:
        raise MwtError("malformed") from None
    if not identity:
        raise MwtError("malformed")
    if not hmac.compare_digest(_mac(secret, ".".join(parts[:3])), mac):
        raise MwtError("signature")
    if now >= int(parts[2]):
        raise MwtError("expired")
    return identity
