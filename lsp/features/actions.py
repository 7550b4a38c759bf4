"""Code actions: quick fixes for diagnostics (the logic is in mizan_lang.ide.actions)."""

from __future__ import annotations

from lsprotocol import types as lsp

from mizan_lang.ide import actions

from .. import convert
from ..server import MizanServer, guarded, server

QUICKFIX = lsp.CodeActionKind.QuickFix


def _wants_quickfix(only: list[str] | None) -> bool:
    if not only:
        return True
    return any(kind == QUICKFIX or QUICKFIX.startswith(f"{kind}.") for kind in only)


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[QUICKFIX], resolve_provider=False))
@guarded([])
def code_action(ls: MizanServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    if not _wants_quickfix(params.context.only):
        return []
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return []
    analysis, source = found
    start = convert.offset(source.index, params.range.start)
    end = convert.offset(source.index, params.range.end)
    indexes = ls.indexes(analysis)
    sent = params.context.diagnostics or []
    result = []
    for fix in actions.quick_fixes(analysis, source.path, start, end):
        edits: dict[str, list[lsp.TextEdit]] = {}
        for change in fix.changes:
            index = indexes.get(change.path)
            if index is None:
                continue
            edits.setdefault(convert.uri_of(change.path), []).append(lsp.TextEdit(
                range=convert.range_of(index, change.span), new_text=change.new_text))
        if not edits:
            continue
        result.append(lsp.CodeAction(
            title=fix.title,
            kind=QUICKFIX,
            diagnostics=[_as_sent(source.index, d, indexes, sent) for d in fix.diagnostics],
            is_preferred=fix.preferred or None,
            edit=lsp.WorkspaceEdit(changes=edits),
        ))
    return result


def _as_sent(index, diagnostic, indexes, sent: list[lsp.Diagnostic]) -> lsp.Diagnostic:
    """The client's own copy of the diagnostic when it sent one (editors match by value)."""
    converted = convert.diagnostic(index, diagnostic, indexes)
    for candidate in sent:
        if candidate.code == converted.code and candidate.range == converted.range:
            return candidate
    return converted
