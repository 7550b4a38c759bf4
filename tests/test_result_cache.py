"""The on-disk result cache (`mizan_lang/result_cache.py`) never changes an answer.

Every test checks a workspace through the command line's own path
(`cli_check.check_paths`, and the real `mizan-lang` command) with the cache and
without it, and requires the same diagnostics, the same rendered output and
the same IR bytes: on a first run (stored), a second (answered from the
cache), after edits, added, removed and re-pointed files, a corrupt or
foreign cache file, and another tool version.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang import result_cache
from mizan_lang.cli_check import check_paths

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "check"
EXAMPLES = ROOT / "examples"

COMMON = """mizan 1
type Profile {
    field name str
    field age int
}
"""
MAIN = """mizan 1
import "common.mizan"
context profile auth=public {
    param user_id int
}
fn profile_card context=profile returns=Profile {
    param user_id int
}
"""


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MIZAN_CACHE_DIR", str(folder))
    monkeypatch.delenv("MIZAN_CACHE", raising=False)
    return folder


def _json(diagnostics) -> list[dict]:
    return [result_cache._diagnostic_json(d) for d in diagnostics]


def _fresh(paths: list[Path]) -> list[dict]:
    return _json(check_paths(paths, cache=False).diagnostics)


def _cached(paths: list[Path]):
    return check_paths(paths, cache=True)


def _same_twice(paths: list[Path]) -> list[dict]:
    """Check with the cache twice (store, then hit) and without; all equal."""
    fresh = _fresh(paths)
    first = _cached(paths)
    assert _json(first.diagnostics) == fresh
    second = _cached(paths)
    if {d["code"] for d in fresh} & result_cache._UNCACHEABLE:
        assert second.entry is None, "results that depend on absent files are not stored"
    else:
        assert second.entry is not None, "the second run should be answered from the cache"
    assert _json(second.diagnostics) == fresh
    assert second.file_count == first.file_count
    _stored_equals_lookup(paths)
    return fresh


def _stored_equals_lookup(paths: list[Path]) -> None:
    """What `store` hands back (the language server publishes it at once) is
    what a lookup then finds, and it is None exactly when nothing is found."""
    checked = check_paths(paths, cache=False)
    assert checked.workspace is not None
    stored = result_cache.store(checked.roots, checked.workspace, checked.diagnostics)
    found = result_cache.lookup(checked.roots)
    assert (stored is None) == (found is None)
    if stored is not None and found is not None:
        assert (stored.key, _json(stored.diagnostics), stored.file_count, stored.texts) == (
            found.key, _json(found.diagnostics), found.file_count, found.texts)


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "main.mizan").is_file())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_check_cases_cached_equal_fresh(cache, case):
    _same_twice([case / "main.mizan"])


@pytest.mark.parametrize("example", sorted(p for p in EXAMPLES.iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_examples_cached_equal_fresh(cache, example):
    _same_twice([example])


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_edits_added_and_removed_files(cache, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    _write(ws, {"main.mizan": MAIN, "common.mizan": COMMON})
    clean = _same_twice([ws])
    assert clean == []
    # An edit in the imported file breaks the root file's context.
    _write(ws, {"common.mizan": COMMON.replace("type Profile", "type Person")})
    broken = _same_twice([ws])
    assert broken and any(d["code"].startswith("M2") for d in broken)
    # Same size, other bytes: still seen.
    _write(ws, {"common.mizan": COMMON.replace("age int", "agf int")})
    _same_twice([ws])
    # A new file in the folder joins the workspace.
    _write(ws, {"extra.mizan": "mizan 1\ntype Profile {\n    field x str\n}\n"})
    with_extra = _same_twice([ws])
    assert any(d["path"].endswith("extra.mizan") for d in with_extra)
    (ws / "extra.mizan").unlink()
    _same_twice([ws])
    # Invalid UTF-8 bytes and a syntax error.
    (ws / "main.mizan").write_bytes(MAIN.encode() + b"type Bad {\n  field \xff str\n")
    bad = _same_twice([ws])
    assert {"K001"} <= {d["code"] for d in bad}


def test_missing_import_then_created(cache, tmp_path):
    (tmp_path / "main.mizan").write_text(MAIN, encoding="utf-8")
    missing = _fresh([tmp_path / "main.mizan"])
    assert any(d["code"] == "M002" for d in missing)
    assert _json(_cached([tmp_path / "main.mizan"]).diagnostics) == missing
    (tmp_path / "common.mizan").write_text(COMMON, encoding="utf-8")
    assert _json(_cached([tmp_path / "main.mizan"]).diagnostics) == [] == _fresh(
        [tmp_path / "main.mizan"])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_import_through_a_symlink_that_moves(cache, tmp_path):
    (tmp_path / "main.mizan").write_text(MAIN, encoding="utf-8")
    (tmp_path / "good.mizan").write_text(COMMON, encoding="utf-8")
    (tmp_path / "bad.mizan").write_text(COMMON.replace("Profile", "Other"), encoding="utf-8")
    (tmp_path / "common.mizan").symlink_to(tmp_path / "good.mizan")
    assert _same_twice([tmp_path / "main.mizan"]) == []
    (tmp_path / "common.mizan").unlink()
    (tmp_path / "common.mizan").symlink_to(tmp_path / "bad.mizan")
    assert _same_twice([tmp_path / "main.mizan"]) != []


def test_corrupt_and_foreign_entries_are_misses(cache, tmp_path):
    case = CASES / "duplicate_names"
    fresh = _same_twice([case / "main.mizan"])
    entries = list(cache.glob("*.json"))
    assert len(entries) == 1
    entry = entries[0]
    good = entry.read_bytes()
    raw = json.loads(good)
    bad_variants = [
        b"", b"\x00\xff garbage", good[: len(good) // 2], b"[]", b"null",
        json.dumps({**raw, "format": 999}).encode(),
        json.dumps({**raw, "diagnostics": "nope"}).encode(),
        json.dumps({**raw, "diagnostics": [{"code": 1}]}).encode(),
        json.dumps({**raw, "files": {p: "0" * 40 for p in raw["files"]}}).encode(),
        json.dumps({**raw, "key": "another"}).encode(),
    ]
    for variant in bad_variants:
        entry.write_bytes(variant)
        got = _cached([case / "main.mizan"])
        assert _json(got.diagnostics) == fresh
    # A forged entry that passes validation but lies is what the key and the
    # hashes guard against; a planted file under another key is never read.
    (cache / ("0" * 40 + ".json")).write_text(json.dumps({**raw, "diagnostics": []}))
    assert _json(_cached([case / "main.mizan"]).diagnostics) == fresh


def test_tool_version_change_is_a_miss(cache, monkeypatch):
    case = CASES / "duplicate_names"
    _same_twice([case / "main.mizan"])
    monkeypatch.setattr(result_cache, "_fingerprint", {True: "another checker"})
    assert result_cache.lookup([str(case / "main.mizan")]) is None
    got = _cached([case / "main.mizan"])
    assert got.entry is None and got.result is not None
    assert _cached([case / "main.mizan"]).entry is not None


def test_fingerprint_with_the_cache_turned_on_later(cache, monkeypatch):
    """A process that asked for the fingerprint with the cache off, then on,
    keys its entries as another process with the cache on does."""
    monkeypatch.setattr(result_cache, "_fingerprint", {})
    monkeypatch.setenv("MIZAN_CACHE", "off")
    off = result_cache.tool_fingerprint()
    monkeypatch.delenv("MIZAN_CACHE")
    on = result_cache.tool_fingerprint()
    monkeypatch.setattr(result_cache, "_fingerprint", {})
    assert result_cache.tool_fingerprint() == on != off


def _fingerprint_of(package: Path, monkeypatch) -> str:
    """The tool fingerprint of a package at `package`, computed afresh."""
    monkeypatch.setattr("mizan_lang.__path__", [str(package)])
    monkeypatch.setattr(result_cache, "_fingerprint", {})
    return result_cache.tool_fingerprint()


def test_fingerprint_follows_the_code(cache, monkeypatch, tmp_path):
    """The fingerprint covers the package's modules: editing one changes it."""
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "mizan_lang" / "kdl", package)
    before = _fingerprint_of(package, monkeypatch)
    with open(package / "parser.py", "a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    assert _fingerprint_of(package, monkeypatch) != before


def test_fingerprint_survives_a_reinstall(cache, monkeypatch, tmp_path):
    """The same code installed again, elsewhere and with other mtimes (as pip
    writes it), has the same fingerprint, so its cache entries are found; a
    module with other bytes but the old size gives another one."""
    first = tmp_path / "one" / "mizan_lang"
    shutil.copytree(ROOT / "mizan_lang" / "kdl", first)
    second = tmp_path / "two" / "mizan_lang"
    shutil.copytree(first, second)
    for path in second.rglob("*.py"):
        os.utime(path, ns=(10**18, 10**18))
    fingerprint = _fingerprint_of(first, monkeypatch)
    assert _fingerprint_of(second, monkeypatch) == fingerprint
    assert len(list(cache.glob("*.tool"))) == 2  # one per set of stamps
    # A fresh cache folder (another runner): computed from the bytes again.
    monkeypatch.setenv("MIZAN_CACHE_DIR", str(tmp_path / "fresh"))
    assert _fingerprint_of(second, monkeypatch) == fingerprint
    text = (second / "parser.py").read_text(encoding="utf-8")
    swapped = text.replace("def ", "fed ", 1)
    assert len(swapped) == len(text) and swapped != text
    (second / "parser.py").write_text(swapped, encoding="utf-8")
    assert _fingerprint_of(second, monkeypatch) != fingerprint


def test_fingerprint_memo_is_checked(cache, monkeypatch, tmp_path):
    """A damaged memo is ignored (and rewritten), and with the cache off
    nothing is written and the stamps alone name the tool."""
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "mizan_lang" / "kdl", package)
    fingerprint = _fingerprint_of(package, monkeypatch)
    [memo] = cache.glob("*.tool")
    assert memo.read_text(encoding="ascii") == fingerprint
    memo.write_text("not a digest", encoding="ascii")
    assert _fingerprint_of(package, monkeypatch) == fingerprint
    assert memo.read_text(encoding="ascii") == fingerprint
    monkeypatch.setenv("MIZAN_CACHE", "off")
    shutil.rmtree(cache)
    assert _fingerprint_of(package, monkeypatch) == memo.stem
    assert not cache.exists()


