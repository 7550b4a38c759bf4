"""Does a default value fit its declared type?"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ..decls import Literal
from .rtypes import RType
from .state import CheckState
from .suggest import closest, fix, hint

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_RANGES = {"int": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def check_default(state: CheckState, path: str, default: Literal, rtype: RType) -> None:
    value = default.value
    shown = default.raw or repr(value)
    if value is None:
        if not rtype.nullable and rtype.name != "json":  # JSON has its own null
            state.report("M205", path, default.span, value=shown, type=rtype.text,
                         detail=" (only nullable types take #null)")
        return
    base = rtype.base
    if base.kind == "enum":
        _enum_default(state, path, default, base)
        return
    if base.kind != "primitive" or base.name == "bytes":
        state.report("M207", path, default.span, type=rtype.text)
        return
    problem = primitive_problem(base.name, value)
    if problem is not None:
        state.report("M205", path, default.span, value=shown, type=rtype.text, detail=problem)


def _enum_default(state: CheckState, path: str, default: Literal, enum: RType) -> None:
    decl = state.decl("type", enum.name)
    members = [member.name.text for member in decl.members]
    value = default.value
    if not isinstance(value, str):
        state.report("M205", path, default.span, value=default.raw or repr(value),
                     type=enum.name, detail=" (write one of the enum's members)")
    elif value not in members:
        suggestion = closest(value, members)
        state.report("M206", path, default.span, data=fix(suggestion), value=value,
                     enum=enum.name, hint=hint(suggestion))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def primitive_problem(name: str, value: object) -> str | None:
    """Why `value` is not a `name` (as a message suffix), or None when it fits."""
    if name == "json":
        return None
    if name == "bool":
        return None if isinstance(value, bool) else " (write #true or #false)"
    if name in _RANGES:
        if not _is_int(value):
            return " (an integer is expected)"
        low, high = _RANGES[name]
        return None if low <= value <= high else f" (out of range for {name})"
    if name in ("float", "decimal"):
        if _is_int(value) or isinstance(value, Decimal):
            return None
        if isinstance(value, float) and not math.isfinite(value):
            return " (a finite number is expected)"
        return " (a number is expected)"
    if not isinstance(value, str):
        return " (a string is expected)"
    if name == "date":
        from datetime import date  # here, as below: such defaults are rare (~1 ms to import)

        return None if _parses(date.fromisoformat, value) else " (write YYYY-MM-DD)"
    if name == "datetime":
        from datetime import datetime

        ok = "T" in value and _parses(datetime.fromisoformat, value)
        return None if ok else " (write an ISO 8601 date and time, e.g. 2024-01-31T12:00:00Z)"
    if name == "uuid":
        return None if _UUID.fullmatch(value) else " (write a UUID like 123e4567-e89b-12d3-a456-426614174000)"
    return None


def _parses(parse, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True
