"""The IR as plain JSON data, built without pydantic, for comparisons.

`build_ir(result, plain=True)` runs the same builder with a twin of each
model class of `mizan_lang.ir.model`: a dict of the same fields, defaults
filled in, values set as given (the builder passes values of the declared
types), already in the form `json.loads(model.model_dump_json())` gives:
decimals as their text, non-finite floats as "Infinity"/"NaN", a column's
unset scale and length and a relation's default `on_delete` left out. A
comparison reads just that data (`review.index.from_data`); validating
124,000 models, printing them as JSON and reading that back cost ~0.5 s at
10,000 functions. tests/test_ir_plain.py holds the twins to the models.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from . import model as ir

# Fields pydantic leaves out when None (the model serializers of `model.py`).
_LEFT_OUT_WHEN_NONE = {"Column": ("scale", "max_length"), "Relation": ("on_delete",)}


class Plain(dict):
    """One IR object as JSON data; its fields can be read as attributes."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _json_value(value: object) -> object:
    """A scalar as pydantic writes it in JSON (read back)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _default(value: object) -> object:
    if isinstance(value, BaseModel):
        import json

        return json.loads(value.model_dump_json())
    return _json_value(value)


def _twin(cls: type[BaseModel]) -> type:
    fields = cls.model_fields
    defaults = {name: _default(info.default) for name, info in fields.items()
                if not info.is_required()}
    required = frozenset(name for name, info in fields.items() if info.is_required())
    known = frozenset(fields)
    # Fields that may hold a decimal or a float: converted as pydantic writes them.
    scalars = tuple(name for name, info in fields.items()
                    if "Decimal" in str(info.annotation) or "float" in str(info.annotation))
    left_out = _LEFT_OUT_WHEN_NONE.get(cls.__name__, ())

    def make(**given: object) -> Plain:
        if not required <= given.keys() <= known:  # as pydantic would refuse it
            raise TypeError(f"{cls.__name__}: fields {sorted(given)}")
        data = Plain(defaults)
        data.update(given)
        for name in scalars:
            data[name] = _json_value(data[name])
        for name in left_out:
            if data.get(name) is None:
                data.pop(name, None)
        return data

    def make_as_given(**given: object) -> Plain:
        # Most classes: no value to convert, no field to leave out (~124,000 calls a side).
        if not required <= given.keys() <= known:
            raise TypeError(f"{cls.__name__}: fields {sorted(given)}")
        data = Plain(defaults)
        data.update(given)
        return data

    chosen = make if scalars or left_out else make_as_given
    chosen.__name__ = chosen.__qualname__ = cls.__name__
    return chosen  # type: ignore[return-value]


_MODELS = ("PrimitiveType", "NamedType", "ListType", "MapType", "NullableType", "UploadType",
           "Default", "Jwt", "Guard", "Auth", "EnumMember", "Enum", "RecordField", "Record",
           "Param", "Cache", "Context", "Invalidation", "Function", "Column", "Relation",
           "Model", "ShapeField", "Shape", "Validators", "FormField", "Form", "Workspace")
globals().update({name: _twin(getattr(ir, name)) for name in _MODELS})
