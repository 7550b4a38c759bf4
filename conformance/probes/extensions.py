"""Extension-point probes: WebSocket, the SSR bridge, JWT, MWT, shapes and
forms (docs/protocol.md 9 to 13)."""

from __future__ import annotations

import base64
from typing import Any

from mizan_lang.protocol.forms import form_schema

from .. import config, identities
from ..client import Http, WebSocket, WebSocketClosed
from ..probing import Session
from .core import call
from .edge import MISSING, error
from .sequences import HTTP, IPC, probe

# --- WebSocket --------------------------------------------------------------------------


def _socket(session: Session, headers: dict[str, str] | None = None) -> WebSocket:
    socket = WebSocket(session.base_url + config.PREFIX, "ws/", headers)
    session.check("the upgrade is accepted", [socket.status, socket.accepted], [101, True])
    return socket


def _ask(session: Session, socket: WebSocket, frame: Any, label: str) -> Any:
    if isinstance(frame, (str, bytes)):
        socket.send_text(frame)
    else:
        socket.send_json(frame)
    return session.record_text(label, socket.receive())


@probe("websocket", "a call answers its id, result and invalidate list", HTTP)
def _ws_call(session: Session) -> None:
    socket = _socket(session)
    try:
        answer = _ask(session, socket, {"id": 1, "fn": "echo", "args": {"value": [1]}}, "echo")
        session.check("echo", [answer["id"], answer["invalidate"], answer["result"]["value"]],
                      [1, [], [1]])
        answer = _ask(session, socket, {"id": "n", "fn": "add_note",
                                        "args": {"board_id": "81", "text": "ws"}}, "add_note")
        session.check("add_note", answer["invalidate"], [
            {"context": "board", "params": {"board_id": "81"}}, {"context": "stats", "params": {}},
            {"context": "thread", "params": {"board_id": "81"}}])
    finally:
        socket.close()


@probe("websocket", "hostile: functions not declared websocket=#true, bad frames", HTTP)
def _ws_refused(session: Session) -> None:
    socket = _socket(session)
    try:
        for fn in ("staff_only", "attach", "drop_tables"):
            answer = _ask(session, socket, {"id": 2, "fn": fn}, fn)
            session.check(fn, answer, {"error": {"code": "not_found", "message": "Not found.",
                                                 "details": {"fn": fn}}, "id": 2})
        answer = _ask(session, socket, {"id": 3, "fn": "echo", "args": {"count": "x"}}, "args")
        session.check("bad args", [answer["id"], answer["error"]["code"]],
                      [3, "invalid_arguments"])
        for frame, reason in (("{nope", "json"), ("[1]", "shape"),
                              ('{"id": 1.5, "fn": "echo"}', "shape"),
                              ('{"id": -1, "fn": "echo"}', "shape")):
            answer = _ask(session, socket, frame, frame)
            session.check(frame, [answer["id"], answer["error"]["code"],
                                  answer["error"]["details"]],
                          [None, "bad_request", {"reason": reason}])
    finally:
        socket.close()


@probe("websocket", "identity: the upgrade's bearer token, then auth frames", HTTP)
def _ws_identity(session: Session) -> None:
    socket = _socket(session)
    try:
        answer = _ask(session, socket, {"id": 1, "fn": "whoami"}, "anonymous")
        session.check("anonymous", answer["error"]["code"], "unauthenticated")
        answer = _ask(session, socket, {"auth": identities.token("bob", "alg-none")}, "alg none")
        session.check("alg none", [answer["auth"], answer["error"]["details"]],
                      [False, {"reason": "algorithm"}])
        answer = _ask(session, socket, {"auth": identities.token("bob")}, "auth bob")
        session.check("auth bob", answer, {"auth": True})
        answer = _ask(session, socket, {"id": 2, "fn": "whoami"}, "whoami bob")
        session.check("whoami bob", answer["result"], "bob")
        answer = _ask(session, socket, {"auth": identities.token("bob", "expired")}, "expired")
        session.check("expired", answer["auth"], False)
        answer = _ask(session, socket, {"id": 3, "fn": "whoami"}, "anonymous again")
        session.check("anonymous again", answer["error"]["code"], "unauthenticated")
    finally:
        socket.close()
    socket = _socket(session, {"Authorization": f"Bearer {identities.token('ada')}"})
    try:
        answer = _ask(session, socket, {"id": 4, "fn": "whoami"}, "upgrade bearer")
        session.check("upgrade bearer", answer["result"], "ada")
    finally:
        socket.close()


