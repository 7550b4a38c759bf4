"""Framework-neutral dispatch: calls, bundles, invalidation, errors.

The web layer (FastAPI, Django) only moves bytes: it hands the decoded
request to a `Dispatcher` and turns its answers, or its `MizanError`, into
responses. Everything the protocol decides happens here, from the tables
in `registry.py`, so every web layer answers the same way.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic

from . import wire

log = logging.getLogger("mizan")

# error code -> HTTP status
ERRORS = {
    "bad_request": 400,
    "invalid_arguments": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "validation_failed": 422,
    "internal": 500,
}


class MizanError(Exception):
    """An error the client sees as `{"error": {"code", "message", "details"}}`.

    Service methods may raise it too (e.g. `MizanError("not_found", ...)`).
    """

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code if code in ERRORS else "internal"
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return ERRORS[self.code]

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class ServiceError(TypeError):
    """The service does not implement the interface (raised at startup)."""


@dataclass(frozen=True)
class AuthRule:
    kind: str  # public | user | guard
    level: str
    claim: str | None = None
    value: Any = None
    has_value: bool = False


@dataclass(frozen=True)
class Invalidation:
    context: str
    tier: str  # exact | partial | global
    bindings: tuple[tuple[str, str], ...]  # (context key, function param)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    kind: str  # query | mutation
    args: type[pydantic.BaseModel]
    returns: pydantic.TypeAdapter[Any] | None
    auth: AuthRule
    context: str | None = None
    websocket: bool = False
    multipart: bool = False
    invalidates: tuple[Invalidation, ...] = ()


@dataclass(frozen=True)
class ContextSpec:
    name: str
    keys: type[pydantic.BaseModel]
    members: tuple[str, ...]
    auth: AuthRule
    ttl: int = 0
    vary: str = "identity"
    render: str = "csr"


@dataclass(frozen=True)
class Caller:
    """Who is calling: the verified token claims (None: anonymous)."""

    claims: Mapping[str, Any] | None = None
    transport: str = "http"
    extra: Mapping[str, Any] = field(default_factory=dict)


RunSync = Callable[..., Awaitable[Any]]


async def _run_inline(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes of every JSON response."""
    text = json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def check_service(service: object, functions: Mapping[str, FunctionSpec]) -> None:
    missing = []
    for name in sorted(functions):
        method = getattr(service, name, None)
        if not callable(method) or getattr(method, "__isabstractmethod__", False):
            missing.append(name)
    if missing:
        raise ServiceError(
            f"{type(service).__name__} does not implement {len(missing)} function(s) of the "
            f"spec: {', '.join(missing)}. Add a method for each (see service.py)."
        )


def _arg_errors(error: pydantic.ValidationError) -> list[dict[str, Any]]:
    details = []
    for item in error.errors(
        include_url=False, include_context=False, include_input=False
    ):
        location = [part for part in item["loc"] if isinstance(part, (str, int))]
        kind = item["type"]
        if kind == "missing":
            message = "missing required argument"
        elif kind == "extra_forbidden":
            message = "unknown argument"
        else:
            message = str(item["msg"])
        details.append({"path": location, "message": message})
    return sorted(details, key=lambda d: json.dumps(d["path"]))


