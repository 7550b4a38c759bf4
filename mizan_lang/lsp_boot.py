"""`mizan-lang lsp`, started: answer `initialize` before the server is imported.

Importing the language server (pygls, lsprotocol's ~1,000 classes, the checker)
takes 0.4-1.5 s, while editors wait for the answer to `initialize` before they
send anything else. The answer depends only on the client's capabilities and
on the server's code, so the server records each answer it gives (in the cache
folder, keyed by both); on a later start this module reads the first message
itself and, when a recorded answer fits, writes it at once. Then it imports
the server and hands it the message and the reader: the server processes
`initialize` as usual (workspace folders, position encoding), compares its
own answer with the recorded one (and records it again if they differ) and
does not send it twice. Without a fitting record (a first start) the answer
shipped with this version (`lsp_answer`) is sent the same way, when it covers
the client's capabilities; else the server answers after its import.

Diagnostics of the first document opened are published here too, before the
server is imported: recorded ones (the result cache), or on a first start, a
check of the saved files as `mizan-lang check` runs it (then stored).

`MIZAN_LSP_EARLY=off` turns the early answer off (records are still written).
"""

from __future__ import annotations

import os
import sys
import time

from . import lean_json, result_cache

# Until `initialize` is answered the start-up imports as little as it can: the
# framing, the record's key and JSON without `json` (`lean_json`); threading,
# json, re, typing and the rest come after.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .diagnostics import Diagnostic
    from .source import LineIndex


class Boot:
    """What the server needs to know about the `initialize` this module read."""

    __slots__ = ("answered", "busy", "checked", "early", "first", "frames", "heard", "lock",
                 "opened", "opening", "params", "pending", "published", "record",
                 "request_id", "settled", "shipped", "sink")

    def __init__(self, first: bytes | None, frames: Any = None, request_id: Any = None,
                 record: str | None = None, answered: dict[str, Any] | None = None,
                 params: dict[str, Any] | None = None) -> None:
        import threading

        self.first = first  # the first message's body (None: the stream ended)
        self.frames = frames  # the FrameReader that read it (the server reads on with it)
        self.request_id = request_id  # the id of `initialize` (None: the first message was not one)
        self.record = record  # where its answer is recorded
        self.answered = answered  # the result already sent, if any
        self.params = {} if params is None else params  # of `initialize`
        self.shipped = False  # the answer sent was the shipped one: no record, a first start
        # Messages read before the server took over (`take_over`), and where later
        # ones go once it has.
        self.pending: list[bytes | None] = []
        self.sink: Callable[[bytes | None], None] | None = None
        self.lock = threading.Lock()
        self.early = True  # still publishing recorded diagnostics on didOpen
        self.opened: dict[str, str] = {}  # path -> text, opened early
        self.published: set[str] = set()  # paths given recorded diagnostics
        # Set when the first didOpen is being answered early, and once that is done (or
        # nothing more will be answered early): `main` imports the server only then.
        self.opening = threading.Event()
        self.settled = threading.Event()
        self.checked = False  # a check was run here (one per start at most)
        # When bytes last came from the client (`start` shares its reader's list), and
        # whether a message is being handled: while either says the client is
        # talking, `main` waits on for the didOpen.
        self.heard = [time.monotonic()]
        self.busy = False

    def take_over(self, sink: Callable[[bytes | None], None]) -> list[bytes | None]:
        """The server's reader from now on: the messages read so far, in order."""
        with self.lock:
            self.sink = sink
            self.early = False
            pending, self.pending = self.pending, []
        return pending


def _library_stamp() -> str:
    """Size and mtime of the pygls/lsprotocol modules the answer comes from."""
    parts = []
    for name in ("pygls", "lsprotocol"):
        folder = _package_folder(name)
        for module in ("__init__.py", "capabilities.py", "types.py"):
            try:
                info = os.stat(os.path.join(folder, module))
            except OSError:
                continue
            parts.append(f"{name}/{module}:{info.st_size}:{info.st_mtime_ns}")
    return ";".join(parts)


def _package_folder(name: str) -> str:
    """Where `import name` finds the package: the first folder on sys.path that
    holds it as a regular package (as the path finder looks), else importlib's
    answer (zip files, other finders; importing importlib.util costs ~5 ms)."""
    for entry in sys.path:
        folder = os.path.join(entry or os.getcwd(), name)
        if os.path.isfile(os.path.join(folder, "__init__.py")):
            return folder
    from importlib.util import find_spec

    spec = find_spec(name)
    origin = spec.origin if spec is not None else None
    return os.path.dirname(origin) if origin else ""


