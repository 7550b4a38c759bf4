"""Spell TypeScript pieces exactly as prettier (3.x, default options) lays
them out: literals, object literals, arrays, union types, doc comments.

mizan-lang is a Python tool, so generation never runs prettier; instead this
module builds prettier's own layout documents (groups, indents, lines, fill)
for the few constructs generated TypeScript uses and prints them with
prettier's algorithm: 80 columns, 2-space indents, double quotes unless a
string holds more double than single quotes, trailing commas everywhere.
Objects are either `Expanded` (one member per line, as prettier keeps an
object written with a newline after `{`) or grouped (on one line when they
fit). Keys are quoted only when they are not ASCII identifiers, which is
what prettier's `quoteProps: "as-needed"` leaves as it is (it unquotes a
quoted identifier and never quotes a bare one). tests/clients/
test_ts_format.py checks random literals with `prettier --check`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 80
TAB = "  "

# --- layout documents (prettier's doc builders, the subset used here) ----------------


@dataclass
class Group:
    contents: Doc
    brk: bool = False  # break: set explicitly, or propagated from a child


@dataclass(frozen=True)
class Indent:
    contents: Doc


@dataclass(frozen=True)
class Line:
    soft: bool = False  # "" when flat (a `softline`); else " " (a `line`)
    hard: bool = False  # always a newline; breaks every enclosing group


@dataclass(frozen=True)
class IfBreak:
    broken: Doc
    flat: Doc = ""
    group: Group | None = None  # whose mode decides; None: the enclosing one


@dataclass(frozen=True)
class Fill:
    parts: list[Doc] = field(default_factory=list)  # content, separator, content, ...


Doc = str | list["Doc"] | Group | Indent | Line | IfBreak | Fill

LINE = Line()
SOFTLINE = Line(soft=True)
HARDLINE = Line(hard=True)


def _propagate(doc: Doc) -> bool:
    """Mark every group holding a hard line or a broken group as broken
    (prettier's propagateBreaks); True when `doc` holds one."""
    if isinstance(doc, str):
        return False
    if isinstance(doc, list):
        found = False
        for part in doc:
            found = _propagate(part) or found
        return found
    if isinstance(doc, Group):
        if _propagate(doc.contents):
            doc.brk = True
        return doc.brk
    if isinstance(doc, Indent):
        return _propagate(doc.contents)
    if isinstance(doc, Line):
        return doc.hard
    if isinstance(doc, IfBreak):
        return _propagate(doc.broken) | _propagate(doc.flat)
    return _propagate(doc.parts)


_FLAT, _BREAK = 0, 1


def _fits(next_cmd: tuple[int, int, Doc], rest: list[tuple[int, int, Doc]], width: int,
          modes: dict[int, int], must_be_flat: bool = False) -> bool:
    rest_index = len(rest)
    cmds = [next_cmd]
    while width >= 0:
        if not cmds:
            if rest_index == 0:
                return True
            rest_index -= 1
            cmds.append(rest[rest_index])
            continue
        ind, mode, doc = cmds.pop()
        if isinstance(doc, str):
            width -= text_width(doc)
        elif isinstance(doc, list):
            cmds.extend((ind, mode, part) for part in reversed(doc))
        elif isinstance(doc, Fill):
            cmds.extend((ind, mode, part) for part in reversed(doc.parts))
        elif isinstance(doc, Indent):
            cmds.append((ind, mode, doc.contents))
        elif isinstance(doc, Group):
            if must_be_flat and doc.brk:
                return False
            cmds.append((ind, _BREAK if doc.brk else mode, doc.contents))
        elif isinstance(doc, IfBreak):
            group_mode = modes.get(id(doc.group), _FLAT) if doc.group is not None else mode
            cmds.append((ind, mode, doc.broken if group_mode == _BREAK else doc.flat))
        elif isinstance(doc, Line):
            if mode == _BREAK or doc.hard:
                return True
            if not doc.soft:
                width -= 1
    return False


def print_doc(doc: Doc, indent: int = 0) -> str:
    """Lay a document out at `indent` levels (prettier's printDocToString)."""
    _propagate(doc)
    out: list[str] = []
    pos = len(TAB) * indent
    modes: dict[int, int] = {}
    cmds: list[tuple[int, int, Doc]] = [(indent, _BREAK, doc)]
    while cmds:
        ind, mode, doc = cmds.pop()
        if isinstance(doc, str):
            out.append(doc)
            pos += text_width(doc)
        elif isinstance(doc, list):
            cmds.extend((ind, mode, part) for part in reversed(doc))
        elif isinstance(doc, Indent):
            cmds.append((ind + 1, mode, doc.contents))
        elif isinstance(doc, Group):
            if mode == _FLAT and not doc.brk:
                cmds.append((ind, _FLAT, doc.contents))
                modes[id(doc)] = _FLAT
                continue
            flat = (ind, _FLAT, doc.contents)
            if not doc.brk and _fits(flat, cmds, WIDTH - pos, modes):
                cmds.append(flat)
                modes[id(doc)] = _FLAT
            else:
                cmds.append((ind, _BREAK, doc.contents))
                modes[id(doc)] = _BREAK
        elif isinstance(doc, IfBreak):
            group_mode = modes.get(id(doc.group), _FLAT) if doc.group is not None else mode
            cmds.append((ind, mode, doc.broken if group_mode == _BREAK else doc.flat))
        elif isinstance(doc, Line):
            if mode == _FLAT and not doc.hard:
                if not doc.soft:
                    out.append(" ")
                    pos += 1
                continue
            while out and out[-1].endswith(" "):  # prettier trims trailing spaces
                out[-1] = out[-1].rstrip(" ")
            out.append("\n" + TAB * ind)
            pos = len(TAB) * ind
        else:
            _fill(doc, ind, mode, cmds, WIDTH - pos, modes)
    return "".join(out)


def _fill(doc: Fill, ind: int, mode: int, cmds: list[tuple[int, int, Doc]], rem: int,
          modes: dict[int, int]) -> None:
    parts = doc.parts
    if not parts:
        return
    content = parts[0]
    content_fits = _fits((ind, _FLAT, content), [], rem, modes, True)
    if len(parts) == 1:
        cmds.append((ind, _FLAT if content_fits else _BREAK, content))
        return
    separator = parts[1]
    if len(parts) == 2:
        chosen = _FLAT if content_fits else _BREAK
        cmds.extend([(ind, chosen, separator), (ind, chosen, content)])
        return
    rest = (ind, mode, Fill(parts[2:]))
    pair_fits = _fits((ind, _FLAT, [content, separator, parts[2]]), [], rem, modes, True)
    if pair_fits:
        cmds.extend([rest, (ind, _FLAT, separator), (ind, _FLAT, content)])
    elif content_fits:
        cmds.extend([rest, (ind, _BREAK, separator), (ind, _FLAT, content)])
    else:
        cmds.extend([rest, (ind, _BREAK, separator), (ind, _BREAK, content)])


def text_width(text: str) -> int:
    """prettier's getStringWidth: wide East Asian characters count 2,
    combining marks and control characters 0."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        code = ord(char)
        if code <= 0x1F or 0x7F <= code <= 0x9F or 0x300 <= code <= 0x36F:
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


# --- literals ----------------------------------------------------------------------


class Raw(str):
    """Code placed as it is (an identifier, `10n`, a call): never broken."""


@dataclass(frozen=True)
class Expanded:
    """An object literal printed one member per line even when it would fit."""

    members: Mapping[str, Any]


_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f",
            "\v": "\\v", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_ESCAPED = re.compile(r"[\\\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def string(text: str) -> str:
    """A string literal as prettier writes it: double quotes unless the text
    holds more double than single quotes."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    body = _ESCAPED.sub(_escape, text).replace(quote, "\\" + quote)
    return quote + body + quote


def number(value: float) -> str:
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} has no literal")
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)  # shortest round trip, as JavaScript's
    mantissa, _, exponent = text.partition("e")
    mantissa = mantissa.removesuffix(".0")
    return mantissa + (f"e{int(exponent)}" if exponent else "")


