"""View of the Axum crate's `shapes.rs`: the plan's shape loads
(`mizan_lang.plan.shapes`) spelled in Rust on `mizan_runtime::sqlite`.

One module per shape: its statements (`SELECT`, and one per relation it
carries), `load(db, filter)` and `from_rows(db, rows, at)` (the shape of
each row, its columns from `at` on, which the shapes that nest it call)."""

from __future__ import annotations

from typing import Any

from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan.orm import snake
from mizan_lang.plan.shapes import FieldLoad, ShapeLoad, shape_loads

from .view import INDENT, MAX_WIDTH, PRIMITIVES, ident, signature_lines, use_line


def _rust_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _offset(at: int) -> str:
    return "at" if at == 0 else f"at + {at}"


def _scale(plan: Plan, shape: ShapeLoad, field: FieldLoad) -> int | None:
    model = next(m for m in plan.ir.models if m.name == shape.model)
    column = next((c for c in model.columns if c.name == field.name), None)
    return column.scale if column is not None else None


def _key_type(ref: ir.TypeRef | None) -> str:
    assert isinstance(ref, ir.PrimitiveType)
    return PRIMITIVES[ref.name]


def _await_line(indent: str, name: str, head: str, args: list[str]) -> list[str]:
    """`let name = head(args).await?;` as rustfmt lays it out."""
    joined = ", ".join(args)
    one = f"{indent}let {name} = {head}({joined}).await?;"
    if len(joined) <= 60 and len(one) <= MAX_WIDTH:
        return [one]
    below = f"{indent}{INDENT}{head}({joined}).await?;"
    if len(joined) <= 60 and len(below) <= MAX_WIDTH:
        return [f"{indent}let {name} =", below]
    return [f"{indent}let {name} = {head}(", *(f"{indent}{INDENT}{a}," for a in args),
            f"{indent})", f"{indent}.await?;"]


def _module(plan: Plan, shape: ShapeLoad, used: set[str]) -> list[str]:
    ind, body = INDENT, INDENT * 3
    lines = [f"/// `{shape.name}`, a projection of `{shape.model}` (table `{shape.table}`).",
             f"pub mod {ident(snake(shape.name))} {{", f"{ind}use super::*;", ""]
    lines.append(f"{ind}/// The rows; a [`Filter`] adds its `WHERE`, `ORDER BY` and `LIMIT`.")
    lines += _const(ind, "SELECT", shape.select)
    for field in shape.fields:
        if field.sql is not None:
            what = f"`{field.shape}`" if field.shape else "keys"
            lines.append(f"{ind}/// `{field.name}`: the related {what}, of many rows at once.")
            lines += _const(ind, field.name.upper(), field.sql)
    summary = f"`{shape.name}` of every row `filter` selects: one query, then one per relation."
    lines += ["", f"{ind}/// {summary}",
              *signature_lines(ind, "pub async fn load", ["db: &SqlitePool", "filter: &Filter"],
                               f"-> Result<Vec<{shape.name}>, MizanError>", " {"),
              f"{ind * 2}let rows = filter.fetch(db, SELECT).await?;",
              f"{ind * 2}from_rows(db, &rows, 0).await",
              f"{ind}}}", ""]
    queries = [field for field in shape.fields if field.sql is not None]
    db = "db" if queries else "_db"
    lines += [f"{ind}/// `{shape.name}` of each row, its columns from `at` on.",
              *signature_lines(ind, "pub fn from_rows<'a>",
                               [f"{db}: &'a SqlitePool", "rows: &'a [SqliteRow]", "at: usize"],
                               f"-> Loading<'a, {shape.name}>", " {"),
              f"{ind * 2}Box::pin(async move {{"]
    for field in queries:
        used.add("Related")
        if field.shape is not None:
            loader = f"{ident(snake(field.shape))}::from_rows"
        else:
            used.add("keys")
            loader = f"keys::<{_key_type(field.key_type)}>"
        args = ["db", field.name.upper(), "rows", _offset(field.at), str(field.offset), loader]
        lines += _await_line(body, f"related_{field.name}", "Related::load", args)
    lines += [f"{body}let mut shapes = Vec::with_capacity(rows.len());",
              f"{body}for row in rows {{", f"{body}{ind}shapes.push({shape.name} {{"]
    for field in shape.fields:
        at = _offset(field.at)
        if field.kind in ("column", "key"):
            value = f"column(row, {at})?"
            used.add("column")
            scale = _scale(plan, shape, field) if field.kind == "column" else None
            if scale is not None:
                used.add("scaled")
                value = f"scaled({value}, {scale})"
        else:
            method = "one" if field.kind == "to_one" else "many"
            value = f"related_{field.name}.{method}(row, {at})?"
        lines.append(f"{body}{ind * 2}{ident(field.name)}: {value},")
    lines += [f"{body}{ind}}});", f"{body}}}", f"{body}Ok(shapes)", f"{ind * 2}}})",
              f"{ind}}}", "}"]
    return lines


def _const(indent: str, name: str, sql: str) -> list[str]:
    one = f"{indent}pub const {name}: &str = {_rust_string(sql)};"
    if len(one) <= MAX_WIDTH:
        return [one]
    return [f"{indent}pub const {name}: &str =", f"{indent}{INDENT}{_rust_string(sql)};"]


def shapes_view(plan: Plan) -> dict[str, Any]:
    used: set[str] = set()
    modules = [_module(plan, load, used) for load in shape_loads(plan.ir)]
    runtime = sorted({"Loading", "Related", "column", "keys", "scaled"} & (used | {"Loading"}))
    imports = ["pub use mizan_runtime::sqlite::sqlx::sqlite::{SqlitePool, SqliteRow};",
               "pub use mizan_runtime::sqlite::Filter;",
               use_line("mizan_runtime::sqlite", runtime),
               "use mizan_runtime::MizanError;", "",
               use_line("crate::types", sorted(s.name for s in plan.ir.shapes))]
    return {"imports": imports, "modules": modules}
