"""A first check that keeps records per file only, for one more check to read.

A comparison (`review/reuse.py`) checks its first side, then the second one
through the same cache: the second side's files are the first side's files
(the very declarations) except a few parsed anew, so its check replays whole
files or walks them again; it never replays a single declaration of a walked
file (a new declaration has no record). Records per declaration (`state.memo`'s
units) would be made only to be dropped: this state keeps, per file and pass,
what a replay of the whole file needs (the keys its declarations read, its
diagnostics and summary) and runs each declaration as `plain.PlainState` does.

A record without units (`FilePass.units` None) tells the next check that the
file's declarations were not recorded one by one: when it walks that file
again, every type resolved there counts as changed (`types.py`), a superset
of what changed. tests/test_check_per_file.py holds the second check equal to
a check without a cache after random edits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .state import CheckCache, CheckState, FilePass

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from typing import Any

    from ..decls import FileDecls


class PerFileState(CheckState):
    keep = False  # no unit per declaration (types.py resolves as a plain check does)

    def __init__(self, files: dict[str, FileDecls], cache: CheckCache,
                 segments: dict[str, list[tuple[int, FileDecls]]] | None = None) -> None:
        super().__init__(files, cache, segments)
        self.last_ran, self.last_old = True, None  # every memo runs

    def file_pass(self, name: str, run: Callable[[CheckState, str, Any], Any]
                  ) -> Iterator[tuple[str, Any, bool]]:
        passes = self.cache.passes
        for unit, path, decls in self.units:
            self._deps = deps = set()  # every key the file's declarations read
            start = len(self.diagnostics)
            self.unit = unit
            summary = run(self, path, decls)
            passes[(name, unit)] = FilePass(decls, None, deps, self.diagnostics[start:],
                                            summary, 0)
            yield unit, summary, True
        self._deps = set()

    def memo(self, task: str, decl: object, run: Callable[..., Any], *args: Any) -> Any:
        return run(*args)
