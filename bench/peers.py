"""mizan-lang beside buf and TypeSpec, on the same synthetic API, in one run.

    npm ci --prefix bench                     # buf 1.75.0 and TypeSpec 1.5.0 (bench/package.json)
    python -m bench.peers                      # sizes 1,000 / 5,000 / 10,000, 5 repeats
    python -m bench.peers --sizes 1000 --repeat 3 --no-lsp

The API is `specgen.generate(n)` (one file: n functions, ~n/10 record types,
~n/20 contexts). It is translated once per size into Protocol Buffers (one
message per record type and per function's parameters and result, one enum
per enum, one service per context plus one for the free functions) and into
TypeSpec (models, enums, one interface per context plus free operations), so
every tool reads the same declarations in its own language.

Measured, each as a fresh process (median of `--repeat` runs, the tools
interleaved run by run so that the machine's load hits them alike):

- `check`, cold: `mizan-lang check` with its result cache warm (the files did
  not change since the last run: the usual case in CI and editors), the same
  with `--no-cache` (from scratch), `buf build`, `tsp compile --no-emit`; wall
  time and max RSS (`getrusage` in a small launcher, as `bench/run.py` does);
- language servers (`mizan-lang lsp`, `buf lsp serve`): from starting the
  process to the answer to `initialize`; from sending didOpen to the first
  publishDiagnostics of the file (mizan-lang: with the records of a previous
  start, and with none); edit -> diagnostics p50/p95 (a letter typed into and
  removed from a comment or doc string of a random declaration, each edit
  waiting for the diagnostics of its version); the server's peak RSS
  (VmHWM from /proc) at the end;
- start -> `initialize` answered again, `--starts` times per server with the
  servers interleaved (one start is at the mercy of the machine's load):
  median and quartiles.

Prints a Markdown table (progress on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import specgen
from .lsp import StdioClient, percentile, utf16_position
from .run import run_child, run_child_cpu, tool_env

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / "bench" / "node_modules" / ".bin"
MIZAN = [sys.executable, "-m", "mizan_lang"]

# ---------------------------------------------------------------- translation

_PROTO_SCALARS = {
    "str": "string", "int": "int32", "int64": "int64", "float": "double", "bool": "bool",
    "decimal": "string", "date": "string", "datetime": "string", "time": "string",
    "uuid": "string", "email": "string", "url": "string", "json": "string", "bytes": "bytes",
    "upload": "bytes", "file": "bytes", "duration": "string",
}
_TSP_SCALARS = {
    "str": "string", "int": "int32", "int64": "int64", "float": "float64", "bool": "boolean",
    "decimal": "decimal", "date": "plainDate", "datetime": "utcDateTime", "time": "plainTime",
    "uuid": "string", "email": "string", "url": "url", "json": "unknown", "bytes": "bytes",
    "upload": "bytes", "file": "bytes", "duration": "duration",
}


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _declarations(text: str) -> Any:
    from mizan_lang.kdl import parse
    from mizan_lang.lower import lower

    decls, _ = lower(parse(text).document, "spec.mizan")
    return decls


def _expr(ref: Any) -> Any:
    from mizan_lang.typeexpr import parse_type

    if ref is None:
        return None
    return ref.expr if ref.expr is not None else parse_type(ref.text, ref.span)


class _Proto:
    def __init__(self, messages: set[str], enums: set[str]) -> None:
        self.messages = messages
        self.enums = enums

    def scalar(self, expr: Any) -> str:
        """A proto type for a non-repeated position (unknown shapes become strings)."""
        if expr is None:
            return "string"
        if expr.kind == "nullable":
            return self.scalar(expr.args[0])
        if expr.kind == "named" and (expr.name in self.messages or expr.name in self.enums):
            return expr.name
        if expr.kind == "primitive":
            return _PROTO_SCALARS.get(expr.name, "string")
        return "string"

    def field(self, name: str, expr: Any, number: int) -> str:
        prefix = ""
        if expr is not None and expr.kind == "nullable":
            expr = expr.args[0]
            prefix = "optional " if expr.kind == "primitive" else ""
        if expr is not None and expr.kind == "list":
            return f"  repeated {self.scalar(expr.args[0])} {name} = {number};"
        if expr is not None and expr.kind == "map":
            value = expr.args[1]
            inner = self.scalar(value) if value.kind not in ("list", "map") else "string"
            return f"  map<string, {inner}> {name} = {number};"
        return f"  {prefix}{self.scalar(expr)} {name} = {number};"


def to_proto(text: str) -> str:
    decls = _declarations(text)
    messages = {t.name.text for t in decls.types} | {s.name.text for s in decls.shapes}
    enums = {e.name.text for e in decls.enums}
    proto = _Proto(messages, enums)
    out = ['syntax = "proto3";', "", "package bench.v1;", ""]
    for enum in decls.enums:
        prefix = "".join(c for c in enum.name.text.upper() if c.isalnum())
        out.append(f"enum {enum.name.text} {{")
        out.append(f"  {prefix}_UNSPECIFIED = 0;")
        for number, member in enumerate(enum.members, 1):
            out.append(f"  {prefix}_{member.name.text.upper()} = {number};")
        out += ["}", ""]
    for shape in decls.shapes:
        out += [f"message {shape.name.text} {{", "  string id = 1;", "}", ""]
    for typ in decls.types:
        out.append(f"message {typ.name.text} {{")
        for number, fld in enumerate(typ.fields, 1):
            out.append(proto.field(fld.name.text, _expr(fld.type), number))
        out += ["}", ""]
    services: dict[str, list[str]] = {}
    for fn in decls.functions:
        base = _pascal(fn.name.text)
        out.append(f"message {base}Request {{")
        for number, param in enumerate(fn.params, 1):
            out.append(proto.field(param.name.text, _expr(param.type), number))
        out += ["}", "", f"message {base}Response {{"]
        if fn.returns is not None:
            out.append(proto.field("value", _expr(fn.returns), 1))
        out += ["}", ""]
        service = _pascal(fn.context.text) + "Service" if fn.context else "ApiService"
        services.setdefault(service, []).append(
            f"  rpc {base}({base}Request) returns ({base}Response);")
    for service, rpcs in services.items():
        out += [f"service {service} {{", *rpcs, "}", ""]
    return "\n".join(out)


def _tsp_type(expr: Any, known: set[str]) -> str:
    if expr is None:
        return "void"
    if expr.kind == "nullable":
        return f"{_tsp_type(expr.args[0], known)} | null"
    if expr.kind == "list":
        inner = _tsp_type(expr.args[0], known)
        return f"({inner})[]" if "|" in inner else f"{inner}[]"
    if expr.kind == "map":
        return f"Record<{_tsp_type(expr.args[1], known)}>"
    if expr.kind == "named":
        return expr.name if expr.name in known else "string"
    return _TSP_SCALARS.get(expr.name, "string")


def to_typespec(text: str) -> str:
    decls = _declarations(text)
    known = ({t.name.text for t in decls.types} | {s.name.text for s in decls.shapes}
             | {e.name.text for e in decls.enums})
    out = ["namespace Bench;", ""]
    for enum in decls.enums:
        members = ", ".join(f"`{m.name.text}`" for m in enum.members)
        out += [f"enum {enum.name.text} {{ {members} }}", ""]
    for shape in decls.shapes:
        out += [f"model {shape.name.text} {{ id: string; }}", ""]
    for typ in decls.types:
        out.append(f"model {typ.name.text} {{")
        out += [f"  `{f.name.text}`: {_tsp_type(_expr(f.type), known)};" for f in typ.fields]
        out += ["}", ""]
    interfaces: dict[str | None, list[str]] = {}
    for fn in decls.functions:
        params = ", ".join(f"`{p.name.text}`: {_tsp_type(_expr(p.type), known)}"
                           for p in fn.params)
        returns = _tsp_type(_expr(fn.returns), known)
        key = fn.context.text if fn.context else None
        interfaces.setdefault(key, []).append(f"op `{fn.name.text}`({params}): {returns};")
    for key, ops in interfaces.items():
        if key is None:
            out += ops + [""]
        else:
            out += [f"interface {_pascal(key)}Api {{", *("  " + op.removeprefix("op ")
                                                        for op in ops), "}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- the runs


@dataclass
class Workspace:
    functions: int
    folder: Path
    mizan: Path  # folder of spec.mizan
    proto: Path  # folder of api.proto
    tsp: Path  # main.tsp


def prepare(base: Path, functions: int) -> Workspace:
    files = specgen.generate(functions)
    text = files[specgen.root_file(files)]
    folder = base / f"n{functions}"
    for sub in ("mizan", "proto"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "mizan" / "spec.mizan").write_text(text, encoding="utf-8")
    (folder / "proto" / "api.proto").write_text(to_proto(text), encoding="utf-8")
    (folder / "main.tsp").write_text(to_typespec(text), encoding="utf-8")
    return Workspace(functions, folder, folder / "mizan", folder / "proto", folder / "main.tsp")


def buf_binary() -> Path:
    """buf's own executable: npm installs it as a platform package beside a
    Node.js launcher (`.bin/buf`), whose start-up would be counted as buf's."""
    for found in sorted((REPO / "bench" / "node_modules" / "@bufbuild").glob("buf-*/bin/buf")):
        if os.access(found, os.X_OK):
            return found
    return BIN / "buf"


