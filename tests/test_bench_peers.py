"""`bench/peers.py` runs: buf and TypeSpec accept the translated API, and a
small side-by-side run produces a figure in every cell.

A smoke run, not a timing test: nothing here compares speeds. The peers come
from bench/package.json (`npm ci --prefix bench`, run here when missing).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bench import peers

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def installed() -> None:
    lock = BENCH / "package-lock.json"
    stamp = BENCH / "node_modules" / ".package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not installed: the benchmark's peers come from npm", pytrace=False)
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=False,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    assert peers.peers_available() == {"buf": True, "tsp": True}


def test_translations_compile(installed, tmp_path):
    ws = peers.prepare(tmp_path, 200)
    proto = (ws.proto / "api.proto").read_text(encoding="utf-8")
    tsp = ws.tsp.read_text(encoding="utf-8")
    # Every function became an rpc and an operation.
    assert proto.count(" rpc ") == 200
    assert len(re.findall(r"^\s*(?:op )?`\w+`\(", tsp, re.M)) == 200
    for argv in peers.check_commands(ws, peers.peers_available()).values():
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
        assert done.returncode == 0, (argv, done.stdout, done.stderr)


def test_small_run_reports_every_figure(installed, tmp_path, capsys):
    assert shutil.which("node")
    raw = tmp_path / "raw.json"
    assert peers.main(["--sizes", "50", "--repeat", "1", "--edits", "2", "--lsp-sizes", "50",
                       "--starts", "2", "--json", str(raw)]) == 0
    out = capsys.readouterr().out
    for name in ("mizan-lang check (cache warm)", "mizan-lang check --no-cache", "buf build",
                 "tsp compile --no-emit", "mizan-lang lsp", "buf lsp serve"):
        rows = [line for line in out.splitlines() if line.startswith(f"| {name} |")]
        assert rows, f"no row for {name}:\n{out}"
        assert all(re.search(r"\d+(\.\d+)? (s|ms)", row) for row in rows), rows
    assert "(exit" not in out, out
    assert "| `check`, CPU time (user + system) |" in out, out
    starts = out.split("| start -> `initialize` answered |")[1]
    for name in ("mizan-lang lsp, first start", "mizan-lang lsp", "buf lsp serve"):
        assert re.search(rf"^\| {name} \| \d+ ms \| \d+ - \d+ ms \| 2 \|$", starts, re.M), starts


def test_first_open_reports_every_figure(installed, capsys):
    from bench import first_open

    assert first_open.main(["--sizes", "50", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    for name in ("mizan-lang check --no-cache", "buf build", "mizan-lang lsp, first start",
                 "buf lsp serve"):
        rows = [line for line in out.splitlines() if line.startswith(f"| {name}, 50 fns |")]
        assert len(rows) == 1, f"no row for {name}:\n{out}"
        assert re.fullmatch(r"\| .* \| \d+\.\d\d s \| \d+\.\d\d s \|", rows[0]), rows
    assert "load average" in out, out
