"""The committed stubs of the shop example (stubs/) are current and lint-clean.

`mizan-lang gen --check` lists every stale, missing or extra file by name
and exits 1; the stubs must also pass `ruff check --isolated` and
`ruff format --check --isolated`, as every generated file does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STUBS = REPO / "stubs"
SHOP = REPO / "examples" / "shop"
TARGETS = ("fastapi", "django", "hono", "axum", "rust-client", "tauri")
# The client targets share one folder: their common files are the same bytes
# (header label `ts`), and each adds its own binding file.
CLIENT_TARGETS = ("ts", "react", "vue", "svelte")
CLIENT_STUBS = STUBS / "shop_ts"
RUFF = Path(sys.executable).with_name("ruff")


def gen_check(target: str, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mizan_lang", "gen", str(SHOP), "--target", target,
               "--out", str(out), "--check"]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("target", TARGETS)
def test_stubs_are_current(target: str) -> None:
    folder = STUBS / f"shop_{target.replace('-', '_')}"
    assert folder.is_dir(), f"{folder} is missing; see stubs/README.md"
    result = gen_check(target, folder)
    assert result.returncode == 0, (
        f"stale stubs (regenerate as stubs/README.md says):\n{result.stdout}{result.stderr}"
    )


@pytest.mark.parametrize("target", CLIENT_TARGETS)
def test_client_stubs_are_current(target: str) -> None:
    assert CLIENT_STUBS.is_dir(), f"{CLIENT_STUBS} is missing; see stubs/README.md"
    result = gen_check(target, CLIENT_STUBS)
    assert result.returncode == 0, (
        f"stale stubs (regenerate as stubs/README.md says):\n{result.stdout}{result.stderr}"
    )


def test_a_stale_stub_is_named(tmp_path: Path) -> None:
    copy = tmp_path / "shop_fastapi"
    shutil.copytree(STUBS / "shop_fastapi", copy)
    with (copy / "service.py").open("a", encoding="utf-8") as out:
        out.write("# edited by hand\n")
    result = gen_check("fastapi", copy)
    assert result.returncode == 1
    assert f"{copy / 'service.py'}: stale" in result.stdout


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_stubs_pass_ruff(command: list[str]) -> None:
    result = subprocess.run([str(RUFF), *command, "--isolated", str(STUBS)], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
