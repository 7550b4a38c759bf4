"""Framework-neutral dispatch: calls, bundles, invalidation, errors.

A web layer (FastAPI, Django) only moves bytes: it hands the request's
parts to a `Dispatcher` and turns its answers, or its `MizanError`, into
responses. What the protocol decides is done here, by `mizan_runtime`,
from the server table in `spec.py`, so every web layer answers the same.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pydantic

from . import mizan_runtime as runtime

log = logging.getLogger("mizan")

MizanError = runtime.MizanError
RunSync = Callable[..., Awaitable[Any]]


class ServiceError(TypeError):
    """The service does not implement the interface (raised at startup)."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the verified token claims (None: anonymous)."""

    claims: Mapping[str, Any] | None = None
    transport: str = "http"
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """A response body and the `X-Mizan-Invalidate` value (None: no header)."""

    body: dict[str, Any]
    invalidate_header: str | None = None


async def _run_inline(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def body_bytes(value: Any) -> bytes:
    """The canonical JSON bytes of a response body."""
    return runtime.canonical_json(value).encode("utf-8")


def error_bytes(error: MizanError) -> bytes:
    return body_bytes(error.body())


def check_service(service: object, functions: Mapping[str, Any]) -> None:
    missing = []
    for name in sorted(functions):
        method = getattr(service, name, None)
        if not callable(method) or getattr(method, "__isabstractmethod__", False):
            missing.append(name)
    if missing:
        raise ServiceError(
            f"{type(service).__name__} does not implement {len(missing)} function(s) "
            f"of the spec: {', '.join(missing)}. Add a method for each (service.py)."
        )


class Dispatcher:
    """Serves calls and bundles of one service from the server table."""

    def __init__(
        self,
        service: object,
        tables: Mapping[str, Any],
        converters: Mapping[str, Mapping[str, pydantic.TypeAdapter[Any]]],
        *,
        run_sync: RunSync = _run_inline,
    ) -> None:
        self.functions: Mapping[str, Any] = tables["functions"]
        self.contexts: Mapping[str, Any] = tables["contexts"]
        check_service(service, self.functions)
        codecs = runtime.Codecs(tables["schema"])
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
        self.converters = converters
        self.run_sync = run_sync
        self._methods = {name: getattr(service, name) for name in self.functions}
        self._async = {
            name: inspect.iscoroutinefunction(method)
            for name, method in self._methods.items()
        }

    # --- calls ----------------------------------------------------------------
    async def call(self, body: Any, caller: Caller) -> Answer:
        """Answer a decoded `call/` body: `{"fn": ..., "args": {...}}`."""
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("fn"), str)
            or not isinstance(body.get("args", {}), dict)
            or set(body) - {"fn", "args"}
        ):
            raise MizanError("bad_request", {"reason": "shape"})
        name = body["fn"]
        fn = self.functions.get(name)
        if fn is None:
            raise MizanError("not_found", {"fn": name})
        self.authorize(fn["auth"], caller)
        args = self.params[name].decode_args(body.get("args", {}))
        result = await self.invoke(name, args, caller)
        entries = self.invalidators[name].entries(args)
        return Answer(
            {"result": result, "invalidate": runtime.to_body(entries)},
            runtime.format_header(entries),
        )

    async def invoke(self, name: str, args: dict[str, Any], caller: Caller) -> Any:
        """Call the service method with decoded args; its result, encoded."""
        converters = self.converters.get(name, {})
        kwargs = {
            key: converters[key].validate_python(value) if key in converters else value
            for key, value in args.items()
        }
        method = self._methods[name]
        try:
            if self._async[name]:
                value = await method(caller, **kwargs)
            else:
                value = await self.run_sync(method, caller, **kwargs)
                if inspect.isawaitable(value):
                    value = await value
            encode = self.encoders[name]
            return None if encode is None else encode(value)
        except MizanError:
            raise
        except Exception:
            log.exception("mizan: function %r failed", name)
            raise MizanError("internal") from None

    # --- bundles --------------------------------------------------------------
    async def bundle(self, name: str, query: bytes, caller: Caller) -> Answer:
        """Answer `GET ctx/<name>/?<query>`: every member called with the keys."""
        ctx = self.contexts.get(name)
        if ctx is None:
            raise MizanError("not_found", {"context": name})
        self.authorize(ctx["auth"], caller)
        if ctx["cache"]["vary"] == "public":
            # One copy for everybody: computed as for an anonymous caller.
            caller = Caller(transport=caller.transport)
        try:
            pairs = parse_qsl(
                query.decode("latin-1"),
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
            )
        except UnicodeDecodeError:
            raise MizanError("bad_request", {"reason": "query"}) from None
        keys = self.keys[name].decode_query(pairs)
        data = {}
        for member in ctx["members"]:
            if not self.allows(self.functions[member]["auth"], caller):
                continue  # a member the caller may not call is left out
            args = {**self.member_extras[(name, member)], **keys}
            data[member] = await self.invoke(member, args, caller)
        params = self.keys[name].key_texts(keys)
        return Answer({"context": name, "params": params, "data": data})

    # --- auth -----------------------------------------------------------------
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
