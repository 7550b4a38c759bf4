"""View model of the Hono target's `shapes.ts`: the models' tables (as
Kysely's `Database` type and as CREATE TABLE rows) and each shape as the
table `@mizan-lang/runtime/shapes` turns into SELECTs.

Storage (foreign keys, join tables) is the plan's decision
(`mizan_lang.plan.orm`), the same as SQLAlchemy's and Django's models;
here it is only written down for the runtime.
"""

from __future__ import annotations

from typing import Any

from mizan_lang.gen import ts_format as ts
from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan.orm import ON_DELETE_SQL, on_delete, primary_key, storage

from ..ts.bindings import pascal
from .view import _joined

SHAPES_MODULE = "@mizan-lang/runtime/shapes"

# How SQLite drivers give a column back (better-sqlite3 with safe integers
# gives bigints), and the SQLite type CREATE TABLE declares. Decimals are
# text, so they stay exact; numbers stored by other targets are read too.
STORED = {
    "int": (["number", "bigint"], "integer"),
    "int64": (["number", "bigint"], "integer"),
    "float": (["number"], "real"),
    "decimal": (["number", "string"], "text"),
    "bool": (["number"], "integer"),
    "bytes": (["Uint8Array"], "blob"),
}
TEXT = (["string"], "text")


def _base(ref: ir.TypeRef) -> tuple[str, bool]:
    """(primitive name, nullable) of a column type."""
    if isinstance(ref, ir.NullableType):
        return _base(ref.inner)[0], True
    assert isinstance(ref, ir.PrimitiveType)
    return ref.name, False


def _column_type(ref: ir.TypeRef, scale: int | None = None,
                 nullable: bool = False) -> dict[str, Any]:
    kind, null = _base(ref)
    entry: dict[str, Any] = {"type": kind}
    if null or nullable:
        entry["nullable"] = True
    if scale is not None:
        entry["scale"] = scale
    return entry


def _stored_columns(model: ir.Model, models: dict[str, ir.Model],
                    stored: dict[tuple[str, str], Any]) -> list[tuple[ir.Column, dict[str, Any]]]:
    """The table's columns: declared ones, then the implied foreign keys;
    each with its CREATE TABLE entry."""
    keys = {stored[(model.name, r.name)].fk_column: r for r in model.relations if not r.many}
    columns = list(model.columns)
    for relation in model.relations:
        info = stored[(model.name, relation.name)]
        if info.kind == "to_one" and not info.fk_declared:
            key = primary_key(models[relation.to])
            columns.append(ir.Column(name=info.fk_column or "",
                                     type=ir.NullableType(inner=key.type)))
    result = []
    for column in columns:
        kind, nullable = _base(column.type)
        entry: dict[str, Any] = {"name": column.name, "type": STORED.get(kind, TEXT)[1]}
        if column.primary:
            entry["primary"] = True
        elif not nullable:
            entry["notNull"] = True
        if column.unique:
            entry["unique"] = True
        linked = keys.get(column.name)
        if linked is not None:
            target = models[linked.to]
            entry["references"] = f"{target.table}.{primary_key(target).name}"
            entry["onDelete"] = ON_DELETE_SQL[on_delete(linked)].lower()
        result.append((column, entry))
    return result


def _interface(name: str, doc: str, members: list[tuple[str, list[str]]]) -> str:
    lines = [*ts.jsdoc(doc), f"export interface {name} {{"]
    lines += [ts.union_property(ts.key(field), union) for field, union in members]
    return "\n".join([*lines, "}"])


