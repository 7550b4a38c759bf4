"""Mizan declarations: what one `.mizan` file says, before resolution.

`lower` builds these from the KDL tree of one file; `check` resolves them
across the workspace. Every name and value keeps its span so diagnostics and
editor features can point at it. Type expressions keep their text and their
parsed syntax tree (`TypeRef.expr`); the checker resolves the names in them.
"""

from __future__ import annotations

from .records import field, record
from .source import Span
from .typeexpr import TypeExpr


@record
class Name:
    text: str
    span: Span


@record
class TypeRef:
    """A type expression as written, e.g. `map<str,list<Profile>>?`."""

    text: str
    span: Span
    # The parsed expression (syntax only, names unresolved). None when the
    # type is missing or malformed; lowering has reported that already.
    expr: TypeExpr | None = None


@record
class Literal:
    """A default or option value: the decoded KDL value and where it was."""

    value: object
    span: Span
    raw: str = ""


@record
class Doc:
    text: str
    span: Span


@record
class Import:
    path: str
    span: Span  # the whole `import` node
    path_span: Span | None = None  # the path string alone


@record
class JwtSettings:
    span: Span
    algorithm: Name | None = None
    issuer: Name | None = None
    audience: Name | None = None
    access_ttl: Literal | None = None
    refresh_ttl: Literal | None = None


@record
class Guard:
    name: Name
    span: Span
    claim: Name | None = None
    value: Literal | None = None  # the claim must equal this (default: truthy)
    doc: Doc | None = None


@record
class AuthBlock:
    span: Span
    jwt: JwtSettings | None = None
    guards: list[Guard] = field(default_factory=list)
    default: Name | None = None  # default auth for functions and contexts without auth=


@record
class EnumMember:
    name: Name
    doc: Doc | None = None


@record
class EnumDecl:
    name: Name
    span: Span
    members: list[EnumMember] = field(default_factory=list)
    doc: Doc | None = None


@record
class Field:
    """A field of a `type` (record)."""

    name: Name
    type: TypeRef
    span: Span
    default: Literal | None = None
    doc: Doc | None = None


@record
class TypeDecl:
    name: Name
    span: Span
    fields: list[Field] = field(default_factory=list)
    doc: Doc | None = None


@record
class Param:
    name: Name
    type: TypeRef
    span: Span
    default: Literal | None = None
    doc: Doc | None = None
    max_size: Literal | None = None  # Upload only: bytes
    content_types: list[Name] = field(default_factory=list)  # Upload only


@record
class CachePolicy:
    span: Span
    ttl: Literal | None = None  # seconds
    vary: Name | None = None  # identity | public


@record
class ContextDecl:
    name: Name
    span: Span
    params: list[Param] = field(default_factory=list)
    auth: Name | None = None
    cache: CachePolicy | None = None
    render: Name | None = None  # csr | ssr | psr | static
    doc: Doc | None = None


@record
class KeyBinding:
    """Explicit scoping: context key param <- mutation param.

    `key` is None for the short form `by=param`, which names the mutation
    param for a context with a single key (the checker knows which).
    """

    key: Name | None
    param: Name


@record
class Affect:
    """One context a mutation invalidates, with optional explicit scoping."""

    context: Name
    span: Span
    by: list[KeyBinding] | None = None  # None: infer by matching names
    scope: Name | None = None  # exact | partial | global (forces the tier)


@record
class FunctionDecl:
    name: Name
    span: Span
    params: list[Param] = field(default_factory=list)
    returns: TypeRef | None = None
    context: Name | None = None  # query member of this context
    affects: list[Affect] = field(default_factory=list)
    auth: Name | None = None
    websocket: Literal | None = None
    kind: Name | None = None  # explicit query | mutation; else inferred
    doc: Doc | None = None


@record
class Column:
    name: Name
    type: TypeRef
    span: Span
    primary: Literal | None = None
    unique: Literal | None = None
    doc: Doc | None = None
    scale: Literal | None = None  # decimal columns: digits after the point
    max_length: Literal | None = None  # str columns: the longest value stored


# What deleting a related row does to the rows of a to-one relation:
# refuse it (the default), delete them too, or empty their relation.
ON_DELETE = ("protect", "cascade", "set-null")
DEFAULT_ON_DELETE = "protect"


@record
class Relation:
    name: Name
    target: Name  # `to=` model
    span: Span
    many: Literal | None = None
    doc: Doc | None = None
    on_delete: Name | None = None  # to-one relations: what deleting the target does


@record
class ModelDecl:
    name: Name
    span: Span
    table: Name | None = None
    columns: list[Column] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    doc: Doc | None = None


@record
class ShapeField:
    name: Name
    span: Span
    shape: Name | None = None  # nested shape for a relation


@record
class ShapeDecl:
    name: Name
    span: Span
    model: Name | None = None
    fields: list[ShapeField] = field(default_factory=list)
    doc: Doc | None = None


@record
class FormField:
    name: Name
    type: TypeRef
    span: Span
    # Validators as written: required, min, max, min-length, max-length, pattern, choices ...
    validators: dict[str, Literal] = field(default_factory=dict)
    label: Doc | None = None
    doc: Doc | None = None


@record
class FormDecl:
    name: Name
    span: Span
    submit: Name | None = None
    fields: list[FormField] = field(default_factory=list)
    doc: Doc | None = None


@record
class FileDecls:
    """Everything one file declares, in source order."""

    path: str
    version: Literal | None = None
    imports: list[Import] = field(default_factory=list)
    auth: list[AuthBlock] = field(default_factory=list)
    enums: list[EnumDecl] = field(default_factory=list)
    types: list[TypeDecl] = field(default_factory=list)
    contexts: list[ContextDecl] = field(default_factory=list)
    functions: list[FunctionDecl] = field(default_factory=list)
    models: list[ModelDecl] = field(default_factory=list)
    shapes: list[ShapeDecl] = field(default_factory=list)
    forms: list[FormDecl] = field(default_factory=list)
