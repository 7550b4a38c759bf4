"""A one-pass KDL v2 reader for documents without problems.

`parse_clean(text)` builds the same nodes, spans and comments as the lexer +
LALR parser (`parser.py`, the reference, driven by grammar/kdl.lark), in one
loop over one regular expression, without tokens or parse tables; lines of the
common shapes (bare words, numbers and keywords) are taken whole, one match a
line instead of one a token. On any
problem at all it returns None, and `parse` runs the reference parser, which
reports the problem and recovers: this path never words a diagnostic. The
lexer's readers decode the strings that need more than a regular expression
(escapes, multi-line and raw strings). `tests/test_kdl_fast.py` holds its
trees equal to the reference's on the KDL suite, specs, generated documents
and their corruptions.
"""

from __future__ import annotations

import re

from ..source import Anchor, Span, current_anchor
from . import chars
from .lexer import (
    MAX_DEPTH,
    _block_comment,
    _escline,
    decode_number,
    read_quoted,
)
from .model import BOOL, NULL, NUMBER, STRING, Comment, Node, Prop, Value

_WS = chars.WS
_IDENT = chars.IDENT_CHAR_CLASS
# One token per match, its leading whitespace in no group (a group costs `re` work). The group
# numbers are the dispatch: `m.lastindex` is the alternative that matched.
# An optional `=` is written `(?:(...)|)`, not `(...)?`: the same match, but
# `re` runs a repeated group through its general (slower) repeat.
_TOKEN = re.compile(
    f"[{_WS}]*(?:"
    f"({_IDENT}+)(?:([{_WS}]*=)|)"  # 1 a bare word, 2 `=` after it: a property key
    f'|"(?!"")([^"\\\\{chars.NL}{chars.DISALLOWED}]*)"(?:([{_WS}]*=)|)'  # 3 a plain string, 4 `=`
    f"|({chars.NEWLINE_RE})"  # 5
    "|([{};])"  # 6
    "|(//)"  # 7
    "|(#(?:true|false|null|-inf|inf|nan)(?![^" + chars.NON_IDENT + _WS + chars.NL
    + chars.DISALLOWED + "]))"  # 8 a keyword
    '|(")'  # 9 any other string
    "|(#)"  # 10 a raw string
    r"|(/\*)"  # 11 a block comment
    r"|(\()"  # 12 a type annotation
    r"|(\))"  # 13
    "|(/-)"  # 14 a slashdash
    r"|(\\)"  # 15 a line continuation
    r"|(\Z)"  # 16
    ")"
)
# A whole line of the common shapes, read without the token loop: a node of
# bare words, numbers and keywords (`name arg key=value`, maybe opening a
# block), a lone `}`, or a blank line, ended by LF. Printable ASCII only, no
# quotes and no tabs: its entries then split at spaces, and no character is
# one the token expression reads otherwise. `_entries` takes the entries apart
# and gives up (the token loop reads the line) on anything unusual. Groups:
# 1 the name, 2 its entries, 3 `{`, 4 `}`. Possessive (`++`, `*+`): a line
# that does not match fails at once, without trying shorter names.
_BARE = "!$-'*-.0-:<>-Z^-z|~"  # ASCII identifier characters but `/`
_LINE = re.compile(rf" *(?:([{_BARE}]++)([ #={_BARE}]*+)(\{{)? *|(\}}) *)?\n")
_LINE_REST = re.compile(f"[^{chars.NL}]*")
_EQ = re.compile(f"[{_WS}]*=")
_NUMBER_FIRST = frozenset("0123456789+-.")
_KEYWORD_VALUES = {"#true": True, "#false": False, "#null": None, "#inf": float("inf"),
                   "#-inf": float("-inf"), "#nan": float("nan")}
_KEYWORD_KINDS = {"#true": BOOL, "#false": BOOL, "#null": NULL, "#inf": NUMBER,
                  "#-inf": NUMBER, "#nan": NUMBER}
_KEYWORD_IDENTIFIERS = chars.KEYWORD_IDENTIFIERS
_NUMBER_START = chars.NUMBER_START
_disallowed = chars.disallowed_search


# Hot paths make a record as `_new(cls)` and set its fields: a class call
# runs `__init__` as a Python frame (~1,850 instructions a span, ~3,500 a
# node), this ~1/3 fewer.
_new = object.__new__


