"""KDL v2 parser: the lexer's tokens driven through Lark's LALR(1) tables.

The fast path parses the whole token list in one go. If that fails, the
parser recovers: it splits the failing node list at its terminators (the
lexer knows the brace depth), parses each node on its own, and for a node
that still fails, parses its header and its children block separately. So
a file with several broken nodes reports each one, and every healthy node
around them (and inside them) survives for the checker and the editor.
"""

from __future__ import annotations

from functools import lru_cache

from lark import Lark, Transformer
from lark.exceptions import UnexpectedToken
from lark.lexer import Lexer

from ..diagnostics import Diagnostic, make
from ..resources import grammar_text
from ..source import Span
from .lexer import (
    IDENT, LBRACE, LPAREN, MAX_DEPTH, NL, RBRACE, SEMI, SLASHDASH, STRING, Tok, describe,
    tokenize,
)
from .model import NULL, NUMBER, Document, Node, ParseResult, Prop, Value

_DROPPED = object()  # a slashdashed part: parsed, then thrown away

_KIND_OF_TOKEN = {
    "IDENT": "string",
    "STRING": "string",
    "NUMBER": NUMBER,
}

_EXPECTED_WORDS = {
    "IDENT": "a value",
    "STRING": "a value",
    "NUMBER": "a value",
    "KEYWORD": "a value",
    "PROPKEY": "a property",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "RPAREN": "')'",
    "LPAREN": "'('",
    "_NL": "a newline",
    "_SEMI": "';'",
    "SLASHDASH": "'/-'",
    "SDBRACE": "'/-'",
    "$END": "end of file",
}


def _keyword_kind(tok: Tok) -> str:
    if tok.value is None:
        return NULL
    if isinstance(tok.value, bool):
        return "bool"
    return NUMBER


class _Build(Transformer):
    """Reduce callbacks: build model objects straight from tokens."""

    def start(self, children):
        return children[0]

    def nodes(self, items):
        return [item for item in items if item is not _DROPPED]

    def dropped_node(self, _children):
        return _DROPPED

    def dropped(self, _children):
        return _DROPPED

    def dropped_block(self, _children):
        return _DROPPED

    def name(self, children):
        return children[0]

    def annotation(self, children):
        lparen, tok, rparen = children
        return (tok.value, Span(lparen.start_pos, rparen.end_pos))

    def literal(self, children):
        return children[0]

    def value(self, children):
        tok = children[-1]
        ttype = tok.type
        kind = "string" if ttype in ("IDENT", "STRING") else (
            NUMBER if ttype == "NUMBER" else _keyword_kind(tok))
        val = Value(kind, tok.value, Span(tok.start_pos, tok.end_pos), tok.raw)
        if len(children) == 2:
            val.type, val.type_span = children[0]
        return val

    def prop(self, children):
        key, value = children
        return Prop(key.value, Span(key.start_pos, key.end_pos), value,
                    Span(key.start_pos, value.span.end))

    def entry(self, children):
        return children[0]

    def children(self, children):
        lbrace, nodes, rbrace = children
        return (nodes, Span(lbrace.start_pos, rbrace.end_pos))

    def child_blocks(self, children):
        for child in children:
            if child is not _DROPPED:
                return child
        return None

    def node(self, children):
        first = children[0]
        if isinstance(first, tuple):
            type_name, type_span = first
            name_tok = children[1]
            rest = children[2:]
            start = type_span.start
        else:
            type_name = type_span = None
            name_tok = first
            rest = children[1:]
            start = name_tok.start_pos
        node = Node(name_tok.value, Span(name_tok.start_pos, name_tok.end_pos),
                    Span(start, name_tok.end_pos), type_name, type_span)
        end = name_tok.end_pos
        block = rest[-1]
        args = node.args
        props = node.props
        for entry in rest[:-1]:
            if entry is _DROPPED:
                continue
            if isinstance(entry, Value):
                args.append(entry)
                end = entry.span.end
            else:
                props.append(entry)
                end = entry.span.end
        if block is not None:
            node.children, node.children_span = block
            end = node.children_span.end
        node.span = Span(start, end)
        return node


class _TokensOnly(Lexer):
    """Lark needs a lexer class; ours runs before the parser (lexer.tokenize)."""

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, lexer_state, parser_state):  # pragma: no cover - never called
        raise NotImplementedError("tokens are fed by mizan_lang.kdl.parser")


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = grammar_text("kdl.lark")
    # strict: a shift/reduce conflict in the grammar is an error, not a silent choice.
    return Lark(grammar, parser="lalr", lexer=_TokensOnly, transformer=_Build(), cache=True,
                strict=True)


def _run(tokens: list[Tok], lo: int, hi: int, end_pos: int) -> list[Node] | UnexpectedToken:
    """Parse tokens[lo:hi] as a node list; return the nodes or the first error."""
    state = _lark().parse_interactive("").parser_state
    feed = state.feed_token
    try:
        for i in range(lo, hi):
            feed(tokens[i])
        return feed(Tok("$END", None, end_pos, end_pos), True)
    except UnexpectedToken as err:
        return err


def _error_diagnostic(err: UnexpectedToken) -> Diagnostic:
    tok = err.token
    wanted = sorted({_EXPECTED_WORDS.get(name, name) for name in err.expected})
    detail = f"unexpected {describe(tok)}"
    if tok.type == SLASHDASH:
        detail += "; '/-' must come before a node, an argument, a property or a children block"
    elif wanted and len(wanted) <= 4:
        detail += ", expected " + (
            " or ".join(wanted) if len(wanted) <= 2 else ", ".join(wanted[:-1]) + " or " + wanted[-1]
        )
    span = Span(tok.start_pos, max(tok.end_pos, tok.start_pos))
    if tok.type == NL:
        span = Span(tok.start_pos, tok.start_pos)
    return make("K009", span, detail=detail)


