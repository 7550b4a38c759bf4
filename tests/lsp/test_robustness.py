"""The server survives a broken or hostile client and stays correct.

Each test drives a real `mizan-lang lsp` subprocess with a hand-rolled client
(`bench.lsp.StdioClient`) that reads stdout byte by byte: anything on stdout
that is not a JSON-RPC frame is a violation, and every test ends by checking
there was none. After each abuse the server must still answer a normal
request with the normal answer and still publish correct diagnostics.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bench.lsp import SERVER, StdioClient, utf16_position

from .test_edit_fuzz import Document, assert_matches_fresh, lsp_position, settle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602


def frame(message: dict[str, Any] | bytes) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, root / path.name)
    return root


@pytest.fixture
def server(shop: Path):
    client = StdioClient()
    client.initialize([shop])
    yield client
    assert client.stop() == 0
    assert client.violations == [], "stdout carried something else than JSON-RPC frames"


def position_params(uri: str, pos: dict[str, int]) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": pos}


_PROBES = itertools.count(1)


def assert_serves(client: StdioClient, root: Path) -> None:
    """A normal request gets its normal answer, and a new document its diagnostics."""
    user, target = root / "backoffice.mizan", root / "orders.mizan"  # no test edits them
    text, target_text = user.read_text("utf-8"), target.read_text("utf-8")
    use = text.index("returns=list<OrderRow>") + len("returns=list<") + 2
    declared = target_text.index("shape OrderRow") + len("shape ")
    got = client.request("textDocument/definition",
                         position_params(user.as_uri(), utf16_position(text, use)))
    assert got == [{"uri": target.as_uri(), "range": {
        "start": utf16_position(target_text, declared),
        "end": utf16_position(target_text, declared + len("OrderRow"))}}]

    number = next(_PROBES)
    probe = root / f"probe{number}.mizan"
    probe_text = f"mizan 1\nfn probe_{number} returns=Missing {{ }}\n"
    mark = len(client.received)
    client.open(probe.as_uri(), probe_text)
    diags = client.diagnostics(probe.as_uri(), 1, start=mark).message["params"]["diagnostics"]
    at = probe_text.index("Missing")
    assert [(d["code"], d["range"]) for d in diags] == [
        ("M201", {"start": utf16_position(probe_text, at),
                  "end": utf16_position(probe_text, at + len("Missing"))})]
    client.notify("textDocument/didClose", {"textDocument": {"uri": probe.as_uri()}})


def answer(client: StdioClient, message: dict[str, Any]) -> dict[str, Any]:
    """Send a request frame as is; its response (result or error)."""
    client.send_raw(frame(message))
    return client.response(message["id"], timeout=10).message


def error_code(response: dict[str, Any]) -> int | None:
    return response.get("error", {}).get("code")


# ---------------------------------------------------------------- malformed JSON-RPC


def test_garbage_bytes_are_skipped(server: StdioClient, shop: Path) -> None:
    rng = random.Random(7)
    server.send_raw(b"\x00\xff\xfe\x80 garbage \x1b[31m\r\n")
    server.send_raw(b"\r\n\r\n\n")
    server.send_raw(b"Content-Type: application/json\r\n\r\n")
    server.send_raw(bytes(rng.randrange(256) for _ in range(4096)).replace(b"Content", b"C"))
    server.send_raw(b"\r\n")
    # Garbage stuck to the front of a frame: the frame itself still gets through.
    glued = {"jsonrpc": "2.0", "id": 9001, "method": "mizan/nothing", "params": {}}
    server.send_raw(b"#@!junk" + frame(glued))
    assert error_code(server.response(9001).message) == METHOD_NOT_FOUND
    assert_serves(server, shop)


LOST = {"jsonrpc": "2.0", "id": 777, "method": "textDocument/definition",
        "params": position_params("file:///x.mizan", {"line": 0, "character": 0})}
LOST_BODY = json.dumps(LOST).encode()

BAD_LENGTHS = {
    "not a number": b"Content-Length: abc\r\n\r\n" + LOST_BODY,
    "negative": b"Content-Length: -5\r\n\r\n" + LOST_BODY,
    "missing": b"Content-Type: application/json\r\n\r\n" + LOST_BODY,
    "huge": b"Content-Length: 99999999999999\r\n\r\n" + LOST_BODY,
    "too short": b"Content-Length: %d\r\n\r\n" % (len(LOST_BODY) - 9) + LOST_BODY,
}


def test_a_bad_content_length_loses_one_message_at_most(server: StdioClient,
                                                         shop: Path) -> None:
    for case, data in BAD_LENGTHS.items():  # one server for all: the damage must not add up
        server.send_raw(data)
        try:
            assert_serves(server, shop)
        except (AssertionError, TimeoutError) as err:
            raise AssertionError(f"the server is lost after a Content-Length {case}") from err


def test_a_too_long_content_length_recovers_the_swallowed_frame(server: StdioClient,
                                                               shop: Path) -> None:
    # The first body claims 25 more bytes than it has, eating the start of the next
    # frame; both requests are still answered.
    first = {"jsonrpc": "2.0", "id": 501, "method": "mizan/nothing", "params": {}}
    second = {"jsonrpc": "2.0", "id": 502, "method": "mizan/nothing", "params": {}}
    body = json.dumps(first).encode()
    server.send_raw(b"Content-Length: %d\r\n\r\n" % (len(body) + 25) + body + frame(second))
    assert error_code(server.response(501).message) == METHOD_NOT_FOUND
    assert error_code(server.response(502).message) == METHOD_NOT_FOUND
    assert_serves(server, shop)


def virtual_memory(pid: int) -> int:
    """VmSize of a process in bytes (what it allocated, touched or not)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmSize:")[1].split()[0]) * 1024


