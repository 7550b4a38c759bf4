"""The checker's working state: declarations, symbol tables, the report, and
what an editor session keeps between checks.

Files are visited in sorted path order and declarations in source order, so
"the first declaration" of a duplicated name means the same thing on every
run, and every table the checker builds is independent of how the
declarations happen to be split across files.

Incremental checking. Every pass works unit by unit (`file_pass`), and inside
a unit declaration by declaration (`memo`). A unit is a file, or, for a file an
editor session cut into segments (runs of top-level declarations, see
`kdl/incremental.py`), one segment: editing one declaration of a large file
then walks only its segment and the units that read a fact it changed. While one runs, every global fact
it reads is recorded as a key: ("sym", namespace, name) for a symbol lookup,
("names", namespace) for a look at all names of a namespace (did-you-mean),
("rtypes", namespace, name) for the resolved types of a declaration, and a
few more (auth levels, context membership). A check starts by patching the
symbol tables with the files that changed (`tables.SymbolTables`), which says
which keys changed; each pass adds the keys whose facts it changed. A file is
walked again only when its declarations changed or it read a changed key, and
in a walked unit a declaration replays its last diagnostics and value unless
it changed or read a changed key. A check without a cache runs the same
passes through `plain.PlainState`, which records nothing and keeps nothing;
tests/test_check_incremental.py holds both to the same result after random
edits, tests/test_check_plain.py on every spec of the repository.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..decls import FileDecls
from ..diagnostics import Diagnostic, Related, make
from ..source import Span
from .result import KINDS, Symbol
from .suggest import closest
from .tables import SortedTable, SymbolTables

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from typing import Any


def cover(first: Span, last: Span) -> Span:
    """`first.cover(last)` that moves with its text like its parts do: a cached
    diagnostic keeps the span while an edit above shifts the declaration."""
    span = first.cover(last)
    anchor = first.anchor
    if anchor is not None and last.anchor is anchor:
        span = Span(span.start - anchor.base, span.end - anchor.base)
        span.anchor = anchor
    return span


_NONE: frozenset = frozenset()  # no diagnostics (shared by most units)

# Dependency keys are interned per cache: thousands of units read the same facts
# (("sym", "type", "Order"), ...). A lookup takes the shared key from a table by
# name, so a unit's keys are shared as they are read. Past this many distinct
# keys the tables start afresh (kept keys stay shared; only new ones are not).
_MAX_INTERNED = 1 << 18
_NAMES_KEYS = {kind: ("names", kind) for kind in KINDS}  # a look at all names of a namespace


# A unit, one declaration's work in one pass, is the tuple (declaration, the
# keys it read, its diagnostics, its value): a tuple is made in a few hundred
# instructions, an object of a class in ~2,000 (there are tens of thousands).
# Its keys are a tuple too (a frozenset of a few keys costs ~4x the memory).
Unit = tuple
DECL, DEPS, DIAGNOSTICS, VALUE = range(4)


class FilePass:
    """One file's results in one pass (the `summary` is the pass's own)."""

    __slots__ = ("decls", "deps", "diagnostics", "stale", "summary", "units")

    def __init__(self, decls: FileDecls, units: dict[str, dict[int, Unit]], deps: frozenset,
                 diagnostics: list[Diagnostic], summary: object, stale: int) -> None:
        self.decls = decls
        self.units = units  # task -> id() of the declaration -> its unit (None: see per_file.py)
        self.deps = deps  # every key its units read (and maybe a few more: `stale`)
        self.diagnostics = diagnostics
        self.summary = summary
        self.stale = stale  # units re-run since `deps` was last computed exactly


class CheckCache:
    """Everything kept between checks of one editor session (see the module doc)."""

    def __init__(self, per_file: bool = False) -> None:
        # `per_file`: its first check keeps records per file only (see per_file.py).
        self.per_file = per_file
        self.clear()

    def clear(self) -> None:
        """Forget everything (after a check that did not finish)."""
        self.tables = SymbolTables()
        self.passes: dict[tuple[str, str], FilePass] = {}
        self.merged: dict[str, SortedTable] = {}
        # id() of a TypeRef -> (the TypeRef, its resolved type); holding the
        # TypeRef keeps its id from being reused while the entry lives.
        self.resolved: dict[int, tuple[Any, Any]] = {}
        self.facts: dict[str, Any] = {}  # small global results of passes (see their modules)
        self.units: list[str] = []
        # Dependency keys, interned (see _MAX_INTERNED): ("sym", kind, name) and
        # ("rtypes", kind, name) by kind and name, any other key by itself.
        self.sym_keys: dict[str, dict[str, tuple]] = {kind: {} for kind in KINDS}
        self.rtype_keys: dict[str, dict[str, tuple]] = {kind: {} for kind in KINDS}
        self.keys: dict[tuple, tuple] = {}

    def trim_keys(self) -> None:
        """Start the key tables afresh once they hold too many keys."""
        tables = [self.keys, *self.sym_keys.values(), *self.rtype_keys.values()]
        if sum(len(table) for table in tables) > _MAX_INTERNED:
            for table in tables:
                table.clear()


def forget_resolved(resolved: dict[int, tuple], decls: FileDecls) -> None:
    """Drop from `resolved` (`CheckCache.resolved`) every TypeRef of `decls`
    that the types pass resolves (see types.py)."""
    refs = [item.type for decl in decls.types for item in decl.fields]
    refs += [param.type for decl in decls.contexts for param in decl.params]
    refs += [param.type for decl in decls.functions for param in decl.params]
    refs += [decl.returns for decl in decls.functions if decl.returns is not None]
    refs += [column.type for decl in decls.models for column in decl.columns]
    for ref in refs:
        entry = resolved.get(id(ref))
        if entry is not None and entry[0] is ref:
            del resolved[id(ref)]


def path_of(unit: str) -> str:
    """The file of a unit (a unit is a path, or a path, NUL and a segment key)."""
    return unit.partition("\0")[0]


def units_of(files: dict[str, FileDecls], segments: dict[str, list] | None
             ) -> list[tuple[str, str, FileDecls]]:
    """(unit, path, declarations) in path order, a file's segments in source order."""
    units = []
    for path in sorted(files):
        split = segments.get(path) if segments else None
        if split is None:
            units.append((path, path, files[path]))
        else:
            units.extend((f"{path}\0{key}", path, decls) for key, decls in split)
    return units


