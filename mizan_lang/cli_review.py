"""`mizan-lang diff` and `mizan-lang breaking`: review a spec change.

Both compare two versions of a workspace on the canonical IR and report each
change with a rule code (docs/breaking.md); they differ in defaults: `diff`
lists everything and exits 0, `breaking` leaves additions out and fails on
breaking changes.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import usage_error

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
    from .reviewed import review_paths

    config = _config()
    if against is None and len(paths) != 2:
        raise usage_error("give OLD and NEW paths, or --against REV")
    return review_paths([str(p) for p in paths], against, output.value, fail_on.value,
                        additions=additions, config=config)


def _config():
    """The project config, when there is one (its problems end the command)."""
    from . import config as project

    return project.load_or_exit()