@probe("websocket", "hostile: a frame over the request limit closes with 1009", HTTP)
def _ws_too_large(session: Session) -> None:
    socket = _socket(session)
    try:
        socket.send_text(b'{"id": 1, "fn": "echo", "args": {"value": "'
                         + b"x" * config.MAX_BODY_SIZE + b'"}}')
        try:
            socket.receive()
            code: int | None = 0
        except WebSocketClosed as closed:
            code = closed.code
        except OSError:
            code = None
        session.check("close code", code, 1009)
    finally:
        socket.close()


# --- the IPC subscription channel (the Tauri target's counterpart) ------------------------


def _pushes(session: Session, window: str) -> list[Any]:
    """What the app's channel pushed to `window` so far (its bridge keeps it)."""
    response = Http(session.base_url).request("GET", f"__ipc/pushes/{window}")
    return list(session.record_text(f"pushes to {window}", response.body))


@probe("websocket", "IPC: a call's invalidations are pushed to every other window", IPC)
def _ipc_pushes(session: Session) -> None:
    entries = [{"context": "board", "params": {"board_id": "33"}},
               {"context": "stats", "params": {}},
               {"context": "thread", "params": {"board_id": "33"}}]
    # The app serves every probe: only what this one causes counts.
    seen = {window: len(_pushes(session, window)) for window in ("main", "second")}

    def new(window: str) -> list[Any]:
        return _pushes(session, window)[seen[window]:]

    session.exchange(call("add_note", {"board_id": "33", "text": "x"}),
                     {"status": 200, "pointers": {"/invalidate": entries}}, "from main")
    session.check("the other window is told", new("second"), [{"invalidate": entries}])
    session.check("the caller has it in its answer only", new("main"), [])
    session.exchange(call("echo", {"value": 1}), {"status": 200}, "a query")
    session.exchange(call("add_note", {"board_id": "x", "text": "x"}), {"status": 400},
                     "a refused call")
    session.check("queries and errors push nothing", new("second"), [{"invalidate": entries}])
    second = call("add_note", {"board_id": "33", "text": "y"})
    second["headers"] = {"X-Ipc-Window": "second"}
    session.exchange(second, {"status": 200, "pointers": {"/invalidate": entries}},
                     "from second")
    session.check("pushed to main", new("main"), [{"invalidate": entries}])


# --- SSR bridge -------------------------------------------------------------------------


@probe("ssr", "render/<context>/ answers the renderer's HTML of the bundle")
def _ssr(session: Session) -> None:
    session.exchange({"method": "GET", "path": "render/board/", "query": "board_id=91"}, {
        "status": 200, "headers": {"content-type": "text/html; charset=utf-8"},
        "text": "<!doctype html><title>board</title><pre>{&quot;context&quot;:&quot;board&quot;,"
                "&quot;data&quot;:{&quot;board_notes&quot;:[],&quot;board_title&quot;:"
                "&quot;Board 91 (0 notes)&quot;},&quot;params&quot;:{&quot;board_id&quot;:"
                "&quot;91&quot;}}</pre>\n",
    }, "board")


@probe("ssr", "render/ checks keys and auth like the bundle; a failing renderer is internal")
def _ssr_errors(session: Session) -> None:
    session.exchange({"method": "GET", "path": "render/board/", "query": "board_id=x"}, {
        "status": 400, "pointers": {"/error/code": "invalid_arguments"}}, "bad key")
    session.exchange({"method": "GET", "path": "render/office/", "query": "day=2024-02-29"},
                     {"status": 401, "pointers": MISSING}, "guarded")
    session.exchange({"method": "GET", "path": "render/board/", "query": "board_id=666"}, {
        "status": 500, "body": {"error": {"code": "internal", "message": "Internal server error.",
                                          "details": None}}}, "renderer fails")
    session.exchange({"method": "GET", "path": "render/thread/", "query": "board_id=1&page=0"},
                     {"status": 404}, "a csr context is not rendered")


