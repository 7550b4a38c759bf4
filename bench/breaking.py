"""`mizan-lang breaking` on a 10,000-function spec (bench/specgen.py, split
into ~100 files): the old spec committed in a scratch git repository, the new
one its working tree with three edits (a param removed, an auth loosened, a
function newly on WebSocket).

    python -m bench.breaking [--functions N] [--repeat K]

Prints the best of K wall times (figures in docs/performance.md): the comparison in-process (two checked
sides, `review()` only), the CLI on two saved IRs, on two spec folders, and
with --against HEAD, from scratch (MIZAN_CACHE=off) and with the result cache
holding the sides whose files did not change (the old side of --against is
read from git into a fresh folder and always checked).
"""

from __future__ import annotations

import argparse
import re
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


def _best(command: list[str], cwd: Path, repeat: int, env: dict[str, str]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              check=False)
        best = min(best, time.perf_counter() - start)
        assert done.returncode == 1 and "B107" in done.stdout, done.stdout + done.stderr
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.breaking")
    parser.add_argument("--functions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
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
        _best(folders, root, 1, cached)
        _best(against, repo, 1, cached)
        figures = {
            "in-process review() of two checked sides": in_process,
            "CLI, two saved IRs": _best([*mizan, "breaking", str(root / "old.json"),
                                         str(root / "new.json")], root, args.repeat, env),
            "CLI, two spec folders": _best(folders, root, args.repeat, env),
            "CLI, --against HEAD": _best(against, repo, args.repeat, env),
            "CLI, two spec folders, both from the result cache": _best(
                folders, root, args.repeat, cached),
            "CLI, --against HEAD, the working tree from the result cache": _best(
                against, repo, args.repeat, cached),
        }
    print(f"{args.functions} functions, {len(old)} files; changes found: {', '.join(codes)}")
    for name, seconds in figures.items():
        print(f"  {name}: {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
