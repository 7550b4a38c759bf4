"""Hover: what the name under the cursor is, in Markdown.

Names come from the index (declarations and uses, with keys such as
("context", "user")); the text from the CheckResult (kinds, effective auth,
scopings). What the index does not cover is tried next: primitive and
built-in type names, import paths, and the language's own words (node names, property keys, fixed values).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass

from ..check.result import CheckResult
from ..decls import (
    ContextDecl,
    EnumDecl,
    FileDecls,
    FormDecl,
    FunctionDecl,
    ModelDecl,
    ShapeDecl,
    TypeDecl,
    TypeRef,
)
from ..kdl.model import Document, Node
from ..perf import paused_gc
from ..source import Span
from ..workspace import SourceFile
from . import summaries as say
from . import words
from .describe import scoping_text, shown_path, tables
from .index import Occurrence
from .session import Analysis

_DECL_LISTS = ("auth", "enums", "types", "contexts", "functions", "models", "shapes", "forms")


@dataclass(slots=True)
class HoverInfo:
    markdown: str
    span: Span  # the hovered name


def hover(analysis: Analysis, source: SourceFile, offset: int) -> HoverInfo | None:
    with paused_gc():
        return _hover(analysis, source, offset)


def _hover(analysis: Analysis, source: SourceFile, offset: int) -> HoverInfo | None:
    here = analysis.index.at(source.path, offset)
    if here is not None:
        text = _occurrence(analysis, source, here)
        if text:
            return HoverInfo(say.join(text, _where(analysis, source, here)), here.span)
    for find in (_type_name, _import_path, _language_word):
        found = find(analysis, source, offset)
        if found is not None:
            return found
    return None


def decl_at(decls: FileDecls, offset: int) -> object | None:
    """The top-level declaration of a file that contains `offset`."""
    for attr in _DECL_LISTS:
        items = getattr(decls, attr)
        i = bisect.bisect_right(items, offset, key=lambda d: d.span.start) - 1
        if i >= 0 and items[i].span.start <= offset <= items[i].span.end:
            return items[i]
    return None


def _where(analysis: Analysis, source: SourceFile, here: Occurrence) -> str:
    if here.role == "form field":
        return ""  # its key is the submitted param's, declared elsewhere
    place = _declared(analysis.result, here.key)
    file = analysis.files.get(place[0]) if place is not None else None
    if file is None:
        return ""
    line = file.index.position(place[1].start).line + 1
    return f"*Declared in `{shown_path(place[0], source.path)}`, line {line}*"


def _declared(result: CheckResult, key: tuple[str, ...]) -> tuple[str, Span] | None:
    """Where the name a key stands for is declared (the first declaration, as the
    checker counts it), straight from the symbol tables."""
    kind, owner = key[0], key[1]
    if kind in result.symbols:
        symbol = result.symbols[kind].get(owner)
        return (symbol.path, symbol.span) if symbol is not None else None
    if kind == "param":
        space, _, owner = owner.partition(":")
        symbol = result.symbols.get("function" if space == "fn" else "context", {}).get(owner)
        items = getattr(symbol.decl, "params", ()) if symbol is not None else ()
    else:
        namespace = "model" if kind == "column" else "type"
        symbol = result.symbols.get(namespace, {}).get(owner)
        decl = symbol.decl if symbol is not None else None
        items = {"field": ("fields",), "member": ("members",),
                 "column": ("columns", "relations")}.get(kind, ())
        items = [item for attr in items for item in getattr(decl, attr, ())]
    for item in items:
        if item.name.text == key[-1]:
            return symbol.path, item.name.span
    return None


# --- names in the index -----------------------------------------------------------------
def _occurrence(analysis: Analysis, source: SourceFile, here: Occurrence) -> str:
    result = analysis.result
    kind, name = here.key[0], here.key[-1]
    table = result.symbols.get(kind, {})
    if kind == "function" and name in table:
        return say.function(result, table[name].decl)
    if kind == "context" and name in table:
        return say.join(_invalidation(analysis, source, here), say.context(result,
                                                                           table[name].decl))
    if kind == "type":
        return _type_symbol(analysis, name)
    if kind == "model" and name in table:
        return say.model(table[name].decl)
    if kind == "form" and name in table:
        return say.form(table[name].decl)
    if kind == "guard" and name in table:
        return say.guard(table[name].decl)
    if kind in _ITEMS:
        return _ITEMS[kind](analysis, source, here)
    return ""


def _type_symbol(analysis: Analysis, name: str) -> str:
    result = analysis.result
    symbol = result.symbols.get("type", {}).get(name)
    if symbol is None:
        return say.builtin(name) if name in words.PRIMITIVES else f"`{name}` is not declared."
    decl = symbol.decl
    if isinstance(decl, EnumDecl):
        return say.enum(decl)
    if isinstance(decl, ShapeDecl):
        return say.shape(result, decl)
    return say.record(result, decl)


def _invalidation(analysis: Analysis, source: SourceFile, here: Occurrence) -> str:
    """For a context named in a function's `affects`: how that function invalidates it."""
    if here.is_definition:
        return ""
    fn = decl_at(source.decls, here.span.start)
    if not isinstance(fn, FunctionDecl) or (fn.context is not None
                                            and fn.context.span == here.span):
        return ""
    for scoping in tables(analysis.result).by_mutation.get(fn.name.text, []):
        if scoping.context == here.key[1]:
            return (f"`{fn.name.text}` invalidates `{scoping.context}`: "
                    f"**{scoping_text(scoping)}**")
    return ""


