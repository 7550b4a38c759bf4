"""The language server: document sync, diagnostics, and feature registration.

Handlers stay thin: they convert LSP positions to offsets, ask the core
(`mizan_lang.ide`), and convert back. Every handler is guarded: a failure is
logged to the client and answered with an empty result, never a crash.
Nothing is printed: stdout belongs to the JSON-RPC stream.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
import traceback
from collections.abc import Callable
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from mizan_lang import __version__
from mizan_lang.ide.session import Analysis, Session
from mizan_lang.source import LineIndex
from mizan_lang.workspace import SourceFile

from . import convert

log = logging.getLogger("mizan.lsp")


class MizanServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("mizan-lang", __version__,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.session = Session()
        self._publish_pending = False
        self._published: set[str] = set()
        # Latency of the last edit -> publish, for the benchmark ($/mizan/stats).
        self.last_change_at: float | None = None
        self.publish_times: list[float] = []

    # --- helpers for features ---------------------------------------------------
    def log_error(self, where: str, err: BaseException) -> None:
        detail = "".join(traceback.format_exception(err)).rstrip()
        log.error("%s failed: %s", where, detail)
        try:
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Error, message=f"mizan: {where} failed: {detail}"))
        except Exception:  # the client may be gone; nothing else to do
            pass

    def analysis(self, uri: str) -> tuple[Analysis, SourceFile] | None:
        """The analysis holding this document, and its SourceFile (None if unknown)."""
        path = convert.path_of(uri)
        analysis = self.session.analysis_for(path)
        source = analysis.files.get(path)
        if source is None:
            return None
        return analysis, source

    def indexes(self, analysis: Analysis) -> dict[str, LineIndex]:
        return {path: source.index for path, source in analysis.files.items()}

    # --- diagnostics ----------------------------------------------------------------
    def schedule_diagnostics(self) -> None:
        """Publish soon, once: edits arriving meanwhile are folded into one check."""
        if self._publish_pending:
            return
        self._publish_pending = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._publish_now()
            return
        loop.call_soon(self._publish_now)

    def _publish_now(self) -> None:
        self._publish_pending = False
        log.debug("publishing diagnostics")
        try:
            for analysis in self.session.dirty_analyses():
                self._publish(analysis)
        except Exception as err:  # keep serving whatever happened
            self.log_error("diagnostics", err)

    def _publish(self, analysis: Analysis) -> None:
        indexes = self.indexes(analysis)
        for path, diags in sorted(analysis.diagnostics_by_file().items()):
            index = indexes.get(path)
            if index is None:
                continue
            items = [convert.diagnostic(index, d, indexes) for d in diags]
            # Open documents always hear back (with their version); other files
            # only when they have, or just lost, diagnostics.
            if not items and path not in self._published and path not in analysis.versions:
                continue
            self._published.add(path)
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=convert.uri_of(path), diagnostics=items, version=analysis.versions.get(path)))
        if self.last_change_at is not None:
            self.publish_times.append(time.perf_counter() - self.last_change_at)
            self.last_change_at = None


server = MizanServer()


def guarded(default: Any = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a handler: log any failure to the client and answer `default`."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def run(ls: MizanServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception as err:
                ls.log_error(handler.__name__, err)
                return default

        return run

    return wrap


# --- lifecycle and document sync ------------------------------------------------------
@server.feature(lsp.INITIALIZED)
@guarded()
def initialized(ls: MizanServer, params: lsp.InitializedParams) -> None:
    folders = [convert.path_of(folder.uri) for folder in ls.workspace.folders.values()]
    if not folders and ls.workspace.root_uri:
        folders = [convert.path_of(ls.workspace.root_uri)]
    ls.session.set_folders(folders)
    # Watch .mizan files so changes made outside the editor are seen.
    caps = ls.client_capabilities.workspace
    watch = caps.did_change_watched_files if caps is not None else None
    if watch is None or not watch.dynamic_registration:
        ls.schedule_diagnostics()
        return
    try:
        ls.client_register_capability(lsp.RegistrationParams(registrations=[lsp.Registration(
            id="mizan-watch", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                watchers=[lsp.FileSystemWatcher(glob_pattern="**/*.mizan")]))]))
    except Exception as err:  # optional: clients without dynamic registration
        log.info("could not register file watching: %s", err)
    ls.schedule_diagnostics()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
@guarded()
def folders_changed(ls: MizanServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
    ls.session.set_folders([convert.path_of(f.uri) for f in ls.workspace.folders.values()])
    ls.schedule_diagnostics()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: MizanServer, params: lsp.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.session.open(convert.path_of(doc.uri), doc.text, doc.version)
    ls.schedule_diagnostics()


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: MizanServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source  # pygls applied the edits
    ls.last_change_at = time.perf_counter()
    ls.session.change(convert.path_of(uri), text, params.text_document.version)
    ls.schedule_diagnostics()


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
@guarded()
def did_save(ls: MizanServer, params: lsp.DidSaveTextDocumentParams) -> None:
    path = convert.path_of(params.text_document.uri)
    ls.session.files_changed([], [path], [])
    ls.schedule_diagnostics()


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: MizanServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.session.close(convert.path_of(params.text_document.uri))
    ls.schedule_diagnostics()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded()
def watched_files(ls: MizanServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    kinds = {lsp.FileChangeType.Created: [], lsp.FileChangeType.Changed: [],
             lsp.FileChangeType.Deleted: []}
    for change in params.changes:
        kinds.setdefault(change.type, []).append(convert.path_of(change.uri))
    ls.session.files_changed(kinds[lsp.FileChangeType.Created],
                             kinds[lsp.FileChangeType.Changed],
                             kinds[lsp.FileChangeType.Deleted])
    ls.schedule_diagnostics()


@server.command("mizan.stats")
@guarded()
def stats(ls: MizanServer, *args: Any) -> dict[str, Any]:
    """Edit -> publish latencies seen so far (used by bench/lsp.py)."""
    times = sorted(ls.publish_times)
    return {"publishes": len(times), "latencies_ms": [round(t * 1000, 3) for t in times]}


def _register_features() -> None:
    # Each feature module registers its handlers on import.
    from .features import ALL  # noqa: F401


def main() -> None:
    level = os.environ.get("MIZAN_LSP_LOG", "warning").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING))  # stderr, never stdout
    _register_features()
    server.start_io()