def peers_available() -> dict[str, bool]:
    return {"buf": buf_binary().exists(), "tsp": (BIN / "tsp").exists()}


def check_commands(ws: Workspace, available: dict[str, bool]) -> dict[str, list[str]]:
    commands = {
        "mizan-lang check (cache warm)": [*MIZAN, "check", str(ws.mizan), "--no-excerpt"],
        "mizan-lang check --no-cache": [*MIZAN, "check", str(ws.mizan), "--no-excerpt",
                                        "--no-cache"],
    }
    if available["buf"]:
        commands["buf build"] = [str(buf_binary()), "build", str(ws.proto)]
    if available["tsp"]:
        commands["tsp compile --no-emit"] = [str(BIN / "tsp"), "compile", str(ws.tsp),
                                             "--no-emit"]
    return commands


@dataclass
class Figures:
    walls: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user + system seconds
    rss: dict[str, float] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)


def measure_checks(ws: Workspace, repeat: int, available: dict[str, bool]) -> Figures:
    commands = check_commands(ws, available)
    figures = Figures()
    for argv in commands.values():  # warm-up: OS file cache, .pyc, the result cache
        run_child(argv)
    for _ in range(repeat):
        for name, argv in commands.items():  # interleaved
            wall, code, rss, cpu = run_child_cpu(argv)
            figures.walls.setdefault(name, []).append(wall)
            figures.cpu.setdefault(name, []).append(cpu)
            figures.rss[name] = max(figures.rss.get(name, 0.0), rss)
            figures.codes[name] = max(figures.codes.get(name, 0), code)
    return figures


