"""Semantic tokens: what each piece of a .mizan file is, for editor colouring.

Built from the KDL document (node names, property keys, values, type
annotations, comments) refined by the name index (a value that names a type,
context, param... takes the kind of what it names, with `declaration` where it
is declared) and by the parsed type expressions (built-in types, `<`, `>`,
`?`). Tokens come out sorted, never overlapping, and on one line each: a
multi-line string or comment is cut at its line ends.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from ..decls import ContextDecl, FormDecl, FunctionDecl, ModelDecl, TypeDecl, TypeRef
from ..kdl.lexer import (
    LBRACE,
    LPAREN,
    NL,
    PROPKEY,
    RBRACE,
    RPAREN,
    SDBRACE,
    SEMI,
    SLASHDASH,
    Tok,
    tokenize,
)
from ..kdl.model import BOOL, NULL, NUMBER, Document, Node, Value
from ..perf import paused_gc
from ..source import Span
from ..workspace import SourceFile
from .index import Occurrence
from .session import Analysis

# The legend: an editor receives these lists once and tokens refer to them by index.
TOKEN_TYPES = (
    "namespace",  # contexts
    "type",  # records and built-in types
    "enum",
    "enumMember",  # enum members; fixed choices such as `render psr` or `auth=public`
    "interface",  # shapes (views of a model)
    "struct",  # forms
    "class",  # models
    "function",
    "parameter",
    "property",  # property keys, fields, columns
    "variable",  # guards
    "keyword",  # node names (fn, type, param ...), #true/#false/#null
    "string",
    "number",
    "comment",
    "operator",  # = ? < > , :
    "decorator",  # KDL type annotations `(u8)`
)
TOKEN_MODIFIERS = ("declaration", "definition", "readonly", "documentation", "defaultLibrary")

_TOP_LEVEL_KINDS = frozenset({"type", "context", "function", "model", "form"})
_OCCURRENCE_TYPES = {"context": "namespace", "function": "function", "field": "property",
                     "column": "property", "member": "enumMember", "model": "class",
                     "form": "struct", "guard": "variable"}
_TYPE_KINDS = {"type": "type", "enum": "enum", "shape": "interface"}
# Values that are one of a fixed set of words: coloured as built-in choices.
_CHOICE_PROPS = frozenset({"vary", "scope", "kind", "auth", "algorithm"})
_CHOICE_ARGS = frozenset({"render", "default"})
_OPERATORS = frozenset("<>,?:")
_NEWLINE = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")


class Token(NamedTuple):
    start: int
    end: int
    type: str
    modifiers: tuple[str, ...] = ()


_NONE: tuple[str, ...] = ()
_DOC = ("documentation",)
_BUILTIN = ("defaultLibrary",)


def semantic_tokens(analysis: Analysis, path: str, start: int = 0,
                    end: int | None = None) -> list[Token]:
    """The tokens of `path` (those touching [start, end] when a range is given).

    Computed once per analysis and file: a range request after a full one
    (or the reverse) costs only the filtering."""
    source = analysis.files.get(path)
    if source is None:
        return []
    memo_key = f"semantic-tokens:{path}"
    tokens = analysis.memo.get(memo_key)
    if tokens is None:
        tokens = analysis.memo[memo_key] = _file_tokens(analysis, source)
    if start > 0 or end is not None:
        stop = len(source.text) if end is None else end
        tokens = [t for t in tokens if t.end >= start and t.start <= stop]
    return list(tokens)


def _file_tokens(analysis: Analysis, source: SourceFile) -> list[Token]:
    with paused_gc():  # tens of thousands of small tuples: nothing for the collector
        document = source.parse.document
        tokens = _NodeTokens(analysis, source).all(document.nodes)
        comments = [Token(c.span.start, c.span.end, "comment", _NONE)
                    for c in document.comments if c.kind != "slashdash"]
        comments += [Token(span.start, span.end, "comment", _NONE)
                     for span in slashdash_spans(source.text, document)]
        if comments:
            tokens = sorted(tokens + _single_lines(comments, source.text))
        return _without_overlaps(tokens)


@dataclass(slots=True)
class _Cached:
    """The tokens of one top-level node, kept while the node object lives.

    An editor re-parses only the top-level chunk an edit touched; every other
    node object (and its declaration, and its index occurrences) is reused, so
    its tokens are too, shifted when the node moved. What else they depend on
    is the kind (type, enum, shape) of each type name they colour."""

    node: Node
    base: int  # node.span.start when computed
    type_names: tuple[str, ...]
    kinds: tuple[str | None, ...]
    tokens: list[Token]


# path -> id(node) -> tokens; each call keeps only the nodes the file still has.
_CACHE: dict[str, dict[int, _Cached]] = {}
_CACHED_FILES = 256


class _NodeTokens:
    def __init__(self, analysis: Analysis, source: SourceFile) -> None:
        self.analysis = analysis
        self.source = source
        self.types = analysis.result.symbols["type"]
        self._occurrences: list[Occurrence] | None = None
        self._starts: list[int] = []
        self._decls: dict[int, object] | None = None

    def all(self, nodes: list[Node]) -> list[Token]:
        path = self.source.path
        old = _CACHE.pop(path, {})
        new: dict[int, _Cached] = {}
        out: list[Token] = []
        for node in nodes:
            cached = old.get(id(node))
            if (cached is None or cached.node is not node
                    or cached.kinds != self._kinds(cached.type_names)):
                cached = self._compute(node)
            new[id(node)] = cached
            shift = node.span.start - cached.base
            if shift:
                out += [Token(a + shift, b + shift, t, m) for a, b, t, m in cached.tokens]
            else:
                out += cached.tokens
        if len(_CACHE) >= _CACHED_FILES:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[path] = new
        return out

    def _kinds(self, names: tuple[str, ...]) -> tuple[str | None, ...]:
        types = self.types
        return tuple(types[name].kind if name in types else None for name in names)

    def _compute(self, node: Node) -> _Cached:
        span = node.span
        fine, names = self._fine(span.start, span.end, self._decl(span.start))
        builder = _Builder(self.source.text, fine)
        builder.node(node)
        tokens = _single_lines(builder.out, self.source.text)
        tokens.sort()
        return _Cached(node, span.start, names, self._kinds(names), tokens)

    def _fine(self, start: int, end: int, decl: object) -> tuple[list[Token], tuple[str, ...]]:
        """Index occurrences and built-in type names inside one node."""
        if self._occurrences is None:
            part = self.analysis.index.files.get(self.source.path)
            self._occurrences = part.occurrences if part is not None else []
            self._starts = [o.span.start for o in self._occurrences]
        occurrences = self._occurrences
        fine = []
        names = []
        i = bisect.bisect_left(self._starts, start)
        while i < len(occurrences) and self._starts[i] <= end:
            o = occurrences[i]
            i += 1
            token = _occurrence_token(o, self.types)
            if token.end > token.start:
                fine.append(token)
                if o.key[0] == "type":
                    names.append(o.key[1])
        if decl is not None:
            fine += _builtin_types(self.source.text, decl)
        fine.sort()
        return fine, tuple(sorted(set(names)))

    def _decl(self, start: int) -> object:
        if self._decls is None:
            decls = self.source.decls
            self._decls = {decl.span.start: decl
                           for group in (decls.types, decls.contexts, decls.functions,
                                         decls.models, decls.forms)
                           for decl in group}
        return self._decls.get(start)


# --- names and type expressions: the fine-grained tokens ----------------------------------
def _builtin_types(text: str, decl: object) -> list[Token]:
    """`int64`, `list`, `map`... inside the type expressions of one declaration."""
    found = []
    for ref in _type_refs(decl):
        for node in ref.expr.walk():
            if node.kind in ("primitive", "list", "map"):
                name = node.name
                at = node.span.start
                if text.startswith(name, at):
                    found.append(Token(at, at + len(name), "type", _BUILTIN))
    return found


def _occurrence_token(o: Occurrence, types: dict) -> Token:
    kind = o.key[0]
    modifiers: list[str] = []
    if o.is_definition:
        modifiers.append("declaration")
        if kind in _TOP_LEVEL_KINDS or o.role in ("enum", "shape"):
            modifiers.append("definition")
    if kind == "type":
        symbol = types.get(o.key[1])
        token_type = _TYPE_KINDS.get(symbol.kind if symbol is not None else o.role, "type")
        if symbol is None and o.key[1] == "Upload":
            modifiers.append("defaultLibrary")
    elif kind == "param":
        if o.role == "form field":  # declares a form field, named after a param
            token_type = "property"
            modifiers.append("declaration")
        else:
            token_type = "parameter"
        if o.key[1].startswith("ctx:"):
            modifiers.append("readonly")  # a context key: the identity of an instance
    else:
        token_type = _OCCURRENCE_TYPES.get(kind, "variable")
    span = o.span
    return Token(span.start, span.end, token_type, tuple(modifiers))


def _type_refs(decl: object) -> Iterator[TypeRef]:
    refs: list[TypeRef | None] = []
    if isinstance(decl, TypeDecl):
        refs.extend(f.type for f in decl.fields)
    elif isinstance(decl, ContextDecl):
        refs.extend(p.type for p in decl.params)
    elif isinstance(decl, FunctionDecl):
        refs.extend(p.type for p in decl.params)
        refs.append(decl.returns)
    elif isinstance(decl, ModelDecl):
        refs.extend(c.type for c in decl.columns)
    elif isinstance(decl, FormDecl):
        refs.extend(f.type for f in decl.fields)
    return (ref for ref in refs if ref is not None and ref.expr is not None)


# --- the document walk ------------------------------------------------------------------
class _Builder:
    def __init__(self, text: str, fine: list[Token]) -> None:
        self.text = text
        self.fine = fine
        self.fine_starts = [t.start for t in fine]
        self.out: list[Token] = []

    def node(self, node: Node) -> None:
        add = self.out.append
        if node.type_span is not None:
            add(Token(node.type_span.start, node.type_span.end, "decorator", _NONE))
        name = node.name_span
        self.refined(name.start, name.end, "keyword", _NONE)
        if node.args:
            is_doc = node.name == "doc"
            choice = node.name in _CHOICE_ARGS
            for value in node.args:
                self.value(value, is_doc, choice)
        for prop in node.props:
            key_start, key_end = prop.key_span.start, prop.key_span.end
            add(Token(key_start, key_end, "property", _NONE))
            value = prop.value
            value_start = (value.type_span or value.span).start
            eq = self.text.find("=", key_end, value_start)
            if eq >= 0:
                add(Token(eq, eq + 1, "operator", _NONE))
            self.value(value, prop.key == "doc", prop.key in _CHOICE_PROPS)
        if node.children:
            for child in node.children:
                self.node(child)

    def value(self, value: Value, documentation: bool, choice: bool) -> None:
        if value.type_span is not None:
            self.out.append(Token(value.type_span.start, value.type_span.end, "decorator",
                                  _NONE))
        kind = value.kind
        if kind == NUMBER:
            token_type, modifiers = "number", _NONE
        elif kind == BOOL or kind == NULL:
            token_type, modifiers = "keyword", _NONE
        elif documentation:
            token_type, modifiers = "string", _DOC
        elif choice and not value.raw.startswith(('"', "#")):
            token_type, modifiers = "enumMember", _BUILTIN
        else:
            token_type, modifiers = "string", _NONE
        span = value.span
        self.refined(span.start, span.end, token_type, modifiers)

    def refined(self, start: int, end: int, token_type: str, modifiers: tuple[str, ...]) -> None:
        """The fine tokens inside [start, end) with the operators between them, else one token."""
        fine = self.fine
        i = bisect.bisect_left(self.fine_starts, start)
        if i == len(fine) or fine[i].start >= end:  # the common case: nothing inside
            self.out.append(Token(start, end, token_type, modifiers))
            return
        inner = []
        while i < len(fine) and fine[i].start < end:
            if fine[i].end <= end:
                inner.append(fine[i])
            i += 1
        if not inner:
            self.out.append(Token(start, end, token_type, modifiers))
            return
        text = self.text
        add = self.out.append
        pos = start
        for token in [*inner, None]:
            stop = end if token is None else token.start
            for at in range(pos, stop):
                if text[at] in _OPERATORS:
                    add(Token(at, at + 1, "operator", _NONE))
            if token is not None:
                add(token)
                pos = max(pos, token.end)


# --- slashdashed parts: commented-out code --------------------------------------------------
def slashdash_spans(text: str, document: Document) -> list[Span]:
    """Where each `/-` and the node, entry or block it comments out lie."""
    if not any(comment.kind == "slashdash" for comment in document.comments):
        return []
    tokens = tokenize(text)[0]
    spans = []
    for i, tok in enumerate(tokens):
        if tok.type == SDBRACE:
            end = _block_end(tokens, i + 1)
        elif tok.type == SLASHDASH:
            before = tokens[i - 1].type if i else NL
            if before in (NL, SEMI, LBRACE, RBRACE, SDBRACE):
                end = _node_end(tokens, i + 1)
            else:
                end = _entry_end(tokens, i + 1)
        else:
            continue
        if end > tok.start_pos:
            spans.append(Span(tok.start_pos, end))
    return spans


def _block_end(tokens: list[Tok], i: int) -> int:
    depth = 0
    last = tokens[i - 1].end_pos
    for tok in tokens[i:]:
        if tok.type == LBRACE:
            depth += 1
        elif tok.type == RBRACE:
            depth -= 1
            if depth <= 0:
                return tok.end_pos
        last = tok.end_pos
    return last


def _node_end(tokens: list[Tok], i: int) -> int:
    """A node ends at its terminator (or its parent's `}`), blocks included."""
    depth = 0
    last = tokens[i - 1].end_pos
    for tok in tokens[i:]:
        ttype = tok.type
        if depth == 0 and ttype in (NL, SEMI, RBRACE):
            break
        if ttype == LBRACE:
            depth += 1
        elif ttype == RBRACE:
            depth -= 1
        last = tok.end_pos
    return last


def _entry_end(tokens: list[Tok], i: int) -> int:
    last = tokens[i - 1].end_pos
    n = len(tokens)
    if i < n and tokens[i].type == PROPKEY:
        last = tokens[i].end_pos
        i += 1
    if i + 2 < n and tokens[i].type == LPAREN and tokens[i + 2].type == RPAREN:
        last = tokens[i + 2].end_pos
        i += 3
    if i < n and tokens[i].type not in (NL, SEMI, LBRACE, RBRACE, SDBRACE, SLASHDASH):
        last = tokens[i].end_pos
    return last


# --- sorting and cutting -----------------------------------------------------------------
def _without_overlaps(tokens: list[Token]) -> list[Token]:
    tokens.sort()
    kept: list[Token] = []
    end = -1
    for token in tokens:
        if token.end <= token.start or token.start < end:
            continue  # empty, or inside one already kept (recovered, damaged text)
        kept.append(token)
        end = token.end
    return kept


def _single_lines(tokens: list[Token], text: str) -> list[Token]:
    """Cut tokens that span lines at each line end (editors want one line per token)."""
    out: list[Token] = []
    search = _NEWLINE.search
    for token in tokens:
        if search(text, token.start, token.end) is None:
            out.append(token)
            continue
        pos = token.start
        while pos < token.end:
            match = search(text, pos, token.end)
            stop = match.start() if match is not None else token.end
            if stop > pos:
                out.append(Token(pos, stop, token.type, token.modifiers))
            if match is None:
                break
            pos = match.end()
    return out