def test_fingerprint_walks_as_os_walk(monkeypatch, tmp_path):
    """The fingerprint's own folder walk (one scandir a folder) covers the files
    `os.walk` finds, in its order: hidden, `__` and linked folders skipped."""
    package = tmp_path / "pkg"
    for folder in ("", "b", "a", "a/z", ".hidden", "__pycache__", "b/c"):
        (package / folder).mkdir(parents=True, exist_ok=True)
        for name in ("m.py", "a.py", "g.lark", "n.txt", "Z.py"):
            (package / folder / name).write_text(folder + name, encoding="utf-8")
    (package / "linked").symlink_to(package / "b", target_is_directory=True)
    (package / "link.py").symlink_to(package / "a" / "m.py")
    expected = []
    for directory, subdirs, names in os.walk(package):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith((".", "__")))
        for name in sorted(names):
            if name.endswith((".py", ".lark")):
                path = os.path.join(directory, name)
                info = os.stat(path)
                expected.append((path, os.path.relpath(path, tmp_path), info.st_size,
                                 info.st_mtime_ns))
    found: list[tuple[str, str, int, int]] = []
    result_cache._stamps(str(package), str(tmp_path), found)
    assert found == expected


def test_disabled(cache, monkeypatch):
    case = CASES / "duplicate_names"
    monkeypatch.setenv("MIZAN_CACHE", "off")
    _cached([case / "main.mizan"])
    assert not cache.exists() or not list(cache.glob("*.json"))
    monkeypatch.delenv("MIZAN_CACHE")
    check_paths([case / "main.mizan"], cache=False)  # --no-cache
    assert not cache.exists() or not list(cache.glob("*.json"))


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=ROOT, env=env,
                          capture_output=True, check=False)


