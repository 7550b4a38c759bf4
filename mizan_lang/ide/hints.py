"""Inline annotations: invalidation hints on `affects`, usage counts on contexts.

- An invalidation hint sits after each context an `affects=` list names and
  after each `affects` child node, and says which instances of the context the
  mutation invalidates: `exact(user_id)`, `partial(shop_id)` or `global`
  (the bound key params in brackets; the tooltip maps each key to its param).
- A context lens counts the queries that are members of the context and the
  mutations that invalidate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..check.result import CheckResult, Scoping
from ..decls import Affect, ContextDecl, FunctionDecl
from ..source import Span
from .session import Analysis


@dataclass(slots=True)
class InvalidationHint:
    offset: int  # where the label goes: just after the context name or the node
    label: str
    tooltip: str


@dataclass(slots=True)
class Place:
    path: str
    span: Span


@dataclass(slots=True)
class ContextLens:
    context: str
    span: Span  # the context's name
    title: str
    queries: list[Place] = field(default_factory=list)  # member functions' names
    mutations: list[Place] = field(default_factory=list)  # affecting functions' names


# --- inlay hints -------------------------------------------------------------------------
def invalidation_hints(analysis: Analysis, path: str, start: int, end: int
                       ) -> list[InvalidationHint]:
    """Hints of the functions of `path` whose place lies in [start, end]."""
    source = analysis.files.get(path)
    if source is None:
        return []
    result = analysis.result
    scopings = analysis.memo.get("scopings-by-pair")
    if scopings is None:
        scopings = analysis.memo["scopings-by-pair"] = {
            (s.mutation, s.context): s for s in result.scopings}
    hints = []
    for fn in source.decls.functions:
        if fn.span.end < start or fn.span.start > end or not fn.affects:
            continue
        if _first_function(result, fn.name.text) is not fn:
            continue  # a duplicate: its scopings were not computed
        seen: set[str] = set()
        for affect in fn.affects:
            context = affect.context.text
            scoping = scopings.get((fn.name.text, context))
            if scoping is None or context in seen:
                continue
            seen.add(context)
            offset = _hint_offset(affect)
            if start <= offset <= end:
                keys = _context_keys(result, context)
                hints.append(InvalidationHint(offset, hint_label(scoping),
                                              hint_tooltip(scoping, keys, affect)))
    return sorted(hints, key=lambda h: h.offset)


def _first_function(result: CheckResult, name: str) -> object:
    symbol = result.symbols["function"].get(name)
    return symbol.decl if symbol is not None else None


def _hint_offset(affect: Affect) -> int:
    # An `affects=a,b` item has the name as its span; a child node its whole node.
    if affect.span == affect.context.span:
        return affect.context.span.end
    return affect.span.end


def _context_keys(result: CheckResult, context: str) -> list[str]:
    symbol = result.symbols["context"].get(context)
    decl = symbol.decl if symbol is not None else None
    return [p.name.text for p in decl.params] if isinstance(decl, ContextDecl) else []


def hint_label(scoping: Scoping) -> str:
    if scoping.tier == "global" or not scoping.bindings:
        return scoping.tier
    return f"{scoping.tier}({', '.join(scoping.bindings)})"


def hint_tooltip(scoping: Scoping, keys: list[str], affect: Affect) -> str:
    context = scoping.context
    if scoping.tier == "global":
        lines = [f"global: every instance of context '{context}' is invalidated"]
    elif not keys:
        lines = [f"exact: context '{context}' has no keys, so its one instance is invalidated"]
    elif scoping.tier == "exact":
        lines = [f"exact: the one instance of context '{context}' with these keys"]
    else:
        lines = [f"partial: every instance of context '{context}' matching these keys"]
    lines += [f"{key} <- {param}" for key, param in scoping.bindings.items()]
    unbound = [key for key in keys if key not in scoping.bindings]
    if unbound and scoping.tier == "partial":
        lines.append(f"not bound: {', '.join(unbound)}")
    if affect.scope is not None:
        lines.append(f"(scope={affect.scope.text})")
    elif affect.by is not None:
        lines.append("(bound with by=)")
    else:
        lines.append("(keys matched by param name)" if keys else "")
    return "\n".join(line for line in lines if line)


# --- code lens ---------------------------------------------------------------------------
def context_lenses(analysis: Analysis, path: str) -> list[ContextLens]:
    source = analysis.files.get(path)
    if source is None:
        return []
    users = analysis.memo.get("context-users")
    if users is None:
        users = analysis.memo["context-users"] = _context_users(analysis.result)
    members, affecting = users
    lenses = []
    for ctx in source.decls.contexts:
        symbol = analysis.result.symbols["context"].get(ctx.name.text)
        if symbol is None or symbol.decl is not ctx:
            continue  # a duplicate declaration: the first one carries the lens
        queries = members.get(ctx.name.text, [])
        mutations = affecting.get(ctx.name.text, [])
        lenses.append(ContextLens(ctx.name.text, ctx.name.span,
                                  lens_title(len(queries), len(mutations)), queries, mutations))
    return lenses


def _context_users(result: CheckResult) -> tuple[dict[str, list[Place]], dict[str, list[Place]]]:
    """Per context: its member queries and the mutations that invalidate it, by place."""
    members: dict[str, list[Place]] = {}
    for symbol in result.symbols["function"].values():
        fn = symbol.decl
        if isinstance(fn, FunctionDecl) and fn.context is not None:
            members.setdefault(fn.context.text, []).append(Place(symbol.path, fn.name.span))
    affecting: dict[str, list[Place]] = {}
    for scoping in result.scopings:
        symbol = result.symbols["function"].get(scoping.mutation)
        if symbol is not None:
            affecting.setdefault(scoping.context, []).append(Place(symbol.path, symbol.span))
    for table in (members, affecting):
        for places in table.values():
            places.sort(key=lambda p: (p.path, p.span.start))
    return members, affecting


def lens_title(queries: int, mutations: int) -> str:
    query_word = "query" if queries == 1 else "queries"
    mutation_word = "mutation" if mutations == 1 else "mutations"
    return f"{queries} {query_word}, {mutations} {mutation_word} affect it"