# ---------------------------------------------------------------- language servers


def _peak_rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _initialize(client: StdioClient, folder: Path) -> None:
    params = {
        "processId": os.getpid(), "rootUri": folder.as_uri(),
        "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
        "capabilities": {"general": {"positionEncodings": ["utf-16"]},
                         "textDocument": {"publishDiagnostics": {"versionSupport": True}}},
    }
    client.request("initialize", params, timeout=120)
    client.notify("initialized", {})


def _edit_sites(text: str, marker: str, rng: random.Random, count: int) -> list[int]:
    """Offsets just after `marker` (the start of a comment or doc text). After a
    multi-line string's opening quotes (three of them), the start of its first line of
    text: a letter typed between the quotes would not go into the doc but split its
    delimiter (every later multi-line string then opens where one closed)."""
    sites = []
    at = text.find(marker)
    while at >= 0:
        site = at + len(marker)
        if marker.endswith('"') and text.startswith('""\n', site):
            line = site + 3
            site = line + len(text[line:text.find("\n", line)]) - len(
                text[line:text.find("\n", line)].lstrip())
        sites.append(site)
        at = text.find(marker, at + 1)
    return [rng.choice(sites) for _ in range(count)] if sites else []


@dataclass
class ServerRun:
    initialize_s: float
    open_s: float
    edits_ms: list[float]
    peak_mib: float | None


