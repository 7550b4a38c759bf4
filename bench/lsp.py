"""Language server latency benchmark.

    python -m bench.lsp [--functions 1000] [--workspace 10000] [--edits 200]

A benchmark, not a test. It starts the real server (`python -m mizan_lang lsp`)
over stdio with the hand-rolled client below and measures, client-side wall
time from writing a message to reading the answer:

- edit -> diagnostics: a generated 1,000-function file (bench/specgen.py) is
  opened, then single-character edits are typed at random declarations (a
  letter in a doc string, or in a declaration's name; each edit is undone by
  the next one, a backspace), and each waits for the publishDiagnostics of
  its own version. Renaming a type or context breaks its uses, so some edits
  introduce errors and the next one clears them;
- typing bursts: a word typed one key every 30 ms without waiting, then
  deleted the same way; from the last key to the diagnostics of its version;
- the same in a 10,000-function workspace (specgen's multi-file form, one
  domain file open);
- completion and hover in that workspace, at names in the open file: alone,
  and right after a keystroke (the answer needs that keystroke's analysis).

It prints a Markdown table beside the peers' figures from the brief
(docs/performance.md keeps the last run: `--write-docs`). `--breakdown`
replays the same keystrokes through an in-process Session and times each
phase; `--profile FILE` runs the server under cProfile (MIZAN_LSP_PROFILE)
and prints its top costs. `measure_edit_latency` serves `bench/run.py`.

`StdioClient` is also used by tests/lsp/test_robustness.py: it reads stdout
byte by byte as JSON-RPC frames and records anything else as a violation.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import math
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import specgen

SERVER = [sys.executable, "-m", "mizan_lang", "lsp"]
REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "performance.md"
SECTION = "## Language server"

# Peers, from /work/shared/brief/quality.md (2-core machine, ~1,000 operations, p50).
PEER_EDIT_P50_MS = {"TypeSpec 1.5": 840, "buf 1.75": 59}
# Our bars (p95, milliseconds).
BAR_EDIT_1000_MS = 25
BAR_EDIT_10000_MS = 25  # issue 13: as in one file
BAR_REQUEST_MS = 20


# ---------------------------------------------------------------- the client


class ResponseError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = error.get("code")
        self.error = error


@dataclass(slots=True)
class Received:
    message: dict[str, Any]
    at: float  # time.perf_counter() when the frame was complete


@dataclass
class StdioClient:
    """A minimal LSP client over a subprocess's pipes, strict about what it reads.

    Every byte of the server's stdout must belong to a frame
    (`Content-Length: N` headers, a blank line, N bytes of a JSON-RPC object);
    anything else lands in `violations`. Requests from the server
    (registerCapability, configuration, ...) are answered with null.
    """

    command: list[str] = field(default_factory=lambda: list(SERVER))
    env: dict[str, str] | None = None
    cwd: str | None = None
    proc: subprocess.Popen = field(init=False)
    received: list[Received] = field(default_factory=list)
    violations: list[bytes] = field(default_factory=list)
    stdout_bytes: int = 0
    stderr: bytearray = field(default_factory=bytearray)
    capabilities: dict[str, Any] = field(default_factory=dict)  # the server's, once initialized

    def __post_init__(self) -> None:
        self.proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=self.env, cwd=self.cwd or REPO)
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._write_lock = threading.Lock()
        self._responses: dict[Any, Received] = {}
        self._eof = False
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # --- writing ---------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> float:
        """Write one framed message; returns the time just before writing."""
        body = json.dumps(message).encode("utf-8")
        at = time.perf_counter()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return at

    def notify(self, method: str, params: Any = None) -> float:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        return self.send(message)

    def request_id(self, method: str, params: Any = None) -> tuple[int, float]:
        """Send a request without waiting: (its id, the time it was sent)."""
        msg_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        return msg_id, self.send(message)

    def request(self, method: str, params: Any = None, timeout: float = 10.0) -> Any:
        msg_id, _ = self.request_id(method, params)
        return self.result(msg_id, timeout)

    # --- reading ---------------------------------------------------------------
    def response(self, msg_id: Any, timeout: float = 10.0) -> Received:
        with self._changed:
            if not self._changed.wait_for(lambda: msg_id in self._responses or self._eof,
                                          timeout):
                raise TimeoutError(f"no response to request {msg_id} in {timeout} s")
            if msg_id not in self._responses:
                raise EOFError(f"the server closed stdout before answering {msg_id}")
            return self._responses[msg_id]

    def result(self, msg_id: Any, timeout: float = 10.0) -> Any:
        message = self.response(msg_id, timeout).message
        if "error" in message:
            raise ResponseError(message["error"])
        return message.get("result")

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0,
                 start: int = 0) -> Received:
        """The first message from index `start` on that satisfies `predicate`."""
        seen = start
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for item in self.received[seen:]:
                    if predicate(item.message):
                        return item
                seen = len(self.received)
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    raise TimeoutError("no matching message from the server")
                self._changed.wait(left)

    def notifications(self, method: str) -> list[dict[str, Any]]:
        with self._changed:
            return [r.message for r in self.received
                    if r.message.get("method") == method and "id" not in r.message]

    def error_logs(self) -> list[str]:
        """window/logMessage and showMessage texts of type Error (a guarded handler failed)."""
        found = []
        for method in ("window/logMessage", "window/showMessage"):
            found += [m["params"]["message"] for m in self.notifications(method)
                      if m.get("params", {}).get("type") == 1]
        return found

    def _read_stdout(self) -> None:
        fd = self.proc.stdout.fileno()
        buffer = b""
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            self.stdout_bytes += len(chunk)
            buffer += chunk
            buffer = self._frames(buffer)
        if buffer:
            self.violations.append(buffer)
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def _frames(self, buffer: bytes) -> bytes:
        """Consume every complete frame at the start of `buffer`; return the rest."""
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return buffer
            headers = buffer[:end].split(b"\r\n")
            length = None
            for header in headers:
                name, sep, value = header.partition(b": ")
                if not sep or name.lower() not in (b"content-length", b"content-type"):
                    length = None
                    break
                if name.lower() == b"content-length":
                    length = int(value) if value.isdigit() else None
            if length is None:  # not a frame: skip to the next plausible header
                resync = buffer.find(b"Content-Length: ", 1)
                cut = resync if resync > 0 else len(buffer)
                self.violations.append(buffer[:cut])
                buffer = buffer[cut:]
                continue
            body_start = end + 4
            if len(buffer) < body_start + length:
                return buffer
            body = buffer[body_start:body_start + length]
            buffer = buffer[body_start + length:]
            try:
                message = json.loads(body)
            except ValueError:
                self.violations.append(body)
                continue
            if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
                self.violations.append(body)
                continue
            self._dispatch(Received(message, time.perf_counter()))

    def _dispatch(self, item: Received) -> None:
        message = item.message
        if "method" in message and "id" in message:  # a request from the server
            try:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": _answer(message)})
            except (BrokenPipeError, ValueError, OSError):
                pass
        with self._changed:
            self.received.append(item)
            if "method" not in message and "id" in message:
                self._responses[message["id"]] = item
            self._changed.notify_all()

    def _read_stderr(self) -> None:
        fd = self.proc.stderr.fileno()
        while chunk := os.read(fd, 1 << 16):
            self.stderr += chunk

    # --- LSP conveniences ---------------------------------------------------------
    def initialize(self, folders: list[Path], watch: bool = True) -> dict[str, Any]:
        params = {
            "processId": os.getpid(),
            "rootUri": folders[0].as_uri() if folders else None,
            "workspaceFolders": [{"uri": f.as_uri(), "name": f.name} for f in folders],
            "capabilities": {
                "workspace": {"workspaceFolders": True,
                              "didChangeWatchedFiles": {"dynamicRegistration": watch}},
                "textDocument": {"publishDiagnostics": {"relatedInformation": True,
                                                        "versionSupport": True},
                                 "completion": {"completionItem": {"snippetSupport": True}},
                                 "hover": {"contentFormat": ["markdown", "plaintext"]}},
                "general": {"positionEncodings": ["utf-16"]},
            },
        }
        result = self.request("initialize", params, timeout=30)
        self.capabilities = result.get("capabilities", {})
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1) -> float:
        return self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "mizan", "version": version, "text": text}})

    def change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> float:
        return self.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version}, "contentChanges": changes})

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = 30.0,
                    start: int = 0) -> Received:
        """The first publishDiagnostics for `uri` (at `version`, if given) from index `start`."""

        def match(message: dict[str, Any]) -> bool:
            params = message.get("params") or {}
            return (message.get("method") == "textDocument/publishDiagnostics"
                    and params.get("uri") == uri
                    and (version is None or params.get("version") == version))

        return self.wait_for(match, timeout, start)

    def last_diagnostics(self, uri: str) -> dict[str, Any] | None:
        for message in reversed(self.notifications("textDocument/publishDiagnostics")):
            if message["params"]["uri"] == uri:
                return message["params"]
        return None

    def stop(self, timeout: float = 10.0) -> int | None:
        """shutdown + exit; kills the process if it does not leave in time."""
        try:
            if self.proc.poll() is None and not self._eof:
                self.request("shutdown", timeout=timeout)
                self.notify("exit")
        except (TimeoutError, EOFError, BrokenPipeError, ResponseError, OSError):
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
            self._reader.join(timeout)


def _answer(request: dict[str, Any]) -> Any:
    if request.get("method") == "workspace/configuration":
        return [None] * len(request.get("params", {}).get("items", []))
    return None


def utf16_position(text: str, offset: int) -> dict[str, int]:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    column = len(text[start:offset].encode("utf-16-le")) // 2
    return {"line": line, "character": column}


# ---------------------------------------------------------------- the benchmark


@dataclass(slots=True)
class Site:
    """Where a one-character edit is typed: inside a doc string or at the end of a name."""

    offset: int
    kind: str  # "doc" | "name"


_DECL_NAME = re.compile(r"^ *(?:fn|type|context|enum|model|shape|form) ([A-Za-z_]\w*)",
                        re.MULTILINE)
_DOC = re.compile(r'doc[ =]"([^"\\\n]{4,})"')


def edit_sites(text: str) -> list[Site]:
    sites = [Site(m.end(1), "name") for m in _DECL_NAME.finditer(text)]
    sites += [Site(m.start(1) + len(m.group(1)) // 2, "doc") for m in _DOC.finditer(text)]
    return sorted(sites, key=lambda s: s.offset)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with `fraction` of them at or below."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


@dataclass
class Stats:
    label: str
    samples: list[float]  # seconds
    note: str = ""
    bar_ms: float = BAR_REQUEST_MS  # the p95 it must stay under
    peers: bool = False  # print the peers' edit -> diagnostics figures beside it

    def ms(self, fraction: float) -> float:
        return percentile(self.samples, fraction) * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def maximum(self) -> float:
        return max(self.samples) * 1000


@dataclass(slots=True)
class Keystroke:
    start: int  # offsets in the text before the edit
    end: int
    insert: str
    text: str  # the text after the edit


def keystrokes(text: str, edits: int, rng: random.Random,
               name_share: float = 0.3) -> list[Keystroke]:
    """`edits` single-character edits at random declarations: a letter typed in a doc
    string (or, `name_share` of the time, at the end of a declaration's name), then
    a backspace that removes it, and so on."""
    sites = edit_sites(text)
    names = [s for s in sites if s.kind == "name"]
    docs = [s for s in sites if s.kind == "doc"] or names
    found: list[Keystroke] = []
    pending: Site | None = None
    for _ in range(edits):
        if pending is None:
            site = rng.choice(names if rng.random() < name_share else docs)
            char = rng.choice("abcdefghijklmnopqrstuvwxyz")
            text = text[:site.offset] + char + text[site.offset:]
            found.append(Keystroke(site.offset, site.offset, char, text))
            pending = site
        else:  # backspace
            text = text[:pending.offset] + text[pending.offset + 1:]
            found.append(Keystroke(pending.offset, pending.offset + 1, "", text))
            pending = None
    return found


def type_edits(client: StdioClient, uri: str, text: str, edits: int, rng: random.Random,
               ) -> tuple[Stats, int, str, int]:
    """Send `keystrokes` one by one, waiting for each publish; time each.

    Returns the latencies, how many edits were answered with errors, the final text
    and version.
    """
    latencies: list[float] = []
    with_errors = 0
    version = 1
    for key in keystrokes(text, edits, rng):
        change = {"range": {"start": utf16_position(text, key.start),
                            "end": utf16_position(text, key.end)}, "text": key.insert}
        text = key.text
        version += 1
        mark = len(client.received)
        sent = client.change(uri, version, [change])
        got = client.diagnostics(uri, version, timeout=60, start=mark)
        latencies.append(got.at - sent)
        if any(d.get("severity") == 1 for d in got.message["params"]["diagnostics"]):
            with_errors += 1
    return Stats("", latencies), with_errors, text, version


@dataclass
class Typist:
    """Types a letter into a doc string and deletes it again, for requests that
    follow a keystroke (the text is the same afterwards)."""

    client: StdioClient
    uri: str
    text: str
    version: int
    rng: random.Random

    def keystroke(self) -> int:
        """Type (and wait for its publish), then backspace without waiting: the version
        whose check the next request lands behind."""
        sites = [s for s in edit_sites(self.text) if s.kind == "doc"]
        site = self.rng.choice(sites)
        pos = utf16_position(self.text, site.offset)
        self.version += 1
        mark = len(self.client.received)
        self.client.change(self.uri, self.version, [{"range": {"start": pos, "end": pos},
                                                     "text": "q"}])
        self.client.diagnostics(self.uri, self.version, timeout=60, start=mark)
        end = dict(pos, character=pos["character"] + 1)
        self.version += 1
        self.client.change(self.uri, self.version, [{"range": {"start": pos, "end": end},
                                                     "text": ""}])
        return self.version

    def burst(self, word: str, gap: float) -> list[float]:
        """Type `word` into a doc string one key every `gap` seconds without waiting for
        anything, then delete it the same way; for each of the two, the time from the
        last key to the diagnostics of its version."""
        site = self.rng.choice([s for s in edit_sites(self.text) if s.kind == "doc"])
        start = utf16_position(self.text, site.offset)
        found = []
        for deleting in (False, True):
            mark = len(self.client.received)
            for i in range(len(word)):
                at = dict(start, character=start["character"] + (len(word) - i if deleting else i))
                self.version += 1
                change = ({"range": {"start": dict(at, character=at["character"] - 1), "end": at},
                           "text": ""} if deleting else
                          {"range": {"start": at, "end": at}, "text": word[i]})
                sent = self.client.change(self.uri, self.version, [change])
                if i < len(word) - 1:
                    time.sleep(gap)
            got = self.client.diagnostics(self.uri, self.version, timeout=120, start=mark)
            found.append(got.at - sent)
        return found


def type_bursts(typist: Typist, bursts: int, word: str = "quickly", gap: float = 0.03,
                ) -> Stats:
    samples = [t for _ in range(bursts) for t in typist.burst(word, gap)]
    return Stats("", samples, f"{len(word)} keys {gap * 1000:.0f} ms apart, then as many "
                              "backspaces; checks of keys that queued up are shared")


def request_positions(text: str, rng: random.Random, count: int) -> tuple[list[dict], list[dict]]:
    """Hover points (inside names that are used or declared) and completion points
    (a partly typed type, context or name after `returns=`, `context=`, a param type)."""
    hovers: list[int] = []
    completions: list[int] = []
    for m in re.finditer(r"(?:returns=|context=|affects=|param \w+ |field \w+ )"
                         r"(?:list<|map<str,)?([A-Za-z_]\w*)", text):
        name_start, name_end = m.span(1)
        hovers.append((name_start + name_end) // 2)
        completions.append(min(name_end, name_start + 2))
    for m in _DECL_NAME.finditer(text):
        hovers.append((m.start(1) + m.end(1)) // 2)

    def pick(offsets: list[int]) -> list[dict]:
        return [utf16_position(text, o) for o in rng.sample(offsets, min(count, len(offsets)))]

    return pick(hovers), pick(completions)


def time_requests(client: StdioClient, method: str, uri: str, positions: list[dict],
                  typist: Typist | None = None) -> tuple[Stats, int, str]:
    """Latency of each request (each right after a keystroke when `typist` is given);
    (stats, how many answered non-empty, note)."""
    times: list[float] = []
    non_empty = 0
    for pos in positions:
        mark = len(client.received)
        version = typist.keystroke() if typist is not None else None
        msg_id, sent = client.request_id(method, {"textDocument": {"uri": uri}, "position": pos})
        got = client.response(msg_id, timeout=60)
        if version is not None:
            client.diagnostics(uri, version, timeout=60, start=mark)
        if "error" in got.message:
            return Stats(method, [float("nan")]), 0, f"error: {got.message['error'].get('message')}"
        times.append(got.at - sent)
        result = got.message.get("result")
        if result and (not isinstance(result, dict) or result.get("items", True)):
            non_empty += 1
    return Stats(method, times), non_empty, ""


def write_files(files: dict[str, str], folder: Path) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8")


@dataclass
class Report:
    rows: list[Stats] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def server_env(profile: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(REPO))
    if profile:
        env["MIZAN_LSP_PROFILE"] = profile
    return env


def bench_single(functions: int, edits: int, seed: int, report: Report,
                 profile: str | None) -> None:
    files = specgen.generate(functions, seed)
    name = specgen.root_file(files)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_files(files, folder)
        client = StdioClient(env=server_env(profile))
        try:
            client.initialize([folder])
            uri = (folder / name).as_uri()
            text = files[name]
            sent = client.open(uri, text)
            first = client.diagnostics(uri, 1, timeout=120)
            report.notes.append(f"{functions:,} functions, one file ({len(text) / 1000:.0f} KB): "
                                f"open -> first diagnostics {1000 * (first.at - sent):.0f} ms")
            rng = random.Random(seed)
            stats, errors, text, version = type_edits(client, uri, text, edits, rng)
            stats.label = f"edit -> diagnostics, {functions:,} functions (one file)"
            stats.bar_ms, stats.peers = BAR_EDIT_1000_MS, True
            stats.note = f"{errors} of {edits} edits answered with errors"
            report.rows.append(stats)
            bursts = type_bursts(Typist(client, uri, text, version, rng), max(1, edits // 20))
            bursts.label = f"typing burst, last key -> diagnostics, {functions:,} functions"
            bursts.bar_ms = BAR_EDIT_1000_MS
            report.rows.append(bursts)
        finally:
            client.stop()


def measure_edit_latency(folder: Path, name: str, edits: int = 40,
                         seed: int = 0) -> dict[str, float]:
    """Edit -> diagnostics p50/p95 in seconds for file `name` of the spec in `folder`
    (folder opened as the workspace, the file open): the hook `bench/run.py` can call."""
    client = StdioClient(env=server_env(None))
    try:
        client.initialize([folder])
        uri = (folder / name).as_uri()
        text = (folder / name).read_text("utf-8")
        client.open(uri, text)
        client.diagnostics(uri, 1, timeout=300)
        stats, *_ = type_edits(client, uri, text, edits, random.Random(seed))
    finally:
        client.stop()
    return {"p50": statistics.median(stats.samples), "p95": percentile(stats.samples, 0.95)}


def workspace_file(files: dict[str, str]) -> str:
    """The file kept open in the workspace scenario: the first domain file."""
    return next(n for n in files if n not in (specgen.SPLIT_ROOT, specgen.COMMON_FILE))


def bench_workspace(functions: int, edits: int, requests: int, seed: int, report: Report,
                    profile: str | None) -> None:
    files = specgen.generate(functions, seed, split=True)
    name = workspace_file(files)
    size = specgen.size_bytes(files)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_files(files, folder)
        client = StdioClient(env=server_env(profile))
        try:
            client.initialize([folder])
            uri = (folder / name).as_uri()
            text = files[name]
            sent = client.open(uri, text)
            first = client.diagnostics(uri, 1, timeout=300)
            label = f"{functions:,} functions ({len(files)} files, {size / 1e6:.1f} MB)"
            report.notes.append(f"{label}: open {name} -> first diagnostics "
                                f"{1000 * (first.at - sent):.0f} ms (reads and checks the whole "
                                f"workspace)")
            rng = random.Random(seed)
            stats, errors, text, version = type_edits(client, uri, text, edits, rng)
            stats.label = f"edit -> diagnostics, {functions:,} functions (workspace, one file open)"
            stats.bar_ms = BAR_EDIT_10000_MS
            stats.note = f"{errors} of {edits} edits answered with errors"
            report.rows.append(stats)
            hovers, completions = request_positions(text, rng, requests)
            typist = Typist(client, uri, text, version, rng)
            after = max(1, requests // 4)  # each costs a whole check
            for method, positions, kind in (("textDocument/completion", completions, "completion"),
                                            ("textDocument/hover", hovers, "hover")):
                got, non_empty, note = time_requests(client, method, uri, positions)
                got.label = f"{kind}, {functions:,} functions (workspace)"
                got.note = note or f"{non_empty} of {len(positions)} answers non-empty"
                report.rows.append(got)
                got, non_empty, note = time_requests(client, method, uri, positions[:after],
                                                     typist)
                got.label = f"{kind} right after a keystroke, {functions:,} functions"
                got.note = note or (f"{non_empty} of {len(positions[:after])} answers non-empty; "
                                    "sent before the keystroke's diagnostics arrive")
                report.rows.append(got)
            bursts = type_bursts(typist, max(1, edits // 20))
            bursts.label = f"typing burst, last key -> diagnostics, {functions:,} functions"
            bursts.bar_ms = BAR_EDIT_10000_MS
            report.rows.append(bursts)
        finally:
            client.stop()


# ---------------------------------------------------------------- where the time goes

CHECK_PHASE = "check the unit (incremental)"


def breakdown(files: dict[str, str], name: str, edits: int, seed: int) -> dict[str, list[float]]:
    """The same keystrokes through an in-process Session, phase by phase (seconds each)."""
    from mizan_lang.lsp import convert
    from mizan_lang.lsp.server import server as lsp_server

    from mizan_lang.ide import session as core

    times: dict[str, list[float]] = {}

    def timed(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if times.get(phase):  # not during the first, untimed analysis
                    times[phase][-1] += time.perf_counter() - start
        return run

    phases = ["apply the edit, re-parse its chunk", "lower + assemble the open file",
              "load the workspace (other files cached)", CHECK_PHASE,
              "diagnostics to LSP types + JSON", "total"]
    saved = core.load_workspace, core.check, core.source_from_document
    core.load_workspace = timed(phases[2], core.load_workspace)
    core.check = timed(phases[3], core.check)
    core.source_from_document = timed(phases[1], core.source_from_document)
    unstructure = lsp_server.protocol._converter.unstructure
    try:
        with tempfile.TemporaryDirectory() as tmp:
            write_files(files, Path(tmp))
            session = core.Session()
            session.set_folders([tmp])
            path = str(Path(tmp) / name)
            session.open(path, files[name], 1)
            session.dirty_analyses()
            for version, key in enumerate(keystrokes(files[name], edits, random.Random(seed)), 2):
                for phase in phases:
                    times.setdefault(phase, []).append(0.0)
                started = time.perf_counter()
                timed(phases[0], session.change)(path, key.text, version)
                for analysis in session.dirty_analyses():
                    start = time.perf_counter()
                    indexes = {p: source.index for p, source in analysis.files.items()}
                    for where, diags in analysis.diagnostics_by_file().items():
                        items = [convert.diagnostic(indexes[where], d, indexes) for d in diags]
                        json.dumps(unstructure(items))
                    times[phases[4]][-1] += time.perf_counter() - start
                times[phases[5]][-1] = time.perf_counter() - started
    finally:
        core.load_workspace, core.check, core.source_from_document = saved
    # load_workspace calls source_from_document: count that time once.
    times[phases[2]] = [a - b for a, b in zip(times[phases[2]], times[phases[1]], strict=True)]
    return times


def breakdown_table(rows: list[tuple[str, dict[str, list[float]]]]) -> str:
    lines = ["| Phase (in-process Session, no transport) | "
             + " | ".join(f"{label} p50 ms | p95 ms" for label, _ in rows) + " |",
             "|---|" + "---:|---:|" * len(rows)]
    for phase in rows[0][1]:
        cells = []
        for _, times in rows:
            samples = times[phase]
            cells += [f"{statistics.median(samples) * 1000:.1f}",
                      f"{percentile(samples, 0.95) * 1000:.1f}"]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return "n/a" if value != value else f"{value:.1f}"


def table(report: Report) -> str:
    peers = " / ".join(f"{k} {v} ms" for k, v in PEER_EDIT_P50_MS.items())
    lines = ["| Measure (client wall time) | p50 ms | p95 ms | max ms | n | bar (p95) | met | "
             "peers (p50) | notes |",
             "|---|---:|---:|---:|---:|---:|---|---|---|"]
    for row in report.rows:
        bar, peer = row.bar_ms, peers if row.peers else "-"
        p95 = row.ms(0.95)
        met = "n/a" if p95 != p95 else ("yes" if p95 <= bar else "**no**")
        lines.append(f"| {row.label} | {_fmt(row.p50)} | {_fmt(p95)} | {_fmt(row.maximum)} | "
                     f"{len(row.samples)} | {bar} | {met} | {peer} | {row.note} |")
    return "\n".join(lines)


def replace_section(current: str, markdown: str) -> str:
    """`current` with this benchmark's section replaced by `markdown`, or, when it has
    none yet, with `markdown` appended at the end (the rest is someone else's)."""
    lines = current.splitlines(keepends=True)
    if SECTION + "\n" not in lines:
        base = current.rstrip("\n")
        return (base + "\n\n" if base else "") + markdown.rstrip("\n") + "\n"
    start = lines.index(SECTION + "\n")
    # The section ends at the next heading or at another benchmark's marker comment.
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].startswith(("## ", "<!-- "))), len(lines))
    tail = "".join(lines[end:])
    return "".join(lines[:start]) + markdown.rstrip("\n") + "\n" + ("\n" + tail if tail else "")


