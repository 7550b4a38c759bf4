"""`check`'s fast path (`mizan_lang/fastpath.py`) answers exactly like typer.

Every command line is run both ways in-process (`__main__.main` takes the fast
path when it can; `cli.run` always goes through typer) and must give the same
exit code, stdout and stderr; lines the fast path does not read fall back to
typer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang import fastpath
from mizan_lang.__main__ import main
from mizan_lang.cli import run

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "cases" / "check" / "duplicate_names"
SHOP = ROOT / "examples" / "shop"

LINES = [
    [str(SHOP)],
    [str(BROKEN)],
    [str(BROKEN / "main.mizan"), "--no-excerpt"],
    [str(BROKEN), "--format", "json"],
    [str(BROKEN), "-f", "json", "--no-cache"],
    [str(BROKEN), "--format=json", "--no-excerpt"],
    [str(SHOP), str(BROKEN / "other.mizan"), "--no-cache"],
]
TYPER_ONLY = [
    [],
    ["--help"],
    [str(BROKEN), "--format", "yaml"],
    [str(BROKEN), "--format"],
    [str(BROKEN), "--unknown"],
    [str(BROKEN / "missing.mizan")],
    ["--", str(BROKEN)],
]


def _both(capfd, args: list[str]) -> tuple[tuple, tuple]:
    capfd.readouterr()
    fast = (main(["check", *args]), *capfd.readouterr())
    slow = (run(["check", *args]), *capfd.readouterr())
    return fast, slow


@pytest.mark.parametrize("args", LINES, ids=" ".join)
def test_fast_path_equals_typer(capfd, args):
    assert fastpath.check_command(args) is not None  # it is the fast path's
    capfd.readouterr()
    fast, slow = _both(capfd, args)
    assert fast == slow


@pytest.mark.parametrize("args", TYPER_ONLY, ids=" ".join)
def test_other_lines_go_to_typer(capfd, args):
    assert fastpath.check_command(args) is None
    fast, slow = _both(capfd, args)
    assert fast == slow


# --- `diff` and `breaking` -------------------------------------------------------------

CASE = ROOT / "tests" / "cases" / "breaking" / "B301-auth-loosened"
OLD, NEW = str(CASE / "old"), str(CASE / "new")
REVIEW_LINES = [
    ["breaking", OLD, NEW],
    ["breaking", OLD, NEW, "--format", "json", "--fail-on", "review"],
    ["breaking", OLD, NEW, "-f", "markdown", "--additions"],
    ["breaking", "--format=github", "--fail-on=none", OLD, NEW],
    ["diff", OLD, NEW],
    ["diff", OLD, NEW, "--fail-on", "breaking", "-f", "json"],
    ["diff", OLD, str(CASE / "new" / "main.mizan")],
]
REVIEW_TYPER_ONLY = [
    ["breaking", OLD],
    ["breaking", "--help"],
    ["diff", OLD, NEW, "--additions"],  # not an option of diff
    ["breaking", OLD, NEW, "--format", "yaml"],
    ["breaking", OLD, NEW, "--fail-on"],
    ["breaking", OLD, NEW, "--format="],
    ["breaking", OLD, str(CASE / "missing")],
    ["breaking", "--", OLD, NEW],
]


def _both_review(capfd, args: list[str]) -> tuple[tuple, tuple]:
    capfd.readouterr()
    fast = (main(args), *capfd.readouterr())
    slow = (run(args), *capfd.readouterr())
    return fast, slow


@pytest.mark.parametrize("args", REVIEW_LINES, ids=" ".join)
def test_review_fast_path_equals_typer(capfd, args):
    capfd.readouterr()
    assert fastpath.review_command(args[0], args[1:]) is not None  # the fast path's
    fast, slow = _both_review(capfd, args)
    assert fast == slow


@pytest.mark.parametrize("args", REVIEW_TYPER_ONLY, ids=" ".join)
def test_other_review_lines_go_to_typer(capfd, args):
    assert fastpath.review_command(args[0], args[1:]) is None
    fast, slow = _both_review(capfd, args)
    assert fast == slow


PROCESS_LINES = [["check", *LINES[1]], ["check", *LINES[4]], ["check", str(SHOP), "--no-cache"],
                 REVIEW_LINES[0], REVIEW_LINES[1], REVIEW_LINES[5]]


@pytest.mark.parametrize("args", PROCESS_LINES, ids=" ".join)
def test_a_process_ends_with_the_same_output(capfd, args):
    """A process running `check`, `diff` or `breaking` ends as soon as its output
    is written (`fastpath.exit_now`): the same exit code and output as in-process."""
    capfd.readouterr()
    inside = (main(args), *capfd.readouterr())
    done = subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == inside
