"""The canonical style of .mizan files (`mizan-lang fmt`).

The formatter re-prints the lexer's token stream with the comments merged
back in by offset, so every comment and slashdashed part keeps its place
without any special casing: 4-space indent, one node per line (`;` splits),
single spaces between entries, arguments before properties (each group in
source order, because authors order them for readers), `{` on the node line,
strings bare when they can be, numbers as written, at most one blank line in
a row. Entries are reordered only when no comment or slashdash sits among
them. A file with syntax errors is not formatted.

Safety net: the result is parsed again and compared with the original
(values, structure and comments); if they differ the file is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .kdl import parse
from .kdl.chars import DISALLOWED, NEWLINE_RE, NL, WS, is_plain_identifier
from .kdl.lexer import (
    IDENT,
    KEYWORD,
    LBRACE,
    LPAREN,
    NUMBER,
    PROPKEY,
    RBRACE,
    RPAREN,
    SDBRACE,
    SEMI,
    SLASHDASH,
    STRING,
    Tok,
    tokenize,
)
from .kdl.model import Comment, Document, Node, Value
from .kdl.printer import quote

INDENT = "    "
LINE, BLOCK = "LINE", "BLOCK"  # comment event types
NL_TOK = "_NL"

_NEWLINES = re.compile(NEWLINE_RE)
_HEADER_END = frozenset({NL_TOK, SEMI, RBRACE, LBRACE, SDBRACE})


@dataclass(slots=True)
class FormatResult:
    text: str | None  # None when the file was not formatted
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Set when formatting would have changed the meaning (a formatter bug).
    problem: str = ""


def format_text(text: str) -> str | None:
    """The canonical form of `text`, or None when it has syntax errors."""
    return format_source(text).text


def format_source(text: str, verify: bool = True) -> FormatResult:
    parsed = parse(text)
    if not parsed.ok:
        return FormatResult(None, parsed.diagnostics)
    tokens, comments, _ = tokenize(text)
    try:
        out = _Printer(text, _events(tokens, comments)).run()
    except _Unformattable as err:
        return FormatResult(None, parsed.diagnostics, f"cannot format: {err}")
    if verify and out != text:
        after = parse(out)
        if not after.ok or document_shape(after.document) != document_shape(parsed.document):
            return FormatResult(None, parsed.diagnostics,
                                "formatting would change the document's meaning")
    return FormatResult(out, parsed.diagnostics)


# --- meaning, for the safety net and the tests --------------------------------


def _value_shape(value: Value) -> tuple[object, ...]:
    # Numbers compare by spelling ("as written"; also makes #nan equal itself).
    return (value.type, value.kind, value.raw if value.kind == "number" else value.value)


def _node_shape(node: Node) -> tuple[object, ...]:
    return (
        node.type,
        node.name,
        tuple(_value_shape(arg) for arg in node.args),
        tuple((prop.key, _value_shape(prop.value)) for prop in node.props),
        None if node.children is None else tuple(_node_shape(child) for child in node.children),
    )


def _comment_shape(comment: Comment) -> tuple[str, str]:
    # Whitespace inside block comments is re-indented; slashdashed parts are
    # re-printed like live code, so only their count is compared.
    text = "" if comment.kind == "slashdash" else " ".join(comment.text.split())
    return (comment.kind, text)


def document_shape(document: Document) -> tuple[object, ...]:
    """What formatting must preserve: everything but spans and spacing."""
    return (tuple(_node_shape(node) for node in document.nodes),
            tuple(_comment_shape(comment) for comment in document.comments))


# --- strings ----------------------------------------------------------------

_ESCAPE_IN_MULTILINE = re.compile(f"[{DISALLOWED}{NL}]")
_TRAILING_SPACE = re.compile(f"[{WS}]$")
_SPACE_ESCAPES = {" ": "\\s", "\t": "\\t"}


def render_string(value: str, raw: str = "", indent: str = "") -> str:
    """A string value in canonical spelling; `raw` is how it was written.

    Multi-line strings stay multi-line (their lines at `indent`); raw strings
    stay raw when they hold a backslash or quote (regexes read better so);
    a string written bare stays bare, and one written quoted stays quoted when
    it could be bare (`import "common.mizan"`, `doc="Euro"` read as text, not
    names); the quoting itself is normalised."""
    hashes = len(raw) - len(raw.lstrip("#"))
    if raw[hashes : hashes + 3] == '"""':
        return _multiline(value, indent, prefer_raw=hashes > 0)
    if hashes and ("\\" in value or '"' in value):
        spelled = _raw_single(value)
        if spelled is not None:
            return spelled
    written_bare = not raw.startswith(('"', "#"))
    return value if written_bare and is_plain_identifier(value) else quote(value)


