"""textDocument/prepareRename and textDocument/rename.

A refusal is answered with a RequestFailed error carrying the reason, which
editors show to the user. The work runs inside `guarded` (a failure there is
logged and answered with nothing); only the deliberate refusal is raised,
outside it, because `guarded` would swallow it.
"""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from mizan_lang.ide import rename as core
from mizan_lang.ide.session import Analysis

from .. import convert
from ..server import MizanServer, guarded, server


def _refused(outcome: object) -> object:
    if isinstance(outcome, core.Refusal):
        raise JsonRpcException(message=outcome.message, code=lsp.LSPErrorCodes.RequestFailed)
    return outcome


@guarded()
def _prepare(ls: MizanServer, params: lsp.PrepareRenameParams) -> object:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return None
    analysis, source = found
    target = core.prepare(analysis, source.path, convert.offset(source.index, params.position))
    if not isinstance(target, core.Target):
        return target
    return lsp.PrepareRenamePlaceholder(range=convert.range_of(source.index, target.span),
                                        placeholder=target.name)


@server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: MizanServer,
                   params: lsp.PrepareRenameParams) -> lsp.PrepareRenamePlaceholder | None:
    return _refused(_prepare(ls, params))  # type: ignore[return-value]


def _document_changes(ls: MizanServer) -> bool:
    caps = ls.client_capabilities.workspace
    edit = caps.workspace_edit if caps is not None else None
    return bool(edit is not None and edit.document_changes)


def _workspace_edit(ls: MizanServer, analysis: Analysis, plan: core.RenamePlan) -> lsp.WorkspaceEdit:
    by_uri: dict[str, list[lsp.TextEdit]] = {}
    versions: dict[str, int | None] = {}
    for path, spans in plan.edits.items():
        index = analysis.files[path].index
        uri = convert.uri_of(path)
        by_uri[uri] = [lsp.TextEdit(range=convert.range_of(index, span), new_text=plan.new)
                       for span in spans]
        versions[uri] = analysis.versions.get(path)  # None: a file on disk, not open
    if not _document_changes(ls):
        return lsp.WorkspaceEdit(changes=by_uri)
    return lsp.WorkspaceEdit(document_changes=[
        lsp.TextDocumentEdit(
            text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri,
                                                                      version=versions[uri]),
            edits=edits)
        for uri, edits in by_uri.items()])


@guarded()
def _rename(ls: MizanServer, params: lsp.RenameParams) -> object:
    found = ls.analysis(params.text_document.uri)
    if found is None:
        return None
    analysis, source = found
    at = convert.offset(source.index, params.position)
    plan = core.plan(analysis, source.path, at, params.new_name)
    if not isinstance(plan, core.RenamePlan):
        return plan
    for note in plan.notes:  # the rename is fine, but changes what the spec means
        ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning,
                                                     message=f"mizan: {note}"))
    return _workspace_edit(ls, analysis, plan)


@server.feature(lsp.TEXT_DOCUMENT_RENAME)  # pygls announces prepareProvider itself
def rename(ls: MizanServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    return _refused(_rename(ls, params))  # type: ignore[return-value]