def _chunks(tokens: list[Tok], lo: int, hi: int, diags: list[Diagnostic]) -> list[tuple[int, int]]:
    """Split a node list into one token range per node (terminators excluded)."""
    out: list[tuple[int, int]] = []
    depth = 0
    start = lo
    for i in range(lo, hi):
        ttype = tokens[i].type
        if ttype == LBRACE:
            depth += 1
        elif ttype == RBRACE:
            if depth == 0:
                diags.append(make("K009", Span(tokens[i].start_pos, tokens[i].end_pos),
                                  detail="unexpected '}' with no matching '{'"))
                if start < i:
                    out.append((start, i))
                start = i + 1
                continue
            depth -= 1
        elif depth == 0 and ttype in (NL, SEMI):
            if start < i:
                out.append((start, i))
            start = i + 1
    if start < hi:
        out.append((start, hi))
    return out


def _matching_brace(tokens: list[Tok], open_at: int, hi: int) -> int:
    depth = 0
    for i in range(open_at, hi):
        ttype = tokens[i].type
        if ttype == LBRACE:
            depth += 1
        elif ttype == RBRACE:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _parse_list(tokens: list[Tok], lo: int, hi: int, end_pos: int, diags: list[Diagnostic],
                depth: int) -> list[Node]:
    result = _run(tokens, lo, hi, end_pos)
    if not isinstance(result, UnexpectedToken):
        return result
    nodes: list[Node] = []
    for start, stop in _chunks(tokens, lo, hi, diags):
        stop_pos = tokens[stop].start_pos if stop < len(tokens) else end_pos
        one = _run(tokens, start, stop, stop_pos)
        if isinstance(one, UnexpectedToken):
            node = _recover_node(tokens, start, stop, stop_pos, one, diags, depth)
            if node is not None:
                nodes.append(node)
        else:
            nodes.extend(one)
    return nodes


def _recover_node(tokens: list[Tok], lo: int, hi: int, end_pos: int, err: UnexpectedToken,
                  diags: list[Diagnostic], depth: int) -> Node | None:
    """Salvage what we can of one node that failed to parse."""
    before = len(diags)
    dropped = tokens[lo].type == SLASHDASH
    brace = next((i for i in range(lo, hi) if tokens[i].type == LBRACE), -1)
    header_end = brace if brace >= 0 else hi
    node: Node | None = None
    if brace >= 0:
        header = _run(tokens, lo, header_end, tokens[brace].start_pos)
        if isinstance(header, UnexpectedToken):
            diags.append(_error_diagnostic(header))
        elif header:
            node = header[0]
        close = _matching_brace(tokens, brace, hi)
        if close < 0:
            diags.append(make("K010", Span(tokens[brace].start_pos, tokens[brace].end_pos)))
            inner_hi, block_end = hi, end_pos
        else:
            inner_hi, block_end = close, tokens[close].end_pos
            if close + 1 < hi and len(diags) == before:
                diags.append(_error_diagnostic(err))
        children: list[Node] = []
        if depth < MAX_DEPTH:
            inner_end = tokens[inner_hi].start_pos if inner_hi < len(tokens) else end_pos
            children = _parse_list(tokens, brace + 1, inner_hi, inner_end, diags, depth + 1)
        if node is None:
            node = _bare_node(tokens, lo, header_end)
        if node is not None:
            node.children = children
            node.children_span = Span(tokens[brace].start_pos, block_end)
            node.span = Span(node.span.start, block_end)
    if len(diags) == before:
        diags.append(_error_diagnostic(err))
    if node is None:
        node = _bare_node(tokens, lo, header_end)
    if node is None or dropped:
        return None
    node.broken = True
    return node


def _bare_node(tokens: list[Tok], lo: int, hi: int) -> Node | None:
    """A node holding just its name, for a header too damaged to parse."""
    i = lo
    while i < hi and tokens[i].type in (SLASHDASH, LPAREN):
        if tokens[i].type == LPAREN:  # skip a type annotation
            while i < hi and tokens[i].type != "RPAREN":
                i += 1
        i += 1
    if i >= hi or tokens[i].type not in (IDENT, STRING):
        return None
    tok = tokens[i]
    span = Span(tok.start_pos, tok.end_pos)
    return Node(str(tok.value), span, Span(tok.start_pos, tokens[hi - 1].end_pos))


def _limit_depth(nodes: list[Node]) -> None:
    """Cut children below MAX_DEPTH (reported by the lexer) so no consumer recurses too deep."""
    stack = [(nodes, 0)]
    while stack:
        level, depth = stack.pop()
        for node in level:
            if node.children:
                if depth + 1 >= MAX_DEPTH:
                    node.children = []
                    node.broken = True
                else:
                    stack.append((node.children, depth + 1))


def parse(text: str) -> ParseResult:
    """Parse KDL v2 text. Never raises: problems come back as diagnostics."""
    tokens, comments, diags = tokenize(text)
    nodes = _parse_list(tokens, 0, len(tokens), len(text), diags, 0)
    if any(d.code == "K011" for d in diags):
        _limit_depth(nodes)
    diags.sort(key=lambda d: (d.span.start, d.span.end, d.code))
    return ParseResult(Document(nodes, Span(0, len(text)), comments), diags)