@pytest.mark.parametrize("fmt", ["kdl", "json"])
def test_command_line_output_and_ir_equal(cache, tmp_path, fmt):
    """The real commands: output, exit code and IR bytes the same, cached or not."""
    env = {**os.environ, "MIZAN_CACHE_DIR": str(cache)}
    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLES / "shop", ws)
    runs = []
    for args in (["check", str(ws), "--no-cache"], ["check", str(ws)], ["check", str(ws)]):
        got = _cli(*args, env=env)
        runs.append((got.returncode, got.stdout, got.stderr))
    assert runs[0] == runs[1] == runs[2]
    irs = [_cli("ir", str(ws), "-f", fmt, *extra, env=env)
           for extra in (["--no-cache"], [], [])]
    assert irs[0].returncode == 0, irs[0].stderr
    assert irs[0].stdout == irs[1].stdout == irs[2].stdout
    entry = json.loads(next(cache.glob("*.json")).read_text(encoding="utf-8"))
    assert fmt in entry["ir"]
    # An edit that breaks the spec: errors, the same with and without the cache.
    main = next(ws.glob("*.mizan"))
    main.write_text(main.read_text(encoding="utf-8") + "\ntype {\n", encoding="utf-8")
    broken = [_cli("check", str(ws), *extra, env=env) for extra in (["--no-cache"], [], [])]
    assert broken[0].returncode == 1
    assert {(b.returncode, b.stdout, b.stderr) for b in broken} == {
        (broken[0].returncode, broken[0].stdout, broken[0].stderr)}
    ir_broken = [_cli("ir", str(ws), *extra, env=env) for extra in (["--no-cache"], [])]
    assert ir_broken[0].returncode == ir_broken[1].returncode == 1
    assert ir_broken[0].stderr == ir_broken[1].stderr