def _param(analysis: Analysis, source: SourceFile, here: Occurrence) -> str:
    result = analysis.result
    owner, name = here.key[1], here.key[2]
    if here.role == "form field":
        form = decl_at(source.decls, here.span.start)
        if isinstance(form, FormDecl):
            for f in form.fields:
                if f.name.span == here.span:
                    return say.form_field(result, form, f)
        return ""
    space, _, decl_name = owner.partition(":")
    namespace = "function" if space == "fn" else "context"
    symbol = result.symbols.get(namespace, {}).get(decl_name)
    if symbol is None:
        return ""
    for p in symbol.decl.params:
        if p.name.text == name:
            where = (f"Param of `fn {decl_name}`" if space == "fn"
                     else f"Key param of context `{decl_name}`")
            return say.param(result, p, where)
    return ""


def _field(analysis: Analysis, source: SourceFile, here: Occurrence) -> str:
    symbol = analysis.result.symbols.get("type", {}).get(here.key[1])
    if symbol is None or not isinstance(symbol.decl, TypeDecl):
        return ""
    for f in symbol.decl.fields:
        if f.name.text == here.key[2]:
            return say.type_field(analysis.result, f, here.key[1])
    return ""


def _member(analysis: Analysis, source: SourceFile, here: Occurrence) -> str:
    symbol = analysis.result.symbols.get("type", {}).get(here.key[1])
    if symbol is None or not isinstance(symbol.decl, EnumDecl):
        return ""
    for m in symbol.decl.members:
        if m.name.text == here.key[2]:
            return say.member(m, here.key[1])
    return ""


def _column(analysis: Analysis, source: SourceFile, here: Occurrence) -> str:
    result = analysis.result
    if not here.is_definition:  # a shape field names a column or relation
        shape = decl_at(source.decls, here.span.start)
        if isinstance(shape, ShapeDecl):
            for f in shape.fields:
                if f.name.span == here.span:
                    return say.join(say.shape_field(result, shape, f),
                                    _column_of(analysis, here))
    return _column_of(analysis, here)


def _column_of(analysis: Analysis, here: Occurrence) -> str:
    symbol = analysis.result.symbols.get("model", {}).get(here.key[1])
    if symbol is None or not isinstance(symbol.decl, ModelDecl):
        return ""
    for c in symbol.decl.columns:
        if c.name.text == here.key[2]:
            return say.column(analysis.result, c, here.key[1])
    for r in symbol.decl.relations:
        if r.name.text == here.key[2]:
            return say.relation(r, here.key[1])
    return ""