# --- JWT ----------------------------------------------------------------------------------

TOKENS_MASK = {"/access": "access", "/refresh": "refresh"}
TOKENS_BODY = {"access": "<access>", "expires_in": 900, "refresh": "<refresh>",
               "token_type": "Bearer"}
AUTH_COOKIES = {
    "mizan_access": {"max-age": "900", "path": "/", "httponly": "", "samesite": "lax"},
    "mizan_refresh": {"max-age": "3600", "path": "/api/mizan/auth/", "httponly": "",
                      "samesite": "strict"},
    "mizan_mwt": {"max-age": "300", "path": "/", "httponly": "", "samesite": "lax"},
}


def _login(session: Session, who: str, label: str = "login") -> dict[str, Any]:
    return session.exchange(
        {"path": "auth/token/", "json": {"credentials": {"username": who,
                                                         "password": f"{who}-password"}}},
        {"status": 200, "mask": TOKENS_MASK, "body": TOKENS_BODY, "cookies": AUTH_COOKIES},
        label)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@probe("jwt", "login, call, refresh, call again; a refresh token works once")
def _jwt_flow(session: Session) -> None:
    pair = _login(session, "bob")
    session.exchange({**call("whoami"), "headers": _bearer(pair["access"])},
                     {"status": 200, "pointers": {"/result": "bob"}}, "call")
    renewed = session.exchange({"path": "auth/refresh/", "json": {"refresh": pair["refresh"]}},
                               {"status": 200, "mask": TOKENS_MASK, "body": TOKENS_BODY,
                                "cookies": AUTH_COOKIES}, "refresh")
    session.exchange({**call("whoami"), "headers": _bearer(renewed["access"])},
                     {"status": 200, "pointers": {"/result": "bob"}}, "call again")
    session.exchange({"path": "auth/refresh/", "json": {"refresh": pair["refresh"]}},
                     {"status": 401, "pointers": error("unauthenticated", {"reason": "reused"})},
                     "hostile: reuse")


@probe("jwt", "hostile: refused credentials and malformed auth bodies")
def _jwt_credentials(session: Session) -> None:
    session.exchange({"path": "auth/token/", "json": {"credentials": {"username": "bob",
                                                                      "password": "guess"}}},
                     {"status": 401, "pointers": error("unauthenticated",
                                                       {"reason": "credentials"})}, "wrong")
    session.exchange({"path": "auth/token/", "json": {"username": "bob"}},
                     {"status": 400, "pointers": error("bad_request", {"reason": "shape"})},
                     "no credentials member")
    session.exchange({"path": "auth/token/", "text": "{"},
                     {"status": 400, "pointers": error("bad_request", {"reason": "json"})},
                     "not JSON")


@probe("jwt", "hostile: forged, expired and misused tokens answer 401 with the reason")
def _jwt_bad_tokens(session: Session) -> None:
    for variant, reason in (("expired", "expired"), ("alg-none", "algorithm"),
                            ("alg-hs512", "algorithm"), ("wrong-key", "signature"),
                            ("refresh", "wrong_type"), ("wrong-issuer", "issuer"),
                            ("garbage", "malformed")):
        session.exchange(call("echo", {"value": 1}, **{"as": "ada", "token": variant}), {
            "status": 401, "pointers": error("unauthenticated", {"reason": reason}),
        }, variant)
    session.exchange({**call("echo", {"value": 1}), "headers": {"Authorization": "Basic YTpi"}},
                     {"status": 401, "pointers": error("unauthenticated",
                                                       {"reason": "malformed"})}, "basic")


@probe("jwt", "hostile: refresh with an access token, a forged one, a gone subject")
def _jwt_refresh_bad(session: Session) -> None:
    for label, token, reason in (
            ("access as refresh", identities.token("bob"), "wrong_type"),
            ("forged", identities.refresh_token("bob")[:-3] + "abc", "signature"),
            ("revoked", identities.refresh_token("ghost"), "revoked")):
        session.exchange({"path": "auth/refresh/", "json": {"refresh": token}}, {
            "status": 401, "pointers": error("unauthenticated", {"reason": reason}),
        }, label)