def record_path(capabilities: Any) -> str:
    """The record of the answer to `initialize` for these client capabilities."""
    text = lean_json.dumps([result_cache.tool_fingerprint(), _library_stamp(), sys.version,
                            capabilities], sort_keys=True)
    key = result_cache.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()
    return os.path.join(os.path.dirname(result_cache.cache_dir()), "lsp-initialize", key + ".json")


def read_record(path: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as handle:
            raw = lean_json.loads(handle.read())
    except (OSError, ValueError):
        return None
    result = raw.get("result") if isinstance(raw, dict) else None
    return result if isinstance(result, dict) and "capabilities" in result else None


def write_record(path: str, result: dict[str, Any]) -> None:
    """Record an answer (atomically; a failure to write is ignored)."""
    if not result_cache.enabled():
        return
    import json

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = f"{path}.{os.getpid()}.tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump({"result": result}, handle, sort_keys=True)
        os.replace(temp, path)
    except OSError:
        pass


def _write_frame(fd: int, message: dict[str, Any]) -> None:
    body = lean_json.dumps(message).encode("utf-8")
    data = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def start(stdin: Any = None) -> Boot:
    """Read the first message; answer it now when it is an `initialize` we have a
    record for (or the shipped answer fits)."""
    from mizan_lang.lsp.framing import FrameReader, raw_reads

    reads = raw_reads(stdin or sys.stdin.buffer)
    heard = [time.monotonic()]

    def read(size: int) -> bytes:
        chunk = reads(size)
        heard[0] = time.monotonic()
        return chunk

    frames = FrameReader(read)
    first = frames.next_body()
    request_id, params, record, answered, shipped = _answer(first)
    boot = Boot(first, frames, request_id, record, answered, params)
    boot.heard = heard
    boot.shipped = shipped
    return boot


def _answer(first: bytes | None) -> tuple[Any, Any, Any, Any, bool]:
    """(request id, params, record, answer sent, whether that was the shipped answer)
    for the first message, sending the answer when there is one to send."""
    try:
        message = lean_json.loads(first) if first is not None else None
    except ValueError:
        return None, None, None, None, False
    if not isinstance(message, dict) or message.get("method") != "initialize":
        return None, None, None, None, False
    msg_id = message.get("id")
    params = message.get("params")
    if (not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool)
            or not isinstance(params, dict)):
        return None, None, None, None, False
    try:
        record = record_path(params.get("capabilities"))
    except (TypeError, ValueError):
        return msg_id, params, None, None, False
    if os.environ.get("MIZAN_LSP_EARLY", "").lower() in ("off", "0", "no", "false"):
        return msg_id, params, record, None, False
    result = read_record(record) if result_cache.enabled() else None
    shipped = result is None
    if shipped:  # a first start: the answer shipped with this version
        from .lsp_answer import shipped_answer

        result = shipped_answer(params.get("capabilities"))
    if result is None:
        return msg_id, params, record, None, False
    try:
        _write_frame(sys.stdout.fileno(), {"jsonrpc": "2.0", "id": msg_id, "result": result})
    except OSError:
        return msg_id, params, record, None, False
    return msg_id, params, record, result, shipped


def _read_on(boot: Boot) -> None:
    """Read messages while the server is imported; answer didOpen from the result
    cache meanwhile; once the server takes over, hand it every message."""
    _widen_pipe()
    while True:
        boot.busy = False
        try:
            body = boot.frames.next_body()
        except Exception:  # an unreadable stdin ends the session like EOF
            body = None
        boot.busy = True
        with boot.lock:
            sink = boot.sink
            if sink is None:
                boot.pending.append(body)
        if sink is not None:
            sink(body)
        elif body is not None:
            try:
                _early(boot, body)
            except Exception:  # the server will answer properly
                boot.early = False
            finally:
                if not boot.early:
                    boot.opening.set()
                    boot.settled.set()
        if body is None:
            boot.opening.set()
            boot.settled.set()
            return


def _widen_pipe() -> None:
    """Let a pipe on stdin hold 1 MB instead of 64 KB (Linux). A client writes a
    large didOpen (2 MB at 10,000 functions) while the checker is imported, and
    this thread needs the interpreter lock after every read to keep it: 64 KB at
    a time that was ~32 waits of up to 5 ms for the lock, and as many handovers
    of it, before the document could be checked; now it is two or three."""
    try:
        import fcntl

        fcntl.fcntl(sys.stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError, ValueError):  # not a pipe, not Linux, a limit
        pass