def _min_hashes(value: str, closing: str) -> int:
    count = 1
    while closing + "#" * count in value:
        count += 1
    return count


def _raw_single(value: str) -> str | None:
    if value.startswith('""') or _ESCAPE_IN_MULTILINE.search(value):
        return None
    marks = "#" * _min_hashes(value, '"')
    return f'{marks}"{value}"{marks}'


def _multiline(value: str, indent: str, prefer_raw: bool) -> str:
    lines = value.split("\n") if value else []
    if prefer_raw and "\\" in value and not any(
        _ESCAPE_IN_MULTILINE.search(line) or _TRAILING_SPACE.search(line) for line in lines
    ):
        marks = "#" * _min_hashes(value, '"""')
        body = "".join(f"{indent}{line}\n" if line else "\n" for line in lines)
        return f'{marks}"""\n{body}{indent}"""{marks}'
    body = "".join(f"{indent}{text}\n" if text else "\n" for text in map(_escape_line, lines))
    return f'"""\n{body}{indent}"""'


def _escape_line(line: str) -> str:
    line = line.replace("\\", "\\\\")
    if '"""' in line:
        line = line.replace('"', '\\"')
    line = _ESCAPE_IN_MULTILINE.sub(lambda m: _unicode_escape(m.group()), line)
    if _TRAILING_SPACE.search(line):  # would be stripped or (all-blank) mean an empty line
        last = line[-1]
        line = line[:-1] + _SPACE_ESCAPES.get(last, _unicode_escape(last))
    return line


def _unicode_escape(ch: str) -> str:
    special = {"\r": "\\r", "\x0c": "\\f", "\x08": "\\b"}
    return special.get(ch, f"\\u{{{ord(ch):x}}}")


# --- the printer ----------------------------------------------------------------


class _Unformattable(Exception):
    """The token stream is not what a document without errors yields."""


@dataclass(slots=True)
class _Event:
    start: int
    end: int
    type: str  # a token type, or LINE / BLOCK for comments
    tok: Tok | None = None
    text: str = ""  # comment text


def _events(tokens: list[Tok], comments: list[Comment]) -> list[_Event]:
    events = [_Event(t.start_pos, t.end_pos, t.type, tok=t) for t in tokens]
    for comment in comments:
        if comment.kind != "slashdash":  # the SLASHDASH token stands for it
            kind = LINE if comment.kind == "line" else BLOCK
            events.append(_Event(comment.span.start, comment.span.end, kind,
                                 text=comment.text))
    # A line comment that ends a node starts where its newline token does:
    # the comment comes first.
    events.sort(key=lambda e: (e.start, e.tok is not None))
    return events


