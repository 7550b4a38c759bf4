"""Incremental parsing for editors: re-parse only the top-level nodes an edit touched.

A file is kept as a list of chunks, each one or more whole top-level nodes
ending at a newline outside any block (a "boundary": the lexer is in its
neutral state there, so the text before and after can be lexed apart with the
same result). Each chunk is parsed on its own inside `anchored(chunk.anchor)`,
so its spans are relative to the chunk; moving a chunk is one assignment.

After an edit, the chunks before and after the changed text are kept; the
changed window is re-parsed and grows over following chunks until it ends
on a boundary again. The result always equals a full `parse` of the new text
(the tests compare them on random edits).

Consecutive chunks are grouped into segments of about `SEGMENT` chunks (more
in large files: about the square root of their number, which balances walking
the segments against walking the declarations of the edited one), the
unit callers cache whole-file work on (lowered declarations, the checker's
per-file passes): an edit replaces the segments that held the chunks it
re-parsed, and every other segment stays the same object. A replaced segment
keeps its `key` (the edited run of declarations is "the same place" as
before), so work keyed by it can replay what did not change.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from itertools import chain, count, pairwise

from ..diagnostics import Diagnostic
from ..perf import paused_gc
from ..source import Anchor, Span, anchored
from .cuts import top_boundaries
from .fast import parse_clean
from .lexer import LBRACE, NL, RBRACE, Tok, tokenize
from .model import Comment, Document, Node, ParseResult
from .parser import _limit_depth, _parse_list, parse_nodes


@dataclass(slots=True)
class Chunk:
    length: int  # of its text (not kept: the document's text holds it)
    anchor: Anchor
    nodes: list[Node]
    # Mostly none: then a shared empty tuple (thousands of empty lists add up).
    comments: list[Comment] | tuple[()]
    diagnostics: list[Diagnostic] | tuple[()]
    # Anything callers derive from this chunk, computed inside `anchored`
    # (e.g. lowered declarations); cleared when the chunk is replaced.
    derived: dict[str, object]

    @property
    def start(self) -> int:
        return self.anchor.base

    @property
    def end(self) -> int:
        return self.anchor.base + self.length


SEGMENT = 64  # chunks per segment (a split segment's pieces are about this long)
_keys = count(1)


class Segment:
    """A run of consecutive chunks, replaced as a whole when one of them changes."""

    __slots__ = ("chunks", "derived", "key")

    def __init__(self, chunks: list[Chunk], key: int | None = None) -> None:
        self.chunks = chunks
        self.key = next(_keys) if key is None else key
        self.derived: dict[str, object] = {}  # like Chunk.derived, for the whole run


def segment_size(chunks: int) -> int:
    return max(SEGMENT, math.isqrt(chunks))


def _cut(chunks: list[Chunk], key: int | None, size: int) -> list[Segment]:
    """Chunks grouped into segments of about `size`; the first one takes `key`."""
    if not chunks:
        return []
    if len(chunks) <= 2 * size:
        return [Segment(chunks, key)]
    pieces = -(-len(chunks) // size)
    size = -(-len(chunks) // pieces)
    return [Segment(chunks[at:at + size], key if at == 0 else None)
            for at in range(0, len(chunks), size)]


def boundaries(tokens: list[Tok], length: int) -> list[int]:
    """Offsets where a new chunk may start: after each top-level newline run."""
    points: list[int] = []
    depth = 0
    for tok in tokens:
        ttype = tok.type
        if ttype == NL:
            if depth == 0 and tok.end_pos < length:
                points.append(tok.end_pos)
        elif ttype == LBRACE:
            depth += 1
        elif ttype == RBRACE and depth:
            depth -= 1
    return points


def _ends_cleanly(tokens: list[Tok], length: int) -> bool:
    if not tokens or tokens[-1].type != NL or tokens[-1].end_pos != length:
        return False
    return boundaries(tokens, length + 1)[-1:] == [length]


def _parse_chunk(text: str, base: int) -> Chunk:
    anchor = Anchor()
    with anchored(anchor):
        nodes, comments, diags, _ = parse_nodes(text, at_file_start=base == 0)
    anchor.base = base
    return Chunk(len(text), anchor, nodes, comments or (), diags or (), {})


def _parse_window(text: str, base: int, tokens: list[Tok] | None = None) -> list[Chunk]:
    """Parse text that starts and ends on boundaries, one chunk per top-level piece."""
    if tokens is None:
        tokens = tokenize(text, at_file_start=base == 0)[0]
    cuts = [0, *boundaries(tokens, len(text)), len(text)]
    return [_parse_chunk(text[a:b], base + a) for a, b in pairwise(cuts) if b > a]


def _adopt(span: Span, anchor: Anchor) -> None:
    """Make a span of the whole text (made outside any chunk) relative to `anchor`
    (once: a span may be shared, e.g. by a diagnostic and its related note)."""
    if span.anchor is None:
        span.rebase(anchor)


def _parse_whole(text: str) -> list[Chunk]:
    """The chunks `_parse_window` would make of a whole file (opening a document).

    Where the cuts can be found without lexing (`cuts.top_boundaries`, ~5x
    faster), each chunk is read by `fast.parse_clean` (the lexer's tokens of a
    whole 10,000-function file and their LALR parse cost ~2.5x more), and a
    chunk with a problem by the reference parser, as an edit reads it."""
    cuts = top_boundaries(text)
    if cuts is None:
        return _parse_lexed(text)
    chunks: list[Chunk] = []
    with paused_gc():
        for start, end in pairwise([0, *cuts, len(text)]):
            if end <= start:
                continue
            piece = text[start:end]
            anchor = Anchor(start)
            with anchored(anchor):
                clean = parse_clean(piece)
            if clean is None:
                chunks.append(_parse_chunk(piece, start))
            else:
                chunks.append(Chunk(end - start, anchor, clean[0], clean[1] or (), (), {}))
    return chunks


def _parse_lexed(text: str) -> list[Chunk]:
    """`_parse_whole` for any text: lexed once and parsed once, then cut into
    chunks (thousands of small parses, one per chunk, cost ~3x more).

    Each chunk's tokens are moved to offsets within the chunk and parsed inside
    its own anchor, so its spans are relative to it, as `_parse_window` makes
    them (and hold small offsets: Python shares ints below 257, absolute
    offsets of a large file each cost an object); the lexer's comments and
    diagnostics are handed to the chunk they start in."""
    length = len(text)
    with paused_gc():
        tokens, comments, lexed = tokenize(text, at_file_start=True)
        cuts = [0, *boundaries(tokens, length), length]
        chunks: list[Chunk] = []
        at_tok = at_comment = at_diag = 0
        lexed.sort(key=lambda d: d.span.start)
        for start, end in pairwise(cuts):
            if end <= start:
                continue
            anchor = Anchor(start)
            first = at_tok
            while at_tok < len(tokens) and tokens[at_tok].start_pos < end:
                tok = tokens[at_tok]
                tok.start_pos -= start
                tok.end_pos -= start
                at_tok += 1
            own = tokens[first:at_tok]
            diags: list[Diagnostic] = []
            with anchored(anchor):
                nodes = _parse_list(own, 0, len(own), end - start, diags, 0)
            mine: list[Comment] = []
            while at_comment < len(comments) and comments[at_comment].span.start < end:
                comment = comments[at_comment]
                _adopt(comment.span, anchor)
                mine.append(comment)
                at_comment += 1
            while at_diag < len(lexed) and lexed[at_diag].span.start < end:
                diagnostic = lexed[at_diag]
                _adopt(diagnostic.span, anchor)
                for related in diagnostic.related:
                    _adopt(related.span, anchor)
                diags.append(diagnostic)
                at_diag += 1
            if any(d.code == "K011" for d in diags):
                _limit_depth(nodes)
            diags.sort(key=lambda d: (d.span.start, d.span.end, d.code))
            chunks.append(Chunk(end - start, anchor, nodes, mine or (), diags or (), {}))
    return chunks


class IncrementalDocument:
    """The parse of one file, updated edit by edit."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.chunks: list[Chunk] = _parse_whole(text) if text else []
        self.segments: list[Segment] = _cut(self.chunks, None, segment_size(len(self.chunks)))
        self.reparsed = len(self.chunks)  # chunks parsed by the last update (for tests, stats)

    def update(self, text: str, edit: tuple[int, int] | None = None) -> None:
        """Parse `text`, the old text with one range replaced: `edit`, that range
        [start, end) of the old text, when the caller knows it (an editor's change;
        else it is found by comparing the texts, ~1 ms for 2 MB)."""
        old = self.text
        if text == old:
            self.reparsed = 0
            return
        if edit is not None and 0 <= edit[0] <= edit[1] <= len(old) \
                and len(old) - edit[1] <= len(text) - edit[0]:
            prefix, suffix = edit[0], len(old) - edit[1]
        else:
            prefix = _common_prefix(old, text)
            suffix = _common_suffix(old, text, prefix)
        delta = len(text) - len(old)
        old_edit_end = len(old) - suffix
        chunks = self.chunks
        # First chunk that ends at or after the edit start; last that starts at or before its end.
        first = bisect.bisect_left(chunks, prefix, key=_end)
        last = max(first, bisect.bisect_right(chunks, old_edit_end, key=_start) - 1)
        start = chunks[first].start if chunks else 0
        grow = 1
        while True:
            end_new = chunks[last].end + delta if last < len(chunks) else len(text)
            window = text[start : max(end_new, start)]
            tokens = tokenize(window, at_file_start=start == 0)[0]
            if end_new >= len(text) or _ends_cleanly(tokens, len(window)):
                break
            # The window spilled over (an unclosed brace or string): take in more
            # chunks, twice as many each time, so the total work stays linear.
            last += grow
            grow *= 2
        fresh = _parse_window(window, start, tokens) if window else []
        tail = chunks[last + 1 :]
        for chunk in tail:
            chunk.anchor.base += delta
        self.chunks = chunks[:first] + fresh + tail
        self._resegment(first, min(last + 1, len(chunks)), len(fresh))
        self.text = text
        self.reparsed = len(fresh)

    def _resegment(self, first: int, end: int, fresh: int) -> None:
        """Replace the segments that held old chunks [first, end) (or, when that is
        empty, the place where `fresh` new chunks went in at `first`)."""
        segments = self.segments
        size = segment_size(len(self.chunks))
        if not segments:
            self.segments = _cut(self.chunks, None, size)
            return
        starts = [0]
        for segment in segments:
            starts.append(starts[-1] + len(segment.chunks))
        # The segment holding chunk `first` (the last one when appending at the end) ...
        low = min(bisect.bisect_right(starts, first) - 1, len(segments) - 1)
        # ... through the one holding chunk `end - 1`.
        high = max(low, min(bisect.bisect_right(starts, end - 1) - 1, len(segments) - 1))
        run_start = starts[low]
        run_end = starts[high + 1] + fresh - (end - first)
        replaced = _cut(self.chunks[run_start:run_end], segments[low].key, size)
        self.segments = segments[:low] + replaced + segments[high + 1:]

    def result(self) -> ParseResult:
        parts = [segment_parse(segment) for segment in self.segments]
        nodes = list(chain.from_iterable(part[0] for part in parts))
        comments = list(chain.from_iterable(part[1] for part in parts))
        diags = list(chain.from_iterable(part[2] for part in parts))
        return ParseResult(Document(nodes, Span(0, len(self.text)), comments), diags)


def segment_parse(segment: Segment) -> tuple[list[Node], list[Comment], list[Diagnostic]]:
    """The nodes, comments and syntax diagnostics of a segment's chunks (kept with it)."""
    found = segment.derived.get("parse")
    if found is None:
        chunks = segment.chunks
        found = segment.derived["parse"] = (
            list(chain.from_iterable(chunk.nodes for chunk in chunks)),
            list(chain.from_iterable(chunk.comments for chunk in chunks)),
            list(chain.from_iterable(chunk.diagnostics for chunk in chunks)))
    return found  # type: ignore[return-value]


def _start(chunk: Chunk) -> int:
    return chunk.start


def _end(chunk: Chunk) -> int:
    return chunk.end


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by binary search over C-level comparisons."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, prefix: int) -> int:
    lo, hi = 0, min(len(a), len(b)) - prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo
