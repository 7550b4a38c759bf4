"""Where the cursor is, read from the raw text: for text being typed.

The parser recovers from errors, but a half-typed node (`fn x context=`)
loses parts that completion needs. So the text is read again here, with a
small KDL-shaped scanner that never fails: from the start of the top-level
node before the cursor (a point where no string or comment is open) up to
the cursor. It yields the enclosing blocks and the parts of the node being
written. Only one top-level node is scanned, so this stays fast in big files.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..kdl.model import Document, Node

NEWLINES = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
# Characters that end a bare word (besides whitespace).
SPECIAL = frozenset('\\/(){};[]="#')


@dataclass(slots=True)
class Word:
    """A value or a property key: its decoded text and where its text sits."""

    text: str
    start: int  # offset of the first character of the text (after any opening quote)
    end: int  # offset after the text (before any closing quote); the cursor when open
    quoted: bool = False
    open: bool = False  # a string the cursor is inside of


@dataclass(slots=True)
class Part:
    """One piece of a node: the name, an argument, or a property (`key` set)."""

    value: Word | None
    key: Word | None = None


@dataclass(slots=True)
class Frame:
    """An enclosing node whose children block holds the cursor."""

    name: str
    start: int  # offset of the node (its name)
    arg: str | None  # its first argument: the declared name
    children: list[str] = field(default_factory=list)  # child names before the cursor


@dataclass(slots=True)
class Cursor:
    offset: int
    frames: list[Frame]  # outermost first
    parts: list[Part]  # the node being written, up to the cursor; parts[0] is its name
    start: int | None  # offset of that node
    touching: bool  # the last part runs up to the cursor (a word being typed)
    quiet: bool  # inside a comment or an annotation: nothing to complete

    @property
    def name(self) -> str | None:
        """The name of the node being written, once it is complete."""
        if not self.parts or (self.touching and len(self.parts) == 1):
            return None
        first = self.parts[0]
        return first.value.text if first.value is not None and first.key is None else None

    def current(self) -> Part | None:
        """The part being typed: a word up to the cursor, or `key=` waiting for its value."""
        if not self.parts:
            return None
        last = self.parts[-1]
        if self.touching or (last.key is not None and last.value is None):
            return last
        return None

    def done_parts(self) -> list[Part]:
        """The complete parts after the node name."""
        rest = self.parts[1:]
        if rest and self.current() is rest[-1]:
            rest = rest[:-1]
        return rest


def scan_start(document: Document, offset: int) -> int:
    """Start of the last top-level node at or before `offset` (0 when none)."""
    nodes = document.nodes
    i = bisect.bisect_right(nodes, offset, key=lambda node: node.span.start) - 1
    return nodes[i].span.start if i >= 0 else 0


def node_at_start(document: Document, start: int) -> Node | None:
    """The node (at any depth) that begins at `start`, found by descending."""
    nodes = document.nodes
    while nodes:
        i = bisect.bisect_right(nodes, start, key=lambda node: node.span.start) - 1
        if i < 0:
            return None
        node = nodes[i]
        if node.span.start == start:
            return node
        if node.children is None or not (node.span.start <= start <= node.span.end):
            return None
        nodes = node.children
    return None


def word_end(text: str, offset: int, stops: str = "") -> int:
    """End of the bare word that continues after `offset` (for the replaced range)."""
    end = offset
    while end < len(text):
        ch = text[end]
        if ch.isspace() or ch in SPECIAL or ch in stops:
            break
        end += 1
    return end


class _Scanner:
    def __init__(self, text: str, start: int, offset: int) -> None:
        self.text = text
        self.pos = start
        self.end = offset
        self.frames: list[Frame] = []
        self.parts: list[Part] = []
        self.node_start: int | None = None
        self.touching = False
        self.quiet = False

    # --- statements ---------------------------------------------------------
    def finish_statement(self) -> None:
        if self.parts and self.frames:
            first = self.parts[0].value
            if first is not None:
                self.frames[-1].children.append(first.text)
        self.parts = []
        self.node_start = None

    def open_block(self, at: int) -> None:
        name = self.parts[0].value.text if self.parts and self.parts[0].value else ""
        arg = None
        if len(self.parts) > 1 and self.parts[1].key is None and self.parts[1].value:
            arg = self.parts[1].value.text
        start = self.node_start if self.node_start is not None else at
        if self.frames and name:
            self.frames[-1].children.append(name)
        self.frames.append(Frame(name, start, arg))
        self.parts = []
        self.node_start = None

    def add_word(self, word: Word) -> None:
        if not self.parts:
            self.node_start = word.start - (1 if word.quoted else 0)
        last = self.parts[-1] if self.parts else None
        if last is not None and last.key is not None and last.value is None:
            last.value = word
        else:
            self.parts.append(Part(word))

    def equals(self) -> None:
        last = self.parts[-1] if self.parts else None
        if last is not None and last.key is None and last.value is not None and len(self.parts) > 1:
            last.key, last.value = last.value, None

    # --- the scan -------------------------------------------------------------
    def run(self) -> None:
        text, end = self.text, self.end
        while self.pos < end:
            self.touching = False  # set again by a word that runs up to the cursor
            ch = text[self.pos]
            if ch in NEWLINES or ch == ";":
                self.pos += 1
                self.finish_statement()
            elif ch.isspace() or ch == "\ufeff":
                self.pos += 1
            elif ch == "{":
                self.open_block(self.pos)
                self.pos += 1
            elif ch == "}":
                self.finish_statement()
                if self.frames:
                    self.frames.pop()
                self.pos += 1
            elif ch == "/" and text.startswith("//", self.pos):
                self.skip_line()
            elif ch == "/" and text.startswith("/*", self.pos):
                self.skip_block_comment()
            elif ch == "/" and text.startswith("/-", self.pos):
                self.pos += 2
            elif ch == "\\":
                self.skip_continuation()
            elif ch == "(":
                self.skip_annotation()
            elif ch == "=":
                self.equals()
                self.pos += 1
            elif ch == '"':
                self.string(0)
            elif ch == "#":
                hashes = 0
                while self.pos + hashes < len(text) and text[self.pos + hashes] == "#":
                    hashes += 1
                if self.pos + hashes < len(text) and text[self.pos + hashes] == '"':
                    self.pos += hashes
                    self.string(hashes)
                else:
                    self.bare(keyword=True)
            else:
                self.bare()

    def skip_line(self) -> None:
        while self.pos < self.end and self.text[self.pos] not in NEWLINES:
            self.pos += 1
        if self.pos >= self.end:
            self.quiet = True

    def skip_block_comment(self) -> None:
        depth = 0
        text = self.text
        while self.pos < self.end:
            if text.startswith("/*", self.pos):
                depth += 1
                self.pos += 2
            elif text.startswith("*/", self.pos):
                depth -= 1
                self.pos += 2
                if depth == 0:
                    return
            else:
                self.pos += 1
        self.quiet = True

    def skip_continuation(self) -> None:
        self.pos += 1
        while self.pos < self.end and self.text[self.pos] not in NEWLINES:
            if self.text.startswith("//", self.pos):
                self.skip_line()
                break
            self.pos += 1
        if self.pos < self.end:
            self.pos += 2 if self.text.startswith("\r\n", self.pos) else 1

    def skip_annotation(self) -> None:
        close = self.text.find(")", self.pos, self.end)
        if close < 0:
            self.pos = self.end
            self.quiet = True
        else:
            self.pos = close + 1

    def bare(self, keyword: bool = False) -> None:
        text, begin = self.text, self.pos
        pos = begin + 1 if keyword else begin
        while pos < self.end:
            ch = text[pos]
            if ch.isspace() or ch in SPECIAL:
                break
            pos += 1
        if pos == begin:  # a lone special character: skip it
            pos += 1
        self.pos = pos
        self.add_word(Word(text[begin:pos], begin, pos))
        self.touching = pos >= self.end

    def string(self, hashes: int) -> None:
        text, end = self.text, self.end
        multi = text.startswith('"""', self.pos)
        quote = '"""' if multi else '"'
        closing = quote + "#" * hashes
        begin = self.pos + len(quote)
        pos = begin
        chars: list[str] = []
        while pos < end:
            if text.startswith(closing, pos):
                self.add_word(Word("".join(chars), begin, pos, quoted=True))
                self.pos = pos + len(closing)
                self.touching = False
                return
            ch = text[pos]
            if ch == "\\" and not hashes and pos + 1 < end:
                chars.append(text[pos + 1])
                pos += 2
                continue
            if ch in NEWLINES and not multi:
                break  # unterminated single-line string: the parser reports it
            chars.append(ch)
            pos += 1
        self.add_word(Word("".join(chars), begin, pos, quoted=True, open=pos >= end))
        self.pos = pos
        self.touching = pos >= end


def read_cursor(text: str, document: Document, offset: int) -> Cursor:
    """What the text says at `offset`: enclosing blocks and the node being written."""
    offset = max(0, min(offset, len(text)))
    scanner = _Scanner(text, scan_start(document, offset), offset)
    scanner.run()
    return Cursor(offset, scanner.frames, scanner.parts, scanner.node_start,
                  scanner.touching and bool(scanner.parts), scanner.quiet)
