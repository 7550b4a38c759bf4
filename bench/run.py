"""The mizan-lang benchmark: `python -m bench.run [--sizes 100,1000,10000] [--quick]`.

Generates synthetic specs (bench/specgen.py), measures them and prints Markdown
tables (progress goes to stderr):

- parse throughput in MB/s (10^6 bytes of UTF-8 per second, median of N, text
  already in memory): our parser, ckdl (C) on the same text, kdl-py on the KDL
  v1 rendering of the same document;
- `mizan-lang check` wall time as a fresh subprocess (median of N) and its max
  RSS (`resource.getrusage(RUSAGE_CHILDREN)` in a small launcher process that
  runs just that command);
- the same check in-process, split into parse / lower / check, and its
  tracemalloc peak;
- `mizan-lang --version` cold start (median of 10);
- the bars from docs/performance.md, met or not.

Peers' figures from the brief are printed beside ours as references; they were
measured elsewhere, not here. `--profile` adds the top cProfile entries of an
in-process check of 1,000 functions.

Language server: `measure_language_server` below is the hook for the
edit -> diagnostics p50/p95 column; it returns None until that exists.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import gc
import io
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import specgen

# Peers, from the brief (2-core machine; not re-measured here).
PEER_CHECK_1000 = {"TypeSpec 1.5": 1.19, "buf 1.75": 0.17}  # seconds, 1,000 operations
PEER_PARSE = {"kdl-py": 0.93, "ckdl": 27.0}  # MB/s on ~1 MB documents
PEER_LSP_P50 = {"TypeSpec": {100: 0.587, 1000: 0.840}, "buf": {100: 0.022, 1000: 0.059}}

# Our bars (docs/performance.md).
BAR_PARSE_MBPS = 1.0
BAR_CHECK_1000_S = 0.35
BAR_VERSION_S = 0.15

MB = 1_000_000
ONE_MB_FUNCTIONS = 5000  # specgen's 5,000-function single file is ~1 MB


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls (one untimed warm-up call first)."""
    fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------- subprocesses


def cli_command() -> list[str]:
    """The installed `mizan-lang` script next to this interpreter, else `python -m mizan_lang`."""
    script = shutil.which("mizan-lang", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "mizan_lang"]


# Runs one command and reports (wall seconds, exit code, ru_maxrss of its children,
# their user + system CPU seconds).
# A small separate launcher, so that RUSAGE_CHILDREN covers exactly that one
# command, and its max RSS is not the benchmark's own (a forked child starts
# with the parent's resident pages).
_LAUNCHER = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, code, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""