class _Printer:
    def __init__(self, text: str, events: list[_Event]) -> None:
        self.text = text
        self.events = events
        self.i = 0
        self.lines: list[str] = []
        self.line: str | None = None  # the output line being built
        self.depth = 0
        self.need_break = True  # the next node must start a new line
        self.fresh = True  # nothing printed yet in this block: no blank line
        self.last_end = 0  # end of the last consumed event (newline tokens aside)

    def run(self) -> str:
        self.nodes(closing=False)
        if self.i < len(self.events):
            raise _Unformattable("unexpected '}'")
        self.flush()
        return "".join(line.rstrip(" \t") + "\n" for line in self.lines)

    # --- event stream ---------------------------------------------------
    def peek(self, ahead: int = 0) -> _Event | None:
        at = self.i + ahead
        return self.events[at] if at < len(self.events) else None

    def take(self) -> _Event:
        event = self.events[self.i]
        self.i += 1
        if event.type != NL_TOK:
            self.last_end = max(self.last_end, event.end)
        return event

    def newlines_before(self, start: int) -> int:
        return len(_NEWLINES.findall(self.text, self.last_end, start))

    def ends_node(self, at: int) -> bool:
        """Is the line comment at events[at] its node's terminator (rather than
        part of a `\\` continuation)? Then a newline token starts with it."""
        after = self.events[at + 1] if at + 1 < len(self.events) else None
        return after is not None and after.type == NL_TOK and after.start == self.events[at].start

    # --- output lines ---------------------------------------------------
    def flush(self) -> None:
        if self.line is not None:
            self.lines.extend(self.line.split("\n"))
            self.line = None

    def place(self, newlines: int, text: str) -> None:
        """Continue the open line, or start a new one (keeping one blank line)."""
        if self.line is not None and not self.need_break and newlines == 0:
            self.append(text)
            return
        self.flush()
        if newlines >= 2 and not self.fresh:
            self.lines.append("")
        self.line = INDENT * self.depth + text
        self.need_break = False
        self.fresh = False

    def append(self, text: str, space: bool = True) -> None:
        assert self.line is not None
        glue = space and not self.line.endswith((" ", "\n"))
        self.line += (" " if glue else "") + text

    # --- structure ------------------------------------------------------
    def nodes(self, closing: bool) -> None:
        while (event := self.peek()) is not None:
            if event.type == RBRACE:
                if not closing:
                    raise _Unformattable("unexpected '}'")
                return
            if event.type in (NL_TOK, SEMI):
                self.take()
                self.need_break = True
            elif event.type in (LINE, BLOCK):
                self.comment_between_nodes(event)
            else:
                self.node()

    def comment_between_nodes(self, event: _Event) -> None:
        newlines = self.newlines_before(event.start)
        self.take()
        trailing = (newlines == 0 and self.line is not None
                    and (event.type == LINE or not self.leads_node(event)))
        if trailing:
            self.append(self.comment_text(event, None))
        else:
            self.place(newlines, self.comment_text(event, len(INDENT * self.depth)))
        if event.type == LINE:
            self.need_break = True

    def leads_node(self, event: _Event) -> bool:
        """True when a node starts later on the line of this block comment."""
        end, at = event.end, self.i
        while at < len(self.events):
            nxt = self.events[at]
            if _NEWLINES.search(self.text, end, nxt.start):
                return False
            if nxt.type != BLOCK:
                return nxt.type not in (NL_TOK, SEMI, RBRACE, LINE)
            end, at = nxt.end, at + 1
        return False

    def node(self) -> None:
        first = self.peek()
        assert first is not None
        newlines = self.newlines_before(first.start)
        atoms = self.header()
        self.place(newlines, self.join(_canonical_order(atoms)))
        slashdash = False
        while (event := self.peek()) is not None:
            kind = event.type
            if kind in (NL_TOK, SEMI):
                self.take()
                self.need_break = True
                return
            if kind == RBRACE:
                self.need_break = True
                return
            at = self.i
            self.take()
            if kind == LINE:
                if self.ends_node(at):
                    self.append(self.comment_text(event, None))
                    self.take()
                    self.need_break = True
                    return
                self.append(self.continuation(event.text, after_slashdash=slashdash),
                            space=False)
            elif kind == BLOCK:
                self.append(self.comment_text(event, None))
            elif kind == SDBRACE:
                self.append("/-")
                slashdash = True
            elif kind == LBRACE:
                self.block()
                slashdash = False
            else:
                raise _Unformattable(f"unexpected token {kind}")

    def block(self) -> None:
        """A children block; its `{` was just taken (a `/-` before it is
        already on the line: glue the two)."""
        brace = "{"
        if self.line is not None and self.line.endswith("/-"):
            self.line = self.line[:-2]
            brace = "/-{"
        at = self.i
        while at < len(self.events) and self.events[at].type in (NL_TOK, SEMI):
            at += 1
        if at < len(self.events) and self.events[at].type == RBRACE:
            while self.i <= at:
                self.take()
            self.append(brace + "}")
            return
        self.append(brace)
        self.depth += 1
        self.need_break, self.fresh = True, True
        self.nodes(closing=True)
        self.depth -= 1
        self.take()  # the `}`
        self.flush()
        self.line = INDENT * self.depth + "}"
        self.need_break, self.fresh = False, False

    # --- one node's header ------------------------------------------------
    def header(self) -> list[tuple[str, str]]:
        """The node's name and entries as (kind, text) atoms, up to its children
        or its end. Kinds: sd, lparen, rparen, key, value, comment, line."""
        atoms: list[tuple[str, str]] = []
        indent = INDENT * (self.depth + 1)
        while (event := self.peek()) is not None:
            kind = event.type
            if kind in _HEADER_END or (kind == LINE and self.ends_node(self.i)):
                break
            self.take()
            tok = event.tok
            if kind == LINE:
                atoms.append(("line", event.text.rstrip()))
            elif kind == BLOCK:
                atoms.append(("comment", self.comment_text(event, None)))
            elif kind == SLASHDASH:
                atoms.append(("sd", "/-"))
            elif kind == LPAREN:
                atoms.append(("lparen", "("))
            elif kind == RPAREN:
                atoms.append(("rparen", ")"))
            elif kind == PROPKEY and tok is not None:
                atoms.append(("key", render_string(str(tok.value), tok.raw, indent) + "="))
            elif kind in (IDENT, STRING) and tok is not None:
                atoms.append(("value", render_string(str(tok.value), tok.raw, indent)))
            elif kind in (NUMBER, KEYWORD) and tok is not None:
                atoms.append(("value", tok.raw))
            else:
                raise _Unformattable(f"unexpected token {kind}")
        return atoms

    def join(self, atoms: list[tuple[str, str]]) -> str:
        out = ""
        prev = ""
        for kind, text in atoms:
            if kind == "line":
                out += self.continuation(text, after_slashdash=prev == "sd")
            elif not prev or prev == "line" or (prev in _GLUE_AFTER and kind in _GLUED) or (
                kind == "rparen"
            ):
                out += text
            else:
                out += " " + text
            prev = kind
        return out

    def continuation(self, comment: str, after_slashdash: bool) -> str:
        """A line comment inside a node: only legal after `\\` (or `/-`)."""
        lead = " " if after_slashdash else " \\ "
        return f"{lead}{comment.rstrip()}\n{INDENT * (self.depth + 1)}"

    def comment_text(self, event: _Event, column: int | None) -> str:
        """A comment's text; a block comment placed at `column` keeps the
        shape of its later lines (they move with its first line)."""
        text = event.text.rstrip()
        if event.type == LINE or "\n" not in text and "\r" not in text:
            return text
        lines = [line.rstrip() for line in _NEWLINES.split(text)]
        if column is not None:
            line_start = max(self.text.rfind(ch, 0, event.start) for ch in NL) + 1
            lines = _shift(lines, column - (event.start - line_start))
        return "\n".join(lines)