def run_server(command: list[str], folder: Path, path: Path, marker: str, edits: int,
               env: dict[str, str] | None = None, seed: int = 0) -> ServerRun:
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    started = time.perf_counter()
    client = StdioClient(command, env=env, cwd=REPO)
    try:
        _initialize(client, folder)
        initialized = time.perf_counter()
        sent = client.open(uri, text)
        client.diagnostics(uri, timeout=300)
        first = client.last_diagnostics(uri)
        opened = time.perf_counter() - sent
        assert first is not None
        rng = random.Random(seed)
        latencies = []
        version = 1
        for offset in _edit_sites(text, marker, rng, edits):
            pos = utf16_position(text, offset)
            for change in ({"range": {"start": pos, "end": pos}, "text": "q"},
                           {"range": {"start": pos, "end": {**pos, "character":
                                                            pos["character"] + 1}},
                            "text": ""}):
                version += 1
                count = len(client.received)
                sent = client.change(uri, version, [change])
                got = client.diagnostics(uri, version=version, timeout=120, start=count)
                latencies.append((got.at - sent) * 1000)
        peak = _peak_rss_mib(client.proc.pid)
    finally:
        client.stop()
    return ServerRun(initialized - started, opened, latencies, peak)


def measure_servers(ws: Workspace, edits: int, available: dict[str, bool],
                    cache: Path) -> dict[str, ServerRun]:
    env = {**tool_env(), "MIZAN_CACHE_DIR": str(cache / "results")}
    shutil.rmtree(cache, ignore_errors=True)
    runs = {}
    mizan = [*MIZAN, "lsp"]
    spec = ws.mizan / "spec.mizan"
    log(f"  mizan-lang lsp, first start (no records), {ws.functions} functions")
    runs["mizan-lang lsp, first start"] = run_server(mizan, ws.mizan, spec, "doc \"", 0, env)
    log("  mizan-lang lsp, later start (records of the first)")
    runs["mizan-lang lsp"] = run_server(mizan, ws.mizan, spec, "doc \"", edits, env)
    if available["buf"]:
        log("  buf lsp serve")
        runs["buf lsp serve"] = run_server([str(buf_binary()), "lsp", "serve"], ws.proto,
                                           ws.proto / "api.proto", "message ", edits)
    return runs


def _time_initialize(command: list[str], folder: Path, env: dict[str, str] | None) -> float:
    started = time.perf_counter()
    client = StdioClient(command, env=env, cwd=REPO)
    try:
        _initialize(client, folder)
        return time.perf_counter() - started
    finally:
        client.stop()


def measure_initialize(ws: Workspace, rounds: int, available: dict[str, bool],
                       cache: Path) -> dict[str, list[float]]:
    """Start -> `initialize` answered, `rounds` times each, interleaved (a single
    start is at the mercy of the machine's load): mizan-lang with the records of
    an earlier start, on a first start (no records), and buf."""
    env = {**tool_env(), "MIZAN_CACHE_DIR": str(cache / "results")}
    shutil.rmtree(cache, ignore_errors=True)
    mizan = [*MIZAN, "lsp"]
    _time_initialize(mizan, ws.mizan, env)  # records for the later starts
    starts: dict[str, list[float]] = {}
    for at in range(rounds):
        first = {**env, "MIZAN_CACHE_DIR": str(cache / f"first-{at}" / "results")}
        runs = [("mizan-lang lsp, first start", mizan, ws.mizan, first),
                ("mizan-lang lsp", mizan, ws.mizan, env)]
        if available["buf"]:
            runs.append(("buf lsp serve", [str(buf_binary()), "lsp", "serve"], ws.proto, None))
        for name, command, folder, run_env in runs[at % len(runs):] + runs[:at % len(runs)]:
            starts.setdefault(name, []).append(_time_initialize(command, folder, run_env))
    return starts


