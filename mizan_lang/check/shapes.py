"""Shapes: typed projections of a model; nested shapes follow relations."""

from __future__ import annotations

from ..decls import ShapeDecl
from .graph import in_cycle, path_between, strongly_connected
from .models import report_unknown_model
from .state import CheckState, path_of, unchanged
from .suggest import closest, fix, hint


def check_shapes(state: CheckState) -> None:
    files: dict[str, list] = {}
    for unit, summary, _ in state.file_pass("shapes", _file_shapes):
        files[unit] = summary
    facts = state.cache.facts
    last = facts.get("shapes:graph")
    if unchanged(last, files):
        state.diagnostics.extend(facts["shapes:reports"])
        return
    start = len(state.diagnostics)
    graph: dict[str, list[str]] = {}
    edges: list[tuple[str, str, object]] = []
    for unit, found in files.items():
        for name, nested in found:
            graph[name] = [target for target, _ in nested]
            edges.extend((path_of(unit), name, ref) for _, ref in nested)
    component = strongly_connected(graph)
    reported: set[int] = set()
    for path, owner, ref in edges:
        # One report per cycle, at its first nested shape in source order.
        if in_cycle(graph, owner, ref.text, component) and component[owner] not in reported:
            reported.add(component[owner])
            cycle = [owner, *path_between(graph, ref.text, owner)]
            state.report("M409", path, ref.span, cycle=" -> ".join(cycle))
    facts["shapes:graph"] = files
    facts["shapes:reports"] = state.diagnostics[start:]


def _file_shapes(state: CheckState, path: str, decls) -> list[tuple[str, list]]:
    """Check one file's shapes; return the nested shapes of those declared first."""
    found = []
    for shape in decls.shapes:
        nested = state.memo("shapes", shape, _shape, state, path, shape)
        if nested is not None:
            found.append(nested)
    return found


def _shape(state: CheckState, path: str, shape: ShapeDecl
           ) -> tuple[str, list[tuple[str, object]]] | None:
    """Check one shape; (its name, its valid nested shapes) when it is the first of its name."""
    nested = _check_shape(state, path, shape)
    return (shape.name.text, nested) if state.decl("type", shape.name.text) is shape else None


def _check_shape(state: CheckState, path: str, shape: ShapeDecl) -> list[tuple[str, object]]:
    """Check one shape; return its valid nested shape references."""
    if shape.model is None or not shape.model.text:
        return []  # missing model= is the lowering's report
    model = state.decl("model", shape.model.text)
    if model is None:
        report_unknown_model(state, path, shape.model)
        return []
    columns = {column.name.text for column in model.columns}
    relations = {}
    for relation in model.relations:
        relations.setdefault(relation.name.text, relation)
    nested = []
    for item in shape.fields:
        name = item.name.text
        if name not in columns and name not in relations:
            suggestion = closest(name, [*columns, *relations])
            state.report("M405", path, item.name.span, data=fix(suggestion), name=name,
                         model=model.name.text, hint=hint(suggestion))
            continue
        if item.shape is None:
            continue
        if name in columns:
            state.report("M406", path, item.shape.span, name=name, model=model.name.text)
            continue
        target = _nested_target(state, path, item.shape, relations[name])
        if target is not None:
            nested.append((target, item.shape))
    return nested


def _nested_target(state: CheckState, path: str, ref, relation) -> str | None:
    symbol = state.lookup("type", ref.text)
    if symbol is None or symbol.kind != "shape":
        shapes = [name for name, s in state.table("type").items() if s.kind == "shape"]
        suggestion = closest(ref.text, shapes)
        state.report("M408", path, ref.span, data=fix(suggestion), name=ref.text,
                     hint=hint(suggestion))
        return None
    projected = symbol.decl.model.text if symbol.decl.model is not None else ""
    target = relation.target.text
    if projected and state.lookup("model", target) is not None and projected != target:
        matching = sorted(name for name, s in state.table("type").items()
                          if s.kind == "shape" and s.decl.model is not None
                          and s.decl.model.text == target)
        suggestion = closest(ref.text, matching) or (matching[0] if len(matching) == 1 else None)
        state.report("M407", path, ref.span, data=fix(suggestion), shape=ref.text,
                     model=projected, relation=relation.name.text, target=target,
                     hint=hint(suggestion))
        return None
    return ref.text
