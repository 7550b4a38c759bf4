"""An editor session (incremental parse, per-chunk lowering, cached checks)
always reports exactly what a fresh `check` of the same texts reports."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from mizan_lang.check import check
from mizan_lang.ide.session import Session
from mizan_lang.workspace import load_workspace

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"
SNIPPETS = ["x", "\n", "}", "{", '"', "Money", "int", "param q str\n", "type ", "fn z context=",
            "9", "/-", "// note\n", "affects=cart ", "é🍵"]


def diagnostics(result):
    return [(d.path, d.span.start, d.span.end, d.code, d.message) for d in result.diagnostics]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_edits_match_a_fresh_check(tmp_path: Path, seed: int) -> None:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    session = Session()
    session.set_folders([str(root)])
    path = session_path = str((root / "catalog.mizan").resolve())
    text = Path(path).read_text("utf-8")
    session.open(path, text, 1)
    rng = random.Random(seed)
    for version in range(2, 120):
        at = rng.randrange(len(text) + 1)
        text = text[:at] + rng.choice(SNIPPETS) + text[at + rng.choice([0, 0, 1, 4]):]
        session.change(path, text, version)
        got = diagnostics(session.analysis_for(path).result)
        fresh = load_workspace([root], read=lambda p: text if p == session_path else None)
        assert got == diagnostics(check(fresh)), f"after edit {version}"


def test_files_and_links_changed_on_disk_match_a_fresh_check(tmp_path: Path) -> None:
    """The session keeps what it knows of the disk (roots, texts, which paths are
    files) between keystrokes; after watched-file events, links retargeted and
    files gone or new, its analysis is still the one a fresh load gives."""
    root = tmp_path / "spec"
    root.mkdir()
    impl = tmp_path / "impl"  # outside the folder: reached through the link only
    impl.mkdir()
    main = root / "main.mizan"
    main.write_text('mizan 1\nimport "lib.mizan"\ncontext c { }\nfn f context=c returns=T { }\n',
                    "utf-8")
    (impl / "one.mizan").write_text("mizan 1\ntype T { field x str }\n", "utf-8")
    (impl / "two.mizan").write_text("mizan 1\ntype U { field y str }\n", "utf-8")
    (root / "lib.mizan").symlink_to(impl / "one.mizan")
    session = Session()
    session.set_folders([str(root)])
    path = str(main.resolve())
    text = main.read_text("utf-8")
    session.open(path, text, 1)

    def same_as_fresh(step: str) -> list[str]:
        analysis = session.analysis_for(path)
        fresh = load_workspace([root], read=lambda p: text if p == path else None)
        assert sorted(analysis.files) == sorted(fresh.files), step
        assert diagnostics(analysis.result) == diagnostics(check(fresh)), step
        return [d.code for d in analysis.result.diagnostics]

    assert same_as_fresh("opened") == []
    for version, typed in enumerate(["x", "", "y"], 2):  # keystrokes reuse what it knows
        text = text.replace(" returns=", f" {typed}returns=", 1) if typed else text
        session.change(path, text, version)
        same_as_fresh(f"typed {typed!r}")
    text = main.read_text("utf-8")
    session.change(path, text, 5)
    (root / "lib.mizan").unlink()
    (root / "lib.mizan").symlink_to(impl / "two.mizan")
    session.files_changed([], [str(root / "lib.mizan")], [])
    assert "M201" in same_as_fresh("link retargeted")  # type T is gone
    (impl / "two.mizan").unlink()
    session.files_changed([], [], [str(impl / "two.mizan")])
    assert "M002" in same_as_fresh("link target deleted")
    (impl / "two.mizan").mkdir()
    session.files_changed([str(impl / "two.mizan")], [], [])
    assert "M004" in same_as_fresh("a folder in the file's place")
    (impl / "two.mizan").rmdir()
    (impl / "two.mizan").write_text("mizan 1\ntype T { field z str }\n", "utf-8")
    session.files_changed([str(impl / "two.mizan")], [], [])
    assert same_as_fresh("file back") == []
