"""Types: resolve every type expression, then check where types may appear.

Each `TypeRef` (parsed by lowering) has its names looked up in the type
namespace (types, enums, shapes) and stored as an `RType` in the state. A
reference that does not resolve is reported once and left out, so later
passes skip it instead of piling up follow-on errors.
"""

from __future__ import annotations

import re

from ..decls import Param, TypeRef
from ..typeexpr import TypeExpr
from .defaults import check_default
from .graph import in_cycle, path_between, strongly_connected
from .rtypes import PRIMITIVES, UPLOAD, RType
from .state import CheckState
from .suggest import closest, fix, hint

# Where a type expression sits; only "param" may be `Upload`.
WHERE = {
    "field": "a type field",
    "param": "a parameter",
    "key": "a context key",
    "returns": "a return type",
    "column": "a model column",
}


def check_types(state: CheckState) -> None:
    env = state.type_env = state.intern("types", _type_environment(state))
    for task, decl_kind, check in _DECL_CHECKS:
        for path, decl in state.each(decl_kind):
            resolved = state.memo(task, decl, (path, env), _logged, state, check, path, decl)
            for ref, rtype in resolved:
                state.resolved[id(ref)] = rtype
    _check_infinite(state)


def _type_environment(state: CheckState) -> tuple:
    """Everything resolving a declaration's types may look at: the type
    namespace (with enum members, for defaults) and the models (with the
    shapes projecting each)."""
    types = tuple(
        (name, symbol.kind,
         tuple(m.name.text for m in symbol.decl.members) if symbol.kind == "enum" else
         (symbol.decl.model.text if symbol.kind == "shape" and symbol.decl.model else None))
        for name, symbol in sorted(state.symbols["type"].items()))
    return types, tuple(sorted(state.symbols["model"]))


def _logged(state: CheckState, check, path: str, decl) -> list:
    """Run one declaration's checks; return the (TypeRef, resolved type) pairs it found."""
    state.resolve_log = []
    try:
        check(state, path, decl)
        return state.resolve_log
    finally:
        state.resolve_log = None


def _type_decl(state: CheckState, path: str, decl) -> None:
    for item in decl.fields:
        resolved = resolve(state, path, item.type, "field")
        if item.default is not None and resolved is not None:
            check_default(state, path, item.default, resolved)


def _context(state: CheckState, path: str, ctx) -> None:
    for param in ctx.params:
        _param(state, path, param, "key")


def _function(state: CheckState, path: str, fn) -> None:
    for param in fn.params:
        _param(state, path, param, "param")
    if fn.returns is not None:
        resolve(state, path, fn.returns, "returns")


def _model(state: CheckState, path: str, model) -> None:
    for column in model.columns:
        resolve(state, path, column.type, "column")


_DECL_CHECKS = (
    ("types:type", "types", _type_decl),
    ("types:context", "contexts", _context),
    ("types:function", "functions", _function),
    ("types:model", "models", _model),
)


def resolve(state: CheckState, path: str, ref: TypeRef, where: str) -> RType | None:
    # Lowering parsed the expression and reported its syntax errors; None
    # means it was missing or malformed, so there is nothing to resolve.
    expr = ref.expr
    if expr is None:
        return None
    resolved = _convert(state, path, expr, where, top=True)
    if resolved is not None:
        state.resolved[id(ref)] = resolved
        if state.resolve_log is not None:
            state.resolve_log.append((ref, resolved))
    return resolved


def _convert(state: CheckState, path: str, expr: TypeExpr, where: str,
             top: bool) -> RType | None:
    if expr.kind == "nullable":
        inner = expr.args[0]
        if inner.kind == "named" and inner.name == UPLOAD:
            state.report("M202", path, inner.span,
                         detail="an Upload parameter cannot be nullable")
            return None
        converted = _convert(state, path, inner, where, top=False)
        return RType(converted.kind, converted.name, converted.item, True) if converted else None
    if expr.kind == "primitive":
        return RType("primitive", expr.name)
    if expr.kind == "list":
        item = _convert(state, path, expr.args[0], where, top=False)
        return RType("list", "list", item) if item else None
    if expr.kind == "map":
        key, value = expr.args
        key_ok = key.kind == "primitive" and key.name == "str"
        if not key_ok:
            state.report("M203", path, key.span, key=key.text())
        item = _convert(state, path, value, where, top=False)
        return RType("map", "map", item) if item and key_ok else None
    return _named(state, path, expr, where, top)


