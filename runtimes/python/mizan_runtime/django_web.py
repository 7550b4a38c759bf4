"""The Django web layer: the protocol's routes over the shared dispatcher.

A generated `django_app.py` describes its spec (`Api`) and builds a
`DjangoServer` from here. What the protocol decides is done once, by
`dispatch.py`: a view here only matches the route, reads the request and
writes the dispatcher's answer.

The URL patterns are relative: include them under any prefix
(`path("api/", include(server.urls))`); they form the URL namespace
`mizan` (`reverse("mizan:call")`), and the manifest and the refresh cookie
follow the prefix the request came through. The views are exempt from
Django's CSRF middleware (the protocol has its own check), never redirected
by `APPEND_SLASH`, and read the request body themselves (`max_body_size`,
not `DATA_UPLOAD_MAX_MEMORY_SIZE`, limits it). Sync service methods run
through `sync_to_async`, so they may use the ORM. Django's ASGI handler
receives a whole body before the view runs: limit request sizes in the ASGI
server or proxy as well.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import core as runtime
from . import missing_extra
from .dispatch import Answer, Dispatcher, MizanError, Renderer, Request, body_bytes
from .http import error_answer, request_from
from .render import SubprocessRenderer
from .ws import CLOSE_REFUSED, CLOSE_TOO_LARGE, FrameTooLarge, WsSession

try:
    from asgiref.sync import sync_to_async
    from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped, unused-ignore]
    from django.urls import URLPattern, include, path, re_path  # type: ignore[import-untyped, unused-ignore]

    from . import django_formkit
except ModuleNotFoundError as missing:
    raise missing_extra(missing, "django") from None

View = Callable[..., Awaitable[HttpResponse]]
# The site's own auth: the claims (at least "sub") of the request's user, or
# None for an anonymous one; sync or async. Used when no Mizan token is sent.
AuthHook = Callable[[HttpRequest], Any]

DEFAULT_PREFIX = runtime.DEFAULT_PREFIX
NAMESPACE = "mizan"


@dataclass(frozen=True)
class Api:
    """What a generated package knows about its spec."""

    tables: Mapping[str, Any]
    converters: Mapping[str, Any]
    forms: Mapping[str, type[django_formkit.Form]]
    manifest_for: Callable[[str], Any]
    ir_kdl: str
    # (method, path under the prefix, handler, subject)
    routes: Sequence[tuple[str, str, str, str | None]]
    # The WebSocket route under the prefix (None: no function is `websocket`).
    websocket: str | None
    # The OpenAPI document (paths relative to the prefix), or None.
    openapi: Callable[[], Mapping[str, Any]] | None = None


def base_of(prefix: str) -> str:
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def route_name(route: str) -> str:
    """The URL name of a route: `call/` -> `call`, `ctx/cart/` -> `ctx-cart`."""
    return route.strip("/").replace("/", "-") or "root"


def query_bytes(request: HttpRequest) -> bytes:
    """The raw query string: the ASGI scope's bytes, or WSGI's latin-1 text."""
    scope = getattr(request, "scope", None)
    query = scope.get("query_string") if isinstance(scope, dict) else None
    if isinstance(query, bytes):
        return query
    text: str = request.META.get("QUERY_STRING", "")
    return text.encode("latin-1", "replace")


def mounted_base(request: HttpRequest, relative: str) -> str | None:
    """Where the routes are mounted for this request (script name and the
    include prefix): the request's path without its part under the prefix."""
    full: str = request.path
    if not relative or not full.endswith(relative):
        return None
    return full[: len(full) - len(relative)]


def mizan_request(
    request: HttpRequest,
    relative: str = "",
    app_claims: Mapping[str, Any] | None = None,
) -> Request:
    # Under ASGI the raw header lines; under WSGI the server has joined them.
    scope = getattr(request, "scope", None)
    pairs = scope.get("headers") if isinstance(scope, dict) else None
    client = request.META.get("REMOTE_ADDR") or None
    return request_from(
        pairs if pairs is not None else request.headers.items(),
        query=query_bytes(request),
        secure=request.is_secure(),
        client=client,
        base=mounted_base(request, relative),
        app_claims=app_claims,
        native=request,
    )


def ws_request(scope: Mapping[str, Any]) -> Request:
    """The upgrade request of a WebSocket (cookies are not used there)."""
    client = scope.get("client")
    return request_from(
        scope.get("headers", ()),
        query=scope.get("query_string", b""),
        secure=scope.get("scheme") == "wss",
        client=None if not client else f"{client[0]}:{client[1]}",
    )


def write(answer: Answer) -> HttpResponse:
    """The answer as it is: status, headers, cookies and bytes."""
    response = HttpResponse(
        answer.data(),
        status=answer.status,
        content_type=answer.media_type,
        headers=answer.all_headers(),
    )
    for cookie in answer.cookies:
        response.set_cookie(
            cookie.name,
            cookie.value,
            max_age=cookie.max_age,
            path=cookie.path,
            samesite=cookie.samesite,
            secure=cookie.secure,
            httponly=cookie.httponly,
        )
    return response


