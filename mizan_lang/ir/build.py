"""Build the canonical IR from a checked workspace.

Called only when the check found no errors, so every reference resolves;
the builder still never guesses: where the source says nothing it writes the
documented default. Declarations are taken from the checker's symbol tables
(first declaration wins), never by walking files, so the file split cannot
change the result.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .. import decls
from ..check.result import CheckResult, Scoping
from ..source import Span
from ..typeexpr import TypeExpr, parse_type

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:  # the models (pydantic) are imported only to build them
    from typing import Any

    from . import model as ir

UPLOAD = "Upload"
# Each section of the IR: the symbol namespace and kind its declarations have.
SECTIONS = {"enums": ("type", "enum"), "types": ("type", "type"), "models": ("model", None),
            "shapes": ("type", "shape"), "contexts": ("context", None),
            "functions": ("function", None), "forms": ("form", None)}
_BUILDS = {"shapes": "shape", "contexts": "context", "functions": "function", "forms": "form"}
FORM_FORMATS = ("email", "url")  # string formats form fields add to the primitives
_LENGTH_VALIDATORS = {"min-length": "min_length", "max-length": "max_length"}


def build_ir(result: CheckResult, *, plain: bool = False,
             memo: dict[object, tuple] | None = None) -> ir.Workspace:
    """The IR of a clean check (`plain`: as JSON data, see `plain.py`).

    `memo`, shared by the builds of two checks that share declarations (the
    sides of a comparison, `review.reuse`): a function, record, enum or model
    declaration built for one whose inputs are the same for the other (a
    function's kind, auth and scopings; the resolved types) is taken as built,
    not built again. When both sides give every type name the same kind, a
    type's spelling resolves alike on both: the resolved types are shared too,
    and not compared."""
    if plain:
        from . import plain as kit
    else:
        from . import model as kit
    return _Builder(result, kit, memo).workspace()


class _Builder:
    def __init__(self, result: CheckResult, kit: Any,
                 memo: dict[object, tuple] | None = None) -> None:
        self.result = result
        self.ir = kit  # the model classes, or their plain twins
        self.memo = memo  # id(declaration) -> (declaration, its inputs, built); see `reused`
        self.symbols = result.symbols
        # Indexes built once: specs with thousands of functions stay linear.
        self.members: dict[str, list[str]] = {}
        for symbol in self.symbols.get("function", {}).values():  # sorted where read
            fn = symbol.decl
            if fn.context is not None:
                self.members.setdefault(fn.context.text, []).append(fn.name.text)
        self.scopings_of_fn: dict[str, list[Scoping]] = {}
        self.scopings_of_ctx: dict[str, list[Scoping]] = {}
        functions = self.symbols.get("function", {})
        for scoping in result.scopings:
            if scoping.mutation in functions:
                self.scopings_of_fn.setdefault(scoping.mutation, []).append(scoping)
                self.scopings_of_ctx.setdefault(scoping.context, []).append(scoping)
        self.models: dict[str, ir.Model] = {}
        self.types: dict[str, ir.TypeRef] = {}  # spelling -> resolved (models are frozen)
        self.bare_params: dict[tuple[str, str], ir.Param] = {}  # see `param`
        # Whether a spelling resolves here as in the build that filled `memo`.
        self.alike = False
        if memo is not None:
            kinds = {name: symbol.kind for name, symbol in self.symbols.get("type", {}).items()}
            other = memo.get("types")
            if other is not None and other[0] == kinds:
                self.types, self.alike = other[1], True
            else:
                memo["types"] = (kinds, self.types)

    def decls(self, kind: str, symbol_kind: str | None = None) -> list:
        """Declarations of one namespace sorted by name, optionally one symbol kind."""
        table = self.symbols.get(kind, {})
        return [table[name].decl for name in sorted(table)
                if symbol_kind is None or table[name].kind == symbol_kind]

    # --- the workspace ----------------------------------------------------------
    def workspace(self) -> ir.Workspace:
        return self.ir.Workspace(version=self.version(), auth=self.auth(), **{
            section: [self.build(section, d) for d in self.decls(*SECTIONS[section])]
            for section in SECTIONS})

    def build(self, section: str, decl: Any) -> Any:
        """The IR of one declaration of a section of `SECTIONS`."""
        if section == "enums":
            return self.reused(decl, None, self.enum, _alike)
        if section == "types":
            return self.reused(decl, None, self.record)
        if section == "models":
            return self.model(decl)
        return getattr(self, _BUILDS[section])(decl)

    def version(self) -> int:
        for path in sorted(self.result.files):
            version = self.result.files[path].version
            if version is not None and _is_int(version.value):
                return version.value
        return 1

    # --- auth -----------------------------------------------------------------
    def auth(self) -> ir.Auth:
        jwt: decls.JwtSettings | None = None
        default: str | None = None
        for path in sorted(self.result.files):
            for block in self.result.files[path].auth:
                jwt = jwt or block.jwt
                if default is None and block.default is not None:
                    default = block.default.text
        guards = [self.guard(d) for d in self.decls("guard")]
        return self.ir.Auth(jwt=self.jwt(jwt), guards=guards, default=default or "public")

    def jwt(self, settings: decls.JwtSettings | None) -> ir.Jwt:
        if settings is None:
            return self.ir.Jwt()
        given = {
            "algorithm": _text(settings.algorithm),
            "issuer": _text(settings.issuer),
            "audience": _text(settings.audience),
            "access_ttl": settings.access_ttl.value if settings.access_ttl else None,
            "refresh_ttl": settings.refresh_ttl.value if settings.refresh_ttl else None,
        }
        return self.ir.Jwt(**{key: value for key, value in given.items() if value is not None})

    def guard(self, guard: decls.Guard) -> ir.Guard:
        value = guard.value.value if guard.value is not None else None
        return self.ir.Guard(name=guard.name.text, claim=_text(guard.claim) or guard.name.text,
                        value=_plain_scalar(value), doc=_doc(guard.doc))

    # --- types ------------------------------------------------------------------
    def type_ref(self, ref: decls.TypeRef) -> ir.TypeRef:
        resolved = self.types.get(ref.text)
        if resolved is None:
            expr, _ = parse_type(ref.text, Span(0, 0))
            # expr is None cannot happen after a clean check; keep the spelling then.
            resolved = self.resolve(expr) if expr is not None else self.ir.PrimitiveType(name=ref.text)
            self.types[ref.text] = resolved
        return resolved

    def resolve(self, expr: TypeExpr) -> ir.TypeRef:
        if expr.kind == "nullable":
            return self.ir.NullableType(inner=self.resolve(expr.args[0]))
        if expr.kind == "list":
            return self.ir.ListType(item=self.resolve(expr.args[0]))
        if expr.kind == "map":
            return self.ir.MapType(value=self.resolve(expr.args[1]))
        if expr.kind == "primitive":
            return self.ir.PrimitiveType(name=expr.name)
        if expr.name == UPLOAD:
            return self.ir.UploadType()
        symbol = self.symbols.get("type", {}).get(expr.name)
        if symbol is None:  # cannot happen after a clean check
            return self.ir.PrimitiveType(name=expr.name)
        return self.ir.NamedType(name=expr.name, ref=symbol.kind)

    def default(self, literal: decls.Literal | None, type_: ir.TypeRef) -> ir.Default | None:
        if literal is None:
            return None
        return self.ir.Default(value=normalize_literal(literal.value, type_))

    def enum(self, enum: decls.EnumDecl) -> ir.Enum:
        members = [self.ir.EnumMember(name=m.name.text, doc=_doc(m.doc)) for m in enum.members]
        return self.ir.Enum(name=enum.name.text, members=members, doc=_doc(enum.doc))

    def record(self, record: decls.TypeDecl) -> ir.Record:
        fields = []
        for field in record.fields:
            type_ = self.type_ref(field.type)
            fields.append(self.ir.RecordField(name=field.name.text, type=type_,
                                         default=self.default(field.default, type_),
                                         doc=_doc(field.doc)))
        return self.ir.Record(name=record.name.text, fields=fields, doc=_doc(record.doc))

    def param(self, param: decls.Param) -> ir.Param:
        if (param.default is None and param.doc is None and param.max_size is None
                and not param.content_types):
            # Just a name and a type (`param id int64`): one IR object for every
            # such param of the spec (the IR is not changed once built).
            key = (param.name.text, param.type.text)
            found = self.bare_params.get(key)
            if found is None:
                found = self.bare_params[key] = self.ir.Param(
                    name=key[0], type=self.type_ref(param.type), default=None, doc=None,
                    max_size=None, content_types=[])
            return found
        type_ = self.type_ref(param.type)
        max_size = param.max_size.value if param.max_size is not None else None
        return self.ir.Param(
            name=param.name.text,
            type=type_,
            default=self.default(param.default, type_),
            doc=_doc(param.doc),
            max_size=max_size if _is_int(max_size) else None,
            content_types=sorted({name.text for name in param.content_types})
            if param.content_types else [],
        )

    # --- contexts and functions -------------------------------------------------
    def context(self, ctx: decls.ContextDecl) -> ir.Context:
        name = ctx.name.text
        members = sorted(self.members.get(name, []))
        affected_by = sorted({s.mutation for s in self.scopings_of_ctx.get(name, [])})
        cache = self.ir.Cache()
        if ctx.cache is not None:
            cache = self.ir.Cache(
                ttl=ctx.cache.ttl.value if ctx.cache.ttl is not None else cache.ttl,
                vary=ctx.cache.vary.text if ctx.cache.vary is not None else cache.vary,
            )
        return self.ir.Context(
            name=name,
            params=[self.param(p) for p in ctx.params],
            auth=self.result.effective_auth.get(f"ctx:{name}", "public"),
            cache=cache,
            render=ctx.render.text if ctx.render is not None else "csr",
            members=members,
            affected_by=affected_by,
            doc=_doc(ctx.doc),
        )

    def reused(self, decl: Any, inputs: object, build: Any, same: Any = None) -> Any:
        """`build(decl)`, or what the build that filled `memo` built from this
        very declaration when `inputs` (what `build` reads besides `decl` and
        the resolved types) are equal and the types resolve alike (`same(decl,
        built)`: they resolve to those `built` holds)."""
        if self.memo is None:
            return build(decl)
        found = self.memo.get(id(decl))
        if found is not None and found[0] is decl and found[1] == inputs and (
                self.alike or (same is not None and same(decl, found[2]))):
            return found[2]
        built = build(decl)
        self.memo[id(decl)] = (decl, inputs, built)
        return built

    def function(self, fn: decls.FunctionDecl) -> ir.Function:
        if self.memo is None:
            return self._function(fn)
        return self.reused(fn, self.function_inputs(fn.name.text), self._function,
                           self._same_types)

    def function_inputs(self, name: str) -> tuple:
        """Everything `_function` reads besides the declaration itself and the types."""
        return (self.result.function_kinds.get(name), self.result.effective_auth.get(f"fn:{name}"),
                [(s.context, s.tier, s.bindings) for s in self.scopings_of_fn.get(name, ())])

    def _same_types(self, fn: decls.FunctionDecl, built: ir.Function) -> bool:
        """Whether `fn`'s param and return types resolve here to those of `built`."""
        returns = self.type_ref(fn.returns) if fn.returns is not None else None
        return returns == built.returns and all(
            self.type_ref(param.type) == done.type for param, done in zip(fn.params, built.params))

    def _function(self, fn: decls.FunctionDecl) -> ir.Function:
        name = fn.name.text
        scopings = self.scopings_of_fn.get(name)
        invalidates = sorted(
            (self.ir.Invalidation(context=s.context, tier=s.tier,
                                  bindings=dict(sorted(s.bindings.items())))
             for s in scopings),
            key=lambda inv: inv.context,
        ) if scopings else []
        return self.ir.Function(
            name=name,
            kind=self.result.function_kinds.get(name, "mutation" if fn.affects else "query"),
            params=[self.param(p) for p in fn.params],
            returns=self.type_ref(fn.returns) if fn.returns is not None else None,
            context=_text(fn.context),
            auth=self.result.effective_auth.get(f"fn:{name}", "public"),
            websocket=bool(fn.websocket.value) if fn.websocket is not None else False,
            invalidates=invalidates,
            doc=_doc(fn.doc),
        )

    # --- models, shapes, forms --------------------------------------------------
    def model(self, model: decls.ModelDecl) -> ir.Model:
        built = self.models.get(model.name.text)  # shapes ask for their model again
        if built is None:
            built = self.models[model.name.text] = self.reused(model, None, self._model)
        return built

    def _model(self, model: decls.ModelDecl) -> ir.Model:
        columns = [
            self.ir.Column(name=c.name.text, type=self.type_ref(c.type), primary=_flag(c.primary),
                      unique=_flag(c.unique), doc=_doc(c.doc), scale=_int(c.scale),
                      max_length=_int(c.max_length))
            for c in model.columns
        ]
        relations = [
            self.ir.Relation(name=r.name.text, to=r.target.text, many=_flag(r.many), doc=_doc(r.doc),
                        on_delete=_on_delete(r.on_delete))
            for r in model.relations
        ]
        return self.ir.Model(name=model.name.text,
                             table=_text(model.table) or snake_case(model.name.text),
                             columns=columns, relations=relations, doc=_doc(model.doc))

    def shape(self, shape: decls.ShapeDecl) -> ir.Shape:
        source = self.symbols.get("model", {}).get(shape.model.text) if shape.model else None
        model = self.model(source.decl) if source is not None else None
        columns = {c.name: c for c in model.columns} if model else {}
        relations = {r.name: r for r in model.relations} if model else {}
        fields = []
        for field in shape.fields:
            name = field.name.text
            nested = _text(field.shape)
            if name in columns:
                fields.append(self.ir.ShapeField(name=name, source="column", type=columns[name].type))
                continue
            relation = relations.get(name)
            type_ = None
            if nested is not None:
                type_ = self.ir.NamedType(name=nested, ref="shape")
                if relation is not None and relation.many:
                    type_ = self.ir.ListType(item=type_)
            fields.append(self.ir.ShapeField(
                name=name, source="relation", type=type_, shape=nested,
                to=relation.to if relation else None, many=relation.many if relation else False,
            ))
        return self.ir.Shape(name=shape.name.text, model=_text(shape.model) or "", fields=fields,
                        doc=_doc(shape.doc))

    def form(self, form: decls.FormDecl) -> ir.Form:
        fields = []
        for field in form.fields:
            expr, _ = parse_type(field.type.text, Span(0, 0))
            if expr is not None and expr.kind == "named" and expr.name not in FORM_FORMATS:
                type_: ir.TypeRef = self.resolve(expr)
            else:
                type_ = self.ir.PrimitiveType(name=expr.name if expr is not None else field.type.text)
            label = field.label.text if field.label is not None else humanize(field.name.text)
            fields.append(self.ir.FormField(name=field.name.text, type=type_, label=label,
                                       validators=validators(field.validators, type_, self.ir),
                                       doc=_doc(field.doc)))
        return self.ir.Form(name=form.name.text, submit=_text(form.submit) or "", fields=fields,
                       doc=_doc(form.doc))


# --- value normalisation -------------------------------------------------------


def normalize_literal(value: object, type_: ir.TypeRef) -> ir.Scalar:
    """A literal in the canonical form of the type it is a value of.

    The same meaning gives the same value whatever the spelling: `0x10` and
    `16` for an int, `2` and `2.0` for a float, `1e3` and `1000` for a decimal.
    """
    if value is None or isinstance(value, bool):
        return value
    # Read by `kind`: `type_` is a model or its plain twin (`plain.py`).
    while type_.kind == "nullable":
        type_ = type_.inner
    name = type_.name if type_.kind == "primitive" else None
    number = isinstance(value, (int, float, Decimal))
    if name == "float" and number:
        return float(value)
    if name == "decimal" and number and not isinstance(value, float):
        return canonical_decimal(Decimal(value))
    return _plain_scalar(value)


def _plain_scalar(value: object) -> ir.Scalar:
    """A literal whose type does not pin its form: integral decimals become ints."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return canonical_decimal(value)
    return value  # type: ignore[return-value]


def canonical_decimal(value: Decimal) -> Decimal:
    """Plain notation (no exponent), keeping the written scale: `9.90` stays."""
    return Decimal(format(value, "f"))


def validators(written: dict[str, decls.Literal], type_: ir.TypeRef,
               kit: Any) -> ir.Validators:
    """Validators spelled out: every known one present, numbers in canonical form
    (`kit`: the model classes or their plain twins)."""
    values: dict[str, object] = {}
    bound_type = type_ if type_.kind == "primitive" and type_.name in (
        "int", "float", "decimal") else kit.PrimitiveType(name="decimal")
    for key, literal in written.items():
        if key == "required":
            values["required"] = bool(literal.value)
        elif key in ("min", "max"):
            if isinstance(literal.value, str):  # a date or datetime bound, as written
                values[key] = literal.value
            else:
                values[key] = normalize_literal(literal.value, bound_type)
        elif key in _LENGTH_VALIDATORS:
            values[_LENGTH_VALIDATORS[key]] = literal.value
        elif key == "pattern":
            values["pattern"] = literal.value
    return kit.Validators(**values)


# --- small helpers -----------------------------------------------------------


def _alike(decl: object, built: object) -> bool:
    """For declarations whose IR reads no resolved type (enums)."""
    return True


def _text(name: decls.Name | None) -> str | None:
    return name.text if name is not None else None


def _doc(doc: decls.Doc | None) -> str | None:
    return doc.text if doc is not None else None


def _int(literal: decls.Literal | None) -> int | None:
    return literal.value if literal is not None and _is_int(literal.value) else None


def _flag(literal: decls.Literal | None) -> bool:
    return bool(literal.value) if literal is not None else False


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def snake_case(name: str) -> str:
    """`ProductImage` -> `product_image`: the default table name of a model."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def humanize(name: str) -> str:
    """`display_name` -> `Display name`: the default label of a form field."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _on_delete(name: decls.Name | None) -> str | None:
    """The declared delete behaviour; the default (`protect`) is not kept, so
    writing it out or leaving it out gives the same IR."""
    if name is None or name.text == decls.DEFAULT_ON_DELETE:
        return None
    return name.text
