"""`mizan-lang diff` and `mizan-lang breaking`: review a spec change.

Both compare two versions of a workspace on the canonical IR and report each
change with a rule code (docs/breaking.md); they differ in defaults: `diff`
lists everything and exits 0, `breaking` leaves additions out and fails on
breaking changes.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_common import SourceCache, usage_error, write_stderr, write_stdout

if TYPE_CHECKING:
    from .review.sides import SideError

REVIEW_EPILOG = """\
Sides: `OLD NEW` (two spec files or folders, or saved IR JSON files from
`mizan-lang ir --format json`), or `--against REV [PATH...]`: the working
tree's PATHs (default: the configured roots, else `.`) against the same
paths at a git revision, read from git without a checkout.

Each change has a rule code: B1xx wire-breaking, B2xx source-breaking,
B3xx review flags (auth, caching, invalidation, limits), B4xx additions;
see docs/breaking.md. Locations point into the new spec, or the old one
for removals. Acknowledge an intended change with a comment in the spec,
`// mizan: acknowledge B107 adjust_stock.delta why`, or an [[acknowledge]]
entry in mizan.toml; it then stops failing and shows as acknowledged.

Exit codes: 0 nothing at the --fail-on level, 1 changes at that level (or
a side that does not check), 2 usage error.

Examples:

  mizan-lang breaking --against main

  mizan-lang breaking old_spec/ examples/shop --format markdown

  mizan-lang diff shop.ir.json examples/shop --format json
"""


class ReviewFormat(str, enum.Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    github = "github"


class FailOn(str, enum.Enum):
    breaking = "breaking"
    review = "review"
    none = "none"


Paths = Annotated[list[Path] | None, typer.Argument(
    help="OLD NEW, or with --against the paths of the new side.", show_default=False,
    metavar="[PATH]...")]
Against = Annotated[str | None, typer.Option(
    "--against", "-a", metavar="REV",
    help="Compare the working tree with this git revision (main, HEAD~1, a tag).")]
Format = Annotated[ReviewFormat, typer.Option(
    "--format", "-f", help="text (path:line:col lines), json, markdown (a PR comment), "
    "github (workflow annotations).")]
FailOnOption = Annotated[FailOn, typer.Option(
    "--fail-on", help="Exit 1 when an unacknowledged change reaches this level: breaking "
    "(B1xx, B2xx), review (also B3xx) or none.")]


def register(app: typer.Typer) -> None:
    @app.command(epilog=REVIEW_EPILOG)
    def breaking(
        paths: Paths = None,
        against: Against = None,
        output: Format = ReviewFormat.text,
        fail_on: FailOnOption = FailOn.breaking,
        additions: Annotated[bool, typer.Option(
            "--additions", help="Also list additions (B4xx).")] = False,
    ) -> None:
        """Report breaking changes and review flags between two versions of a spec."""
        raise typer.Exit(run(paths or [], against, output, fail_on, additions=additions))

    @app.command(epilog=REVIEW_EPILOG)
    def diff(
        paths: Paths = None,
        against: Against = None,
        output: Format = ReviewFormat.text,
        fail_on: FailOnOption = FailOn.none,
    ) -> None:
        """List every API change between two versions of a spec, each with its rule."""
        raise typer.Exit(run(paths or [], against, output, fail_on, additions=True))


def run(paths: list[Path], against: str | None, output: ReviewFormat, fail_on: FailOn, *,
        additions: bool) -> int:
    from .review import review
    from .review.report import RENDERERS, Category, category, summary
    from .review.sides import SideError, from_git, load

    config = _config()
    try:
        if against is not None:
            new_paths = [str(p) for p in paths] or (config.root_paths() if config else ["."])
            new = load(new_paths, "working tree")
            old = from_git(against, new_paths)
        else:
            if len(paths) != 2:
                raise usage_error("give OLD and NEW paths, or --against REV")
            old = load([str(paths[0])], str(paths[0]))
            new = load([str(paths[1])], str(paths[1]))
        report = review(old, new, config.acknowledgements if config else None)
    except SideError as err:
        return _side_error(err)
    if not additions:
        report.changes = [c for c in report.changes if category(c) != Category.INFO]
    write_stdout(RENDERERS[output.value](report))
    write_stderr(summary(report) + "\n")
    return 1 if report.failing(fail_on.value) else 0


def _config():
    """The project config, when there is one (its problems end the command)."""
    from . import config as project

    return project.load_or_exit()


def _side_error(err: SideError) -> int:
    from .render import render_text

    if err.diagnostics:
        shown = err.shown
        texts = err.texts
        diagnostics = err.diagnostics
        if shown is not None:
            diagnostics = [replace(d, path=shown(d.path)) for d in diagnostics]
            texts = {shown(path): text for path, text in texts.items()}
        write_stderr(render_text(diagnostics, SourceCache(texts), excerpt=True, color=False))
    write_stderr(f"mizan-lang: error: {err.message}\n")
    return 1