def unchanged(last: dict | None, summaries: dict[str, list]) -> bool:
    """Whether every unit's summary (a list of values its units returned) holds
    the same objects as `last` time: a global result built from them still holds."""
    if last is None or len(last) != len(summaries):
        return False
    for unit, found in summaries.items():
        before = last.get(unit)
        if before is not found and (before is None or len(before) != len(found) or any(
                a is not b for a, b in zip(before, found, strict=True))):
            return False
    return True


class CheckState:
    """The state of a check that records what an editor session's next check
    replays; `plain.PlainState` is the same without the records."""

    keep = True  # units and dependency keys are recorded for the next check

    def __init__(self, files: dict[str, FileDecls], cache: CheckCache | None = None,
                 segments: dict[str, list[tuple[int, FileDecls]]] | None = None) -> None:
        self.cache = cache if cache is not None else CheckCache()
        self.files = files
        self.paths = sorted(files)
        # `segments`: path -> [(key, declarations)] for files checked segment by segment.
        self.units = units_of(files, segments)
        self.unit = ""  # the unit a file pass is walking
        self.diagnostics: list[Diagnostic] = []
        self.changed: set = set()
        self.symbols: dict[str, dict[str, Symbol]] = {kind: {} for kind in KINDS}
        self.scopings: list = []
        self.function_kinds: dict[str, str] = {}
        self.effective_auth: dict[str, str] = {}
        self.suggestions: dict[tuple, str | None] = {}  # see `suggest`
        self.resolve_log: list[tuple[Any, Any]] | None = None  # see types.check_types
        self._deps: set = set()  # the keys read by the work under way
        self.cache.trim_keys()
        self._sym_keys = self.cache.sym_keys
        self._rtype_keys = self.cache.rtype_keys
        # Only a check with records to replay reads which facts changed.
        self.replaying = bool(self.cache.passes)
        self._old_units: dict = {}
        self._new_units: dict = {}
        self._quick = False  # see `file_pass`
        self._collected: list[frozenset | tuple] = []
        self._ran = 0
        self.last_old: Unit | None = None  # see `memo`
        self.old_record: FilePass | None = None  # the last record of the unit `file_pass` walks
        self.last_ran = False
        self.forget_gone_files()

    # --- reporting ---------------------------------------------------------
    def report(self, code: str, path: str, span: Span, *,
               related: list[Related] | None = None,
               data: dict[str, object] | None = None, **fields: object) -> None:
        self.diagnostics.append(make(code, span, path=path, related=related, data=data, **fields))

    # --- incremental work ----------------------------------------------------
    def depend(self, key: tuple) -> None:
        """The work under way read the global fact `key`."""
        self._deps.add(self.cache.keys.setdefault(key, key))

    def file_pass(self, name: str, run: Callable[[CheckState, str, FileDecls], Any]
                  ) -> Iterator[tuple[str, Any, bool]]:
        """`run(state, path, decls)` for every unit, or a replay of its last run.

        Yields (unit, summary, fresh) per unit in order, `fresh` when the unit
        was walked again (its summary may differ from last time's); `path_of`
        gives a unit's file.
        """
        passes = self.cache.passes
        changed = self.changed
        for unit, path, decls in self.units:
            record = passes.get((name, unit))
            if record is not None and record.deps.isdisjoint(changed):
                if record.decls is decls:
                    self.diagnostics.extend(record.diagnostics)
                    yield unit, record.summary, False
                    continue
                # Only some declarations changed, and no unchanged one read a
                # changed fact: those replay without looking at their keys.
                self._quick = True
                self._collected = [record.deps]
            else:
                self._quick = False
                self._collected = []
            self.old_record = record
            self._old_units = (record.units or {}) if record is not None else {}
            self._new_units = units = {}
            self._deps = set()  # read outside the units
            self._ran = 0
            start = len(self.diagnostics)
            self.unit = unit
            summary = run(self, path, decls)
            deps = frozenset(self._deps).union(*self._collected)
            # Quick walks keep the keys of the units they replaced: a superset,
            # so at worst a file is walked once more than needed. Recount now and then.
            stale = record.stale + self._ran if self._quick else 0
            if stale > max(64, sum(map(len, units.values())) // 2):
                deps = frozenset(self._deps).union(*(unit[DEPS] for found in units.values()
                                                     for unit in found.values()))
                stale = 0
            passes[(name, unit)] = FilePass(decls, units, deps, self.diagnostics[start:],
                                            summary, stale)
            self._old_units = self._new_units = {}
            self._deps = set()
            self._collected = []
            yield unit, summary, True

    def memo(self, task: str, decl: object, run: Callable[..., Any], *args: Any) -> Any:
        """`run(*args)` for one declaration, or a replay of its last run.

        `run` must depend only on `decl` and the global facts it reads through
        the state, and affect the state only by reporting diagnostics and
        returning a value (the caller applies it). After the call `last_ran`
        says whether it ran and `last_old` holds the unit it replaced.
        """
        key = id(decl)
        old = self._old_units.get(task)
        unit = old.get(key) if old is not None else None
        if unit is not None and unit[DECL] is not decl:
            unit = None  # another declaration since at the same address
        new = self._new_units.get(task)
        if new is None:
            new = self._new_units[task] = {}
        if unit is not None and (self._quick or self.changed.isdisjoint(unit[DEPS])):
            self.diagnostics.extend(unit[DIAGNOSTICS])
            new[key] = unit
            if not self._quick and unit[DEPS]:
                self._collected.append(unit[DEPS])
            self.last_ran = False
            return unit[VALUE]
        outer = self._deps
        self._deps = set()
        start = len(self.diagnostics)
        try:
            value = run(*args)
        finally:
            deps = tuple(self._deps) if self._deps else ()  # shared keys (see _MAX_INTERNED)
            self._deps = outer
        if deps:
            self._collected.append(deps)
        self._ran += 1
        found = self.diagnostics[start:] if len(self.diagnostics) > start else _NONE
        new[key] = (decl, deps, found, value)
        self.last_old = unit
        self.last_ran = True
        return value

    def dropped_units(self, tasks: frozenset[str]) -> list[Unit]:
        """In a file pass's `run`, after its `memo` calls for `tasks`: the units
        of those tasks that this run did not keep (their declarations are gone)."""
        dropped = []
        for task in sorted(tasks):
            kept = self._new_units.get(task, {})
            dropped += [unit for key, unit in self._old_units.get(task, {}).items()
                        if key not in kept]
        return dropped

    def merged(self, name: str, fact: str | None = None) -> SortedTable:
        """A table built from per-file contributions (see `tables.SortedTable`);
        with `fact`, its keys are facts units read as (fact, key)."""
        table = self.cache.merged.get(name)
        if table is None:
            table = self.cache.merged[name] = SortedTable(fact)
        return table

    def contribute(self, table: SortedTable, owner: str | tuple, contribution: dict) -> None:
        """Replace one file's part of `table`, marking the facts that changed."""
        changed = table.update(owner, contribution)
        if table.fact is not None and self.replaying:
            self.changed.update((table.fact, key) for key in changed)

    def forget_gone_files(self) -> None:
        """Forget the units (files, segments) that left the workspace since the last check."""
        keys = [unit for unit, _, _ in self.units]
        if self.cache.units != keys:
            alive = set(keys)
            for key in [key for key in self.cache.passes if key[1] not in alive]:
                record = self.cache.passes.pop(key)
                if key[0] == "types" and record.units is None:  # see per_file.py
                    forget_resolved(self.cache.resolved, record.decls)
                elif key[0] == "types":  # see types.py: resolved TypeRefs
                    for task, units in record.units.items():
                        if task == "records":
                            continue
                        for unit in units.values():
                            for ref, _ in unit[VALUE]:
                                self.cache.resolved.pop(id(ref), None)
            for table in self.cache.merged.values():
                gone = table.forget(alive)
                if table.fact is not None:
                    self.changed.update((table.fact, key) for key in gone)
            self.cache.units = keys

    # --- iteration ---------------------------------------------------------
    def each(self, attr: str) -> Iterator[tuple[str, Any]]:
        """Every declaration of one kind (`"functions"`, ...) with its file."""
        for _, path, decls in self.units:
            for decl in getattr(decls, attr):
                yield path, decl

    def guards(self) -> Iterator[tuple[str, Any]]:
        for path, block in self.each("auth"):
            for guard in block.guards:
                yield path, guard

    # --- lookups (first declaration wins); each records what it read ---------
    def lookup(self, kind: str, name: str) -> Symbol | None:
        key = self._sym_keys[kind].get(name)
        self._deps.add(key if key is not None else self._sym_key(kind, name))
        return self.symbols[kind].get(name)

    def decl(self, kind: str, name: str) -> Any:
        key = self._sym_keys[kind].get(name)
        self._deps.add(key if key is not None else self._sym_key(kind, name))
        symbol = self.symbols[kind].get(name)
        return symbol.decl if symbol else None

    def _sym_key(self, kind: str, name: str) -> tuple:
        key = self._sym_keys[kind][name] = ("sym", kind, name)
        return key

    def table(self, kind: str) -> dict[str, Symbol]:
        """All symbols of a namespace (unsorted): for suggestions and searches."""
        self._deps.add(_NAMES_KEYS[kind])
        return self.symbols[kind]

    def names(self, kind: str) -> list[str]:
        return sorted(self.table(kind))

    def suggest(self, kind: str, name: str, extra: tuple[str, ...] = ()) -> str | None:
        """The did-you-mean for an unknown `name` among the names of `kind`
        (and `extra`); one search per check, however often the name is written."""
        self._deps.add(_NAMES_KEYS[kind])
        return self.closest(kind, name, extra)

    def closest(self, kind: str, name: str, extra: tuple[str, ...]) -> str | None:
        key = (kind, name, extra)
        if key not in self.suggestions:
            self.suggestions[key] = closest(name, [*self.symbols[kind], *extra])
        return self.suggestions[key]

    def types_of(self, kind: str, name: str) -> None:
        """The work under way reads the resolved types of declaration `name`."""
        keys = self._rtype_keys[kind]
        key = keys.get(name)
        if key is None:
            key = keys[name] = ("rtypes", kind, name)
        self._deps.add(key)

    def type_of(self, path: str, ref: Any) -> Any:
        """The resolved type of a TypeRef (None when absent or unresolvable).

        The caller records which declaration's types it reads (`types_of`).
        """
        if ref is None:
            return None
        entry = self.cache.resolved.get(id(ref))
        return entry[1] if entry is not None and entry[0] is ref else None
