"""Hover: Markdown about the name under the cursor."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide import hover as core

from .. import convert
from ..server import MizanServer, guarded, server


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
@guarded()
def hover(ls: MizanServer, params: lsp.HoverParams) -> lsp.Hover | None:
    found = ls.analysis(params.text_document.uri, quick="facts")
    if found is None:
        return None
    analysis, source = found
    at = convert.offset(source.index, params.position)
    info = core.hover(analysis, source, at)
    if info is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=_format(ls), value=info.markdown),
                     range=convert.range_of(source.index, info.span))


def _format(ls: MizanServer) -> lsp.MarkupKind:
    """Markdown when the client renders it; else the same text as plain text."""
    text = ls.client_capabilities.text_document
    caps = text.hover if text is not None else None
    formats = caps.content_format if caps is not None else None
    if formats and lsp.MarkupKind.Markdown not in formats:
        return lsp.MarkupKind.PlainText
    return lsp.MarkupKind.Markdown
