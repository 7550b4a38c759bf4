"""A check without a cache (`check.plain.PlainState`) equals one through a `CheckCache`.

`check(ws)` runs the passes without recording units or dependency keys and
merges its tables as plain dicts; `check(ws, CheckCache())` records everything
an editor session replays. Both must give the same result, object for object,
on every spec in the repository, on generated APIs, and on generated APIs
damaged by random edits (duplicates, unknown names, broken syntax).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_check_incremental import edit, snapshot

from bench import specgen
from mizan_lang.check import check
from mizan_lang.check.state import CheckCache, units_of
from mizan_lang.check.tables import SymbolTables
from mizan_lang.decls import FileDecls
from mizan_lang.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
SPECS = sorted(str(path.relative_to(REPO)) for path in REPO.rglob("*.mizan")
               if not {"node_modules", ".git", "target"} & set(path.parts))
FOLDERS = sorted({str(Path(spec).parent) for spec in SPECS})


def assert_same(roots: list[str]) -> None:
    workspace = load_workspace(roots)
    plain, cached = snapshot(check(workspace)), snapshot(check(workspace, CheckCache()))
    for key in cached:
        assert plain[key] == cached[key], f"{roots}: {key} differ"
    assert_tables_same(workspace)


def _tables(tables: SymbolTables) -> dict:
    return {
        "symbols": {kind: [(name, s.kind, s.path, s.span, id(s.decl)) for name, s in table.items()]
                    for kind, table in tables.sorted_symbols().items()},
        "entries": {key: [(unit, path, kind, id(decl)) for unit, path, kind, decl in found]
                    for key, found in tables.entries.items()},
        "files": {unit: [(ns, kind, name, id(decl)) for ns, kind, name, decl in found]
                  for unit, (_, found) in tables.files.items()},
        "folds": tables.folds,
        "diagnostics": sorted((d.path, d.span.start, d.span.end, d.code, d.message,
                               [(r.path, r.span, r.message) for r in d.related])
                              for d in tables.diagnostics()),
    }


def assert_tables_same(workspace) -> None:
    """Symbol tables built at once (a first check) equal tables patched name by
    name from units without declarations (what later checks do)."""
    files = {path: source.decls or FileDecls(path=path) for path, source in workspace.files.items()}
    units = units_of(files, None)
    built, built_changed = SymbolTables(), set()
    built.update(units, built_changed)
    patched, patched_changed = SymbolTables(), set()
    patched.update([(unit, path, FileDecls(path=path)) for unit, path, _ in units], set())
    patched.update(units, patched_changed)
    assert _tables(built) == _tables(patched)
    assert built_changed == patched_changed


def test_the_repository_has_specs() -> None:
    assert len(SPECS) > 150 and "examples/shop" in FOLDERS


@pytest.mark.parametrize("spec", SPECS)
def test_every_spec(spec: str) -> None:
    assert_same([str(REPO / spec)])


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_folder(folder: str) -> None:
    assert_same([str(REPO / folder)])


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")


@pytest.mark.parametrize(("size", "seed", "split"),
                         [(120, 0, False), (300, 1, True), (1000, 2, False)])
def test_generated(tmp_path: Path, size: int, seed: int, split: bool) -> None:
    _write(tmp_path, specgen.generate(size, seed, split=split))
    assert_same([str(tmp_path)])


@pytest.mark.parametrize("seed", range(4))
def test_generated_after_random_edits(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = specgen.generate(150, seed, split=seed % 2 == 0)
    _write(tmp_path, files)
    history: dict[str, list[str]] = {name: [] for name in files}
    for _ in range(25):
        name = rng.choice(sorted(files))
        others = [text for other, text in files.items() if other != name]
        history[name].append(files[name])
        files[name] = edit(files[name], others, history[name], rng)
        (tmp_path / name).write_text(files[name], "utf-8")
        assert_same([str(tmp_path)])
