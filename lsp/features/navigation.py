"""Go to definition, find references, document highlight."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide import navigate

from .. import convert
from ..server import MizanServer, guarded, server


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
@guarded()
def definition(ls: MizanServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
    found = ls.analysis(params.text_document.uri, quick="names")
    if found is None:
        return None
    analysis, source = found
    at = convert.offset(source.index, params.position)
    targets = navigate.definition(analysis, source.path, at)
    return [lsp.Location(uri=convert.uri_of(t.path),
                         range=convert.range_of(analysis.files[t.path].index, t.span))
            for t in targets if t.path in analysis.files] or None


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
@guarded()
def references(ls: MizanServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
    found = ls.analysis(params.text_document.uri, quick="names")
    if found is None:
        return None
    analysis, source = found
    at = convert.offset(source.index, params.position)
    refs = navigate.references(analysis, source.path, at, params.context.include_declaration)
    return [lsp.Location(uri=convert.uri_of(r.path),
                         range=convert.range_of(analysis.files[r.path].index, r.span))
            for r in refs if r.path in analysis.files]


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
@guarded()
def document_highlight(ls: MizanServer,
                       params: lsp.DocumentHighlightParams) -> list[lsp.DocumentHighlight] | None:
    found = ls.analysis(params.text_document.uri, quick="names")
    if found is None:
        return None
    analysis, source = found
    at = convert.offset(source.index, params.position)
    # Declarations are "write" highlights, uses "read" ones.
    return [lsp.DocumentHighlight(
                range=convert.range_of(source.index, o.span),
                kind=lsp.DocumentHighlightKind.Write if o.is_definition
                else lsp.DocumentHighlightKind.Read)
            for o in navigate.highlights(analysis, source.path, at)]
