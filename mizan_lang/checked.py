"""Checking paths for the command line, fresh or from the result cache.

Free of typer (and of the parser and checker until a check runs): `check`'s
fast path (`fastpath`) and the `check`/`ir` commands share it.
"""

from __future__ import annotations

from .cli_common import (
    OutputFormat,
    SourceCache,
    emit_diagnostics,
    has_errors,
    require_paths,
    write_stderr,
)
from .records import record

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from pathlib import Path

    from .check.result import CheckResult
    from .diagnostics import Diagnostic
    from .result_cache import Entry
    from .workspace import LoadedWorkspace


def analyze(paths: list[Path]) -> tuple[CheckResult, SourceCache, int]:
    """Load every given file (and its imports) as one workspace and check it.

    Returns the check result, a source lookup for rendering, and the number
    of files in the workspace."""
    checked = check_paths(paths, cache=False)
    assert checked.result is not None
    return checked.result, checked.lookup, checked.file_count


@record
class Checked:
    """The outcome of checking some paths, fresh or from the result cache."""

    diagnostics: list[Diagnostic]
    lookup: SourceCache
    file_count: int
    roots: list[str]
    result: CheckResult | None = None  # None: answered from the cache
    workspace: LoadedWorkspace | None = None
    entry: Entry | None = None  # the cache entry this came from (or None)


def check_paths(paths: list[str] | list[Path], *, cache: bool = True, reuse: bool = True) -> Checked:
    """Check the workspace of `paths`; with `cache`, answer from the on-disk
    result cache when the files did not change (`mizan_lang.result_cache`) and
    store a fresh result there (`reuse=False`: store only)."""
    roots = [str(path) for path in require_paths(paths)]
    if cache and reuse:
        from . import result_cache

        entry = result_cache.lookup(roots)
        if entry is not None:
            lookup = SourceCache(entry.texts)
            return Checked(entry.diagnostics, lookup, entry.file_count, roots, entry=entry)
    from .check import check
    from .workspace import load_workspace

    # The workspace expands folders itself (and reports an empty one).
    workspace = load_workspace(roots)
    result = check(workspace)
    lookup = SourceCache()
    for path, source in workspace.files.items():
        lookup.add(path, source.index)
    if cache:
        from . import result_cache

        result_cache.store(roots, workspace, result.diagnostics)
    return Checked(result.diagnostics, lookup, len(workspace.files), roots, result, workspace)


def report(result: CheckResult | Checked, lookup: SourceCache, file_count: int, *,
           output: OutputFormat, excerpt: bool, to_stderr: bool = False) -> bool:
    """Print diagnostics and the summary; True when there were errors."""
    from .render import summary

    emit_diagnostics(result.diagnostics, lookup, output=output, excerpt=excerpt,
                     to_stderr=to_stderr)
    write_stderr(summary(result.diagnostics, file_count) + "\n")
    return has_errors(result.diagnostics)
