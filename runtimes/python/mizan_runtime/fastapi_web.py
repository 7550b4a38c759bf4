"""The FastAPI web layer: the protocol's routes over the shared dispatcher.

A generated `fastapi_app.py` describes its spec (`Api`) and calls
`create_app` or `create_router` here. Everything the protocol decides
happens in `dispatch.Dispatcher`; this module only turns FastAPI requests
into `http.Request`s and `http.Answer`s into responses, so the Django layer
answers the same bytes.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import core as runtime
from . import formkit, missing_extra
from .dispatch import Dispatcher, MizanError, Renderer, SessionFactory
from .http import Answer, Request, error_answer, request_from
from .render import SubprocessRenderer
from .ws import CLOSE_REFUSED, CLOSE_TOO_LARGE, FrameTooLarge, WsSession

try:
    import fastapi
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.websockets import WebSocketDisconnect
except ModuleNotFoundError as missing:
    raise missing_extra(missing, "fastapi") from None

Endpoint = Callable[[fastapi.Request], Awaitable[fastapi.Response]]
# The app's own auth: the claims (at least "sub") of the request's user, or
# None for an anonymous one; sync or async. Used when no Mizan token is sent.
AuthHook = Callable[
    [fastapi.Request], "Mapping[str, Any] | None | Awaitable[Mapping[str, Any] | None]"
]

DEFAULT_PREFIX = runtime.DEFAULT_PREFIX


@dataclass(frozen=True)
class Api:
    """What a generated package knows about its spec."""

    tables: Mapping[str, Any]
    converters: Mapping[str, Any]
    forms: Mapping[str, type[formkit.Form]]
    manifest_for: Callable[[str], Any]
    ir_kdl: str
    # (method, path under the prefix, handler, subject)
    routes: Sequence[tuple[str, str, str, str | None]]
    websocket: bool
    # The OpenAPI document (paths relative to the prefix), or None.
    openapi: Callable[[], Mapping[str, Any]] | None = None


def base_of(prefix: str) -> str:
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def respond(answer: Answer) -> fastapi.Response:
    response = fastapi.Response(
        answer.data(),
        status_code=answer.status,
        media_type=answer.media_type,
        headers=answer.all_headers(),
    )
    for cookie in answer.cookies:
        response.set_cookie(
            cookie.name,
            cookie.value,
            max_age=cookie.max_age,
            path=cookie.path,
            samesite=cookie.samesite,
            httponly=cookie.httponly,
            secure=cookie.secure,
        )
    return response


def mounted_base(
    request: fastapi.Request | fastapi.WebSocket, relative: str
) -> str | None:
    """Where this request's routes are mounted (root path, any include
    prefix and the router's own prefix): the request's path without the
    route's part under the prefix."""
    for name, value in request.path_params.items():
        relative = relative.replace("{" + name + "}", str(value))
    full = request.url.path
    root = str(request.scope.get("root_path", "")).rstrip("/")
    if root and not full.startswith(root + "/"):
        full = root + full  # a server that leaves the root path out of `path`
    if not relative or not full.endswith(relative):
        return None
    return full[: len(full) - len(relative)]


def request_of(
    request: fastapi.Request | fastapi.WebSocket,
    relative: str = "",
    app_claims: Mapping[str, Any] | None = None,
) -> Request:
    client = request.client
    return request_from(
        request.headers.raw,
        query=request.scope.get("query_string", b""),
        secure=request.url.scheme in ("https", "wss"),
        client=None if client is None else f"{client.host}:{client.port}",
        base=mounted_base(request, relative),
        app_claims=app_claims,
        native=request,
    )


async def _claims(
    hook: AuthHook | None, request: fastapi.Request
) -> Mapping[str, Any] | None:
    if hook is None:
        return None
    found = hook(request)
    if inspect.isawaitable(found):
        found = await found
    if found is not None and "sub" not in found:
        raise ValueError("auth_hook must give claims with a 'sub'")
    return found


