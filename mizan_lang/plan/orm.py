"""How the spec's models map to tables: foreign keys and join tables.

A `.mizan` model declares relations without saying how they are stored.
Every ORM target (SQLAlchemy on FastAPI, Django models) must agree, so the
storage is decided here once, with Django's conventions, which most
existing schemas follow:

- a to-one relation `r` is a foreign key column `r_id` on the model's table
  (a declared column of that name is the key; otherwise one is implied,
  nullable, of the related primary key's type);
- a to-many relation `r to=T` is the reverse of T's one to-one relation
  back to the model, when T has exactly one; otherwise a join table
  `<table>_<r>` with the columns `<model>_id` and `<target>_id` (for a
  model related to itself, `from_<model>_id` and `to_<model>_id`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..decls import DEFAULT_ON_DELETE
from ..ir import model as ir

RelationKind = Literal["to_one", "one_to_many", "many_to_many"]


@dataclass(frozen=True, slots=True)
class Storage:
    """How one relation is stored."""

    model: str
    relation: str
    target: str
    kind: RelationKind
    # to_one: the key column on the model's table; one_to_many: the key
    # column on the target's table (the reverse relation's `<r>_id`).
    fk_column: str | None = None
    fk_declared: bool = False  # to_one: the spec declares the key column itself
    reverse: str | None = None  # one_to_many: the target's to-one relation
    join_table: str | None = None  # many_to_many
    join_from: str | None = None  # join table column pointing at the model
    join_to: str | None = None  # join table column pointing at the target


def snake(name: str) -> str:
    """`ProductImage` -> `product_image`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def primary_key(model: ir.Model) -> ir.Column:
    return next(column for column in model.columns if column.primary)


# A scaled decimal column keeps this many digits before the point, whatever
# its scale (as the unscaled default, 30 digits of which 10 after the point).
INTEGER_DIGITS = 20


def decimal_digits(column: ir.Column) -> tuple[int, int] | None:
    """(precision, scale) a declared `scale=` stores a decimal column with."""
    if column.scale is None:
        return None
    return INTEGER_DIGITS + column.scale, column.scale


def storage(workspace: ir.Workspace) -> dict[tuple[str, str], Storage]:
    """(model, relation) -> its storage, for every relation of every model."""
    models = {model.name: model for model in workspace.models}
    found: dict[tuple[str, str], Storage] = {}
    for model in workspace.models:
        columns = {column.name for column in model.columns}
        for relation in model.relations:
            key = (model.name, relation.name)
            if not relation.many:
                fk = f"{relation.name}_id"
                found[key] = Storage(model.name, relation.name, relation.to, "to_one",
                                     fk_column=fk, fk_declared=fk in columns)
                continue
            target = models[relation.to]
            back = [r for r in target.relations if not r.many and r.to == model.name
                    and (target.name, r.name) != key]
            if len(back) == 1:
                found[key] = Storage(model.name, relation.name, target.name, "one_to_many",
                                     fk_column=f"{back[0].name}_id", reverse=back[0].name)
                continue
            own, other = snake(model.name), snake(target.name)
            if own == other:
                own, other = f"from_{own}", f"to_{other}"
            found[key] = Storage(model.name, relation.name, target.name, "many_to_many",
                                 join_table=f"{model.table}_{relation.name}",
                                 join_from=f"{own}_id", join_to=f"{other}_id")
    return found


# A to-one relation's delete behaviour (ON_DELETE in mizan_lang.decls) as SQL spells it in
# `ON DELETE` and as Django names it.
ON_DELETE_SQL = {"protect": "RESTRICT", "cascade": "CASCADE", "set-null": "SET NULL"}
ON_DELETE_DJANGO = {"protect": "models.PROTECT", "cascade": "models.CASCADE",
                    "set-null": "models.SET_NULL"}


def on_delete(relation: ir.Relation) -> str:
    """What deleting the related row does: the declared behaviour, else the
    safe default (refuse while rows point at it)."""
    return relation.on_delete or DEFAULT_ON_DELETE
