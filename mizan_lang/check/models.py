"""Models: what shapes project from. Columns are primitives, one is the key."""

from __future__ import annotations

from ..decls import ON_DELETE, Literal, ModelDecl
from ..diagnostics import Related
from .state import CheckState, path_of, unchanged
from .suggest import fix, hint

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from typing import Any


def check_models(state: CheckState) -> None:
    files: dict[str, list] = {}
    for unit, summary, _ in state.file_pass("models", _file_models):
        files[unit] = summary
    facts = state.cache.facts
    last = facts.get("models:tables")
    if unchanged(last, files):
        state.diagnostics.extend(facts["models:reports"])
        return
    start = len(state.diagnostics)
    tables: dict[str, tuple[str, object]] = {}
    for unit, found in files.items():
        path = path_of(unit)
        for table, span in found:
            if table in tables:
                first_path, first_span = tables[table]
                state.report("M411", path, span, table=table,
                             related=[Related(first_path, first_span, "also mapped here")])
            else:
                tables[table] = (path, span)
    facts["models:tables"] = files
    facts["models:reports"] = state.diagnostics[start:]


def _file_models(state: CheckState, path: str, decls) -> list[tuple[str, object]]:
    """Check one file's models; return (table, span) of those declared first."""
    found = []
    for model in decls.models:
        table = state.memo("models", model, _model, state, path, model)
        if table is not None:
            found.append(table)
    return found


def _model(state: CheckState, path: str, model: ModelDecl) -> tuple[str, object] | None:
    """Check one model; (table, span) when it is the first of its name."""
    state.types_of("model", model.name.text)
    _check_columns(state, path, model)
    _check_relations(state, path, model)
    _check_primary(state, path, model)
    for relation in model.relations:
        if relation.target.text and state.lookup("model", relation.target.text) is None:
            report_unknown_model(state, path, relation.target)
    if state.decl("model", model.name.text) is not model:
        return None  # a duplicate model: M150 says enough
    if model.table is not None:
        return model.table.text, model.table.span
    return model.name.text, model.name.span


def report_unknown_model(state: CheckState, path: str, name) -> None:
    suggestion = state.suggest("model", name.text)
    state.report("M404", path, name.span, data=fix(suggestion), name=name.text,
                 hint=hint(suggestion))


# Digits after the point a decimal column may keep; the integer part always
# keeps 20 digits, so at most 50 in all, the wire's limit (protocol 4.2).
MAX_SCALE = 30


def _check_columns(state: CheckState, path: str, model: ModelDecl) -> None:
    for column in model.columns:
        resolved = state.type_of(path, column.type)
        if resolved is not None and resolved.base.kind != "primitive":
            state.report("M401", path, column.type.span, type=resolved.text)
        if column.scale is not None:
            _check_scale(state, path, column.scale, resolved)
        if column.max_length is not None:
            _check_max_length(state, path, column.max_length, resolved)


# The longest bounded text column (PostgreSQL's varchar limit); longer: unbounded.
MAX_LENGTH = 10485760


def _check_max_length(state: CheckState, path: str, length: Literal, resolved: Any) -> None:
    if resolved is not None and not (resolved.base.kind == "primitive"
                                     and resolved.base.name == "str"):
        state.report("M414", path, length.span, type=resolved.text)
    elif isinstance(length.value, int) and not 1 <= length.value <= MAX_LENGTH:
        state.report("M415", path, length.span, value=length.raw, max=MAX_LENGTH)


def _check_relations(state: CheckState, path: str, model: ModelDecl) -> None:
    """Delete behaviours: a known one, on a to-one relation, set-null on a
    nullable key."""
    for relation in model.relations:
        chosen = relation.on_delete
        if chosen is None:
            continue
        if chosen.text not in ON_DELETE:
            from difflib import get_close_matches  # here: a wrong on-delete is rare

            near = get_close_matches(chosen.text, ON_DELETE, n=1)
            state.report("M416", path, chosen.span, value=chosen.text,
                         allowed=", ".join(ON_DELETE), data=fix(near[0] if near else None),
                         hint=hint(near[0] if near else None))
        elif _is_true(relation.many):
            state.report("M417", path, chosen.span)
        elif chosen.text == "set-null":
            key = next((c for c in model.columns if c.name.text == f"{relation.name.text}_id"),
                       None)
            resolved = None if key is None else state.type_of(path, key.type)
            if resolved is not None and not resolved.nullable:
                state.report("M418", path, chosen.span, column=key.name.text)


def _check_scale(state: CheckState, path: str, scale: Literal, resolved: Any) -> None:
    if resolved is not None and not (resolved.base.kind == "primitive"
                                     and resolved.base.name == "decimal"):
        state.report("M412", path, scale.span, type=resolved.text)
    elif isinstance(scale.value, int) and not 0 <= scale.value <= MAX_SCALE:
        state.report("M413", path, scale.span, value=scale.raw, max=MAX_SCALE)


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