def write_docs(markdown: str) -> None:
    current = DOCS.read_text("utf-8") if DOCS.exists() else ""
    DOCS.write_text(replace_section(current, markdown), "utf-8")


def print_profile(path: str, top: int) -> None:
    if not os.path.exists(path):
        print(f"(no profile written at {path})")
        return
    stats = pstats.Stats(path)
    for sort in ("cumulative", "tottime"):
        print(f"\nServer profile, top {top} by {sort}:\n```")
        stats.sort_stats(sort).print_stats(top)
        print("```")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lsp", description=__doc__.split("\n")[0])
    parser.add_argument("--functions", type=int, default=1000, help="size of the one-file spec")
    parser.add_argument("--workspace", type=int, default=10000,
                        help="size of the multi-file workspace (0: skip)")
    parser.add_argument("--edits", type=int, default=200, help="edits per scenario")
    parser.add_argument("--requests", type=int, default=200,
                        help="completion and hover requests each")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-docs", action="store_true",
                        help="replace the 'Language server' section of docs/performance.md")
    parser.add_argument("--profile", metavar="FILE",
                        help="run the server under cProfile, dump to FILE, print the top costs")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the same edits phase by phase in-process")
    args = parser.parse_args(argv)

    report = Report()
    started = time.perf_counter()
    load = os.getloadavg()[0]  # other work on the machine shows in the tails
    profile_single = f"{args.profile}.single" if args.profile else None
    profile_ws = f"{args.profile}.workspace" if args.profile else None
    bench_single(args.functions, args.edits, args.seed, report, profile_single)
    if args.workspace:
        bench_workspace(args.workspace, args.edits, args.requests, args.seed, report, profile_ws)
    command = "python -m bench.lsp " + " ".join(argv if argv is not None else sys.argv[1:])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    markdown = "\n".join([
        SECTION, "",
        f"Measured {datetime.date.today().isoformat()} on {machine} with `{command.strip()}` "
        f"({time.perf_counter() - started:.0f} s, load average {load:.1f} at the start). "
        "Client-side wall time over stdio: from writing "
        "a didChange to reading the publishDiagnostics of that version; from writing a request "
        "to reading its response. Peers' p50 figures are from the brief (~1,000 operations, "
        "measured elsewhere).", "",
        table(report), "",
        *(f"- {note}" for note in report.notes), "",
    ])
    if args.breakdown:
        rows = [(f"{args.functions:,} fns", breakdown(
            specgen.generate(args.functions, args.seed), specgen.SINGLE_ROOT, args.edits,
            args.seed))]
        if args.workspace:
            files = specgen.generate(args.workspace, args.seed, split=True)
            rows.append((f"{args.workspace:,} fns", breakdown(
                files, workspace_file(files), args.edits, args.seed)))
        markdown += "\nWhere an edit's time goes (the same keystrokes, in-process):\n\n"
        markdown += breakdown_table(rows) + "\n"
        def share(times: dict[str, list[float]]) -> float:
            return 100 * statistics.median(times[CHECK_PHASE]) / statistics.median(times["total"])

        shares = ", ".join(f"{share(times):.0f}% at {label}" for label, times in rows)
        markdown += (f"\nThe check is {shares} of an edit's in-process time (p50). It is "
                     "incremental: it walks again only the files an edit changed and the "
                     "declarations that read a fact the edit changed (a name, a resolved type, "
                     "an auth level; see `mizan_lang/check/state.py`).\n")
    print(markdown)
    if args.write_docs:
        write_docs(markdown)
    if args.profile:
        for path in (profile_single, profile_ws):
            if path:
                print(f"\n### {path}")
                print_profile(path, 25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
