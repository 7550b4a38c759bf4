"""The plan: every protocol decision a server target needs, made once.

Built from the IR by `build_plan`. Targets render this data and decide
nothing about the protocol themselves: which routes exist, how a call's
arguments are read, which contexts a mutation invalidates and with which
key values, what each function and context requires of the caller, how
bundles are cached, and the exact edge manifest. Type declarations (enums,
records, shapes, models, forms) are the IR's own objects: targets map them
to their language; the plan only adds the wire facts about them.

Frozen dataclasses, tuples everywhere: a plan is a value, and the same IR
always gives an equal plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..ir import model as ir

PROTOCOL_VERSION = 1

Method = Literal["GET", "POST", "WS"]
AuthKind = Literal["public", "user", "guard"]
ParamSource = Literal["json", "query", "file"]


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint, relative to the configurable prefix (`/api/mizan`)."""

    name: str  # stable identifier: "call", "ctx.user", "form.ProfileForm.submit", ...
    method: Method
    path: str  # "call/", "ctx/user/", ...: always ends with "/"
    handler: str  # what serves it: call | bundle | session | manifest | ir | ws | form_*
    subject: str | None = None  # the context or form name of per-declaration routes


@dataclass(frozen=True, slots=True)
class Upload:
    """Limits of an `Upload` param, checked before the service is called."""

    max_size: int | None  # bytes; None: the server-wide limit
    content_types: tuple[str, ...]  # sorted; empty: any


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: ir.TypeRef
    type_text: str  # canonical spelling, e.g. `list<int64>?`
    source: ParamSource  # json: a member of `args`; query: a query-string value; file: a multipart part
    # Absent from a call: a required param is an invalid-arguments error; an
    # optional one takes `default`, or null when it is nullable without one
    # (docs/protocol.md; the runtime's `Params` does the same).
    required: bool
    default: ir.Default | None
    upload: Upload | None = None
    doc: str | None = None


@dataclass(frozen=True, slots=True)
class AuthRule:
    """What a caller must be: anyone, a signed-in user, or a user whose token
    passes a guard's claim check."""

    kind: AuthKind
    level: str  # "public" | "user" | the guard name
    claim: str | None = None  # guard only
    # guard only: the claim must equal `value` when `has_value`, else be truthy
    value: ir.Scalar = None
    has_value: bool = False


@dataclass(frozen=True, slots=True)
class Binding:
    """A context key filled from a mutation argument when invalidating."""

    key: str  # the context's key param
    param: str  # the mutation's param
    key_type: ir.TypeRef  # how the value is encoded in the invalidation entry


@dataclass(frozen=True, slots=True)
class Invalidation:
    """One entry of a mutation's invalidation table: the `invalidate` list of a
    call is these entries, in this order (sorted by context), with each
    binding's argument value filled in."""

    context: str
    tier: ir.Tier
    bindings: tuple[Binding, ...]  # sorted by key; empty for the global tier


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    kind: Literal["query", "mutation"]
    params: tuple[Param, ...]  # declared order
    returns: ir.TypeRef | None  # None: the result is JSON null
    returns_text: str | None
    context: str | None  # query member of this context
    auth: AuthRule
    websocket: bool
    multipart: bool  # has Upload params: called with a multipart body
    invalidates: tuple[Invalidation, ...]  # sorted by context; empty for queries
    doc: str | None = None

    @property
    def uploads(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.upload is not None)


@dataclass(frozen=True, slots=True)
class Member:
    """A query called by a bundle fetch: its key params come from the bundle's
    key values; its other params are optional and take their defaults."""

    function: str
    key_args: tuple[str, ...]  # member params filled from the key of the same name


@dataclass(frozen=True, slots=True)
class CachePolicy:
    ttl: int  # seconds; 0: not cached at the origin
    vary: Literal["identity", "public"]  # identity: the cache key includes the caller

    @property
    def enabled(self) -> bool:
        return self.ttl > 0


@dataclass(frozen=True, slots=True)
class Context:
    name: str
    keys: tuple[Param, ...]  # declared order; read from the query string
    members: tuple[Member, ...]  # sorted by function name; also the order of `data`
    cache: CachePolicy
    render: Literal["csr", "ssr", "psr", "static"]
    auth: AuthRule
    affected_by: tuple[str, ...]  # sorted
    doc: str | None = None


@dataclass(frozen=True, slots=True)
class Guard:
    name: str
    claim: str
    value: ir.Scalar
    has_value: bool  # False: the claim must be truthy


@dataclass(frozen=True, slots=True)
class AuthTable:
    jwt: ir.Jwt
    guards: tuple[Guard, ...]  # sorted by name
    default: str  # auth of functions and contexts that do not say
    used: bool  # some function or context needs more than `public`


@dataclass(frozen=True, slots=True)
class Plan:
    protocol: int
    spec_version: int
    routes: tuple[Route, ...]
    functions: tuple[Function, ...]  # sorted by name
    contexts: tuple[Context, ...]  # sorted by name
    auth: AuthTable
    manifest: dict[str, Any]  # exactly what `GET manifest/` returns (default prefix)
    manifest_json: str  # its canonical JSON text
    tables: dict[str, Any]  # the server table (plan/tables.py): what runtimes interpret
    ir_kdl: str  # what `GET ir/` returns: the canonical IR as KDL
    ir: ir.Workspace  # declarations the targets map to types (enums, records, shapes, forms)

    def function(self, name: str) -> Function | None:
        return next((fn for fn in self.functions if fn.name == name), None)

    def context(self, name: str) -> Context | None:
        return next((ctx for ctx in self.contexts if ctx.name == name), None)

    @property
    def has_uploads(self) -> bool:
        return any(fn.multipart for fn in self.functions)

    @property
    def has_websocket(self) -> bool:
        return any(fn.websocket for fn in self.functions)