def _early(boot: Boot, body: bytes) -> None:
    if not boot.early or boot.answered is None:
        return
    message = lean_json.loads(body)
    method = message.get("method") if isinstance(message, dict) else None
    if method == "initialized":
        return
    if method != "textDocument/didOpen":
        boot.early = False  # an edit or a request: from now on, only the server knows
        return
    doc = message["params"]["textDocument"]
    from .paths import uri_to_path

    path = uri_to_path(doc["uri"])
    boot.opened[path] = doc["text"]
    boot.opening.set()
    try:
        _open_early(boot, path, doc)
    finally:
        boot.settled.set()


def _open_early(boot: Boot, path: str, doc: dict[str, Any]) -> None:
    roots = _unit_roots(boot.params, path)
    entry = result_cache.lookup(roots)
    if entry is None and not boot.checked and _on_disk(path, doc["text"]):
        # A first start: check the files on disk as `check` does (the document is
        # saved), store the result, and publish it like a recorded one.
        boot.checked = True
        _check_and_publish(boot, roots, path, doc)
    elif entry is not None:
        _publish(boot, path, doc, entry.texts, entry.diagnostics)


def _check_and_publish(boot: Boot, roots: list[str], path: str, doc: dict[str, Any]) -> None:
    """Check `roots` from disk, publish the result, then store it as the entry a
    later start will find.

    The diagnostics are published straight from the check, as the server would
    publish them: making the entry first (every file read again and hashed, the
    diagnostics through JSON: ~6 ms, 51 M instructions at 10,000 functions)
    only delays them. What is published is what a record could hold: nothing
    when the result depends on files being absent or unreadable.

    As for `mizan-lang check`, the collector stays off: switched back on after
    each stage, its first pass walked every object the stage had made (~0.3-0.5 s
    of a 10,000-function check). The check's objects are let go only once the
    diagnostics are out (freeing them one by one takes ~0.1 s there), and the
    collector is switched on after that (if it was on: `main` turns it off for
    a first start's imports, and the server's `main` turns it on)."""
    import gc

    from .ahead import seed

    seed()  # (done already when `_import_checker` came first)
    from .checked import check_paths
    from .workspace import forget_file

    enabled = gc.isenabled()
    gc.disable()
    try:
        checked = check_paths(roots, cache=False)
        forget_file(path)  # the server reads the open document itself
        workspace = checked.workspace
        if workspace is not None and result_cache.cacheable(workspace):
            files = workspace.files
            _publish(boot, path, doc, {p: source.text for p, source in files.items()},
                     checked.diagnostics, {p: source.index for p, source in files.items()})
            entry = result_cache.prepare(checked.roots, workspace, checked.diagnostics)
            if entry is not None:
                result_cache.keep(entry)
        del checked, workspace
    finally:
        if enabled:
            gc.enable()


def _publish(boot: Boot, path: str, doc: dict[str, Any], texts: dict[str, str],
             diagnostics: list[Diagnostic], indexes: dict[str, LineIndex] | None = None
             ) -> None:
    """Publish the diagnostics of a workspace of `texts` (a stored or fresh result)
    for the opened document, if it is about the texts opened (`indexes`: their
    line indexes, when at hand)."""
    if any(texts.get(p, text) != text for p, text in boot.opened.items()):
        return
    if texts.get(path) != doc["text"]:
        return
    encoding = str(boot.answered["capabilities"].get("positionEncoding") or "utf-16")
    with boot.lock:
        if not boot.early:  # the server took over meanwhile: it publishes itself
            return
        for message in recorded_publications(texts, diagnostics, {path: doc["version"]},
                                             encoding, boot.published, indexes):
            boot.published.add(message["params"].pop("path"))
            _write_frame(sys.stdout.fileno(), message)


def _on_disk(path: str, text: str) -> bool:
    """Whether `path` holds `text` (an open document without unsaved changes)."""
    from .workspace import read_source

    got = read_source(path)
    return isinstance(got, tuple) and not got[1] and got[0] == text


def _unit_roots(params: dict[str, Any], path: str) -> list[str]:
    """The roots the server's session checks `path` with (`Session.unit_key`)."""
    from .paths import uri_to_path

    uris = [f["uri"] for f in params.get("workspaceFolders") or () if isinstance(f, dict)]
    if not uris and params.get("rootUri"):
        uris = [params["rootUri"]]
    best = ""
    for uri in uris:
        folder = uri_to_path(uri)
        inside = path == folder or path.startswith(folder.rstrip("/") + "/")
        if inside and len(folder) > len(best):
            best = folder
    return [best or path]


