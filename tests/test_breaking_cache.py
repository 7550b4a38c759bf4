"""`mizan-lang breaking` from the result cache gives the reports it gives fresh.

A side whose files did not change is answered from the result cache (the IR
as per-declaration digests, `mizan_lang.review.index`), a saved IR is compared
declaration by declaration, and the old side of `--against REV` is cached under
its blob ids. Each path must give byte for byte the report of a fresh run, for
every rule's case; a revision whose content changed must be checked again.
A side seen for the first time stores only its check; its index is stored the
second time (`sides._remember`), and later runs answer from it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang.review import review
from mizan_lang.review.locate import StoredLocator
from mizan_lang.review.report import RENDERERS
from mizan_lang.review.sides import from_git, from_ir_file, from_paths

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases" / "breaking"
SHOP = REPO / "examples" / "shop"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MIZAN_CACHE_DIR", str(folder))
    monkeypatch.delenv("MIZAN_CACHE", raising=False)
    return folder


def _rendered(report) -> list[str]:
    return [render(report) for render in RENDERERS.values()]


def _mizan(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **env},
                          capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("folder", sorted(p for p in CASES.iterdir() if (p / "old").is_dir()),
                         ids=lambda path: path.name)
def test_cached_sides_report_as_fresh_ones(folder: Path, cache: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    fresh = review(from_paths(["old"], "old", cache=False), from_paths(["new"], "new", cache=False))
    seen = review(from_paths(["old"], "old"), from_paths(["new"], "new"))  # stores the checks
    assert not list(cache.glob("*.blob"))
    old, new = from_paths(["old"], "old"), from_paths(["new"], "new")  # stores the indexes
    assert not isinstance(old.locate, StoredLocator) and not isinstance(new.locate, StoredLocator)
    stored = review(old, new)
    old, new = from_paths(["old"], "old"), from_paths(["new"], "new")
    assert isinstance(old.locate, StoredLocator) and isinstance(new.locate, StoredLocator)
    cached = review(old, new)
    assert _rendered(seen) == _rendered(fresh)
    assert _rendered(stored) == _rendered(fresh)
    assert _rendered(cached) == _rendered(fresh)
    # Two saved IRs: the same changes (a saved IR has no locations).
    saved = {}
    for side in ("old", "new"):
        path = tmp_path / f"{side}.json"
        code, out, err = _mizan("ir", side, "--format", "json", cwd=folder,
                                env={"MIZAN_CACHE": "off"})
        assert code == 0, err
        path.write_text(out, encoding="utf-8")
        saved[side] = from_ir_file(str(path), side)
    from_files = review(saved["old"], saved["new"])

    def found(report) -> list[tuple]:
        return sorted((c.code, c.key, json.dumps(c.fields, sort_keys=True, default=str))
                      for c in report.changes)

    assert found(from_files) == found(fresh)


def test_cli_reports_are_byte_equal_fresh_and_cached(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(SHOP, old)
    shutil.copytree(SHOP, new)
    back = new / "backoffice.mizan"
    back.write_text(back.read_text(encoding="utf-8").replace("    param delta int\n", "", 1),
                    encoding="utf-8")
    env = {"MIZAN_CACHE_DIR": str(tmp_path / "cache")}
    for output in ("text", "json", "markdown", "github"):
        args = ("diff", "old", "new", "--format", output)
        fresh = _mizan(*args, cwd=tmp_path, env={"MIZAN_CACHE": "off"})
        assert "B107" in fresh[1]
        for _ in range(3):  # the first stores the checks and the report, the others replay it
            assert _mizan(*args, cwd=tmp_path, env=env) == fresh
    # Two checks and one report kept; no side's index was needed.
    assert len(list((tmp_path / "cache").glob("*.json"))) == 3
    assert not list((tmp_path / "cache").glob("*.blob"))


def _commit(repo: Path, message: str) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", message], cwd=repo, check=True)


def test_against_revision_cache_follows_the_revision_content(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(SHOP, repo / "spec")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    _commit(repo, "shop")
    back = repo / "spec" / "backoffice.mizan"
    original = back.read_text(encoding="utf-8")
    edited = original.replace("    param delta int\n", "", 1)
    assert edited != original
    back.write_text(edited, encoding="utf-8")
    monkeypatch.chdir(repo)

    def report(*, cached: bool) -> tuple[list[str], object]:
        old = from_git("main", ["spec"]) if cached else _uncached(lambda: from_git("main", ["spec"]))
        new = from_paths(["spec"], "working tree", cache=False)
        return _rendered(review(old, new)), old.locate

    first, locate = report(cached=True)  # checks the revision, marks its blob ids seen
    assert not isinstance(locate, StoredLocator)
    second, locate = report(cached=True)  # checks it again, stores it by blob ids
    assert not isinstance(locate, StoredLocator)
    again, locate = report(cached=True)
    assert isinstance(locate, StoredLocator)  # answered from the cache
    assert again == second == first == report(cached=False)[0]
    assert "B107" in first[0]
    # main moves: its backoffice.mizan (a new blob) already lacks the param;
    # the working tree is the same. The stale entry must not answer.
    back.write_text(edited.replace("\n\n", "\n\n// moved on\n", 1), encoding="utf-8")
    _commit(repo, "drop delta")
    back.write_text(edited, encoding="utf-8")
    moved, locate = report(cached=True)
    assert not isinstance(locate, StoredLocator)  # recomputed
    assert moved == report(cached=False)[0]
    assert "B107" not in moved[0]
    assert report(cached=True)[0] == moved  # seen twice: stored
    moved_again, locate = report(cached=True)
    assert isinstance(locate, StoredLocator) and moved_again == moved  # and now cached
    # The CLI gives the same bytes cold and warm.
    cli = ("breaking", "--against", "main", "spec", "--format", "json")
    env = {"MIZAN_CACHE_DIR": str(cache)}
    assert _mizan(*cli, cwd=repo, env=env) == _mizan(*cli, cwd=repo, env={"MIZAN_CACHE": "off"})


def _uncached(load):
    saved = os.environ.get("MIZAN_CACHE")
    os.environ["MIZAN_CACHE"] = "off"
    try:
        return load()
    finally:
        if saved is None:
            del os.environ["MIZAN_CACHE"]
        else:
            os.environ["MIZAN_CACHE"] = saved


def test_damaged_blob_is_a_miss(tmp_path: Path, cache: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CASES / "B107-param-removed"
    monkeypatch.chdir(folder)
    fresh = review(from_paths(["old"], "old", cache=False), from_paths(["new"], "new", cache=False))
    for _ in range(2):  # the first stores the checks, the second the indexes
        review(from_paths(["old"], "old"), from_paths(["new"], "new"))
    blobs = list(cache.glob("*.blob"))
    assert blobs
    for blob in blobs:
        blob.write_bytes(b"not the texts\n")
    old, new = from_paths(["old"], "old"), from_paths(["new"], "new")
    assert not isinstance(old.locate, StoredLocator)  # checked again
    assert _rendered(review(old, new)) == _rendered(fresh)


def test_a_check_of_the_files_is_not_a_comparison(tmp_path: Path, cache: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Files `check` stored are not taken as compared before: the first
    comparison stores the checks only, the second the indexes; `check` is
    answered from the entries all along."""
    shutil.copytree(CASES / "B107-param-removed", tmp_path / "case")
    monkeypatch.chdir(tmp_path / "case")
    env = {"MIZAN_CACHE_DIR": str(cache)}
    checked = {side: _mizan("check", side, cwd=tmp_path / "case", env=env) for side in ("old", "new")}
    assert all(code == 0 for code, _, _ in checked.values()) and list(cache.glob("*.json"))
    for number in range(3):
        old, new = from_paths(["old"], "old"), from_paths(["new"], "new")
        assert isinstance(old.locate, StoredLocator) == (number == 2)
        assert isinstance(new.locate, StoredLocator) == (number == 2)
        assert bool(list(cache.glob("*.blob"))) == (number > 0)
        assert any(change.code == "B107" for change in review(old, new).changes)
    for side, done in checked.items():
        assert _mizan("check", side, cwd=tmp_path / "case", env=env) == done


