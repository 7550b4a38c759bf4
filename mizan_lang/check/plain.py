"""A check that keeps nothing for next time (`check` without a cache).

The passes are the same as an editor session's; only the state differs: no
units, no dependency keys, no replay, and merged tables that are plain dicts.
A one-off check (the command line, a first start of the language server)
spends nothing on records no later check reads. tests/test_check_plain.py
holds its results equal to a check through a `CheckCache`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .result import Symbol
from .state import CheckState

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from typing import Any


class PlainTable:
    """`tables.SortedTable` for one check: each key comes from one unit (the
    first declaration of a name), so merging the contributions is `update`."""

    def __init__(self, fact: str | None = None) -> None:
        self.fact = fact
        self.items: dict[Any, Any] = {}

    def update(self, owner: str | tuple, contribution: dict) -> None:
        self.items.update(contribution)

    def sorted(self) -> dict:
        items = self.items
        return {key: items[key] for key in sorted(items)}


class PlainState(CheckState):
    keep = False

    def __init__(self, files: dict, segments: dict | None = None) -> None:
        super().__init__(files, None, segments)
        self.last_ran, self.last_old = True, None  # every memo runs

    def depend(self, key: tuple) -> None:
        pass

    def file_pass(self, name: str, run: Callable[[CheckState, str, Any], Any]
                  ) -> Iterator[tuple[str, Any, bool]]:
        for unit, path, decls in self.units:
            self.unit = unit
            yield unit, run(self, path, decls), True

    def memo(self, task: str, decl: object, run: Callable[..., Any], *args: Any) -> Any:
        return run(*args)

    def merged(self, name: str, fact: str | None = None) -> PlainTable:
        table = self.cache.merged.get(name)
        if table is None:
            table = self.cache.merged[name] = PlainTable(fact)
        return table

    def contribute(self, table: PlainTable, owner: str | tuple, contribution: dict) -> None:
        table.update(owner, contribution)

    def lookup(self, kind: str, name: str) -> Symbol | None:
        return self.symbols[kind].get(name)

    def decl(self, kind: str, name: str) -> Any:
        symbol = self.symbols[kind].get(name)
        return symbol.decl if symbol is not None else None

    def table(self, kind: str) -> dict[str, Symbol]:
        return self.symbols[kind]

    def suggest(self, kind: str, name: str, extra: tuple[str, ...] = ()) -> str | None:
        return self.closest(kind, name, extra)

    def types_of(self, kind: str, name: str) -> None:
        pass