def create_router(
    api: Api,
    service: object,
    *,
    secret: str | bytes,
    prefix: str = DEFAULT_PREFIX,
    cache: runtime.BundleCache | None = None,
    used_tokens: runtime.UsedTokens | None = None,
    jwt_key: Any = None,
    jwt_verify_key: Any = None,
    mwt_secret: str | bytes | None = None,
    renderer: Renderer | Sequence[str] | None = None,
    session_factory: SessionFactory | None = None,
    max_body_size: int = runtime.MAX_BODY_SIZE,
    auth_hook: AuthHook | None = None,
) -> fastapi.APIRouter:
    """An `APIRouter` with the protocol's routes under `prefix`; include it
    in any app, under any prefix (`app.include_router(router, prefix="/v2")`):
    the manifest and the refresh cookie follow the mount and `root_path`."""
    base = base_of(prefix)
    bridge = (
        renderer
        if renderer is None or isinstance(renderer, Renderer)
        else SubprocessRenderer(renderer)
    )
    dispatcher = Dispatcher(
        service,
        api.tables,
        api.converters,
        secret=secret,
        prefix=base,
        manifest=runtime.canonical_json(api.manifest_for(base)).encode("utf-8"),
        manifest_for=api.manifest_for,
        ir_kdl=api.ir_kdl,
        run_sync=run_in_threadpool,
        cache=cache,
        forms={name: formkit.validator(form) for name, form in api.forms.items()},
        renderer=bridge,
        jwt_key=jwt_key,
        jwt_verify_key=jwt_verify_key,
        mwt_secret=mwt_secret,
        used_tokens=used_tokens,
        session_factory=session_factory,
        max_body_size=max_body_size,
    )
    router = fastapi.APIRouter(redirect_slashes=False)
    router.mizan = dispatcher  # type: ignore[attr-defined]

    async def read_body(request: fastapi.Request) -> bytes | None:
        """The body within the request limit; None when it is over."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_size:
            return None
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body_size:
                return None
        return bytes(body)

    def endpoint(method: str, path: str, handler: str, subject: str | None) -> Endpoint:
        async def serve(request: fastapi.Request) -> fastapi.Response:
            body = b""
            if method == "POST":
                read = await read_body(request)
                if read is None:
                    return respond(error_answer(dispatcher.too_large()))
                body = read
            claims = await _claims(auth_hook, request)
            answer = await dispatcher.serve(
                handler, subject, request_of(request, path, claims), body
            )
            return respond(answer)

        return serve

    for method, path, handler, subject in api.routes:
        router.add_api_route(
            base + path,
            endpoint(method, path, handler, subject),
            methods=[method],
            include_in_schema=False,
        )

    async def unknown_context(request: fastapi.Request) -> fastapi.Response:
        name = request.path_params.get("name", "")
        return respond(error_answer(MizanError("not_found", {"context": name})))

    async def unknown_form(request: fastapi.Request) -> fastapi.Response:
        name = request.path_params.get("name", "")
        return respond(error_answer(MizanError("not_found", {"form": name})))

    router.add_api_route(
        base + "ctx/{name}/", unknown_context, methods=["GET"], include_in_schema=False
    )
    router.add_api_route(
        base + "form/{name}/", unknown_form, methods=["GET"], include_in_schema=False
    )
    for action in ("validate", "submit"):
        router.add_api_route(
            base + "form/{name}/" + action + "/",
            unknown_form,
            methods=["POST"],
            include_in_schema=False,
        )

    async def websocket(socket: fastapi.WebSocket) -> None:
        try:
            session = WsSession.open(dispatcher, request_of(socket, "ws/"))
        except MizanError:
            await socket.close(code=CLOSE_REFUSED)
            return
        await socket.accept()
        try:
            while True:
                message = await socket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                frame = message.get("text")
                if frame is None:
                    frame = message.get("bytes") or b""
                try:
                    reply = await session.answer(frame)
                except FrameTooLarge:
                    await socket.close(code=CLOSE_TOO_LARGE)
                    return
                await socket.send_text(runtime.canonical_json(reply))
        except WebSocketDisconnect:
            return

    if api.websocket:
        router.add_api_websocket_route(base + "ws/", websocket)
    return router


def create_app(
    api: Api,
    service: object,
    *,
    secret: str | bytes,
    prefix: str = DEFAULT_PREFIX,
    cache: runtime.BundleCache | None = None,
    used_tokens: runtime.UsedTokens | None = None,
    jwt_key: Any = None,
    jwt_verify_key: Any = None,
    mwt_secret: str | bytes | None = None,
    renderer: Renderer | Sequence[str] | None = None,
    session_factory: SessionFactory | None = None,
    max_body_size: int = runtime.MAX_BODY_SIZE,
    auth_hook: AuthHook | None = None,
    docs: bool = True,
    title: str = "Mizan API",
    root_path: str = "",
) -> fastapi.FastAPI:
    """A FastAPI app serving `service` under `prefix` (the options before
    `docs` are `create_router`'s). With `docs` (the default) it serves the
    spec's OpenAPI 3.1 document at `/openapi.json` and Swagger UI at `/docs`."""
    router = create_router(
        api,
        service,
        secret=secret,
        prefix=prefix,
        cache=cache,
        used_tokens=used_tokens,
        jwt_key=jwt_key,
        jwt_verify_key=jwt_verify_key,
        mwt_secret=mwt_secret,
        renderer=renderer,
        session_factory=session_factory,
        max_body_size=max_body_size,
        auth_hook=auth_hook,
    )
    app = fastapi.FastAPI(
        title=title,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
        root_path=root_path,
    )
    app.state.mizan = router.mizan  # type: ignore[attr-defined]
    app.include_router(router)
    if docs and api.openapi is not None:
        add_docs(app, api.openapi, base_of(prefix))

    async def on_http_error(
        request: fastapi.Request, error: Exception
    ) -> fastapi.Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 405:
            allow = (error.headers or {}).get("Allow")
            return respond(error_answer(MizanError("method_not_allowed"), allow))
        if error.status_code == 404:
            return respond(error_answer(MizanError("not_found")))
        return respond(error_answer(MizanError("bad_request", {"reason": "shape"})))

    async def on_crash(request: fastapi.Request, error: Exception) -> fastapi.Response:
        return respond(error_answer(MizanError("internal")))

    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_crash)
    return app


def openapi_for(document: Mapping[str, Any], server: str) -> bytes:
    """The document with its server URL set to where the routes answer."""
    found = dict(document)
    found["servers"] = [{"url": server.rstrip("/") or "/"}]
    return json.dumps(found, sort_keys=True, ensure_ascii=False).encode("utf-8")


def add_docs(
    app: fastapi.FastAPI, openapi: Callable[[], Mapping[str, Any]], base: str
) -> None:
    """`GET /openapi.json` (the spec's document) and `GET /docs` (Swagger UI)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    served: dict[str, bytes] = {}  # by server URL: read and encoded once

    async def document(request: fastapi.Request) -> fastapi.Response:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        found = served.get(root)
        if found is None:
            found = openapi_for(openapi(), root + base)
            if len(served) < 16:
                served[root] = found
        return fastapi.Response(found, media_type="application/json")

    async def swagger(request: fastapi.Request) -> fastapi.Response:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(openapi_url=root + "/openapi.json", title="API docs")

    app.add_api_route(
        "/openapi.json", document, methods=["GET"], include_in_schema=False
    )
    app.add_api_route("/docs", swagger, methods=["GET"], include_in_schema=False)