def _shop_change(tmp_path: Path) -> tuple[Path, Path]:
    """The shop (old) and an edited copy (new): a guard changed (acknowledged),
    a function removed (located in the old spec)."""
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(EXAMPLES / "shop", old)
    shutil.copytree(EXAMPLES / "shop", new)
    office = new / "backoffice.mizan"
    text = office.read_text(encoding="utf-8")
    text = text.replace("fn refund_order auth=admin", "fn refund_order auth=staff", 1)
    start = text.index("fn moderate_review")
    end = text.index("\n}\n", start) + 3
    text = text[:start] + text[end:]
    assert "fn adjust_stock" in text and "fn moderate_review" not in text
    text += "// mizan: acknowledge B116 refund_order staff may refund now\n"
    office.write_text(text, encoding="utf-8")
    return old, new


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_breaking_cached_equal_fresh(cache, tmp_path, fmt):
    """`breaking` between two folders: the same report (locations, acknowledgements,
    exit code) from scratch, storing the checks and the report, and answered from it."""
    old, new = _shop_change(tmp_path)
    env = {**os.environ, "MIZAN_CACHE_DIR": str(cache)}
    args = ["breaking", str(old), str(new), "--format", fmt, "--fail-on", "review"]
    fresh = _cli(*args, env={**env, "MIZAN_CACHE": "off"})
    assert fresh.returncode == 1 and b"B" in fresh.stdout, fresh.stderr
    runs = [_cli(*args, env=env) for _ in range(2)]
    for run in runs:
        assert (run.returncode, run.stdout, run.stderr) == (
            fresh.returncode, fresh.stdout, fresh.stderr)
    entries = [json.loads(path.read_text(encoding="utf-8")) for path in cache.glob("*.json")]
    # Each side's check, and the report kept for the re-run (`review/replay.py`).
    assert sorted("ir" in e for e in entries) == [False, True, True]
    # `ir --format json` after a review: the same text cached as fresh.
    ir_fresh = _cli("ir", str(new), "-f", "json", "--no-cache", env=env)
    ir_cached = _cli("ir", str(new), "-f", "json", env=env)
    assert ir_fresh.stdout == ir_cached.stdout