_ITEMS = {"param": _param, "field": _field, "member": _member, "column": _column}


# --- what the index does not hold ---------------------------------------------------------
def _type_refs(decl: object):
    if isinstance(decl, FunctionDecl):
        yield from (p.type for p in decl.params)
        if decl.returns is not None:
            yield decl.returns
    elif isinstance(decl, ContextDecl):
        yield from (p.type for p in decl.params)
    elif isinstance(decl, (TypeDecl, FormDecl)):
        yield from (f.type for f in decl.fields)
    elif isinstance(decl, ModelDecl):
        yield from (c.type for c in decl.columns)


def _type_name(analysis: Analysis, source: SourceFile, offset: int) -> HoverInfo | None:
    """A primitive or a generic (`list`, `map`) inside a type expression."""
    found = None
    for ref in _type_refs(decl_at(source.decls, offset)):
        if not isinstance(ref, TypeRef) or ref.expr is None or not ref.span.contains(offset):
            continue
        for node in ref.expr.walk():
            if node.kind == "primitive":
                span = node.span
            elif node.kind in ("list", "map"):
                span = Span(node.span.start, node.span.start + len(node.name))
            else:
                continue
            if span.contains(offset):
                found = HoverInfo(say.builtin(node.name), span)
    return found


def _import_path(analysis: Analysis, source: SourceFile, offset: int) -> HoverInfo | None:
    for imp in source.decls.imports:
        span = imp.path_span
        if span is None or not span.contains(offset):
            continue
        target = os.path.normpath(os.path.join(os.path.dirname(source.path), imp.path))
        decls = analysis.result.files.get(target.replace(os.sep, "/"))
        if decls is None:
            return HoverInfo(say.join(say.code(imp.path), "Not loaded."), span)
        counts = [(len(getattr(decls, attr)), label) for attr, label in (
            ("types", "types"), ("enums", "enums"), ("contexts", "contexts"),
            ("functions", "functions"), ("models", "models"), ("shapes", "shapes"),
            ("forms", "forms"))]
        listed = ", ".join(f"{n} {label}" for n, label in counts if n) or "nothing"
        return HoverInfo(say.join(say.code(imp.path), f"Declares {listed}."), span)
    return None


def _node_chain(document: Document, offset: int) -> list[Node]:
    """The nodes containing `offset`, outermost first."""
    chain: list[Node] = []
    nodes = document.nodes
    while nodes:
        i = bisect.bisect_right(nodes, offset, key=lambda n: n.span.start) - 1
        if i < 0 or not nodes[i].span.contains(offset):
            break
        chain.append(nodes[i])
        nodes = nodes[i].children or []
    return chain


def _language_word(analysis: Analysis, source: SourceFile, offset: int) -> HoverInfo | None:
    """A node name, a property key, or a fixed value (`render psr`, `vary=public`)."""
    chain = _node_chain(source.parse.document, offset)
    if not chain:
        return None
    node = chain[-1]
    if node.name_span.contains(offset) and node.name in words.NODES:
        return HoverInfo(say.join(say.code(node.name), words.NODES[node.name]), node.name_span)
    for prop in node.props:
        if prop.key_span.contains(offset):
            text = words.prop_doc(node.name, prop.key)
            return HoverInfo(say.join(say.code(prop.key), text), prop.key_span) if text else None
        if prop.value.span.contains(offset):
            return _value_word(prop.value.text, prop.key, prop.value.span)
    for value in node.args:
        if value.span.contains(offset):
            return _value_word(value.text, node.name, value.span)
    return None


def _value_word(text: str, key: str, span: Span) -> HoverInfo | None:
    described = words.value_doc(text, key)
    return HoverInfo(say.join(say.code(text), described), span) if described else None
