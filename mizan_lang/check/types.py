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
from .state import DECL, VALUE, CheckState, cover, forget_resolved, path_of, unchanged
from .suggest import fix, hint

# Where a type expression sits; only "param" may be `Upload`.
WHERE = {
    "field": "a type field",
    "param": "a parameter",
    "key": "a context key",
    "returns": "a return type",
    "column": "a model column",
}


def check_types(state: CheckState) -> None:
    graphs: dict[str, dict] = {}
    for unit, summary, _ in state.file_pass("types", _file_types):
        graphs[unit] = summary
    _check_infinite(state, graphs)


def _file_types(state: CheckState, path: str, decls) -> dict:
    """Resolve one file's type expressions; return its part of the record graph."""
    resolved = state.cache.resolved
    if not state.keep:  # nothing to replay, nothing to tell a next check
        state.resolve_log = log = []
        for _, attr, _, check in _DECL_CHECKS:
            for decl in getattr(decls, attr):
                check(state, path, decl)
        state.resolve_log = None
        for pair in log:
            resolved[id(pair[0])] = pair
        return _record_edges(state, path, decls)
    last = state.old_record
    if last is not None and last.units is None:
        # Recorded per file only (check/per_file.py): its types are resolved
        # again from scratch, and which changed is not known, so every
        # declaration the file had counts as changed.
        forget_resolved(resolved, last.decls)
        for _, attr, namespace, _ in _DECL_CHECKS:
            for decl in getattr(last.decls, attr):
                state.changed.add(("rtypes", namespace, decl.name.text))
    for task, attr, namespace, check in _DECL_CHECKS:
        for decl in getattr(decls, attr):
            found = state.memo(task, decl, _logged, state, check, path, decl)
            if not state.last_ran:
                continue
            old = state.last_old[VALUE] if state.last_old is not None else None
            if old is not None:
                for ref, _ in old:
                    resolved.pop(id(ref), None)
            for pair in found:  # (TypeRef, its resolved type)
                resolved[id(pair[0])] = pair
            if state.replaying and (old is None or [(id(r), t) for r, t in old]
                                    != [(id(r), t) for r, t in found]):
                state.changed.add(("rtypes", namespace, decl.name.text))
    for unit in state.dropped_units(_TASKS):
        for ref, _ in unit[VALUE]:
            resolved.pop(id(ref), None)
        decl = unit[DECL]
        state.changed.add(("rtypes", _NAMESPACE[type(decl).__name__], decl.name.text))
    return _record_edges(state, path, decls)


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
    ("types:type", "types", "type", _type_decl),
    ("types:context", "contexts", "context", _context),
    ("types:function", "functions", "function", _function),
    ("types:model", "models", "model", _model),
)
_TASKS = frozenset(task for task, *_ in _DECL_CHECKS)
_NAMESPACE = {"TypeDecl": "type", "ContextDecl": "context", "FunctionDecl": "function",
              "ModelDecl": "model"}


# RTypes are values (frozen): one per primitive serves every expression.
_PRIMITIVE_RTYPES = {name: RType("primitive", name) for name in PRIMITIVES}


def resolve(state: CheckState, path: str, ref: TypeRef, where: str) -> RType | None:
    # Lowering parsed the expression and reported its syntax errors; None
    # means it was missing or malformed, so there is nothing to resolve.
    expr = ref.expr
    if expr is None:
        return None
    if expr.kind == "primitive":  # most references: no walk, no lookup
        resolved = _PRIMITIVE_RTYPES[expr.name]
    else:
        resolved = _convert(state, path, expr, where, top=True)
    log = state.resolve_log
    if resolved is not None and log is not None:
        log.append((ref, resolved))
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
        return _PRIMITIVE_RTYPES[expr.name]
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
        shapes = sorted(s.name for s in state.table("type").values()
                        if s.kind == "shape" and getattr(s.decl.model, "text", None) == name)
        suggestion = shapes[0] if shapes else None
        state.report("M204", path, expr.span, data=fix(suggestion), name=name,
                     shape=f" such as '{suggestion}'" if suggestion else "")
        return None
    # One unknown name is often written in many places (a type being renamed):
    # `suggest` searches once per check.
    extra = (*PRIMITIVES, "list", "map", *((UPLOAD,) if where == "param" else ()))
    suggestion = state.suggest("type", name, extra)
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
        state.report("M209", path, cover(first.span, last.span), option="content-types")
    elif is_upload:
        for media in param.content_types:
            if not _MEDIA_TYPE.fullmatch(media.text):
                state.report("M210", path, media.span, value=media.text)


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/(\*|[A-Za-z0-9][\w!#$&^.+-]*)")


def _record_edges(state: CheckState, path: str, decls) -> list:
    """(record, target, field) for every required field of a first-declared
    record whose type is a record: the edges of the graph `_check_infinite` searches."""
    edges = []
    for decl in decls.types:
        edges += state.memo("records", decl, _edges, state, path, decl)
    return edges


def _edges(state: CheckState, path: str, decl) -> list:
    if state.decl("type", decl.name.text) is not decl:
        return []
    state.types_of("type", decl.name.text)
    edges = []
    for item in decl.fields:
        resolved = state.type_of(path, item.type)
        if resolved is not None and resolved.kind == "type" and not resolved.nullable:
            edges.append((decl.name.text, resolved.name, item))
    return edges


def _check_infinite(state: CheckState, files: dict[str, list]) -> None:
    """A record that holds itself through required fields has no finite value."""
    facts = state.cache.facts
    last = facts.get("records:items")
    same = unchanged(last, files)
    key = None if same else [(path, [(owner, target, id(item)) for owner, target, item in found])
                             for path, found in files.items()]
    if same or facts.get("records") == key:
        facts["records:items"] = files
        state.diagnostics.extend(facts["records:reports"])
        return
    start = len(state.diagnostics)
    graph: dict[str, list[str]] = {}
    edges: list[tuple[str, str, str, object]] = []
    for unit, found in files.items():
        for owner, target, item in found:
            graph.setdefault(owner, []).append(target)
            edges.append((path_of(unit), owner, target, item))
    component = strongly_connected(graph)
    reported: set[int] = set()
    for path, owner, target, item in edges:
        # One report per cycle, at its first field in source order.
        if in_cycle(graph, owner, target, component) and component[owner] not in reported:
            reported.add(component[owner])
            cycle = [owner, *path_between(graph, target, owner)]
            state.report("M211", path, item.type.span, field=item.name.text, type=owner,
                         cycle=" -> ".join(cycle))
    facts["records"] = key or [(path, [(owner, target, id(item)) for owner, target, item in found])
                               for path, found in files.items()]
    facts["records:items"] = files  # keeps the items (and so their ids) alive
    facts["records:reports"] = state.diagnostics[start:]