def test_a_huge_content_length_does_not_allocate_it(server: StdioClient, shop: Path) -> None:
    # Within the accepted size, but the bytes never come: memory must follow what
    # arrives (pygls' reader allocated the declared size, or died of MemoryError).
    assert_serves(server, shop)
    before = virtual_memory(server.proc.pid)
    server.send_raw(b"Content-Length: 1000000000\r\n\r\n" + LOST_BODY)
    time.sleep(0.5)
    assert server.proc.poll() is None
    assert virtual_memory(server.proc.pid) - before < 100_000_000
    server.proc.stdin.close()
    assert server.proc.wait(10) == 0


NOT_MESSAGES = {
    "not json": (b"{this is not json", PARSE_ERROR),
    "not utf-8": (b"\xff\xfe\x00{}", PARSE_ERROR),
    "array": (b"[1, 2, 3]", INVALID_REQUEST),
    "number": (b"42", INVALID_REQUEST),
    "no jsonrpc member": (b'{"id": 5, "method": "shutdown"}', INVALID_REQUEST),
}


def test_a_body_that_is_not_a_message_is_answered_with_an_error(server: StdioClient,
                                                                shop: Path) -> None:
    for case, (body, code) in NOT_MESSAGES.items():
        mark = len(server.received)
        server.send_raw(frame(body))
        got = server.wait_for(lambda m: "error" in m and "method" not in m, start=mark)
        assert error_code(got.message) == code, case
        assert got.message["id"] == (5 if b'"id"' in body else None), case
        assert_serves(server, shop)


BAD_PARAMS = {
    "missing": None,
    "not an object": "a string",
    "no position": {"textDocument": {"uri": "file:///x.mizan"}},
    "negative line": {"textDocument": {"uri": "file:///x.mizan"},
                      "position": {"line": -1, "character": 0}},
    "wrong type": {"textDocument": 5, "position": {"line": 0, "character": 0}},
}


def test_a_request_with_bad_params_is_answered_invalid_params(server: StdioClient,
                                                              shop: Path) -> None:
    for number, (case, params) in enumerate(BAD_PARAMS.items()):
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": 40 + number,
                                   "method": "textDocument/definition"}
        if params is not None:
            message["params"] = params
        assert error_code(answer(server, message)) == INVALID_PARAMS, case
        assert_serves(server, shop)


