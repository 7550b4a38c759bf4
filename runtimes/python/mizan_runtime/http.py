"""What a web layer hands to the dispatcher, and what it gets back.

A web layer (FastAPI, Django) turns its framework's request into a
`Request`, asks the `Dispatcher`, and writes the `Answer` out as it is:
status, headers, cookies and bytes. Nothing about the protocol is decided
in between, so every framework sends the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from . import core as runtime

JSON = "application/json"
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
# Every protocol response: browsers must not cache what the protocol invalidates.
NO_STORE = "no-store"


@dataclass(frozen=True)
class Request:
    """The parts of an HTTP request (or WebSocket upgrade) the protocol reads.
    Header names are lowercase."""

    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    query: bytes = b""
    secure: bool = False
    # The client's address ("host" or "host:port"), when the server knows it.
    client: str | None = None
    # Where the routes are mounted for this request (root path and include
    # prefix, ending in "/"); None: the prefix the server was built with.
    base: str | None = None
    # Claims the application's own auth gave (`auth_hook`): the caller when
    # no Mizan token is presented.
    app_claims: Mapping[str, Any] | None = None
    # The framework's own request object (FastAPI's, Django's HttpRequest).
    native: Any = field(default=None, compare=False, repr=False)


def header_map(pairs: Iterable[tuple[bytes | str, bytes | str]]) -> dict[str, str]:
    """Header names in lower case. A header sent more than once is one value,
    its lines joined with "," as HTTP reads a repeated field (cookies with
    "; "), whatever the framework: a doubled `Authorization` is malformed on
    every target, not the first line on one and the last on another."""
    found: dict[str, str] = {}
    for raw_name, raw_value in pairs:
        name = _latin1(raw_name).lower()
        value = _latin1(raw_value)
        if name in found:
            value = found[name] + ("; " if name == "cookie" else ",") + value
        found[name] = value
    return found


def cookie_map(header: str) -> dict[str, str]:
    """The cookies of a `Cookie` header. A name given twice keeps its first
    value (browsers send the cookie of the most specific path first)."""
    found: dict[str, str] = {}
    for part in header.split(";"):
        name, has_value, value = part.partition("=")
        name = name.strip()
        if has_value and name and name not in found:
            found[name] = value.strip()
    return found


def request_from(
    pairs: Iterable[tuple[bytes | str, bytes | str]],
    *,
    query: bytes,
    secure: bool,
    client: str | None = None,
    base: str | None = None,
    app_claims: Mapping[str, Any] | None = None,
    native: Any = None,
) -> Request:
    """A `Request` from the raw header lines of the framework's request."""
    headers = header_map(pairs)
    return Request(
        headers=headers,
        cookies=cookie_map(headers.get("cookie", "")),
        query=query,
        secure=secure,
        client=client,
        base=base,
        app_claims=app_claims,
        native=native,
    )


def _latin1(text: bytes | str) -> str:
    return text.decode("latin-1") if isinstance(text, bytes) else text


@dataclass(frozen=True)
class Caller:
    """Who is calling: the verified access-token claims (None: anonymous).

    `via_cookie`: the identity came from the `mizan_access` cookie, so
    state-changing requests must pass the CSRF check."""

    claims: Mapping[str, Any] | None = None
    transport: str = "http"
    extra: Mapping[str, Any] = field(default_factory=dict)
    via_cookie: bool = False
    # The request of the call (None for calls made without one, e.g. tests).
    request: Request | None = field(default=None, compare=False, repr=False)

    @property
    def headers(self) -> Mapping[str, str]:
        """The request's headers, names in lower case."""
        return {} if self.request is None else self.request.headers

    @property
    def client(self) -> str | None:
        """The client's address, when the server knows it."""
        return None if self.request is None else self.request.client

    @property
    def native(self) -> Any:
        """The framework's request object (FastAPI's Request, Django's HttpRequest)."""
        return None if self.request is None else self.request.native

    @property
    def subject(self) -> str | None:
        return None if self.claims is None else str(self.claims["sub"])

    @property
    def session(self) -> Any:
        """The call's database session, when the app has a session factory."""
        return self.extra.get("session")


@dataclass(frozen=True)
class Cookie:
    """A cookie to set (`max_age` 0 clears it). Defaults: the protocol's
    `Path=/; HttpOnly; SameSite=Lax`, `Secure` over HTTPS."""

    name: str
    value: str
    max_age: int | None = None
    path: str = "/"
    samesite: Literal["lax", "strict"] = "lax"
    secure: bool = False
    httponly: bool = True


@dataclass(frozen=True)
class Answer:
    """A response: a JSON body (or ready bytes), status, headers, cookies."""

    body: Any = None
    invalidate_header: str | None = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: tuple[Cookie, ...] = ()
    content: bytes | None = None  # the bytes to send as they are (cached, HTML)
    media_type: str = JSON

    def data(self) -> bytes:
        if self.content is not None:
            return self.content
        return runtime.canonical_json(self.body).encode("utf-8")

    def all_headers(self) -> dict[str, str]:
        headers = {"Cache-Control": NO_STORE, **self.headers}
        if self.invalidate_header is not None:
            headers[runtime.INVALIDATE_HEADER] = self.invalidate_header
        return headers


def error_answer(error: runtime.MizanError, allow: str | None = None) -> Answer:
    """The protocol's error response (a 401 also names the Bearer scheme)."""
    headers = {}
    if error.code == "unauthenticated":
        headers["WWW-Authenticate"] = "Bearer"
    if allow is not None:
        headers["Allow"] = allow
    return Answer(error.body(), status=error.status, headers=headers)
