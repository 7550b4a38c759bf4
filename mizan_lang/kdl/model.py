"""The KDL document model: plain data with a span on every part.

Values keep both their decoded value and enough of their spelling to print
them back (numbers keep their text; the suite's canonical form depends on it).
"""

from __future__ import annotations

from decimal import Decimal

from ..diagnostics import Diagnostic
from ..records import field, record
from ..source import Span, span_in

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
    """`key=value`. Its two spans are made when first read: reading a document
    (the checker, a first open) never reads them, and they were ~1/5 of the
    tree's spans. `_key_span` is a Span, or the key's end offset (the key then
    starts where the prop does); `_span` is a Span, or the key's start offset
    (the prop then ends where its value does). The offsets are in the value
    span's coordinates (same anchor: both come from one parse)."""

    key: str
    _key_span: Span | int
    value: Value
    _span: Span | int  # key through value

    @property
    def span(self) -> Span:
        span = self._span
        if isinstance(span, int):
            end = self.value.span
            span = self._span = span_in(span, end._end, end.anchor)
        return span

    @property
    def key_span(self) -> Span:
        key = self._key_span
        if isinstance(key, int):
            span = self.span
            key = self._key_span = span_in(span._start, key, span.anchor)
        return key

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Prop:
            return NotImplemented
        return (self.key, self.key_span, self.value, self.span) == (
            other.key, other.key_span, other.value, other.span)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return (f"Prop(key={self.key!r}, key_span={self.key_span!r}, value={self.value!r}, "
                f"span={self.span!r})")


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