def test_a_notification_with_bad_params_is_ignored(server: StdioClient, shop: Path) -> None:
    mark = len(server.received)
    server.send_raw(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen"}))
    server.send_raw(frame({"jsonrpc": "2.0", "method": "textDocument/didChange",
                           "params": {"textDocument": 3}}))
    settle(server, shop)
    assert [m.message.get("method") for m in server.received[mark:]
            if "id" not in m.message] == []
    assert_serves(server, shop)


# ---------------------------------------------------------------- unknown methods


def test_unknown_request_is_method_not_found(server: StdioClient, shop: Path) -> None:
    with_params = {"jsonrpc": "2.0", "id": 11, "method": "mizan/nothing", "params": {"a": 1}}
    without = {"jsonrpc": "2.0", "id": 12, "method": "textDocument/teleport"}
    assert answer(server, with_params)["error"]["code"] == METHOD_NOT_FOUND
    assert answer(server, without)["error"]["code"] == METHOD_NOT_FOUND
    assert_serves(server, shop)


def test_unknown_notifications_are_ignored(server: StdioClient, shop: Path) -> None:
    mark = len(server.received)
    server.notify("mizan/nothing", {"a": 1})
    server.notify("$/mizan/ping")
    server.send_raw(frame({"jsonrpc": "2.0", "method": "workspace/teleport"}))
    settle(server, shop)
    later = [m.message for m in server.received[mark:]
             if m.message.get("method") != "client/registerCapability"]
    assert len(later) == 1 and later[0]["id"] is not None  # only the answer to settle()
    assert server.error_logs() == []
    assert_serves(server, shop)


def test_commands_with_odd_arguments_are_answered(server: StdioClient, shop: Path) -> None:
    for arguments in ([], ["unexpected", 3], None):
        params: dict[str, Any] = {"command": "mizan.stats"}
        if arguments is not None:
            params["arguments"] = arguments
        got = server.request("workspace/executeCommand", params)
        assert set(got) == {"publishes", "latencies_ms"}, arguments
    unknown = answer(server, {"jsonrpc": "2.0", "id": 31, "method": "workspace/executeCommand",
                              "params": {"command": "mizan.nothing", "arguments": []}})
    assert error_code(unknown) == INVALID_PARAMS
    assert server.error_logs() == []
    assert_serves(server, shop)


# ---------------------------------------------------------------- unknown documents

# Request -> the capability that announces it.
REQUESTS = {
    "textDocument/hover": "hoverProvider",
    "textDocument/definition": "definitionProvider",
    "textDocument/completion": "completionProvider",
    "textDocument/documentSymbol": "documentSymbolProvider",
    "textDocument/references": "referencesProvider",
}


def ask(client: StdioClient, method: str, uri: str, pos: dict[str, int]) -> dict[str, Any]:
    params: dict[str, Any] = {"textDocument": {"uri": uri}}
    if method != "textDocument/documentSymbol":
        params["position"] = pos
    if method == "textDocument/references":
        params["context"] = {"includeDeclaration": True}
    msg_id, _ = client.request_id(method, params)
    return client.response(msg_id, timeout=10).message


def assert_empty_answers(client: StdioClient, uri: str, pos: dict[str, int],
                         may_answer: tuple[str, ...] = ()) -> None:
    """Every announced request answers without error, and empty unless it is one of
    `may_answer`; requests the server does not announce answer MethodNotFound."""
    for method, capability in REQUESTS.items():
        got = ask(client, method, uri, pos)
        if not client.capabilities.get(capability):
            assert error_code(got) == METHOD_NOT_FOUND, method
            continue
        assert "error" not in got, (method, got)
        result = got["result"]
        if isinstance(result, dict):  # a CompletionList
            result = result.get("items")
        if method not in may_answer:
            assert result in (None, []), (method, uri, result)
    assert client.error_logs() == []


# Past the end of a line or of the document, a position means that end (LSP clamps):
# completion may offer what fits there, and the outline does not depend on it.
AT_THE_END = ("textDocument/completion", "textDocument/documentSymbol")


def test_requests_about_files_that_do_not_exist_answer_empty(server: StdioClient,
                                                            shop: Path) -> None:
    for uri in [(shop / "nope.mizan").as_uri(), (shop / "sub" / "deep.mizan").as_uri(),
                "file:///nonexistent/folder/x.mizan", shop.as_uri(),
                (shop / "notes.txt").as_uri(), "untitled:Untitled-1"]:
        assert_empty_answers(server, uri, {"line": 0, "character": 0})
    assert_serves(server, shop)


def test_requests_about_a_deleted_file_answer_empty(server: StdioClient, shop: Path) -> None:
    doomed = shop / "doomed.mizan"
    text = "mizan 1\n\nimport \"common.mizan\"\n\nfn doomed returns=Money { }\n"
    doomed.write_text(text, "utf-8")
    server.notify("workspace/didChangeWatchedFiles",
                  {"changes": [{"uri": doomed.as_uri(), "type": 1}]})
    server.open(doomed.as_uri(), text)
    server.diagnostics(doomed.as_uri(), 1)
    inside = utf16_position(text, text.index("Money") + 1)
    assert ask(server, "textDocument/definition", doomed.as_uri(), inside)["result"]
    server.notify("textDocument/didClose", {"textDocument": {"uri": doomed.as_uri()}})
    doomed.unlink()
    server.notify("workspace/didChangeWatchedFiles",
                  {"changes": [{"uri": doomed.as_uri(), "type": 3}]})
    assert_empty_answers(server, doomed.as_uri(), inside)
    assert_serves(server, shop)


def test_requests_about_an_unopened_file_read_it_from_disk(server: StdioClient,
                                                          shop: Path) -> None:
    for method, capability in REQUESTS.items():
        if server.capabilities.get(capability):
            got = ask(server, method, (shop / "orders.mizan").as_uri(),
                      {"line": 0, "character": 0})
            assert "error" not in got, method
    assert server.error_logs() == []
    assert_serves(server, shop)


def test_a_change_to_an_unopened_document_is_ignored(server: StdioClient, shop: Path) -> None:
    orders = shop / "orders.mizan"
    server.change(orders.as_uri(), 7, [{"range": {"start": {"line": 0, "character": 0},
                                                 "end": {"line": 0, "character": 5}},
                                       "text": "garbage"}])
    server.change(orders.as_uri(), 8, [{"text": "not kdl at all {{{"}])
    server.open(orders.as_uri(), orders.read_text("utf-8"))
    assert server.diagnostics(orders.as_uri(), 1).message["params"]["diagnostics"] == []
    assert server.error_logs() == []
    assert_serves(server, shop)


# ---------------------------------------------------------------- positions out of range


def test_positions_out_of_range_answer_empty(server: StdioClient, shop: Path) -> None:
    uri = (shop / "main.mizan").as_uri()
    text = (shop / "main.mizan").read_text("utf-8")
    server.open(uri, text)
    server.diagnostics(uri, 1)
    lines = text.count("\n")
    for pos in ({"line": 10_000, "character": 5_000}, {"line": 0, "character": 5_000},
                {"line": lines, "character": 0}, {"line": lines + 1, "character": 3}):
        assert_empty_answers(server, uri, pos, AT_THE_END)
    assert_serves(server, shop)


def test_an_edit_past_the_end_is_applied_at_the_end(server: StdioClient, shop: Path) -> None:
    uri = (shop / "main.mizan").as_uri()
    text = (shop / "main.mizan").read_text("utf-8")
    server.open(uri, text)
    server.diagnostics(uri, 1)
    tail = "\nfn tail_fn returns=Nowhere { }\n"
    far = {"line": 10_000, "character": 5_000}
    server.change(uri, 2, [{"range": {"start": far, "end": far}, "text": tail}])
    diags = server.diagnostics(uri, 2).message["params"]["diagnostics"]
    expected = text + tail
    at = expected.index("Nowhere")
    assert [(d["code"], d["range"]["start"]) for d in diags] == [
        ("M201", lsp_position(expected, at))]
    # A line's end clamps too: (line 0, character 5000) is the end of `mizan 1`.
    server.change(uri, 3, [{"range": {"start": {"line": 0, "character": 5_000},
                                      "end": {"line": 0, "character": 5_000}}, "text": "0"}])
    diags = server.diagnostics(uri, 3).message["params"]["diagnostics"]
    assert {d["code"] for d in diags} >= {"M201"} and len(diags) == 2  # + `mizan 10`
    assert_serves(server, shop)


# ---------------------------------------------------------------- edits faster than checks


def test_edits_faster_than_checks_end_in_the_last_versions_diagnostics(
        server: StdioClient, shop: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(shop, reference)
    name = "catalog.mizan"
    original = (shop / name).read_text("utf-8")
    document = Document(server, (shop / name).as_uri(), original)
    server.diagnostics(document.uri, 1)
    rng = random.Random(2024)
    mark = len(server.received)
    for _ in range(199):  # back to back: no waiting for any publish
        where = rng.random()
        if rng.random() < 0.5:
            document.apply(where, 0, rng.choice(["x", "é", "😀", "{", "}", "\"", "\n", "/-"]))
        else:
            document.apply(where, rng.randrange(1, 4), "")
    at = document.text.index("fn ") + len("fn ")  # the last edit breaks a name for sure
    document.apply(at / len(document.text), 0, "9")
    assert document.version == 201
    # A request right behind the last edit needs (and makes) the new analysis; the
    # diagnostics of that version must still be published.
    server.request_id("textDocument/documentSymbol", {"textDocument": {"uri": document.uri}})
    got = server.diagnostics(document.uri, 201, timeout=60)
    assert got.message["params"]["diagnostics"]
    assert_matches_fresh(server, shop, reference, {name: document.text})
    versions = [m.message["params"]["version"] for m in server.received[mark:]
                if m.message.get("method") == "textDocument/publishDiagnostics"
                and m.message["params"]["uri"] == document.uri]
    assert versions[-1] == 201 and versions == sorted(versions)
    # Edits that queued up while a check ran are checked together, not one by one
    # (one check per edit would leave the diagnostics ever further behind the typing).
    assert len(versions) < 50
    assert_serves(server, shop)


# ---------------------------------------------------------------- the client goes away


def test_closing_stdin_mid_request_ends_the_server_cleanly(shop: Path) -> None:
    client = StdioClient()
    client.initialize([shop])
    client.open((shop / "main.mizan").as_uri(), (shop / "main.mizan").read_text("utf-8"))
    client.request_id("textDocument/definition",
                      position_params((shop / "catalog.mizan").as_uri(), {"line": 129,
                                                                           "character": 45}))
    client.proc.stdin.close()
    assert client.proc.wait(5) == 0
    client.stop()
    assert client.violations == []
    assert b"Traceback" not in client.stderr


def test_closing_stdin_mid_frame_ends_the_server_cleanly(shop: Path) -> None:
    client = StdioClient()
    client.initialize([shop])
    half = frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"})[:-5]
    client.send_raw(half)
    client.proc.stdin.close()
    assert client.proc.wait(5) == 0
    client.stop()
    assert client.violations == []
    assert b"Traceback" not in client.stderr


def test_a_client_that_vanishes_does_not_leave_the_server_running(shop: Path) -> None:
    proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, cwd=Path(__file__).parents[2],
                            env={**os.environ})
    proc.stdout.close()  # nobody will read what the server writes
    proc.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": shop.as_uri(), "capabilities": {},
        "workspaceFolders": [{"uri": shop.as_uri(), "name": "shop"}]}}))
    proc.stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    for path in sorted(shop.glob("*.mizan")):
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": path.as_uri(), "languageId": "mizan", "version": 1,
                             "text": path.read_text("utf-8") + "\nbroken {"}}}))
    proc.stdin.flush()
    proc.stdin.close()
    proc.wait(10)  # raises TimeoutExpired if it hangs