class Dispatcher:
    def __init__(
        self,
        service: object,
        functions: Mapping[str, FunctionSpec],
        contexts: Mapping[str, ContextSpec],
        *,
        run_sync: RunSync = _run_inline,
    ) -> None:
        check_service(service, functions)
        self.service = service
        self.functions = functions
        self.contexts = contexts
        self.run_sync = run_sync
        self._methods = {name: getattr(service, name) for name in functions}
        self._async = {
            name: inspect.iscoroutinefunction(method)
            for name, method in self._methods.items()
        }

    # --- calls ------------------------------------------------------------------
    async def call(
        self, name: object, raw_args: object, caller: Caller
    ) -> dict[str, Any]:
        """`{"result": ..., "invalidate": [...]}` for a decoded call body."""
        spec = self.functions.get(name) if isinstance(name, str) else None
        if spec is None:
            raise MizanError("not_found", f"unknown function {json.dumps(name)}")
        self.authorize(spec.auth, caller)
        args = self.parse_args(spec, raw_args, wire.WIRE)
        result = await self.invoke(spec, args, caller)
        return {"result": result, "invalidate": self.invalidations(spec, args)}

    def parse_args(
        self, spec: FunctionSpec, raw: object, context: dict[str, str]
    ) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise MizanError("bad_request", "args must be a JSON object")
        try:
            model = spec.args.model_validate(raw, context=context)
        except pydantic.ValidationError as error:
            raise MizanError(
                "invalid_arguments",
                f"invalid arguments for '{spec.name}'",
                _arg_errors(error),
            ) from None
        return {name: getattr(model, name) for name in type(model).model_fields}

    async def invoke(
        self, spec: FunctionSpec, args: dict[str, Any], caller: Caller
    ) -> Any:
        method = self._methods[spec.name]
        try:
            if self._async[spec.name]:
                value = await method(caller, **args)
            else:
                value = await self.run_sync(method, caller, **args)
                if inspect.isawaitable(value):
                    value = await value
            if spec.returns is None:
                return None
            return spec.returns.dump_python(
                spec.returns.validate_python(value), mode="json"
            )
        except MizanError:
            raise
        except Exception:
            log.exception("mizan: function '%s' failed", spec.name)
            raise MizanError("internal", "internal error") from None

    @staticmethod
    def invalidations(
        spec: FunctionSpec, args: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        entries = []
        for rule in spec.invalidates:
            params = {
                key: wire.key_text(args[param])
                for key, param in rule.bindings
                if args.get(param) is not None
            }
            entries.append({"context": rule.context, "params": params})
        return entries

    # --- bundles ----------------------------------------------------------------
    async def bundle(
        self, name: str, query: list[tuple[str, str]], caller: Caller
    ) -> dict[str, Any]:
        spec = self.contexts.get(name)
        if spec is None:
            raise MizanError("not_found", f"unknown context {json.dumps(name)}")
        self.authorize(spec.auth, caller)
        raw: dict[str, str] = {}
        for key, value in query:
            if key in raw:
                raise MizanError("bad_request", f"query parameter '{key}' is repeated")
            raw[key] = value
        try:
            keys_model = spec.keys.model_validate(raw, context=wire.QUERY)
        except pydantic.ValidationError as error:
            raise MizanError(
                "invalid_arguments",
                f"invalid key params for context '{name}'",
                _arg_errors(error),
            ) from None
        keys = {key: getattr(keys_model, key) for key in type(keys_model).model_fields}
        data = {}
        for member in spec.members:
            fn = self.functions[member]
            # Members take every key; their other params are optional.
            args = fn.args.model_validate(keys)
            data[member] = await self.invoke(
                fn, {n: getattr(args, n) for n in type(args).model_fields}, caller
            )
        return {
            "context": name,
            "params": {k: wire.key_text(v) for k, v in keys.items()},
            "data": data,
        }

    # --- auth -------------------------------------------------------------------
    @staticmethod
    def authorize(rule: AuthRule, caller: Caller) -> None:
        if rule.kind == "public":
            return
        if caller.claims is None:
            raise MizanError("unauthenticated", "authentication required")
        if rule.kind == "guard":
            claim = caller.claims.get(rule.claim or "")
            allowed = claim == rule.value if rule.has_value else bool(claim)
            if not allowed:
                raise MizanError("forbidden", f"requires '{rule.level}'")


def invalidate_header(entries: list[dict[str, Any]]) -> str:
    """The `X-Mizan-Invalidate` text of an invalidation list."""
    from urllib.parse import quote

    parts = []
    for entry in entries:
        text = entry["context"]
        for key in sorted(entry["params"]):
            text += f";{key}={quote(entry['params'][key], safe='')}"
        parts.append(text)
    return ", ".join(parts)
