"""Checking the second side of a comparison from the first side's check.

The second side of a comparison usually differs from the first in a few
files (`pair` loads the others once for both). The first is checked with an
editor's incremental cache (`check.state.CheckCache`); the second is then
checked with that cache, its files named as the first side's files at the
same places, so that only the changed files, and what reads their facts,
are walked again (0.46 -> 0.10 s at 10,000 functions). The result's paths
are then put back.

Only when that gives exactly the result of a check of its own: the files are
named so that they sort as their own paths do (the checker visits files in
that order), and a side with any diagnostic (paths inside messages, related
locations) is checked on its own instead.
"""

from __future__ import annotations

import os

from .sides import Pending, Side

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from ..check.result import CheckResult
    from ..check.state import CheckCache
    from ..decls import FileDecls
    from ..workspace import LoadedWorkspace


def in_turn(one: Pending, two: Pending, taken: dict[str, str],
            names: dict[str, str] | None) -> tuple[Side, Side]:
    """Both sides, `two` checked from `one`'s check when its files have
    `names` (`same_places`; `taken`: the files `two` took from `one`, see
    `pair.Shared`), else on its own."""
    from ..check import check
    from ..check.state import CheckCache

    if names is None:
        return one.finish(plain=True), two.finish(plain=True)
    cache = CheckCache(per_file=True)
    memo: dict[object, tuple] = {}  # declarations' IR, built once for both (`build_ir`)
    first = one.finish(plain=True, run=lambda workspace: check(workspace, cache), memo=memo)

    def run(workspace: LoadedWorkspace) -> CheckResult:
        renamed = checked_as(workspace, names, cache, {
            path: one.workspace.files[other].decls for path, other in taken.items()})
        return renamed if renamed is not None else check(workspace)

    second = two.finish(plain=True, run=run, memo=memo, twin=first.index)
    first.index.twin = second.index  # whichever is indexed first lends its texts
    second.kept = cache
    return first, second


def same_places(workspace: LoadedWorkspace, taken: dict[str, str]) -> dict[str, str] | None:
    """A name for each file of `workspace`: the path of the other side's file
    at the same place (under the folder that holds the files taken from it),
    or None when the files do not all sit alike."""
    if not taken:
        return None
    path, other = next(iter(taken.items()))
    mine, theirs = path.split(os.sep), other.split(os.sep)
    while mine and theirs and mine[-1] == theirs[-1]:  # the common tail
        mine.pop()
        theirs.pop()
    here, there = os.sep.join(mine), os.sep.join(theirs)
    names: dict[str, str] = {}
    for path in workspace.files:
        if here and not path.startswith(here + os.sep):
            return None
        names[path] = there + path[len(here):]
    if any(names[path] != other for path, other in taken.items()):
        return None
    return names  # one prefix for another: the names sort as the paths do


def checked_as(workspace: LoadedWorkspace, names: dict[str, str], cache: CheckCache,
               theirs: dict[str, FileDecls]) -> CheckResult | None:
    """`check(workspace)` with its files under `names`, through `cache`, with
    the paths put back; None when the workspace has diagnostics (or gets any).
    `theirs`: the other side's declarations of the files taken from it (the
    very objects its check saw, so the cache replays those files whole)."""
    from ..check import check_decls
    from ..perf import paused_gc

    files = workspace.files
    if workspace.diagnostics or any(source.diagnostics or source.decls is None
                                    for source in files.values()):
        return None
    with paused_gc():
        result = check_decls({names[path]: theirs.get(path) or source.decls
                              for path, source in files.items()}, [], cache)
    if result.diagnostics:
        return None
    back = {name: path for path, name in names.items()}
    result.files = {back[name]: files[back[name]].decls for name in result.files}
    # The symbols keep the names (~15,000 at 10,000 functions: making them
    # again under the paths cost ~60 M instructions); `path_of` puts them back.
    result.paths = back
    result.root = str(workspace.roots[0]) if workspace.roots else ""
    return result
