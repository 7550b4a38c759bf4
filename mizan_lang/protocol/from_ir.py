"""Protocol data derived from the IR: the codec's type table and wire defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..ir import model as ir
from .schema import NO_DEFAULT, FieldSpec, Schema
from .values import datetime_text, decimal_text, decode, encode


def schema_from_ir(workspace: ir.Workspace) -> Schema:
    """Enums, records and shapes of a workspace as one type table.

    A shape is a record of its fields. A relation projected without a shape
    carries the related row's primary key; a to-one relation may be empty,
    so its value is nullable.
    """
    enums = {enum.name: tuple(m.name for m in enum.members) for enum in workspace.enums}
    schema = Schema(enums=enums, records={})
    for record in workspace.types:
        schema.records[record.name] = tuple(
            FieldSpec(f.name, f.type, NO_DEFAULT if f.default is None
                      else default_to_wire(f.type, f.default.value, schema))
            for f in record.fields
        )
    models = {model.name: model for model in workspace.models}
    for shape in workspace.shapes:
        schema.records[shape.name] = tuple(
            FieldSpec(f.name, _shape_field_type(f, models)) for f in shape.fields)
    return schema


def _shape_field_type(field: ir.ShapeField, models: dict[str, ir.Model]) -> ir.TypeRef:
    if field.source == "column":
        return field.type or ir.PrimitiveType(name="json")
    if field.shape is not None:
        item: ir.TypeRef = ir.NamedType(name=field.shape, ref="shape")
    else:
        target = models.get(field.to or "")
        primary = next((c for c in target.columns if c.primary), None) if target else None
        item = primary.type if primary is not None else ir.PrimitiveType(name="json")
    return ir.ListType(item=item) if field.many else ir.NullableType(inner=item)


def default_to_wire(type_: ir.TypeRef, literal: ir.Scalar, schema: Schema) -> Any:
    """A default literal of the IR in its canonical wire form."""
    return encode(type_, decode(type_, _wire_candidate(type_, literal), schema), schema)


def _wire_candidate(type_: ir.TypeRef, literal: ir.Scalar) -> Any:
    while isinstance(type_, ir.NullableType):
        type_ = type_.inner
    name = type_.name if isinstance(type_, ir.PrimitiveType) else None
    if literal is None or isinstance(literal, bool):
        return literal
    if name == "int64" and isinstance(literal, int):
        return str(literal)
    if name == "decimal" and isinstance(literal, (int, float, Decimal)):
        return decimal_text(Decimal(str(literal)))
    if name == "float" and isinstance(literal, Decimal):
        return float(literal)
    if name == "datetime" and isinstance(literal, str):
        return datetime_literal(literal)
    if name == "uuid" and isinstance(literal, str):
        return literal.lower()
    if name == "json" and isinstance(literal, Decimal):
        return int(literal) if literal == literal.to_integral_value() else float(literal)
    return literal


def datetime_literal(text: str) -> str:
    """The checker accepts any ISO 8601 date and time; a naive one means UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return text  # decode() reports it
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return datetime_text(moment)