def test_a_cached_side_beside_a_new_one_is_loaded_again(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, capfd) -> None:
    """Beside a side that is not in the cache, a cached side is loaded again
    and the two are paired (sharing files and the check) rather than the new
    side's every canonical text made; the reports are those of a fresh run."""
    from mizan_lang.__main__ import main
    from mizan_lang.review import replay, reuse

    shutil.copytree(CASES / "B107-param-removed", tmp_path / "case")
    case = tmp_path / "case"
    monkeypatch.chdir(case)
    monkeypatch.setattr(replay, "lookup", lambda name: None)  # the sides' own caching
    paired: list[tuple[str, str]] = []
    real = reuse.in_turn

    def spied(one, two, *args):
        paired.append((one.label, two.label))
        return real(one, two, *args)

    monkeypatch.setattr(reuse, "in_turn", spied)
    args = ["breaking", "old", "new", "--format", "json"]
    fresh = _mizan(*args, cwd=case, env={"MIZAN_CACHE": "off"})

    def run() -> tuple[int, str, str]:
        capfd.readouterr()
        code = main(args)
        return (code, *capfd.readouterr())

    for _ in range(3):  # the checks stored, the indexes stored, both from the cache
        assert run() == fresh
    assert paired == [("old", "new")] * 2
    main_file = case / "new" / "main.mizan"
    main_file.write_text(main_file.read_text(encoding="utf-8") + "\n// edited\n",
                         encoding="utf-8")
    for _ in range(2):  # the new side: seen, then its index stored
        assert run() == fresh
    assert paired[2:] == [("new", "old")] * 2
    assert isinstance(from_paths(["new"], "new").locate, StoredLocator)
    assert run() == fresh and len(paired) == 4  # both from the cache


