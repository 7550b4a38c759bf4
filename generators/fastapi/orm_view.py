"""View models of `orm.py` (SQLAlchemy models) and `shapes.py` (projections).

Storage (foreign keys, join tables) is the plan's decision
(`mizan_lang.plan.orm`); here it is only spelled in SQLAlchemy 2.
"""

from __future__ import annotations

from mizan_lang.gen.python.layout import (
    INDENT,
    Expr,
    bracketed,
    call,
    docstring,
    lay_out,
    string,
)
from mizan_lang.gen.python.types import plain_annotation
from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan.orm import (
    ON_DELETE_SQL,
    Storage,
    decimal_digits,
    on_delete,
    primary_key,
    snake,
    storage,
)

SA_TYPES = {
    "bool": "sa.Boolean()",
    "int": "sa.Integer()",
    "int64": "Int64",
    "float": "sa.Float()",
    "decimal": "sa.Numeric()",
    "str": "sa.String()",
    "date": "sa.Date()",
    "datetime": "UTCDateTime()",
    "uuid": "sa.Uuid()",
    "bytes": "sa.LargeBinary()",
    "json": "sa.JSON()",
}


def _base(ref: ir.TypeRef) -> tuple[str, bool]:
    """(primitive name, nullable) of a column type."""
    if isinstance(ref, ir.NullableType):
        return _base(ref.inner)[0], True
    assert isinstance(ref, ir.PrimitiveType)
    return ref.name, False


def _mapped(python: str, expr: str, name: str) -> list[str]:
    return lay_out(expr, INDENT, prefix=f"{name}: sa_orm.Mapped[{python}] = ")


def orm_view(plan: Plan) -> dict[str, object]:
    models = {model.name: model for model in plan.ir.models}
    stored = storage(plan.ir)
    # Both ends of a one-to-many name each other: one foreign key, two views.
    pairs = {(info.target, info.reverse or ""): info.relation for info in stored.values()
             if info.kind == "one_to_many"}
    tables: list[list[str]] = []
    classes: list[list[str]] = []
    for model in plan.ir.models:
        # A declared `<relation>_id` column is that relation's foreign key.
        keys = {stored[(model.name, r.name)].fk_column: (models[r.to], r)
                for r in model.relations if not r.many}
        lines = [f"class {model.name}(Base):", *_doc_lines(model.doc)]
        lines += [f"{INDENT}__tablename__ = {string(model.table)}", ""]
        for column in model.columns:
            lines += _column(column, *keys.get(column.name, (None, None)))
        for relation in model.relations:
            info = stored[(model.name, relation.name)]
            target = models[relation.to]
            if info.kind == "to_one" and not info.fk_declared:
                key = primary_key(target)
                implied = ir.Column(name=info.fk_column or "", type=ir.NullableType(
                    inner=key.type))
                lines += _column(implied, target, relation)
            back = info.reverse if info.kind == "one_to_many" else pairs.get(
                (model.name, relation.name))
            lines += _relationship(relation, info, target, back)
            if info.kind == "many_to_many":
                tables.append(_join_table(info, model, target))
        classes.append(lines)
    return {"tables": tables, "classes": classes}


def _column(column: ir.Column, references: ir.Model | None = None,
            relation: ir.Relation | None = None) -> list[str]:
    kind, _ = _base(column.type)
    digits = decimal_digits(column)
    # A declared scale is the exact scale values come back with (on SQLite too).
    numeric = f"sa.Numeric({digits[0]}, {digits[1]})" if digits else SA_TYPES[kind]
    if column.max_length is not None:
        numeric = f"sa.String({column.max_length})"
    items: list[Expr] = [numeric]
    if references is not None and relation is not None:
        key = primary_key(references)
        items.append(call("sa.ForeignKey", string(f"{references.table}.{key.name}"),
                          f"ondelete={string(ON_DELETE_SQL[on_delete(relation)])}"))
    if column.primary:
        items.append("primary_key=True")
    if column.unique:
        items.append("unique=True")
    python = plain_annotation(column.type, models="", upload="")
    return _mapped(python, call("sa_orm.mapped_column", *items), column.name)


