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

    The starts are kept in blocks of machine integers (`array`), each block
    with a shift added to its values: an editor's keystroke (`edited`)
    rebuilds the block it falls in and moves the shifts of the blocks after
    it, instead of adding the edit's length to every later line start (~2 ms
    in a 10,000-function file). A list of 60,000 line starts would be ~4x
    larger than the arrays. `starts`, all of them in one array, is made when
    first asked for."""

    __slots__ = ("_blocks", "_firsts", "_heads", "_shifts", "_starts", "text")

    BLOCK = 1024  # line starts per block (a block holds up to twice as many)

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: array[int] | None = None
        self._blocks: list[array[int]] | None = None  # raw starts; each value + its shift
        self._shifts: list[int] = []
        self._firsts: list[int] = []  # the number of the first line of each block
        self._heads: list[int] = []  # the first start of each block, shift added

    @classmethod
    def from_starts(cls, text: str, starts: array[int]) -> LineIndex:
        """An index of `text` whose lines start at `starts` (counted some other way)."""
        index = cls(text)
        index._starts = starts
        index._split(starts)
        return index

    def _scan(self) -> None:
        starts = array("q", [0])
        starts.extend(m.end() for m in _NEWLINE.finditer(self.text))
        self._starts = starts
        self._split(starts)

    def _split(self, starts: array[int]) -> None:
        size = self.BLOCK
        self._blocks = [starts[i:i + size] for i in range(0, len(starts), size)]
        self._shifts = [0] * len(self._blocks)
        self._firsts = list(range(0, len(starts), size))
        self._heads = [block[0] for block in self._blocks]

    @property
    def starts(self) -> array[int]:
        """Every line start, in one array."""
        if self._starts is None:
            if self._blocks is None:
                self._scan()
            else:
                starts = array("q")
                for block, shift in zip(self._blocks, self._shifts, strict=True):
                    starts.extend(block if not shift else map(shift.__add__, block))
                self._starts = starts
        return self._starts  # type: ignore[return-value]

    @property
    def line_count(self) -> int:
        if self._blocks is None:
            self._scan()
        return self._firsts[-1] + len(self._blocks[-1])  # type: ignore[index]

    def line_start(self, line: int) -> int:
        """The offset where `line` (0-based, < line_count) starts."""
        if self._blocks is None:
            self._scan()
        if self._starts is not None:
            return self._starts[line]
        j = bisect.bisect_right(self._firsts, line) - 1
        return self._blocks[j][line - self._firsts[j]] + self._shifts[j]  # type: ignore[index]

    def line_of(self, offset: int) -> int:
        """The line that holds `offset` (the last whose start is <= offset)."""
        if self._blocks is None:
            self._scan()
        if self._starts is not None:
            return bisect.bisect_right(self._starts, offset) - 1
        j = max(bisect.bisect_right(self._heads, offset) - 1, 0)
        block = self._blocks[j]  # type: ignore[index]
        return self._firsts[j] + bisect.bisect_right(block, offset - self._shifts[j]) - 1

    def _line_end(self, line: int) -> int:
        """Where the next line starts, or the end of the text."""
        return self.line_start(line + 1) if line + 1 < self.line_count else len(self.text)

    def edited(self, start: int, end: int, inserted: str, text: str) -> LineIndex:
        """The index of `text`: this one's text with [start, end) replaced by
        `inserted`. Line starts away from the edit are kept (those after it
        shifted), so a keystroke in a large file costs no scan of the whole
        text, and, in blocks, no pass over every later line start either."""
        count = self.line_count
        delta = len(inserted) - (end - start)
        # Kept as they were: line starts up to the one of the line holding start - 1
        # (the two characters before each are unchanged) ...
        low = self.line_of(max(start - 1, 0))
        # ... and, shifted, those after end + 1 (for the same reason).
        high = self.line_of(end + 1) + 1
        # A match ending at `stop` is the first shifted start, unless there is none.
        stop = self.line_start(high) + delta if high < count else len(text) + 1
        found = [at for at in (m.end() for m in _NEWLINE.finditer(text, self.line_start(low), stop))
                 if at < stop]
        blocks, shifts, firsts = self._blocks, self._shifts, self._firsts
        assert blocks is not None  # line_count made them
        first = bisect.bisect_right(firsts, low) - 1
        last = bisect.bisect_right(firsts, high) - 1 if high < count else len(blocks) - 1
        # The blocks `first`..`last` are made again (with shift 0); those after
        # keep their values and take the edit's length into their shift.
        part = array("q")
        for j in range(first, last + 1):
            block, shift = blocks[j], shifts[j]
            lo = max(firsts[j], 0)
            keep = min(len(block), low + 1 - lo)  # lines of this block up to `low`
            if keep > 0:
                part.extend(block[:keep] if not shift else map(shift.__add__, block[:keep]))
            if j == last:
                part.extend(found)
                skip = max(high - lo, 0)  # lines of this block before `high`
                if skip < len(block):
                    part.extend(map((shift + delta).__add__, block[skip:]))
        size = self.BLOCK
        made = [part[i:i + size] for i in range(0, len(part), size)] if len(part) > 2 * size \
            else [part]
        lines = len(part) - sum(len(blocks[j]) for j in range(first, last + 1))
        index = LineIndex(text)
        index._blocks = [*blocks[:first], *made, *blocks[last + 1:]]
        index._shifts = [*shifts[:first], *([0] * len(made)),
                         *(shift + delta for shift in shifts[last + 1:])]
        at = firsts[first]
        index._firsts = [*firsts[:first], *range(at, at + len(part), size)[:len(made)],
                         *(line + lines for line in firsts[last + 1:])]
        index._heads = [*self._heads[:first], *(block[0] for block in made),
                        *(head + delta for head in self._heads[last + 1:])]
        return index

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        return Position(line, offset - self.line_start(line))

    def offset(self, line: int, column: int) -> int:
        if line >= self.line_count:
            return len(self.text)
        start = self.line_start(max(line, 0))
        return min(start + max(column, 0), self._line_end(line))

    def line_text(self, line: int) -> str:
        return _NEWLINE.sub("", self.text[self.line_start(line):self._line_end(line)])

    # Columns in code units of an editor's position encoding (LSP: "utf-16" by
    # default, "utf-8" or "utf-32" when negotiated).
    def unit_column(self, offset: int, encoding: str = "utf-16") -> int:
        pos = self.position(offset)
        if encoding == "utf-32":
            return pos.column
        segment = self.text[offset - pos.column : offset]
        if encoding == "utf-8":
            return len(segment.encode("utf-8", "surrogatepass"))
        return pos.column + sum(1 for ch in segment if ord(ch) > 0xFFFF)

    def offset_from_units(self, line: int, column: int, encoding: str = "utf-16") -> int:
        if line >= self.line_count:
            return len(self.text)
        start = self.line_start(max(line, 0))
        end = self._line_end(line)
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