def tool_env() -> dict[str, str]:
    """The environment the measured commands run in: this one, except that
    Python may write and read bytecode. An installed tool has its `.pyc`
    files (pip compiles them); with PYTHONDONTWRITEBYTECODE set (CI and some
    shells do) every run of the checkout would compile it from source again,
    ~0.1 s that no user pays."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(argv: list[str]) -> tuple[float, int, float]:
    """Run a fresh process: (wall seconds, exit code, max RSS in MiB)."""
    return run_child_cpu(argv)[:3]


def run_child_cpu(argv: list[str]) -> tuple[float, int, float, float]:
    """`run_child` plus the process's CPU seconds (user + system, all its threads):
    what it cost, whatever else the machine was running."""
    launched = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, *argv], check=True,
                              capture_output=True, text=True, env=tool_env())
    wall, code, rss, cpu = launched.stdout.split()
    # ru_maxrss is KiB on Linux, bytes on macOS.
    return (float(wall), int(code),
            int(rss) / (1024 * 1024 if sys.platform == "darwin" else 1024), float(cpu))


def median_child(argv: list[str], repeat: int) -> tuple[float, int, float]:
    run_child(argv)  # warm the OS file cache and .pyc files, as any second run would
    runs = [run_child(argv) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
            max(r[2] for r in runs))


# ---------------------------------------------------------------- measurements


@dataclass
class Spec:
    functions: int
    split: bool
    files: dict[str, str]
    folder: Path

    @property
    def label(self) -> str:
        return f"{self.functions:,}" + (f" ({len(self.files)} files)" if self.split else "")

    @property
    def size(self) -> int:
        return specgen.size_bytes(self.files)

    @property
    def root(self) -> Path:
        return self.folder / specgen.root_file(self.files)


def write_spec(base: Path, functions: int, split: bool) -> Spec:
    files = specgen.generate(functions, seed=0, split=split)
    folder = base / f"n{functions}{'-split' if split else ''}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return Spec(functions, split, files, folder)


@dataclass
class ParseRow:
    label: str
    size: int
    ours: float
    ckdl: float | None
    kdlpy: float | None


def measure_parse(label: str, text: str, repeat: int, with_kdlpy: bool) -> ParseRow:
    from mizan_lang.kdl import parse

    size = len(text.encode("utf-8"))
    mbps = lambda seconds: size / MB / seconds
    result = parse(text)
    if not result.ok:
        log(f"warning: {label}: our parser reports errors: {result.diagnostics[:3]}")
    ours = mbps(median_time(lambda: parse(text), repeat))
    ckdl_rate = kdlpy_rate = None
    try:
        import ckdl

        ckdl_rate = mbps(median_time(lambda: ckdl.parse(text, version=2), repeat))
    except ImportError:
        log("ckdl not installed: column left empty")
    if with_kdlpy:
        try:
            import kdl as kdlpy

            v1 = specgen.to_kdl_v1(text)
            v1_size = len(v1.encode("utf-8"))
            seconds = median_time(lambda: kdlpy.parse(v1), repeat)
            kdlpy_rate = v1_size / MB / seconds
        except ImportError:
            log("kdl-py not installed: column left empty")
    return ParseRow(label, size, ours, ckdl_rate, kdlpy_rate)


@dataclass
class CheckRow:
    spec: Spec
    wall: float
    exit_code: int
    rss_mib: float
    parse: float
    lower: float
    check: float
    total: float
    peak_mib: float
    lsp: dict[str, float] | None = None
    notes: list[str] = field(default_factory=list)


def _reader(spec: Spec, salt: str) -> Callable[[str], str | None]:
    """Serve the spec's files from memory; `salt` makes the workspace cache miss."""
    from mizan_lang.workspace import normalise

    texts = {normalise(spec.folder / name): text + salt for name, text in spec.files.items()}
    return texts.get


def measure_check(spec: Spec, repeat: int) -> CheckRow:
    from mizan_lang.check import check
    from mizan_lang.kdl import parse
    from mizan_lang.lower import lower
    from mizan_lang.workspace import load_workspace

    try:
        from mizan_lang.perf import paused_gc
    except ImportError:  # older trees: no collector pause
        paused_gc = contextlib.nullcontext

    roots = [str(spec.root)]
    wall, code, rss = median_child([*cli_command(), "check", str(spec.root), "--no-excerpt"],
                                   repeat)
    texts = list(spec.files.items())
    parse_time = median_time(lambda: [parse(text) for _, text in texts], repeat)
    documents = [(name, parse(text).document) for name, text in texts]

    def lower_all() -> None:
        with paused_gc():  # as the workspace runs it
            for name, doc in documents:
                lower(doc, name)

    lower_time = median_time(lower_all, repeat)
    workspace = load_workspace(roots, read=_reader(spec, ""))
    check_time = median_time(lambda: check(workspace), repeat)
    runs = iter(range(10**9))
    total = median_time(
        lambda: check(load_workspace(roots, read=_reader(spec, f"\n// run {next(runs)}\n"))),
        repeat)
    gc.collect()
    tracemalloc.start()
    result = check(load_workspace(roots, read=_reader(spec, "\n// traced\n")))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row = CheckRow(spec, wall, code, rss, parse_time, lower_time, check_time, total,
                   peak / (1024 * 1024))
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if code != 0 or errors:
        row.notes.append(f"NOT CLEAN: exit {code}, {len(errors)} errors in-process")
    row.lsp = measure_language_server(spec)
    return row


def measure_language_server(spec: Spec) -> dict[str, float] | None:
    """Hook for the language server column: edit -> diagnostics latency.

    To be filled in when the server exists: start it over stdio as a real
    client would, open `spec.root`, apply small edits, and return
    {"p50": seconds, "p95": seconds}. None prints as "not measured".
    """
    return None