def _named(state: CheckState, path: str, expr: TypeExpr, where: str, top: bool) -> RType | None:
    name = expr.name
    if name == UPLOAD:
        if where == "param" and top:
            return RType("upload", UPLOAD)
        detail = ("Upload must be the whole type of a parameter, not part of a list or map"
                  if where == "param" else
                  f"Upload is only allowed as a parameter type, not in {WHERE[where]}")
        state.report("M202", path, expr.span, detail=detail)
        return None
    symbol = state.lookup("type", name)
    if symbol is not None:
        return RType(symbol.kind, name)
    if state.lookup("model", name) is not None:
        shapes = sorted(s.name for s in state.symbols["type"].values()
                        if s.kind == "shape" and getattr(s.decl.model, "text", None) == name)
        suggestion = shapes[0] if shapes else None
        state.report("M204", path, expr.span, data=fix(suggestion), name=name,
                     shape=f" such as '{suggestion}'" if suggestion else "")
        return None
    # One unknown name is often written in many places (a type being renamed):
    # find its suggestion once per check.
    key = (name, where == "param")
    if key in state.suggestions:
        suggestion = state.suggestions[key]
    else:
        candidates = [*state.symbols["type"], *PRIMITIVES, "list", "map"]
        if where == "param":
            candidates.append(UPLOAD)
        suggestion = state.suggestions[key] = closest(name, candidates)
    state.report("M201", path, expr.span, data=fix(suggestion), name=name,
                 hint=hint(suggestion))
    return None


def _param(state: CheckState, path: str, param: Param, where: str) -> None:
    resolved = resolve(state, path, param.type, where)
    if resolved is None:
        return
    if param.default is not None:
        check_default(state, path, param.default, resolved)
    is_upload = resolved.kind == "upload"
    if param.max_size is not None:
        if not is_upload:
            state.report("M209", path, param.max_size.span, option="max-size")
        elif not _positive_int(param.max_size.value):
            state.report("M208", path, param.max_size.span,
                         value=param.max_size.raw or str(param.max_size.value))
    if param.content_types and not is_upload:
        first, last = param.content_types[0], param.content_types[-1]
        state.report("M209", path, first.span.cover(last.span), option="content-types")
    elif is_upload:
        for media in param.content_types:
            if not _MEDIA_TYPE.fullmatch(media.text):
                state.report("M210", path, media.span, value=media.text)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/(\*|[A-Za-z0-9][\w!#$&^.+-]*)")


def _check_infinite(state: CheckState) -> None:
    """A record that holds itself through required fields has no finite value."""
    graph: dict[str, list[str]] = {}
    edges: list[tuple[str, str, str, object]] = []
    for path, decl in state.each("types"):
        if state.decl("type", decl.name.text) is not decl:
            continue
        targets = graph.setdefault(decl.name.text, [])
        for item in decl.fields:
            resolved = state.type_of(path, item.type)
            if resolved is not None and resolved.kind == "type" and not resolved.nullable:
                targets.append(resolved.name)
                edges.append((path, decl.name.text, resolved.name, item))
    component = strongly_connected(graph)
    reported: set[int] = set()
    for path, owner, target, item in edges:
        # One report per cycle, at its first field in source order.
        if in_cycle(graph, owner, target, component) and component[owner] not in reported:
            reported.add(component[owner])
            cycle = [owner, *path_between(graph, target, owner)]
            state.report("M211", path, item.type.span, field=item.name.text, type=owner,
                         cycle=" -> ".join(cycle))
