"""Completion: node names, properties, values, import paths and snippets."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide import complete
from mizan_lang.source import LineIndex

from .. import convert
from ..server import MizanServer, guarded, server

TRIGGERS = ["=", " ", "<", ",", '"', ":"]

KINDS = {
    "keyword": lsp.CompletionItemKind.Keyword,
    "property": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.Value,
    "context": lsp.CompletionItemKind.Module,
    "function": lsp.CompletionItemKind.Function,
    "type": lsp.CompletionItemKind.Struct,
    "enum": lsp.CompletionItemKind.Enum,
    "shape": lsp.CompletionItemKind.Interface,
    "model": lsp.CompletionItemKind.Class,
    "guard": lsp.CompletionItemKind.Constant,
    "param": lsp.CompletionItemKind.Variable,
    "key": lsp.CompletionItemKind.Field,
    "member": lsp.CompletionItemKind.EnumMember,
    "primitive": lsp.CompletionItemKind.TypeParameter,
    "file": lsp.CompletionItemKind.File,
    "snippet": lsp.CompletionItemKind.Snippet,
}


def _item_capabilities(ls: MizanServer) -> lsp.ClientCompletionItemOptions | None:
    text = ls.client_capabilities.text_document
    completion = text.completion if text is not None else None
    return completion.completion_item if completion is not None else None


def _documentation(doc: str, markdown: bool) -> lsp.MarkupContent | str | None:
    if not doc:
        return None
    return lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=doc) if markdown else doc


def _item(index: LineIndex, item: complete.Item, markdown: bool) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        label=item.label,
        kind=KINDS.get(item.kind, lsp.CompletionItemKind.Text),
        detail=item.detail or None,
        documentation=_documentation(item.doc, markdown),
        sort_text=item.sort,
        filter_text=item.filter,
        insert_text_format=lsp.InsertTextFormat.Snippet if item.snippet
        else lsp.InsertTextFormat.PlainText,
        text_edit=lsp.TextEdit(range=convert.range_of(index, item.span), new_text=item.insert),
    )


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                lsp.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=False))
@guarded()
def completion(ls: MizanServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    found = ls.analysis(params.text_document.uri, quick="names")
    if found is None:
        return None
    analysis, source = found
    at = convert.offset(source.index, params.position)
    caps = _item_capabilities(ls)
    snippets = bool(caps is not None and caps.snippet_support)
    # Markdown only for clients that say they render it; plain text reads fine too.
    markdown = bool(caps is not None and lsp.MarkupKind.Markdown in (caps.documentation_format
                                                                      or ()))
    got = complete.complete(analysis, source, at, snippets=snippets)
    return lsp.CompletionList(is_incomplete=got.incomplete,
                              items=[_item(source.index, item, markdown) for item in got.items])
