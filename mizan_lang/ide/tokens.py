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

from ..check.result import CheckResult
from ..decls import FileDecls, TypeRef
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


@dataclass(slots=True)
class Token:
    start: int
    end: int
    type: str
    modifiers: tuple[str, ...] = ()


def semantic_tokens(analysis: Analysis, path: str, start: int = 0,
                    end: int | None = None) -> list[Token]:
    """The tokens of `path` (those touching [start, end] when a range is given)."""
    source = analysis.files.get(path)
    if source is None:
        return []
    part = analysis.index.files.get(path)
    occurrences = part.occurrences if part is not None else []
    builder = _Builder(source, _fine_tokens(source, occurrences, analysis.result))
    builder.document(source.parse.document)
    tokens = _single_lines(_without_overlaps(builder.out), source.text)
    if start > 0 or end is not None:
        stop = len(source.text) if end is None else end
        tokens = [t for t in tokens if t.end >= start and t.start <= stop]
    return tokens


# --- names and type expressions: the fine-grained tokens ----------------------------------
def _fine_tokens(source: SourceFile, occurrences: list[Occurrence],
                 result: CheckResult) -> list[Token]:
    text = source.text
    fine = [_occurrence_token(o, result) for o in occurrences if o.span.end > o.span.start]
    for ref in _type_refs(source.decls):
        for node in ref.expr.walk():
            name = node.name
            if node.kind in ("primitive", "list", "map"):
                at = node.span.start
                if text[at:at + len(name)] == name:
                    fine.append(Token(at, at + len(name), "type", ("defaultLibrary",)))
    fine.sort(key=lambda t: (t.start, t.end))
    return fine


def _occurrence_token(o: Occurrence, result: CheckResult) -> Token:
    kind = o.key[0]
    modifiers: list[str] = []
    if o.is_definition:
        modifiers.append("declaration")
        if kind in _TOP_LEVEL_KINDS or o.role in ("enum", "shape"):
            modifiers.append("definition")
    if kind == "type":
        symbol = result.symbols["type"].get(o.key[1])
        type_kind = symbol.kind if symbol is not None else o.role
        token_type = _TYPE_KINDS.get(type_kind, "type")
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
    return Token(o.span.start, o.span.end, token_type, tuple(modifiers))


def _type_refs(decls: FileDecls) -> Iterator[TypeRef]:
    refs: list[TypeRef | None] = []
    for decl in decls.types:
        refs.extend(f.type for f in decl.fields)
    for ctx in decls.contexts:
        refs.extend(p.type for p in ctx.params)
    for fn in decls.functions:
        refs.extend(p.type for p in fn.params)
        refs.append(fn.returns)
    for model in decls.models:
        refs.extend(c.type for c in model.columns)
    for form in decls.forms:
        refs.extend(f.type for f in form.fields)
    return (ref for ref in refs if ref is not None and ref.expr is not None)


# --- the document walk ------------------------------------------------------------------
class _Builder:
    def __init__(self, source: SourceFile, fine: list[Token]) -> None:
        self.text = source.text
        self.fine = fine
        self.fine_starts = [t.start for t in fine]
        self.out: list[Token] = []

    def document(self, document: Document) -> None:
        for node in document.nodes:
            self.node(node)
        for comment in document.comments:
            if comment.kind != "slashdash":
                self.out.append(Token(comment.span.start, comment.span.end, "comment"))
        for span in slashdash_spans(self.text, document):
            self.out.append(Token(span.start, span.end, "comment"))

    def node(self, node: Node) -> None:
        add = self.out.append
        if node.type_span is not None:
            add(Token(node.type_span.start, node.type_span.end, "decorator"))
        self.refined(node.name_span, Token(node.name_span.start, node.name_span.end, "keyword"))
        is_doc = node.name == "doc"
        choice = node.name in _CHOICE_ARGS
        for value in node.args:
            self.value(value, documentation=is_doc, choice=choice)
        for prop in node.props:
            add(Token(prop.key_span.start, prop.key_span.end, "property"))
            value_start = (prop.value.type_span or prop.value.span).start
            eq = self.text.find("=", prop.key_span.end, value_start)
            if eq >= 0:
                add(Token(eq, eq + 1, "operator"))
            self.value(prop.value, documentation=prop.key == "doc",
                       choice=prop.key in _CHOICE_PROPS)
        for child in node.children or ():
            self.node(child)

    def value(self, value: Value, documentation: bool, choice: bool) -> None:
        if value.type_span is not None:
            self.out.append(Token(value.type_span.start, value.type_span.end, "decorator"))
        span = value.span
        if value.kind == NUMBER:
            plain = Token(span.start, span.end, "number")
        elif value.kind in (BOOL, NULL):
            plain = Token(span.start, span.end, "keyword")
        elif documentation:
            plain = Token(span.start, span.end, "string", ("documentation",))
        elif choice and not value.raw.startswith(('"', "#")):
            plain = Token(span.start, span.end, "enumMember", ("defaultLibrary",))
        else:
            plain = Token(span.start, span.end, "string")
        self.refined(span, plain)

    def refined(self, span: Span, plain: Token) -> None:
        """The fine tokens inside `span` with the operators between them, else `plain`."""
        i = bisect.bisect_left(self.fine_starts, span.start)
        inner = []
        while i < len(self.fine) and self.fine[i].start < span.end:
            if self.fine[i].end <= span.end:
                inner.append(self.fine[i])
            i += 1
        if not inner:
            self.out.append(plain)
            return
        text = self.text
        pos = span.start
        for token in [*inner, None]:
            stop = span.end if token is None else token.start
            for at in range(pos, stop):
                if text[at] in _OPERATORS:
                    self.out.append(Token(at, at + 1, "operator"))
            if token is not None:
                self.out.append(token)
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
    tokens.sort(key=lambda t: (t.start, -t.end))
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