def _field(shape: ir.ShapeField, model: ir.Model, models: dict[str, ir.Model],
           stored: dict[tuple[str, str], Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"field": shape.name}
    if shape.source == "column":
        column = next(c for c in model.columns if c.name == shape.name)
        return {**entry, "column": column.name, **_column_type(column.type, column.scale)}
    info = stored[(model.name, shape.name)]
    target = models[info.target]
    key = primary_key(target)
    if info.kind == "to_one":
        declared = next((c for c in model.columns if c.name == info.fk_column), None)
        entry |= {"kind": "to_one", "column": info.fk_column}
        entry |= _column_type(key.type, nullable=declared is None or _base(declared.type)[1])
    elif info.kind == "one_to_many":
        entry |= {"kind": "one_to_many", "table": target.table, "link": info.fk_column,
                  "key": key.name, **_column_type(key.type)}
    else:
        entry |= {"kind": "many_to_many", "table": target.table, "key": key.name,
                  "join": info.join_table, "from": info.join_from, "to": info.join_to,
                  **_column_type(key.type)}
    if shape.shape is not None:
        entry["shape"] = shape.shape
    return entry


def _loader(shape: ir.Shape, table: str) -> str:
    params = ["db: Kysely<Database>", f"refine?: Refine<Database, {ts.string(table)}>"]
    head: list[ts.Doc] = [f"export function load{shape.name}(", ts.Indent([ts.SOFTLINE, *_joined(params)]),
            ts.IfBreak(","), ts.SOFTLINE, f"): Promise<T.{shape.name}[]> {{"]
    call: list[ts.Doc] = [f"return loadShape<T.{shape.name}>(", ts.Indent([ts.SOFTLINE, *_joined(
        ["db", "SHAPES", ts.string(shape.name), "refine"])]), ts.IfBreak(","), ts.SOFTLINE, ");"]
    doc = shape.doc or f"`{shape.name}` of the `{table}` rows `refine` selects (default: all)."
    return "\n".join([*ts.jsdoc(doc), ts.print_doc(ts.Group(head)),
                      ts.TAB + ts.print_doc(ts.Group(call), 1), "}"])


def shapes_view(plan: Plan) -> dict[str, object]:
    models = {model.name: model for model in plan.ir.models}
    stored = storage(plan.ir)
    interfaces: list[str] = []
    database: list[tuple[str, list[str]]] = []
    tables: list[dict[str, Any]] = []
    for model in plan.ir.models:
        columns = _stored_columns(model, models, stored)
        name = f"{pascal(model.table)}Table"
        members = []
        for column, _ in columns:
            kind, nullable = _base(column.type)
            members.append((column.name, [*STORED.get(kind, TEXT)[0],
                                          *(["null"] if nullable else [])]))
        interfaces.append(_interface(name, f"`{model.table}`: the `{model.name}` rows, "
                                     "as the driver returns them.", members))
        database.append((model.table, [name]))
        tables.append({"name": model.table, "columns": [entry for _, entry in columns]})
        for relation in model.relations:
            info = stored[(model.name, relation.name)]
            if info.kind != "many_to_many":
                continue
            target = models[relation.to]
            join_columns = []
            join_members = []
            for join_column, side in ((info.join_from, model), (info.join_to, target)):
                key = primary_key(side)
                kind, _ = _base(key.type)
                join_columns.append({"name": join_column, "type": STORED.get(kind, TEXT)[1],
                                     "notNull": True,
                                     "references": f"{side.table}.{key.name}",
                                     "onDelete": "cascade"})
                join_members.append((join_column or "", STORED.get(kind, TEXT)[0]))
            join_name = f"{pascal(info.join_table or '')}Table"
            interfaces.append(_interface(join_name, f"`{info.join_table}`: `{model.name}."
                                         f"{relation.name}`, a join table.", join_members))
            database.append((info.join_table or "", [join_name]))
            tables.append({"name": info.join_table, "columns": join_columns,
                           "primaryKey": [info.join_from, info.join_to]})
    shapes = {}
    loaders = []
    for shape in plan.ir.shapes:
        model = models[shape.model]
        shapes[shape.name] = {
            "table": model.table, "key": primary_key(model).name,
            "fields": [_field(field, model, models, stored) for field in shape.fields]}
        loaders.append(_loader(shape, model.table))
    return {
        "interfaces": interfaces,
        "database": _interface("Database", "The tables of the spec's models (Kysely's "
                               "database type).", database),
        "tables": ts.statement("export const TABLES: readonly StoredTable[] = ", tables),
        "shapes": ts.statement("export const SHAPES: ShapeTable = ", shapes),
        "loaders": loaders,
        "types_import": bool(plan.ir.shapes),
    }
