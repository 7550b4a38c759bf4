"""`mizan-lang breaking` on a 10,000-function spec (bench/specgen.py, split
into ~100 files): the old spec committed in a scratch git repository, the new
one its working tree with three edits (a param removed, an auth loosened, a
function newly on WebSocket).

    python -m bench.breaking [--functions N] [--repeat K] [--before DIR]

Prints the best of K wall and CPU times (figures in docs/performance.md): the
comparison in-process (two checked sides, `review()` only), then the CLI:

- from scratch (MIZAN_CACHE=off): two spec folders, --against HEAD (files
  the sides share parsed once, the second side checked from the first
  side's check, the IR of only what may differ built);
- two saved IRs (`ir --format json` files, read and compared as data);
- with the result cache on, as it is by default: two spec folders compared
  for the first time (an empty cache, as on a fresh CI runner: the checks
  and the report are stored), the same comparison again (the report kept,
  review/replay.py); --against HEAD with the revision never compared (read from git and
  checked) and again (its report kept: the files hashed, `git ls-tree`).

`--before DIR` measures another checkout of mizan-lang too (a worktree at an
older commit), each command's runs alternating between the two, so that both
rows of a figure see the same load.

Run it on a quiet machine; it prints the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import tool_env
from bench.specgen import generate

REPO = Path(__file__).resolve().parent.parent


def _edit(files: dict[str, str]) -> dict[str, str]:
    edited = dict(files)
    names = sorted(n for n in files if n not in ("main.mizan", "common.mizan"))
    first = edited[names[0]]
    # A param of a mutation removed: the first `param` after a `fn ... affects=` line.
    pattern = r"^fn (\w+) [^\n]*affects=[^\n]*\{\n(?:    doc [^\n]*\n)?(    param [^\n]*\n)"
    match = next(m for m in re.finditer(pattern, first, re.MULTILINE)
                 if f"submit={m[1]}" not in first)  # a form's param must stay

    edited[names[0]] = first[:match.start(2)] + first[match.end(2):]
    second = edited[names[1]]
    edited[names[1]] = re.sub(r"^(fn \w+[^\n]*) auth=(?!public)\w+", r"\1 auth=public", second,
                              count=1, flags=re.MULTILINE)
    third = edited[names[2]]
    edited[names[2]] = re.sub(r"^(fn \w+)", r"\1 websocket=#true", third, count=1, flags=re.MULTILINE)
    return edited


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def _best(command: list[str], cwd: Path, repeat: int, env: dict[str, str],
          before: list[list[str]] | None = None) -> dict[str, tuple[float, float]]:
    """The best wall and CPU (user + system) times of `command` run by each
    checkout of CHECKOUTS, their runs alternating; with `before`, each run
    has a fresh cache folder where those commands ran (untimed) first."""
    best: dict[str, tuple[float, float]] = {}
    for number in range(repeat):
        for label, checkout in CHECKOUTS.items():
            run_env = {**env, "PYTHONPATH": checkout}
            if before is not None:
                run_env["MIZAN_CACHE_DIR"] = f"{env['MIZAN_CACHE_DIR']}-{label}-{number}"
                for earlier in before:
                    subprocess.run(earlier, cwd=cwd, env=run_env, capture_output=True,
                                   check=False)
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(command, cwd=cwd, env=run_env, capture_output=True, text=True,
                                  check=False)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime
            assert done.returncode == 1 and "B107" in done.stdout, done.stdout + done.stderr
            so_far = best.get(label, (float("inf"), float("inf")))
            best[label] = (min(so_far[0], wall), min(so_far[1], cpu))
    return best


CHECKOUTS = {"": str(REPO)}  # label -> a checkout of mizan-lang (see --before)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.breaking")
    parser.add_argument("--functions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", metavar="DIR", help="another checkout to measure too")
    args = parser.parse_args(argv)
    if args.before:
        CHECKOUTS.clear()
        CHECKOUTS.update({" (before)": str(Path(args.before).resolve()), " (after)": str(REPO)})
    load_before = os.getloadavg()
    old = generate(args.functions, split=True)
    new = _edit(old)
    env = {**tool_env(), "PYTHONPATH": str(REPO), "MIZAN_CACHE": "off"}
    mizan = [sys.executable, "-m", "mizan_lang"]
    with tempfile.TemporaryDirectory(prefix="mizan-bench-breaking-") as scratch:
        root = Path(scratch)
        _write(root / "old", old)
        repo = root / "repo"
        _write(repo / "spec", old)
        git = ["git", "-c", "user.name=b", "-c", "user.email=b@example.com"]
        subprocess.run([*git, "init", "-q", str(repo)], check=True)
        subprocess.run([*git, "add", "."], cwd=repo, check=True)
        subprocess.run([*git, "commit", "-q", "-m", "old"], cwd=repo, check=True)
        _write(repo / "spec", new)
        for side, folder in (("old", root / "old"), ("new", repo / "spec")):
            subprocess.run([*mizan, "ir", str(folder), "-f", "json", "-o",
                            str(root / f"{side}.json")], env=env, check=True)

        from mizan_lang.review import review
        from mizan_lang.review.sides import from_paths

        sides = (from_paths([str(root / "old")], cache=False),
                 from_paths([str(repo / "spec")], cache=False))
        in_process = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = review(*sides)
            in_process = min(in_process, time.perf_counter() - start)
        codes = sorted({change.code for change in report.changes})
        # The same commands with the result cache on, after a first run stored
        # both sides: files unchanged since the last run, as in CI reruns.
        cached = {**env, "MIZAN_CACHE": "on", "MIZAN_CACHE_DIR": str(root / "cache")}
        folders = [*mizan, "breaking", str(root / "old"), str(repo / "spec")]
        against = [*mizan, "breaking", "--against", "HEAD", "spec"]
        _best(against, repo, 1, cached)  # its report kept
        # Cold --against: a cache folder where only the working tree was
        # compared before, so the revision is read and checked.
        only_new = [*mizan, "breaking", "spec", "spec"]
        cold = {**cached, "MIZAN_CACHE_DIR": str(root / "cold")}
        empty = {**cached, "MIZAN_CACHE_DIR": str(root / "empty")}
        again = {**cached, "MIZAN_CACHE_DIR": str(root / "again")}
        figures = {
            "in-process review() of two checked sides": {" (this checkout)": (in_process,
                                                                              in_process)},
            "CLI, two spec folders, from scratch": _best(folders, root, args.repeat, env),
            "CLI, --against HEAD, from scratch": _best(against, repo, args.repeat, env),
            "CLI, two saved IRs": _best([*mizan, "breaking", str(root / "old.json"),
                                         str(root / "new.json")], root, args.repeat, env),
            "CLI, two spec folders, first comparison (empty result cache)": _best(
                folders, root, args.repeat, empty, before=[]),
            "CLI, two spec folders, the same comparison again (its report kept)": _best(
                folders, root, args.repeat, again, before=[folders]),
            "CLI, --against HEAD, the revision never compared": _best(
                against, repo, args.repeat, cold, before=[only_new]),
            "CLI, --against HEAD again (its report kept)": _best(
                against, repo, args.repeat, cached),
        }
    load = os.getloadavg()
    print(f"{args.functions} functions, {len(old)} files; changes found: {', '.join(codes)}")
    print(f"load average {load_before[0]:.2f} before, {load[0]:.2f} after")
    for name, rows in figures.items():
        for label, (wall, cpu) in rows.items():
            print(f"  {name}{label}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
