"""Speed of the Axum target (issue 8, "Speed"): a benchmark, not a test.

    python -m bench.axum [--quick] [--write-docs]

1. `gen --target axum` wall time of the 1,000-function spec
   (specgen.generate(1000)): a fresh CLI process writing into a fresh
   folder, median of 5 after one warm-up run.
2. `cargo build` of that generated crate (debug and release), in a
   workspace of its own with the repository's Cargo.lock and the shared
   target directory, dependencies already built: what a user waits for after
   changing the spec. Also its size in lines.
3. Per-call time of the generated Axum dispatch against a hand-written Axum
   handler doing the same work (bench/axum_app: both in one release binary,
   one worker thread; the response bytes are checked equal first), and
   requests/s of FastAPI's generated dispatch on the same spec and machine
   (bench.servers' app under uvicorn). Driven by wrk, alternating, the
   median of the runs kept.

The Markdown table goes to stdout; `--write-docs` puts it between the axum
markers of docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from conformance.targets import cargo_target_dir

from . import servers, servers_app, specgen
from .run import tool_env

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "performance.md"
START = "<!-- axum:start -->"
END = "<!-- axum:end -->"
BAR_GEN_S = 1.0
BAR_CALL_RATIO = 1.1
CALL_BODY = b'{"fn": "echo", "args": {"id": "7"}}'


def target_dir() -> str:
    return cargo_target_dir()


def cargo(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["cargo", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "CARGO_TARGET_DIR": target_dir()})
    return time.perf_counter() - start


def workspace(folder: Path, members: list[str]) -> None:
    quoted = ", ".join(f'"{m}"' for m in members)
    runtime = (REPO / "runtimes" / "rust").as_posix()
    (folder / "Cargo.toml").write_text(
        f'[workspace]\nmembers = [{quoted}]\nresolver = "2"\n\n'
        f'[patch.crates-io]\nmizan-runtime = {{ path = "{runtime}" }}\n', "utf-8")
    shutil.copy(REPO / "Cargo.lock", folder / "Cargo.lock")


def cli() -> list[str]:
    """This checkout's CLI (an installed `mizan-lang` may predate the target)."""
    return [sys.executable, "-m", "mizan_lang"]


def gen_times(root: Path, runs: int, work: Path) -> list[float]:
    times = []
    for run in range(runs + 1):  # the first is the warm-up
        out = work / f"axum_{run}"
        start = time.perf_counter()
        gen(root, out)
        elapsed = time.perf_counter() - start
        shutil.rmtree(out)
        if run:
            times.append(elapsed)
    return times


def gen(spec: Path, out: Path) -> None:
    # tool_env: with bytecode, as an installed tool runs (not compiled each time).
    subprocess.run([*cli(), "gen", str(spec), "--target", "axum", "--out", str(out)],
                   check=True, capture_output=True, env=tool_env())


def build_times(work: Path) -> dict[str, float]:
    """cargo build of the 1,000-function crate, deps warm: debug, release."""
    spec = work / "spec1000"
    spec.mkdir()
    spec_text = specgen.generate(1000)[specgen.SINGLE_ROOT]
    (spec / specgen.SINGLE_ROOT).write_text(spec_text, "utf-8")
    crate = work / "big" / "big_api"
    gen(spec, crate)
    workspace(work / "big", ["big_api"])
    lines = sum(len(p.read_text("utf-8").splitlines()) for p in crate.rglob("*.rs"))
    times = {"lines": float(lines)}
    for profile in ("debug", "release"):
        extra = ["--release"] if profile == "release" else []
        cargo(["build", *extra, "-p", "big_api"], work / "big")  # dependencies
        # touch so that only the generated crate is rebuilt
        (crate / "src" / "lib.rs").touch()
        times[profile] = cargo(["build", *extra, "-p", "big_api"], work / "big")
    return times


