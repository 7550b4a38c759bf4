"""JWT access and refresh tokens, minted byte for byte and verified in a fixed order.

A token is `base64url(header) "." base64url(claims) "." base64url(signature)`
where header and claims are canonical JSON (sorted keys, no whitespace), so
the same inputs give the same token in every language. This reference
implements the HMAC algorithms (HS256, HS384, HS512); RS256 and ES256 follow
the same rules with a key pair and have no byte vectors (ES256 signatures
are randomized).
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any

from ..ir import model as ir
from .canonical import MalformedJson, b64url_decode, b64url_encode, canonical_json, parse_json

HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
RESERVED_CLAIMS = frozenset({"aud", "exp", "iat", "iss", "jti", "nbf", "sub", "typ"})
TOKEN_TYPES = ("access", "refresh")


class TokenError(ValueError):
    """A token was refused; `reason` is one of errors.AUTH_REASONS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _key(secret: bytes | str) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _sign(algorithm: str, secret: bytes | str, signing_input: bytes) -> bytes:
    if algorithm not in HMAC_HASHES:
        raise NotImplementedError(f"{algorithm} needs a key pair; use a JOSE library")
    return hmac.new(_key(secret), signing_input, HMAC_HASHES[algorithm]).digest()


def claims_for(jwt: ir.Jwt, typ: str, sub: str, iat: int, extra: dict[str, Any] | None = None,
               jti: str | None = None) -> dict[str, Any]:
    """The claims of a new token. Access tokens carry the application's extra
    claims (what guards test); refresh tokens carry a `jti` instead."""
    ttl = jwt.access_ttl if typ == "access" else jwt.refresh_ttl
    claims: dict[str, Any] = {"exp": iat + ttl, "iat": iat, "sub": sub, "typ": typ}
    if jwt.issuer is not None:
        claims["iss"] = jwt.issuer
    if jwt.audience is not None:
        claims["aud"] = jwt.audience
    if typ == "refresh":
        if not jti:
            raise ValueError("a refresh token needs a jti")
        claims["jti"] = jti
    clash = RESERVED_CLAIMS.intersection(extra or {})
    if clash:
        raise ValueError(f"extra claims may not set {sorted(clash)}")
    claims.update(extra or {})
    return claims


def encode(algorithm: str, secret: bytes | str, claims: dict[str, Any]) -> str:
    header = b64url_encode(canonical_json({"alg": algorithm, "typ": "JWT"}).encode("utf-8"))
    payload = b64url_encode(canonical_json(claims).encode("utf-8"))
    signing_input = f"{header}.{payload}".encode("ascii")
    return f"{header}.{payload}.{b64url_encode(_sign(algorithm, secret, signing_input))}"


def mint(jwt: ir.Jwt, secret: bytes | str, typ: str, sub: str, iat: int,
         extra: dict[str, Any] | None = None, jti: str | None = None) -> str:
    return encode(jwt.algorithm, secret, claims_for(jwt, typ, sub, iat, extra, jti))


def verify(jwt: ir.Jwt, secret: bytes | str, token: str, typ: str, now: int) -> dict[str, Any]:
    """The claims of a valid token of type `typ`, or TokenError.

    Checks in this order; the first failure is the reason: malformed,
    algorithm, signature, malformed (claims), wrong_type, issuer, audience,
    expired.
    """
    header, claims, signing_input, signature = _split(token)
    if header.get("alg") != jwt.algorithm:
        raise TokenError("algorithm")
    if not hmac.compare_digest(_sign(jwt.algorithm, secret, signing_input), signature):
        raise TokenError("signature")
    _check_claim_types(claims, typ)
    if claims["typ"] != typ:
        raise TokenError("wrong_type")
    if claims.get("iss") != jwt.issuer:
        raise TokenError("issuer")
    if claims.get("aud") != jwt.audience:
        raise TokenError("audience")
    if now >= claims["exp"]:
        raise TokenError("expired")
    return claims


def _split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        raise TokenError("malformed")
    try:
        header = parse_json(b64url_decode(parts[0]))
        claims = parse_json(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, MalformedJson):
        raise TokenError("malformed") from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or "crit" in header:
        raise TokenError("malformed")
    if not isinstance(header.get("alg"), str):
        raise TokenError("malformed")
    return header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_claim_types(claims: dict[str, Any], typ: str) -> None:
    ok = (isinstance(claims.get("sub"), str) and claims["sub"] != ""
          and _is_int(claims.get("iat")) and _is_int(claims.get("exp"))
          and isinstance(claims.get("typ"), str))
    if ok and typ == "refresh" and claims.get("typ") == "refresh":
        ok = isinstance(claims.get("jti"), str) and claims["jti"] != ""
    if not ok:
        raise TokenError("malformed")


# --- guards ------------------------------------------------------------------------


def guard_allows(guard: ir.Guard, claims: dict[str, Any]) -> bool:
    """A guard without `value` wants its claim truthy; with one, equal to it."""
    if guard.claim not in claims:
        return False
    claim = claims[guard.claim]
    if guard.value is None:
        return truthy(claim)
    return json_equal(claim, guard.value)


def truthy(value: Any) -> bool:
    """JSON truthiness: false for null, false, 0, "", [] and {}."""
    return bool(value)


def json_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values: numbers by value, a boolean never equals a number."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    numbers = (int, float, Decimal)
    if isinstance(left, numbers) and isinstance(right, numbers):
        return left == right
    return type(left) is type(right) and left == right
