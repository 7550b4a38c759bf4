"""Diagnostics for people and for tools: text with an excerpt, or JSON.

Positions are shown 1-based, columns counted in code points. The renderers
take a `lookup(path) -> LineIndex | None` so they work for whatever produced
the diagnostics (a workspace, one formatted file) without reading files twice.
"""

from __future__ import annotations

import os
import re

from .diagnostics import Diagnostic, Severity
from .records import record

# `check` renders through this module on every run, most runs with nothing to
# show: json, unicodedata and dataclasses (inspect, ast, dis, tokenize: ~9 ms)
# are imported where used, and `Place` is a record.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .source import LineIndex, Span

    Lookup = Callable[[str], "LineIndex | None"]

# Excerpts longer than this are cut to a window around the range (huge lines).
_MAX_EXCERPT = 160
_CONTEXT_BEFORE = 60
# Characters a terminal must not receive raw (controls, bidi overrides, BOM):
# shown as U+FFFD so the caret still lines up (Trojan-source safe).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

_COLORS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m", "note": "\x1b[1;36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


@record(frozen=True)
class Place:
    """1-based start and end (end exclusive) of a span."""

    line: int
    column: int
    end_line: int
    end_column: int


def place(index: LineIndex | None, span: Span) -> Place:
    if index is None:
        return Place(1, 1, 1, 1)
    start, end = index.position(span.start), index.position(max(span.end, span.start))
    return Place(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def display_path(path: str, cwd: str | None = None) -> str:
    """`path` relative to the current directory when it lies under it."""
    if not path or not os.path.isabs(path):
        return path
    cwd = cwd or os.getcwd()
    # Workspace paths have symlinks resolved; so may the current directory.
    for base in dict.fromkeys((cwd, os.path.realpath(cwd))):
        try:
            rel = os.path.relpath(path, base)
        except ValueError:  # another drive on Windows
            continue
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
            return rel
    return path


def _severity(diag: Diagnostic) -> str:
    sev = diag.severity
    return sev.value if isinstance(sev, Severity) else str(sev)


# --- text -------------------------------------------------------------------


def render_text(diagnostics: Iterable[Diagnostic], lookup: Lookup, *, excerpt: bool = True,
                color: bool = False, cwd: str | None = None) -> str:
    """One block per diagnostic: the `path:line:col: severity code: message`
    line, optionally the source line with a caret line, then related notes."""
    out: list[str] = []
    for diag in diagnostics:
        out.extend(_render_one(diag, lookup, excerpt=excerpt, color=color, cwd=cwd))
    return "".join(line + "\n" for line in out)


def _render_one(diag: Diagnostic, lookup: Lookup, *, excerpt: bool, color: bool,
                cwd: str | None) -> list[str]:
    sev = _severity(diag)
    index = lookup(diag.path)
    where = place(index, diag.span)
    head = f"{display_path(diag.path, cwd)}:{where.line}:{where.column}:"
    label = f"{sev} {diag.code}:"
    message = _UNSAFE.sub("\ufffd", diag.message)
    if color:
        paint = _COLORS.get(sev, _BOLD)
        lines = [f"{_BOLD}{head}{_RESET} {paint}{label}{_RESET} {_BOLD}{message}{_RESET}"]
    else:
        lines = [f"{head} {label} {message}"]
    if excerpt and index is not None:
        lines.extend(_excerpt(index, diag.span, where, color=color, paint=_COLORS.get(sev, "")))
    for rel in diag.related:
        rel_where = place(lookup(rel.path), rel.span)
        note = "note:" if not color else f"{_COLORS['note']}note:{_RESET}"
        lines.append(f"  {note} {display_path(rel.path, cwd)}:{rel_where.line}:"
                     f"{rel_where.column}: {_UNSAFE.sub(chr(0xFFFD), rel.message)}")
    return lines


def _excerpt(index: LineIndex, span: Span, where: Place, *, color: bool, paint: str) -> list[str]:
    line_no = where.line - 1
    if line_no >= index.line_count:
        return []
    text = index.line_text(line_no)
    start = where.column - 1
    # Multi-line ranges are underlined to the end of their first line.
    end = where.end_column - 1 if where.end_line == where.line else len(text)
    end = max(end, start + 1)
    shown, start, end = _window(text, start, end)
    shown = _UNSAFE.sub("\ufffd", shown)
    pad = "".join("\t" if ch == "\t" else " " * _width(ch) for ch in shown[:start])
    carets = "^" * max(1, sum(_width(ch) for ch in shown[start:end]))
    gutter = f"{where.line:>5} | "
    blank = " " * (len(gutter) - 2) + "| "
    if color:
        return [f"{_DIM}{gutter}{_RESET}{shown}", f"{_DIM}{blank}{_RESET}{pad}{paint}{carets}{_RESET}"]
    return [f"{gutter}{shown}".rstrip(), f"{blank}{pad}{carets}"]


def _window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """Cut an overlong line to a window around [start, end)."""
    if len(text) <= _MAX_EXCERPT:
        return text, start, min(end, max(len(text), start + 1))
    lo = max(0, start - _CONTEXT_BEFORE)
    hi = min(len(text), lo + _MAX_EXCERPT)
    prefix = "..." if lo > 0 else ""
    suffix = "..." if hi < len(text) else ""
    shift = len(prefix) - lo
    end = min(end, hi)
    return prefix + text[lo:hi] + suffix, start + shift, max(end + shift, start + shift + 1)


def _width(ch: str) -> int:
    import unicodedata

    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


# --- JSON -------------------------------------------------------------------


def to_json_list(diagnostics: Iterable[Diagnostic], lookup: Lookup,
                 cwd: str | None = None) -> list[dict[str, object]]:
    """Plain data for `--format json`: 1-based positions, end exclusive."""
    items = []
    for diag in diagnostics:
        items.append({
            "path": display_path(diag.path, cwd),
            "range": _json_range(place(lookup(diag.path), diag.span)),
            "severity": _severity(diag),
            "code": diag.code,
            "message": diag.message,
            "related": [
                {"path": display_path(rel.path, cwd),
                 "range": _json_range(place(lookup(rel.path), rel.span)),
                 "message": rel.message}
                for rel in diag.related
            ],
            "data": diag.data,
        })
    return items


def render_json(diagnostics: Iterable[Diagnostic], lookup: Lookup, cwd: str | None = None) -> str:
    import json

    return json.dumps(to_json_list(diagnostics, lookup, cwd), indent=2, ensure_ascii=False,
                      sort_keys=False, default=str) + "\n"


def _json_range(where: Place) -> dict[str, dict[str, int]]:
    return {"start": {"line": where.line, "column": where.column},
            "end": {"line": where.end_line, "column": where.end_column}}


# --- GitHub annotations -------------------------------------------------------


def render_github(diagnostics: Iterable[Diagnostic], lookup: Lookup,
                  cwd: str | None = None) -> str:
    """One workflow command per diagnostic (`::error file=..,line=..::message`)."""
    from .github import annotation

    out = []
    for diag in diagnostics:
        where = place(lookup(diag.path), diag.span)
        level = {"error": "error", "warning": "warning"}.get(_severity(diag), "notice")
        out.append(annotation(level, diag.message, file=display_path(diag.path, cwd),
                              line=where.line, col=where.column, end_line=where.end_line,
                              end_col=where.end_column, title=diag.code))
    return "".join(out)


# --- summary ----------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary(diagnostics: Iterable[Diagnostic], file_count: int) -> str:
    """`N errors, M warnings in K files`."""
    severities = [_severity(d) for d in diagnostics]
    errors = severities.count("error")
    warnings = severities.count("warning")
    return (f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
            f"in {_plural(file_count, 'file')}")


def use_color(stream: object) -> bool:
    """Colors only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR", ""):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False
