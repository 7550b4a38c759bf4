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

from ..diagnostics import Diagnostic, make
from ..perf import paused_gc
from ..source import Span
from .build import action_for
from .fast import parse_clean
from .lexer import (
    IDENT,
    LBRACE,
    LPAREN,
    MAX_DEPTH,
    NL,
    RBRACE,
    SDBRACE,
    SEMI,
    SLASHDASH,
    STRING,
    Tok,
    describe,
    tokenize,
)
from .model import Comment, Document, Node, ParseResult

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


# Recovery re-parses each enclosing block's contents, so its cost grows with
# nesting depth; below this depth a damaged block is dropped, not salvaged.
_MAX_RECOVERY_DEPTH = 32


class _Tables:
    """Lark's LALR(1) automaton for grammar/kdl.lark, flattened for the driver.

    `actions[state][token_type]` is `(True, next_state)` for a shift or
    `(False, (length, rule_name, action))` for a reduction; `gotos[state][rule]`
    is the state after a reduction.
    """

    def __init__(self) -> None:
        # Lark is imported only here: clean documents never reach these tables.
        from lark import Lark

        from ..resources import grammar_text
        from .lark_lexer import TokensOnly

        # strict: a shift/reduce conflict in the grammar is an error, not a silent choice.
        lark = Lark(grammar_text("kdl.lark"), parser="lalr", lexer=TokensOnly, cache=True,
                    strict=True)
        table = lark.parser.parser.parser.parse_table
        self.start = table.start_states["start"]
        self.end = table.end_states["start"]
        self.actions: dict[int, dict[str, tuple]] = {}
        self.gotos: dict[int, dict[str, int]] = {}
        reductions: dict[object, tuple] = {}
        for state, row in table.states.items():
            acts: dict[str, tuple] = {}
            gotos: dict[str, int] = {}
            for symbol, (action, arg) in row.items():
                if action.name == "Shift":
                    if symbol.isupper():  # terminals: IDENT, _NL, $END ...
                        acts[symbol] = (True, arg)
                    else:
                        gotos[symbol] = arg
                else:
                    if arg not in reductions:
                        names = tuple(s.name for s in arg.expansion)
                        reductions[arg] = (len(names), arg.origin.name,
                                           action_for(arg.origin.name, arg.alias, names))
                    acts[symbol] = (False, reductions[arg])
            self.actions[state] = acts
            self.gotos[state] = gotos


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables()


class _SyntaxError(Exception):
    def __init__(self, token: Tok, expected: set[str]) -> None:
        self.token = token
        self.expected = expected


def _run(tokens: list[Tok], lo: int, hi: int, end_pos: int) -> list[Node] | _SyntaxError:
    """Parse tokens[lo:hi] as a node list; return the nodes or the first error."""
    tables = _tables()
    actions = tables.actions
    gotos = tables.gotos
    end_state = tables.end
    states = [tables.start]
    values: list = []
    # Inside a recovery range the "end" is really the next token: name it in messages.
    if hi < len(tokens):
        end = Tok("$END", None, tokens[hi].start_pos, tokens[hi].end_pos, describe(tokens[hi]))
    else:
        end = Tok("$END", None, end_pos, end_pos)
    i = lo
    while True:
        tok = tokens[i] if i < hi else end
        ttype = tok.type
        while True:
            step = actions[states[-1]].get(ttype)
            if step is None:
                return _SyntaxError(tok, set(actions[states[-1]]))
            if step[0]:
                states.append(step[1])
                values.append(tok)
                break
            length, rule, action = step[1]
            if length:
                args = values[-length:]
                del values[-length:]
                del states[-length:]
            else:
                args = []
            values.append(action(args))
            state = gotos[states[-1]][rule]
            if state == end_state:
                return values[-1]
            states.append(state)
        i += 1


