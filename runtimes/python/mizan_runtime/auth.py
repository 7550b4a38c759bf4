"""Identity: JWT access/refresh tokens, the auth endpoints, MWT and CSRF.

Framework-neutral: `Auth` reads credentials from a `Request` and answers
the `auth/` endpoints with `Answer`s; every rule is the protocol's
(docs/protocol.md, sections 9 to 11) and the token formats are the
runtime's. The application's side is two service methods:
`authenticate(credentials)` and `identity_of(subject)`, each returning an
`Identity` or None.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import core as runtime
from .http import Answer, Caller, Cookie, Request

MizanError = runtime.MizanError

ACCESS_COOKIE = runtime.ACCESS_COOKIE
REFRESH_COOKIE = runtime.REFRESH_COOKIE
MWT_COOKIE = runtime.MWT_COOKIE
MWT_TTL = runtime.MWT_TTL
CSRF_HEADER = runtime.CSRF_HEADER.lower()
# Lifetimes and algorithm when the spec has no `auth { jwt ... }`.
DEFAULT_JWT: dict[str, Any] = {
    "algorithm": "HS256",
    "issuer": None,
    "audience": None,
    "access_ttl": 900,
    "refresh_ttl": 1209600,
}


@dataclass(frozen=True)
class Identity:
    """Who a credential belongs to: the token subject and its extra claims
    (what guards test, e.g. `{"is_staff": True}`)."""

    subject: str
    claims: Mapping[str, Any] = field(default_factory=dict)


# Calls a service hook (plain or async) the way functions are called.
HookRunner = Callable[[str, Any], Awaitable[Identity | None]]


def derived_secret(secret: bytes | str, purpose: str) -> bytes:
    """A key for one purpose (e.g. the MWT secret) derived from the app secret."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(
        key, b"mizan-derive-v1\x00" + purpose.encode(), hashlib.sha256
    ).digest()


