"""The language server: document sync, diagnostics, and feature registration.

Handlers stay thin: they convert LSP positions to offsets, ask the core
(`mizan_lang.ide`), and convert back. Every handler is guarded: a failure is
logged to the client and answered with an empty result, never a crash.
Nothing is printed: stdout belongs to the JSON-RPC stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import gc
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, BinaryIO

from lsprotocol import types as lsp
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcMethodNotFound,
    JsonRpcParseError,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from mizan_lang import __version__
from mizan_lang import check as _check_package
from mizan_lang import source as _source
from mizan_lang.ide import session as _session
from mizan_lang.ide.session import Analysis, Session
from mizan_lang.source import LineIndex
from mizan_lang.workspace import SourceFile

from . import convert
from .framing import MAX_MESSAGE_BYTES, FrameReader, raw_reads  # noqa: F401

log = logging.getLogger("mizan.lsp")


class MizanProtocol(LanguageServerProtocol):
    boot: Any = None  # mizan_lang.lsp_boot.Boot while `initialize` is unanswered

    def _send_data(self, data: Any) -> None:
        """The answer to `initialize` is recorded for the next start (`lsp_boot`);
        when the boot path already sent the recorded answer, it is not sent again."""
        boot = self.boot
        if (boot is not None and boot.request_id is not None
                and getattr(data, "id", None) == boot.request_id and hasattr(data, "result")):
            self.boot = None
            if self._record_initialize(boot, data):
                return
        super()._send_data(data)

    def _record_initialize(self, boot: Any, data: Any) -> bool:
        """Record this answer; True when the client already has exactly it."""
        from mizan_lang import lsp_boot

        try:
            result = json.loads(json.dumps(data, default=self._serialize_message))["result"]
        except Exception as err:  # never lose the answer over its record
            log.warning("could not record the answer to initialize: %s", err)
            return False
        if boot.answered is not None and boot.answered == result:
            return True
        if boot.record is not None:
            lsp_boot.write_record(boot.record, result)
        if boot.answered is not None:  # sent already, and it differed: it cannot be undone
            log.warning("the recorded answer to initialize was out of date; recorded anew")
            return True
        return False

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams) -> Any:
        """Hand edits to `did_change` untouched. pygls' own handler splits lines like
        str.splitlines (form feed, U+2028, ... too), so an edit below such a character
        lands on the wrong line, and it clamps the client's positions in place."""
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None


class MizanServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("mizan-lang", __version__,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=MizanProtocol)
        self.session = Session()
        self._publish_pending = False
        self.shutting_down = False
        self._published: set[str] = set()
        # Latency of the last edit -> publish, for the benchmark ($/mizan/stats).
        self.last_change_at: float | None = None
        self.publish_times: list[float] = []
        # Message bodies read from stdin, not handled yet (None: end of input).
        self.inbox: deque[bytes | None] = deque()
        self.analysing = 0  # > 0 while the session may be checking (see `_preempt`)
        self.preempting = False  # answering requests in the middle of a check
        self.main_thread: int | None = None  # its ident, once requests may preempt checks
        # Requests answered without waiting for a check (for tests and the benchmark).
        self.quick_answers = {"provisional": 0, "during_check": 0}
        # What lsp_boot answered before this module was imported (for tests).
        self.early: dict[str, Any] = {"initialize": False, "published": []}

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Protocol-level trouble (a client mistake, e.g. a change to a document it
        never opened) goes to the log, not to a pop-up; requests answer it themselves."""
        if getattr(source, "__name__", "") == "FeatureRequestError":
            return
        log.warning("ignored a message: %s", error)
        try:
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Warning, message=f"mizan: ignored a message: {error}"))
        except Exception:  # the client may be gone
            pass

    # --- helpers for features ---------------------------------------------------
    def log_error(self, where: str, err: BaseException) -> None:
        detail = "".join(traceback.format_exception(err)).rstrip()
        log.error("%s failed: %s", where, detail)
        try:
            self.window_log_message(lsp.LogMessageParams(
                type=lsp.MessageType.Error, message=f"mizan: {where} failed: {detail}"))
        except Exception:  # the client may be gone; nothing else to do
            pass

    def analysis(self, uri: str, quick: str | None = None) -> tuple[Analysis, SourceFile] | None:
        """The analysis holding this document, and its SourceFile (None if unknown).

        `quick` ("names" or "facts") lets a request be answered at once while the
        check of the latest edit is still due or running: from the fresh parse of
        the edited documents and the last finished check (`Session.provisional_for`).
        "names" needs declarations, symbol tables and the name index to be exact;
        "facts" also the checker's derived facts (scopings, effective auth).
        """
        path = convert.path_of(uri)
        analysis = None
        if quick is not None:
            analysis = self.session.provisional_for(path, exact=quick == "facts")
        if analysis is not None and analysis.provisional:
            self.quick_answers["provisional"] += 1
            if self.preempting:
                self.quick_answers["during_check"] += 1
        if analysis is None:
            if self.preempting:  # never start a check inside the one we interrupted
                raise RuntimeError("no provisional analysis during a check")
            with self.checking():
                analysis = self.session.analysis_for(path)
        source = analysis.files.get(path)
        if source is None:
            return None
        return analysis, source

    @contextlib.contextmanager
    def checking(self) -> Iterator[None]:
        """Mark a call that may check a unit: requests arriving meanwhile may preempt it."""
        self.analysing += 1
        try:
            yield
        finally:
            self.analysing -= 1

    def indexes(self, analysis: Analysis) -> dict[str, LineIndex]:
        return {path: source.index for path, source in analysis.files.items()}

    # --- diagnostics ----------------------------------------------------------------
    def schedule_diagnostics(self) -> None:
        """Publish soon, once: edits arriving meanwhile are folded into one check."""
        if self._publish_pending:
            return
        self._publish_pending = True
        self._schedule(self._publish_now)

    def _publish_now(self) -> None:
        self._publish_pending = False
        if self.shutting_down:  # the client asked us to stop: publish nothing more
            return
        log.debug("publishing diagnostics")
        try:
            with self.checking():
                analyses = self.session.dirty_analyses()
            for analysis in analyses:
                self._publish(analysis)
            self._clear_gone()
        except Exception as err:  # keep serving whatever happened
            self.log_error("diagnostics", err)
        if self.session.cold():
            self._schedule(self._warm)

    def _schedule(self, call: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            call()
            return
        loop.call_soon(call)

    def _warm(self) -> None:
        """Once the first diagnostics are out (and the inbox is empty: `_serve` yields
        only then), build the incremental state of documents read whole so far."""
        if self.shutting_down or self._publish_pending:
            return  # diagnostics first; they schedule this again
        if self.inbox:  # messages first (an edit makes the state itself)
            self._schedule(self._warm)
            return
        try:
            with self.checking():
                self.session.warm()
        except Exception as err:  # keep serving whatever happened
            self.log_error("incremental state", err)

    def _clear_gone(self) -> None:
        """Files no analysis holds any more (closed unsaved, deleted, folder removed)
        must not keep their last diagnostics in the editor."""
        for path in sorted(self._published):
            if not self.session.holds(path):
                self._published.discard(path)
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                    uri=convert.uri_of(path), diagnostics=[]))

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
        def run(ls: MizanServer, *params: Any) -> Any:  # commands take any number
            try:
                return handler(ls, *params)
            except JsonRpcException:
                raise  # a deliberate answer (e.g. a refused rename): the client should see it
            except Exception as err:
                ls.log_error(handler.__name__, err)
                return default

        return run

    return wrap


# --- lifecycle and document sync ------------------------------------------------------
@server.feature(lsp.INITIALIZED)
@guarded()
def initialized(ls: MizanServer, params: lsp.InitializedParams) -> None:
    convert.set_encoding(ls.workspace.position_encoding)
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


@server.feature(lsp.SHUTDOWN)
@guarded()
def shutdown(ls: MizanServer, params: object) -> None:
    ls.shutting_down = True


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
    path = convert.path_of(uri)
    ls.last_change_at = time.perf_counter()
    opened = ls.session.documents.get(path)
    if opened is None:  # a client mistake: nothing to apply the edits to
        log.warning("ignored a change to %s, which is not open", uri)
        return
    text, lines, edit = apply_changes(opened.text, params.content_changes, opened.lines)
    document = ls.workspace.get_text_document(uri)
    document._source = text  # pygls' copy (formatting reads it) stays the same
    document.version = params.text_document.version
    ls.session.change(path, text, params.text_document.version, lines, edit)
    ls.schedule_diagnostics()


_LSP_NEWLINE = re.compile(r"\r\n|\r|\n")  # the only line ends LSP knows


def _lsp_offset(text: str, pos: lsp.Position, lines: LineIndex) -> int:
    """The offset of an LSP position; past the end of a line or the text, clamped.
    `lines` indexes `text` (its line ends are LSP's)."""
    if pos.line >= lines.line_count:
        return len(text)
    start = lines.line_start(max(pos.line, 0))
    end = _LSP_NEWLINE.search(text, start)
    line = text[start:end.start() if end else len(text)]
    encoding = convert.ENCODING["value"]
    units = 0
    for at, char in enumerate(line):
        if units >= pos.character:
            return start + at
        code = ord(char)
        if encoding == "utf-8":
            units += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
        else:
            units += 2 if encoding == "utf-16" and code > 0xFFFF else 1
    return start + len(line)


def apply_changes(text: str, changes: Any, lines: LineIndex | None = None
                  ) -> tuple[str, LineIndex, tuple[int, int] | None]:
    """Apply didChange content changes the way the client did (LSP lines and units);
    the new text, its line index (`lines`, the old text's, is updated, not rebuilt)
    and, for a single change, the range [start, end) of the old text it replaced."""
    if lines is None or lines.text is not text:
        lines = LineIndex(text)
    edit = None
    for change in changes:
        if not isinstance(change, lsp.TextDocumentContentChangePartial):
            text = change.text
            lines = LineIndex(text)
            continue
        start = _lsp_offset(text, change.range.start, lines)
        end = max(start, _lsp_offset(text, change.range.end, lines))
        new = text[:start] + change.text + text[end:]
        lines = lines.edited(start, end, change.text, new)
        text = new
        edit = (start, end)
    return text, lines, edit if len(changes) == 1 else None


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
        # Unresolved: a link's event names the link (the session resolves it).
        kinds.setdefault(change.type, []).append(convert.fs_path_of(change.uri))
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


@server.command("mizan.bootStats")
@guarded()
def boot_stats(ls: MizanServer, *args: Any) -> dict[str, Any]:
    """What was answered before the server was imported: `initialize` (from its
    record) and recorded diagnostics (used by tests/lsp/test_boot.py)."""
    return {"early": ls.early}


@server.command("mizan.quickStats")
@guarded()
def quick_stats(ls: MizanServer, *args: Any) -> dict[str, int]:
    """Requests answered without waiting for a check: from a provisional analysis, and
    of those, while a check was running (used by tests/lsp/test_responsiveness.py)."""
    return dict(ls.quick_answers)


def _register_features() -> None:
    # Each feature module registers its handlers on import.
    from .features import ALL  # noqa: F401


# --- stdio transport ----------------------------------------------------------------
# Framing (FrameReader) lives in framing.py, which the boot path reads with too.
def _send_error(ls: MizanServer, msg_id: Any, error: JsonRpcException) -> None:
    if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
        msg_id = None  # written as `"id": null`, which JSON-RPC requires (pygls drops it)
    ls.protocol._send_data({"jsonrpc": "2.0", "id": msg_id,
                            "error": {"code": error.code, "message": error.message}})


def _reject(ls: MizanServer, body: bytes) -> None:
    """A message pygls could not read: answer it if it is a request."""
    try:
        raw = json.loads(body)
    except ValueError:
        raw = None
    if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
        log.warning("not a JSON-RPC 2.0 message: %.200r", body)
        _send_error(ls, raw.get("id") if isinstance(raw, dict) else None,
                    JsonRpcInvalidRequest())
        return
    method = raw.get("method")
    log.warning("unreadable message %.200r", body)
    if "id" not in raw or not isinstance(method, str):
        return  # a notification or a stray response: nobody waits for an answer
    features = ls.protocol.fm
    if method in features.builtin_features or method in features.features:
        _send_error(ls, raw["id"], JsonRpcInvalidParams(f"Invalid Params for {method}"))
    else:
        _send_error(ls, raw["id"], JsonRpcMethodNotFound.of(method))


def _receive(ls: MizanServer, body: bytes) -> None:
    protocol = ls.protocol
    try:
        message = json.loads(body, object_hook=protocol.structure_message)
    except ValueError:
        log.warning("body is not JSON: %.200r", body)
        _send_error(ls, None, JsonRpcParseError())
        return
    except Exception:  # valid JSON that pygls cannot structure (missing or wrong params)
        _reject(ls, body)
        return
    if getattr(message, "jsonrpc", None) != JsonRPCProtocol.VERSION:
        _reject(ls, body)
        return
    method = getattr(message, "method", None)
    if protocol._shutdown and method is not None and method != lsp.EXIT:
        if getattr(message, "id", None) is not None:
            _send_error(ls, message.id, JsonRpcInvalidRequest("the server is shutting down"))
        return
    protocol.handle_message(message)


_raw_reads = raw_reads


def _arrived(ls: MizanServer, loop: asyncio.AbstractEventLoop, wake: Callable[[], None],
             body: bytes | None) -> bool:
    """A message read (None: the end of input): into the inbox, interrupting a check
    if it runs (`_preempt`). False once the loop is gone (the server is exiting)."""
    ls.inbox.append(body)
    if ls.analysing and ls.main_thread is not None:
        try:
            signal.pthread_kill(ls.main_thread, signal.SIGUSR1)
        except (OSError, ValueError):  # the main thread is gone: the server is exiting
            pass
    try:
        loop.call_soon_threadsafe(wake)
    except RuntimeError:  # the loop is gone: the server is exiting
        return False
    return True


def _read_ahead(frames: FrameReader, loop: asyncio.AbstractEventLoop, ls: MizanServer,
                wake: Callable[[], None]) -> None:
    """Read frames as they come (a thread), so that messages pile up while a check runs;
    a request that arrives during a check interrupts it (`_preempt`)."""
    body: bytes | None = b""
    while body is not None:
        try:
            body = frames.next_body()
        except Exception as err:  # an unreadable stdin ends the session like EOF
            log.warning("stdin failed: %s", err)
            body = None
        if not _arrived(ls, loop, wake, body):
            return


# --- requests during a check -------------------------------------------------------------
# A check of a big workspace is one long synchronous call. A request arriving
# meanwhile (hover, completion, ...) need not wait for it: the reader thread
# signals the main thread, whose handler runs between two bytecodes of the
# check and answers the requests at the head of the inbox from a provisional
# analysis (the last finished check plus the fresh parse of the edited
# documents; `Session.provisional_for`), then lets the check go on. Only
# requests that read are answered there; an edit, or a request that needs the
# check's result, waits (and so does everything after it: order is kept).
# The handler reads only what the running check does not write: the last
# finished analysis, the open documents and the index cache.

# Requests answerable from a provisional analysis, and how exact it must be.
QUICK = {
    lsp.TEXT_DOCUMENT_COMPLETION: "names",
    lsp.TEXT_DOCUMENT_DEFINITION: "names",
    lsp.TEXT_DOCUMENT_REFERENCES: "names",
    lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT: "names",
    lsp.TEXT_DOCUMENT_HOVER: "facts",
}
RETRY_SECONDS = 0.001  # the check is not interruptible yet (loading files): try again soon
_CHECK_DIR = os.path.dirname(_check_package.__file__) + os.sep
# While these run, spans of an open document are half made: no request may look.
_UNSAFE_CODES = frozenset({getattr(_source.anchored, "__wrapped__", _source.anchored).__code__,
                           _session.source_from_document.__code__})
_REFRESH_CODE = _session.Session._refresh.__code__


def _quick_request(body: bytes) -> tuple[str, str] | None:
    """(path, exactness) of a request `QUICK` lists; None for anything else."""
    try:
        raw = json.loads(body)
        if not isinstance(raw, dict) or "id" not in raw or raw.get("method") not in QUICK:
            return None
        uri = raw["params"]["textDocument"]["uri"]
        return convert.path_of(uri), QUICK[raw["method"]]
    except Exception:  # anything odd is left to the usual path, which answers it
        return None


def _interruptible(frame: FrameType | None) -> bool:
    """Whether the main thread stands inside a unit's analysis (loading its files or
    checking them) but not where spans are being anchored (lowering an open document)."""
    inside = False
    while frame is not None:
        code = frame.f_code
        if code in _UNSAFE_CODES:
            return False
        if code is _REFRESH_CODE or code.co_filename.startswith(_CHECK_DIR):
            inside = True
        frame = frame.f_back
    return inside and _source._current[0] is None


def _preempt(ls: MizanServer, signum: int, frame: FrameType | None) -> None:
    if not ls.analysing or ls.preempting or not ls.inbox:
        return
    head = ls.inbox[0]
    quick = _quick_request(head) if head is not None else None
    if quick is None:
        return
    if not _interruptible(frame):
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    ls.preempting = True
    try:
        while ls.inbox:
            head = ls.inbox[0]
            quick = _quick_request(head) if head is not None else None
            if quick is None or ls.session.provisional_for(
                    quick[0], exact=quick[1] == "facts") is None:
                break
            ls.inbox.popleft()
            # pygls keeps the current request id in a context variable: not the
            # interrupted handler's.
            contextvars.copy_context().run(_receive, ls, head)
    except (BrokenPipeError, SystemExit):
        raise
    except Exception as err:  # whatever happens, the check goes on
        ls.log_error("request during a check", err)
    finally:
        ls.preempting = False


def _allow_preemption(ls: MizanServer) -> None:
    """Let requests interrupt checks (only possible on the main thread, and where
    the platform has the signals: not on Windows, where requests wait instead)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if not all(hasattr(signal, name) for name in ("SIGUSR1", "SIGALRM", "pthread_kill",
                                                   "setitimer")):
        return
    handler = functools.partial(_preempt, ls)
    signal.signal(signal.SIGUSR1, handler)
    signal.signal(signal.SIGALRM, handler)
    ls.main_thread = threading.main_thread().ident


async def _serve(ls: MizanServer, stdin: BinaryIO, boot: Any = None) -> None:
    loop = asyncio.get_running_loop()
    arrived = asyncio.Event()
    _allow_preemption(ls)
    if boot is not None:  # lsp_boot's thread reads already: take its messages over
        ls.inbox.append(boot.first)
        ls._published.update(boot.published)
        ls.inbox.extend(boot.take_over(functools.partial(_arrived, ls, loop, arrived.set)))
        ls._published.update(boot.published)
        ls.early = {"initialize": boot.answered is not None, "published": sorted(boot.published)}
    else:
        frames = FrameReader(_raw_reads(stdin))
        threading.Thread(target=_read_ahead, args=(frames, loop, ls, arrived.set),
                         name="mizan-stdin", daemon=True).start()
    inbox = ls.inbox
    while not ls._stop_event.is_set():
        # Wait (and so yield to the scheduled diagnostics) only once the inbox is
        # empty: edits that arrived during a check are all applied before the
        # next one starts.
        if not inbox:
            arrived.clear()
            if not inbox:
                await arrived.wait()
            continue
        body = inbox.popleft()
        if body is None:  # the client closed our stdin: leave quietly
            break
        try:
            _receive(ls, body)
        except (BrokenPipeError, SystemExit):
            raise
        except Exception as err:  # whatever a message does, keep reading
            ls.log_error("message", err)


def serve_stdio(ls: MizanServer, stdin: BinaryIO | None = None,
                stdout: BinaryIO | None = None, boot: Any = None) -> int:
    """Serve LSP over stdio until the client says exit or goes away; the exit code.

    `boot` (mizan_lang.lsp_boot.Boot): the first message was read (and maybe
    answered) before this module was imported; handle it first, then read on."""
    from pygls.io_ import StdoutWriter

    if boot is not None:
        ls.protocol.boot = boot

    ls._stop_event = threading.Event()
    sys.setswitchinterval(0.001)  # the stdin thread gets its turn quickly during a check
    ls.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    code = 0
    try:
        asyncio.run(_serve(ls, stdin or sys.stdin.buffer, boot))
    except SystemExit as done:  # `exit`: 0 after `shutdown`, 1 without
        code = done.code if isinstance(done.code, int) else 0
    except BrokenPipeError:
        log.info("the client closed the connection")
    except KeyboardInterrupt:
        pass
    finally:
        ls.shutdown()
    return code


def _profiled(run: Callable[[], int]) -> int:
    """Run under cProfile when MIZAN_LSP_PROFILE names a file (used by bench/lsp.py)."""
    target = os.environ.get("MIZAN_LSP_PROFILE")
    if not target:
        return run()
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(run)
    finally:
        profiler.dump_stats(target)


def main(boot: Any = None) -> None:
    gc.enable()  # `mizan-lang` turns the collector off for one-shot commands
    level = os.environ.get("MIZAN_LSP_LOG", "warning").upper()
    logging.basicConfig(level=getattr(logging, level, logging.WARNING))  # stderr, never stdout
    _register_features()
    code = _profiled(lambda: serve_stdio(server, boot=boot))
    if code:
        sys.exit(code)
