"""Protocol-core probes: invalidation (body, header, tiers), the registry,
the IR and uploads (docs/protocol.md 5, 7, 14.2)."""

from __future__ import annotations

from typing import Any

from mizan_lang.ir import to_kdl

from .. import identities
from ..probing import Session
from .sequences import probe


def call(fn: str, args: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"path": "call/", "json": {"fn": fn, "args": args or {}}}
    request.update(extra)
    return request


NOTE_31 = {
    "board_id": "31",
    "created": "2024-01-31T12:01:00.000000Z",
    "id": "31001",
    "price": "1.50",
    "role": "member",
    "tags": [],
    "text": "first",
}


# --- invalidation in the body -------------------------------------------------------


@probe("invalidate-body", "a mutation lists every context it affects, normalized")
def _body_list(session: Session) -> None:
    session.exchange(call("add_note", {"board_id": "31", "text": "first"}), {
        "status": 200,
        "body": {"invalidate": [
            {"context": "board", "params": {"board_id": "31"}},
            {"context": "stats", "params": {}},
            {"context": "thread", "params": {"board_id": "31"}},
        ], "result": NOTE_31},
    }, "add_note")


@probe("invalidate-body", "a query and a failed mutation invalidate nothing")
def _body_empty(session: Session) -> None:
    session.exchange(call("echo", {"value": 1}), {
        "status": 200, "pointers": {"/invalidate": []}}, "query")
    session.exchange(call("add_note", {"board_id": "x"}), {
        "status": 400, "headers": {"x-mizan-invalidate": None},
        "pointers": {"/error/code": "invalid_arguments", "/invalidate": "<missing>"},
    }, "failed mutation")


@probe("invalidate-body", "a mutation of several contexts (comma list) by an identity")
def _body_several(session: Session) -> None:
    session.exchange(call("send_message", {"owner": "bob", "text": "hi"}, **{"as": "ada"}), {
        "status": 200,
        "body": {"invalidate": [
            {"context": "inbox", "params": {}},
            {"context": "mailbox", "params": {"owner": "bob"}},
        ], "result": 1},
    }, "send_message")


# --- invalidation in the header -----------------------------------------------------


@probe("invalidate-header", "the header carries the body's list")
def _header_list(session: Session) -> None:
    session.exchange(call("add_note", {"board_id": "32", "text": "x"}), {
        "status": 200,
        "headers": {"x-mizan-invalidate": "board;board_id=32,stats,thread;board_id=32"},
    }, "add_note")


@probe("invalidate-header", "no header for an empty list")
def _header_none(session: Session) -> None:
    session.exchange(call("echo", {"value": 1}), {
        "status": 200, "headers": {"x-mizan-invalidate": None}}, "query")


@probe("invalidate-header", "escaped values, a null key bare, an empty value with =")
def _header_escaping(session: Session) -> None:
    session.exchange(call("retag", {"tag": "Café & Co~"}), {
        "status": 200,
        "headers": {"x-mizan-invalidate": "topic;day;tag=Caf%C3%A9%20%26%20Co%7E"},
        "body": {"invalidate": [{"context": "topic", "params": {"day": None,
                                                              "tag": "Café & Co~"}}],
                 "result": None},
    }, "null day")
    session.exchange(call("retag", {"tag": "", "day": "2024-02-29"}), {
        "status": 200, "headers": {"x-mizan-invalidate": "topic;day=2024-02-29;tag="},
    }, "empty tag")


@probe("invalidate-header", "a header over 4096 octets falls back to global entries")
def _header_long(session: Session) -> None:
    owner = "o" * 5000
    body = session.exchange(call("send_message", {"owner": owner, "text": "t"}, **{"as": "bob"}), {
        "status": 200, "headers": {"x-mizan-invalidate": "inbox,mailbox"},
    }, "long owner")
    session.check("the body keeps the full list", body["invalidate"], [
        {"context": "inbox", "params": {}}, {"context": "mailbox", "params": {"owner": owner}},
    ])