def test_review_side_from_the_cache_is_neither_loaded_nor_checked(cache, tmp_path, monkeypatch):
    from mizan_lang import workspace
    from mizan_lang.review import review
    from mizan_lang.review.sides import from_paths

    old, new = _shop_change(tmp_path)
    fresh = review(from_paths([str(old)], "old", cache=False),
                   from_paths([str(new)], "new", cache=False))
    seen = review(from_paths([str(old)], "old"), from_paths([str(new)], "new"))  # the checks
    stored = review(from_paths([str(old)], "old"), from_paths([str(new)], "new"))  # the indexes

    def refuse(*args, **kwargs):
        raise AssertionError("a cached side was loaded again")

    monkeypatch.setattr(workspace, "load_workspace", refuse)
    cached = review(from_paths([str(old)], "old"), from_paths([str(new)], "new"))
    for report in (seen, stored, cached):
        assert [(c.code, c.key, c.location, c.acknowledged) for c in report.changes] == [
            (c.code, c.key, c.location, c.acknowledged) for c in fresh.changes]
    assert any(c.side == "old" and c.location for c in fresh.changes)  # a removal, located
    assert any(c.acknowledged for c in fresh.changes)
    # An edit on one side: that side is checked again, and the report follows it.
    office = new / "backoffice.mizan"
    office.write_text(office.read_text(encoding="utf-8").replace(
        "fn refund_order auth=staff", "fn refund_order auth=admin"), encoding="utf-8")
    monkeypatch.undo()
    again = review(from_paths([str(old)], "old"), from_paths([str(new)], "new"))
    assert {c.code for c in again.changes} < {c.code for c in fresh.changes}


# --- the one writer of cache files (`_write_file`) ------------------------------------------


def test_racing_writers_leave_a_whole_file(tmp_path):
    """Threads writing one key at once: every read finds one writer's bytes
    whole, and no temporary file is left."""
    import threading

    path = str(tmp_path / "cache" / "entry.json")
    payloads = [bytes([65 + number]) * (256 * 1024 + number) for number in range(4)]
    stop = threading.Event()
    seen: list[bytes] = []

    def write(payload: bytes) -> None:
        for _ in range(40):
            result_cache._write_file(path, payload)

    def read() -> None:
        while not stop.is_set():
            try:
                with open(path, "rb") as handle:
                    seen.append(handle.read())
            except FileNotFoundError:
                pass

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(payload,)) for payload in payloads]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()
    assert seen and all(data in payloads for data in seen)
    assert (tmp_path / "cache" / "entry.json").read_bytes() in payloads
    assert os.listdir(tmp_path / "cache") == ["entry.json"]


def test_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "taken.json").mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(OSError):
        result_cache._write_file(str(folder / "taken.json"), b"{}")
    assert os.listdir(folder) == ["taken.json"]

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(result_cache.os, "write", full)
    with pytest.raises(OSError):
        result_cache._write_file(str(folder / "entry.json"), b"{}")
    monkeypatch.undo()
    assert os.listdir(folder) == ["taken.json"]
    # A cache folder that cannot be made: the caller's writes give up quietly.
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("MIZAN_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("MIZAN_CACHE", raising=False)
    assert result_cache.store_blob(b"data") is None


def test_memo_goes_through_the_writer(cache, monkeypatch, tmp_path):
    """The fingerprint's memo is written by `_write_file`, and without `tempfile`."""
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "mizan_lang" / "kdl", package)
    written: list[tuple[str, bytes]] = []
    real = result_cache._write_file

    def record(path: str, data: bytes) -> None:
        written.append((path, data))
        real(path, data)

    monkeypatch.setattr(result_cache, "_write_file", record)
    fingerprint = _fingerprint_of(package, monkeypatch)
    [memo] = cache.glob("*.tool")
    assert written == [(str(memo), fingerprint.encode("ascii"))]
    assert oct(memo.stat().st_mode & 0o777) == oct(0o600)
    # A memo that cannot be written: the fingerprint still comes, nothing raised.
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("MIZAN_CACHE_DIR", str(blocker / "cache"))
    assert _fingerprint_of(package, monkeypatch) == fingerprint
    done = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom mizan_lang import result_cache\n"
         f"result_cache._write_file({str(tmp_path / 'out' / 'x.blob')!r}, b'x')\n"
         "print('tempfile' in sys.modules)"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"
    assert (tmp_path / "out" / "x.blob").read_bytes() == b"x"
