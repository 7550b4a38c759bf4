"""A first start beside buf: `check --no-cache` and open -> first diagnostics.

    npm ci --prefix bench                                   # buf (bench/package.json)
    python -m bench.first_open [--sizes 1000,5000,10000] [--repeat 3] [--before DIR]

For each size of `specgen`'s one-file API (and its `.proto`, as `bench.peers`
makes them), median of `--repeat`, interleaved run by run so that the machine's
load and the VM's drift hit every tool alike: each repeat runs every checkout's
`check` beside its server's first start, then buf's pair, in the reverse order
on every other repeat (after one warm-up run of each):

- `mizan-lang check --no-cache` and `buf build`: wall and CPU (user + system)
  of the process;
- a language server's first start (mizan-lang with an empty cache folder, so
  no records of an earlier start): wall from sending didOpen to the first
  publishDiagnostics of the file, and the server's CPU up to then (start-up,
  `initialize` and the check), read from /proc when the diagnostics arrive.

`--before DIR` also measures another checkout of mizan-lang (a worktree at an
older commit) in the same run, for before/after figures. Each checkout runs as
the installed `mizan-lang` script does (`from mizan_lang.__main__ import main`,
with PYTHONPATH set to the checkout), not as `python -m`, whose runpy and
importlib.util users do not run (~17 M instructions for `--version`, ~4 M for
a check, which imports most of what they import anyway). Prints a Markdown
table and the load average (progress on stderr).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from .lsp import StdioClient
from .peers import REPO, _initialize, buf_binary, log, prepare
from .run import _LAUNCHER, tool_env

# What pip's `mizan-lang` script runs ([project.scripts] in pyproject.toml).
SCRIPT = "import sys; from mizan_lang.__main__ import main; sys.exit(main())"
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _env(checkout: str | None, cache: Path) -> dict[str, str]:
    env = tool_env()
    if checkout is not None:
        env["PYTHONPATH"] = checkout
        env["MIZAN_CACHE_DIR"] = str(cache / "results")
    return env


def _process(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) of a fresh process (the launcher `bench.run` uses)."""
    out = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, *argv], check=True,
                         capture_output=True, text=True, env=env).stdout.split()
    return float(out[0]), float(out[3])


def _cpu(pid: int) -> float:
    """User + system seconds of a running process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _first_open(command: list[str], folder: Path, path: Path, env: dict[str, str]
                ) -> tuple[float, float]:
    """(wall from didOpen to the file's first diagnostics, server CPU up to then)."""
    text = path.read_text(encoding="utf-8")
    client = StdioClient(command, env=env, cwd=tempfile.gettempdir())
    try:
        _initialize(client, folder)
        sent = client.open(path.as_uri(), text)
        client.diagnostics(path.as_uri(), timeout=300)
        wall = time.perf_counter() - sent
        cpu = _cpu(client.proc.pid)
    finally:
        client.stop()
    return wall, cpu


def _row(name: str, runs: list[tuple[float, float]]) -> str:
    wall = statistics.median(run[0] for run in runs)
    cpu = statistics.median(run[1] for run in runs)
    return f"| {name} | {wall:.2f} s | {cpu:.2f} s |"


def measure(base: Path, n: int, repeat: int, checkouts: dict[str, str]) -> list[str]:
    ws = prepare(base, n)
    cache = base / "cache"
    python = [sys.executable, "-P", "-c", SCRIPT]
    spec = ws.mizan / "spec.mizan"

    def check(co: str) -> tuple[float, float]:
        return _process([*python, "check", str(ws.mizan), "--no-excerpt", "--no-cache"],
                        _env(co, cache))

    def server(co: str) -> tuple[float, float]:
        shutil.rmtree(cache, ignore_errors=True)  # no records: a first start
        return _first_open([*python, "lsp"], ws.mizan, spec, _env(co, cache))

    # Each checkout's check beside its own server's first start, then buf's pair.
    jobs: list[tuple[str, Callable[[], tuple[float, float]]]] = []
    for label, co in checkouts.items():
        jobs.append((f"mizan-lang{label} check --no-cache", partial(check, co)))
        jobs.append((f"mizan-lang{label} lsp, first start", partial(server, co)))
    buf = buf_binary()
    if buf.exists():
        env = _env(None, cache)
        jobs.append(("buf build", partial(_process, [str(buf), "build", str(ws.proto)], env)))
        jobs.append(("buf lsp serve", partial(
            _first_open, [str(buf), "lsp", "serve"], ws.proto, ws.proto / "api.proto", env)))
    for _, job in jobs:  # warm-up: OS file cache, .pyc files
        job()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in jobs}
    for turn in range(repeat):
        # Interleaved, and every other repeat in the reverse order (each server then
        # runs first where its check ran first before): the VM's speed drifts by
        # 20-40% within an hour, and a block of checks followed by a block of
        # servers put that drift between the two rows that are compared.
        log(f"{n} functions: repeat {turn + 1} of {repeat}")
        for name, job in jobs if turn % 2 == 0 else reversed(jobs):
            runs[name].append(job())
    return [_row(f"{name}, {n:,} fns", found) for name, found in runs.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_open",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", metavar="DIR", help="another checkout to measure too")
    args = parser.parse_args(argv)
    checkouts = {"": str(REPO)}
    if args.before:
        checkouts = {" (before)": str(Path(args.before).resolve()), " (after)": str(REPO)}
    lines = ["| Process (check: whole run; server: to first diagnostics) | wall | CPU |",
             "|---|---:|---:|"]
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="mizan-first-open-") as temp:
        for n in (int(size) for size in args.sizes.split(",") if size):
            lines += measure(Path(temp), n, args.repeat, checkouts)
            loads.append(os.getloadavg()[0])
    print("\n".join(lines))
    print(f"\nload average (1 min) at the start and after each size: "
          f"{', '.join(f'{load:.1f}' for load in loads)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