_GLUE_AFTER = frozenset({"sd", "lparen", "rparen", "key"})
_GLUED = frozenset({"value", "lparen", "key"})


def _shift(lines: list[str], delta: int) -> list[str]:
    """Move every line after the first by `delta` columns, when possible."""
    rest = lines[1:]
    if delta < 0 and any(line and not line.startswith(" " * -delta) for line in rest):
        return lines
    if delta > 0:
        rest = [" " * delta + line if line else line for line in rest]
    elif delta < 0:
        rest = [line[-delta:] for line in rest]
    return [lines[0], *rest]


def _canonical_order(atoms: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Arguments before properties, each in source order, when nothing but
    plain entries follows the name; otherwise the source order as is."""
    values = [i for i, (kind, _) in enumerate(atoms) if kind == "value"]
    if not values:
        return atoms
    body_end = values[-1] + 1
    if any(kind in ("sd", "comment", "line") for kind, _ in atoms[:body_end]):
        return atoms
    entries: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for atom in atoms[:body_end]:
        current.append(atom)
        if atom[0] == "value" and not (len(current) >= 2 and current[-2][0] == "lparen"):
            entries.append(current)
            current = []
    if current or not entries:
        return atoms
    name, rest = entries[0], entries[1:]
    args = [entry for entry in rest if entry[0][0] != "key"]
    props = [entry for entry in rest if entry[0][0] == "key"]
    ordered = [atom for entry in [name, *args, *props] for atom in entry]
    return ordered + atoms[body_end:]
