"""Speed of the generated servers (issue 4, "Speed"): a benchmark, not a test.

    python -m bench.servers [--quick] [--write-docs] [--profile]

1. `gen` wall time of the 1,000-function spec (specgen.generate(1000)) for
   `--target fastapi` and `--target django`: a fresh CLI process writing into
   a fresh folder, median of 5 after one warm-up run (.pyc and OS file cache
   warm, interpreter cold).
2. Per-call overhead of the generated FastAPI dispatch: `POST call/` of
   `echo` (servers_app.SPEC, implemented in servers_app.py) against a
   hand-written FastAPI endpoint doing the same work (servers_hand.py; the
   response bytes are checked equal first). Each app is served by uvicorn
   (one worker, --no-access-log) on 127.0.0.1 and driven by `wrk` (one
   thread, fixed connections; a Lua script sends the POST body), or by a
   small asyncio/httpx client when wrk is missing. The runs alternate
   between the apps and the median of the runs is kept. Per-call time is
   1 / (requests/s) at saturation; the bar is generated <= 1.3x hand-written.
3. `GET ctx/item/?id=7` (a context of four members, ttl=600, vary=public)
   from the warm origin cache (every request after the first is a hit) and
   cold (servers_app.cold_app: the cache is disabled, every fetch computes
   the bundle). The bar is warm faster than cold.

`--profile` runs the generated and the hand-written app in-process under
cProfile (ASGI calls without a transport) and prints the top costs.
Progress goes to stderr, the Markdown table to stdout; `--write-docs` puts it
between the servers markers of docs/performance.md ("Generated servers").
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import servers_app, specgen

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "performance.md"
START = "<!-- servers:start -->"
END = "<!-- servers:end -->"
BAR_GEN_S = 1.0
BAR_CALL_RATIO = 1.3
CALL_PATH = "/api/mizan/call/"
CALL_BODY = b'{"fn":"echo","args":{"id":"42"}}'
CTX_PATH = "/api/mizan/ctx/item/?id=7"
CONNECTIONS = 16


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cli() -> list[str]:
    script = Path(sys.executable).with_name("mizan-lang")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mizan_lang"]


# ---------------------------------------------------------------- gen


def gen_times(root: Path, target: str, runs: int, work: Path,
              command: list[str] | None = None) -> list[float]:
    """`command` runs the CLI (default: the installed script, see cli())."""
    times = []
    for run in range(runs + 1):  # the first is the warm-up
        out = work / f"{target}_{run}"
        start = time.perf_counter()
        subprocess.run(
            [*(command or cli()), "gen", str(root), "--target", target, "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
        shutil.rmtree(out)
        if run:
            times.append(elapsed)
    return times


# ---------------------------------------------------------------- serving


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`uvicorn <factory> --factory`, one worker, on a free loopback port."""

    def __init__(self, factory: str, pythonpath: str) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=pythonpath)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                factory,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=REPO,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.1)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fetch(self, path: str, body: bytes | None = None) -> tuple[bytes, dict[str, str]]:
        request = urllib.request.Request(self.url(path), data=body)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read(), {k.lower(): v for k, v in answer.headers.items()}

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------- load


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk_ms(text: str, label: str) -> float:
    found = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk output without {label}:\n{text}")
    return float(found[1]) * _UNIT_MS[found[2]]


def wrk(url: str, seconds: float, body: bytes | None, work: Path) -> Load:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency"]
    if body is not None:
        script = work / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body.decode())}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        command += ["-s", str(script)]
    text = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    requests = int(re.search(r"(\d+) requests in", text)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    errors = int(non_2xx[1]) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Load(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1]),
        p50_ms=_wrk_ms(text, "50%"),
        p99_ms=_wrk_ms(text, "99%"),
        requests=requests,
        errors=errors,
    )


def httpx_load(url: str, seconds: float, body: bytes | None, work: Path) -> Load:
    """Fallback when wrk is missing: CONNECTIONS workers in one event loop."""
    import httpx

    async def main() -> tuple[list[float], int, float]:
        latencies: list[float] = []
        errors = 0
        limits = httpx.Limits(max_connections=CONNECTIONS)
        async with httpx.AsyncClient(limits=limits) as client:
            stop = time.perf_counter() + seconds

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < stop:
                    start = time.perf_counter()
                    if body is None:
                        answer = await client.get(url)
                    else:
                        answer = await client.post(
                            url, content=body, headers={"Content-Type": "application/json"}
                        )
                    latencies.append(time.perf_counter() - start)
                    errors += answer.status_code != 200

            begin = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
            return latencies, errors, time.perf_counter() - begin

    latencies, errors, elapsed = asyncio.run(main())
    cuts = statistics.quantiles(latencies, n=100)
    return Load(len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, len(latencies), errors)