class Auth:
    """Credentials, tokens and CSRF for one server."""

    def __init__(
        self,
        *,
        secret: bytes | str,
        jwt_config: Mapping[str, Any] | None,
        prefix: str,
        run_hook: HookRunner,
        jwt_key: Any = None,
        jwt_verify_key: Any = None,
        mwt_secret: bytes | str | None = None,
        used_tokens: runtime.UsedTokens | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secret = secret
        self.config = dict(jwt_config or DEFAULT_JWT)
        self.prefix = prefix
        self.sign_key = secret if jwt_key is None else jwt_key
        self.verify_key = self.sign_key if jwt_verify_key is None else jwt_verify_key
        self.mwt_secret = (
            derived_secret(secret, "mwt") if mwt_secret is None else mwt_secret
        )
        self.used = runtime.MemoryUsedTokens() if used_tokens is None else used_tokens
        self.run_hook = run_hook
        self.clock = clock

    def now(self) -> int:
        return int(self.clock())

    # --- who is calling (9.1) -------------------------------------------------
    def identify(self, request: Request, transport: str = "http") -> Caller:
        """The caller of a request; a presented credential must verify (401)."""
        header = request.headers.get("authorization")
        if header is not None:
            return Caller(self.verify_bearer(header), transport, request=request)
        cookie = request.cookies.get(ACCESS_COOKIE)
        if cookie is not None:
            return Caller(
                self.verify(cookie, "access"),
                transport,
                via_cookie=True,
                request=request,
            )
        if request.app_claims is not None:
            # The application's own session (a cookie): CSRF applies as to ours.
            return Caller(
                dict(request.app_claims), transport, via_cookie=True, request=request
            )
        return Caller(transport=transport, request=request)

    def verify_bearer(self, header: str) -> dict[str, Any]:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise MizanError("unauthenticated", {"reason": "malformed"})
        return self.verify(token.strip(), "access")

    def verify(self, token: str, typ: str) -> dict[str, Any]:
        try:
            return runtime.verify_token(
                self.config, self.verify_key, token, typ, now=self.now()
            )
        except runtime.TokenError as error:
            raise MizanError("unauthenticated", {"reason": error.reason}) from None

    def still_valid(self, caller: Caller) -> Caller:
        """A WebSocket caller whose token expired since: checked at every call."""
        if caller.claims is not None and self.now() >= caller.claims["exp"]:
            raise MizanError("unauthenticated", {"reason": "expired"})
        return caller

    # --- CSRF (10) ------------------------------------------------------------
    def check_csrf(self, request: Request) -> None:
        reason = runtime.check_csrf(
            self.secret,
            request.cookies.get(runtime.CSRF_COOKIE),
            request.headers.get(CSRF_HEADER),
        )
        if reason is not None:
            raise MizanError("csrf_failed", {"reason": reason})

    def session(self, request: Request) -> Answer:
        token = request.cookies.get(runtime.CSRF_COOKIE)
        if not token or not runtime.csrf_token_valid(self.secret, token):
            token = runtime.make_csrf_token(self.secret)
        cookie = Cookie(runtime.CSRF_COOKIE, token, secure=request.secure)
        return Answer({"csrf": token, "protocol": 1}, cookies=(cookie,))

    # --- the auth endpoints (9.5, 11) -----------------------------------------
    async def token(self, request: Request, body: Any) -> Answer:
        if not isinstance(body, dict) or set(body) != {"credentials"}:
            raise MizanError("bad_request", {"reason": "shape"})
        identity = await self.run_hook("authenticate", body["credentials"])
        if identity is None:
            raise MizanError("unauthenticated", {"reason": "credentials"})
        return self._issue(identity, request)

    async def refresh(self, request: Request, body: Any) -> Answer:
        token = self._refresh_token(request, body)
        if token is None:
            raise MizanError("unauthenticated", {"reason": "missing"})
        claims = self.verify(token, "refresh")
        if not self.used.use(claims["jti"], claims["exp"]):
            raise MizanError("unauthenticated", {"reason": "reused"})
        identity = await self.run_hook("identity_of", claims["sub"])
        if identity is None:
            raise MizanError("unauthenticated", {"reason": "revoked"})
        return self._issue(identity, request)

    async def logout(self, request: Request, body: Any) -> Answer:
        token = self._refresh_token(request, body, any_cookie=True)
        if token is not None:
            try:
                claims = self.verify(token, "refresh")
            except MizanError:
                pass  # nothing to spend: logging out still clears the cookies
            else:
                self.used.use(claims["jti"], claims["exp"])
        cookies = tuple(
            self._cookie(name, "", 0, request)
            for name in (ACCESS_COOKIE, REFRESH_COOKIE, MWT_COOKIE)
        )
        return Answer({}, cookies=cookies)

    def mwt(self, request: Request) -> Answer:
        caller = self.identify(request)
        if caller.claims is None:
            raise MizanError("unauthenticated", {"reason": "missing"})
        token = self.mint_mwt(caller.claims["sub"])
        cookie = self._cookie(MWT_COOKIE, token, MWT_TTL, request)
        return Answer({"expires_in": MWT_TTL, "mwt": token}, cookies=(cookie,))

    def mint_mwt(self, subject: str) -> str:
        identity = runtime.cache_identity("identity", subject)
        return runtime.mint_mwt(self.mwt_secret, identity, self.now() + MWT_TTL)

    def _refresh_token(
        self, request: Request, body: Any, *, any_cookie: bool = False
    ) -> str | None:
        """The refresh token of the body, else of the cookie (then the request
        is cookie-authenticated and must pass the CSRF check)."""
        if not isinstance(body, dict) or set(body) - {"refresh"}:
            raise MizanError("bad_request", {"reason": "shape"})
        if "refresh" in body:
            if not isinstance(body["refresh"], str):
                raise MizanError("bad_request", {"reason": "shape"})
            return str(body["refresh"])
        cookie = request.cookies.get(REFRESH_COOKIE)
        if cookie is not None or (any_cookie and ACCESS_COOKIE in request.cookies):
            self.check_csrf(request)
        return cookie

    def _issue(self, identity: Identity, request: Request) -> Answer:
        if not isinstance(identity, Identity) or not identity.subject:
            raise TypeError("authenticate/identity_of must return an Identity or None")
        now = self.now()
        extra = dict(identity.claims)
        access = runtime.mint_token(
            self.config, self.sign_key, "access", identity.subject, now, extra
        )
        refresh = runtime.mint_token(
            self.config, self.sign_key, "refresh", identity.subject, now
        )
        cookies = (
            self._cookie(ACCESS_COOKIE, access, self.config["access_ttl"], request),
            self._cookie(REFRESH_COOKIE, refresh, self.config["refresh_ttl"], request),
            self._cookie(MWT_COOKIE, self.mint_mwt(identity.subject), MWT_TTL, request),
        )
        body = {
            "access": access,
            "expires_in": self.config["access_ttl"],
            "refresh": refresh,
            "token_type": "Bearer",
        }
        return Answer(body, cookies=cookies)

    def _cookie(self, name: str, value: str, max_age: int, request: Request) -> Cookie:
        if name == REFRESH_COOKIE:
            return Cookie(
                name,
                value,
                max_age=max_age,
                path=(request.base or self.prefix) + "auth/",
                samesite="strict",
                secure=request.secure,
            )
        return Cookie(name, value, max_age=max_age, secure=request.secure)
