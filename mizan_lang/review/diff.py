"""Compare two canonical IRs and name every change with a review rule.

Works on the IR only (no spans, declarations sorted), so reformatting, moving
a declaration to another file or reordering declarations is never a change.
Each side is an `IrIndex` (`index.py`): declarations whose canonical texts have
equal digests are skipped unread; the others are read as their models hold
them (`view.py`: JSON data, objects told apart by their `kind`, decimals as
`Decimal`) and compared.
Each change carries a location key (see `locate.py`) on the side where the
thing exists: the new spec, or the old one for removals.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..records import field, record
from .index import IrIndex, from_data

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from typing import Any

    from ..ir import model as ir

AUTH_RANK = {"public": 0, "user": 1}  # any guard ranks 2
TIER_RANK = {"exact": 0, "partial": 1, "global": 2}
# Widenings a primitive survives, per direction: (old, new).
_WIDER_IN = {("int", "float")}
_WIDER_OUT = {("float", "int")}

Key = tuple[str, ...]


@record
class Change:
    code: str
    fields: dict[str, object]
    side: str  # "new" | "old": which spec the location key points into
    key: Key
    location: tuple[str, int, int] | None = None  # path, line, column (1-based)
    acknowledged: str | None = None  # the reason, when a reviewer acknowledged it
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        """What the change is about, as acknowledgements name it: `fn`, `fn.param`."""
        if len(self.key) >= 4:
            return f"{self.key[1]}.{self.key[3]}"
        return self.key[1] if len(self.key) > 1 else self.key[0]


def compare(old: IrIndex | ir.Workspace, new: IrIndex | ir.Workspace) -> list[Change]:
    """Every change from `old` to `new` (unsorted; the report orders them).
    Raises `index.IrError` when a compared declaration is not valid IR."""
    old, new = index_of(old), index_of(new)
    found: list[Change] = []
    add = found.append
    if old.head != new.head:
        _auth(old.auth(), new.auth(), add)
    _named_types(old, new, add)
    _contexts(old, new, add)
    _functions(old, new, add)
    _models(old, new, add)
    _forms(old, new, add)
    return found


def index_of(side: IrIndex | ir.Workspace) -> IrIndex:
    if isinstance(side, IrIndex):
        return side
    import json

    return from_data(json.loads(side.model_dump_json()), valid=True)


def _split(old: IrIndex, new: IrIndex, section: str) -> tuple[list[str], list[str], list[str]]:
    """Names removed, added, and changed (`IrIndex.same`) in one section."""
    olds, news = old.names(section), new.names(section)
    changed = old.changed(new, section)
    return sorted(olds.keys() - news.keys()), sorted(news.keys() - olds.keys()), sorted(changed)


# --- types and directions ------------------------------------------------------


def _by_name(items: Iterable) -> dict:
    return {item.name: item for item in items}


def type_text(ref: Any) -> str:
    """The canonical spelling of a type (its JSON data), e.g. `map<str,list<Profile>>?`."""
    kind = ref.kind
    if kind in ("primitive", "named"):
        return ref.name
    if kind == "list":
        return f"list<{type_text(ref.item)}>"
    if kind == "map":
        return f"map<str,{type_text(ref.value)}>"
    if kind == "nullable":
        return type_text(ref.inner) + "?"
    return "Upload"


def accepts(old: Any, new: Any, direction: str) -> bool:
    """Whether type `new` is compatible with `old` (their JSON data) for data
    going `direction`: "in" (clients send it: new must accept every old value)
    or "out" (clients read it: new values must be readable as old ones)."""
    if old == new:
        return True
    old_null, new_null = old.kind == "nullable", new.kind == "nullable"
    if old_null or new_null:
        if old_null and new_null:
            return accepts(old.inner, new.inner, direction)
        if direction == "in" and new_null:
            return accepts(old, new.inner, direction)
        if direction == "out" and old_null:
            return accepts(old.inner, new, direction)
        return False
    if old.kind != new.kind:
        return False
    if old.kind == "list":
        return accepts(old.item, new.item, direction)
    if old.kind == "map":
        return accepts(old.value, new.value, direction)
    if old.kind == "primitive":
        return (old.name, new.name) in (_WIDER_IN if direction == "in" else _WIDER_OUT)
    return False


def _compatible(old: ir.TypeRef, new: ir.TypeRef, directions: Iterable[str]) -> bool:
    return all(accepts(old, new, direction) for direction in directions)


def _used(old: IrIndex, new: IrIndex) -> dict[str, set[str]]:
    """Type name -> the directions it travels in, on either side."""
    found: dict[str, set[str]] = {}
    for side in (old, new):
        for name, ways in side.directions().items():
            found.setdefault(name, set()).update(ways)
    return found


def _required(param: ir.Param | ir.RecordField) -> bool:
    return param.default is None and param.type.kind != "nullable"


# --- auth ------------------------------------------------------------------------


def _auth_rank(level: str) -> int:
    return AUTH_RANK.get(level, 2)


def _auth_change(what: str, name: str, old: str, new: str, key: Key, add) -> None:
    if old == new:
        return
    fields = {"what": what, "name": name, "old": old, "new": new}
    if _auth_rank(new) < _auth_rank(old):
        add(Change("B301", fields, "new", key))
    else:
        add(Change("B116", fields, "new", key))


def _auth(old: ir.Auth, new: ir.Auth, add) -> None:
    for label, attr in (("access token", "access_ttl"), ("refresh token", "refresh_ttl")):
        before, after = getattr(old.jwt, attr), getattr(new.jwt, attr)
        if after > before:
            add(Change("B305", {"what": label, "name": attr, "old": before, "new": after},
                       "new", ("auth", "jwt")))
    olds, news = _by_name(old.guards), _by_name(new.guards)
    for name in olds.keys() - news.keys():
        add(Change("B207", {"name": name}, "old", ("guard", name)))
    for name in news.keys() - olds.keys():
        add(Change("B405", {"kind": "guard", "name": name}, "new", ("guard", name)))
    for name in olds.keys() & news.keys():
        before, after = olds[name], news[name]
        if (before.claim, before.value) != (after.claim, after.value):
            add(Change("B308", {"name": name, "old": _claim(before), "new": _claim(after)},
                       "new", ("guard", name)))


def _claim(guard: ir.Guard) -> str:
    return f"{guard.claim}" if guard.value is None else f"{guard.claim}={guard.value}"


# --- types, enums, shapes ------------------------------------------------------------


def _named_types(old: IrIndex, new: IrIndex, add) -> None:
    def table(index: IrIndex) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for kind, section in (("type", "types"), ("enum", "enums"), ("shape", "shapes")):
            for name in index.names(section):
                found[name] = (kind, section)
        return found

    olds, news = table(old), table(new)
    used: dict[str, set[str]] | None = None  # read only when a record changed
    for name in sorted(olds.keys() | news.keys()):
        before, after = olds.get(name), news.get(name)
        same_kind = before is not None and after is not None and before[0] == after[0]
        if before is not None and not same_kind:
            add(Change("B103", {"kind": before[0], "name": name}, "old", ("type", name)))
        if after is not None and not same_kind:
            add(Change("B403", {"kind": after[0], "name": name}, "new", ("type", name)))
        if not same_kind:
            continue
        kind, section = before
        if old.same(new, section, name):
            continue
        was, now = old.model(section, name), new.model(section, name)
        if kind == "type":
            if used is None:
                used = _used(old, new)
            _record(was, now, used.get(name) or {"in", "out"}, add)
        elif kind == "enum":
            _enum(was, now, add)
        else:
            _shape(was, now, add)


def _record(old: ir.Record, new: ir.Record, used: set[str], add) -> None:
    olds, news = _by_name(old.fields), _by_name(new.fields)
    for field_ in old.fields:
        if field_.name not in news:
            add(Change("B104", {"name": field_.name, "owner": old.name}, "old",
                       ("type", old.name, "field", field_.name)))
    for field_ in new.fields:
        key = ("type", new.name, "field", field_.name)
        before = olds.get(field_.name)
        if before is None:
            if "in" in used and _required(field_):
                add(Change("B115", {"name": field_.name, "owner": new.name}, "new", key))
            else:
                add(Change("B404", {"what": "field", "name": field_.name, "owner": new.name},
                           "new", key))
        elif not _compatible(before.type, field_.type, used):
            add(Change("B111", {"name": field_.name, "owner": new.name,
                                "old": type_text(before.type),
                                "new": type_text(field_.type)}, "new", key))


def _enum(old: ir.Enum, new: ir.Enum, add) -> None:
    olds = {m.name for m in old.members}
    news = {m.name for m in new.members}
    for member in old.members:
        if member.name not in news:
            add(Change("B105", {"name": member.name, "owner": old.name}, "old",
                       ("type", old.name, "member", member.name)))
    for member in new.members:
        if member.name not in olds:
            add(Change("B404", {"what": "member", "name": member.name, "owner": new.name},
                       "new", ("type", new.name, "member", member.name)))


def _shape(old: ir.Shape, new: ir.Shape, add) -> None:
    olds, news = _by_name(old.fields), _by_name(new.fields)
    for name in olds.keys() - news.keys():
        add(Change("B122", {"name": name, "owner": old.name}, "old",
                   ("type", old.name, "field", name)))
    for name in news.keys() - olds.keys():
        add(Change("B404", {"what": "field", "name": name, "owner": new.name}, "new",
                   ("type", new.name, "field", name)))


# --- contexts ----------------------------------------------------------------------


def _key_text(params: list[ir.Param]) -> str:
    return "(" + ", ".join(f"{p.name} {type_text(p.type)}" for p in params) + ")"


def _contexts(old: IrIndex, new: IrIndex, add) -> None:
    removed, added, changed = _split(old, new, "contexts")
    for name in removed:
        add(Change("B102", {"name": name}, "old", ("context", name)))
    for name in added:
        add(Change("B402", {"name": name}, "new", ("context", name)))
    for name in changed:
        before, after = old.model("contexts", name), new.model("contexts", name)
        if before == after:
            continue
        if before.params != after.params:
            add(Change("B113", {"name": name, "old": _key_text(before.params),
                                "new": _key_text(after.params)}, "new",
                       ("context", name, "param")))
        _auth_change("context", name, before.auth, after.auth, ("context", name, "auth"), add)
        if before.cache.vary == "identity" and after.cache.vary == "public":
            add(Change("B302", {"name": name}, "new", ("context", name, "cache")))
        if after.cache.ttl > before.cache.ttl:
            add(Change("B305", {"what": f"context '{name}' cache", "name": name,
                                "old": before.cache.ttl, "new": after.cache.ttl}, "new",
                       ("context", name, "cache")))


# --- functions ---------------------------------------------------------------------


def _functions(old: IrIndex, new: IrIndex, add) -> None:
    removed, added, changed = _split(old, new, "functions")
    for name in removed:
        add(Change("B101", {"name": name}, "old", ("function", name)))
    for name in added:
        add(Change("B401", {"name": name}, "new", ("function", name)))
    for name in changed:
        before, after = old.model("functions", name), new.model("functions", name)
        if before != after:
            _function(before, after, add)


def _function(old: ir.Function, new: ir.Function, add) -> None:
    name = new.name
    if old.kind != new.kind:
        add(Change("B114", {"name": name, "old": old.kind, "new": new.kind}, "new",
                   ("function", name, "kind")))
    _params(old, new, add)
    if old.returns != new.returns and (
            new.returns is None
            or (old.returns is not None and not accepts(old.returns, new.returns, "out"))):
        add(Change("B112", {"name": name, "old": _returns(old.returns),
                                "new": _returns(new.returns)}, "new",
                       ("function", name, "returns")))
    _auth_change("function", name, old.auth, new.auth, ("function", name, "auth"), add)
    if old.websocket and not new.websocket:
        add(Change("B118", {"name": name}, "new", ("function", name)))
    elif new.websocket and not old.websocket:
        add(Change("B307", {"name": name}, "new", ("function", name, "websocket")))
    if old.kind == new.kind == "query" and old.context != new.context:
        add(Change("B121", {"name": name, "old": _place(old.context),
                            "new": _place(new.context)}, "new", ("function", name, "context")))
    if old.kind == new.kind == "mutation":
        _invalidations(old, new, add)


def _returns(ref: ir.TypeRef | None) -> str:
    return "nothing" if ref is None else type_text(ref)


def _place(context: str | None) -> str:
    return "no context" if context is None else f"context '{context}'"


def _params(old: ir.Function, new: ir.Function, add) -> None:
    name = new.name
    olds, news = _by_name(old.params), _by_name(new.params)
    for param in old.params:
        if param.name not in news:
            add(Change("B107", {"name": param.name, "owner": name}, "old",
                       ("function", name, "param", param.name)))
    for param in new.params:
        key = ("function", name, "param", param.name)
        fields = {"name": param.name, "owner": name}
        before = olds.get(param.name)
        if before is None:
            if _required(param):
                add(Change("B108", fields, "new", key))
            else:
                add(Change("B404", {"what": "param", **fields}, "new", key))
            continue
        if before == param:
            continue
        if not accepts(before.type, param.type, "in"):
            add(Change("B110", {**fields, "old": type_text(before.type),
                                "new": type_text(param.type)}, "new", key))
        elif _required(param) and not _required(before):
            add(Change("B109", fields, "new", key))
        if param.type.kind == before.type.kind == "upload":
            _upload(before, param, fields, key, add)
    kept_old = [p.name for p in old.params if p.name in news]
    kept_new = [p.name for p in new.params if p.name in olds]
    if kept_old != kept_new:
        add(Change("B201", {"name": name, "old": ", ".join(kept_old),
                            "new": ", ".join(kept_new)}, "new", ("function", name)))


def _upload(old: ir.Param, new: ir.Param, fields: dict, key: Key, add) -> None:
    less: list[str] = []
    more: list[str] = []
    if old.max_size != new.max_size:
        if new.max_size is None:
            more.append(f"max-size {old.max_size} -> the server-wide limit")
        elif old.max_size is None or new.max_size < old.max_size:
            less.append(f"max-size {old.max_size or 'server-wide'} -> {new.max_size}")
        else:
            more.append(f"max-size {old.max_size} -> {new.max_size}")
    before, after = set(old.content_types), set(new.content_types)
    if before != after:
        if not after:
            more.append("any content type")
        else:
            if not before or before - after:
                gone = sorted(before - after) if before else ["any other type"]
                less.append("content types no longer accepted: " + ", ".join(gone))
            if before and after - before:
                more.append("new content types: " + ", ".join(sorted(after - before)))
    if less:
        add(Change("B117", {**fields, "detail": "; ".join(less)}, "new", key))
    if more:
        add(Change("B306", {**fields, "detail": "; ".join(more)}, "new", key))


def _invalidations(old: ir.Function, new: ir.Function, add) -> None:
    before = {inv.context: inv for inv in old.invalidates}
    after = {inv.context: inv for inv in new.invalidates}
    if before and not after:
        add(Change("B304", {"name": new.name, "old": ", ".join(sorted(before))}, "new",
                   ("function", new.name, "affects")))
        return
    less: list[str] = []
    for context in sorted(before):
        gone = after.get(context)
        if gone is None:
            less.append(f"no longer '{context}'")
        elif TIER_RANK[gone.tier] < TIER_RANK[before[context].tier]:
            less.append(f"'{context}' {before[context].tier} -> {gone.tier}")
    if less:
        add(Change("B303", {"name": new.name, "detail": "; ".join(less)}, "new",
                   ("function", new.name, "affects")))


# --- models ------------------------------------------------------------------------


def _models(old: IrIndex, new: IrIndex, add) -> None:
    removed, added, changed = _split(old, new, "models")
    for name in removed:
        add(Change("B202", {"name": name}, "old", ("model", name)))
    for name in added:
        add(Change("B405", {"kind": "model", "name": name}, "new", ("model", name)))
    for name in changed:
        before, after = old.model("models", name), new.model("models", name)
        if before == after:
            continue
        if before.table != after.table:
            add(Change("B206", {"name": name, "old": before.table, "new": after.table}, "new",
                       ("model", name, "table")))
        _members(before.columns, after.columns, "column", name, "B203", add,
                 changed=_column_change)
        _members(before.relations, after.relations, "relation", name, "B205", add,
                 changed=_relation_change)


def _members(olds: list, news: list, what: str, owner: str, removed: str, add, *,
             changed) -> None:
    old_by, new_by = _by_name(olds), _by_name(news)
    for item in olds:
        if item.name not in new_by:
            add(Change(removed, {"name": item.name, "owner": owner}, "old",
                       ("model", owner, what, item.name)))
    for item in news:
        key = ("model", owner, what, item.name)
        before = old_by.get(item.name)
        if before is None:
            add(Change("B405", {"kind": what, "name": f"{owner}.{item.name}"}, "new", key))
        elif before != item:
            detail = changed(before, item)
            if detail:
                add(Change("B204", {"name": item.name, "owner": owner, "detail": detail},
                           "new", key))


def _column_change(old: ir.Column, new: ir.Column) -> str:
    parts = []
    if old.type != new.type:
        parts.append(f"type {type_text(old.type)} -> {type_text(new.type)}")
    for flag in ("primary", "unique"):
        if getattr(old, flag) != getattr(new, flag):
            parts.append(f"{flag} {str(getattr(old, flag)).lower()} -> "
                         f"{str(getattr(new, flag)).lower()}")
    if old.get("scale") != new.get("scale"):  # left out of the JSON when not declared
        parts.append(f"scale {old.get('scale')} -> {new.get('scale')}")
    return "; ".join(parts)


def _relation_change(old: ir.Relation, new: ir.Relation) -> str:
    parts = []
    if old.to != new.to:
        parts.append(f"to {old.to} -> {new.to}")
    if old.many != new.many:
        parts.append(f"many {str(old.many).lower()} -> {str(new.many).lower()}")
    return "; ".join(parts)


# --- forms -------------------------------------------------------------------------


def _forms(old: IrIndex, new: IrIndex, add) -> None:
    removed, added, changed = _split(old, new, "forms")
    for name in removed:
        add(Change("B106", {"name": name}, "old", ("form", name)))
    for name in added:
        add(Change("B405", {"kind": "form", "name": name}, "new", ("form", name)))
    for name in changed:
        before, after = old.model("forms", name), new.model("forms", name)
        if before == after:
            continue
        fields_old, fields_new = _by_name(before.fields), _by_name(after.fields)
        for field_ in before.fields:
            if field_.name not in fields_new:
                add(Change("B119", {"name": field_.name, "owner": name}, "old",
                           ("form", name, "field", field_.name)))
        for field_ in after.fields:
            key = ("form", name, "field", field_.name)
            was = fields_old.get(field_.name)
            if was is None:
                add(Change("B404", {"what": "form field", "name": field_.name, "owner": name},
                           "new", key))
                continue
            detail = _tightened(was, field_)
            if detail:
                add(Change("B120", {"name": field_.name, "owner": name, "detail": detail},
                           "new", key))


def _tightened(old: ir.FormField, new: ir.FormField) -> str:
    parts = []
    if old.type != new.type and not accepts(old.type, new.type, "in"):
        parts.append(f"type {type_text(old.type)} -> {type_text(new.type)}")
    a, b = old.validators, new.validators
    if b.required and not a.required:
        parts.append("now required")
    for name, stricter in (("min", _gt), ("min_length", _gt), ("max", _lt), ("max_length", _lt)):
        before, after = getattr(a, name), getattr(b, name)
        if after is not None and (before is None or stricter(after, before)):
            parts.append(f"{name.replace('_', '-')} {_shown(before)} -> {after}")
    if b.pattern is not None and b.pattern != a.pattern:
        parts.append(f"pattern {_shown(a.pattern)} -> {b.pattern}")
    return "; ".join(parts)


def _shown(value: object) -> str:
    return "none" if value is None else str(value)


def _gt(after: object, before: object) -> bool:
    try:
        return after > before  # type: ignore[operator]
    except TypeError:
        return after != before


def _lt(after: object, before: object) -> bool:
    try:
        return after < before  # type: ignore[operator]
    except TypeError:
        return after != before