# --- scoping tiers -----------------------------------------------------------------------


@probe("scoping", "exact: the mutation binds every key of the context")
def _exact(session: Session) -> None:
    session.exchange(call("add_note", {"board_id": "33", "text": "x"}), {
        "status": 200, "pointers": {"/invalidate/0": {"context": "board",
                                                      "params": {"board_id": "33"}}},
    }, "add_note")


@probe("scoping", "partial: only some keys are bound (thread without page)")
def _partial(session: Session) -> None:
    session.exchange(call("add_note", {"board_id": "34", "text": "x"}), {
        "status": 200, "pointers": {"/invalidate/2": {"context": "thread",
                                                      "params": {"board_id": "34"}}},
    }, "add_note")


@probe("scoping", "global: a context without keys, and scope=global")
def _global(session: Session) -> None:
    session.exchange(call("clear_boards"), {
        "status": 200, "headers": {"x-mizan-invalidate": "board"},
        "body": {"invalidate": [{"context": "board", "params": {}}], "result": None},
    }, "clear_boards")


@probe("scoping", "explicit bindings map keys to other params")
def _explicit(session: Session) -> None:
    session.exchange(call("move_note", {"from_board": "35", "to_board": "36"}), {
        "status": 200,
        "headers": {"x-mizan-invalidate": "board;board_id=36,thread;board_id=35"},
        "body": {"invalidate": [
            {"context": "board", "params": {"board_id": "36"}},
            {"context": "thread", "params": {"board_id": "35"}},
        ], "result": None},
    }, "move_note")


# --- the registry ------------------------------------------------------------------------


@probe("registry", "every function of the spec is registered and reachable")
def _registry(session: Session) -> None:
    functions = sorted(f.name for f in identities.fixture_ir().functions)
    for name in functions:
        request = call(name, **{"as": "ada"})
        if name == "attach":  # an Upload function is called with multipart
            request = {"path": "call/", "multipart": [{"name": "fn", "text": name}],
                       "as": "ada"}
        response = session.send(request)
        parsed = response.json() if response.body.startswith(b"{") else None
        if response.status == 404 and parsed == {"error": {
                "code": "not_found", "message": "Not found.", "details": {"fn": name}}}:
            session.check(f"{name} is registered", "not registered", "registered")
        # The counter counts the notes the probes before added: which ran
        # depends on the transport (no header probes over IPC).
        masks = {"mask": {"/result": "count"}} if name == "stats_counter" else {}
        session.expect(response, masks, name)


@probe("registry", "names outside the spec are not functions")
def _unregistered(session: Session) -> None:
    for name in ("authenticate", "identity_of", "__init__", "Service", "ECHO", ""):
        session.exchange(call(name), {
            "status": 404,
            "body": {"error": {"code": "not_found", "message": "Not found.",
                               "details": {"fn": name}}},
        }, repr(name))


# --- IR export ---------------------------------------------------------------------------


@probe("ir", "GET ir/ answers the canonical IR in KDL")
def _ir(session: Session) -> None:
    session.exchange({"method": "GET", "path": "ir/"}, {
        "status": 200,
        "headers": {"content-type": "text/plain; charset=utf-8"},
        "text": to_kdl(identities.fixture_ir()),
    }, "ir")


@probe("ir", "ir/ ignores credentials and takes only GET")
def _ir_method(session: Session) -> None:
    session.exchange({"method": "GET", "path": "ir/", "as": "bob", "token": "garbage"},
                     {"status": 200}, "bad token ignored")
    session.exchange({"method": "POST", "path": "ir/", "json": {}}, {
        "status": 405, "headers": {"allow": "GET"}}, "POST")


# --- uploads -------------------------------------------------------------------------------


def _upload(*parts: dict[str, Any], args: str | None = '{"board_id": "41"}') -> dict[str, Any]:
    head: list[dict[str, Any]] = [{"name": "fn", "text": "attach"}]
    if args is not None:
        head.append({"name": "args", "text": args})
    return {"path": "call/", "multipart": [*head, *parts]}


