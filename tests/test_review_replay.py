"""A re-run of the same comparison prints the report the first run kept
(`mizan_lang.review.replay`): byte for byte what a fresh run prints, in every
format, with and without additions, with every `--fail-on` level's exit code,
without loading either side. Any change to a side's files, to the revision,
to the config or to the working folder compares again."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_breaking import _edit, _edit_shop, _shop_repo
from test_breaking_cache import cache  # noqa: F401 - the fixture: a result cache of the test's own

from mizan_lang import workspace
from mizan_lang.__main__ import main

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "examples" / "shop"
VARIANTS = [[command, "--format", fmt, *extra]
            for command, extras in (("breaking", ([], ["--additions"], ["--fail-on", "review"],
                                                  ["--fail-on", "none"])),
                                    ("diff", ([], ["--fail-on", "breaking"])))
            for extra in extras
            for fmt in ("text", "json", "markdown", "github")]


def _run(capfd, args: list[str]) -> tuple[int, str, str]:
    capfd.readouterr()
    code = main(args)
    return (code, *capfd.readouterr())


def _fresh(capfd, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[int, str, str]:
    with monkeypatch.context() as patch:
        patch.setenv("MIZAN_CACHE", "off")
        return _run(capfd, args)


def _refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a side was loaded for a re-run")

    monkeypatch.setattr(workspace, "load_workspace", refuse)


def _folders(tmp_path: Path) -> Path:
    for side in ("old", "new"):
        shutil.copytree(SHOP, tmp_path / side)
    _edit_shop(tmp_path / "new")
    _edit(tmp_path / "new" / "common.mizan", "enum Currency {",
          "enum Spare {\n    A\n}\n\nenum Currency {")  # an addition (B403)
    return tmp_path


def test_a_re_run_prints_the_kept_report(tmp_path: Path, cache: Path, capfd,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_folders(tmp_path))
    expected = {}
    for variant in VARIANTS:
        expected[tuple(variant)] = _fresh(capfd, monkeypatch, [*variant, "old", "new"])
    assert {code for code, _, _ in expected.values()} == {0, 1}
    assert expected[("breaking", "--format", "text", "--additions")] != expected[
        ("breaking", "--format", "text")]  # the case has additions
    assert _run(capfd, ["breaking", "old", "new"]) == expected[("breaking", "--format", "text")]
    _refusing(monkeypatch)
    for variant in VARIANTS:
        assert _run(capfd, [*variant, "old", "new"]) == expected[tuple(variant)], variant


def test_a_changed_side_or_config_or_folder_compares_again(
        tmp_path: Path, cache: Path, capfd, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_folders(tmp_path))
    args = ["breaking", "--format", "json", "old", "new"]
    _run(capfd, args)
    loads = []
    real = workspace.load_workspace

    def counted(*args, **kwargs):
        loads.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(workspace, "load_workspace", counted)
    _run(capfd, args)
    assert not loads  # kept
    # A file of either side edited: compared again, as fresh.
    for side in ("old", "new"):
        _edit(tmp_path / side / "common.mizan", "\n", "\n// edited\n")
        before = len(loads)
        got = _run(capfd, args)
        assert len(loads) > before
        assert got == _fresh(capfd, monkeypatch, args)
    # A config that acknowledges a change: another report.
    before = len(loads)
    (tmp_path / "mizan.toml").write_text(
        'roots = ["new"]\n\n[[acknowledge]]\ncode = "B107"\nsubject = "adjust_stock.delta"\n'
        'reason = "clients updated"\n', encoding="utf-8")
    got = _run(capfd, args)
    assert len(loads) > before and '"acknowledged"' in got[1]
    assert got == _fresh(capfd, monkeypatch, args)
    # Another working folder shows other paths (the sides, compared twice by
    # now, come from the result cache): not the report kept in the first.
    (tmp_path / "mizan.toml").unlink()
    monkeypatch.chdir(tmp_path / "old")
    got = _run(capfd, ["breaking", "--format", "json", ".", "../new"])
    assert got == _fresh(capfd, monkeypatch, ["breaking", "--format", "json", ".", "../new"])
    assert '"backoffice.mizan' in got[1] and '"old/' not in got[1]


def test_against_a_revision_follows_the_revision_and_the_working_tree(
        tmp_path: Path, cache: Path, capfd, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _shop_repo(tmp_path)
    _edit_shop(repo / "spec")
    monkeypatch.chdir(repo)
    args = ["breaking", "--against", "main", "spec"]
    first = _run(capfd, args)
    assert first == _fresh(capfd, monkeypatch, args) and "B107" in first[1]
    with monkeypatch.context() as patch:
        _refusing(patch)
        assert _run(capfd, args) == first
    # main moves: the same working tree, another revision: compared again.
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "stash", "-q"], cwd=repo, check=True)
    _edit(repo / "spec" / "backoffice.mizan", "    param delta int\n", "")
    subprocess.run([*git, "commit", "-q", "-am", "drop delta"], cwd=repo, check=True)
    subprocess.run([*git, "stash", "pop", "-q"], cwd=repo, check=True)
    moved = _run(capfd, args)
    assert moved == _fresh(capfd, monkeypatch, args)
    assert "B107" not in moved[1]
    # A revision that does not exist: its error, not a kept report.
    code, _, err = _run(capfd, ["breaking", "--against", "nope", "spec"])
    assert code == 1 and "unknown revision 'nope'" in err
