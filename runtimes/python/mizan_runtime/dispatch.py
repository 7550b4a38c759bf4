"""Framework-neutral dispatch: every endpoint of the protocol.

A web layer (FastAPI, Django) only moves bytes: it builds a `Request`,
reads the body within `Dispatcher.max_body_size`, calls
`Dispatcher.serve(handler, subject, request, body)` for the route it
matched, and writes the `Answer` out. What the protocol decides is done
here and in `mizan_runtime`, from the server table in `spec.py`, in the
fixed order of checks of docs/protocol.md (5.5), so every web layer
answers the same bytes.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl

import pydantic

from . import core as runtime
from . import multipart
from .auth import Auth, Identity
from .http import HTML, JSON, TEXT, Answer, Caller, Request, error_answer
from .wire import Upload

__all__ = ["Answer", "Caller", "Dispatcher", "Identity", "MizanError", "Request"]

log = logging.getLogger("mizan")

MizanError = runtime.MizanError
RunSync = Callable[..., Awaitable[Any]]
# Makes a database session per call (SQLAlchemy's `sessionmaker(engine)`):
# a context manager whose value has `begin()`.
SessionFactory = Callable[[], Any]
MULTIPART = "multipart/form-data"
# Service methods the auth endpoints call (required when the spec uses auth).
AUTH_HOOKS = ("authenticate", "identity_of")


class ServiceError(TypeError):
    """The service does not implement the interface (raised at startup)."""


# Validates a form's input: (data in canonical wire form, errors by field).
FormValidator = Callable[
    [dict[str, Any]], tuple[dict[str, Any], dict[str, dict[str, str]]]
]


@runtime_checkable
class Renderer(Protocol):
    """Turns a bundle (its canonical JSON bytes) into an HTML page."""

    async def render(self, context: str, bundle: bytes) -> bytes: ...


async def _run_inline(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def body_bytes(value: Any) -> bytes:
    """The canonical JSON bytes of a response body."""
    return runtime.canonical_json(value).encode("utf-8")


def error_bytes(error: MizanError) -> bytes:
    return body_bytes(error.body())


def check_service(service: object, names: list[str]) -> None:
    missing = []
    for name in sorted(names):
        method = getattr(service, name, None)
        if not callable(method) or getattr(method, "__isabstractmethod__", False):
            missing.append(name)
    if missing:
        raise ServiceError(
            f"{type(service).__name__} does not implement {len(missing)} method(s) "
            f"of the spec: {', '.join(missing)}. Add a method for each (service.py)."
        )


def runtime_form_validator(schema: dict[str, Any]) -> FormValidator:
    """The runtime's own validation of a form (docs/protocol.md 13.2)."""

    def validate(
        data: dict[str, Any],
    ) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
        cleaned, errors = runtime.validate_form(schema, data)
        return runtime.form_data_wire(schema, cleaned), errors

    return validate


# The shortest signing secret each HMAC algorithm is safe with (RFC 7518
# 3.2: a key at least as long as the hash); CSRF tokens, cache keys and
# MWTs are HMAC-SHA256.
MIN_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def check_secret(name: str, secret: str | bytes, algorithm: str | None) -> None:
    """Refuse a signing secret too short for what it signs."""
    size = len(secret.encode("utf-8") if isinstance(secret, str) else secret)
    need = max(32, MIN_SECRET_BYTES.get(algorithm or "", 32))
    if size < need:
        what = f"{algorithm} tokens" if algorithm in MIN_SECRET_BYTES else "HMAC-SHA256"
        raise ValueError(
            f"{name} is {size} bytes; {what} need at least {need} random bytes. "
            "Make one with: python -c 'import secrets; print(secrets.token_urlsafe("
            f"{need}))'"
        )


