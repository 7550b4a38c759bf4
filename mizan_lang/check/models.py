"""Models: what shapes project from. Columns are primitives, one is the key."""

from __future__ import annotations

from ..decls import ModelDecl
from ..diagnostics import Related
from .state import CheckState
from .suggest import closest, fix, hint


def check_models(state: CheckState) -> None:
    tables: dict[str, tuple[str, object]] = {}
    for path, model in state.each("models"):
        _check_columns(state, path, model)
        _check_primary(state, path, model)
        for relation in model.relations:
            if relation.target.text and state.lookup("model", relation.target.text) is None:
                report_unknown_model(state, path, relation.target)
        if state.decl("model", model.name.text) is not model:
            continue  # a duplicate model: M150 says enough
        table = model.table.text if model.table is not None else model.name.text
        span = model.table.span if model.table is not None else model.name.span
        if table in tables:
            first_path, first_span = tables[table]
            state.report("M411", path, span, table=table,
                         related=[Related(first_path, first_span, "also mapped here")])
        else:
            tables[table] = (path, span)


def report_unknown_model(state: CheckState, path: str, name) -> None:
    suggestion = closest(name.text, state.names("model"))
    state.report("M404", path, name.span, data=fix(suggestion), name=name.text,
                 hint=hint(suggestion))


def _check_columns(state: CheckState, path: str, model: ModelDecl) -> None:
    for column in model.columns:
        resolved = state.type_of(path, column.type)
        if resolved is not None and resolved.base.kind != "primitive":
            state.report("M401", path, column.type.span, type=resolved.text)


def _is_true(literal) -> bool:
    return literal is not None and literal.value is True


def _check_primary(state: CheckState, path: str, model: ModelDecl) -> None:
    primaries = [column for column in model.columns if _is_true(column.primary)]
    if not primaries:
        state.report("M402", path, model.name.span, model=model.name.text)
        return
    first = primaries[0]
    for extra in primaries[1:]:
        state.report("M403", path, extra.name.span, model=model.name.text, first=first.name.text,
                     related=[Related(path, first.name.span, "first primary key")])
    for column in primaries:
        resolved = state.type_of(path, column.type)
        if resolved is not None and resolved.nullable:
            state.report("M410", path, column.type.span, name=column.name.text)