FILE = {"name": "file", "text": "hello", "filename": "a.txt", "content_type": "text/plain"}


@probe("uploads", "a multipart call passes the file and the JSON args")
def _upload_ok(session: Session) -> None:
    session.exchange(_upload(FILE, args='{"board_id": "41", "caption": "hi"}'), {
        "status": 200,
        "headers": {"x-mizan-invalidate": "board;board_id=41"},
        "body": {"invalidate": [{"context": "board", "params": {"board_id": "41"}}],
                 "result": {"caption": "hi", "content_type": "text/plain", "name": "a.txt",
                            "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                            "size": 5}},
    }, "attach")


@probe("uploads", "a part without Content-Type is octet-stream; type/* accepts subtypes")
def _upload_types(session: Session) -> None:
    session.exchange(_upload({"name": "file", "hex": "89504e47", "filename": "p.png",
                              "content_type": "IMAGE/PNG; q=1"}), {
        "status": 200, "pointers": {"/result/content_type": "image/png", "/result/size": 4},
    }, "image/*")
    session.exchange(_upload({"name": "file", "text": "x"}), {
        "status": 415,
        "body": {"error": {"code": "unsupported_media_type", "message": "Unsupported media type.",
                           "details": {"content_type": "application/octet-stream",
                                       "param": "file"}}},
    }, "no content type")


@probe("uploads", "hostile: an oversized upload answers 413 with the param's limit")
def _upload_too_big(session: Session) -> None:
    session.exchange(_upload({"name": "file", "size": 65, "content_type": "application/zip"}), {
        "status": 413,
        "body": {"error": {"code": "payload_too_large", "message": "The payload is too large.",
                           "details": {"limit": 64, "param": "file"}}},
    }, "65 bytes")
    session.exchange(_upload({"name": "file", "size": 64, "content_type": "text/plain"}), {
        "status": 200, "pointers": {"/result/size": 64}}, "64 bytes")


@probe("uploads", "hostile: missing, unknown, repeated and misplaced parts")
def _upload_parts(session: Session) -> None:
    session.exchange(_upload(), {
        "status": 400,
        "body": {"error": {"code": "invalid_arguments", "message": "Some arguments are invalid.",
                           "details": {"file": {"code": "required",
                                                "message": "This value is required.",
                                                "path": "/file"}}}},
    }, "missing file")
    session.exchange(_upload(FILE, {**FILE, "name": "other"}), {
        "status": 400,
        "pointers": {"/error/details/other/code": "unknown"},
    }, "unknown part")
    session.exchange(_upload(FILE, FILE), {
        "status": 400,
        "body": {"error": {"code": "bad_request", "message": "The request is malformed.",
                           "details": {"reason": "multipart"}}},
    }, "part twice")
    session.exchange(_upload(FILE, args='{"board_id": "41", "file": "x"}'), {
        "status": 400,
        "pointers": {"/error/details/file": {"code": "type", "message": "Expected Upload.",
                                             "path": "/file"}},
    }, "file in args")


@probe("uploads", "hostile: JSON for an Upload function, multipart for another")
def _upload_media(session: Session) -> None:
    session.exchange(call("attach", {"board_id": "41"}), {
        "status": 415, "pointers": {"/error/details": {"content_type": "application/json"}},
    }, "attach as JSON")
    session.exchange({"path": "call/", "multipart": [{"name": "fn", "text": "echo"}]}, {
        "status": 415, "pointers": {"/error/details": {"content_type": "multipart/form-data"}},
    }, "echo as multipart")


@probe("rpc", "hostile: after exceptions (a panic in Rust) the server keeps serving")
def _crash_then_serve(session: Session) -> None:
    internal = {"error": {"code": "internal", "message": "Internal server error.",
                          "details": None}}
    for attempt in range(3):
        session.exchange(call("crash"), {"status": 500, "body": internal}, f"crash {attempt}")
    session.exchange(call("echo", {"value": 2}), {
        "status": 200, "pointers": {"/result/value": 2}}, "a call after them")