def _relationship(relation: ir.Relation, info: Storage, target: ir.Model,
                  back: str | None) -> list[str]:
    items: list[Expr] = []
    if info.kind == "to_one":
        items.append(f"foreign_keys=[{info.fk_column}]")
        if info.model == target.name:  # a model related to itself: the key is remote
            items.append(f"remote_side={string(f'{target.name}.{primary_key(target).name}')}")
        python = f"{relation.to} | None"
    elif info.kind == "one_to_many":
        items.append(f"foreign_keys={string(f'{relation.to}.{info.fk_column}')}")
        python = f"list[{relation.to}]"
    else:
        items.append(f"secondary={_join_name(info)}")
        python = f"list[{relation.to}]"
    if back is not None:
        items.append(f"back_populates={string(back)}")
    return _mapped(python, call("sa_orm.relationship", *items), relation.name)


def _join_table(info: Storage, model: ir.Model, target: ir.Model) -> list[str]:
    columns = []
    for name, side in ((info.join_from, model), (info.join_to, target)):
        key = primary_key(side)
        kind, _ = _base(key.type)
        columns.append(call("sa.Column", string(name or ""), SA_TYPES[kind],
                            call("sa.ForeignKey", string(f"{side.table}.{key.name}")),
                            "primary_key=True"))
    table = call("sa.Table", string(info.join_table or ""), "Base.metadata", *columns)
    table.force = True
    return lay_out(table, "", prefix=f"{_join_name(info)} = ")


def _join_name(info: Storage) -> str:
    return (info.join_table or "").upper()


# --- shapes.py -------------------------------------------------------------------


def shapes_view(plan: Plan) -> dict[str, object]:
    models = {model.name: model for model in plan.ir.models}
    stored = storage(plan.ir)
    blocks = []
    for shape in plan.ir.shapes:
        model = models[shape.model]
        fn = snake(shape.name)
        key = primary_key(model)
        loaded = [key.name]
        nested: list[str] = []
        values: list[str] = []
        for field in shape.fields:
            attr = f"orm.{model.name}.{field.name}"
            if field.source == "column":
                if field.name not in loaded:
                    loaded.append(field.name)
                values.append(f"{field.name}=row.{field.name}")
                continue
            info = stored[(model.name, field.name)]
            target = models[info.target]
            if info.kind == "to_one" and field.shape is None:
                loaded.append(info.fk_column or "")
                values.append(f"{field.name}=row.{info.fk_column}")
                continue
            if info.kind == "to_one":
                loaded.append(info.fk_column or "")
            if field.shape is not None:
                sub = f"*{snake(field.shape)}_options()"
                item = f"{snake(field.shape)}_from(item)"
            else:
                sub = call("sa_orm.load_only", f"orm.{target.name}.{primary_key(target).name}")
                sub = lay_out(sub, "")[0]
                item = f"item.{primary_key(target).name}"
            nested.append(f"sa_orm.selectinload({attr}).options({sub})")
            if field.many:
                values.append(f"{field.name}=[{item} for item in row.{field.name}]")
            else:
                values.append(f"{field.name}=_one({snake(field.shape or '')}_from, "
                              f"row.{field.name})")
        only = call("sa_orm.load_only", *[f"orm.{model.name}.{name}" for name in loaded],
                    "raiseload=True")
        options = [only, *nested, 'sa_orm.raiseload("*")']
        lines = [f"def {fn}_options() -> list[Option]:"]
        lines += docstring(f"Load exactly what `{shape.name}` declares; touching "
                           "anything else raises.", INDENT)
        body = call("", *options)
        body.head, body.tail, body.force = "[", "]", True
        lines += lay_out(body, INDENT, prefix="return ")
        lines += ["", "", f"def {fn}_from(row: orm.{model.name}) -> models.{shape.name}:"]
        result = call(f"models.{shape.name}", *values)
        result.force = True
        lines += lay_out(result, INDENT, prefix="return ")
        lines += ["", ""]
        lines += bracketed(f"def load_{fn}(", ["session: sa_orm.Session",
                                                "statement: sa.Select[typing.Any] | None = None"],
                           f") -> list[models.{shape.name}]:", "")
        lines += docstring(f"`{shape.name}` of every row `statement` selects (default: "
                           f"every `{model.name}`);\nadd your where, order and limit to "
                           "the statement.", INDENT)
        lines += [f"{INDENT}if statement is None:",
                  f"{INDENT * 2}statement = sa.select(orm.{model.name})",
                  f"{INDENT}rows = session.scalars(statement.options(*{fn}_options()))",
                  f"{INDENT}return [{fn}_from(row) for row in rows]"]
        blocks.append("\n".join(lines))
    return {"blocks": blocks}


def _doc_lines(doc: str | None) -> list[str]:
    """A class docstring and the blank line ruff puts after it."""
    lines = docstring(doc, INDENT)
    return [*lines, ""] if lines else []
