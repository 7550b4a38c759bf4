"""Source text, offsets and positions.

Everything in the core addresses text by character offsets (`Span`); lines and
columns are computed late, only when a diagnostic is shown or an editor asks.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterator
from contextlib import contextmanager

from .records import record

# Line numbering follows editors and LSP (only CRLF, CR and LF end a line),
# not KDL, whose newlines also include VT, FF, NEL, LS and PS: a position we
# report must be the one the user's editor shows.
_NEWLINE = re.compile("\r\n|[\n\r]")


class Anchor:
    """The offset of a piece of text (a top-level chunk) within its file.

    The language server caches the parse of each top-level declaration; when
    an edit above it moves it, only its anchor's `base` changes, and every span
    made while that chunk was processed moves with it at no cost.
    """

    __slots__ = ("base",)

    def __init__(self, base: int = 0) -> None:
        self.base = base


_current: list[Anchor | None] = [None]


@contextmanager
def anchored(anchor: Anchor) -> Iterator[Anchor]:
    """Spans created inside this block are relative to `anchor` (base 0 while inside)."""
    saved_base = anchor.base
    anchor.base = 0
    previous = _current[0]
    _current[0] = anchor
    try:
        yield anchor
    finally:
        _current[0] = previous
        anchor.base = saved_base


def current_anchor() -> Anchor | None:
    """The anchor of spans made now (see `anchored`)."""
    return _current[0]


class Span:
    """Half-open range of character offsets [start, end) in one source text."""

    __slots__ = ("_end", "_start", "anchor")

    def __init__(self, start: int, end: int) -> None:
        self._start = start
        self._end = end
        self.anchor = _current[0]

    @property
    def start(self) -> int:
        anchor = self.anchor
        return self._start if anchor is None else self._start + anchor.base

    @property
    def end(self) -> int:
        anchor = self.anchor
        return self._end if anchor is None else self._end + anchor.base

    def rebase(self, anchor: Anchor) -> None:
        """Make a span with no anchor move with `anchor`, keeping where it is now."""
        self._start -= anchor.base
        self._end -= anchor.base
        self.anchor = anchor

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))

    def contains(self, offset: int) -> bool:
        return self.start <= offset <= self.end

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Span):
            return NotImplemented
        return self.start == other.start and self.end == other.end

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def __repr__(self) -> str:
        return f"Span({self.start}, {self.end})"


def span_in(start: int, end: int, anchor: Anchor | None) -> Span:
    """A span of offsets relative to `anchor` (made later than the spans it goes with)."""
    span = Span(start, end)
    span.anchor = anchor
    return span


@record(frozen=True)
class Position:
    """0-based line and column (column counted in Unicode code points)."""

    line: int
    column: int


class LineIndex:
    """Maps offsets to line/column and back; line starts are found on first use.

    The starts are an array of machine integers: the language server keeps one
    index per open document, and a list of 60,000 line starts is ~4x larger."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: array[int] | None = None

    @property
    def starts(self) -> array[int]:
        if self._starts is None:
            starts = array("q", [0])
            starts.extend(m.end() for m in _NEWLINE.finditer(self.text))
            self._starts = starts
        return self._starts

    def edited(self, start: int, end: int, inserted: str, text: str) -> LineIndex:
        """The index of `text`: this one's text with [start, end) replaced by
        `inserted`. Line starts away from the edit are kept (shifted after it),
        so an editor's keystroke in a large file costs no scan of the whole text."""
        starts = self.starts
        delta = len(inserted) - (end - start)
        # Kept as they were: line starts up to the one of the line holding start - 1
        # (the two characters before each are unchanged) ...
        low = bisect.bisect_right(starts, max(start - 1, 0)) - 1
        # ... and, shifted, those after end + 1 (for the same reason).
        high = bisect.bisect_right(starts, end + 1)
        # A match ending at `stop` is the first shifted start, unless there is none.
        stop = starts[high] + delta if high < len(starts) else len(text) + 1
        found = starts[:low + 1]
        found.extend(at for at in (m.end() for m in _NEWLINE.finditer(text, starts[low], stop))
                     if at < stop)
        found.extend(map(delta.__add__, starts[high:]))
        index = LineIndex(text)
        index._starts = found
        return index

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return Position(line, offset - self.starts[line])

    def offset(self, line: int, column: int) -> int:
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[max(line, 0)]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        return min(start + max(column, 0), end)

    def line_text(self, line: int) -> str:
        start = self.starts[line]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        return _NEWLINE.sub("", self.text[start:end])

    # Columns in code units of an editor's position encoding (LSP: "utf-16" by
    # default, "utf-8" or "utf-32" when negotiated).
    def unit_column(self, offset: int, encoding: str = "utf-16") -> int:
        pos = self.position(offset)
        if encoding == "utf-32":
            return pos.column
        segment = self.text[self.starts[pos.line] : offset]
        if encoding == "utf-8":
            return len(segment.encode("utf-8", "surrogatepass"))
        return pos.column + sum(1 for ch in segment if ord(ch) > 0xFFFF)

    def offset_from_units(self, line: int, column: int, encoding: str = "utf-16") -> int:
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[max(line, 0)]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        units = 0
        offset = start
        while offset < end and units < column:
            code = ord(self.text[offset])
            if encoding == "utf-8":
                units += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
            elif encoding == "utf-32":
                units += 1
            else:
                units += 2 if code > 0xFFFF else 1
            offset += 1
        return offset

    def utf16_column(self, offset: int) -> int:
        return self.unit_column(offset, "utf-16")

    def offset_from_utf16(self, line: int, utf16_column: int) -> int:
        return self.offset_from_units(line, utf16_column, "utf-16")


def decode_source(data: bytes) -> tuple[str, list[tuple[int, str]]]:
    """Decode bytes as UTF-8 without ever failing.

    Returns the text (invalid bytes replaced by U+FFFD) and a list of
    (offset, description) problems for the caller to turn into diagnostics.
    """
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    problems: list[tuple[int, str]] = []
    parts: list[str] = []
    pos = 0
    length = 0
    while pos < len(data):
        try:
            chunk = data[pos:].decode("utf-8")
            parts.append(chunk)
            break
        except UnicodeDecodeError as err:
            good = data[pos : pos + err.start].decode("utf-8")
            parts.append(good)
            length += len(good)
            problems.append((length, f"invalid UTF-8 byte 0x{data[pos + err.start]:02x}"))
            parts.append("\ufffd")
            length += 1
            pos += err.start + max(1, err.end - err.start)
    return "".join(parts), problems
