"""What loading a shape reads: the SQL a target sends, decided once.

A shape projects some columns and relations of a model. Loading it reads
the model's table once, selecting only the primary key (its identity), the
declared columns and the foreign keys its to-one relations need, and then
one query per relation it carries (no N+1): the related rows, selected the
same way by their own shape (or only their key), for all the parents at
once. The parents' keys travel as one JSON array bound to `?1`
(`IN (SELECT value FROM json_each(?1))`), so every statement is a constant.

Storage (foreign key columns, join tables) is `plan.orm`'s decision; this
module only spells the statements. A target renders them and maps the
selected columns, by position, to the shape's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..ir import model as ir
from .orm import Storage, primary_key, storage

FieldKind = Literal["column", "key", "to_one", "to_many"]
KEYS = "(SELECT value FROM json_each(?1))"


@dataclass(frozen=True, slots=True)
class FieldLoad:
    """How one field of a shape is filled.

    - `column`: the value of selected column `at`;
    - `key`: a to-one relation without a shape, the foreign key column `at`;
    - `to_one`: the nested row whose key is column `at`, loaded by `sql`;
    - `to_many`: the nested rows whose link (their first selected column) is
      this row's key (column `at`, the primary key), loaded by `sql`.

    For `to_one` and `to_many`, the related shape's (or key's) columns start
    at `offset` in the rows `sql` answers.
    """

    name: str
    kind: FieldKind
    at: int
    type: ir.TypeRef | None = None  # column and key: the value's type
    shape: str | None = None  # the related shape; None: the related key only
    sql: str | None = None
    offset: int = 0
    key_type: ir.TypeRef | None = None  # the related primary key's type


@dataclass(frozen=True, slots=True)
class ShapeLoad:
    name: str
    model: str
    table: str
    columns: tuple[str, ...]  # selected from the model's table, in order
    fields: tuple[FieldLoad, ...]  # the shape's fields, declared order

    @property
    def select(self) -> str:
        """The top query; a caller appends its WHERE, ORDER BY and LIMIT."""
        return f"SELECT {qualified(self.table, self.columns)} FROM {self.table}"


def qualified(table: str, columns: tuple[str, ...]) -> str:
    return ", ".join(f"{table}.{column}" for column in columns)


def shape_loads(workspace: ir.Workspace) -> list[ShapeLoad]:
    """Every shape's load, in the IR's order."""
    planner = _Planner(workspace)
    return [planner.load(shape) for shape in workspace.shapes]


class _Planner:
    def __init__(self, workspace: ir.Workspace) -> None:
        self.models = {model.name: model for model in workspace.models}
        self.shapes = {shape.name: shape for shape in workspace.shapes}
        self.stored = storage(workspace)

    def columns(self, shape: ir.Shape) -> tuple[str, ...]:
        """The primary key, the declared columns, the to-one keys: once each."""
        model = self.models[shape.model]
        selected = [primary_key(model).name]
        for field in shape.fields:
            name = field.name if field.source == "column" else None
            info = self.stored.get((model.name, field.name))
            if field.source == "relation" and info is not None and info.kind == "to_one":
                name = info.fk_column
            if name is not None and name not in selected:
                selected.append(name)
        return tuple(selected)

    def load(self, shape: ir.Shape) -> ShapeLoad:
        model = self.models[shape.model]
        columns = self.columns(shape)
        key_at = 0  # the primary key comes first
        fields = []
        for field in shape.fields:
            if field.source == "column":
                fields.append(FieldLoad(field.name, "column", columns.index(field.name),
                                        type=field.type))
                continue
            info = self.stored[(model.name, field.name)]
            target = self.models[info.target]
            target_key = primary_key(target)
            if info.kind == "to_one":
                at = columns.index(info.fk_column or "")
                if field.shape is None:
                    fields.append(FieldLoad(field.name, "key", at, type=target_key.type))
                    continue
                nested = self.columns(self.shapes[field.shape])
                sql = (f"SELECT {qualified(target.table, nested)} FROM {target.table} "
                       f"WHERE {target.table}.{target_key.name} IN {KEYS}")
                fields.append(FieldLoad(field.name, "to_one", at, shape=field.shape, sql=sql,
                                        key_type=target_key.type))
                continue
            nested = (self.columns(self.shapes[field.shape]) if field.shape is not None
                      else (target_key.name,))
            fields.append(FieldLoad(field.name, "to_many", key_at, shape=field.shape,
                                    sql=_to_many_sql(info, target, nested), offset=1,
                                    key_type=target_key.type))
        return ShapeLoad(shape.name, model.name, model.table, columns, tuple(fields))


def _to_many_sql(info: Storage, target: ir.Model, nested: tuple[str, ...]) -> str:
    """The related rows of many parents, each led by its parent's key."""
    key = f"{target.table}.{primary_key(target).name}"
    if info.kind == "one_to_many":
        link = f"{target.table}.{info.fk_column}"
        return (f"SELECT {link}, {qualified(target.table, nested)} FROM {target.table} "
                f"WHERE {link} IN {KEYS} ORDER BY {link}, {key}")
    join = info.join_table or ""
    link = f"{join}.{info.join_from}"
    if nested == (primary_key(target).name,):  # the keys only: the join table has them
        return (f"SELECT {link}, {join}.{info.join_to} FROM {join} "
                f"WHERE {link} IN {KEYS} ORDER BY {link}, {join}.{info.join_to}")
    return (f"SELECT {link}, {qualified(target.table, nested)} FROM {join} "
            f"JOIN {target.table} ON {key} = {join}.{info.join_to} "
            f"WHERE {link} IN {KEYS} ORDER BY {link}, {key}")
