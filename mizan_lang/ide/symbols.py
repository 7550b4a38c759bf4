"""Symbols: the outline of one file and the search over a workspace's names.

The outline mirrors the file: each declaration with its parts (enum members,
fields, key params, columns, ...). `span` covers the whole node, `selection`
its name. Kinds are the language's own words; the language server maps them
to the editor's symbol kinds.

Workspace search matches a query as a case-insensitive subsequence of each
top-level name, ranked exact > prefix > substring > subsequence. The sorted
list of names is built once per analysis and kept in `Analysis.memo`.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field

from ..decls import (
    AuthBlock,
    ContextDecl,
    EnumDecl,
    FileDecls,
    FormDecl,
    FunctionDecl,
    ModelDecl,
    Param,
    ShapeDecl,
    TypeDecl,
)
from ..kdl.model import Document, Node
from ..source import Span
from .session import Analysis, Session

MAX_RESULTS = 100  # workspace search: like clangd; more is noise, and costs serialization
_MEMO_KEY = "symbols.catalog"


@dataclass(slots=True)
class OutlineItem:
    name: str
    # import | auth | jwt | guard | default | enum | member | type | field | context | key |
    # cache | render | function | context-query | param | model | column | relation | shape |
    # shape-field | form | form-field
    kind: str
    detail: str
    span: Span  # the whole node
    selection: Span  # the name
    children: list[OutlineItem] = field(default_factory=list)


# --- the outline of one file -----------------------------------------------------------


class _Nodes:
    """Finds the KDL node around an offset (for parts the declarations keep no node of)."""

    def __init__(self, document: Document) -> None:
        self.top = document.nodes
        self.starts = [node.span.start for node in self.top]

    def innermost(self, offset: int) -> Node | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        node = self.top[i] if i >= 0 else None
        if node is None or not node.span.start <= offset < node.span.end:
            return None
        while True:
            inner = next((child for child in node.children or ()
                          if child.span.start <= offset < child.span.end), None)
            if inner is None:
                return node
            node = inner


def _item(name: str, kind: str, detail: str, span: Span, selection: Span,
          children: list[OutlineItem] | None = None) -> OutlineItem:
    if not (span.start <= selection.start and selection.end <= span.end):
        span = span.cover(selection)  # editors require the name inside the range
    return OutlineItem(name, kind, detail, span, selection, children or [])


def _sorted(items: list[OutlineItem]) -> list[OutlineItem]:
    return sorted(items, key=lambda item: (item.span.start, item.selection.start))


def outline(decls: FileDecls, document: Document,
            function_kinds: dict[str, str] | None = None) -> list[OutlineItem]:
    """The declarations of one file as a tree, in source order. `function_kinds`
    (the checker's) knows kinds inferred across files."""
    nodes = _Nodes(document)
    kinds = function_kinds or {}
    items: list[OutlineItem] = []
    for imp in decls.imports:
        if imp.path:  # editors reject symbols without a name
            items.append(_item(imp.path, "import", "", imp.span, imp.path_span or imp.span))
    items.extend(_auth(block, nodes) for block in decls.auth)
    items.extend(_enum(decl, nodes) for decl in decls.enums if decl.name.text)
    items.extend(_type(decl) for decl in decls.types if decl.name.text)
    items.extend(_context(decl, nodes) for decl in decls.contexts if decl.name.text)
    items.extend(_function(decl, kinds) for decl in decls.functions if decl.name.text)
    items.extend(_model(decl) for decl in decls.models if decl.name.text)
    items.extend(_shape(decl) for decl in decls.shapes if decl.name.text)
    items.extend(_form(decl) for decl in decls.forms if decl.name.text)
    return _sorted(items)


def _node_part(nodes: _Nodes, at: Span, name: str, kind: str, detail: str,
               owner: Span) -> OutlineItem:
    """A part known only by a value inside its node (`render csr`, `default user`)."""
    node = nodes.innermost(at.start)
    if node is None or node.span == owner:
        return _item(name, kind, detail, at, at)
    return _item(name, kind, detail, node.span, node.name_span)


def _auth(block: AuthBlock, nodes: _Nodes) -> OutlineItem:
    node = nodes.innermost(block.span.start)
    selection = node.name_span if node is not None else Span(block.span.start, block.span.start)
    children = []
    if block.jwt is not None:
        jwt = block.jwt
        detail = jwt.algorithm.text if jwt.algorithm is not None else ""
        children.append(_node_part(nodes, jwt.span, "jwt", "jwt", detail, block.span))
    for guard in block.guards:
        if not guard.name.text:
            continue
        detail = f"claim {guard.claim.text}" if guard.claim is not None else ""
        if guard.value is not None:
            detail += f" = {guard.value.raw or guard.value.value}"
        children.append(_item(guard.name.text, "guard", detail, guard.span, guard.name.span))
    if block.default is not None:
        children.append(_node_part(nodes, block.default.span, "default", "default",
                                   block.default.text, block.span))
    return _item("auth", "auth", "", block.span, selection, _sorted(children))


def _enum(decl: EnumDecl, nodes: _Nodes) -> OutlineItem:
    members = []
    for member in decl.members:
        if member.name.text:
            members.append(_node_part(nodes, member.name.span, member.name.text, "member", "",
                                      decl.span))
    return _item(decl.name.text, "enum", "", decl.span, decl.name.span, members)


def _type(decl: TypeDecl) -> OutlineItem:
    fields = []
    for f in decl.fields:
        if f.name.text:
            detail = f.type.text + (f" = {f.default.raw}" if f.default is not None else "")
            fields.append(_item(f.name.text, "field", detail, f.span, f.name.span))
    return _item(decl.name.text, "type", "", decl.span, decl.name.span, fields)


def _params(params: list[Param]) -> str:
    return ", ".join(f"{p.name.text}: {p.type.text}" for p in params if p.name.text)


def _param_items(params: list[Param], kind: str) -> list[OutlineItem]:
    return [_item(p.name.text, kind, p.type.text, p.span, p.name.span)
            for p in params if p.name.text]


def _context(decl: ContextDecl, nodes: _Nodes) -> OutlineItem:
    children = _param_items(decl.params, "key")
    if decl.cache is not None:
        cache = decl.cache
        parts = []
        if cache.ttl is not None:
            parts.append(f"ttl={cache.ttl.raw or cache.ttl.value}")
        if cache.vary is not None:
            parts.append(f"vary={cache.vary.text}")
        children.append(_node_part(nodes, cache.span, "cache", "cache", " ".join(parts),
                                   decl.span))
    if decl.render is not None:
        children.append(_node_part(nodes, decl.render.span, "render", "render",
                                   decl.render.text, decl.span))
    return _item(decl.name.text, "context", f"({_params(decl.params)})", decl.span,
                 decl.name.span, _sorted(children))


def function_kind(decl: FunctionDecl, kinds: dict[str, str]) -> str:
    """query | mutation: the checker's answer, else what the declaration says."""
    known = kinds.get(decl.name.text)
    if known is not None:
        return known
    if decl.kind is not None and decl.kind.text in ("query", "mutation"):
        return decl.kind.text
    return "mutation" if decl.affects else "query"


def signature(decl: FunctionDecl, kinds: dict[str, str]) -> str:
    """`query (user_id: int64) -> Profile`, `mutation (...)`."""
    text = f"{function_kind(decl, kinds)} ({_params(decl.params)})"
    if decl.returns is not None and decl.returns.text:
        text += f" -> {decl.returns.text}"
    return text


def _function(decl: FunctionDecl, kinds: dict[str, str]) -> OutlineItem:
    kind = "context-query" if decl.context is not None else "function"
    return _item(decl.name.text, kind, signature(decl, kinds), decl.span,
                 decl.name.span, _param_items(decl.params, "param"))


def _model(decl: ModelDecl) -> OutlineItem:
    children = []
    for column in decl.columns:
        if column.name.text:
            flags = [word for word, on in (("primary", column.primary), ("unique", column.unique))
                     if on is not None and on.value is True]
            detail = " ".join([column.type.text, *flags])
            children.append(_item(column.name.text, "column", detail, column.span,
                                  column.name.span))
    for rel in decl.relations:
        if rel.name.text:
            many = rel.many is not None and rel.many.value is True
            detail = f"to {rel.target.text}" + (" (many)" if many else "")
            children.append(_item(rel.name.text, "relation", detail, rel.span, rel.name.span))
    detail = f"table {decl.table.text}" if decl.table is not None else ""
    return _item(decl.name.text, "model", detail, decl.span, decl.name.span, _sorted(children))


def _shape(decl: ShapeDecl) -> OutlineItem:
    fields = [_item(f.name.text, "shape-field", f"shape {f.shape.text}" if f.shape else "",
                    f.span, f.name.span)
              for f in decl.fields if f.name.text]
    detail = f"of {decl.model.text}" if decl.model is not None else ""
    return _item(decl.name.text, "shape", detail, decl.span, decl.name.span, fields)


def _form(decl: FormDecl) -> OutlineItem:
    fields = [_item(f.name.text, "form-field", f.type.text, f.span, f.name.span)
              for f in decl.fields if f.name.text]
    detail = f"submit {decl.submit.text}" if decl.submit is not None else ""
    return _item(decl.name.text, "form", detail, decl.span, decl.name.span, fields)


def file_outline(analysis: Analysis, path: str) -> list[OutlineItem]:
    """The outline of one file of an analysis."""
    source = analysis.files.get(path)
    if source is None:
        return []
    return outline(source.decls, source.parse.document, analysis.result.function_kinds)


# --- workspace search ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkspaceSymbol:
    name: str
    kind: str  # enum | type | shape | context | function | context-query | model | form | guard
    path: str
    selection: Span
    container: str  # the file's name


@dataclass(slots=True)
class _Catalog:
    """Every top-level name of one analysis, sorted by lower-cased name."""

    symbols: list[WorkspaceSymbol]
    lowered: list[str]
    joined: str  # the lowered names, one a line: one regex scan finds every match
    line_starts: list[int]


def _declared(path: str, d: FileDecls):
    container = os.path.basename(path)
    groups = (("enum", d.enums), ("type", d.types), ("shape", d.shapes),
              ("context", d.contexts), ("model", d.models), ("form", d.forms))
    for kind, decls in groups:
        for decl in decls:
            yield WorkspaceSymbol(decl.name.text, kind, path, decl.name.span, container)
    for fn in d.functions:
        kind = "context-query" if fn.context is not None else "function"
        yield WorkspaceSymbol(fn.name.text, kind, path, fn.name.span, container)
    for block in d.auth:
        for guard in block.guards:
            yield WorkspaceSymbol(guard.name.text, "guard", path, guard.name.span, container)


def _catalog(analysis: Analysis) -> _Catalog:
    catalog = analysis.memo.get(_MEMO_KEY)
    if isinstance(catalog, _Catalog):
        return catalog
    found = [symbol for path, decls in analysis.result.files.items()
             for symbol in _declared(path, decls) if symbol.name]
    found.sort(key=lambda s: (s.name.lower(), s.name, s.path, s.selection.start))
    lowered = [s.name.lower() for s in found]
    starts, at = [], 0
    for name in lowered:
        starts.append(at)
        at += len(name) + 1
    catalog = _Catalog(found, lowered, "\n".join(lowered), starts)
    analysis.memo[_MEMO_KEY] = catalog
    return catalog


# Ranks: lower is better.
EXACT, PREFIX, SUBSTRING, SUBSEQUENCE = range(4)


def _subsequence(query: str) -> re.Pattern[str]:
    """`abc` -> a[^b\\n]*+b[^c\\n]*+c: each letter at its first place after the one
    before, within one line; possessive, so a near miss cannot backtrack."""
    parts = [re.escape(query[0])]
    for ch in query[1:]:
        escaped = re.escape(ch)
        parts.append(f"[^{escaped}\\n]*+{escaped}")
    return re.compile("".join(parts))


def _matches(catalog: _Catalog, query: str) -> list[list[int]]:
    """Catalog positions of the names `query` matches, one list per rank, each
    in catalog order (plain ints: a search allocates little, so no GC pause)."""
    lowered = catalog.lowered
    tiers: list[list[int]] = [[], [], [], []]
    if not query:
        tiers[SUBSEQUENCE] = list(range(len(lowered)))
        return tiers
    # Exact and prefix matches are one run of the sorted names.
    start = bisect.bisect_left(lowered, query)
    end = start
    while end < len(lowered) and lowered[end].startswith(query):
        tiers[EXACT if lowered[end] == query else PREFIX].append(end)
        end += 1
    pattern = _subsequence(query)
    starts = catalog.line_starts
    last = -1
    for match in pattern.finditer(catalog.joined):
        i = bisect.bisect_right(starts, match.start()) - 1
        if i == last or start <= i < end:
            continue
        last = i
        tiers[SUBSTRING if query in lowered[i] else SUBSEQUENCE].append(i)
    return tiers


def search(analyses: list[Analysis], query: str,
           limit: int = MAX_RESULTS) -> list[WorkspaceSymbol]:
    """Top-level names of every analysis matching `query`, best first: by rank,
    then by name (case-insensitively), file and place."""
    query = "".join(query.split()).lower()  # names hold no spaces
    catalogs = [_catalog(analysis) for analysis in analyses]
    if len(catalogs) == 1:  # the usual case: the catalog order is the answer's
        catalog = catalogs[0]
        found: list[WorkspaceSymbol] = []
        for tier in _matches(catalog, query):
            found.extend(catalog.symbols[i] for i in tier[:limit - len(found)])
        return found
    ranked = []
    seen: set[tuple[str, int]] = set()
    for catalog in catalogs:
        for rank, tier in enumerate(_matches(catalog, query)):
            for i in tier[:limit]:  # each tier is sorted: later ones cannot make the cut
                symbol = catalog.symbols[i]
                place = (symbol.path, symbol.selection.start)
                if place not in seen:  # a file shared by two units
                    seen.add(place)
                    ranked.append((rank, catalog.lowered[i], symbol.name, *place, symbol))
    ranked.sort(key=lambda item: item[:5])
    return [item[5] for item in ranked[:limit]]


def workspace_analyses(session: Session) -> list[Analysis]:
    """The analysis of every unit: each workspace folder, and each open lone file."""
    units = {session.unit_key(path) for path in [*session.folders, *session.documents]}
    return [session.analysis_for(unit) for unit in sorted(units)]