# ---------------------------------------------------------------- report


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _s(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s"


def report(sizes: list[int], checks: dict[int, Figures], servers: dict[int, dict[str, ServerRun]],
           repeat: int, starts: dict[str, list[float]] | None = None) -> str:
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, "
             f"{os.cpu_count()} CPUs, Python {platform.python_version()}; "
             f"load average {os.getloadavg()[0]:.1f} at the end; median of {repeat} "
             "interleaved fresh processes.", ""]
    names = list(next(iter(checks.values())).walls) if checks else []
    lines.append("| `check`, cold process | " + " | ".join(
        f"{n:,} fns" for n in sizes) + " | max RSS at " + f"{sizes[-1]:,} |")
    lines.append("|---|" + "---:|" * (len(sizes) + 1))
    for name in names:
        cells = [_s(checks[n].walls[name]) + ("" if checks[n].codes[name] == 0 else " (exit "
                                                + str(checks[n].codes[name]) + ")")
                 for n in sizes]
        lines.append(f"| {name} | " + " | ".join(cells)
                     + f" | {checks[sizes[-1]].rss[name]:.0f} MiB |")
    # CPU time does not depend on what else the machine runs (wall time does,
    # and more for a single-threaded process than for buf's several threads).
    lines += ["", "| `check`, CPU time (user + system) | " + " | ".join(
        f"{n:,} fns" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_s(checks[n].cpu[name]) for n in sizes)
                     + " |")
    if servers:
        lines += ["", "| Language server | functions | initialize | open -> first diagnostics "
                  "| edit -> diagnostics p50 / p95 (n) | peak RSS |",
                  "|---|---:|---:|---:|---:|---:|"]
        for n in sizes:
            for name, run in servers.get(n, {}).items():
                edit = (f"{percentile(run.edits_ms, 0.5):.1f} / "
                        f"{percentile(run.edits_ms, 0.95):.1f} ms ({len(run.edits_ms)})"
                        if run.edits_ms else "-")
                peak = f"{run.peak_mib:.0f} MiB" if run.peak_mib else "-"
                lines.append(f"| {name} | {n:,} | {run.initialize_s * 1000:.0f} ms | "
                             f"{run.open_s * 1000:.0f} ms | {edit} | {peak} |")
    if starts:
        lines += ["", "| start -> `initialize` answered | median | p25 - p75 | n |",
                  "|---|---:|---:|---:|"]
        for name, values in starts.items():
            ms = [v * 1000 for v in values]
            lines.append(f"| {name} | {percentile(ms, 0.5):.0f} ms | {percentile(ms, 0.25):.0f}"
                         f" - {percentile(ms, 0.75):.0f} ms | {len(ms)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peers",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--edits", type=int, default=40, help="edit pairs per language server")
    parser.add_argument("--lsp-sizes", default="1000,5000,10000",
                        help="sizes the language servers are measured at")
    parser.add_argument("--no-lsp", action="store_true")
    parser.add_argument("--starts", type=int, default=15,
                        help="interleaved starts per server for start -> initialize (0: none)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    lsp_sizes = [] if args.no_lsp else [int(s) for s in args.lsp_sizes.split(",") if s]
    available = peers_available()
    missing = [name for name, ok in available.items() if not ok]
    if missing:
        log(f"note: {', '.join(missing)} not installed (npm ci --prefix bench); measured without")
    checks: dict[int, Figures] = {}
    servers: dict[int, dict[str, ServerRun]] = {}
    # `python -m mizan_lang` is this checkout's, whatever is installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory(prefix="mizan-peers-") as temp:
        base = Path(temp)
        os.environ.setdefault("MIZAN_CACHE_DIR", str(base / "cache" / "results"))
        for n in sizes:
            log(f"{n} functions: writing the spec, its .proto and .tsp")
            ws = prepare(base, n)
            log(f"{n} functions: check x{args.repeat}")
            checks[n] = measure_checks(ws, args.repeat, available)
            if n in lsp_sizes:
                servers[n] = measure_servers(ws, args.edits, available, base / "lsp-cache")
        starts = {}
        if lsp_sizes and args.starts > 0:
            log(f"start -> initialize x{args.starts}, interleaved")
            starts = measure_initialize(prepare(base, lsp_sizes[0]), args.starts, available,
                                        base / "start-cache")
    print(report(sizes, checks, servers, args.repeat, starts))
    if args.json:
        raw = {"checks": {n: {"walls": f.walls, "cpu": f.cpu, "rss": f.rss, "codes": f.codes}
                          for n, f in checks.items()},
               "servers": {n: {k: vars(r) for k, r in runs.items()} for n, runs in servers.items()},
               "starts": starts}
        Path(args.json).write_text(json.dumps(raw, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