def measure_version(repeat: int) -> tuple[float, int]:
    wall, code, _ = median_child([*cli_command(), "--version"], repeat)
    return wall, code


def profile_check(spec: Spec, top: int = 20) -> str:
    from mizan_lang.check import check
    from mizan_lang.workspace import load_workspace

    profiler = cProfile.Profile()
    profiler.enable()
    check(load_workspace([str(spec.root)], read=_reader(spec, "\n// profiled\n")))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def import_profile(spec: Spec, top: int = 15) -> str:
    """Where a cold `check` spends its imports: `python -X importtime`, top-level modules."""
    argv = [sys.executable, "-X", "importtime", "-m", "mizan_lang", "check", str(spec.root),
            "--no-excerpt"]
    stderr = subprocess.run(argv, capture_output=True, text=True, check=False).stderr
    rows = []  # (cumulative us, depth, module)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        _self, cumulative, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        rows.append((int(cumulative), depth, name.strip()))
    total = sum(us for us, depth, _ in rows if depth == 0)
    lines = [f"total import time: {total / 1000:.0f} ms (top-level modules, cumulative)"]
    for us, depth, name in sorted((r for r in rows if r[1] <= 1), reverse=True)[:top]:
        lines.append(f"{us / 1000:8.1f} ms  {'  ' * depth}{name}")
    return "\n".join(lines)


# ---------------------------------------------------------------- output


def fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def fmt_kb(size: int) -> str:
    return f"{size / 1000:,.0f} KB" if size >= 10_000 else f"{size / 1000:.1f} KB"


def parse_table(rows: list[ParseRow]) -> list[str]:
    lines = [
        ("| Document | Size | mizan-lang (spans, diagnostics) | ckdl (C) | kdl-py (KDL v1) "
         "| Brief: kdl-py / ckdl |"),
        "|---|---:|---:|---:|---:|---:|",
    ]
    refs = f"{PEER_PARSE['kdl-py']} / {PEER_PARSE['ckdl']:.0f}"
    for row in rows:
        lines.append(f"| {row.label} | {fmt_kb(row.size)} | {row.ours:.2f} | {fmt_rate(row.ckdl)} "
                     f"| {fmt_rate(row.kdlpy)} | {refs} |")
    return lines


