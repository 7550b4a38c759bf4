"""IR literals (defaults) as Python expressions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from ...ir import model as ir
from .layout import string


@dataclass(frozen=True, slots=True)
class Spelling:
    """How a generated module refers to the modules a value may need."""

    models: str = ""  # prefix of declared types and enums ("" or "models.")
    wire: str = "_wire."
    decimal: str = "_decimal."
    datetime: str = "_datetime."
    uuid: str = "_uuid."


def default_expr(value: ir.Scalar, ref: ir.TypeRef, spell: Spelling) -> str:
    """The Python expression of a default value of type `ref` (the checker has
    made sure it fits)."""
    base = ref.inner if isinstance(ref, ir.NullableType) else ref
    if value is None:
        return "None"
    if isinstance(base, ir.NamedType) and base.ref == "enum" and isinstance(value, str):
        return f"{spell.models}{base.name}.{value}"
    name = base.name if isinstance(base, ir.PrimitiveType) else "json"
    if isinstance(value, bool):
        return "True" if value else "False"
    if name == "decimal":
        return f"{spell.decimal}Decimal({string(str(value))})"
    if name == "float" or isinstance(value, float):
        return _float(float(value))  # type: ignore[arg-type]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):  # a json default written with a fraction
        return _float(float(value))
    if name == "date":
        return f"{spell.datetime}date.fromisoformat({string(value)})"
    if name == "datetime":
        return f"{spell.wire}parse_datetime({string(value)})"
    if name == "uuid":
        return f"{spell.uuid}UUID({string(value.lower())})"
    return string(str(value))


def _float(value: float) -> str:
    if math.isnan(value):
        return 'float("nan")'
    if math.isinf(value):
        return 'float("inf")' if value > 0 else 'float("-inf")'
    return repr(value)

