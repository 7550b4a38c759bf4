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