# ---------------------------------------------------------------- shutdown and exit


def test_shutdown_then_exit(shop: Path) -> None:
    client = StdioClient()
    client.initialize([shop])
    uri = (shop / "main.mizan").as_uri()
    assert client.request("shutdown") is None
    refused = answer(client, {"jsonrpc": "2.0", "id": 99, "method": "textDocument/definition",
                              "params": position_params(uri, {"line": 0, "character": 0})})
    assert error_code(refused) == INVALID_REQUEST
    mark = len(client.received)
    client.open(uri, "mizan 1\nbroken {\n")  # ignored: no more publishing
    client.notify("exit")
    assert client.proc.wait(5) == 0
    client.stop()
    assert [m.message.get("method") for m in client.received[mark:]] == []
    assert client.violations == []
    assert b"Traceback" not in client.stderr


def test_exit_without_shutdown_exits_with_1(shop: Path) -> None:
    client = StdioClient()
    client.initialize([shop])
    client.notify("exit")
    assert client.proc.wait(5) == 1
    client.stop()
    assert client.violations == []


def test_stdout_carries_only_frames_with_debug_logging(shop: Path) -> None:
    client = StdioClient(env={**os.environ, "MIZAN_LSP_LOG": "debug"})
    client.initialize([shop])
    for path in sorted(shop.glob("*.mizan")):
        client.open(path.as_uri(), path.read_text("utf-8"))
    uri = (shop / "catalog.mizan").as_uri()
    client.change(uri, 2, [{"range": {"start": {"line": 0, "character": 0},
                                      "end": {"line": 0, "character": 0}}, "text": "oops "}])
    assert client.diagnostics(uri, 2).message["params"]["diagnostics"]
    assert_empty_answers(client, uri, {"line": 10_000, "character": 0}, AT_THE_END)
    assert client.stop() == 0
    assert client.violations == []
    assert client.stdout_bytes > 0
    assert b"DEBUG" in client.stderr  # the logs went to stderr