def start_axum(work: Path) -> tuple[subprocess.Popen[bytes], int]:
    folder = work / "calls"
    spec = folder / "spec.mizan"
    folder.mkdir()
    spec.write_text(servers_app.SPEC, "utf-8")
    gen(spec, folder / "mizan_bench_api")
    shutil.copytree(REPO / "bench" / "axum_app", folder / "app")
    workspace(folder, ["mizan_bench_api", "app"])
    cargo(["build", "--release", "-p", "axum-bench"], folder)
    port = servers.free_port()
    binary = Path(target_dir()) / "release" / "axum-bench"
    process = subprocess.Popen([str(binary), str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/mizan/manifest/", timeout=1)
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the Axum bench server did not start")


def instructions_per_call(binary: Path, calls: int = 2000) -> dict[str, float] | None:
    """User-space instructions the server runs per call, generated and hand-written,
    counted by valgrind's callgrind (the same count on a busy or a quiet machine;
    the kernel's share, the same for both, is left out). None without valgrind."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        return None
    port = servers.free_port()
    with tempfile.TemporaryDirectory(prefix="mizan-bench-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", str(binary), str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            counts = {}
            for name, path in (("warm-up", None), ("generated", "/api/mizan/call/"),
                               ("hand", "/hand/call/")):
                if path is None:
                    keep_alive_calls(port, "/api/mizan/call/", 200)
                    keep_alive_calls(port, "/hand/call/", 200)
                    continue
                subprocess.run(["callgrind_control", "-z", str(process.pid)], check=True,
                               capture_output=True)
                keep_alive_calls(port, path, calls)
                subprocess.run(["callgrind_control", "-d", name, str(process.pid)], check=True,
                               capture_output=True)
                dumps = sorted(Path(tmp).glob("callgrind.out.*"),
                               key=lambda p: int(p.name.rsplit(".", 1)[1]))
                totals = [line for line in dumps[-1].read_text().splitlines()
                          if line.startswith("summary:")]
                counts[name] = int(totals[0].split()[1]) / calls
            return counts
        finally:
            process.terminate()
            process.wait()


def keep_alive_calls(port: int, path: str, calls: int) -> None:
    """`calls` POSTs of CALL_BODY on one connection (waiting for the server to listen)."""
    import http.client

    deadline = time.monotonic() + 60
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.connect()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        for _ in range(calls):
            connection.request("POST", path, CALL_BODY, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise SystemExit(f"{path} answered {answer.status}")
    finally:
        connection.close()


def post(url: str) -> bytes:
    request = urllib.request.Request(url, data=CALL_BODY,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.read()


def load(url: str, seconds: float, work: Path) -> servers.Load:
    return servers.drive(url, seconds, CALL_BODY, work)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.axum")
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 round")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    seconds, rounds = (3.0, 1) if args.quick else (10.0, 3)
    with tempfile.TemporaryDirectory(prefix="mizan-bench-axum-") as tmp:
        work = Path(tmp)
        spec_root = work / "gen1000"
        spec_root.mkdir()
        spec_text = specgen.generate(1000)[specgen.SINGLE_ROOT]
        (spec_root / specgen.SINGLE_ROOT).write_text(spec_text, "utf-8")
        servers.log("gen --target axum, 1,000 functions")
        gens = gen_times(spec_root, 5, work)
        servers.log("cargo build of the generated 1,000-function crate")
        builds = build_times(work)
        servers.log("per-call: generated vs hand-written Axum, and FastAPI")
        process, port = start_axum(work)
        try:
            generated = f"http://127.0.0.1:{port}/api/mizan/call/"
            hand = f"http://127.0.0.1:{port}/hand/call/"
            if post(generated) != post(hand):
                raise SystemExit("the generated and the hand-written answers differ")
            runs: dict[str, list[servers.Load]] = {"generated": [], "hand": []}
            cpu: dict[str, list[float]] = {"generated": [], "hand": []}
            load(generated, 1, work)
            load(hand, 1, work)
            for _ in range(rounds):
                for name, url in (("generated", generated), ("hand", hand)):
                    before = cpu_seconds(process.pid)
                    result = load(url, seconds, work)
                    used = (cpu_seconds(process.pid) - before) / max(result.requests, 1)
                    servers.log(f"  {name}: {result.rps:.0f} req/s, {used * 1e6:.1f} us CPU/req")
                    runs[name].append(result)
                    cpu[name].append(used)
        finally:
            process.terminate()
            process.wait()
        servers.log("per-call instructions under callgrind")
        counted = instructions_per_call(Path(target_dir()) / "release" / "axum-bench")
        medians = {n: sorted(r, key=lambda x: x.rps)[len(r) // 2] for n, r in runs.items()}
        cpu_medians = {n: statistics.median(c) for n, c in cpu.items()}
        fastapi = fastapi_load(work, seconds, rounds)
    print_table(args, gens, builds, medians, cpu_medians, counted, fastapi, seconds, rounds)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fastapi_load(work: Path, seconds: float, rounds: int) -> servers.Load:
    """The generated FastAPI dispatch of the same spec, as bench.servers serves it."""
    folder = work / "fastapi"
    folder.mkdir()
    (folder / "spec.mizan").write_text(servers_app.SPEC, "utf-8")
    subprocess.run([*cli(), "gen", str(folder / "spec.mizan"), "--target", "fastapi",
                    "--out", str(folder / servers_app.PACKAGE)], check=True, capture_output=True)
    pythonpath = os.pathsep.join([str(folder), str(REPO), str(REPO / "runtimes" / "python")])
    server = servers.Server("bench.servers_app:generated_app", pythonpath)
    try:
        result = servers.compare({"fastapi": server}, "/api/mizan/call/", CALL_BODY, seconds,
                                 rounds, work)
    finally:
        server.close()
    return result["fastapi"]


def print_table(args: argparse.Namespace, gens: list[float], builds: dict[str, float],
                medians: dict[str, servers.Load], cpu: dict[str, float],
                counted: dict[str, float] | None, fastapi: servers.Load, seconds: float,
                rounds: int) -> None:
    gen_s = statistics.median(gens)
    ratio = medians["hand"].rps / medians["generated"].rps
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True,
                           check=False).stdout.strip()
    gen_row = (f"| `gen` 1,000 functions, `--target axum` (wall, median of 5; min {min(gens):.2f} s,"
               f" max {max(gens):.2f} s) | {gen_s:.2f} s | <= {BAR_GEN_S:g} s | "
               f"{'yes' if gen_s <= BAR_GEN_S else 'no'} |")
    intro = (f"Measured {datetime.date.today().isoformat()} on {platform.machine()}, "
             f"{os.cpu_count()} cores (shared with other jobs), {rustc}, with "
             "`python -m bench.axum --write-docs`. wrk and the server share the cores; the Axum "
             "binary is a release build with one worker thread serving both the generated "
             f"`call/` and the hand-written handler (`bench/axum_app`), alternating {rounds} "
             f"run(s) of {seconds:g} s, median kept; the answers are checked byte-equal first. "
             f"Load average at the end: {os.getloadavg()[0]:.1f}.")
    ratio_row = (f"| per-call time, generated / hand-written Axum (1 / req/s) | {ratio:.2f}x | "
                 f"<= {BAR_CALL_RATIO:g}x | {'yes' if ratio <= BAR_CALL_RATIO else 'no'} |")
    cpu_row = (f"| server CPU per call, generated / hand-written Axum (us of CPU per request, "
               f"{cpu['generated'] * 1e6:.1f} / {cpu['hand'] * 1e6:.1f}; steadier than req/s "
               f"on a shared machine) | {cpu['generated'] / cpu['hand']:.2f}x | "
               f"<= {BAR_CALL_RATIO:g}x | {'yes' if cpu['generated'] / cpu['hand'] <= BAR_CALL_RATIO else 'no'} |")
    if counted is None:
        counted_row = ("| user-space instructions per call, generated / hand-written Axum "
                       "(callgrind; valgrind not installed) | - | - | - |")
    else:
        counted_ratio = counted["generated"] / counted["hand"]
        counted_row = (f"| user-space instructions per call, generated / hand-written Axum "
                       f"(callgrind, 2,000 calls each on one connection: "
                       f"{counted['generated']:,.0f} / {counted['hand']:,.0f}; the same on a busy "
                       f"machine, the kernel's equal share left out) | {counted_ratio:.2f}x | - | - |")
    fastapi_row = (f"| `POST call/` echo, generated FastAPI (uvicorn, one worker) | "
                   f"{describe(fastapi)} | - | - |")
    versus_row = (f"| requests/s, generated Axum / generated FastAPI | "
                  f"{medians['generated'].rps / fastapi.rps:.1f}x | - | - |")
    lines = [
        START,
        "## Axum target",
        "",
        intro,
        "",
        "| Measure | figure | bar | met |",
        "|---|---|---|---|",
        gen_row,
        f"| generated crate of 1,000 functions | {int(builds['lines']):,} lines of Rust | - | - |",
        f"| `cargo build` of it, debug, incremental rebuild after touching `lib.rs` | {builds['debug']:.1f} s | - | - |",
        f"| `cargo build --release` of it, from scratch (dependencies built) | {builds['release']:.1f} s | - | - |",
        f"| `POST call/` echo, hand-written Axum handler | {describe(medians['hand'])} | - | - |",
        f"| `POST call/` echo, generated Axum `call/` | {describe(medians['generated'])} | - | - |",
        ratio_row,
        cpu_row,
        counted_row,
        fastapi_row,
        versus_row,
        "",
        END,
    ]
    section = "\n".join(lines)
    sys.stdout.write(section + "\n")
    if args.write_docs:
        text = DOCS.read_text("utf-8")
        if START in text:
            text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        DOCS.write_text(text, "utf-8")


def describe(load: servers.Load) -> str:
    return f"{load.rps:,.0f} req/s; p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms"


if __name__ == "__main__":
    main()
