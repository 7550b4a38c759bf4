"""`mizan-lang check`: validate a workspace and report its diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_common import (
    OutputFormat,
    SourceCache,
    emit_diagnostics,
    has_errors,
    require_paths,
    write_stderr,
)

if TYPE_CHECKING:
    from .check.result import CheckResult
    from .diagnostics import Diagnostic
    from .result_cache import Entry
    from .workspace import LoadedWorkspace

PATHS_HELP = "Files or folders (every *.mizan under a folder); together they form one workspace."
Paths = Annotated[list[Path], typer.Argument(help=PATHS_HELP, show_default=False, metavar="PATH")]
OptionalPaths = Annotated[list[Path] | None, typer.Argument(
    help=PATHS_HELP + " Default: the roots of mizan.toml.", show_default=False,
    metavar="[PATH]...")]
Watch = Annotated[bool, typer.Option(
    "--watch", "-w", help="Run again whenever a .mizan file or mizan.toml changes (Ctrl-C stops).")]
NoCache = Annotated[bool, typer.Option(
    "--no-cache", help="Check from scratch: neither read nor write the result cache "
    "(~/.cache/mizan-lang; MIZAN_CACHE_DIR moves it, MIZAN_CACHE=off disables it).")]

CHECK_EPILOG = """\
Output: one `path:line:col: severity code: message` line per diagnostic
(1-based line and column), the source line with a caret line under the
range, and `  note: path:line:col: message` lines for related places. A
summary `N errors, M warnings in K files` goes to stderr.

Without PATH, the roots named in mizan.toml (found in this folder or a
parent) are checked; its problems are reported first, like a spec's.
--format github writes workflow annotations for GitHub Actions.

Examples:

  mizan-lang check examples/shop

  mizan-lang check --watch

  mizan-lang check api/main.mizan --no-excerpt | grep M201

  mizan-lang check api --format json > diagnostics.json
"""


def analyze(paths: list[Path]) -> tuple[CheckResult, SourceCache, int]:
    """Load every given file (and its imports) as one workspace and check it.

    Returns the check result, a source lookup for rendering, and the number
    of files in the workspace."""
    checked = check_paths(paths, cache=False)
    assert checked.result is not None
    return checked.result, checked.lookup, checked.file_count


@dataclass(slots=True)
class Checked:
    """The outcome of checking some paths, fresh or from the result cache."""

    diagnostics: list[Diagnostic]
    lookup: SourceCache
    file_count: int
    roots: list[str]
    result: CheckResult | None = None  # None: answered from the cache
    workspace: LoadedWorkspace | None = None
    entry: Entry | None = None  # the cache entry this came from (or None)


def check_paths(paths: list[Path], *, cache: bool = True, reuse: bool = True) -> Checked:
    """Check the workspace of `paths`; with `cache`, answer from the on-disk
    result cache when the files did not change (`mizan_lang.result_cache`) and
    store a fresh result there (`reuse=False`: store only)."""
    from . import result_cache

    roots = [str(path) for path in require_paths(paths)]
    if cache and reuse:
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
        result_cache.store(roots, workspace, result.diagnostics)
    return Checked(result.diagnostics, lookup, len(workspace.files), roots, result, workspace)


def configured_paths(paths: list[Path] | None) -> list[Path]:
    """The given paths, or the roots of the project config (which must exist)."""
    if paths:
        return paths
    from .config import load_or_exit

    config = load_or_exit(required=True)
    assert config is not None
    return [Path(root) for root in config.root_paths()]


def report(result: CheckResult | Checked, lookup: SourceCache, file_count: int, *,
           output: OutputFormat, excerpt: bool, to_stderr: bool = False) -> bool:
    """Print diagnostics and the summary; True when there were errors."""
    from .render import summary

    emit_diagnostics(result.diagnostics, lookup, output=output, excerpt=excerpt,
                     to_stderr=to_stderr)
    write_stderr(summary(result.diagnostics, file_count) + "\n")
    return has_errors(result.diagnostics)


def register(app: typer.Typer) -> None:
    @app.command(epilog=CHECK_EPILOG)
    def check(
        paths: OptionalPaths = None,
        output: Annotated[OutputFormat, typer.Option(
            "--format", "-f",
            help="text: lines with excerpts; json: an array of diagnostic objects; "
            "github: workflow annotations.")
        ] = OutputFormat.text,
        no_excerpt: Annotated[bool, typer.Option(
            "--no-excerpt", help="Only the one-line form of each diagnostic (grep-friendly).")
        ] = False,
        no_cache: NoCache = False,
        watch: Watch = False,
    ) -> None:
        """Check .mizan files and report coded diagnostics."""
        chosen = configured_paths(paths)

        def once() -> int:
            checked = check_paths(chosen, cache=not no_cache)
            failed = report(checked, checked.lookup, checked.file_count, output=output,
                            excerpt=not no_excerpt)
            return 1 if failed else 0

        if watch:
            from .watch import watch as watch_loop

            raise typer.Exit(watch_loop([str(path) for path in chosen], once))
        raise typer.Exit(once())
