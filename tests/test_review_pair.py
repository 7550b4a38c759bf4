"""`diff`/`breaking` loading both sides together (`mizan_lang.review.pair`)
report byte for byte as when each side is loaded and checked on its own.

Three ways are compared: each side alone (`load_pair` replaced by loading
one side, then the other, as before), both sides sharing their unchanged
files with the second side checked from the first side's check, and
sharing files with each side checked on its own (as when the files of the
sides do not sit alike). Every rule's case in every format, a side with
errors (either, both, and the order of a bad path or revision against one),
and `--against` from scratch and with the result cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import OrderedDict
from pathlib import Path

import pytest
from test_breaking import _edit, _edit_shop, _shop_repo

from mizan_lang import workspace
from mizan_lang.__main__ import main
from mizan_lang.review import index, pair, reuse, review
from mizan_lang.review.locate import StoredLocator
from mizan_lang.review.report import RENDERERS
from mizan_lang.review.sides import finish, from_paths, prepare

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases" / "breaking"
SHOP = REPO / "examples" / "shop"
FORMATS = ("text", "json", "markdown", "github")


def _alone(first, second):
    """The sides as they were loaded before `pair`: one, then the other."""
    one = finish(first(None))
    return one, finish(second(None))


WAYS = ("alone", "reused", "not reused")


@pytest.fixture
def way():
    """A function that switches this process to one of WAYS (with `cache`,
    the result cache in that folder; else no cache)."""
    patch = pytest.MonkeyPatch()

    def switch(name: str, cache: Path | None = None) -> None:
        patch.undo()
        patch.setenv("MIZAN_CACHE", "off" if cache is None else "on")
        if cache is not None:
            patch.setenv("MIZAN_CACHE_DIR", str(cache))
        if name == "alone":
            patch.setattr(pair, "load_pair", _alone)
        elif name == "not reused":  # even where the second side could reuse the first's check
            patch.setattr(reuse, "same_places", lambda *args: None)

    yield switch
    patch.undo()


def _each_way(way, capfd, args: list[str]) -> dict[str, tuple[int, str, str]]:
    found = {}
    for name in WAYS:
        way(name)
        capfd.readouterr()
        code = main(args)
        found[name] = (code, *capfd.readouterr())
    return found


def _same(found: dict[str, tuple[int, str, str]]) -> tuple[int, str, str]:
    for name in WAYS:
        assert found[name] == found["alone"], name
    return found["alone"]


@pytest.mark.parametrize("folder", sorted(p for p in CASES.iterdir() if (p / "old").is_dir()),
                         ids=lambda path: path.name)
def test_each_case_reports_as_alone(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.setenv("MIZAN_CACHE", "off")
    expected = review(from_paths(["old"], "old"), from_paths(["new"], "new"))
    rendered = [render(expected) for render in RENDERERS.values()]
    for reused in (True, False):
        if not reused:
            monkeypatch.setattr(reuse, "same_places", lambda *args: None)
        old, new = pair.load_pair(lambda share: prepare(["old"], "old", share),
                                  lambda share: prepare(["new"], "new", share))
        assert not isinstance(old.locate, StoredLocator)
        assert [render(review(old, new)) for render in RENDERERS.values()] == rendered


def test_unchanged_files_are_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SHOP, tmp_path / "old")
    shutil.copytree(SHOP, tmp_path / "new")
    _edit(tmp_path / "new" / "backoffice.mizan", "    param delta int\n", "")
    built: list[str] = []
    real = workspace.build_file

    def counted(path: str, text: str):
        built.append(os.path.relpath(path, tmp_path))
        return real(path, text)

    monkeypatch.setattr(workspace, "build_file", counted)
    monkeypatch.setattr(workspace, "_cache", OrderedDict())
    monkeypatch.setenv("MIZAN_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    sides = pair.load_pair(lambda share: prepare(["old"], "old", share),
                           lambda share: prepare(["new"], "new", share))
    names = sorted(path.name for path in SHOP.glob("*.mizan"))
    assert sorted(built) == sorted([f"old/{name}" for name in names] + ["new/backoffice.mizan"])
    report = review(*sides)
    assert any(change.code == "B107" for change in report.changes)


def test_second_side_checked_from_the_first(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SHOP, tmp_path / "old")
    shutil.copytree(SHOP, tmp_path / "new")
    _edit_shop(tmp_path / "new")  # changes located on both sides
    monkeypatch.setenv("MIZAN_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    used = []
    real = reuse.checked_as

    def spied(*args):
        used.append(real(*args))
        return used[-1]

    monkeypatch.setattr(reuse, "checked_as", spied)
    sides = pair.load_pair(lambda share: prepare(["old"], "old", share),
                           lambda share: prepare(["new"], "new", share))
    assert len(used) == 1 and used[0] is not None
    assert list(used[0].files) == sorted(workspace.load_workspace(["new"]).files)
    alone = review(from_paths(["old"], "old"), from_paths(["new"], "new"))
    assert {change.location[0] for change in alone.changes} == {
        "old/backoffice.mizan", "new/backoffice.mizan", "new/catalog.mizan"}
    rendered = [render(alone) for render in RENDERERS.values()]
    assert [render(review(*sides)) for render in RENDERERS.values()] == rendered


def _shop_pair(kinds: str, tmp_path: Path, edit=None) -> tuple:
    """The shop and an edited copy, loaded as `pair` loads them (the files
    left alone taken from the first): a param, a function's and a context's
    auth, and the default auth, so that functions of files left as they were
    build otherwise; with `kinds` "differ", a type name more (the resolved
    types are then compared, not shared)."""
    shutil.copytree(SHOP, tmp_path / "old")
    shutil.copytree(SHOP, tmp_path / "new")
    _edit_shop(tmp_path / "new")
    _edit(tmp_path / "new" / "common.mizan", "    default user\n", "    default public\n")
    if edit is not None:
        edit(tmp_path / "new")
    if kinds == "differ":
        _edit(tmp_path / "new" / "common.mizan", "enum Currency {",
              "enum Spare {\n    A\n}\n\nenum Currency {")
    old = workspace.load_workspace([str(tmp_path / "old")])
    shared = pair.Shared()
    shared.offer(old)
    return old, workspace.load_workspace([str(tmp_path / "new")], shared.reader(None)), shared


@pytest.mark.parametrize("kinds", ["alike", "differ"])
def test_functions_built_once_for_both_sides(kinds: str, tmp_path: Path) -> None:
    from mizan_lang.check import check
    from mizan_lang.ir import build_ir
    from mizan_lang.review.index import canonical

    old, new, shared = _shop_pair(kinds, tmp_path)
    memo: dict = {}
    before = build_ir(check(old), plain=True, memo=memo)
    result = check(new)
    after = build_ir(result, plain=True, memo=memo)
    assert canonical(after) == canonical(json.loads(build_ir(result).model_dump_json()))
    was = {fn["name"]: fn for fn in before["functions"]}
    kept = {fn["name"] for fn in after["functions"] if fn is was.get(fn["name"])}
    changed = {fn["name"] for fn in after["functions"] if fn != was.get(fn["name"])}
    # Those of unchanged files whose inputs did not change are taken as built.
    unchanged_files = {fn["name"] for fn in after["functions"]
                       if result.symbols["function"][fn["name"]].path in shared.taken}
    assert changed & unchanged_files and not changed & kept
    assert kept == unchanged_files - changed
    # Records (their IR reads just the declaration and the resolved types) are
    # taken from files left alone when every type name has the same kind.
    records = {record["name"]: record for record in before["types"]}
    taken = {record["name"] for record in after["types"] if record is records.get(record["name"])}
    shared_records = {record["name"] for record in after["types"]
                      if result.symbols["type"][record["name"]].path in shared.taken}
    assert shared_records and taken == (shared_records if kinds == "alike" else set())


@pytest.mark.parametrize("kinds", ["alike", "differ"])
def test_only_declarations_that_may_differ_are_built(kinds: str, tmp_path: Path) -> None:
    from mizan_lang.check import check
    from mizan_lang.ir import build_ir
    from mizan_lang.ir.build import SECTIONS
    from mizan_lang.ir.lazy import LazyIr
    from mizan_lang.review.diff import compare
    from mizan_lang.review.index import canonical, from_built, from_data

    old, new, _ = _shop_pair(kinds, tmp_path)
    results = check(old), check(new)
    memo: dict = {}
    whole = [build_ir(result, plain=True, memo=memo) for result in results]
    lazy = [LazyIr(result) for result in results]
    # The same names and head, and, read whole, the same IR.
    assert [canonical(side.data()) for side in lazy] == [canonical(side) for side in whole]
    lazy = [LazyIr(result) for result in results]
    indexes = [from_built(side) for side in lazy]
    assert [index.head for index in indexes] == [
        canonical({"auth": side["auth"], "version": side["version"]}) for side in whole]
    found = [(c.code, c.fields, c.side, c.key) for c in compare(*indexes)]
    assert found == [(c.code, c.fields, c.side, c.key) for c in compare(
        *(from_data(side, valid=True) for side in whole))]
    assert {code for code, *_ in found} >= {"B107", "B301", "B303"}
    for section in SECTIONS:
        before = {item["name"]: item for item in whole[0][section]}
        after = {item["name"]: item for item in whole[1][section]}
        assert list(lazy[0].names(section)) == list(before)
        assert list(lazy[1].names(section)) == list(after)
        unchanged = {name for name in before.keys() & after.keys()
                     if lazy[0].unchanged(lazy[1], section, name)}
        # Unchanged: equal; what the memo takes as built, where it takes any.
        assert all(before[name] == after[name] for name in unchanged), section
        kept = {name for name in after if after[name] is before.get(name)}
        assert unchanged == kept if section in ("functions", "types", "enums", "models") \
            else unchanged >= kept, section
        # Only the others were built, and compared as data.
        assert not unchanged & (lazy[0]._built[section].keys() | lazy[1]._built[section].keys())
        for name in before.keys() & after.keys() - unchanged:
            assert indexes[0].same(indexes[1], section, name) == (before[name] == after[name])
        assert lazy[1]._built[section].keys() == before.keys() & after.keys() - unchanged
        if section == "functions" or (section in ("types", "contexts") and kinds == "alike"):
            assert unchanged, section  # some were left unbuilt


@pytest.mark.parametrize("kinds", ["alike", "differ"])
def test_declarations_written_alike_in_edited_files_are_not_built(kinds: str,
                                                                   tmp_path: Path) -> None:
    """With the files' texts, a declaration of a file edited elsewhere that
    reads as on the other side counts as unchanged when its inputs are (the
    auth default changed too: those that take it are built and compared)."""
    from mizan_lang.check import check
    from mizan_lang.ir import build_ir
    from mizan_lang.ir.build import SECTIONS
    from mizan_lang.ir.lazy import LazyIr
    from mizan_lang.review.diff import compare
    from mizan_lang.review.index import from_built, from_data

    def search_doc(new: Path) -> None:  # changed in its text alone (its inputs as they were)
        _edit(new / "catalog.mizan", 'doc "Full-text search over published products."',
              'doc "Full-text search."')

    loaded = _shop_pair(kinds, tmp_path, search_doc)[:2]
    results = [check(workspace) for workspace in loaded]
    whole = [build_ir(result, plain=True) for result in results]
    texts = [{path: source.text for path, source in workspace.files.items()}
             for workspace in loaded]
    lazy = [LazyIr(result, texts=files) for result, files in zip(results, texts, strict=True)]
    found = [(c.code, c.fields, c.side, c.key) for c in compare(*map(from_built, lazy))]
    assert found == [(c.code, c.fields, c.side, c.key) for c in compare(
        *(from_data(side, valid=True) for side in whole))]
    alike = set()  # unchanged, though parsed again on the second side
    for section in SECTIONS:
        before = {item["name"]: item for item in whole[0][section]}
        after = {item["name"]: item for item in whole[1][section]}
        for name in before.keys() & after.keys():
            if lazy[0].unchanged(lazy[1], section, name):
                assert before[name] == after[name], (section, name)
                assert name not in lazy[1]._built[section]
                namespace = SECTIONS[section][0]
                if results[1].symbols[namespace][name].decl is not results[0].symbols[
                        namespace][name].decl:
                    alike.add((section, name))
    assert not {("functions", "adjust_stock"), ("functions", "search_products")} & alike
    assert any(section == "functions" for section, _ in alike)


@pytest.mark.parametrize("kinds", ["alike", "differ"])
def test_second_sides_index_takes_the_first_sides_texts(kinds: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """What the result cache keeps of the second side, its canonical texts
    taken from the first side's where both hold the same declaration built
    alike (`IrIndex.twin`), is what it keeps when made on its own."""
    _shop_pair(kinds, tmp_path)
    monkeypatch.setenv("MIZAN_CACHE", "off")
    old, new = (str(tmp_path / side) for side in ("old", "new"))
    first, second = pair.load_pair(lambda share: prepare([old], "old", share),
                                   lambda share: prepare([new], "new", share))
    assert second.index.twin is first.index
    first.index.stored()
    made = []
    texts = second.index._texts
    second.index._texts = lambda section, name: made.append(name) or texts(section, name)
    taken = second.index.stored()
    assert taken == from_paths([new], "new", cache=False).index.stored()
    names = sum(len(second.index.names(section)) for section in index.SECTIONS)
    assert 0 < len(made) < names / (2 if kinds == "alike" else 1)


def test_files_not_at_the_same_places_are_not_renamed() -> None:
    class Loaded:
        files = dict.fromkeys(["/b/new/x.mizan", "/b/new/y.mizan", "/c/z.mizan"])

    assert reuse.same_places(Loaded(), {"/b/new/x.mizan": "/a/old/x.mizan"}) is None
    Loaded.files = dict.fromkeys(["/b/new/x.mizan", "/b/new/y.mizan"])
    assert reuse.same_places(Loaded(), {"/b/new/x.mizan": "/a/old/x.mizan"}) == {
        "/b/new/x.mizan": "/a/old/x.mizan", "/b/new/y.mizan": "/a/old/y.mizan"}
    # The second taken file sits elsewhere than the first says.
    assert reuse.same_places(Loaded(), {"/b/new/x.mizan": "/a/old/x.mizan",
                                        "/b/new/y.mizan": "/a/other/y.mizan"}) is None
    assert reuse.same_places(Loaded(), {}) is None


def _broken(folder: Path) -> None:
    main_file = folder / "main.mizan"
    main_file.write_text(main_file.read_text(encoding="utf-8") + "fn broken returns=Nope\n",
                         encoding="utf-8")


@pytest.mark.parametrize("broken", [(), ("old",), ("new",), ("old", "new")],
                         ids=lambda sides: "+".join(sides) or "none")
def test_sides_with_errors(broken: tuple[str, ...], tmp_path: Path, way, capfd,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    for side in ("old", "new"):
        shutil.copytree(SHOP, tmp_path / side)
        if side in broken:
            _broken(tmp_path / side)
    monkeypatch.chdir(tmp_path)
    for output in FORMATS:
        code, out, err = _same(_each_way(way, capfd, ["diff", "old", "new", "-f", output]))
        if broken:
            assert code == 1 and out == ""
            assert f"the {broken[0]} spec has errors; nothing was compared" in err
    # The first side's errors come before the second side's missing path.
    if broken[:1] == ("old",):
        shutil.rmtree(tmp_path / "new")
        code, out, err = _same(_each_way(way, capfd, ["diff", "old", "new"]))
        assert "the old spec has errors" in err


def _repo(tmp_path: Path) -> Path:
    repo = _shop_repo(tmp_path)
    _edit(repo / "spec" / "backoffice.mizan", "    param delta int\n", "")
    return repo


def test_against_a_revision(tmp_path: Path, way, capfd, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    monkeypatch.chdir(repo)
    for output in FORMATS:
        code, out, _ = _same(_each_way(way, capfd, ["breaking", "--against", "main", "spec",
                                                   "-f", output]))
        assert code == 1 and "B107" in out
    # Cached: each way with its own cache folder; a first run stores the
    # checks, a second the indexes, a third reads them.
    found: dict[str, list] = {}
    for name in WAYS:
        way(name, tmp_path / f"cache-{name}")
        for _ in range(3):
            capfd.readouterr()
            found.setdefault(name, []).append((main(["breaking", "--against", "main", "spec"]),
                                               *capfd.readouterr()))
    assert all(found[name] == found["alone"] for name in WAYS)
    assert found["alone"][0] == found["alone"][1] == found["alone"][2]
    # Errors: the working tree's come first, before a bad revision.
    _broken(repo / "spec")
    _same(_each_way(way, capfd, ["breaking", "--against", "main", "spec"]))
    code, _, err = _same(_each_way(way, capfd, ["breaking", "--against", "nope", "spec"]))
    assert code == 1 and "the working tree spec has errors" in err
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit",
                    "-q", "-am", "broken"], cwd=repo, check=True)
    code, _, err = _same(_each_way(way, capfd, ["breaking", "--against", "main", "spec"]))
    assert code == 1 and "the working tree spec has errors" in err
