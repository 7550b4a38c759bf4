"""Where an editor's document may be cut into chunks, without the lexer's tokens.

`incremental` cuts a file after each run of newlines (and line comments) outside
any block: `boundaries(tokenize(text))`. Opening a large document, lexing it
only to find those places cost a third of its parse (the chunks themselves are
read by `fast.parse_clean`). `top_boundaries` finds the same places in one loop
over one regular expression, reading strings, keywords, raw strings, block
comments and line continuations with the lexer's own readers. It answers None
(the caller lexes) at whatever it does not follow exactly: a slashdash (after
it the lexer does not count newlines), characters outside KDL's tokens, a
problem any reader reports, blocks nested deeper than the lexer allows.
`tests/test_kdl_incremental.py` holds its answers equal to the lexer's.
"""

from __future__ import annotations

import re

from . import chars
from .lexer import MAX_DEPTH, _block_comment, _escline, read_quoted

_WS = chars.WS
_OTHER = f'{chars.NL}{chars.DISALLOWED}{{}}"#/\\\\\\[\\]'  # what a run of plain tokens stops at
_CUT = re.compile(
    f"[{_WS}]*(?:"
    f"({chars.NEWLINE_RE})"  # 1
    "|(//)"  # 2 a line comment: it joins the run of newlines
    f"|([^{_WS}{_OTHER}][^{_OTHER}]*)"  # 3 words, `=`, `(`, `)`, `;` and the spaces between them
    f'|("(?!"")[^"\\\\{chars.NL}{chars.DISALLOWED}]*")'  # 4 a plain string
    r"|(\{)"  # 5
    r"|(\})"  # 6
    '|(")'  # 7 any other string
    "|(#)"  # 8 a keyword or a raw string
    r"|(/\*)"  # 9
    r"|(\\)"  # 10 a line continuation
    r"|(\Z)"  # 11
    ")"
)
_LINE_REST = re.compile(f"[^{chars.NL}]*")


def top_boundaries(text: str) -> list[int] | None:
    """`incremental.boundaries(tokenize(text)[0], len(text))`, or None."""
    points: list[int] = []
    problems: list[object] = []  # what the readers report: any problem answers None
    depth = 0
    run = -1  # the end of the current run of newlines (-1: a token came since)
    length = len(text)
    pos = 1 if text.startswith("\ufeff") else 0
    match = _CUT.match
    while True:
        m = match(text, pos)
        if m is None:
            return None
        group = m.lastindex
        pos = m.end()
        if group <= 2:
            if group == 2:
                pos = _LINE_REST.match(text, pos).end()
            run = pos
            continue
        if group >= 9:
            if group == 11:
                break
            at = m.start(group)
            pos = (_block_comment if group == 9 else _escline)(text, at, [], problems)
            if problems:
                return None
            continue
        # A token: the run of newlines before it (if any) was one NL token.
        if run >= 0:
            if depth == 0 and run < length:
                points.append(run)
            run = -1
        if group == 5:
            depth += 1
            if depth > MAX_DEPTH:
                return None
        elif group == 6:
            depth = max(0, depth - 1)
        elif group >= 7:
            tok = read_quoted(text, m.start(group), problems)
            if problems:
                return None
            pos = tok.end_pos
    if run >= 0 and depth == 0 and run < length:
        points.append(run)
    return points
