"""View models of `django_models.py` (Django models) and `django_shapes.py`
(the shapes as django-readers specs).

Storage (foreign keys, join tables) is the plan's decision
(`mizan_lang.plan.orm`), the same tables the FastAPI target's SQLAlchemy
models map; here it is only spelled in Django.
"""

from __future__ import annotations

from mizan_lang.gen.python.layout import (
    INDENT,
    Expr,
    call,
    docstring,
    lay_out,
    string,
    tuple_of,
)
from mizan_lang.ir import model as ir
from mizan_lang.plan import Plan
from mizan_lang.plan.orm import (
    ON_DELETE_DJANGO,
    Storage,
    decimal_digits,
    on_delete,
    snake,
    storage,
)

# Without django-stubs `models.Model` is Any (mypy: misc); with them the
# ignore is unused, which `unused-ignore` allows under --strict.
_MODEL_BASE = "(models.Model):  # type: ignore[misc, unused-ignore]"

FIELDS = {
    "bool": "models.BooleanField()",
    "int": "models.IntegerField()",
    "int64": "models.BigIntegerField()",
    "float": "models.FloatField()",
    # Without a declared scale= Django still needs one (see plan.orm).
    "decimal": "models.DecimalField(max_digits=30, decimal_places=10)",
    "str": "models.TextField()",
    "date": "models.DateField()",
    "datetime": "models.DateTimeField()",
    "uuid": "models.UUIDField()",
    "bytes": "models.BinaryField()",
    "json": "models.JSONField()",
}
# Integer primary keys are filled by the database, as SQLAlchemy's are.
AUTO_KEYS = {"int": "models.AutoField()", "int64": "models.BigAutoField()"}


def _base(ref: ir.TypeRef) -> tuple[str, bool]:
    """(primitive name, nullable) of a column type."""
    if isinstance(ref, ir.NullableType):
        return _base(ref.inner)[0], True
    assert isinstance(ref, ir.PrimitiveType)
    return ref.name, False


def _field(spelling: str, *extra: str) -> Expr:
    """`models.X(a=1)` with more keyword arguments."""
    name, _, args = spelling.partition("(")
    items = [item for item in args.rstrip(")").split(", ") if item]
    return call(name, *items, *extra)


def _assign(name: str, expr: Expr) -> list[str]:
    return lay_out(expr, INDENT, prefix=f"{name} = ")


def _meta(table: str) -> list[str]:
    return [f"{INDENT}class Meta:", f"{INDENT * 2}app_label = APP_LABEL",
            f"{INDENT * 2}db_table = {string(table)}"]


def orm_view(plan: Plan) -> dict[str, object]:
    models = {model.name: model for model in plan.ir.models}
    stored = storage(plan.ir)
    # A to-one relation names its one-to-many reverse (if any) as related_name.
    reverse = {(info.target, info.reverse or ""): info.relation for info in stored.values()
               if info.kind == "one_to_many"}
    classes: list[list[str]] = []
    for model in plan.ir.models:
        keys = {stored[(model.name, r.name)].fk_column: r for r in model.relations
                if not r.many}
        lines = [_class_line(model.name), *_doc_lines(model.doc)]
        for column in model.columns:
            if column.name in keys:  # the key of a relation: Django's ForeignKey holds it
                continue
            kind, nullable = _base(column.type)
            spelling = AUTO_KEYS.get(kind, FIELDS[kind]) if column.primary else FIELDS[kind]
            if (digits := decimal_digits(column)) is not None:
                precision, scale = digits
                spelling = f"models.DecimalField(max_digits={precision}, decimal_places={scale})"
            if column.max_length is not None:
                spelling = f"models.CharField(max_length={column.max_length})"
            extra = [item for item, on in (("primary_key=True", column.primary),
                                           ("unique=True", column.unique),
                                           ("null=True", nullable)) if on]
            lines += _assign(column.name, _field(spelling, *extra))
        for relation in model.relations:
            info = stored[(model.name, relation.name)]
            if info.kind == "to_one":
                declared = next((c for c in model.columns if c.name == info.fk_column), None)
                nullable = declared is None or _base(declared.type)[1]
                back = reverse.get((model.name, relation.name), "+")
                items = [string(relation.to), ON_DELETE_DJANGO[on_delete(relation)], *(
                    ["null=True"] if nullable else []), f"related_name={string(back)}"]
                lines += _assign(relation.name, call("models.ForeignKey", *items))
            elif info.kind == "many_to_many":
                items = [string(relation.to), f"through={string(_through_name(info))}",
                         "through_fields=" + tuple_of(
                             [string(_field_of(info.join_from)),
                              string(_field_of(info.join_to))]).flat(),
                         # Prefetching queries the join from the target's side:
                         # the reverse must exist (a hidden "+" one does not).
                         f"related_name={string(_reverse_query(info))}"]
                lines += _assign(relation.name, call("models.ManyToManyField", *items))
        lines += ["", *_meta(model.table)]
        classes.append(lines)
        for relation in model.relations:
            info = stored[(model.name, relation.name)]
            if info.kind == "many_to_many":
                classes.append(_through(info, model, models[relation.to]))
    return {"classes": classes}


