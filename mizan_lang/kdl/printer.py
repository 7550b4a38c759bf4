"""Printing KDL v2: the canonical form of the official test suite.

Comments dropped, one node per line, 4-space indent, properties sorted by key
(rightmost duplicate wins), strings bare when they can be, numbers in plain
decimal (floats keep their mantissa, with an `E` exponent).
"""

from __future__ import annotations

import math
from decimal import Decimal

from .chars import is_plain_identifier
from .model import Document, Node, Value

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
            "\t": "\\t"}


def quote(text: str) -> str:
    """A quoted KDL string with the escapes the canonical form uses."""
    out = []
    for ch in text:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF or ch in (
            "\u0085\u2028\u2029\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
            "\u2066\u2067\u2068\u2069\ufeff"
        ):
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def string(text: str) -> str:
    """A string bare when it is a valid identifier, else quoted."""
    return text if is_plain_identifier(text) else quote(text)


def value(val: Value) -> str:
    v = val.value
    if val.kind == "string":
        body = string(v)  # type: ignore[arg-type]
    elif isinstance(v, bool):
        body = "#true" if v else "#false"
    elif v is None:
        body = "#null"
    elif isinstance(v, float):
        if math.isnan(v):
            body = "#nan"
        elif math.isinf(v):
            body = "#inf" if v > 0 else "#-inf"
        else:
            body = repr(v).upper()  # 1.5, 1E+20: valid KDL numbers
    elif isinstance(v, Decimal):
        body = str(v)
    else:
        try:
            body = str(v)
        except ValueError:  # an integer beyond Python's int->str digit limit
            body = str(Decimal(v))
    if val.type is not None:
        return f"({string(val.type)}){body}"
    return body


def _node_line(node: Node) -> str:
    parts = [f"({string(node.type)}){string(node.name)}" if node.type is not None
             else string(node.name)]
    parts.extend(value(arg) for arg in node.args)
    latest = {prop.key: prop.value for prop in node.props}
    parts.extend(f"{string(key)}={value(latest[key])}" for key in sorted(latest))
    return " ".join(parts)


def dumps(document: Document) -> str:
    """The document in the suite's canonical form (no recursion: deep trees are fine)."""
    lines: list[str] = []
    # Work stack of (node, depth, closing?) processed in document order.
    stack: list[tuple[Node | None, int]] = [(node, 0) for node in reversed(document.nodes)]
    while stack:
        node, depth = stack.pop()
        indent = "    " * depth
        if node is None:
            lines.append(indent + "}")
            continue
        line = indent + _node_line(node)
        if node.children:
            lines.append(line + " {")
            stack.append((None, depth))
            stack.extend((child, depth + 1) for child in reversed(node.children))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"