def check_table(rows: list[CheckRow]) -> list[str]:
    peers = " / ".join(PEER_CHECK_1000)
    lines = [
        ("| Functions | Size | `check` wall (subprocess) | max RSS | in-process: parse "
         "| lower | check | total | tracemalloc peak | LSP edit->diag p50 / p95 "
         f"| Brief, 1,000 ops: {peers} |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lsp = ("not measured" if row.lsp is None
               else f"{fmt_ms(row.lsp['p50'])} / {fmt_ms(row.lsp['p95'])}")
        refs = ("" if row.spec.functions != 1000
                else " / ".join(f"{v:.2f} s" for v in PEER_CHECK_1000.values()))
        note = f" **{'; '.join(row.notes)}**" if row.notes else ""
        lines.append(
            f"| {row.spec.label}{note} | {fmt_kb(row.spec.size)} | {row.wall:.3f} s "
            f"| {row.rss_mib:.0f} MiB | {fmt_ms(row.parse)} | {fmt_ms(row.lower)} "
            f"| {fmt_ms(row.check)} | {fmt_ms(row.total)} | {row.peak_mib:.1f} MiB | {lsp} "
            f"| {refs} |")
    return lines


def bars_table(parse_rows: list[ParseRow], check_rows: list[CheckRow],
               version: float) -> list[str]:
    lines = ["| Bar | Target | Measured | Met |", "|---|---:|---:|:---:|"]

    def bar(name: str, target: str, measured: str, ok: bool) -> None:
        lines.append(f"| {name} | {target} | {measured} | {'yes' if ok else '**NO**'} |")

    if parse_rows:
        slowest = min(parse_rows, key=lambda r: r.ours)
        bar("parser throughput (slowest document)", f">= {BAR_PARSE_MBPS} MB/s",
            f"{slowest.ours:.2f} MB/s ({slowest.label})", slowest.ours >= BAR_PARSE_MBPS)
    for row in check_rows:
        if row.spec.functions == 1000:
            bar(f"`check`, {row.spec.label} functions, wall", f"<= {BAR_CHECK_1000_S} s",
                f"{row.wall:.3f} s", row.wall <= BAR_CHECK_1000_S)
    bar("`--version` cold start", f"<= {BAR_VERSION_S} s", f"{version:.3f} s",
        version <= BAR_VERSION_S)
    return lines


def environment() -> list[str]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    cpus = os.cpu_count()
    return [
        f"- date: {datetime.date.today().isoformat()}",
        (f"- machine: {platform.system()} {platform.machine()}, {cpus} CPUs, "
         f"Python {platform.python_version()}"),
        (f"- command: `{' '.join(['python', '-m', 'bench.run', *sys.argv[1:]])}`; check runs "
         f"`{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cli_command()))} "
         "check <root> --no-excerpt`"),
        f"- load average at start: {', '.join(f'{x:.2f}' for x in load) if load else 'n/a'}",
    ]


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000",
                        help="function counts, comma separated (default 100,1000,10000)")
    parser.add_argument("--quick", action="store_true",
                        help="fast sanity run: sizes 100,1000, 3 repeats, single files, "
                             "no ~1 MB row, no kdl-py")
    parser.add_argument("--repeat", type=int, default=None, help="repeats per median (5)")
    parser.add_argument("--no-split", action="store_true",
                        help="skip the multi-file (one file per domain) check rows")
    parser.add_argument("--profile", action="store_true",
                        help="append cProfile of an in-process check and the import times of a "
                             "cold one (1,000 functions)")
    args = parser.parse_args(argv)

    quick = args.quick
    sizes = [100, 1000] if quick and args.sizes == parser.get_default("sizes") else \
        [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    repeat = args.repeat or (3 if quick else 5)
    version_repeat = 3 if quick else 10
    with_split = not (quick or args.no_split)

    out: list[str] = ["## mizan-lang benchmark", "", *environment(), ""]
    with tempfile.TemporaryDirectory(prefix="mizan-bench-") as tmp:
        base = Path(tmp)
        specs = []
        for n in sizes:
            log(f"generating {n} functions")
            specs.append(write_spec(base, n, split=False))
            if with_split:
                specs.append(write_spec(base, n, split=True))

        parse_rows = []
        for spec in specs:
            if not spec.split:
                log(f"parse: {spec.label}")
                text = spec.files[specgen.SINGLE_ROOT]
                parse_rows.append(measure_parse(f"{spec.label} functions", text, repeat,
                                                with_kdlpy=not quick))
        if not quick:
            log("parse: ~1 MB document")
            text = specgen.generate(ONE_MB_FUNCTIONS)[specgen.SINGLE_ROOT]
            parse_rows.append(measure_parse(f"~1 MB ({ONE_MB_FUNCTIONS:,} functions)", text,
                                            repeat, with_kdlpy=True))

        check_rows = []
        for spec in specs:
            log(f"check: {spec.label}")
            check_rows.append(measure_check(spec, repeat))

        log("--version")
        version, version_code = measure_version(version_repeat)

        out += [f"### Parse throughput (MB/s, median of {repeat}, text in memory)", "",
                *parse_table(parse_rows), ""]
        out += [f"### `mizan-lang check` (median of {repeat})", "", *check_table(check_rows), ""]
        out += ["### Start-up", "", "| Command | Median wall |", "|---|---:|",
                f"| `mizan-lang --version` (median of {version_repeat}) | {version:.3f} s"
                + ("" if version_code == 0 else f" (exit {version_code})") + " |", ""]
        out += ["### Bars", "", *bars_table(parse_rows, check_rows, version), ""]
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        if load:
            out.append(f"Load average at end: {', '.join(f'{x:.2f}' for x in load)}.")
            out.append("")
        if args.profile:
            target = next((s for s in specs if s.functions == 1000 and not s.split), specs[0])
            out += [f"### Profile: in-process check of {target.label} functions (tottime)", "",
                    "```", profile_check(target).rstrip(), "```", "",
                    f"### Imports of a cold `check` of {target.label} functions", "",
                    "```", import_profile(target), "```", ""]
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