def test_indexes_are_stored_when_the_same_pair_is_compared_again(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A side compared with one other side after another (an edit loop
    against a base) stores no index; the same pair compared again does, even
    with other comparisons in between (from another folder: a re-run from the
    same folder is answered by the report kept, see `replay.py`)."""
    base = CASES / "B107-param-removed"
    for name in ("a", "b", "c"):
        shutil.copytree(base / "new", tmp_path / name)
        extra = tmp_path / name / "main.mizan"
        extra.write_text(extra.read_text(encoding="utf-8") + f"\n// {name}\n", encoding="utf-8")
    shutil.copytree(base / "old", tmp_path / "old")
    env = {"MIZAN_CACHE_DIR": str(cache)}

    def compare(new: str, cwd: Path = tmp_path) -> None:
        code, out, _ = _mizan("breaking", str(tmp_path / "old"), str(tmp_path / new), cwd=cwd,
                              env=env)
        assert code == 1 and "B107" in out

    for new in ("a", "b", "c"):
        compare(new)
    assert not list(cache.glob("*.blob"))
    (tmp_path / "elsewhere").mkdir()
    compare("a", tmp_path / "elsewhere")  # old and a again, b and c in between: both indexes
    assert len(list(cache.glob("*.blob"))) == 2


def test_saved_ir_with_a_bad_changed_declaration(tmp_path: Path) -> None:
    code, out, err = _mizan("ir", str(SHOP), "--format", "json", cwd=REPO,
                            env={"MIZAN_CACHE": "off"})
    assert code == 0, err
    good = json.loads(out)
    bad = json.loads(out)
    position = next(i for i, fn in enumerate(bad["functions"]) if fn["params"])
    bad["functions"][position]["params"][0]["type"] = {"kind": "bogus"}
    (tmp_path / "good.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    code, out, err = _mizan("diff", "good.json", "bad.json", cwd=tmp_path,
                            env={"MIZAN_CACHE": "off"})
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.startswith(f"mizan-lang: error: 'bad.json' is not a mizan IR JSON file "
                          f"(functions.{position}.params.0.type"), err
