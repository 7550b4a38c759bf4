"""`mizan-lang diff` / `breaking` without typer: the command's body, shared by
its typer command (`cli_review`) and the fast path (`fastpath`), which runs
the plain command lines without importing typer and click (~50 ms of a
cached comparison)."""

from __future__ import annotations

from .cli_common import SourceCache, write_stderr, write_stdout
from .records import replace

TYPE_CHECKING = False  # not `typing`'s (see check/__init__.py)
if TYPE_CHECKING:
    from .config import Config
    from .review.sides import SideError

FORMATS = ("text", "json", "markdown", "github")
FAIL_LEVELS = ("breaking", "review", "none")


def review_paths(paths: list[str], against: str | None, output: str, fail_on: str, *,
                 additions: bool, config: Config | None, held: list | None = None) -> int:
    """Compare and print the report; the exit code. `paths`: OLD NEW, or with
    `against` the new side's paths (default: the configured roots, else `.`).
    `held`: the sides are put there, for a caller that ends the process
    without freeing them (`fastpath.exit_now`)."""
    from .review import replay, review
    from .review.pair import load_pair
    from .review.report import RENDERERS, Category, category, summary
    from .review.sides import SideError, prepare, prepare_git, remember

    if against is not None:
        paths = paths or (config.root_paths() if config else ["."])
    name = replay.key(paths, against, config)
    kept = replay.lookup(name)
    if kept is not None:  # the same comparison, its sides unchanged
        shown = kept["shown"][str(additions)]
        write_stdout(shown["out"][output])
        write_stderr(shown["err"])
        return 1 if shown["fail"][fail_on] else 0
    try:
        if against is not None:
            new, old = load_pair(
                lambda share, cache=True: prepare(paths, "working tree", share, cache),
                lambda share, cache=True: prepare_git(against, paths, share, cache))
        else:
            old, new = load_pair(lambda share, cache=True: prepare([paths[0]], paths[0], share, cache),
                                 lambda share, cache=True: prepare([paths[1]], paths[1], share, cache))
        if held is not None:
            held += (old, new)
        report = review(old, new, config.acknowledgements if config else None)
    except SideError as err:
        return _side_error(err)
    reports = {True: report, False: replace(report, changes=[
        c for c in report.changes if category(c) != Category.INFO])}
    report = reports[additions]
    write_stdout(RENDERERS[output](report))
    write_stderr(summary(report) + "\n")
    # Kept once the report is out: the sides' checks (`sides._remember`) and
    # the report itself, for a re-run (`replay`).
    remember(old, new)
    replay.store(name, (old, new), reports)
    return 1 if report.failing(fail_on) else 0


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
