"""Semantic tokens (full document and range), encoded as LSP's relative integers."""

from __future__ import annotations

import re
from array import array

from lsprotocol import types as lsp

from mizan_lang.ide import tokens as core
from mizan_lang.source import LineIndex

from .. import convert
from ..server import MizanServer, guarded, server

LEGEND = lsp.SemanticTokensLegend(token_types=list(core.TOKEN_TYPES),
                                  token_modifiers=list(core.TOKEN_MODIFIERS))
_TYPE_INDEX = {name: i for i, name in enumerate(core.TOKEN_TYPES)}
_MODIFIER_BIT = {name: 1 << i for i, name in enumerate(core.TOKEN_MODIFIERS)}


@server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
@guarded(lsp.SemanticTokens(data=[]))
def semantic_tokens_full(ls: MizanServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return lsp.SemanticTokens(data=[])
    analysis, source = found
    found_tokens = core.semantic_tokens(analysis, source.path)
    return lsp.SemanticTokens(data=encode(found_tokens, source.index))


@server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)
@guarded(lsp.SemanticTokens(data=[]))
def semantic_tokens_range(ls: MizanServer,
                          params: lsp.SemanticTokensRangeParams) -> lsp.SemanticTokens:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return lsp.SemanticTokens(data=[])
    analysis, source = found
    start = convert.offset(source.index, params.range.start)
    end = convert.offset(source.index, params.range.end)
    found_tokens = core.semantic_tokens(analysis, source.path, start, end)
    return lsp.SemanticTokens(data=encode(found_tokens, source.index))


def _encoding() -> str:
    return getattr(convert, "ENCODING", {}).get("value", "utf-16")


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


_KDL_ONLY_BREAKS = re.compile("[\x0b\x0c\x85\u2028\u2029]")
_LSP_BREAKS = re.compile("\r\n|\r|\n")


def _lsp_lines(index: LineIndex) -> LineIndex:
    """An index whose lines are LSP's: only \\n, \\r\\n and \\r end one (KDL also
    breaks lines at form feeds, U+0085, U+2028...)."""
    if _KDL_ONLY_BREAKS.search(index.text) is None:
        return index
    return LineIndex.from_starts(
        index.text, array("q", [0, *(m.end() for m in _LSP_BREAKS.finditer(index.text))]))


def encode(found: list[core.Token], index: LineIndex) -> list[int]:
    """Five integers a token: line delta, start delta (same line), length, type, modifiers.

    Tokens are sorted and single-line; columns count the negotiated encoding's
    units (UTF-16 by default). On an ASCII line (most of them) units are
    characters, so columns are plain subtraction.
    """
    encoding = _encoding()
    text = index.text
    lines = _lsp_lines(index)
    count = lines.line_count
    data: list[int] = []
    bits_of: dict[tuple[str, ...], int] = {}
    line, line_start, next_start = -1, 0, 0
    plain = True
    prev_line = prev_column = 0
    for start, end, kind, modifiers in found:
        if start >= next_start or line < 0:
            line = lines.line_of(start)
            line_start = lines.line_start(line)
            next_start = lines.line_start(line + 1) if line + 1 < count else len(text) + 1
            plain = encoding == "utf-32" or text[line_start:next_start].isascii()
        if plain:
            column, length = start - line_start, end - start
        else:
            column = _units(text[line_start:start], encoding)
            length = _units(text[start:end], encoding)
        bits = bits_of.get(modifiers)
        if bits is None:
            bits = bits_of[modifiers] = sum(_MODIFIER_BIT.get(m, 0) for m in set(modifiers))
        if line == prev_line:
            data += (0, column - prev_column, length, _TYPE_INDEX[kind], bits)
        else:
            data += (line - prev_line, column, length, _TYPE_INDEX[kind], bits)
        prev_line, prev_column = line, column
    return data