def read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The body within the request limit; None when it is over."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


async def run_sync(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # Django's way to call blocking code (the ORM) from an async view.
    return await sync_to_async(function)(*args, **kwargs)


async def django_user_claims(request: HttpRequest) -> Mapping[str, Any] | None:
    """An `auth_hook` bridging Django's own auth (`request.user`, from the
    session): a signed-in user calls as `sub` = their primary key, with
    `is_staff` and `is_superuser` claims; anonymous otherwise."""
    user = await request.auser()
    if not getattr(user, "is_authenticated", False):
        return None
    return {
        "sub": str(user.pk),
        "is_staff": bool(getattr(user, "is_staff", False)),
        "is_superuser": bool(getattr(user, "is_superuser", False)),
    }


class DjangoServer:
    """Serves `service` (an implementation of the generated `service.Service`)
    with Django; raises `ServiceError` at once when a method is missing.

    The options are those of the FastAPI layer's `create_router`:
    - `secret`: signs CSRF tokens and origin cache keys; also the JWT key
      (HS* algorithms) unless `jwt_key` is given, and the source of the MWT
      secret unless `mwt_secret` is (give it: the edge needs it). At least
      32 random bytes.
    - `cache`: the origin bundle cache; in memory by default,
      `backends.RedisBundleCache(client)` for several processes (then also
      `used_tokens=backends.RedisUsedTokens(client)`).
    - `jwt_key`, `jwt_verify_key`: the signing and verifying keys (RS256 and
      ES256: a private and a public key).
    - `renderer`: the SSR bridge, a `Renderer` or a command such as
      `["node", "render.mjs"]` (see render.py); without it `render/` is 404.
    - `auth_hook`: the site's own auth (`django_user_claims` bridges
      `request.user` and sessions); used when the request carries no Mizan
      token.
    - `prefix`: where the routes are included (default `/api/mizan/`): the
      manifest at startup; requests report their own mount.
    """

    # The spec's description: a generated `django_app.DjangoServer` sets it.
    api: Api | None = None

    def __init__(
        self,
        service: object,
        *,
        secret: str | bytes,
        prefix: str = DEFAULT_PREFIX,
        max_body_size: int = runtime.MAX_BODY_SIZE,
        jwt_key: Any = None,
        jwt_verify_key: Any = None,
        mwt_secret: str | bytes | None = None,
        cache: runtime.BundleCache | None = None,
        used_tokens: runtime.UsedTokens | None = None,
        renderer: Renderer | Sequence[str] | None = None,
        auth_hook: AuthHook | None = None,
    ) -> None:
        if self.api is None:
            raise TypeError(
                "use the generated django_app.DjangoServer (it knows the spec)"
            )
        api = self.api
        self.prefix = base_of(prefix)
        self.auth_hook = auth_hook
        bridge = (
            renderer
            if renderer is None or isinstance(renderer, Renderer)
            else SubprocessRenderer(list(renderer))
        )
        self.dispatcher = Dispatcher(
            service,
            api.tables,
            api.converters,
            secret=secret,
            prefix=self.prefix,
            manifest=body_bytes(api.manifest_for(self.prefix)),
            manifest_for=api.manifest_for,
            ir_kdl=api.ir_kdl,
            run_sync=run_sync,
            cache=cache,
            jwt_key=jwt_key,
            jwt_verify_key=jwt_verify_key,
            mwt_secret=mwt_secret,
            used_tokens=used_tokens,
            renderer=bridge,
            forms={
                name: django_formkit.validator(form) for name, form in api.forms.items()
            },
            max_body_size=max_body_size,
        )

    def relative_patterns(self) -> list[URLPattern]:
        """The routes under the prefix, named (`call`, `ctx-cart`, ...)."""
        by_path: dict[str, dict[str, tuple[str, str | None]]] = {}
        assert self.api is not None
        for method, route, handler, subject in self.api.routes:
            by_path.setdefault(route, {})[method] = (handler, subject)
        patterns = [
            path(route, self.view(methods, route), name=route_name(route))
            for route, methods in by_path.items()
        ]
        if self.api.openapi is not None:
            patterns.append(path("openapi.json", self.openapi_view(), name="openapi"))
        # Contexts and forms not in the spec: the dispatcher answers
        # `{"context": name}` and `{"form": name}`.
        unknown = {
            "ctx/<str:name>/": {"GET": ("bundle", None)},
            "form/<str:name>/": {"GET": ("form_schema", None)},
            "form/<str:name>/validate/": {"POST": ("form_validate", None)},
            "form/<str:name>/submit/": {"POST": ("form_submit", None)},
        }
        patterns += [
            path(route, self.view(methods, route)) for route, methods in unknown.items()
        ]
        # Any other path under the prefix is the protocol's 404, whatever the method.
        patterns.append(re_path("", self.view({}, "")))
        return patterns

    @property
    def urls(self) -> list[Any]:
        """The routes under `prefix`, in the URL namespace `mizan`: use them
        as the URLconf's `urlpatterns`, or `path("", include(server.urls))`;
        then `reverse("mizan:call")` gives the call endpoint's path."""
        return [path(self.prefix[1:], include(self.included))]

    @property
    def included(self) -> tuple[list[Any], str]:
        """The routes relative to wherever they are included, as the URL
        namespace `mizan`: `path("shop/api/", include(server.included))`."""
        return (self.relative_patterns(), NAMESPACE)

    def asgi_application(self) -> Any:
        """Django's ASGI application, and the WebSocket route through
        Channels when the spec has one: call it from `asgi.py`, where the
        settings are configured (the URLconf includes `urls`)."""
        from django.core.asgi import get_asgi_application  # type: ignore[import-untyped, unused-ignore]

        http = get_asgi_application()
        assert self.api is not None
        if self.api.websocket is None:
            return http
        try:
            from channels.routing import ProtocolTypeRouter, URLRouter  # type: ignore[import-untyped, unused-ignore]
        except ModuleNotFoundError as missing:
            raise missing_extra(missing, "django") from None

        route = path(self.prefix[1:] + self.api.websocket, self.websocket_consumer())
        return ProtocolTypeRouter({"http": http, "websocket": URLRouter([route])})

    def websocket_consumer(self) -> Any:
        """The Channels consumer of the WebSocket transport, as an ASGI app."""
        from channels.generic.websocket import AsyncWebsocketConsumer  # type: ignore[import-untyped, unused-ignore]

        dispatcher = self.dispatcher

        class MizanConsumer(AsyncWebsocketConsumer):  # type: ignore[misc, unused-ignore]
            session: WsSession

            async def connect(self) -> None:
                try:
                    self.session = WsSession.open(dispatcher, ws_request(self.scope))
                except MizanError:
                    await self.close(code=CLOSE_REFUSED)  # refuses the upgrade
                    return
                await self.accept()

            async def receive(
                self, text_data: str | None = None, bytes_data: bytes | None = None
            ) -> None:
                frame = text_data if text_data is not None else bytes_data or b""
                try:
                    reply = await self.session.answer(frame)
                except FrameTooLarge:
                    await self.close(code=CLOSE_TOO_LARGE)
                    return
                await self.send(text_data=runtime.canonical_json(reply))

        return MizanConsumer.as_asgi()

    async def claims(self, request: HttpRequest) -> Mapping[str, Any] | None:
        if self.auth_hook is None:
            return None
        found = self.auth_hook(request)
        if inspect.isawaitable(found):
            found = await found
        if found is not None and "sub" not in found:
            raise ValueError("auth_hook must give claims with a 'sub'")
        return found

    def view(self, methods: Mapping[str, tuple[str, str | None]], route: str) -> View:
        """The view of one path: its handler per method, 405 for another
        method (404 for a path that has none)."""
        allow = ", ".join(methods)
        dispatcher = self.dispatcher

        async def serve(request: HttpRequest, name: str | None = None) -> HttpResponse:
            method = request.method or ""
            if method not in methods:
                if not methods:
                    return write(error_answer(MizanError("not_found")))
                return write(error_answer(MizanError("method_not_allowed"), allow))
            handler, subject = methods[method]
            body = b""
            if method == "POST":
                read = read_body(request, dispatcher.max_body_size)
                if read is None:
                    return write(error_answer(dispatcher.too_large()))
                body = read
            relative = route if name is None else route.replace("<str:name>", name)
            claims = await self.claims(request)
            answer = await dispatcher.serve(
                handler, subject or name, mizan_request(request, relative, claims), body
            )
            return write(answer)

        # What the decorators csrf_exempt and no_append_slash set, on any
        # Django version: the protocol has its own CSRF check and no redirects.
        serve.csrf_exempt = True  # type: ignore[attr-defined]
        serve.should_append_slash = False  # type: ignore[attr-defined]
        return serve

    def openapi_view(self) -> View:
        """`GET openapi.json`: the spec's OpenAPI 3.1 document, its server
        URL where the routes answer."""
        assert self.api is not None
        document = self.api.openapi
        assert document is not None

        async def serve(request: HttpRequest) -> HttpResponse:
            base = mounted_base(request, "openapi.json") or self.prefix
            found = dict(document())
            found["servers"] = [{"url": base.rstrip("/") or "/"}]
            text = json.dumps(found, sort_keys=True, ensure_ascii=False)
            return HttpResponse(text.encode("utf-8"), content_type="application/json")

        serve.csrf_exempt = True  # type: ignore[attr-defined]
        return serve
