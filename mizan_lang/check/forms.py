"""Forms: one validation spec for server and client, submitted to a mutation."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ..decls import FormDecl, FormField, Literal
from .defaults import primitive_problem
from .rtypes import RType, assignable
from .state import CheckState
from .suggest import closest, fix, hint

FORM_PRIMITIVES = ("bool", "int", "float", "decimal", "str", "date", "datetime", "uuid")
TEXT_TYPES = ("email", "url")  # strings with a format check
NUMERIC = ("int", "float", "decimal")
DATES = ("date", "datetime")
TEXTUAL = ("str", *TEXT_TYPES)
# validator -> the field types it applies to (None: every type). Lowering has
# checked the kind of each value (an int for lengths, a bool for required).
APPLIES_TO = {"required": None, "min": NUMERIC + DATES, "max": NUMERIC + DATES,
              "min-length": TEXTUAL, "max-length": TEXTUAL, "pattern": TEXTUAL}


def check_forms(state: CheckState) -> None:
    for _ in state.file_pass("forms", _file_forms):
        pass


def _file_forms(state: CheckState, path: str, decls) -> None:
    for form in decls.forms:
        state.memo("forms", form, _form, state, path, form)


def _form(state: CheckState, path: str, form: FormDecl) -> None:
    types: dict[int, tuple[str, RType]] = {}
    for item in form.fields:
        resolved = _field_type(state, path, item)
        if resolved is not None:
            types[id(item)] = resolved
            _check_validators(state, path, item, resolved[0])
    if form.submit is not None and form.submit.text:
        _check_submit(state, path, form, types)


def _field_type(state: CheckState, path: str, item: FormField) -> tuple[str, RType] | None:
    """(form type name, the value type a mutation param receives) or None."""
    expr = item.type.expr  # None: missing or malformed, reported by lowering
    if expr is None:
        return None
    allowed = f"{', '.join(FORM_PRIMITIVES)}, {', '.join(TEXT_TYPES)} or an enum"
    if expr.kind == "primitive" and expr.name in FORM_PRIMITIVES:
        return expr.name, RType("primitive", expr.name)
    if expr.kind == "named" and expr.name in TEXT_TYPES:
        return expr.name, RType("primitive", "str")
    if expr.kind == "named" and state.lookup("type", expr.name) is None and expr.name != "Upload":
        enums = [n for n, s in state.table("type").items() if s.kind == "enum"]
        suggestion = closest(expr.name, [*FORM_PRIMITIVES, *TEXT_TYPES, *enums])
        state.report("M201", path, expr.span, data=fix(suggestion), name=expr.name,
                     hint=hint(suggestion))
        return None
    symbol = state.lookup("type", expr.name) if expr.kind == "named" else None
    if symbol is not None and symbol.kind == "enum":
        return expr.name, RType("enum", expr.name)
    extra = ("; a field is optional unless required=#true, so drop the '?'"
             if expr.kind == "nullable" else "")
    state.report("M420", path, item.type.span, type=expr.text(), allowed=allowed, hint=extra)
    return None


def _check_validators(state: CheckState, path: str, item: FormField, kind: str) -> None:
    values: dict[str, object] = {}
    for key, literal in item.validators.items():
        allowed = APPLIES_TO.get(key)
        if allowed is not None and kind not in allowed:
            state.report("M421", path, literal.span, validator=key, type=kind)
            continue
        if key == "pattern":
            _check_pattern(state, path, literal)
            continue
        if key == "required":
            continue
        value, expected = _bound(key, literal, kind)
        if value is None:
            state.report("M422", path, literal.span, validator=key, expected=expected)
        else:
            values[key] = value
    for low, high in (("min", "max"), ("min-length", "max-length")):
        if low in values and high in values and values[low] > values[high]:
            state.report("M423", path, item.validators[high].span,
                         low_key=low, low=_shown(item.validators[low]),
                         high_key=high, high=_shown(item.validators[high]))


def _shown(literal: Literal) -> str:
    return literal.raw or str(literal.value)


def _bound(key: str, literal: Literal, kind: str) -> tuple[object, str]:
    """The comparable value of a min/max/length validator, or (None, what it must be)."""
    value = literal.value
    if key in ("min-length", "max-length"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return (value if ok else None), "a non-negative integer"
    if kind in DATES:
        expected = "an ISO date (YYYY-MM-DD)" if kind == "date" else "an ISO date and time"
        if isinstance(value, str) and primitive_problem(kind, value) is None:
            import datetime  # here: a form with a date bound is rare (~1 ms at start-up)

            parse = datetime.date if kind == "date" else datetime.datetime
            return parse.fromisoformat(value), expected
        return None, expected
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        return None, "a number"
    if isinstance(value, float) and not math.isfinite(value):
        return None, "a finite number"
    if kind == "int" and not isinstance(value, int) and value != value.to_integral_value():
        return None, "an integer (the field is an int)"
    return value, ""


def _check_pattern(state: CheckState, path: str, literal: Literal) -> None:
    try:
        re.compile(str(literal.value))
    except re.error as error:
        state.report("M424", path, literal.span, error=str(error))


def _check_submit(state: CheckState, path: str, form: FormDecl,
                  types: dict[int, tuple[str, RType]]) -> None:
    fn_symbol = state.lookup("function", form.submit.text)
    if fn_symbol is None:
        state.depend(("names", "function"))
        suggestion = closest(form.submit.text, [name for name, kind in
                                                state.function_kinds.items() if kind == "mutation"]
                             or state.names("function"))
        state.report("M425", path, form.submit.span, data=fix(suggestion), name=form.submit.text,
                     hint=hint(suggestion))
        return
    fn, fn_path = fn_symbol.decl, fn_symbol.path
    state.types_of("function", fn.name.text)
    if state.function_kinds.get(fn.name.text) != "mutation":
        state.report("M426", path, form.submit.span, name=fn.name.text)
        return
    params = {}
    for param in fn.params:
        params.setdefault(param.name.text, param)
    provided: set[str] = set()
    seen: set[str] = set()
    for item in form.fields:
        name = item.name.text
        if name in seen:
            continue  # a duplicate field (M151)
        seen.add(name)
        param = params.get(name)
        if param is None:
            suggestion = closest(name, params)
            state.report("M427", path, item.name.span, data=fix(suggestion), fn=fn.name.text,
                         name=name, hint=hint(suggestion))
            continue
        provided.add(name)
        param_type = state.type_of(fn_path, param.type)
        field = types.get(id(item))
        if param_type is None or field is None:
            continue
        if not assignable(field[1], param_type):
            state.report("M428", path, item.type.span, name=name, type=field[0], fn=fn.name.text,
                         param_type=param_type.text)
        elif _required(state, fn_path, param) and not _is_true(item.validators.get("required")):
            state.report("M430", path, item.name.span, name=name, fn=fn.name.text)
    missing = [name for name, param in params.items()
               if name not in provided and _required(state, fn_path, param)]
    if missing:
        state.report("M429", path, form.submit.span, fn=fn.name.text,
                     names=", ".join(sorted(missing)), s="s" if len(missing) > 1 else "")


def _required(state: CheckState, path: str, param) -> bool:
    if param.default is not None:
        return False
    resolved = state.type_of(path, param.type)
    return resolved is None or not resolved.nullable


def _is_true(literal: Literal | None) -> bool:
    return literal is not None and literal.value is True