class _Unclean(Exception):
    """The text needs the reference parser (a problem somewhere)."""


def parse_clean(text: str) -> tuple[list[Node], list[Comment]] | None:
    """The top-level nodes and comments of a clean document, or None."""
    try:
        return _parse(text)
    except _Unclean:
        return None


def _parse(text: str) -> tuple[list[Node], list[Comment]]:
    comments: list[Comment] = []
    top: list[Node] = []
    nodes = top  # the list the next node goes into
    stack: list[tuple] = []  # the enclosing nodes' states, one per open `{`
    node: Node | None = None  # the node being read, until its terminator
    start = end = 0  # that node's span so far
    plain_end = -1  # `end` while that span is still its name's
    drop = False  # that node is slashdashed
    phase = 0  # 0: its entries may follow; 1: after a dropped block; 2: after its children
    key: str | None = None  # a property key waiting for its value
    key_start = key_end = 0
    key_drop = False
    glued = -1  # end of the last value: a value starting right there lacks its space
    # Rare states, all False/0/None while `rare` is False:
    rare = False
    slashdash = False  # a `/-` waits for what it drops
    paren = 0  # 1 after `(`, 2 after `(name`
    paren_name = ""
    paren_start = 0
    annotation: tuple[str, int, int] | None = None  # a `(name)` waiting for what it types
    pos = 1 if text.startswith("\ufeff") else 0
    # A scanner goes on where its last match ended (no per-match set-up); where
    # the reader skips further itself (comments, strings read by the lexer's
    # readers) it starts a new one there.
    scan = _TOKEN.scanner(text, pos).match
    anchor = current_anchor()
    line_start = True  # at the start of a line, outside any node: try whole lines
    while True:
        if line_start:
            line_start = False
            lm = _LINE.match(text, pos)
            if lm is not None:
                while lm is not None:
                    word, rest, brace, close = lm.groups()
                    if word is not None:  # a node (see the token loop below for each step)
                        at = lm.start(1)
                        end = plain_end = at + len(word)
                        if word in _KEYWORD_IDENTIFIERS or (
                                word[0] in _NUMBER_FIRST and _NUMBER_START(word)):
                            raise _Unclean
                        # Made as `Span(at, end)` and `Node(word, span, span)` would
                        # make them, without their `__init__` (see `_new`).
                        span = _new(Span)
                        span._start, span._end, span.anchor = at, end, anchor
                        node = _new(Node)
                        node.name, node.name_span, node.span = word, span, span
                        node.args, node.props, node.broken = [], [], False
                        node.type = node.type_span = node.children = node.children_span = None
                        if rest and (rest[0] != " "
                                     or (end := _entries(rest, end, node, anchor)) < 0):
                            node = None
                            break  # the token loop reads this line
                        nodes.append(node)
                        start = at
                        drop = False
                        phase = 0
                        if brace is not None:
                            if len(stack) >= MAX_DEPTH:
                                raise _Unclean
                            stack.append((node, nodes, start, end, plain_end, drop, phase,
                                          lm.start(3), False))
                            nodes = []
                        elif end != plain_end:
                            node.span = span = _new(Span)  # Span(start, end)
                            span._start, span._end, span.anchor = start, end, anchor
                        node = None
                    elif close is not None:
                        if not stack:
                            raise _Unclean
                        inner = nodes
                        node, nodes, start, end, plain_end, drop, phase, brace, dropped = (
                            stack.pop())
                        if not dropped:
                            node.children = inner
                            end = lm.end(4)
                            node.children_span = Span(brace, end)
                        if end != plain_end:
                            node.span = span = _new(Span)  # Span(start, end)
                            span._start, span._end, span.anchor = start, end, anchor
                        node = None
                    pos = lm.end()
                    lm = _LINE.match(text, pos)
                scan = _TOKEN.scanner(text, pos).match
        m = scan()
        if m is None:
            raise _Unclean
        group = m.lastindex
        # Strings, numbers and keywords fall through to the code after this
        # chain with `at`, `pos`, `word` (a string, else None), `value` (for a
        # number or keyword) and `eq` (where a property's `=` ends, else -1).
        if group <= 4:
            if group <= 2:
                at, pos = m.span(1)
                word = raw = m.group(1)
                if word in _KEYWORD_IDENTIFIERS:
                    raise _Unclean
                eq = m.end() if group == 2 else -1
                if word[0] in _NUMBER_FIRST and _NUMBER_START(word):
                    number = decode_number(word)
                    if number is None or eq >= 0:
                        raise _Unclean
                    value: object = Value(NUMBER, number, Span(at, pos), word)
                    word = None
            else:
                at, pos = m.span(3)
                word = m.group(3)
                at -= 1
                pos += 1
                raw = text[at:pos]
                eq = m.end() if group == 4 else -1
        elif group == 5 or group == 7:  # a newline, or a comment up to one: ends a node
            if group == 7:
                at = m.start(7)
                pos = _LINE_REST.match(text, m.end()).end()
                body = text[at:pos]
                if _disallowed(body):
                    raise _Unclean
                scan = _TOKEN.scanner(text, pos).match
                comments.append(Comment(body, Span(at, pos), "line"))
            if rare:
                if paren or annotation is not None:
                    raise _Unclean
                continue  # newlines between `/-` and what it drops do not count
            if node is not None:
                if key is not None:
                    raise _Unclean
                if end != plain_end:
                    node.span = Span(start, end)
                node = None
            if group == 5:
                pos = m.end()
                line_start = True
            continue
        elif group == 6:
            at, pos = m.span(6)
            ch = text[at]
            if key is not None:
                raise _Unclean  # a property without its value
            if ch == "{":
                if node is None:
                    raise _Unclean
                dropped = False
                if rare:
                    if paren or annotation is not None:
                        raise _Unclean
                    dropped = True
                    slashdash = rare = False
                elif phase == 2:
                    raise _Unclean
                if len(stack) >= MAX_DEPTH:
                    raise _Unclean
                stack.append((node, nodes, start, end, plain_end, drop, phase, at, dropped))
                nodes = []
                node = None
            elif rare:
                raise _Unclean
            elif ch == "}":
                if not stack:
                    raise _Unclean
                if node is not None and end != plain_end:
                    node.span = Span(start, end)
                inner = nodes
                node, nodes, start, end, plain_end, drop, phase, brace, dropped = stack.pop()
                if dropped:
                    phase = phase or 1
                else:
                    node.children = inner
                    node.children_span = Span(brace, pos)
                    end = pos
                    phase = 2
                glued = -1
            else:  # `;`
                if node is None:
                    raise _Unclean
                if end != plain_end:
                    node.span = Span(start, end)
                node = None
            continue
        elif group <= 10:  # a keyword, or a string for the lexer's readers
            if group == 8:
                at, pos = m.span(8)
                word = None
                raw = m.group(8)
                value = Value(_KEYWORD_KINDS[raw], _KEYWORD_VALUES[raw], Span(at, pos), raw)
                eq = -1
            else:
                at = m.start(group)
                problems: list = []
                tok = read_quoted(text, at, problems)
                if problems or tok.type != "STRING":
                    raise _Unclean
                pos = tok.end_pos
                word = tok.value
                raw = tok.raw
                after = _EQ.match(text, pos)
                eq = -1 if after is None else after.end()
                scan = _TOKEN.scanner(text, pos if eq < 0 else eq).match
        elif group == 11 or group == 15:  # a block comment or a line continuation: space
            problems = []
            skip = _block_comment if group == 11 else _escline
            pos = skip(text, m.start(group), comments, problems)
            if problems:
                raise _Unclean
            scan = _TOKEN.scanner(text, pos).match
            glued = -1
            continue
        elif group == 12:  # `(`: a type annotation starts
            at, pos = m.span(12)
            if paren or annotation is not None or (node is not None and (phase or at == glued)):
                raise _Unclean
            paren = 1
            paren_start = at
            rare = True
            continue
        elif group == 13:  # `)`
            if paren != 2:
                raise _Unclean
            pos = m.end()
            annotation = (paren_name, paren_start, pos)
            paren = 0
            glued = -1
            continue
        elif group == 14:  # `/-`
            at, pos = m.span(14)
            if rare or key is not None:
                raise _Unclean
            comments.append(Comment("/-", Span(at, pos), "slashdash"))
            slashdash = rare = True
            glued = -1
            continue
        else:  # the end of the text
            if stack or key is not None or rare:
                raise _Unclean
            if node is not None and end != plain_end:
                node.span = Span(start, end)
            return top, comments

        # A string, number or keyword: a type annotation's name, a node's
        # name, a property's key, or a value.
        if paren:
            if paren == 2 or word is None or eq >= 0:
                raise _Unclean
            paren_name = word
            paren = 2
            continue
        if node is None:
            if word is None or eq >= 0:
                raise _Unclean
            span = Span(at, pos)
            node = Node(word, span, span)
            start = at
            drop = False
            if rare:
                if annotation is not None:
                    node.type, start, _ = annotation
                    node.type_span = Span(start, annotation[2])
                    annotation = None
                drop = slashdash
                slashdash = rare = False
            if not drop:
                nodes.append(node)
            end = glued = pos
            # While `end` is this, the node's span is its name's (shared).
            plain_end = pos if start == at else -1
            phase = 0
            continue
        if phase or at == glued:
            raise _Unclean
        if eq >= 0:  # a property's key
            if key is not None or annotation is not None:
                raise _Unclean
            key, key_start, key_end = word, at, pos
            key_drop = slashdash
            slashdash = rare = False
            pos = eq
            glued = -1
            continue
        if word is not None:
            value = Value(STRING, word, Span(at, pos), raw)
        glued = pos
        dropped = False
        if rare:
            if annotation is not None:
                value.type = annotation[0]
                value.type_span = Span(annotation[1], annotation[2])
                annotation = None
            if slashdash:
                if key is not None:
                    raise _Unclean  # `key=/-value`
                dropped = True
            slashdash = rare = False
        if key is not None:
            if not key_drop:
                # Spans from offsets, made when read (see Prop).
                node.props.append(Prop(key, key_end, value, key_start))
                end = pos
            key = None
        elif not dropped:
            node.args.append(value)
            end = pos