@probe("jwt", "refresh and logout by cookie need the CSRF check; logout spends the token",
       HTTP)
def _jwt_cookies(session: Session) -> None:
    refresh = identities.refresh_token("bob")
    csrf = session.session_token()
    session.exchange({"path": "auth/refresh/", "json": {},
                      "headers": {"Cookie": f"mizan_refresh={refresh}"}},
                     {"status": 403, "pointers": error("csrf_failed", {"reason": "missing"})},
                     "refresh cookie without CSRF")
    session.exchange({"path": "auth/refresh/", "json": {}, "headers": {
        "Cookie": f"mizan_refresh={refresh}; mizan_csrf={csrf}", "X-Mizan-CSRF": csrf}},
        {"status": 200, "mask": TOKENS_MASK, "body": TOKENS_BODY}, "refresh cookie")
    other = identities.refresh_token("bob")
    session.exchange({"path": "auth/logout/", "json": {"refresh": other}}, {
        "status": 200, "body": {},
        "cookies": {name: {"max-age": "0"} for name in AUTH_COOKIES},
    }, "logout")
    session.exchange({"path": "auth/refresh/", "json": {"refresh": other}},
                     {"status": 401, "pointers": error("unauthenticated", {"reason": "reused"})},
                     "refresh after logout")


# --- MWT ------------------------------------------------------------------------------------


def _mwt_identity(token: str) -> str:
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode("utf-8")


@probe("mwt", "auth/mwt/ mints the caller's edge identity")
def _mwt(session: Session) -> None:
    body = session.exchange({"path": "auth/mwt/", "json": {}, "as": "bob"}, {
        "status": 200, "mask": {"/mwt": "mwt"}, "body": {"expires_in": 300, "mwt": "<mwt>"},
        "cookies": {"mizan_mwt": AUTH_COOKIES["mizan_mwt"]},
    }, "bob")
    session.check("the identity", _mwt_identity(body["mwt"]), "user:bob")


@probe("mwt", "hostile: no MWT for anonymous or forged callers; login sets one")
def _mwt_refused(session: Session) -> None:
    session.exchange({"path": "auth/mwt/", "json": {}}, {"status": 401, "pointers": MISSING},
                     "anonymous")
    session.exchange({"path": "auth/mwt/", "json": {}, "as": "bob", "token": "alg-none"},
                     {"status": 401, "pointers": error("unauthenticated",
                                                       {"reason": "algorithm"})}, "alg none")
    response = session.http.request(
        "POST", "auth/token/", headers={"Content-Type": "application/json"},
        body=b'{"credentials": {"username": "cy", "password": "cy-password"}}')
    session.expect(response, {"status": 200, "mask": TOKENS_MASK}, "login")
    session.check("login's MWT", _mwt_identity(response.cookies()["mizan_mwt"]["value"]),
                  "user:cy")


# --- shapes ---------------------------------------------------------------------------------

URSULA = {"id": "1", "name": "Ursula"}


@probe("shapes", "a shape projects only its fields, with nested shapes")
def _shapes(session: Session) -> None:
    session.exchange(call("books"), {"status": 200, "body": {"invalidate": [], "result": [
        {"author": None, "id": "4", "price": "0.50", "title": "Anonymous Pamphlet",
         "year": 1999},
        {"author": URSULA, "id": "1", "price": "9.90", "title": "The Dispossessed", "year": 1974},
        {"author": URSULA, "id": "3", "price": "8.00", "title": "The Lathe of Heaven",
         "year": 1971},
        {"author": {"id": "2", "name": "Stanisław"}, "id": "2", "price": "12.50",
         "title": "Solaris", "year": 1961},
    ]}}, "books")


