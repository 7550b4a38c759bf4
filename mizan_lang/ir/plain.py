"""The IR as plain JSON data, built without pydantic, for comparisons.

`build_ir(result, plain=True)` runs the same builder with a twin of each
model class of `mizan_lang.ir.model`: a dict of the same fields, defaults
filled in, values set as given (the builder passes values of the declared
types), already in the form `json.loads(model.model_dump_json())` gives:
decimals as their text, non-finite floats as "Infinity"/"NaN", a column's
unset scale and length and a relation's default `on_delete` left out. A
comparison reads just that data (`review.index.from_data`); validating
124,000 models, printing them as JSON and reading that back cost ~0.5 s at
10,000 functions.

The twins are written out here, not derived from the models, so that a
comparison never imports pydantic (~0.15 s); tests/test_ir_plain.py holds
each twin's fields and defaults to its model, and the data they build to
the models' JSON.
"""

from __future__ import annotations

import math
from decimal import Decimal

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from typing import Any


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


_JWT = {"algorithm": "HS256", "issuer": None, "audience": None, "access_ttl": 900,
        "refresh_ttl": 1_209_600}
_AUTH = {"jwt": _JWT, "guards": [], "default": "public"}
_VALIDATORS = {"required": False, "min": None, "max": None, "min_length": None,
               "max_length": None, "pattern": None}

# Class -> (required fields, optional fields with their defaults as JSON data),
# each in the model's field order.
FIELDS: dict[str, tuple[tuple[str, ...], dict[str, object]]] = {
    "PrimitiveType": (("name",), {"kind": "primitive"}),
    "NamedType": (("name", "ref"), {"kind": "named"}),
    "ListType": (("item",), {"kind": "list"}),
    "MapType": (("value",), {"kind": "map"}),
    "NullableType": (("inner",), {"kind": "nullable"}),
    "UploadType": ((), {"kind": "upload"}),
    "Default": (("value",), {}),
    "Jwt": ((), _JWT),
    "Guard": (("name", "claim"), {"value": None, "doc": None}),
    "Auth": ((), _AUTH),
    "EnumMember": (("name",), {"doc": None}),
    "Enum": (("name", "members"), {"doc": None}),
    "RecordField": (("name", "type"), {"default": None, "doc": None}),
    "Record": (("name", "fields"), {"doc": None}),
    "Param": (("name", "type"), {"default": None, "doc": None, "max_size": None,
                                  "content_types": []}),
    "Cache": ((), {"ttl": 0, "vary": "identity"}),
    "Context": (("name", "params", "auth", "cache", "members", "affected_by"),
                {"render": "csr", "doc": None}),
    "Invalidation": (("context", "tier", "bindings"), {}),
    "Function": (("name", "kind", "params", "auth"),
                 {"returns": None, "context": None, "websocket": False, "invalidates": [],
                  "doc": None}),
    "Column": (("name", "type"), {"primary": False, "unique": False, "doc": None,
                                  "scale": None, "max_length": None}),
    "Relation": (("name", "to"), {"many": False, "doc": None, "on_delete": None}),
    "Model": (("name", "table", "columns", "relations"), {"doc": None}),
    "ShapeField": (("name", "source"), {"type": None, "to": None, "many": False,
                                        "shape": None}),
    "Shape": (("name", "model", "fields"), {"doc": None}),
    "Validators": ((), _VALIDATORS),
    "FormField": (("name", "type", "label"), {"validators": _VALIDATORS, "doc": None}),
    "Form": (("name", "submit", "fields"), {"doc": None}),
    "Workspace": ((), {"version": 1, "auth": _AUTH, "enums": [], "types": [], "models": [],
                       "shapes": [], "contexts": [], "functions": [], "forms": []}),
}
# Fields that may hold a decimal or a float: written as pydantic writes them.
SCALARS = {"Default": ("value",), "Guard": ("value",), "Validators": ("min", "max")}
# Fields pydantic leaves out when None (the model serializers of `model.py`).
LEFT_OUT_WHEN_NONE = {"Column": ("scale", "max_length"), "Relation": ("on_delete",)}


def _twin(name: str) -> type:
    needed, defaults = FIELDS[name]
    required = frozenset(needed)
    known = required | defaults.keys()
    scalars = SCALARS.get(name, ())
    left_out = LEFT_OUT_WHEN_NONE.get(name, ())

    def make(**given: object) -> Plain:
        if not required <= given.keys() <= known:  # as pydantic would refuse it
            raise TypeError(f"{name}: fields {sorted(given)}")
        data = Plain(defaults)
        data.update(given)
        for field in scalars:
            data[field] = _json_value(data[field])
        for field in left_out:
            if data.get(field) is None:
                data.pop(field, None)
        return data

    def make_as_given(**given: object) -> Plain:
        # Most classes: no value to convert, no field to leave out (~124,000 calls a side).
        if not required <= given.keys() <= known:
            raise TypeError(f"{name}: fields {sorted(given)}")
        data = Plain(defaults)
        data.update(given)
        return data

    chosen = make if scalars or left_out else make_as_given
    chosen.__name__ = chosen.__qualname__ = name
    return chosen  # type: ignore[return-value]


globals().update({name: _twin(name) for name in FIELDS})
