"""Global tables kept between checks and patched file by file.

`SymbolTables` holds every declared name (first declaration wins) with the
duplicate (M150) and case-collision (M154) reports; a check patches it with
the files whose declarations changed and learns which names changed.
`SortedTable` merges per-file contributions (function kinds, effective auth,
scopings) into one table sorted by key, re-sorting only when keys changed.
Both hand out `SortedMap`s: read-only snapshots that iterate in key order.
"""

from __future__ import annotations

import bisect
from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from operator import itemgetter

from ..decls import FileDecls
from ..diagnostics import Diagnostic, Related, make
from .result import KINDS, Symbol

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from typing import Any

# decls attribute -> (namespace, symbol kind)
TOP_LEVEL = (
    ("types", "type", "type"),
    ("enums", "type", "enum"),
    ("shapes", "type", "shape"),
    ("contexts", "context", "context"),
    ("functions", "function", "function"),
    ("models", "model", "model"),
    ("forms", "form", "form"),
)

_MISSING = object()


class SortedMap(Mapping):
    """A read-only mapping that iterates in key order: a snapshot of a table
    the checker keeps patching. A real dict in key order would have to be
    rebuilt key by key whenever a name is added or renamed (~2 ms at 10,000
    names, four tables per keystroke); this is a copy of the table (copied
    in C) and of its sorted key list."""

    __slots__ = ("_items", "_keys", "_values")

    def __init__(self, items: dict | None = None, keys: list | None = None) -> None:
        self._items = {} if items is None else items  # must not change after this
        self._keys = sorted(self._items) if keys is None else keys  # sorted, never changed
        self._values: list | None = None  # in key order, made when first iterated

    def ordered_values(self) -> list:
        """The values in key order (kept: a snapshot is read again and again)."""
        if self._values is None:
            self._values = list(map(self._items.__getitem__, self._keys))
        return self._values

    def __getitem__(self, key: Any) -> Any:
        return self._items[key]

    def get(self, key: Any, default: Any = None) -> Any:
        return self._items.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Any:
        return iter(self._keys)

    def __reversed__(self) -> Any:
        return reversed(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def keys(self) -> KeysView:
        return _Keys(self)

    def items(self) -> ItemsView:
        return _Items(self)

    def values(self) -> ValuesView:
        return _Values(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SortedMap):
            return self._items == other._items
        if isinstance(other, dict):
            return self._items == other
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # like a dict's

    def __repr__(self) -> str:
        return f"SortedMap({dict(self.items())!r})"

    def __reduce__(self) -> tuple:
        return SortedMap, (self._items, self._keys)


class _Keys(KeysView):
    __slots__ = ()

    def __iter__(self) -> Any:
        return iter(self._mapping._keys)


class _Items(ItemsView):
    __slots__ = ()

    def __iter__(self) -> Any:
        return zip(self._mapping._keys, self._mapping.ordered_values())


class _Values(ValuesView):
    __slots__ = ()

    def __iter__(self) -> Any:
        return iter(self._mapping.ordered_values())


class SortedView:
    """A table sorted by key, handed out as a new `SortedMap` after each change
    (an earlier one may still be in use) without sorting everything again."""

    def __init__(self) -> None:
        self.keys: list = []  # replaced, never changed in place: a SortedMap holds it
        self.view = SortedMap()
        self.added: set = set()
        self.removed: set = set()
        self.values: set = set()
        self.resort = False  # every key may be new: sort them all

    def add(self, key: Any) -> None:
        if key in self.removed:
            self.removed.discard(key)
            self.values.add(key)
        else:
            self.added.add(key)

    def add_all(self, keys: Any) -> None:
        if self.removed:
            for key in keys:
                self.add(key)
        else:
            self.added.update(keys)

    def remove(self, key: Any) -> None:
        if key in self.added:
            self.added.discard(key)
        else:
            self.values.discard(key)
            self.removed.add(key)

    def set(self, key: Any) -> None:
        if key not in self.added:
            self.values.add(key)

    def build(self, items: dict) -> SortedMap:
        """A snapshot of `items`, whose changes since the last one were all told
        (`add`, `remove`, `set`)."""
        if not (self.resort or self.added or self.removed or self.values):
            return self.view
        if self.resort or len(self.added) + len(self.removed) > 64:
            self.keys = sorted(items)
            fresh = dict(items)
        else:
            if self.added or self.removed:
                keys = self.keys.copy()
                for key in self.removed:
                    del keys[bisect.bisect_left(keys, key)]
                for key in self.added:
                    bisect.insort(keys, key)
                self.keys = keys
            if self.removed:  # `items` had keys deleted: copied key by key (~0.3 ms at 10k)
                fresh = dict(items)
            else:  # the last snapshot has no deleted keys: copied at once (~0.03 ms)
                fresh = dict(self.view._items)
                for key in (*self.added, *self.values):
                    fresh[key] = items[key]
        self.view = SortedMap(fresh, self.keys)
        self.added, self.removed, self.values = set(), set(), set()
        self.resort = False
        return self.view


def declared(decls: FileDecls) -> list[tuple[str, str, str, Any]]:
    """(namespace, kind, name, decl) of one file, in source order of the names."""
    found = [(decl.name.span.start, namespace, kind, decl)
             for attr, namespace, kind in TOP_LEVEL for decl in getattr(decls, attr)]
    found += [(guard.name.span.start, "guard", "guard", guard)
              for block in decls.auth for guard in block.guards]
    found.sort(key=_FIRST)  # stable: ties keep the kinds' order
    return [(namespace, kind, decl.name.text, decl) for _, namespace, kind, decl in found]


_FIRST = itemgetter(0)


def _differing(old: list, new: list) -> set[tuple[str, str]]:
    """The (namespace, name) of the declarations between the first and the
    last that differ (an edit replaces one run of declarations)."""
    size = min(len(old), len(new))
    head = 0
    while head < size and old[head][3] is new[head][3]:
        head += 1
    tail = 0
    while tail < size - head and old[-1 - tail][3] is new[-1 - tail][3]:
        tail += 1
    return {(namespace, name) for namespace, _, name, _ in
            (*old[head:len(old) - tail], *new[head:len(new) - tail])}


def fold(name: str) -> str:
    """What survives every case conversion: letters and digits, case-folded."""
    return name.replace("_", "").casefold()


def _order(entry: tuple[str, str, str, Any]) -> tuple[str, int]:
    """Where a declaration is: its file, then its name's offset (now: spans move with edits)."""
    return entry[1], entry[3].name.span.start


class SymbolTables:
    def __init__(self) -> None:
        self.files: dict[str, tuple[FileDecls, list]] = {}  # unit -> (decls, declared)
        # (namespace, name) -> [(unit, path, kind, decl)], in source order
        self.entries: dict[tuple[str, str], list[tuple[str, str, str, Any]]] = {}
        self.symbols: dict[str, dict[str, Symbol]] = {kind: {} for kind in KINDS}
        self.duplicates: dict[tuple[str, str], list[Diagnostic]] = {}
        self.folds: dict[tuple[str, str], set[str]] = {}
        self.collisions: dict[tuple[str, str], list[Diagnostic]] = {}
        self._sorted = {kind: SortedView() for kind in KINDS}

    def update(self, units: list[tuple[str, str, FileDecls]], changed: set | None) -> None:
        """Patch the tables with `units` (the whole workspace: (unit, path,
        declarations), see `state.units_of`); add the keys of the names whose
        symbol changed to `changed` (None: nothing will read them)."""
        if not self.files:
            self._build(units, changed)
            return
        if changed is None:
            changed = set()
        touched: set[tuple[str, str]] = set()
        rewritten: dict[str, tuple[str, list]] = {}  # unit -> (path, its new declared list)
        alive = {unit for unit, _, _ in units}
        for unit in [unit for unit in self.files if unit not in alive]:
            old = self.files.pop(unit)[1]
            touched.update((namespace, name) for namespace, _, name, _ in old)
            rewritten[unit] = ("", [])
        for unit, path, decls in units:
            previous = self.files.get(unit)
            if previous is not None and previous[0] is decls:
                continue
            new = declared(decls)
            old = previous[1] if previous is not None else []
            self.files[unit] = (decls, new)
            names = _differing(old, new)
            if names:
                touched |= names
                rewritten[unit] = (path, new)
        if not touched:
            return
        # The rewritten units' entries of every touched name.
        mine: dict[tuple[str, str], list[tuple[str, str, str, Any]]] = {}
        for unit, (path, new) in rewritten.items():
            for namespace, kind, name, decl in new:
                if (namespace, name) in touched:
                    mine.setdefault((namespace, name), []).append((unit, path, kind, decl))
        groups: set[tuple[str, str]] = set()
        for key in touched:
            namespace, name = key
            before = self.entries.get(key)
            if before:
                entries = [entry for entry in before if entry[0] not in rewritten]
                entries += mine.get(key, ())
            else:  # a new name (every name of a first check)
                entries = mine.get(key) or []
            if len(entries) > 1:
                entries.sort(key=_order)
            table = self.symbols[namespace]
            old = table.get(name)
            if entries:
                self.entries[key] = entries
                _, path, kind, decl = entries[0]
                if old is None or old.decl is not decl or old.path != path or old.kind != kind:
                    table[name] = Symbol(kind, name, path, decl.name.span, decl)
            else:
                self.entries.pop(key, None)
                table.pop(name, None)
            symbol = table.get(name)
            if symbol is not old:
                changed.add(("sym", namespace, name))
                changed.add(("names", namespace))
                view = self._sorted[namespace]
                if old is None:
                    view.add(name)
                elif symbol is None:
                    view.remove(name)
                else:
                    view.set(name)
                group = (namespace, fold(name))
                members = self.folds.get(group)
                if members is None:
                    members = self.folds[group] = set()
                members.add(name) if symbol is not None else members.discard(name)
                if not members:
                    del self.folds[group]
                groups.add(group)
            # (Only where there is or was a report: most names have neither.)
            if len(entries) > 1 or key in self.duplicates:
                self._report_duplicates(key, entries)
        folds, collisions = self.folds, self.collisions
        for group in groups:
            if len(folds.get(group, ())) > 1 or group in collisions:
                self._report_collisions(group)

    def _build(self, units: list[tuple[str, str, FileDecls]], changed: set | None) -> None:
        """`update` of empty tables: every name is new, so walking the units in
        order (paths sorted, a file's segments and names in source order, as
        `_order` sorts) gives each name's entries already sorted."""
        files, entries, symbols = self.files, self.entries, self.symbols
        repeated: dict[tuple[str, str], None] = {}
        for unit, path, decls in units:
            found = declared(decls)
            files[unit] = (decls, found)
            for namespace, kind, name, decl in found:
                table = symbols[namespace]
                if name in table:
                    key = (namespace, name)
                    entries[key].append((unit, path, kind, decl))
                    repeated[key] = None
                else:
                    table[name] = Symbol(kind, name, path, decl.name.span, decl)
                    entries[(namespace, name)] = [(unit, path, kind, decl)]
        for key in repeated:
            self._report_duplicates(key, entries[key])
        folds = self.folds
        clashing = []
        for namespace, table in symbols.items():
            self._sorted[namespace].resort = True
            if table and changed is not None:
                changed.add(("names", namespace))
                changed.update([("sym", namespace, name) for name in table])
            for name in table:
                group = (namespace, name.replace("_", "").casefold())  # fold(name)
                members = folds.get(group)
                if members is None:
                    folds[group] = {name}
                else:
                    members.add(name)
                    clashing.append(group)
        for group in dict.fromkeys(clashing):
            self._report_collisions(group)

    def _report_duplicates(self, key: tuple[str, str], entries: list) -> None:
        if len(entries) < 2:
            self.duplicates.pop(key, None)
            return
        first = self.symbols[key[0]][key[1]]
        article = "an" if first.kind[0] in "aeiou" else "a"
        self.duplicates[key] = [
            make("M150", decl.name.span, path=path, name=key[1], kind=f"{article} {first.kind}",
                 related=[Related(first.path, first.span, "first declared here")])
            for _, path, _, decl in entries[1:]]

    def _report_collisions(self, group: tuple[str, str]) -> None:
        names = self.folds.get(group, ())
        if len(names) < 2:
            self.collisions.pop(group, None)
            return
        table = self.symbols[group[0]]
        members = sorted((table[name] for name in names), key=lambda s: (s.path, s.span.start))
        first = members[0]
        self.collisions[group] = [
            make("M154", symbol.span, path=symbol.path, name=symbol.name, other=first.name,
                 related=[Related(first.path, first.span, "the other name")])
            for symbol in members[1:] if symbol.name != first.name]

    def diagnostics(self) -> list[Diagnostic]:
        found = [d for found in self.duplicates.values() for d in found]
        found += [d for found in self.collisions.values() for d in found]
        return found

    def sorted_symbols(self) -> dict[str, SortedMap]:
        """kind -> name -> Symbol, sorted by name (new snapshots only where something changed)."""
        return {kind: self._sorted[kind].build(self.symbols[kind]) for kind in KINDS}


class SortedTable:
    """A table merged from per-file contributions; each key comes from one file
    at a time (the file of the first declaration of a name)."""

    def __init__(self, fact: str | None = None) -> None:
        self.fact = fact  # when set, a changed key `k` is the changed fact (fact, k)
        self.items: dict[Any, Any] = {}
        self.owner: dict[Any, str] = {}
        self.by_path: dict[str, dict] = {}
        self._sorted = SortedView()

    def update(self, path: str, contribution: dict) -> list:
        """Replace `path`'s contribution; return the keys whose value changed."""
        old = self.by_path.get(path, {})
        if not old and self.items.keys().isdisjoint(contribution):
            # New keys only (every key of a first check): nothing to compare.
            if contribution:
                self.items.update(contribution)
                self.owner.update(dict.fromkeys(contribution, path))
                self._sorted.add_all(contribution)
                self.by_path[path] = contribution
            return list(contribution)
        if old == contribution:
            if contribution:
                self.by_path[path] = contribution
            return []
        changed = []
        for key in old:
            if key not in contribution and self.owner.get(key) == path:
                del self.items[key]
                del self.owner[key]
                changed.append(key)
                self._sorted.remove(key)
        for key, value in contribution.items():
            current = self.items.get(key, _MISSING)
            if current is _MISSING or current != value or self.owner[key] != path:
                if current is _MISSING:
                    self._sorted.add(key)
                else:
                    self._sorted.set(key)
                self.items[key] = value
                self.owner[key] = path
                changed.append(key)
        if contribution:
            self.by_path[path] = contribution
        else:
            self.by_path.pop(path, None)
        return changed

    def forget(self, alive: set[str]) -> list:
        """Drop the contributions of files no longer in the workspace (a
        contribution's owner is a path, or a tuple ending with one); return
        the keys whose value changed."""
        changed = []
        for owner in [owner for owner in self.by_path
                      if (owner if isinstance(owner, str) else owner[-1]) not in alive]:
            changed += self.update(owner, {})
        return changed

    def sorted(self) -> SortedMap:
        return self._sorted.build(self.items)
