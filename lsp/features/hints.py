"""Inlay hints (invalidation tier of each affected context) and context code lenses."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide import hints

from .. import convert
from ..server import MizanServer, guarded, server

SHOW_USERS = "mizan.showContextUsers"


@server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
@guarded([])
def inlay_hint(ls: MizanServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return []
    analysis, source = found
    start = convert.offset(source.index, params.range.start)
    end = convert.offset(source.index, params.range.end)
    return [lsp.InlayHint(position=convert.position(source.index, hint.offset),
                          label=hint.label, padding_left=True, tooltip=hint.tooltip)
            for hint in hints.invalidation_hints(analysis, source.path, start, end)]


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
@guarded([])
def code_lens(ls: MizanServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return []
    analysis, source = found
    indexes = ls.indexes(analysis)
    lenses = []
    for lens in hints.context_lenses(analysis, source.path):
        where = convert.range_of(source.index, lens.span)
        # The arguments of VS Code's `editor.action.showReferences`: uri, position,
        # locations; an editor extension maps the command onto its own.
        places = [lsp.Location(uri=convert.uri_of(p.path),
                               range=convert.range_of(indexes[p.path], p.span))
                  for p in [*lens.queries, *lens.mutations] if p.path in indexes]
        lenses.append(lsp.CodeLens(range=where, command=lsp.Command(
            title=lens.title, command=SHOW_USERS,
            arguments=[params.text_document.uri, where.start, places])))
    return lenses
