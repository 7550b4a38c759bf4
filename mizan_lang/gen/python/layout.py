"""Spell Python source pieces in ruff's format: literals, docstrings, calls."""

from __future__ import annotations

import re
from collections.abc import Sequence

LINE_LENGTH = 88  # ruff's default: generated packages carry no ruff config
INDENT = "    "

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\\"\'\x00-\x1f\x7f\ud800-\udfff]')
_ESCAPE_IN = {
    '"': re.compile(r'[\\"\x00-\x1f\x7f\ud800-\udfff]'),
    "'": re.compile(r"[\\'\x00-\x1f\x7f\ud800-\udfff]"),
}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char in "\"'":
        return "\\" + char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def string(text: str) -> str:
    """A Python string literal. Double quotes, unless the text holds more
    double than single quotes (ruff's rule: the fewest escapes)."""
    if not _NEEDS_ESCAPE.search(text):
        return f'"{text}"'
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + _ESCAPE_IN[quote].sub(_escaped, text) + quote


def docstring(text: str | None, indent: str) -> list[str]:
    """The lines of a docstring at `indent` (none when there is no text).

    The text is kept as written, less what ruff would change anyway:
    trailing spaces, tabs, and a closing quote touching the delimiter.
    """
    if not text or not text.strip():
        return []
    lines = [_doc_escape(line.replace("\t", "    ").rstrip()) for line in text.strip().split("\n")]
    if lines[-1].endswith('"'):
        lines[-1] += " "
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    body = [f"{indent}{line}" if line else "" for line in lines[1:]]
    return [f'{indent}"""{lines[0]}', *body, f'{indent}"""']


def _doc_escape(line: str) -> str:
    line = line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return "".join(
        f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7F
        else f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c
        for c in line
    )


def bracketed(head: str, items: Sequence[str], tail: str, indent: str,
              *, force_explode: bool = False) -> list[str]:
    """`head(item, item) tail` on one line when it fits, else one item per
    line with a trailing comma (which ruff keeps exploded)."""
    one_line = f"{indent}{head}{', '.join(items)}{tail}"
    if not force_explode and len(one_line) <= LINE_LENGTH:
        return [one_line]
    inner = indent + INDENT
    return [f"{indent}{head}", *(f"{inner}{item}," for item in items), f"{indent}{tail}"]


def comment_lines(text: str | None, indent: str) -> list[str]:
    """A doc as `#` comments (where a docstring is not allowed)."""
    if not text or not text.strip():
        return []
    return [f"{indent}# {line.rstrip()}".rstrip() for line in text.strip().split("\n")]


def concatenated(name: str, text: str) -> list[str]:
    """`name = "..."` for a long text: implicit concatenation of one literal
    per line, inside parentheses (reviewable, and stable under ruff)."""
    pieces = text.splitlines(keepends=True)
    if len(pieces) <= 1 or len(text) <= LINE_LENGTH:
        single = f"{name} = {string(text)}"
        if len(pieces) <= 1 or len(single) <= LINE_LENGTH:
            return [single]
    return [f"{name} = (", *(f"{INDENT}{string(piece)}" for piece in pieces), ")"]


# --- expressions laid out like ruff ------------------------------------------
#
# Enough of ruff's right-hand split for the data the generators write: an
# expression is a bracketed group (a call, tuple, list or dict) or plain text.
# A group stays on one line when it fits. Else a call's arguments move to
# an indented line of their own when that fits ("hugging"), while a
# collection literal (tuple, list, dict) always gets one item per line;
# exploded items end with a trailing comma and are laid out the same way.
# That comma is "magic" (ruff keeps the group exploded), except in a
# one-item tuple, where it is syntax: that case is collapsed when it fits.


class Group:
    """`head item, item tail`, e.g. `AuthRule(` ... `)` or `(` ... `,)`."""

    def __init__(self, head: str, items: Sequence[Expr], tail: str = ")",
                 *, tuple_: bool = False) -> None:
        self.head = head
        self.items = list(items)
        self.tail = tail
        self.tuple_ = tuple_
        self.force = False  # explode even when it fits (a magic trailing comma)

    def flat(self) -> str:
        inner = ", ".join(flat(item) for item in self.items)
        if self.tuple_ and len(self.items) == 1:
            inner += ","
        return f"{self.head}{inner}{self.tail}"


Expr = str | Group


def flat(expr: Expr) -> str:
    return expr if isinstance(expr, str) else expr.flat()


def call(name: str, *items: Expr) -> Group:
    return Group(f"{name}(", items)


def tuple_of(items: Sequence[Expr]) -> Expr:
    return Group("(", items, tuple_=True) if items else "()"


def lay_out(expr: Expr, indent: str, prefix: str = "", suffix: str = "") -> list[str]:
    """`indent + prefix + expr + suffix` as lines of at most LINE_LENGTH."""
    one = f"{indent}{prefix}{flat(expr)}{suffix}"
    if isinstance(expr, str) or not expr.items:
        return [one]
    if len(one) <= LINE_LENGTH and not expr.force:
        return [one]
    inner = indent + INDENT
    opening = f"{indent}{prefix}{expr.head}"
    closing = f"{indent}{expr.tail}{suffix}"
    joined = ", ".join(flat(item) for item in expr.items)
    if not expr.tuple_ and not expr.force and len(inner + joined) <= LINE_LENGTH:
        return [opening, inner + joined, closing]
    lines = [opening]
    for item in expr.items:
        lines += lay_out(item, inner, suffix=",")
    return [*lines, closing]
