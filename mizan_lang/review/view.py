"""A declaration's IR data as the rules read it, without pydantic.

The rules (`diff.py`) compare declarations as the IR models hold them once
validated from their JSON text. That JSON data differs from what a model
holds in one way only: a scalar that may be a decimal (a default's value, a
guard's claim value, a form field's `min`/`max`) is written as text, and
pydantic reads text that is a finite decimal number back as a `Decimal`
("9.90" -> Decimal("9.90"), equal to 9.9 and to "9.9"). `view` reads the data
that way, each object a `Plain` (fields as attributes), so a comparison of
data gives what a comparison of models gives (tests/test_review_view.py).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from ..ir.plain import Plain

# The keys of the fields typed `Scalar` or a number-or-text union in
# `ir/model.py` (`Default.value`, `Guard.value`, `Validators.min/max`); no
# other field of those names holds text (`MapType.value` is a type).
_SCALARS = frozenset({"value", "min", "max"})
# Plain decimal notation, ASCII, a short exponent: text `Decimal` reads as
# pydantic does; any other text with a digit in it is left to pydantic.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,6})?\Z")


def view(data: object) -> object:
    """IR JSON data (a declaration, the auth) as its models hold it."""
    if isinstance(data, dict):
        return Plain({key: scalar(value, key) if key in _SCALARS and isinstance(value, str)
                      else view(value) for key, value in data.items()})
    if isinstance(data, list):
        return [view(item) for item in data]
    return data


def scalar(text: str, key: str = "value") -> object:
    """The JSON text of the scalar field `key` as pydantic reads it: a
    `Decimal` when it is a finite decimal number, else the text."""
    if _DECIMAL.match(text):
        return Decimal(text)
    if not any(char.isdigit() for char in text):  # not a number (nor "Infinity")
        return text
    from ..ir import model as ir  # unusual text: exactly as pydantic reads it

    owner = ir.Default if key == "value" else ir.Validators
    return getattr(owner.model_validate_json(json.dumps({key: text})), key)
