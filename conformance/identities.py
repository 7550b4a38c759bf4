"""Tokens the probes present: good ones and every kind of bad one.

Minted with the reference implementation (`mizan_lang.protocol`) from the
fixture's `auth { jwt ... }` and the secrets the targets are started with,
so a guard can be probed without going through `auth/token/` first.
"""

from __future__ import annotations

import functools
import secrets
import time
from typing import Any

from mizan_lang.check import check
from mizan_lang.ir import build_ir
from mizan_lang.ir.model import Jwt, Workspace
from mizan_lang.protocol import tokens
from mizan_lang.protocol.canonical import b64url_encode, canonical_json
from mizan_lang.workspace import load_workspace

from . import config

# The claims `conformance/impl.py` gives each user (its `ACCOUNTS`).
CLAIMS: dict[str, dict[str, Any]] = {
    "ada": {"is_staff": True, "role": "admin"},
    "bob": {"is_staff": False, "role": "member"},
    "cy": {"is_staff": 1, "role": "staff"},
}
PASSWORDS = {"ada": "ada-password", "bob": "bob-password", "cy": "cy-password"}


@functools.cache
def fixture_ir() -> Workspace:
    result = check(load_workspace([str(config.FIXTURE)]))
    if not result.ok:
        raise RuntimeError(f"the conformance fixture does not check: {result.diagnostics}")
    return build_ir(result)


def jwt_settings() -> Jwt:
    return fixture_ir().auth.jwt


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    head = b64url_encode(canonical_json(header).encode("utf-8"))
    body = b64url_encode(canonical_json(claims).encode("utf-8"))
    return f"{head}.{body}.{b64url_encode(signature)}"


def token(who: str, variant: str = "valid", now: int | None = None) -> str:
    """An access token for `who` (a name of `CLAIMS`, or any subject), spoiled
    as `variant` says: valid, expired, wrong-key, alg-none, alg-hs512,
    refresh (a refresh token where an access token belongs), wrong-issuer,
    garbage."""
    jwt = jwt_settings()
    moment = int(time.time()) if now is None else now
    extra = CLAIMS.get(who, {})
    if variant == "valid":
        return tokens.mint(jwt, config.JWT_SECRET, "access", who, moment, extra)
    if variant == "expired":
        past = moment - jwt.access_ttl - 60
        return tokens.mint(jwt, config.JWT_SECRET, "access", who, past, extra)
    if variant == "wrong-key":
        return tokens.mint(jwt, "not-the-server-key", "access", who, moment, extra)
    if variant == "alg-none":
        claims = tokens.claims_for(jwt, "access", who, moment, extra)
        return _unsigned({"alg": "none", "typ": "JWT"}, claims, b"")
    if variant == "alg-hs512":
        claims = tokens.claims_for(jwt, "access", who, moment, extra)
        return tokens.encode("HS512", config.JWT_SECRET, claims)
    if variant == "refresh":
        return refresh_token(who, moment)
    if variant == "wrong-issuer":
        claims = tokens.claims_for(jwt, "access", who, moment, extra)
        claims["iss"] = "somebody-else"
        return tokens.encode(jwt.algorithm, config.JWT_SECRET, claims)
    if variant == "garbage":
        return "not.a-token"
    raise ValueError(f"unknown token variant {variant!r}")


def refresh_token(who: str, now: int | None = None, jti: str | None = None) -> str:
    """A fresh refresh token (a new random `jti` unless given)."""
    moment = int(time.time()) if now is None else now
    spent = secrets.token_hex(16) if jti is None else jti
    return tokens.mint(jwt_settings(), config.JWT_SECRET, "refresh", who, moment, jti=spent)