class Dispatcher:
    """Serves one service from the server table: the protocol's endpoints."""

    def __init__(
        self,
        service: object,
        tables: Mapping[str, Any],
        converters: Mapping[str, Mapping[str, pydantic.TypeAdapter[Any]]],
        *,
        secret: str | bytes,
        prefix: str = runtime.DEFAULT_PREFIX,
        manifest: bytes = b"{}",
        manifest_for: Callable[[str], Any] | None = None,
        ir_kdl: str = "",
        run_sync: RunSync = _run_inline,
        cache: runtime.BundleCache | None = None,
        forms: Mapping[str, FormValidator] | None = None,
        renderer: Renderer | None = None,
        jwt_key: Any = None,
        jwt_verify_key: Any = None,
        mwt_secret: str | bytes | None = None,
        used_tokens: runtime.UsedTokens | None = None,
        session_factory: SessionFactory | None = None,
        max_body_size: int = runtime.MAX_BODY_SIZE,
    ) -> None:
        auth_table = tables.get("auth", {"used": False, "jwt": None})
        algorithm = (auth_table.get("jwt") or {}).get("algorithm", "HS256")
        check_secret("secret", secret, algorithm if jwt_key is None else None)
        if mwt_secret is not None:
            check_secret("mwt_secret", mwt_secret, None)
        self.functions: Mapping[str, Any] = tables["functions"]
        self.contexts: Mapping[str, Any] = tables["contexts"]
        self.form_schemas: Mapping[str, Any] = tables.get("forms", {})
        self.auth_used = bool(auth_table["used"])
        check_service(
            service, [*self.functions, *(AUTH_HOOKS if self.auth_used else ())]
        )
        self.secret = secret
        self.prefix = prefix
        self.manifest = manifest
        self.manifest_for = manifest_for
        self._manifests: dict[str, bytes] = {prefix: manifest}
        self.ir_kdl = ir_kdl.encode("utf-8")
        self.max_body_size = max_body_size
        self.cache = cache if cache is not None else runtime.MemoryBundleCache()
        self.renderer = renderer
        self.session_factory = session_factory
        self.codecs = codecs = runtime.Codecs(tables["schema"])
        key_types = {
            name: {key["name"]: key["type"] for key in ctx["keys"]}
            for name, ctx in self.contexts.items()
        }
        self.params = {
            name: runtime.Params(fn["params"], codecs)
            for name, fn in self.functions.items()
        }
        self.encoders = {
            name: codecs.encoder(fn["returns"]) if fn["returns"] is not None else None
            for name, fn in self.functions.items()
        }
        self.invalidators = {
            name: runtime.Invalidator(fn["invalidates"], key_types)
            for name, fn in self.functions.items()
        }
        self.keys = {
            name: runtime.Params(ctx["keys"], codecs)
            for name, ctx in self.contexts.items()
        }
        # A bundle passes each member its keys; its other params take their
        # defaults (null for a nullable one), decoded once here.
        self.member_extras = {
            (name, member): runtime.Params(
                [
                    p
                    for p in self.functions[member]["params"]
                    if p["name"] not in key_types[name]
                ],
                codecs,
            ).decode_args({})
            for name, ctx in self.contexts.items()
            for member in ctx["members"]
        }
        self.forms: dict[str, FormValidator] = {
            name: runtime_form_validator(schema)
            for name, schema in self.form_schemas.items()
        }
        self.forms.update(forms or {})
        self.converters = converters
        self.run_sync = run_sync
        self.service = service
        self._methods = {name: getattr(service, name) for name in self.functions}
        self.auth = Auth(
            secret=secret,
            jwt_config=auth_table.get("jwt"),
            prefix=prefix,
            run_hook=self._run_hook,
            jwt_key=jwt_key,
            jwt_verify_key=jwt_verify_key,
            mwt_secret=mwt_secret,
            used_tokens=used_tokens,
        )

    # --- the entry point of a web layer ----------------------------------------
    async def serve(
        self, handler: str, subject: str | None, request: Request, body: bytes = b""
    ) -> Answer:
        """Answer one matched route; every failure becomes its error answer."""
        try:
            return await self._serve(handler, subject or "", request, body)
        except MizanError as error:
            return error_answer(error)
        except Exception:
            log.exception("mizan: %s failed", handler)
            return error_answer(MizanError("internal"))

    async def _serve(
        self, handler: str, subject: str, request: Request, body: bytes
    ) -> Answer:
        if len(body) > self.max_body_size:
            raise self.too_large()
        if handler == "session":
            return self.auth.session(request)
        if handler == "call":
            return await self.call_request(request, body)
        if handler == "bundle":
            return await self.bundle(subject, request)
        if handler == "manifest":
            return Answer(content=self.manifest_at(request.base or self.prefix))
        if handler == "ir":
            return Answer(content=self.ir_kdl, media_type=TEXT)
        if handler == "form_schema":
            return Answer(self._form_schema(subject))
        if handler == "form_validate":
            return self.form_validate(subject, self.json_body(request, body))
        if handler == "form_submit":
            self._form_schema(subject)
            return await self.form_submit(subject, request, body)
        if handler == "render":
            return await self.render(subject, request)
        if handler.startswith("auth_"):
            return await self.auth_endpoint(handler, request, body)
        raise MizanError("not_found")

    def manifest_at(self, base: str) -> bytes:
        """The manifest of the routes as mounted at `base` (root path and
        include prefix): its paths are the ones a client reaches."""
        found = self._manifests.get(base)
        if found is None:
            if self.manifest_for is None:
                return self.manifest
            found = body_bytes(self.manifest_for(base))
            if len(self._manifests) < 64:  # a handful of mounts, not per request
                self._manifests[base] = found
        return found

    def too_large(self) -> MizanError:
        return MizanError("payload_too_large", {"limit": self.max_body_size})

    @staticmethod
    def json_body(request: Request, body: bytes) -> Any:
        media = runtime.media_type(request.headers.get("content-type"))
        if media != JSON:
            raise MizanError("unsupported_media_type", {"content_type": media})
        try:
            return runtime.parse_json(body)
        except runtime.MalformedJson:
            raise MizanError("bad_request", {"reason": "json"}) from None

    # --- calls -----------------------------------------------------------------
    async def call_request(self, request: Request, body: bytes) -> Answer:
        """`POST call/`, JSON or multipart (checks 3 to 12 of 5.5)."""
        content_type = request.headers.get("content-type")
        media = runtime.media_type(content_type)
        files: list[multipart.Part] | None = None
        if media == MULTIPART:
            call, files = self._multipart_call(body, content_type)
        else:
            call = self.json_body(request, body)
        name, args = self._call_shape(call)
        fn = self.functions.get(name)
        if fn is None:
            raise MizanError("not_found", {"fn": name})
        if fn["multipart"] != (files is not None):
            raise MizanError("unsupported_media_type", {"content_type": media})
        caller = self.auth.identify(request)
        if fn["kind"] == "mutation" and caller.via_cookie:
            self.auth.check_csrf(request)
        return await self.call(name, args, caller, files)

    @staticmethod
    def _call_shape(body: Any) -> tuple[str, dict[str, Any]]:
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("fn"), str)
            or not isinstance(body.get("args", {}), dict)
            or set(body) - {"fn", "args"}
        ):
            raise MizanError("bad_request", {"reason": "shape"})
        return body["fn"], body.get("args", {})

    @staticmethod
    def _multipart_call(
        body: bytes, content_type: str | None
    ) -> tuple[dict[str, Any], list[multipart.Part]]:
        broken = MizanError("bad_request", {"reason": "multipart"})
        parts = multipart.parse(body, content_type)
        names = [part.name for part in parts]
        if len(set(names)) != len(names) or "fn" not in names:
            raise broken
        call: dict[str, Any] = {}
        files = []
        for part in parts:
            if part.name in ("fn", "args"):
                try:
                    text = part.data.decode("utf-8")
                    value = text if part.name == "fn" else runtime.parse_json(text)
                except (UnicodeDecodeError, runtime.MalformedJson):
                    raise broken from None
                if part.name == "args" and not isinstance(value, dict):
                    raise broken
                call[part.name] = value
            else:
                files.append(part)
        return call, files

    async def call(
        self,
        name: str,
        args: dict[str, Any],
        caller: Caller,
        files: list[multipart.Part] | None = None,
    ) -> Answer:
        """A call whose function exists and whose caller is known: auth level,
        arguments, uploads, the service, invalidation."""
        fn = self.functions[name]
        self.authorize(fn["auth"], caller)
        decoded = self._decode_args(name, args, files)
        result = await self.invoke(name, decoded, caller)
        entries = self.invalidators[name].entries(decoded)
        if entries:
            self.cache.invalidate(entries)
        return Answer(
            {"invalidate": runtime.to_body(entries), "result": result},
            runtime.format_header(entries),
        )

    def _decode_args(
        self, name: str, args: dict[str, Any], files: list[multipart.Part] | None
    ) -> dict[str, Any]:
        problems: dict[str, Any] = {}
        try:
            decoded = self.params[name].decode_args(args)
        except MizanError as error:
            problems, decoded = dict(error.details), {}
        if files is None:
            if problems:
                raise MizanError("invalid_arguments", problems)
            return decoded
        uploads = [p for p in self.functions[name]["params"] if "upload" in p]
        given = {part.name: part for part in files}
        for param in uploads:
            if param["name"] not in given and param["name"] not in problems:
                problems[param["name"]] = (
                    runtime.ValueProblem("required").under(param["name"]).detail()
                )
        for part_name in given:
            if part_name not in {p["name"] for p in uploads}:
                problems[part_name] = (
                    runtime.ValueProblem("unknown").under(part_name).detail()
                )
        if problems:
            raise MizanError("invalid_arguments", problems)
        for param in uploads:  # 5.4: in declared order, size before type
            part = given[param["name"]]
            limits = param["upload"]
            runtime.check_upload(
                param["name"],
                limits["max_size"],
                limits["content_types"],
                len(part.data),
                part.content_type,
            )
            decoded[param["name"]] = Upload(
                filename=part.filename or "",
                content_type=runtime.media_type(part.content_type),
                data=part.data,
            )
        return decoded

    async def invoke(self, name: str, args: dict[str, Any], caller: Caller) -> Any:
        """Call the service method with decoded args; its result, encoded."""
        converters = self.converters.get(name, {})
        kwargs = {
            key: converters[key].validate_python(value) if key in converters else value
            for key, value in args.items()
        }
        method = self._methods[name]
        try:
            if self.session_factory is None:
                value = await self._run(method, caller, **kwargs)
            else:
                value = await self._run(self._in_session, method, caller, kwargs)
            encode = self.encoders[name]
            return None if encode is None else encode(value)
        except MizanError:
            raise
        except Exception:
            log.exception("mizan: function %r failed", name)
            raise MizanError("internal") from None

    def _in_session(
        self, method: Callable[..., Any], caller: Caller, kwargs: dict[str, Any]
    ) -> Any:
        """One call in its own session and transaction (`caller.session`):
        committed when the method returns, rolled back when it raises."""
        assert self.session_factory is not None
        with self.session_factory() as session, session.begin():
            extra = {**caller.extra, "session": session}
            value = method(dataclasses.replace(caller, extra=extra), **kwargs)
            if inspect.isawaitable(value):
                raise TypeError("with a session factory, service methods are plain def")
            return value

    async def _run(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if inspect.iscoroutinefunction(method):
            return await method(*args, **kwargs)
        value = await self.run_sync(method, *args, **kwargs)
        if inspect.isawaitable(value):
            value = await value
        return value

    async def _run_hook(self, name: str, argument: Any) -> Identity | None:
        try:
            identity = await self._run(getattr(self.service, name), argument)
        except MizanError:
            raise
        except Exception:
            log.exception("mizan: %s failed", name)
            raise MizanError("internal") from None
        if identity is not None and not isinstance(identity, Identity):
            log.error("mizan: %s returned %r, not an Identity", name, identity)
            raise MizanError("internal")
        return identity

    # --- bundles ---------------------------------------------------------------
    async def bundle(self, name: str, request: Request) -> Answer:
        """`GET ctx/<name>/?<query>`: every member called with the keys; from
        the origin cache when the context has a ttl (8)."""
        ctx = self.contexts.get(name)
        if ctx is None:
            raise MizanError("not_found", {"context": name})
        try:
            pairs = parse_qsl(
                request.query.decode("latin-1"),
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
            )
        except UnicodeDecodeError:
            raise MizanError("bad_request", {"reason": "query"}) from None
        caller = self.auth.identify(request)
        self.authorize(ctx["auth"], caller)
        if ctx["cache"]["vary"] == "public":
            # One copy for everybody: computed as for an anonymous caller.
            caller = Caller(transport=caller.transport)
        keys = self.keys[name].decode_query(pairs)
        params = self.keys[name].key_texts(keys)
        ttl = ctx["cache"]["ttl"]
        if ttl <= 0:
            return Answer(content=await self._bundle_bytes(name, keys, params, caller))
        identity = runtime.cache_identity(ctx["cache"]["vary"], caller.subject)
        key = runtime.cache_key(self.secret, name, params, identity)
        stored = self.cache.get(key)
        if stored is not None:
            return Answer(content=stored, headers={"X-Mizan-Cache": "hit"})
        generation = self.cache.generation(name)
        data = await self._bundle_bytes(name, keys, params, caller)
        self.cache.put(key, name, params, data, ttl, generation)
        return Answer(content=data, headers={"X-Mizan-Cache": "miss"})

    async def _bundle_bytes(
        self,
        name: str,
        keys: dict[str, Any],
        params: dict[str, str | None],
        caller: Caller,
    ) -> bytes:
        data = {}
        for member in self.contexts[name]["members"]:
            if not self.allows(self.functions[member]["auth"], caller):
                continue  # a member the caller may not call is left out
            args = {**self.member_extras[(name, member)], **keys}
            data[member] = await self.invoke(member, args, caller)
        return body_bytes({"context": name, "data": data, "params": params})

    async def render(self, name: str, request: Request) -> Answer:
        """The SSR bridge: the bundle, rendered to HTML by the renderer."""
        if self.renderer is None or name not in self.contexts:
            raise MizanError("not_found")
        bundle = await self.bundle(name, request)
        html = await self.renderer.render(name, bundle.data())
        return Answer(content=html, media_type=HTML, headers=bundle.headers)

    # --- forms -----------------------------------------------------------------
    def _form_schema(self, name: str) -> Any:
        schema = self.form_schemas.get(name)
        if schema is None:
            raise MizanError("not_found", {"form": name})
        return schema

    def form_validate(self, name: str, data: Any) -> Answer:
        self._form_schema(name)
        if not isinstance(data, dict):
            raise MizanError("bad_request", {"reason": "shape"})
        wire, errors = self.forms[name](data)
        if errors:
            raise MizanError("validation_failed", errors)
        return Answer({"data": wire, "valid": True})

    async def form_submit(self, name: str, request: Request, body: bytes) -> Answer:
        """Credentials, CSRF, the submit mutation's auth, validation, the call."""
        data = self.json_body(request, body)
        if not isinstance(data, dict):
            raise MizanError("bad_request", {"reason": "shape"})
        submit = self.form_schemas[name]["submit"]
        caller = self.auth.identify(request)
        if caller.via_cookie:
            self.auth.check_csrf(request)
        self.authorize(self.functions[submit]["auth"], caller)
        wire, errors = self.forms[name](data)
        if errors:
            raise MizanError("validation_failed", errors)
        return await self.call(submit, self._submit_args(submit, wire), caller)

    def _submit_args(self, submit: str, wire: dict[str, Any]) -> dict[str, Any]:
        """Fields as the mutation's args: each value re-encoded in its param's
        wire form (an `int` field into an `int64` param gives its digits)."""
        args = {}
        for param in self.functions[submit]["params"]:
            if param["name"] in wire:
                node = param["type"]
                value = self._from_form(node, wire[param["name"]])
                args[param["name"]] = self.codecs.encode(node, value)
        return args

    def _from_form(self, node: dict[str, Any], value: Any) -> Any:
        base = node["inner"] if node["kind"] == "nullable" else node
        if base["kind"] == "primitive" and base["name"] == "int64":
            return int(value)
        if base["kind"] == "primitive":
            return self.codecs.decode(base, value)
        return value

    # --- auth ------------------------------------------------------------------
    async def auth_endpoint(
        self, handler: str, request: Request, body: bytes
    ) -> Answer:
        if not self.auth_used:
            raise MizanError("not_found")
        if handler == "auth_mwt":
            return self.auth.mwt(request)
        data = self.json_body(request, body)
        if handler == "auth_token":
            return await self.auth.token(request, data)
        if handler == "auth_refresh":
            return await self.auth.refresh(request, data)
        return await self.auth.logout(request, data)

    @staticmethod
    def allows(rule: Mapping[str, Any], caller: Caller) -> bool:
        if rule["kind"] == "public":
            return True
        if caller.claims is None:
            return False
        return rule["kind"] != "guard" or runtime.guard_allows(
            dict(rule), dict(caller.claims)
        )

    @staticmethod
    def authorize(rule: Mapping[str, Any], caller: Caller) -> None:
        if rule["kind"] == "public":
            return
        if caller.claims is None:
            raise MizanError("unauthenticated", {"reason": "missing"})
        if rule["kind"] == "guard" and not runtime.guard_allows(
            dict(rule), dict(caller.claims)
        ):
            raise MizanError("forbidden")
