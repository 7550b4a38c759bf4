"""The canonical IR: a checked workspace, resolved, with every default explicit.

Plain pydantic models, frozen. Rules that make the IR byte-stable:

- no spans and no file paths, so formatting and the file split cannot leak in;
- collections without a meaningful order (declarations, context members,
  `affected_by`, invalidations, guards, content types) are sorted by name;
- collections whose order means something keep the declared order: enum
  members, record fields, params (positional in generated signatures),
  columns, relations, shape and form fields;
- a value the source left out is written as its default, never as "absent",
  unless absence is itself the meaning (no `returns`, no param default).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

# A literal from the source: a default value or a guard's claim value.
# Decimal is kept for `decimal` defaults so `9.90` keeps its scale.
Scalar = bool | int | Decimal | float | str | None

AuthLevel = str  # "public" | "user" | a guard name
Tier = Literal["exact", "partial", "global"]


class IrModel(BaseModel):
    # Non-finite floats (only a guard's claim value can be one) as "Infinity"/"NaN".
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="strings")


# --- types ---------------------------------------------------------------------


class PrimitiveType(IrModel):
    """`bool int int64 float decimal str date datetime uuid bytes json`.

    Form fields add two string formats here: `email` and `url`.
    """

    kind: Literal["primitive"] = "primitive"
    name: str


class NamedType(IrModel):
    """A reference to a declared `type`, `enum` or `shape`."""

    kind: Literal["named"] = "named"
    name: str
    ref: Literal["type", "enum", "shape"]


class ListType(IrModel):
    kind: Literal["list"] = "list"
    item: TypeRef


class MapType(IrModel):
    """`map<str,T>`: keys are always strings."""

    kind: Literal["map"] = "map"
    value: TypeRef


class NullableType(IrModel):
    kind: Literal["nullable"] = "nullable"
    inner: TypeRef


class UploadType(IrModel):
    """`Upload`: a file part of a multipart call (params only)."""

    kind: Literal["upload"] = "upload"


TypeRef = Annotated[
    PrimitiveType | NamedType | ListType | MapType | NullableType | UploadType,
    Field(discriminator="kind"),
]


def type_text(ref: TypeRef) -> str:
    """The canonical spelling of a type, e.g. `map<str,list<Profile>>?`."""
    if isinstance(ref, (PrimitiveType, NamedType)):
        return ref.name
    if isinstance(ref, ListType):
        return f"list<{type_text(ref.item)}>"
    if isinstance(ref, MapType):
        return f"map<str,{type_text(ref.value)}>"
    if isinstance(ref, NullableType):
        return type_text(ref.inner) + "?"
    return "Upload"


def leaf_type(ref: TypeRef) -> PrimitiveType | NamedType | UploadType:
    """The type a type is built around: `Profile` for `list<Profile>?`."""
    while isinstance(ref, (ListType, MapType, NullableType)):
        ref = ref.item if isinstance(ref, ListType) else (
            ref.value if isinstance(ref, MapType) else ref.inner)
    return ref


class Default(IrModel):
    """A default value. Wrapped, so "no default" (None) and "defaults to null"
    (`Default(value=None)`) stay different things."""

    value: Scalar


# --- auth ----------------------------------------------------------------------


class Jwt(IrModel):
    algorithm: str = "HS256"
    issuer: str | None = None  # None: tokens carry no `iss` and none is checked
    audience: str | None = None  # None: tokens carry no `aud` and none is checked
    access_ttl: int = 900  # seconds
    refresh_ttl: int = 1_209_600  # seconds (14 days)


class Guard(IrModel):
    name: str
    claim: str
    value: Scalar = None  # the claim must equal this; None: the claim must be truthy
    doc: str | None = None


class Auth(IrModel):
    jwt: Jwt = Jwt()
    guards: list[Guard] = []  # sorted by name
    default: AuthLevel = "public"  # auth of functions and contexts that do not say


# --- declarations ----------------------------------------------------------------


class EnumMember(IrModel):
    name: str
    doc: str | None = None


class Enum(IrModel):
    name: str
    members: list[EnumMember]  # declared order
    doc: str | None = None


class RecordField(IrModel):
    """A field of a record type."""

    name: str
    type: TypeRef
    default: Default | None = None
    doc: str | None = None


class Record(IrModel):
    """A `type` declaration."""

    name: str
    fields: list[RecordField]  # declared order
    doc: str | None = None


class Param(IrModel):
    name: str
    type: TypeRef
    default: Default | None = None
    doc: str | None = None
    # Upload params only: size limit in bytes (None: the server-wide limit) and
    # accepted media types, sorted (empty: any).
    max_size: int | None = None
    content_types: list[str] = []


class Cache(IrModel):
    ttl: int = 0  # seconds; 0: the origin does not cache the bundle
    vary: Literal["identity", "public"] = "identity"


class Context(IrModel):
    name: str
    params: list[Param]  # the key, declared order
    auth: AuthLevel
    cache: Cache
    render: Literal["csr", "ssr", "psr", "static"] = "csr"
    members: list[str]  # query functions, sorted
    affected_by: list[str]  # mutations that invalidate it, sorted
    doc: str | None = None


class Invalidation(IrModel):
    """How a mutation invalidates one context."""

    context: str
    tier: Tier
    # context key param -> mutation param, sorted by key. Whether the source
    # wrote them (`by=`) or the checker matched names is not kept: same meaning.
    bindings: dict[str, str]


class Function(IrModel):
    name: str
    kind: Literal["query", "mutation"]
    params: list[Param]  # declared order
    returns: TypeRef | None = None  # None: returns nothing (JSON null)
    context: str | None = None  # query member of this context
    auth: AuthLevel
    websocket: bool = False
    invalidates: list[Invalidation] = []  # sorted by context
    doc: str | None = None


class Column(IrModel):
    name: str
    type: TypeRef
    primary: bool = False
    unique: bool = False
    doc: str | None = None
    # Digits a decimal column keeps after the point; None: not declared.
    scale: int | None = None
    # The longest value a str column stores; None: unbounded.
    max_length: int | None = None

    @model_serializer(mode="wrap")
    def _leave_out_unset_scale(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # An undeclared scale (or length) is not printed, so IR texts of specs
        # without one stay as they were before these properties existed.
        data = handler(self)
        for key in ("scale", "max_length"):
            if data.get(key) is None:
                data.pop(key, None)
        return data




class Relation(IrModel):
    name: str
    to: str  # target model
    many: bool = False
    doc: str | None = None
    # Declared otherwise than the default (`protect`); None: the default.
    on_delete: str | None = None

    @model_serializer(mode="wrap")
    def _leave_out_default_on_delete(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, Any]:
        data = handler(self)
        if data.get("on_delete") is None:
            data.pop("on_delete", None)
        return data


class Model(IrModel):
    name: str
    table: str
    columns: list[Column]  # declared order
    relations: list[Relation]  # declared order
    doc: str | None = None


class ShapeField(IrModel):
    """A projected column, or a relation (with its nested shape, if any)."""

    name: str
    source: Literal["column", "relation"]
    # The value's type: the column's type, or the nested shape (a list of it
    # for a to-many relation). None for a relation projected without a shape.
    type: TypeRef | None = None
    to: str | None = None  # relation target model
    many: bool = False  # to-many relation
    shape: str | None = None  # nested shape of a relation


class Shape(IrModel):
    name: str
    model: str
    fields: list[ShapeField]  # declared order
    doc: str | None = None


class Validators(IrModel):
    """A form field's validators, every one spelled out (None: not checked)."""

    required: bool = False
    # Numbers for numeric fields; ISO 8601 text for date and datetime fields.
    min: int | Decimal | float | str | None = None
    max: int | Decimal | float | str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


class FormField(IrModel):
    name: str
    type: TypeRef  # a primitive, `email`, `url` or an enum
    label: str  # defaults to the name, humanised
    validators: Validators = Validators()
    doc: str | None = None


class Form(IrModel):
    name: str
    submit: str  # the mutation that receives the fields
    fields: list[FormField]  # declared order
    doc: str | None = None


class Workspace(IrModel):
    """The whole checked spec."""

    version: int = 1
    auth: Auth = Auth()
    enums: list[Enum] = []
    types: list[Record] = []
    models: list[Model] = []
    shapes: list[Shape] = []
    contexts: list[Context] = []
    functions: list[Function] = []
    forms: list[Form] = []

    def function(self, name: str) -> Function | None:
        return next((fn for fn in self.functions if fn.name == name), None)

    def context(self, name: str) -> Context | None:
        return next((ctx for ctx in self.contexts if ctx.name == name), None)


for _model in (ListType, MapType, NullableType):
    _model.model_rebuild()