def _entries(rest: str, pos: int, node: Node, anchor: Anchor | None) -> int:
    """The arguments and properties of a node read as a whole line (`_LINE`'s
    group 2, which starts at `pos`), as the token loop reads them: where the
    last one ends, or -1 for anything the token loop should read itself."""
    args = node.args
    at = pos
    for word in rest.split(" "):
        if word:
            end = at + len(word)
            eq = word.find("=")
            if eq < 0:
                # A bare word (most arguments) is made here; the rest by `_value`.
                if (word[0] in _NUMBER_FIRST or "#" in word
                        or word in _KEYWORD_IDENTIFIERS):
                    value = _value(word, at, end)
                    if value is None:
                        return -1
                else:  # Value(STRING, word, Span(at, end), word), without `__init__`s
                    span = _new(Span)
                    span._start, span._end, span.anchor = at, end, anchor
                    value = _new(Value)
                    value.kind, value.value, value.raw = STRING, word, word
                    value.span, value.type, value.type_span = span, None, None
                args.append(value)
            else:
                key = word[:eq]
                if (not key or key in _KEYWORD_IDENTIFIERS or "#" in key
                        or (key[0] in _NUMBER_FIRST and _NUMBER_START(key))):
                    return -1
                value = _value(word[eq + 1:], at + eq + 1, end)
                if value is None:
                    return -1
                prop = _new(Prop)  # Prop(key, at + eq, value, at): spans when read
                prop.key, prop._key_span = key, at + eq
                prop.value, prop._span = value, at
                node.props.append(prop)
            pos = end
            at = end + 1
        else:
            at += 1
    return pos


def _value(word: str, at: int, end: int) -> Value | None:
    """A bare word, number or keyword of a line read whole (None: not one)."""
    if "#" in word or "=" in word or not word:
        kind = _KEYWORD_KINDS.get(word)
        if kind is None:
            return None
        return Value(kind, _KEYWORD_VALUES[word], Span(at, end), word)
    if word[0] in _NUMBER_FIRST and _NUMBER_START(word):
        number = decode_number(word)
        if number is None:
            return None
        return Value(NUMBER, number, Span(at, end), word)
    if word in _KEYWORD_IDENTIFIERS:
        return None
    return Value(STRING, word, Span(at, end), word)
