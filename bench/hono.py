"""Speed of the Hono target (issue 9, "Speed"): a benchmark, not a test.

    python -m bench.hono [--quick] [--write-docs]

1. `gen` of the 1,000-function spec with `--target hono`: wall time (as
   bench/servers.py measures the Python targets: median of 5 after a
   warm-up) and the CLI's CPU time, which other jobs inflate least.
2. Per-call CPU time of the generated dispatch against a hand-written Hono
   handler doing the same work (bench/hono/impl.ts; the answers are checked
   byte-equal), side by side in one Node.js process: `app.request()` with no
   sockets, rounds alternating, the median of the rounds' paired ratios.
   Bar: <= 1.2x.
3. Requests per second of `POST call/` echo over loopback HTTP: the
   generated Hono app on @hono/node-server against the generated FastAPI app
   on uvicorn (one worker each), driven by wrk as bench/servers.py does.

`--write-docs` puts the table between the hono markers of docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import servers, servers_app, specgen

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "hono"
DOCS = REPO / "docs" / "performance.md"
START = "<!-- hono:start -->"
END = "<!-- hono:end -->"
TSC = REPO / "node_modules" / "typescript" / "bin" / "tsc"
BAR_GEN_S = 1.0
BAR_CALL_RATIO = 1.2
TSCONFIG = {
    "compilerOptions": {
        "strict": True, "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
        "types": ["node"], "skipLibCheck": True, "outDir": "out", "rootDir": ".",
    },
    "include": ["**/*.ts"],
}


# This checkout's CLI (the installed script may predate the hono target).
CLI = [sys.executable, "-m", "mizan_lang"]


class NodeServer(servers.Server):
    """`node main.js serve <app> PORT` on a free loopback port."""

    def __init__(self, folder: Path, app: str) -> None:
        self.port = servers.free_port()
        self.process = subprocess.Popen(
            ["node", str(folder / "out" / "main.js"), "serve", app, str(self.port)], cwd=folder)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"node {app} did not start") from None
                time.sleep(0.1)


def build(folder: Path, spec: Path) -> None:
    subprocess.run([*CLI, "gen", str(spec), "--target", "hono", "--out",
                    str(folder / "api")], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    for source in HERE.glob("*.ts"):
        shutil.copy(source, folder / source.name)
    (folder / "tsconfig.json").write_text(json.dumps(TSCONFIG), "utf-8")
    subprocess.run(["node", str(TSC), "-p", str(folder / "tsconfig.json")], check=True)
    (folder / "out" / "package.json").write_text('{"type": "module"}\n', "utf-8")


def gen_cpu_times(root: Path, runs: int, work: Path) -> tuple[list[float], list[float]]:
    """(wall, CPU) seconds of `gen --target hono`, the first run a warm-up. CPU
    time (user + system of the CLI process) is what a busy shared machine
    inflates least; wall time is what a user waits."""
    walls, cpus = [], []
    # As installed: with bytecode cached (the warm-up writes it; pip compiles
    # on install), not compiling every module from source on each run.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for run in range(runs + 1):
        out = work / f"hono_{run}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([*CLI, "gen", str(root), "--target", "hono", "--out", str(out)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
                       env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        shutil.rmtree(out)
        if run:
            walls.append(wall)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def dispatch_times(folder: Path, calls: int, rounds: int) -> dict[str, list[float]]:
    result = subprocess.run(["node", str(folder / "out" / "main.js"), "dispatch", str(calls),
                             str(rounds)], check=True, capture_output=True, text=True, cwd=folder)
    data = json.loads(result.stdout)
    if not data["same"]:
        raise SystemExit(f"the two echo handlers answer differently: {data}")
    return {name: data[name] for name in ("generated", "hand-written")}


def section(gen: list[float], gen_cpu: list[float], times: dict[str, list[float]], loads: dict[str, servers.Load],
            args: argparse.Namespace, seconds: float, rounds: int) -> str:
    node = subprocess.run(["node", "--version"], check=False, capture_output=True,
                          text=True).stdout.strip()
    gen_s = statistics.median(gen)
    cpu_s = statistics.median(gen_cpu)
    gen_us, hand_us = (statistics.median(times[k]) for k in ("generated", "hand-written"))
    # The median of the rounds' own ratios: each pair ran back to back, so a
    # burst of load from other jobs weighs on both sides of a pair alike.
    ratio = statistics.median(g / h for g, h in zip(times["generated"], times["hand-written"],
                                                    strict=True))
    rows = [
        "| Measure | figure | bar | met |",
        "|---|---|---|---|",
        (f"| `gen` 1,000 functions, `--target hono`, wall (median of {len(gen)}; min "
        f"{min(gen):.2f} s, max {max(gen):.2f} s) | {gen_s:.2f} s | <= {BAR_GEN_S:g} s | "
        f"{'yes' if gen_s <= BAR_GEN_S else 'no'} |"),
        (f"| `gen` 1,000 functions, `--target hono`, CPU time of the CLI (median of "
        f"{len(gen_cpu)}) | {cpu_s:.2f} s | <= {BAR_GEN_S:g} s | "
        f"{'yes' if cpu_s <= BAR_GEN_S else 'no'} |"),
        (f"| `POST call/` echo in-process, hand-written Hono handler (median of "
        f"{len(times['generated'])} rounds "
        f"of {args.calls:,} calls) | {hand_us:.1f} us CPU/call | - | - |"),
        f"| `POST call/` echo in-process, generated Hono dispatch | {gen_us:.1f} us CPU/call | - | - |",
        (f"| per-call time, generated / hand-written (median of the rounds' paired "
         f"ratios) | {ratio:.2f}x | <= {BAR_CALL_RATIO:g}x | "
        f"{'yes' if ratio <= BAR_CALL_RATIO else 'no'} |"),
    ]
    for name, load in loads.items():
        rows.append(f"| `POST call/` echo over HTTP, {name} | {load.rps:,.0f} req/s; p50 "
                    f"{load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms | - | - |")
    names = list(loads)
    if len(names) == 2:
        rows.append(f"| req/s, {names[0]} / {names[1]} | "
                    f"{loads[names[0]].rps / loads[names[1]].rps:.2f}x | reported | - |")
    when = datetime.date.today().isoformat()
    return (
        f"## Hono server\n\nMeasured {when} on {platform.machine()}, {os.cpu_count()} cores (a "
        f"shared machine: other jobs ran meanwhile), Node.js {node}, with `python -m bench.hono "
        f"--write-docs` (load average {os.getloadavg()[0]:.1f} when it ended). The in-process "
        f"rows call `app.request()` of both apps alternately in one Node.js process (no "
        f"sockets: the dispatch alone) and count the process's CPU time per call (user + "
        f"system, all threads: waiting for a core on the shared machine is left out), the "
        f"app going first alternating by round; the HTTP rows serve each app "
        f"with one process on 127.0.0.1 and drive it with wrk, {servers.CONNECTIONS} "
        f"connections, median of {rounds} runs of {seconds:g} s, alternating. Both echo "
        f"handlers answer the same bytes.\n\n" + "\n".join(rows) + "\n"
    )


def write_docs(text: str) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    block = f"{START}\n{text}{END}"
    if START in docs and END in docs:
        before, rest = docs.split(START, 1)
        docs = before + block + rest.split(END, 1)[1]
    else:
        docs = docs.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(docs, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hono", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--calls", type=int, default=4_000, help="calls per round")
    parser.add_argument("--rounds", type=int, default=25, help="in-process rounds per app")
    args = parser.parse_args()
    seconds, rounds = (3.0, 1) if args.quick else (10.0, 3)
    cache = REPO / ".cache"
    cache.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-hono-", dir=cache) as temp:
        work = Path(temp)
        spec_dir = work / "spec"
        spec_dir.mkdir()
        for name, text in specgen.generate(1000).items():
            (spec_dir / name).write_text(text, encoding="utf-8")
        servers.log("gen --target hono ...")
        gen, gen_cpu = gen_cpu_times(spec_dir / specgen.SINGLE_ROOT, 5, work)
        small = work / "bench.mizan"
        small.write_text(servers_app.SPEC, encoding="utf-8")
        folder = work / "app"
        folder.mkdir()
        build(folder, small)
        servers.log("dispatch in-process ...")
        times = dispatch_times(folder, args.calls, args.rounds)
        loads: dict[str, servers.Load] = {}
        if shutil.which("wrk"):
            servers.log("POST call/ over HTTP ...")
            package = work / "pkg"
            subprocess.run([*CLI, "gen", str(small), "--target", "fastapi", "--out",
                            str(package / servers_app.PACKAGE)], check=True,
                           stdout=subprocess.DEVNULL, cwd=REPO)
            pythonpath = os.pathsep.join([str(package), str(REPO),
                                          str(REPO / "runtimes" / "python")])
            running = {"generated Hono (Node.js)": NodeServer(folder, "generated"),
                       "generated FastAPI (uvicorn)": servers.Server(
                           "bench.servers_app:generated_app", pythonpath)}
            try:
                loads = servers.compare(running, servers.CALL_PATH, servers.CALL_BODY, seconds,
                                        rounds, work)
            finally:
                for server in running.values():
                    server.close()
        text = section(gen, gen_cpu, times, loads, args, seconds, rounds)
        print(text)
        if args.write_docs:
            write_docs(text)


if __name__ == "__main__":
    main()
    sys.exit(0)
