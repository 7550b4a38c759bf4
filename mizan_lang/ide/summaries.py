"""Markdown summaries of declarations and their items, for hovers.

Each function takes what the CheckResult knows and returns Markdown: a
header in a code block, the doc, then facts as short lines and lists.
"""

from __future__ import annotations

from ..check.result import CheckResult
from ..decls import (
    Column,
    ContextDecl,
    EnumDecl,
    EnumMember,
    Field,
    FormDecl,
    FormField,
    FunctionDecl,
    Guard,
    ModelDecl,
    Param,
    Relation,
    ShapeDecl,
    ShapeField,
    TypeDecl,
    TypeRef,
)
from . import words
from .describe import (
    guard_text,
    literal_text,
    param_text,
    scoping_text,
    signature,
    tables,
    type_text,
)

MAX_LIST = 30  # longer lists are cut, with a count of the rest


def code(header: str) -> str:
    return f"```\n{header}\n```"


def join(*blocks: str) -> str:
    return "\n\n".join(block for block in blocks if block)


def doc_of(item: object) -> str:
    doc = getattr(item, "doc", None)
    return doc.text if doc is not None else ""


def bullets(lines: list[str]) -> str:
    shown = [f"- {line}" for line in lines[:MAX_LIST]]
    if len(lines) > MAX_LIST:
        shown.append(f"- … and {len(lines) - MAX_LIST} more")
    return "\n".join(shown)


def section(title: str, lines: list[str]) -> str:
    return f"**{title}**\n{bullets(lines)}" if lines else ""


def _many(relation: Relation) -> bool:
    return relation.many is not None and relation.many.value is True


# --- types --------------------------------------------------------------------------------
def _type_names(ref: TypeRef) -> list[str]:
    """The distinct primitive and declared names inside a type expression."""
    names: list[str] = []
    for node in ref.expr.walk() if ref.expr is not None else ():
        if node.kind in ("named", "primitive") and node.name not in names:
            names.append(node.name)
    return names


def what_type(result: CheckResult, name: str) -> str:
    symbol = result.symbols.get("type", {}).get(name)
    if symbol is None:
        builtin = words.PRIMITIVES.get(name)
        return builtin if builtin else "not declared"
    decl = symbol.decl
    if isinstance(decl, ShapeDecl) and decl.model is not None:
        return f"shape of model `{decl.model.text}`"
    if isinstance(decl, EnumDecl):
        return f"enum of {len(decl.members)} members"
    if isinstance(decl, TypeDecl):
        return f"record of {len(decl.fields)} fields"
    return symbol.kind


def type_line(result: CheckResult, ref: TypeRef | None) -> str:
    """What a type expression is made of: each name it uses, resolved."""
    if ref is None or ref.expr is None:
        return ""
    text = type_text(ref)
    names = _type_names(ref)
    if names == [text.rstrip("?")]:
        return f"Type `{text}`: {what_type(result, names[0])}"
    return f"Type `{text}`\n" + bullets([f"`{name}`: {what_type(result, name)}" for name in names])


# --- declarations ---------------------------------------------------------------------------
def function(result: CheckResult, fn: FunctionDecl) -> str:
    name = fn.name.text
    kind = result.function_kinds.get(name, "query")
    facts = [kind]
    if fn.context is not None:
        facts.append(f"member of context `{fn.context.text}`")
    facts.append(f"auth `{result.effective_auth.get('fn:' + name, 'public')}`")
    if fn.websocket is not None and fn.websocket.value is True:
        facts.append("websocket")
    invalidates = [f"`{s.context}` — {scoping_text(s)}"
                   for s in tables(result).by_mutation.get(name, [])]
    effect = section("Invalidates", invalidates)
    if kind == "mutation" and not invalidates:
        effect = "Invalidates no context."
    return join(code(signature(fn)), doc_of(fn), " · ".join(facts), effect)


def _cache_text(ctx: ContextDecl) -> str:
    cache = ctx.cache
    if cache is None or cache.ttl is None or cache.ttl.value == 0:
        return "not cached"
    vary = cache.vary.text if cache.vary is not None else "identity"
    return f"cached {cache.ttl.value} s, vary {vary}"


def context(result: CheckResult, ctx: ContextDecl) -> str:
    name = ctx.name.text
    keys = ", ".join(param_text(p) for p in ctx.params)
    render = ctx.render.text if ctx.render is not None else "csr"
    facts = [f"auth `{result.effective_auth.get('ctx:' + name, 'public')}`", _cache_text(ctx),
             f"render {render}"]
    table = tables(result)
    members = []
    for member in table.members.get(name, []):
        fn = result.symbols["function"][member].decl
        returns = f" -> {type_text(fn.returns)}" if fn.returns is not None else ""
        members.append(f"`{member}`{returns}")
    affected = [f"`{s.mutation}` — {scoping_text(s)}" for s in table.by_context.get(name, [])]
    return join(code(f"context {name}({keys})"), doc_of(ctx), " · ".join(facts),
                section(f"Members ({len(members)})", members),
                section(f"Affected by ({len(affected)})", affected))


def record(result: CheckResult, decl: TypeDecl) -> str:
    fields = [field_line(f) for f in decl.fields]
    return join(code(f"type {decl.name.text}"), doc_of(decl),
                section(f"Fields ({len(fields)})", fields))


def field_line(f: Field) -> str:
    default = f" = {literal_text(f.default)}" if f.default is not None else ""
    return f"`{f.name.text}`: {type_text(f.type)}{default}"


