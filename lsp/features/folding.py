"""Folding ranges: blocks, comments and multi-line strings."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide.folding import folding_ranges

from ..server import MizanServer, guarded, server

_KINDS = {"comment": lsp.FoldingRangeKind.Comment, "region": lsp.FoldingRangeKind.Region}


@server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
@guarded([])
def folding_range(ls: MizanServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return []
    _, source = found
    return [lsp.FoldingRange(start_line=fold.start_line, end_line=fold.end_line,
                             kind=_KINDS.get(fold.kind) if fold.kind else None)
            for fold in folding_ranges(source)]
