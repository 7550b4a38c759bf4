"""Completion: what may be written at the cursor, from the schema and the workspace.

The place is read from the raw text (`cursor.read_cursor`: the document may
be half-typed); what is allowed there comes from the lowering schema
(`lower.py`'s NodeSpec tables) and the names from the last CheckResult, so a
request costs one short scan and a few dictionary lookups.

    node name      -> the children the enclosing block allows (snippets at top level)
    after the args -> the properties the node takes, minus those present
    an argument    -> its values (types, contexts, strategies, import paths ...)
    key=value      -> the values of that property (see `values.py`)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .. import lower
from ..lower_read import DOC, NodeSpec
from ..perf import paused_gc
from ..source import Span
from ..workspace import SourceFile
from . import values, words
from .cursor import Cursor, node_at_start, read_cursor, word_end
from .session import Analysis

LIMIT = 100  # more matches than this: send the first ones, and say the list is incomplete

TOP_SPECS: dict[str, NodeSpec] = {spec.name: spec for spec in (
    lower.MIZAN, lower.IMPORT, lower.AUTH, lower.ENUM, lower.TYPE_DECL, lower.CONTEXT, lower.FN,
    lower.MODEL, lower.SHAPE, lower.FORM)}

SNIPPETS = (
    ("fn query", "a query member of a context",
     "fn ${1:name} context=${2:context} returns=${3:Type} {\n    param ${4:id} ${5:int64}\n}$0"),
    ("fn mutation", "a mutation that invalidates contexts",
     "fn ${1:name} affects=${2:context} returns=${3:Type} {\n    param ${4:id} ${5:int64}\n}$0"),
    ("context", "a keyed, cached bundle of queries",
     ("context ${1:name} auth=${2:user} {\n    param ${3:id} ${4:int64}\n"
     "    cache ttl=${5:60} vary=${6:identity}\n    render ${7:csr}\n}$0")),
    ("type", "a record type",
     "type ${1:Name} {\n    field ${2:name} ${3:str}\n}$0"),
    ("enum", "an enumeration",
     "enum ${1:Name} {\n    ${2:member}\n}$0"),
    ("model", "a stored model",
     ("model ${1:Name} table=${2:table} {\n    column id int64 primary=#true\n"
     "    column ${3:name} ${4:str}\n}$0")),
    ("shape", "a projection of a model",
     "shape ${1:Name} model=${2:Model} {\n    field ${3:id}\n}$0"),
    ("form", "a validated form",
     "form ${1:Name} submit=${2:mutation} {\n    field ${3:name} ${4:str} required=#true\n}$0"),
)


@dataclass(slots=True)
class Item:
    label: str
    # keyword | property | value | context | function | type | enum | shape | model | guard
    # | param | key | member | primitive | file | snippet
    kind: str
    span: Span  # the text the item replaces
    insert: str
    detail: str = ""
    doc: str = ""  # Markdown
    snippet: bool = False
    filter: str | None = None
    sort: str = ""


@dataclass(slots=True)
class Completions:
    items: list[Item] = field(default_factory=list)
    incomplete: bool = False


@dataclass(slots=True)
class Request:
    """One completion request, with what every value source needs."""

    analysis: Analysis
    source: SourceFile
    cursor: Cursor
    snippets: bool
    span: Span = field(default_factory=lambda: Span(0, 0))  # replaced range
    prefix: str = ""  # typed text of the replaced range, up to the cursor
    items: list[Item] = field(default_factory=list)

    @property
    def result(self):
        return self.analysis.result

    @property
    def text(self) -> str:
        return self.source.text

    @property
    def offset(self) -> int:
        return self.cursor.offset

    def replace(self, start: int, stops: str = "") -> None:
        """Replace from `start` to the end of the word at the cursor."""
        self.span = Span(start, word_end(self.text, self.offset, stops))
        self.prefix = self.text[start:self.offset]

    def add(self, label: str, kind: str, detail: str = "", doc: str = "", insert: str | None = None,
            snippet: bool = False, filter: str | None = None, group: int = 1) -> None:
        if not matches(self.prefix, filter or label):
            return
        self.items.append(Item(label, kind, self.span, label if insert is None else insert,
                               detail, doc, snippet, filter, f"{group}{len(self.items):05d}"))

    def wanted(self, names: Iterable[str]) -> Iterator[str]:
        """The names matching what is typed, until the list is full (items are added
        in their final order, so the first LIMIT + 1 are the ones sent)."""
        for name in names:
            if len(self.items) > LIMIT:
                return
            if matches(self.prefix, name):
                yield name


def matches(prefix: str, label: str) -> bool:
    """Same first letter, then the typed letters in order (case-insensitive)."""
    if not prefix:
        return True
    prefix, label = prefix.lower(), label.lower()
    if not label or prefix[0] != label[0]:
        return False
    at = 0
    for ch in prefix:
        at = label.find(ch, at) + 1
        if at == 0:
            return False
    return True


# --- the schema at the cursor -------------------------------------------------------
def child_spec(parent: NodeSpec | None, name: str) -> NodeSpec | None:
    if parent is None:
        return TOP_SPECS.get(name)
    if name == "doc" and parent.doc:
        return DOC
    if parent.children and name in parent.children:
        return parent.children[name]
    return parent.other_children


_UNKNOWN = NodeSpec("?")


def block_spec(cursor: Cursor) -> NodeSpec | None:
    """Spec of the innermost enclosing block (None: top level; _UNKNOWN: not ours)."""
    spec: NodeSpec | None = None
    for frame in cursor.frames:
        spec = child_spec(spec, frame.name)
        if spec is None:
            return _UNKNOWN
    return spec


# --- entry point ----------------------------------------------------------------------
def complete(analysis: Analysis, source: SourceFile, offset: int,
             snippets: bool = False) -> Completions:
    with paused_gc():  # a few hundred short-lived objects: no reason to scan the heap
        return _complete(analysis, source, offset, snippets)


def _complete(analysis: Analysis, source: SourceFile, offset: int, snippets: bool) -> Completions:
    cursor = read_cursor(source.text, source.parse.document, offset)
    if cursor.quiet:
        return Completions()
    req = Request(analysis, source, cursor, snippets, Span(cursor.offset, cursor.offset))
    block = block_spec(cursor)
    if block is _UNKNOWN:
        return Completions()
    part = cursor.current()
    if not cursor.parts or (len(cursor.parts) == 1 and part is not None and part.key is None):
        if part is not None and part.value is not None:
            if part.value.quoted:
                return Completions()
            req.replace(part.value.start)
        _node_names(req, block)
        return _finish(req)
    spec = child_spec(block, cursor.name or "")
    if spec is None or spec is DOC:
        return Completions()
    if part is not None and part.key is not None:
        values.property_value(req, spec, part)
        return _finish(req)
    args = [p for p in cursor.done_parts() if p.key is None]
    if len(args) < len(spec.args):
        values.argument(req, spec, len(args), part.value if part else None)
    elif part is None or not part.value.quoted:
        if part is not None:
            req.replace(part.value.start)
        _property_names(req, spec)
    return _finish(req)


def _finish(req: Request) -> Completions:
    items = sorted(req.items, key=lambda item: item.sort)
    if len(items) > LIMIT:
        return Completions(items[:LIMIT], incomplete=True)
    return Completions(items)


# --- node and property names ------------------------------------------------------------
def _present_children(req: Request) -> set[str]:
    """Names of the children already in the enclosing block (before and after the cursor)."""
    if not req.cursor.frames:
        return {node.name for node in req.source.parse.document.nodes
                if node.span.start != req.cursor.start}
    frame = req.cursor.frames[-1]
    names = set(frame.children)
    node = node_at_start(req.source.parse.document, frame.start)
    if node is not None and node.children:
        names.update(child.name for child in node.children
                     if not child.name_span.contains(req.offset))
    return names


def _node_names(req: Request, block: NodeSpec | None) -> None:
    present = _present_children(req)
    if block is None:
        for name in lower.TOP_LEVEL:
            if name == "mizan" and "mizan" in present:
                continue
            req.add(name, "keyword", words.NODES.get(name, ""), group=1)
        if req.snippets and _rest_of_line_blank(req):
            for label, detail, body in SNIPPETS:
                req.add(label, "snippet", detail, f"```kdl\n{_plain(body)}\n```", insert=body,
                        snippet=True, group=2)
        return
    for name, spec in (block.children or {}).items():
        if spec.once and name in present:
            continue
        req.add(name, "keyword", words.NODES.get(name, ""))
    if block.doc and "doc" not in present:
        req.add("doc", "keyword", words.NODES["doc"], group=2)


def _rest_of_line_blank(req: Request) -> bool:
    """A whole declaration is offered only where nothing follows on the line."""
    text, end = req.text, req.span.end
    newline = text.find("\n", end)
    return not text[end:newline if newline >= 0 else len(text)].strip()


def _plain(snippet: str) -> str:
    """A snippet body without its tab stops, to show in the documentation."""
    return re.sub(r"\$\{\d+:([^}]*)\}|\$\d+", lambda m: m.group(1) or "", snippet)


def _present_props(req: Request) -> set[str]:
    keys = {p.key.text for p in req.cursor.done_parts() if p.key is not None}
    if req.cursor.start is not None:
        node = node_at_start(req.source.parse.document, req.cursor.start)
        if node is not None:
            keys.update(prop.key for prop in node.props if not prop.key_span.contains(req.offset))
            if any(child.name == "doc" for child in node.children or ()):
                keys.add("doc")
    return keys


def _property_names(req: Request, spec: NodeSpec) -> None:
    present = _present_props(req)
    # `key=` unless an `=` already follows the word being replaced.
    equals = "" if req.text.startswith("=", req.span.end) else "="
    for key, reader in spec.props.items():
        if key in present:
            continue
        kind = words.VALUE_KINDS.get(getattr(reader, "__name__", ""), "value")
        if key in spec.required_props:
            kind += ", required"
        req.add(key, "property", kind, words.prop_doc(spec.name, key), insert=key + equals)
    if spec.doc and "doc" not in present:
        req.add("doc", "property", "text", words.DOC_PROP, insert="doc" + equals, group=2)


