"""Document outline (textDocument/documentSymbol) and workspace/symbol search."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide import symbols
from mizan_lang.ide.symbols import OutlineItem
from mizan_lang.source import LineIndex

from .. import convert
from ..server import MizanServer, guarded, server

K = lsp.SymbolKind
KINDS = {
    "import": K.File, "auth": K.Namespace, "jwt": K.Property, "guard": K.Constant,
    "default": K.Property, "enum": K.Enum, "member": K.EnumMember, "type": K.Struct,
    "field": K.Field, "context": K.Namespace, "key": K.Key, "cache": K.Property,
    "render": K.Property, "function": K.Function, "context-query": K.Method,
    "param": K.Variable, "model": K.Class, "column": K.Field, "relation": K.Field,
    "shape": K.Interface, "shape-field": K.Field, "form": K.Object, "form-field": K.Field,
}


def _document_symbol(index: LineIndex, item: OutlineItem) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=item.name, kind=KINDS.get(item.kind, K.Variable), detail=item.detail or None,
        range=convert.range_of(index, item.span),
        selection_range=convert.range_of(index, item.selection),
        children=[_document_symbol(index, child) for child in item.children] or None)


def _flat(uri: str, index: LineIndex, items: list[OutlineItem],
          container: str | None = None) -> list[lsp.SymbolInformation]:
    """For clients without hierarchical outlines: parents first, then their parts."""
    found = []
    for item in items:
        found.append(lsp.SymbolInformation(
            name=item.name, kind=KINDS.get(item.kind, K.Variable), container_name=container,
            location=lsp.Location(uri=uri, range=convert.range_of(index, item.span))))
        found.extend(_flat(uri, index, item.children, item.name))
    return found


def _hierarchical(ls: MizanServer) -> bool:
    text = ls.client_capabilities.text_document
    caps = text.document_symbol if text is not None else None
    return bool(caps is not None and caps.hierarchical_document_symbol_support)


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@guarded()
def document_symbol(
    ls: MizanServer, params: lsp.DocumentSymbolParams
) -> list[lsp.DocumentSymbol] | list[lsp.SymbolInformation] | None:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return None
    analysis, source = found
    items = symbols.file_outline(analysis, source.path)
    if _hierarchical(ls):
        return [_document_symbol(source.index, item) for item in items]
    return _flat(params.text_document.uri, source.index, items)


@server.feature(lsp.WORKSPACE_SYMBOL)
@guarded()
def workspace_symbol(ls: MizanServer,
                     params: lsp.WorkspaceSymbolParams) -> list[lsp.SymbolInformation] | None:
    analyses = symbols.workspace_analyses(ls.session)
    files = {path: source for analysis in analyses for path, source in analysis.files.items()}
    found = []
    for symbol in symbols.search(analyses, params.query):
        source = files.get(symbol.path)
        if source is None:
            continue
        found.append(lsp.SymbolInformation(
            name=symbol.name, kind=KINDS.get(symbol.kind, K.Variable),
            container_name=symbol.container,
            location=lsp.Location(uri=convert.uri_of(symbol.path),
                                  range=convert.range_of(source.index, symbol.selection))))
    return found