@probe("shapes", "a relation without a shape is its key; filters apply")
def _shape_refs(session: Session) -> None:
    session.exchange(call("book_refs"), {"status": 200, "pointers": {"/result": [
        {"author": "1", "id": "1"}, {"author": "2", "id": "2"}, {"author": "1", "id": "3"},
        {"author": None, "id": "4"}]}}, "book_refs")
    session.exchange(call("books", {"min_year": 1972}), {"status": 200, "pointers": {
        "/result/0/id": "4", "/result/1/id": "1", "/result/2": "<missing>"}}, "min_year")


# --- forms ------------------------------------------------------------------------------------


def _schema(name: str) -> dict[str, Any]:
    workspace = identities.fixture_ir()
    enums = {e.name: tuple(m.name for m in e.members) for e in workspace.enums}
    form = next(f for f in workspace.forms if f.name == name)
    return form_schema(form, enums)


@probe("forms", "GET form/<form>/ answers the schema")
def _form_schema(session: Session) -> None:
    for name in ("ProfileForm", "NoteForm"):
        session.exchange({"method": "GET", "path": f"form/{name}/"},
                         {"status": 200, "body": _schema(name)}, name)
    session.exchange({"method": "GET", "path": "form/Nope/"}, {"status": 404, "body": {
        "error": {"code": "not_found", "message": "Not found.", "details": {"form": "Nope"}}}},
        "unknown form")


@probe("forms", "validate/: 200 with the clean data, 422 with one error per field")
def _form_validate(session: Session) -> None:
    session.exchange({"path": "form/ProfileForm/validate/", "json": {
        "name": "Ada", "age": 36, "email": "", "role": "admin", "subscribe": False}},
        {"status": 200, "body": {"data": {"age": 36, "name": "Ada", "role": "admin",
                                          "subscribe": False}, "valid": True}}, "valid")
    session.exchange({"path": "form/ProfileForm/validate/", "json": {
        "name": "A", "age": 12, "email": "a@b", "website": "ftp://x.org", "role": "root",
        "extra": 1}}, {"status": 422, "pointers": {"/error/code": "validation_failed",
                                                   "/error/details/name/code": "min_length",
                                                   "/error/details/age/code": "min_value",
                                                   "/error/details/email/code": "invalid",
                                                   "/error/details/website/code": "invalid",
                                                   "/error/details/role/code": "invalid_choice",
                                                   "/error/details/extra/code": "unknown"}},
        "invalid")
    session.exchange({"path": "form/NoteForm/validate/", "json": {"board_id": 1,
                                                                  "text": "no digits 1"}},
                     {"status": 422, "pointers": {"/error/details/text/code": "pattern"}},
                     "pattern")
    session.exchange({"path": "form/NoteForm/validate/", "json": []},
                     {"status": 400, "pointers": error("bad_request", {"reason": "shape"})},
                     "not an object")


@probe("forms", "submit/ validates, then calls the mutation with auth and CSRF")
def _form_submit(session: Session) -> None:
    path = "form/ProfileForm/submit/"
    session.exchange({"path": path, "json": {"name": "Bob"}}, {"status": 401,
                                                               "pointers": MISSING},
                     "anonymous")
    session.exchange({"path": path, "json": {"name": "B"}, "as": "bob"},
                     {"status": 422, "pointers": {"/error/details/name/code": "min_length"}},
                     "invalid")
    session.exchange({"path": path, "json": {"name": "Bob", "age": 40,
                                             "website": "https://bob.example"}, "as": "bob"}, {
        "status": 200, "headers": {"x-mizan-invalidate": "inbox"},
        "body": {"invalidate": [{"context": "inbox", "params": {}}], "result": {"by": "bob", "saved": {
            "age": 40, "email": None, "name": "Bob", "role": "member", "subscribe": False,
            "website": "https://bob.example"}}},
    }, "bearer")
    session.exchange({"path": path, "json": {"name": "Bob"}, "as": "bob", "via": "cookie",
                      "csrf": "none"},
                     {"status": 403, "pointers": error("csrf_failed", {"reason": "missing"})},
                     "cookie without CSRF")
    session.exchange({"path": "form/NoteForm/submit/", "json": {"board_id": 92, "text": "Hi"}},
                     {"status": 200, "pointers": {"/result/id": "92001",
                                                  "/result/board_id": "92"}},
                     "int field into an int64 param")