OPEN_WAIT = 0.2  # seconds a started server waits for a didOpen before importing itself
PIPE_BYTES = 1 << 20  # what an unprivileged process may ask for (/proc/sys/fs/pipe-max-size)
_SEVERITY = {"error": 1, "warning": 2, "info": 3}
DOCS_URL = "https://github.com/mizan-lang/mizan-lang/blob/main/docs/diagnostics.md#{anchor}"


def recorded_publications(texts: dict[str, str], diagnostics: list[Diagnostic],
                          versions: dict[str, int], encoding: str, published: set[str],
                          indexes: dict[str, LineIndex] | None = None) -> list[dict[str, Any]]:
    """publishDiagnostics messages for a result (a cached one, or a check's) about
    files of these texts, as the server writes them (`lsp/convert.diagnostic`,
    `MizanServer._publish`); each params also holds the path (for the caller,
    removed before sending)."""
    from .paths import path_to_uri
    from .source import LineIndex

    if indexes is None:
        indexes = {path: LineIndex(text) for path, text in texts.items()}

    def position(index: LineIndex, offset: int) -> dict[str, int]:
        return {"line": index.position(offset).line,
                "character": index.unit_column(offset, encoding)}

    def range_of(index: LineIndex, start: int, end: int) -> dict[str, Any]:
        return {"start": position(index, start), "end": position(index, end)}

    by_file: dict[str, list[Any]] = {path: [] for path in texts}
    for diag in diagnostics:
        by_file.setdefault(diag.path, []).append(diag)
    found = []
    for path, diags in sorted(by_file.items()):
        index = indexes.get(path)
        if index is None or (not diags and path not in published and path not in versions):
            continue
        items = []
        for diag in diags:
            item: dict[str, Any] = {
                "range": range_of(index, diag.span.start, diag.span.end),
                "message": diag.message,
                "severity": _SEVERITY.get(str(getattr(diag.severity, "value", diag.severity)), 1),
                "code": diag.code,
                "codeDescription": {"href": DOCS_URL.format(anchor=diag.code.lower())},
                "source": "mizan",
            }
            related = [{"location": {"uri": path_to_uri(rel.path),
                                     "range": range_of(indexes[rel.path], rel.span.start,
                                                       rel.span.end)},
                        "message": rel.message}
                       for rel in diag.related if rel.path in indexes]
            if related:
                item["relatedInformation"] = related
            if diag.data:
                item["data"] = dict(diag.data)
            items.append(item)
        params: dict[str, Any] = {"uri": path_to_uri(path), "diagnostics": items}
        if path in versions:
            params["version"] = versions[path]
        params["path"] = path
        found.append({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
                      "params": params})
    return found


def _await_open(boot: Boot) -> None:
    """Wait until the first didOpen is answered early, or the client has said
    nothing for OPEN_WAIT (no bytes read, no message being handled). A large
    document can take longer than that to arrive and be decoded on a busy
    machine; a fixed wait then imported the server beside the early check
    (seen at load ~10 with 10,000 functions: 6-8 s of CPU instead of ~2)."""
    while not boot.opening.wait(OPEN_WAIT):
        if not boot.busy and time.monotonic() - boot.heard[0] >= OPEN_WAIT:
            return
    boot.settled.wait()


def _import_checker() -> None:
    """A first start (no record, so most likely no stored result either) checks the
    first document opened: import the checker now, while the client reads the
    answer and sends `initialized` and didOpen, instead of after the didOpen. (A
    later start publishes recorded diagnostics and needs none of it before the
    server, which imports it anyway.) The reader thread's imports wait for these."""
    try:
        from .ahead import seed

        seed()
        from . import checked, workspace  # noqa: F401
        from .check import check  # noqa: F401
    except Exception:  # the check imports them again and reports what failed
        pass


def main() -> int:
    """`mizan-lang lsp` (also `--stdio`): the server, after the early answer."""
    import gc
    import threading

    boot = start()
    threading.Thread(target=_read_on, args=(boot,), name="mizan-stdin", daemon=True).start()
    if boot.answered is not None:
        if boot.shipped:
            # The collector stays off until the server's `main` switches it on:
            # its passes over the imports' new objects found nothing to free, and
            # the check that comes next runs with it off anyway.
            gc.disable()
            _import_checker()
        # Clients open documents right after `initialized`: answer the first one
        # before importing the server, which would compete with it for the CPU.
        _await_open(boot)
    from .ahead import seed

    seed()
    from mizan_lang.lsp.server import main as serve

    serve(boot)
    return 0
