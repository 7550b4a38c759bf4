"""Resolved types: what a type expression means once its names are looked up.

The types pass turns every `TypeRef` into an `RType`; later passes compare
them (context keys, invalidation bindings, form submission) with the small
helpers here.
"""

from __future__ import annotations

from ..records import record

PRIMITIVES = ("bool", "int", "int64", "float", "decimal", "str", "date", "datetime", "uuid",
              "bytes", "json")
UPLOAD = "Upload"
# Types a context key may have besides enums: values that print into a cache key.
SCALAR_PRIMITIVES = ("bool", "int", "int64", "str", "date", "datetime", "uuid", "decimal")


@record(frozen=True)
class RType:
    # "primitive" | "list" | "map" | "type" | "enum" | "shape" | "upload"
    kind: str
    name: str = ""  # primitive or declared name
    item: RType | None = None  # element of list, value of map
    nullable: bool = False

    @property
    def text(self) -> str:
        """Canonical spelling (no spaces), e.g. `map<str,list<Role>>?`."""
        if self.kind == "list":
            base = f"list<{self.item.text}>"
        elif self.kind == "map":
            base = f"map<str,{self.item.text}>"
        else:
            base = self.name
        return base + ("?" if self.nullable else "")

    @property
    def base(self) -> RType:
        return RType(self.kind, self.name, self.item) if self.nullable else self

    @property
    def is_scalar(self) -> bool:
        return self.kind == "enum" or (self.kind == "primitive" and self.name in SCALAR_PRIMITIVES)


def assignable(source: RType, target: RType) -> bool:
    """Can every value of `source` be used where `target` is expected?

    Equal types are; `int` widens to `int64`; a non-null value fits a nullable
    target, but a nullable source does not fit a non-null target.
    """
    if source.nullable and not target.nullable:
        return False
    left, right = source.base, target.base
    if left is right or left == right:  # (primitives are shared: mostly the same object)
        return True
    if left.kind == right.kind == "primitive":
        return (left.name, right.name) == ("int", "int64")
    if left.kind == right.kind and left.kind in ("list", "map"):
        return left.item == right.item
    return False
