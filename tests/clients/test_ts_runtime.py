"""The hand-written TypeScript client runtime (generators/ts/static/runtime.ts).

It is copied as is into every generated client, so it must pass `tsc --strict`
and prettier on its own. Compiled to JavaScript, it replays the protocol
vectors a client needs (tests/clients/vectors.mjs) and focused checks of the
cache tiers and the transport with a fake fetch and WebSocket
(tests/clients/runtime_calls.mjs).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .toolchain import ROOT, ensure_node_modules, fresh_dir, node, prettier_check, tsc_strict

RUNTIME = ROOT / "generators" / "ts" / "static" / "runtime.ts"
VECTORS = ROOT / "protocol" / "vectors"
HERE = Path(__file__).resolve().parent

# The vector files a client replays; the others (cache_keys, csrf, mwt,
# manifest) hold server-side computations a client never makes.
CLIENT_VECTORS = ("values.json", "args.json", "invalidation.json", "header.json",
                  "forms.json", "errors.json", "tokens.json")


@pytest.fixture(scope="module")
def compiled() -> Path:
    """runtime.ts type-checked, prettier-checked and compiled; the runtime.js path."""
    ensure_node_modules()
    folder = fresh_dir("ts_runtime")
    source = folder / "src"
    source.mkdir()
    shutil.copy(RUNTIME, source / "runtime.ts")
    prettier_check(source)
    tsc_strict(source, out_dir=folder / "out")
    return folder / "out" / "runtime.js"


def _run(script: str, *args: str) -> Any:
    result = node(HERE / script, *args)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def vector_summary(compiled: Path) -> dict[str, Any]:
    return _run("vectors.mjs", str(compiled), str(VECTORS))


def test_runtime_imports_nothing() -> None:
    text = RUNTIME.read_text()
    assert not re.search(r"^\s*import\b|\brequire\(", text, re.MULTILINE)


@pytest.mark.parametrize("name", CLIENT_VECTORS)
def test_vectors(vector_summary: dict[str, Any], name: str) -> None:
    entry = vector_summary.get(name)
    assert entry is not None, f"{name} was not replayed"
    assert entry["cases"] > 0
    assert entry["failures"] == [], json.dumps(entry["failures"][:5], indent=2)


def test_every_client_vector_file_is_replayed(vector_summary: dict[str, Any]) -> None:
    assert sorted(vector_summary) == sorted(CLIENT_VECTORS)
    assert {path.name for path in VECTORS.glob("*.json")} >= set(CLIENT_VECTORS)


def test_cache_tiers_and_transport(compiled: Path) -> None:
    summary = _run("runtime_calls.mjs", str(compiled))
    assert summary["tests"] >= 14
    assert summary["failures"] == [], "\n\n".join(
        f"{f['name']}\n{f['error']}" for f in summary["failures"])
