"""Folding ranges: blocks, comments and multi-line strings."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide.folding import by_lines, folding_ranges

from .. import convert
from ..server import MizanServer, guarded, server

_KINDS = {"comment": lsp.FoldingRangeKind.Comment, "region": lsp.FoldingRangeKind.Region}


@server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
@guarded([])
def folding_range(ls: MizanServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return []
    _, source = found
    index = source.index

    def line_of(offset: int) -> int:  # the editor's line numbering
        return convert.position(index, offset).line

    return [lsp.FoldingRange(start_line=first, end_line=last,
                             kind=_KINDS.get(kind) if kind else None)
            for first, last, kind in by_lines(folding_ranges(source), line_of)]
