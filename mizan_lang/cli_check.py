"""`mizan-lang check`: validate a workspace and report its diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .checked import Checked, analyze, check_paths, report
from .cli_common import OutputFormat

__all__ = ["Checked", "NoCache", "OptionalPaths", "Paths", "Watch", "analyze", "check_paths",
           "configured_paths", "register", "report"]

PATHS_HELP = "Files or folders (every *.mizan under a folder); together they form one workspace."
Paths = Annotated[list[Path], typer.Argument(help=PATHS_HELP, show_default=False, metavar="PATH")]
OptionalPaths = Annotated[list[Path] | None, typer.Argument(
    help=PATHS_HELP + " Default: the roots of mizan.toml.", show_default=False,
    metavar="[PATH]...")]
Watch = Annotated[bool, typer.Option(
    "--watch", "-w", help="Run again whenever a .mizan file under the paths (or the roots) "
    "changes (Ctrl-C stops).")]
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


def configured_paths(paths: list[Path] | None) -> list[Path]:
    """The given paths, or the roots of the project config (which must exist)."""
    if paths:
        return paths
    from .config import load_or_exit

    config = load_or_exit(required=True)
    assert config is not None
    return [Path(root) for root in config.root_paths()]


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
