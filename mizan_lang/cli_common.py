"""Helpers shared by the CLI commands: paths, sources, diagnostics output.

Kept free of parser/checker imports; commands import those lazily.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Iterable, Sequence

from .diagnostics import Diagnostic
from .source import LineIndex

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from pathlib import Path

    import typer

SUFFIX = ".mizan"


class OutputFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"


def usage_error(message: str) -> typer.Exit:
    """Report a usage problem the way typer does for bad options: exit 2."""
    import typer  # here: `check`'s fast path (`fastpath`) never imports typer

    sys.stderr.write(f"mizan-lang: error: {message}\n")
    return typer.Exit(2)


def require_paths(paths: Sequence[str | Path]) -> list[str | Path]:
    """The paths, after checking that each exists (else a usage error). (Strings
    come from the language server's start, which does not import pathlib.)"""
    for path in paths:
        if not (os.path.exists(path) if isinstance(path, str) else path.exists()):
            raise usage_error(f"path '{path}' does not exist")
    return list(paths)


def expand_paths(paths: Sequence[Path]) -> list[str]:
    """Files as given; folders become every `*.mizan` file under them (sorted,
    hidden folders skipped). Missing paths and empty folders are usage errors."""
    found: list[str] = []
    seen: set[str] = set()
    for path in paths:
        if path.is_dir():
            files = _mizan_files(path)
            if not files:
                raise usage_error(f"no {SUFFIX} files under '{path}'")
        elif path.exists():
            files = [str(path)]
        else:
            raise usage_error(f"path '{path}' does not exist")
        for file in files:
            key = os.path.abspath(file)
            if key not in seen:
                seen.add(key)
                found.append(file)
    return found


def _mizan_files(folder: Path) -> list[str]:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(SUFFIX))
    return files


class SourceCache:
    """path -> LineIndex for rendering; seeded from what was loaded, falls
    back to reading the file (a related location in a file not loaded)."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self._indexes: dict[str, LineIndex | None] = {}
        for path, text in (texts or {}).items():
            self._indexes[path] = LineIndex(text)

    def add(self, path: str, index: LineIndex) -> None:
        self._indexes[path] = index

    def __call__(self, path: str) -> LineIndex | None:
        if path not in self._indexes:
            self._indexes[path] = self._read(path)
        return self._indexes[path]

    @staticmethod
    def _read(path: str) -> LineIndex | None:
        from .source import decode_source

        try:
            with open(path, "rb") as handle:
                return LineIndex(decode_source(handle.read())[0])
        except OSError:
            return None


def write_stdout(text: str) -> None:
    """UTF-8 bytes whatever the locale, so output is the same on every machine."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.buffer.flush()


def write_stderr(text: str) -> None:
    sys.stderr.flush()
    sys.stderr.buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stderr.buffer.flush()


def emit_diagnostics(diagnostics: Iterable[Diagnostic], lookup: SourceCache, *,
                     output: OutputFormat = OutputFormat.text, excerpt: bool = True,
                     to_stderr: bool = False) -> None:
    from . import render

    diagnostics = list(diagnostics)
    stream = sys.stderr if to_stderr else sys.stdout
    write = write_stderr if to_stderr else write_stdout
    if output == OutputFormat.json:
        write(render.render_json(diagnostics, lookup))
    elif output == OutputFormat.github:
        write(render.render_github(diagnostics, lookup))
    elif diagnostics:
        write(render.render_text(diagnostics, lookup, excerpt=excerpt,
                                 color=render.use_color(stream)))


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(getattr(d.severity, "value", d.severity) == "error" for d in diagnostics)


def silence_stdout() -> None:
    """The reader of stdout left (`mizan-lang check . | head`): send the rest nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