def enum(decl: EnumDecl) -> str:
    members = [f"`{m.name.text}`" + (f" — {doc_of(m)}" if m.doc else "") for m in decl.members]
    return join(code(f"enum {decl.name.text}"), doc_of(decl),
                section(f"Members ({len(members)})", members))


def shape_field_type(result: CheckResult, shape: ShapeDecl, f: ShapeField) -> str:
    """The type a shape field has: its column's type, or the shape/key of its relation."""
    model = result.symbols.get("model", {}).get(shape.model.text) if shape.model else None
    if model is None:
        return "?"
    for column in model.decl.columns:
        if column.name.text == f.name.text:
            return type_text(column.type)
    for rel in model.decl.relations:
        if rel.name.text == f.name.text:
            if f.shape is not None:
                inner = f.shape.text
            else:
                target = result.symbols.get("model", {}).get(rel.target.text)
                primary = next((c for c in target.decl.columns if c.primary is not None
                                and c.primary.value is True), None) if target else None
                inner = type_text(primary.type) if primary is not None else "?"
            return f"list<{inner}>" if _many(rel) else inner
    return "?"


def shape(result: CheckResult, decl: ShapeDecl) -> str:
    model = decl.model.text if decl.model is not None else "?"
    fields = [f"`{f.name.text}`: {shape_field_type(result, decl, f)}" for f in decl.fields]
    return join(code(f"shape {decl.name.text}"), doc_of(decl), f"Projection of model `{model}`",
                section(f"Fields ({len(fields)})", fields))


def model(decl: ModelDecl) -> str:
    table = decl.table.text if decl.table is not None else "(default)"
    columns = [column_line(c) for c in decl.columns]
    relations = [relation_line(r) for r in decl.relations]
    return join(code(f"model {decl.name.text}"), doc_of(decl), f"Table `{table}`",
                section(f"Columns ({len(columns)})", columns),
                section(f"Relations ({len(relations)})", relations))


def column_line(c: Column) -> str:
    flags = [flag for flag, lit in (("primary", c.primary), ("unique", c.unique))
             if lit is not None and lit.value is True]
    return f"`{c.name.text}`: {type_text(c.type)}" + (f" ({', '.join(flags)})" if flags else "")


def relation_line(r: Relation) -> str:
    return f"`{r.name.text}` -> `{r.target.text}`" + (" (many)" if _many(r) else "")


def form(decl: FormDecl) -> str:
    submit = decl.submit.text if decl.submit is not None else "?"
    fields = [form_field_line(f) for f in decl.fields]
    return join(code(f"form {decl.name.text}"), doc_of(decl), f"Submits to `{submit}`",
                section(f"Fields ({len(fields)})", fields))


def form_field_line(f: FormField) -> str:
    rules = [f"{key}={literal_text(value)}" for key, value in f.validators.items()]
    if f.label is not None:
        rules.append(f'label "{f.label.text}"')
    return f"`{f.name.text}`: {type_text(f.type)}" + (f" ({', '.join(rules)})" if rules else "")


def guard(decl: Guard) -> str:
    return join(code(f"guard {decl.name.text}"), doc_of(decl),
                f"Auth level: the token's {guard_text(decl)}")


# --- items ----------------------------------------------------------------------------------
def param(result: CheckResult, p: Param, owner: str) -> str:
    optional = ""
    if p.default is not None:
        optional = f"Optional (default {literal_text(p.default)})"
    elif p.type.expr is not None and p.type.expr.kind == "nullable":
        optional = "Optional (nullable)"
    return join(code(f"param {param_text(p)}"), doc_of(p), owner,
                type_line(result, p.type), optional)


def type_field(result: CheckResult, f: Field, owner: str) -> str:
    return join(code(f"field {field_line(f).replace('`', '')}"), doc_of(f),
                f"Field of type `{owner}`", type_line(result, f.type))


def member(m: EnumMember, owner: str) -> str:
    return join(code(f"{owner}.{m.name.text}"), doc_of(m), f"Member of enum `{owner}`")


def column(result: CheckResult, c: Column, owner: str) -> str:
    return join(code(f"column {column_line(c).replace('`', '')}"), doc_of(c),
                f"Column of model `{owner}`", type_line(result, c.type))


def relation(r: Relation, owner: str) -> str:
    return join(code(f"relation {relation_line(r).replace('`', '')}"), doc_of(r),
                f"Relation of model `{owner}`")


def shape_field(result: CheckResult, decl: ShapeDecl, f: ShapeField) -> str:
    model_name = decl.model.text if decl.model is not None else "?"
    via = f", through shape `{f.shape.text}`" if f.shape is not None else ""
    return join(code(f"field {f.name.text}: {shape_field_type(result, decl, f)}"),
                f"Field of shape `{decl.name.text}`, from model `{model_name}`{via}")


def form_field(result: CheckResult, decl: FormDecl, f: FormField) -> str:
    target = ""
    fn = result.symbols.get("function", {}).get(decl.submit.text) if decl.submit else None
    if fn is not None:
        p = next((p for p in fn.decl.params if p.name.text == f.name.text), None)
        target = (f"Submitted as `{param_text(p)}` of `{fn.name}`" if p is not None
                  else f"`{fn.name}` has no param `{f.name.text}`")
    return join(code(f"field {form_field_line(f).replace('`', '')}"), doc_of(f),
                f"Field of form `{decl.name.text}`", target)


def builtin(name: str) -> str:
    return join(code(name), words.PRIMITIVES.get(name, ""))