def _error_diagnostic(err: _SyntaxError) -> Diagnostic:
    tok = err.token
    names = err.expected
    value_word = "a value" if "NUMBER" in names else "a name"
    wanted = sorted({value_word if name in ("IDENT", "STRING") else _EXPECTED_WORDS.get(name, name)
                     for name in names if name != "KEYWORD" or "NUMBER" not in names})
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
            elif ttype == SEMI:  # a `;` that ends no node
                diags.append(make("K009", Span(tokens[i].start_pos, tokens[i].end_pos),
                                  detail="unexpected ';'"))
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
    if not isinstance(result, _SyntaxError):
        return result
    nodes: list[Node] = []
    for start, stop in _chunks(tokens, lo, hi, diags):
        stop_pos = _start_of(tokens, stop, end_pos)
        one = _run(tokens, start, stop, stop_pos)
        if isinstance(one, _SyntaxError):
            node = _recover_node(tokens, start, stop, stop_pos, one, diags, depth)
            if node is not None:
                nodes.append(node)
        else:
            nodes.extend(one)
    return nodes


def _recover_node(tokens: list[Tok], lo: int, hi: int, end_pos: int, err: _SyntaxError,
                  diags: list[Diagnostic], depth: int) -> Node | None:
    """Salvage what we can of one node that failed to parse.

    The header (up to the first children block) and each block's contents are
    parsed on their own; if all of those are fine, the original error (about
    how they fit together) is the one to report.
    """
    before = len(diags)
    dropped = tokens[lo].type == SLASHDASH
    header_end = next((i for i in range(lo, hi) if tokens[i].type in (LBRACE, SDBRACE)), hi)
    node: Node | None = None
    if header_end > lo:
        header = _run(tokens, lo, header_end, _start_of(tokens, header_end, end_pos))
        if isinstance(header, _SyntaxError):
            if header_end == hi:
                diags.append(_error_diagnostic(err))
            else:
                diags.append(_error_diagnostic(header))
        elif header:
            node = header[0]
    if node is None:
        node = _bare_node(tokens, lo, header_end)
    i = header_end
    while i < hi:
        ttype = tokens[i].type
        is_dropped = ttype == SDBRACE
        if is_dropped:
            i += 1
        if i >= hi or tokens[i].type != LBRACE:
            break
        close = _matching_brace(tokens, i, hi)
        if close < 0:
            diags.append(make("K010", Span(tokens[i].start_pos, tokens[i].end_pos)))
            inner_hi, block_end = hi, end_pos
        else:
            inner_hi, block_end = close, tokens[close].end_pos
        children: list[Node] = []
        if depth < _MAX_RECOVERY_DEPTH:
            inner_end = _start_of(tokens, inner_hi, end_pos)
            children = _parse_list(tokens, i + 1, inner_hi, inner_end, diags, depth + 1)
        if node is not None and not is_dropped and node.children is None:
            node.children = children
            node.children_span = Span(tokens[i].start_pos, block_end)
            node.span = Span(node.span.start, block_end)
        i = inner_hi + 1
    if len(diags) == before:
        diags.append(_error_diagnostic(err))
    if node is None or dropped:
        return None
    node.broken = True
    return node


def _start_of(tokens: list[Tok], index: int, end_pos: int) -> int:
    return tokens[index].start_pos if index < len(tokens) else end_pos


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


def parse_nodes(text: str, at_file_start: bool = True
                ) -> tuple[list[Node], list[Comment], list[Diagnostic], list[Tok]]:
    """Nodes, comments, diagnostics and tokens of `text` (see `parse`)."""
    with paused_gc():
        tokens, comments, diags = tokenize(text, at_file_start)
        nodes = _parse_list(tokens, 0, len(tokens), len(text), diags, 0)
    if any(d.code == "K011" for d in diags):
        _limit_depth(nodes)
    diags.sort(key=lambda d: (d.span.start, d.span.end, d.code))
    return nodes, comments, diags, tokens


def parse(text: str) -> ParseResult:
    """Parse KDL v2 text. Never raises: problems come back as diagnostics.

    A clean document is read in one pass (`fast.parse_clean`); anything else
    goes through the lexer and the LALR tables, which report and recover."""
    with paused_gc():
        clean = parse_clean(text)
    if clean is not None:
        return ParseResult(Document(clean[0], Span(0, len(text)), clean[1]), [])
    nodes, comments, diags, _tokens = parse_nodes(text)
    return ParseResult(Document(nodes, Span(0, len(text)), comments), diags)
