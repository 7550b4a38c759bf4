"""Neovim, set up with editors/neovim, shows the language server's diagnostics.

Each case opens a .mizan file in headless Neovim (`editors/neovim/test_init.lua` loads the
plugin the way a user would, waits for diagnostics and writes what Neovim saw to a JSON file).
The server is the real one, run from this checkout as `python -m mizan_lang lsp`. What Neovim
shows must be what `mizan-lang check` reports for the same file: same codes, messages and
ranges (Neovim counts columns in bytes, the CLI in code points; the conversion below proves the
server's UTF-16 positions survive the trip).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "editors" / "neovim"
TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Case:
    spec: str
    codes: frozenset[str]  # the codes the file must produce, as a sanity check on the case


CASES = {
    "unknown-type": Case(
        "mizan 1\n\ntype Profile {\n    field name Strng\n}\n",
        frozenset({"M201"}),
    ),
    "kdl-syntax-errors": Case(
        'mizan 1\n\nenum Role { member; staff doc="Staff }\n',
        frozenset({"K002", "K010"}),
    ),
    "columns-after-non-ascii-text": Case(
        "mizan 1\nenum Role { member; staff }\ntype T {\n"
        '    field role Role doc="héllo 😀" default=membr\n}\n',
        frozenset({"M206"}),
    ),
}


def _nvim() -> str:
    nvim = os.environ.get("MIZAN_TEST_NVIM") or shutil.which("nvim")
    if nvim is None:
        pytest.fail(
            "Neovim is not installed: these tests need `nvim` on PATH "
            "(Debian: apt-get install -y neovim) or MIZAN_TEST_NVIM=/path/to/nvim",
            pytrace=False,
        )
    return nvim


def _python_env(tmp_path: Path) -> dict[str, str]:
    """Environment for child processes: this checkout importable, Neovim's files in tmp_path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / "xdg" / var.lower())
    return env


def _cli_diagnostics(spec: Path, env: dict[str, str]) -> list[dict]:
    """What `mizan-lang check` reports, with 0-based lines and byte columns like Neovim's."""
    result = subprocess.run(
        [sys.executable, "-m", "mizan_lang", "check", "--format", "json", str(spec)],
        check=False, capture_output=True, text=True, env=env, timeout=60,
    )
    assert result.returncode in (0, 1), result.stderr
    lines = spec.read_text(encoding="utf-8").split("\n")

    def byte_column(line: int, column: int) -> int:
        return len(lines[line - 1][: column - 1].encode("utf-8"))

    return sorted(
        (
            {
                "code": d["code"],
                "severity": d["severity"],
                "message": d["message"],
                "lnum": d["range"]["start"]["line"] - 1,
                "col": byte_column(d["range"]["start"]["line"], d["range"]["start"]["column"]),
                "end_lnum": d["range"]["end"]["line"] - 1,
                "end_col": byte_column(d["range"]["end"]["line"], d["range"]["end"]["column"]),
            }
            for d in json.loads(result.stdout)
        ),
        key=lambda d: (d["lnum"], d["col"], d["code"]),
    )


def _run_neovim(spec: Path, out: Path, env: dict[str, str], *, restart: bool = False) -> dict:
    env = dict(
        env,
        MIZAN_TEST_RESTART="1" if restart else "0",
        MIZAN_TEST_OUT=str(out),
        MIZAN_TEST_TIMEOUT_MS=str(TIMEOUT_MS),
        MIZAN_LSP_CMD=json.dumps([sys.executable, "-m", "mizan_lang", "lsp"]),
    )
    command = [_nvim(), "--headless", "--clean", "-u", str(PLUGIN / "test_init.lua"), str(spec)]
    try:
        proc = subprocess.run(
            command, check=False, cwd=spec.parent, env=env, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT_MS / 1000 + 60,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"Neovim did not exit: {expired}", pytrace=False)
    if not out.is_file():
        pytest.fail(
            f"Neovim wrote no result (exit {proc.returncode})\n--- stdout\n{proc.stdout}"
            f"\n--- stderr\n{proc.stderr}",
            pytrace=False,
        )
    return json.loads(out.read_text(encoding="utf-8"))


def _shown(result: dict) -> list[dict]:
    keys = ("code", "severity", "message", "lnum", "col", "end_lnum", "end_col")
    return sorted(
        ({key: d[key] for key in keys} for d in result["diagnostics"]),
        key=lambda d: (d["lnum"], d["col"], d["code"]),
    )


def _assert_server_attached(result: dict, root: Path) -> None:
    assert "error" not in result, result
    client = result["client"]
    assert client is not None, (
        f"the server exited\n{result['messages']}\n--- Neovim's LSP log\n{result['lsp_log']}")
    assert client == {"name": "mizan", "root_dir": str(root), "attached": True}
    assert not result["timed_out"], f"no diagnostics within {TIMEOUT_MS} ms: {result}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_neovim_shows_the_servers_diagnostics(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    spec = tmp_path / "api.mizan"
    spec.write_text(case.spec, encoding="utf-8")
    env = _python_env(tmp_path)

    result = _run_neovim(spec, tmp_path / "result.json", env)

    assert result["filetype"] == "mizan"
    assert result["commentstring"] == "// %s"
    _assert_server_attached(result, tmp_path)
    expected = _cli_diagnostics(spec, env)
    assert {d["code"] for d in expected} == case.codes
    assert _shown(result) == expected


def test_restarting_the_server_replaces_its_diagnostics(tmp_path: Path) -> None:
    """:MizanRestart starts a new server and leaves no diagnostics of the old one behind."""
    spec = tmp_path / "api.mizan"
    spec.write_text(CASES["unknown-type"].spec, encoding="utf-8")
    env = _python_env(tmp_path)

    result = _run_neovim(spec, tmp_path / "result.json", env, restart=True)

    _assert_server_attached(result, tmp_path)
    restarted = result["restarted"]
    assert restarted is not None and restarted["new_client"] != restarted["old_client"], result
    assert _shown(result) == _cli_diagnostics(spec, env)
