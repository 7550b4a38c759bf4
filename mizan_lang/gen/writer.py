"""Write generated files, or tell how the files on disk differ from them.

`compare` looks at the output folder and classifies every file:

- create: a generated or user file that is not on disk yet;
- update: a generated file whose bytes on disk differ;
- unchanged: a generated file already up to date;
- kept: a user file that exists: it is the user's, never read or touched;
- remove: a file on disk that carries this target's generated marker but is
  no longer produced (a stale leftover);
- conflict: a path the generator wants to write holds a file it did not
  generate (no marker): refusing beats overwriting someone's work.

`apply` carries the plan out (atomically per file); `unified_diff` shows it.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .files import GeneratedFile
from .header import is_generated, marker_line

Status = Literal["create", "update", "unchanged", "kept", "remove", "conflict"]
# What `--check` reports: the output is not what `gen` would write.
STALE: frozenset[str] = frozenset({"create", "update", "remove", "conflict"})

_SKIP_DIRS = frozenset({"__pycache__", "node_modules", ".git", ".venv", ".mypy_cache",
                        ".ruff_cache", ".pytest_cache"})
_HEAD_BYTES = 512


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str  # relative to the output folder, `/` separators
    status: Status
    before: bytes | None  # on disk (None: absent, or a user file left unread)
    after: bytes | None  # what gen writes (None: to be removed)


def compare(files: Sequence[GeneratedFile], out: Path, *, labels: Sequence[str]) -> list[Outcome]:
    """Classify every file; `labels` are the header labels of the target's
    own files (a leftover carrying one of them is removed)."""
    outcomes = []
    wanted = set()
    for file in sorted(files, key=lambda f: f.path):
        wanted.add(file.path)
        outcomes.append(_compare_one(file, out / file.path))
    for path in _own_files(out, labels):
        if path not in wanted:
            outcomes.append(Outcome(path, "remove", (out / path).read_bytes(), None))
    return sorted(outcomes, key=lambda o: o.path)


def _compare_one(file: GeneratedFile, where: Path) -> Outcome:
    if not where.is_file():
        # A folder or other non-file in the way is a conflict, not a create.
        status: Status = "conflict" if where.exists() else "create"
        return Outcome(file.path, status, None, file.data)
    if file.owner == "user":
        return Outcome(file.path, "kept", None, None)
    before = where.read_bytes()
    if before == file.data:
        return Outcome(file.path, "unchanged", before, file.data)
    if not is_generated(before):
        return Outcome(file.path, "conflict", before, file.data)
    return Outcome(file.path, "update", before, file.data)


def _own_files(out: Path, labels: Sequence[str]) -> list[str]:
    """Files under `out` whose first line is the generated marker of a label."""
    if not out.is_dir():
        return []
    markers = [marker_line(label).encode("utf-8") for label in labels]
    found = []
    for root, dirs, names in os.walk(out):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(names):
            path = Path(root) / name
            try:
                with path.open("rb") as handle:
                    first = handle.read(_HEAD_BYTES).split(b"\n", 1)[0]
            except OSError:
                continue
            if any(marker in first for marker in markers):
                found.append(path.relative_to(out).as_posix())
    return found


def conflicts(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status == "conflict"]


def stale(outcomes: Iterable[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status in STALE]


def apply(outcomes: Iterable[Outcome], out: Path) -> None:
    """Write creates and updates, delete removals. Call only without conflicts."""
    for outcome in outcomes:
        where = out / outcome.path
        if outcome.status in ("create", "update") and outcome.after is not None:
            _write_atomic(where, outcome.after)
        elif outcome.status == "remove":
            where.unlink()


def _write_atomic(where: Path, data: bytes) -> None:
    where.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{where.name}.", dir=where.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, where)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def unified_diff(outcomes: Iterable[Outcome], out: Path) -> str:
    """A unified diff (paths shown under `out`) of every pending change."""
    chunks = []
    for outcome in outcomes:
        if outcome.status not in ("create", "update", "remove", "conflict"):
            continue
        shown = (out / outcome.path).as_posix()
        before = _lines(outcome.before)
        after = _lines(outcome.after)
        source = "/dev/null" if outcome.before is None else f"a/{shown}"
        dest = "/dev/null" if outcome.after is None else f"b/{shown}"
        for line in difflib.unified_diff(before, after, fromfile=source, tofile=dest):
            chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(chunks)


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", "replace").splitlines(keepends=True)
