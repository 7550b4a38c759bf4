"""IR types as Python annotations, in two spellings.

- wire: what generated pydantic models and argument models declare; each
  primitive is an alias from the generated `wire` module that validates
  and serialises the protocol's JSON form (int64 as a string, ...).
- plain: what the service interface shows its implementer: ordinary Python
  types (`int`, `decimal.Decimal`, `models.Profile`).
"""

from __future__ import annotations

from ...ir import model as ir

# primitive (and form string format) -> name in the generated wire module
WIRE_NAMES = {
    "bool": "Bool",
    "int": "Int",
    "int64": "Int64",
    "float": "Float",
    "decimal": "Decimal",
    "str": "Str",
    "date": "Date",
    "datetime": "DateTime",
    "uuid": "UUID",
    "bytes": "Bytes",
    "json": "Json",
    "email": "Email",
    "url": "Url",
}

PLAIN_NAMES = {
    "bool": "bool",
    "int": "int",
    "int64": "int",
    "float": "float",
    "decimal": "decimal.Decimal",
    "str": "str",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "uuid": "uuid.UUID",
    "bytes": "bytes",
    "json": "typing.Any",
    "email": "str",
    "url": "str",
}


def wire_annotation(ref: ir.TypeRef, *, wire: str, models: str) -> str:
    """`wire` and `models` are the prefixes the module uses ("_wire.", "")."""
    return _spell(ref, lambda name: f"{wire}{WIRE_NAMES[name]}", models, f"{wire}Upload")


def plain_annotation(ref: ir.TypeRef, *, models: str, upload: str) -> str:
    return _spell(ref, lambda name: PLAIN_NAMES[name], models, upload)


def _spell(ref: ir.TypeRef, primitive, models: str, upload: str) -> str:
    if isinstance(ref, ir.PrimitiveType):
        return primitive(ref.name)
    if isinstance(ref, ir.NamedType):
        return f"{models}{ref.name}"
    if isinstance(ref, ir.ListType):
        return f"list[{_spell(ref.item, primitive, models, upload)}]"
    if isinstance(ref, ir.MapType):
        return f"dict[str, {_spell(ref.value, primitive, models, upload)}]"
    if isinstance(ref, ir.NullableType):
        return f"{_spell(ref.inner, primitive, models, upload)} | None"
    return upload