def drive(url: str, seconds: float, body: bytes | None, work: Path) -> Load:
    return (wrk if shutil.which("wrk") else httpx_load)(url, seconds, body, work)


def compare(
    servers: dict[str, Server],
    path: str,
    body: bytes | None,
    seconds: float,
    rounds: int,
    work: Path,
) -> dict[str, Load]:
    """Alternate the servers `rounds` times; keep each one's median run."""
    runs: dict[str, list[Load]] = {name: [] for name in servers}
    for server in servers.values():  # warm-up: imports, thread pool, caches
        drive(server.url(path), 1, body, work)
    for round_ in range(rounds):
        for name, server in servers.items():
            load = drive(server.url(path), seconds, body, work)
            log(
                f"  {name} round {round_ + 1}: {load.rps:.0f} req/s, "
                f"p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms, errors {load.errors}"
            )
            runs[name].append(load)
    return {
        name: sorted(loads, key=lambda l: l.rps)[len(loads) // 2] for name, loads in runs.items()
    }


# ---------------------------------------------------------------- profile


def profile_in_process(calls: int) -> str:
    """cProfile of `calls` POST call/ through each app's ASGI interface."""
    from . import servers_hand

    async def hit(app, path: str, body: bytes) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent = False

        async def receive() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start" and message["status"] != 200:
                raise RuntimeError(message)

        await app(scope, receive, send)

    out = io.StringIO()
    for name, app in (
        ("generated", servers_app.generated_app()),
        ("hand-written", servers_hand.create_app()),
    ):

        async def run(app=app, name=name, n=calls) -> float:
            for _ in range(50):
                await hit(app, CALL_PATH, CALL_BODY)
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.enable()
            for _ in range(n):
                await hit(app, CALL_PATH, CALL_BODY)
            profiler.disable()
            elapsed = time.perf_counter() - start
            stats = pstats.Stats(profiler, stream=out)
            out.write(
                f"\n### {name}: {calls} calls in-process, "
                f"{elapsed / n * 1e6:.0f} us/call under cProfile\n"
            )
            stats.sort_stats("tottime").print_stats(18)
            stats.sort_stats("cumulative").print_stats(25)
            return elapsed

        asyncio.run(run())
    return out.getvalue()


# ---------------------------------------------------------------- report


def table(
    gen: dict[str, list[float]], calls: dict[str, Load], ctx: dict[str, Load], loader: str
) -> tuple[str, list[str]]:
    missed = []
    rows = ["| Measure | figure | bar | met |", "|---|---|---|---|"]
    for target, times in gen.items():
        median = statistics.median(times)
        met = median <= BAR_GEN_S
        if not met:
            missed.append(f"gen {target}")
        rows.append(
            f"| `gen` 1,000 functions, `--target {target}` (wall, median of {len(times)}; "
            f"min {min(times):.2f} s, max {max(times):.2f} s) | {median:.2f} s | <= {BAR_GEN_S:g} s "
            f"| {'yes' if met else '**no**'} |"
        )
    hand, generated = calls["hand-written"], calls["generated"]
    for name, load in (
        ("hand-written FastAPI endpoint", hand),
        ("generated FastAPI `call/`", generated),
    ):
        rows.append(
            f"| `POST call/` echo, {name} | {load.rps:,.0f} req/s; p50 {load.p50_ms:.2f} ms, "
            f"p99 {load.p99_ms:.2f} ms | - | - |"
        )
    ratio = hand.rps / generated.rps
    met = ratio <= BAR_CALL_RATIO
    if not met:
        missed.append("per-call ratio")
    rows.append(
        f"| per-call time, generated / hand-written (1 / req/s; p50 ratio "
        f"{generated.p50_ms / hand.p50_ms:.2f}x) | {ratio:.2f}x | <= {BAR_CALL_RATIO:g}x "
        f"| {'yes' if met else '**no**'} |"
    )
    warm, cold = ctx["warm"], ctx["cold"]
    for name, load in (
        ("warm origin cache (hits)", warm),
        ("cold (cache disabled, computed)", cold),
    ):
        rows.append(
            f"| `GET ctx/item/` (4 members), {name} | {load.rps:,.0f} req/s; p50 "
            f"{load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms | - | - |"
        )
    met = warm.rps > cold.rps and warm.p50_ms < cold.p50_ms
    if not met:
        missed.append("warm vs cold")
    rows.append(
        f"| bundle, warm vs cold | {warm.rps / cold.rps:.2f}x the req/s | warm faster "
        f"| {'yes' if met else '**no**'} |"
    )
    errors = sum(l.errors for l in (*calls.values(), *ctx.values()))
    rows.append("")
    rows.append(
        f"Load generator: {loader}, {CONNECTIONS} connections; errors (non-2xx or socket): {errors}."
    )
    return "\n".join(rows), missed


def header(args: argparse.Namespace, seconds: float, rounds: int, loader: str) -> str:
    when = datetime.date.today().isoformat()
    load = os.getloadavg()[0]
    command = "python -m bench.servers" + (" --quick" if args.quick else "") + " --write-docs"
    return (
        f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores (a shared machine: other "
        f"jobs ran meanwhile; load average {load:.1f} at the start), Python "
        f"{platform.python_version()}, with `{command}`. The load generator ({loader}) runs on the "
        f"same 2 cores as the server (one uvicorn worker, `--no-access-log`, 127.0.0.1); each "
        f"load figure is the median of {rounds} run(s) of {seconds:g} s, alternating between the "
        f"apps compared. The generated `echo` and the hand-written endpoint "
        f"(`bench/servers_hand.py`) answer the same bytes; both run the user's plain `def` in "
        f"the thread pool."
    )


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = f"{START}\n## Generated servers\n\n{section}\n{END}"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.servers", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="3 gen runs, 1 round of 3 s")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the call path in-process")
    args = parser.parse_args()
    gen_runs, seconds, rounds = (3, 3, 1) if args.quick else (5, 10, 3)
    loader = "asyncio + httpx"
    if shutil.which("wrk"):
        version = subprocess.run(["wrk", "-v"], check=False, capture_output=True, text=True).stdout
        found = re.search(r"(\d+\.\d+\.\d+)", version)
        loader = f"wrk {found[1] if found else '(version unknown)'}"

    start_header = None

    with tempfile.TemporaryDirectory(prefix="mizan-bench-servers-") as temp:
        work = Path(temp)
        start_header = header(args, seconds, rounds, loader)
        spec_dir = work / "spec"
        spec_dir.mkdir()
        for name, text in specgen.generate(1000).items():
            (spec_dir / name).write_text(text, encoding="utf-8")
        gen: dict[str, list[float]] = {}
        for target in ("fastapi", "django"):
            log(f"gen --target {target} ...")
            gen[target] = gen_times(spec_dir / specgen.SINGLE_ROOT, target, gen_runs, work)

        small = work / "bench.mizan"
        small.write_text(servers_app.SPEC, encoding="utf-8")
        package = work / "pkg"
        subprocess.run(
            [
                *cli(),
                "gen",
                str(small),
                "--target",
                "fastapi",
                "--out",
                str(package / servers_app.PACKAGE),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        pythonpath = os.pathsep.join([str(package), str(REPO), str(REPO / "runtimes" / "python")])
        factories = {
            "hand-written": "bench.servers_hand:create_app",
            "generated": "bench.servers_app:generated_app",
            "cold": "bench.servers_app:cold_app",
        }
        servers = {name: Server(factory, pythonpath) for name, factory in factories.items()}
        try:
            bodies = {
                name: servers[name].fetch(CALL_PATH, CALL_BODY)[0]
                for name in ("hand-written", "generated")
            }
            if len(set(bodies.values())) != 1:
                raise SystemExit(f"the two echo endpoints answer differently: {bodies}")
            warm_headers = [
                servers["generated"].fetch(CTX_PATH)[1].get("x-mizan-cache") for _ in range(2)
            ]
            cold_headers = servers["cold"].fetch(CTX_PATH)[1].get("x-mizan-cache")
            if (
                warm_headers != ["miss", "hit"]
                and warm_headers != ["hit", "hit"]
                or cold_headers != "miss"
            ):
                raise SystemExit(f"unexpected X-Mizan-Cache: {warm_headers}, {cold_headers}")
            log("POST call/ echo ...")
            calls = compare(
                {n: servers[n] for n in ("hand-written", "generated")},
                CALL_PATH,
                CALL_BODY,
                seconds,
                rounds,
                work,
            )
            log("GET ctx/item/ ...")
            ctx = compare(
                {"warm": servers["generated"], "cold": servers["cold"]},
                CTX_PATH,
                None,
                seconds,
                rounds,
                work,
            )
        finally:
            for server in servers.values():
                server.close()

        rows, missed = table(gen, calls, ctx, loader)
        section = f"{start_header}\n\n{rows}\n"
        if missed:
            section += f"\nBars missed: {', '.join(missed)}.\n"
        print(section)
        if args.profile:
            sys.path.insert(0, str(package))
            print(profile_in_process(2000))
    if args.write_docs:
        write_docs(section)
        log(f"wrote {DOCS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