def key(name: str) -> str:
    """A property key: bare when an ASCII identifier, else a string."""
    if _IDENTIFIER.match(name):
        return name
    if not name.isascii() and name.isidentifier():
        # prettier unquotes ES5 identifiers by Unicode tables this module
        # does not carry: refuse rather than guess.
        raise ValueError(f"key {name!r}: only ASCII identifiers are left bare")
    return string(name)


def literal(value: Any) -> Doc:
    """The document of a JSON-like value (str, int, float, bool, None,
    list/tuple, dict, `Expanded`, `Raw`)."""
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return string(value)
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, Expanded):
        return _object(value.members, expanded=True)
    if isinstance(value, Mapping):
        return _object(value, expanded=False)
    if isinstance(value, (list, tuple)):
        return _array(value)
    raise TypeError(f"no TypeScript literal for {type(value).__name__}")


def _object(members: Mapping[str, Any], *, expanded: bool) -> Doc:
    if not members:
        return "{}"
    parts: list[Doc] = []
    for index, (name, value) in enumerate(members.items()):
        if index:
            parts += [",", LINE]
        parts.append(_property(name, value))
    return Group(["{", Indent([LINE, *parts]), IfBreak(","), LINE, "}"], brk=expanded)


def _property(name: str, value: Any) -> Doc:
    printed_key = key(name)
    doc = literal(value)
    # prettier's assignment layouts: a string or a signed number moves below
    # a key of 5 columns or more when the line is too long; numbers,
    # objects and arrays stay beside it.
    if text_width(printed_key) >= 5 and _breaks_after_colon(value):
        return Group([printed_key, ":", Group(Indent([LINE, doc]))])
    return Group([printed_key, ": ", doc])


