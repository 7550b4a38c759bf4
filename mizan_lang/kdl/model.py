"""The KDL document model: plain data with a span on every part.

Values keep both their decoded value and enough of their spelling to print
them back (numbers keep their text; the suite's canonical form depends on it).
"""

from __future__ import annotations

from decimal import Decimal

from ..diagnostics import Diagnostic
from ..records import field, record
from ..source import Span

# Value.kind
STRING = "string"
NUMBER = "number"
BOOL = "bool"
NULL = "null"


@record
class Value:
    """An argument or property value (or a node name: kind STRING)."""

    kind: str
    # str for strings; int, Decimal or float (inf/nan) for numbers; bool; None.
    value: str | int | Decimal | float | bool | None
    span: Span
    # Source spelling of the literal (without type annotation), e.g. `0x1F`, `#true`, `"a b"`.
    raw: str = ""
    type: str | None = None
    type_span: Span | None = None

    @property
    def text(self) -> str:
        """The value as a string: strings as-is, others as written."""
        return self.value if isinstance(self.value, str) else self.raw


@record
class Prop:
    key: str
    key_span: Span
    value: Value
    span: Span  # key through value


@record
class Node:
    name: str
    name_span: Span
    span: Span  # from the name (or its type annotation) to the end of the node, before the terminator
    type: str | None = None
    type_span: Span | None = None
    args: list[Value] = field(default_factory=list)
    # In source order, duplicates kept; `prop()` gives the rightmost value.
    props: list[Prop] = field(default_factory=list)
    # None when the node has no children block; [] for `{}`.
    children: list[Node] | None = None
    children_span: Span | None = None  # `{` .. `}` inclusive
    # True when the parser could not read the node completely (recovered).
    broken: bool = False

    def prop(self, key: str) -> Prop | None:
        found = None
        for prop in self.props:
            if prop.key == key:
                found = prop
        return found

    def prop_map(self) -> dict[str, Prop]:
        return {prop.key: prop for prop in self.props}


@record
class Comment:
    """A comment kept for the formatter: `//`, `/* */` or a slashdashed part."""

    text: str
    span: Span
    kind: str  # "line" | "block" | "slashdash"


@record
class Document:
    nodes: list[Node]
    span: Span
    comments: list[Comment] = field(default_factory=list)


@record
class ParseResult:
    document: Document
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)