def _field_of(column: str | None) -> str:
    return (column or "").removesuffix("_id")


def _reverse_query(info: Storage) -> str:
    return f"{snake(info.model)}_{info.relation}"


def _through_name(info: Storage) -> str:
    return f"{info.model}{''.join(p.title() for p in info.relation.split('_'))}Link"


def _class_line(name: str) -> str:
    return f"class {name}{_MODEL_BASE}"


def _through(info: Storage, model: ir.Model, target: ir.Model) -> list[str]:
    """The join table's model: a key of its two foreign keys, as on SQLAlchemy."""
    lines = [_class_line(_through_name(info))]
    lines += docstring(f"The join table of `{model.name}.{info.relation}`.", INDENT)
    lines += [""]
    ends = ((info.join_from, model), (info.join_to, target))
    lines += _assign("pk", call("models.CompositePrimaryKey",
                                *[string(column or "") for column, _ in ends]))
    for column, side in ends:
        lines += _assign(_field_of(column), call("models.ForeignKey", string(side.name),
                                                 "models.DO_NOTHING", 'related_name="+"'))
    return [*lines, "", *_meta(info.join_table or "")]


# --- django_shapes.py ------------------------------------------------------------


def shapes_view(plan: Plan) -> dict[str, object]:
    models = {model.name: model for model in plan.ir.models}
    stored = storage(plan.ir)
    blocks = []
    for shape in plan.ir.shapes:
        model = models[shape.model]
        fn = snake(shape.name)
        items: list[Expr] = []
        for field in shape.fields:
            if field.source == "column":
                items.append(string(field.name))
                continue
            info = stored[(model.name, field.name)]
            if field.shape is not None:
                value = f"{snake(field.shape)}_spec()"
            elif info.kind == "to_one":
                value = string(info.fk_column or "")
            else:
                value = call("pairs.pk_list", string(field.name))
            items.append(call("", f"{string(field.name)}: {lay_out(value, '')[0]}"))
            items[-1].head, items[-1].tail = "{", "}"  # type: ignore[union-attr]
        lines = [f"def {fn}_spec() -> list[Spec]:"]
        lines += docstring(f"The django-readers spec of `{shape.name}`: its columns, the "
                           "keys its relations\nneed, its relations with their own shapes.",
                           INDENT)
        body = call("", *items)
        body.head, body.tail, body.force = "[", "]", True
        lines += lay_out(body, INDENT, prefix="return ")
        lines += ["", "", f"def {fn}_from(row: django_models.{model.name}) -> models.{shape.name}:"]
        lines += docstring(f"The `{shape.name}` of a row prepared by `{fn}_spec()`.", INDENT)
        lines += [f"{INDENT}_, project = specs.process({fn}_spec())",
                  f"{INDENT}return models.{shape.name}.model_validate(project(row))", "", ""]
        head = f"def load_{fn}("
        param = f"queryset: QuerySet[django_models.{model.name}] | None = None"
        tail = f") -> list[models.{shape.name}]:"
        if len(head + param + tail) <= 88:
            lines += [head + param + tail]
        else:
            lines += [head, f"{INDENT}{param},", tail]
        lines += docstring(f"`{shape.name}` of every row of `queryset` (default: every "
                           f"`{model.name}`);\nfilter, order and slice the queryset "
                           "yourself.", INDENT)
        lines += [f"{INDENT}if queryset is None:",
                  f"{INDENT * 2}queryset = django_models.{model.name}.objects.all()",
                  f"{INDENT}prepare, project = specs.process({fn}_spec())"]
        each = (f"models.{shape.name}.model_validate(project(row))",
                "for row in prepare(queryset)")
        if len(f"{INDENT}return [{' '.join(each)}]") <= 88:
            lines += [f"{INDENT}return [{' '.join(each)}]"]
        elif len(f"{INDENT * 2}{' '.join(each)}") <= 88:
            lines += [f"{INDENT}return [", f"{INDENT * 2}{' '.join(each)}", f"{INDENT}]"]
        else:
            lines += [f"{INDENT}return [", *(INDENT * 2 + part for part in each), f"{INDENT}]"]
        blocks.append("\n".join(lines))
    readers = "pairs, specs" if any("pairs." in block for block in blocks) else "specs"
    return {"blocks": blocks, "readers": readers}


def _doc_lines(doc: str | None) -> list[str]:
    """A class docstring and the blank line ruff puts after it."""
    lines = docstring(doc, INDENT)
    return [*lines, ""] if lines else []