def _breaks_after_colon(value: Any) -> bool:
    if isinstance(value, Raw):
        return False
    if isinstance(value, str):
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, (bool, Raw)))


def _entries(value: Any) -> int | None:
    """Element or member count of an array or object (None otherwise)."""
    if isinstance(value, Expanded):
        return len(value.members)
    if isinstance(value, (Mapping, list, tuple)) and not isinstance(value, Raw):
        return len(value)
    return None


def _array(items: Sequence[Any]) -> Doc:
    if not items:
        return "[]"
    group = Group([])
    if len(items) > 1 and all(_is_number(item) for item in items):
        # Numbers fill the lines (prettier's concise arrays).
        parts: list[Doc] = []
        for index, item in enumerate(items):
            last = index == len(items) - 1
            parts.append([literal(item), IfBreak(",", "", group) if last else ","])
            if not last:
                parts.append(LINE)
        group.contents = ["[", Indent([SOFTLINE, Fill(parts)]), SOFTLINE, "]"]
        return group
    docs: list[Doc] = []
    for index, item in enumerate(items):
        if index:
            docs += [",", LINE]
        docs.append(literal(item))
    group.contents = ["[", Indent([SOFTLINE, *docs, IfBreak(",")]), SOFTLINE, "]"]
    # Two or more objects (or arrays), each of more than one entry, are
    # always one per line.
    kinds = {_kind(item) for item in items}
    group.brk = (len(items) > 1 and len(kinds) == 1 and kinds != {None}
                 and all((_entries(item) or 0) > 1 for item in items))
    return group


def _kind(value: Any) -> str | None:
    if isinstance(value, (Expanded, Mapping)):
        return "object"
    if isinstance(value, (list, tuple)) and not isinstance(value, Raw):
        return "array"
    return None


def statement(head: str, value: Any, tail: str = ";") -> str:
    """`head` + the value's literal + `tail`, laid out at the top level
    (e.g. `export const table: ClientTable = ` ... `;`)."""
    return print_doc([head, literal(value), tail])


# --- union types ---------------------------------------------------------------------


def union_alias(head: str, members: Sequence[str]) -> str:
    """`head = A | B | C;` as prettier writes a type alias (the members are
    texts it does not break: literals, names, `T[]`)."""
    return _union(head, " =", members, 0, move_single=True)


def union_property(name: str, members: Sequence[str], indent: int = 1) -> str:
    """A property signature `name: A | B;` of an interface at `indent`."""
    return _union(name, ":", members, indent, move_single=False)


def _union(head: str, operator: str, members: Sequence[str], indent: int, *,
           move_single: bool) -> str:
    # prettier's layouts: all on one line; else the type alone on the next
    # line (a lone member beside a property key stays put); else one
    # `| member` per line.
    pad = TAB * indent
    flat = " | ".join(members)
    one_line = f"{pad}{head}{operator} {flat};"
    if text_width(one_line) <= WIDTH or (len(members) == 1 and not move_single):
        return one_line
    below = f"{pad}{TAB}{flat};"
    if text_width(below) <= WIDTH or len(members) == 1:
        return f"{pad}{head}{operator}\n{below}"
    lines = [f"{pad}{TAB}| {member}" for member in members]
    return f"{pad}{head}{operator}\n" + "\n".join(lines) + ";"


def jsdoc(text: str | None, indent: int = 0) -> list[str]:
    """A `/** ... */` comment (no lines without text). prettier keeps
    comment text as written; `*/` is split so the comment cannot end early."""
    if not text or not text.strip():
        return []
    pad = TAB * indent
    lines = [line.rstrip().replace("*/", "*\\/") for line in text.strip().split("\n")]
    if len(lines) == 1:
        return [f"{pad}/** {lines[0]} */"]
    return [f"{pad}/**", *[f"{pad} * {line}".rstrip() for line in lines], f"{pad} */"]
