"""Edge, cache and enforcement probes: guards, the origin bundle cache, the
manifest and its render strategies, session and CSRF (docs/protocol.md
8, 9.4, 10, 14)."""

from __future__ import annotations

import threading
from typing import Any

from mizan_lang.protocol.manifest import manifest

from .. import identities
from ..probing import Session
from .core import call
from .sequences import probe


def error(code: str, details: Any = None) -> dict[str, Any]:
    """Pointers that pin an error's code and details (the message is the
    runtime's table, compared across targets by the records)."""
    return {"/error/code": code, "/error/details": details}


MISSING = error("unauthenticated", {"reason": "missing"})
FORBIDDEN = error("forbidden")


def ctx(name: str, query: str = "", **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "GET", "path": f"ctx/{name}/", **extra}
    if query:
        request["query"] = query
    return request


# --- guards ----------------------------------------------------------------------------


@probe("guards", "auth=user: 401 missing when anonymous, the call when signed in")
def _user(session: Session) -> None:
    session.exchange(call("whoami"), {"status": 401, "pointers": MISSING}, "anonymous")
    session.exchange(call("whoami", **{"as": "bob"}), {
        "status": 200, "body": {"invalidate": [], "result": "bob"}}, "bob")


@probe("guards", "a truthy-claim guard: 401 anonymous, 403 without the claim")
def _staff(session: Session) -> None:
    session.exchange(call("staff_only"), {"status": 401, "pointers": MISSING}, "anonymous")
    session.exchange(call("staff_only", **{"as": "bob"}), {"status": 403, "pointers": FORBIDDEN},
                     "bob (is_staff false)")
    session.exchange(call("staff_only", **{"as": "cy"}), {
        "status": 200, "pointers": {"/result": "staff cy"}}, "cy (is_staff 1)")
    session.exchange(call("staff_only", **{"as": "ada"}), {
        "status": 200, "pointers": {"/result": "staff ada"}}, "ada")
    session.exchange(call("staff_only", **{"as": "nobody"}), {"status": 403,
                                                               "pointers": FORBIDDEN},
                     "no claims")


@probe("guards", "hostile: a doubled Authorization header is malformed on every target")
def _doubled_authorization(session: Session) -> None:
    # HTTP reads a repeated field as one list ("a,b"): not a token, whichever
    # line a framework would otherwise have kept.
    bearer = f"Bearer {identities.token('bob')}"
    session.exchange(call("whoami", headers={"Authorization": [bearer, bearer]}), {
        "status": 401, "pointers": error("unauthenticated", {"reason": "malformed"})},
        "the same token twice")
    session.exchange(call("whoami", headers={"Authorization": [bearer]}), {
        "status": 200, "pointers": {"/result": "bob"}}, "once")


@probe("guards", "a value guard compares the claim exactly")
def _admin(session: Session) -> None:
    session.exchange(call("admin_only", **{"as": "cy"}), {"status": 403, "pointers": FORBIDDEN},
                     "cy (role staff)")
    session.exchange(call("admin_only", **{"as": "ada"}), {
        "status": 200, "pointers": {"/result": "admin ada"}}, "ada (role admin)")


@probe("guards", "a guarded context rejects the whole bundle")
def _guarded_context(session: Session) -> None:
    session.exchange(ctx("office", "day=2024-02-29"), {"status": 401, "pointers": MISSING},
                     "anonymous")
    session.exchange(ctx("office", "day=2024-02-29", **{"as": "bob"}),
                     {"status": 403, "pointers": FORBIDDEN}, "bob")
    session.exchange(ctx("office", "day=2024-02-29", **{"as": "ada"}), {
        "status": 200,
        "body": {"context": "office", "params": {"day": "2024-02-29"},
                 "data": {"office_report": {"by": "ada", "day": "2024-02-29", "weekday": 4}}},
    }, "ada")


@probe("guards", "a guarded member is in the bundle only for callers it lets in")
def _guarded_member(session: Session) -> None:
    session.exchange(ctx("thread", "board_id=61&page=2", **{"as": "bob"}), {
        "status": 200, "pointers": {"/data": {"thread_posts": []}}}, "bob")
    session.exchange(ctx("thread", "board_id=61&page=2", **{"as": "ada"}), {
        "status": 200, "pointers": {"/data": {"thread_moderation": 6102, "thread_posts": []}},
    }, "ada")


@probe("guards", "the guard is checked before the arguments")
def _guard_order(session: Session) -> None:
    session.exchange(call("send_message", {"owner": 5}), {"status": 401, "pointers": MISSING},
                     "anonymous with bad args")
    session.exchange(call("staff_only", {"nope": 1}, **{"as": "bob"}),
                     {"status": 403, "pointers": FORBIDDEN}, "forbidden with bad args")


# --- the origin cache ---------------------------------------------------------------------


@probe("cache", "miss, then hit, then miss again after an invalidation")
def _hit_miss(session: Session) -> None:
    board = ctx("board", "board_id=71")
    first = session.exchange(board, {"status": 200, "headers": {"x-mizan-cache": "miss"}},
                             "first")
    second = session.exchange(board, {"status": 200, "headers": {"x-mizan-cache": "hit"}},
                              "second")
    session.check("a hit serves the stored bundle", second, first)
    session.exchange(call("add_note", {"board_id": "71", "text": "new"}), {"status": 200},
                     "add_note")
    session.exchange(board, {"status": 200, "headers": {"x-mizan-cache": "miss"},
                             "pointers": {"/data/board_title": "Board 71 (1 notes)"}}, "after")
    session.exchange(board, {"status": 200, "headers": {"x-mizan-cache": "hit"}}, "again")


@probe("cache", "an invalidation of another instance keeps this one")
def _other_instance(session: Session) -> None:
    session.exchange(ctx("board", "board_id=72"), {"headers": {"x-mizan-cache": "miss"}}, "fill")
    session.exchange(call("add_note", {"board_id": "73", "text": "x"}), {"status": 200},
                     "another board")
    session.exchange(ctx("board", "board_id=72"), {"headers": {"x-mizan-cache": "hit"}}, "kept")


@probe("cache", "vary=public: one copy for every caller")
def _public(session: Session) -> None:
    session.exchange(ctx("board", "board_id=74", **{"as": "ada"}),
                     {"headers": {"x-mizan-cache": "miss"}}, "ada fills")
    session.exchange(ctx("board", "board_id=74"),
                     {"headers": {"x-mizan-cache": "hit"}}, "anonymous hits")


@probe("cache", "hostile: vary=identity never serves another identity's bundle")
def _identity(session: Session) -> None:
    session.exchange(ctx("inbox", **{"as": "bob"}), {
        "headers": {"x-mizan-cache": "miss"}, "pointers": {"/data/inbox_messages/0": "welcome bob"},
    }, "bob fills")
    session.exchange(ctx("inbox", **{"as": "ada"}), {
        "headers": {"x-mizan-cache": "miss"}, "pointers": {"/data/inbox_messages/0": "welcome ada"},
    }, "ada is not served bob's")
    session.exchange(ctx("inbox", **{"as": "bob"}), {
        "headers": {"x-mizan-cache": "hit"}, "pointers": {"/data/inbox_messages/0": "welcome bob"},
    }, "bob hits")
    session.exchange(ctx("inbox"), {"status": 401, "pointers": MISSING}, "anonymous")
    session.exchange(ctx("inbox", **{"as": "bob", "token": "wrong-key"}),
                     {"status": 401, "pointers": error("unauthenticated",
                                                       {"reason": "signature"})},
                     "a forged token is not served bob's copy")


@probe("cache", "one identity's mutation drops every identity's copies")
def _cross_identity(session: Session) -> None:
    session.exchange(ctx("inbox", **{"as": "cy"}), {"status": 200}, "cy fills")
    session.exchange(call("send_message", {"owner": "cy", "text": "ping"}, **{"as": "bob"}),
                     {"status": 200}, "bob writes to cy")
    session.exchange(ctx("inbox", **{"as": "cy"}), {
        "headers": {"x-mizan-cache": "miss"},
        "pointers": {"/data/inbox_messages": ["welcome cy", "bob: ping"]},
    }, "cy sees it")


@probe("cache", "hostile: concurrent invalidations never leave a stale copy")
def _concurrent(session: Session) -> None:
    writes, reads = 8, 16
    failures: list[str] = []

    def write(i: int) -> None:
        response = Session(session.base_url).send(call("add_note", {"board_id": "75",
                                                                    "text": f"n{i}"}))
        if response.status != 200:
            failures.append(f"write {i}: {response.status}")

    def read() -> None:
        Session(session.base_url).send(ctx("board", "board_id=75"))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writes)]
    threads += [threading.Thread(target=read) for _ in range(reads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session.check("every write succeeded", failures, [])
    final = Session(session.base_url).send(ctx("board", "board_id=75")).json()
    session.check("the bundle after every write", {
        "title": final["data"]["board_title"], "notes": len(final["data"]["board_notes"]),
    }, {"title": f"Board 75 ({writes} notes)", "notes": writes})


# --- manifest and render strategies -------------------------------------------------------


@probe("manifest", "GET manifest/ answers the edge manifest of the spec")
def _manifest(session: Session) -> None:
    session.exchange({"method": "GET", "path": "manifest/"}, {
        "status": 200, "headers": {"content-type": "application/json"},
        "body": manifest(identities.fixture_ir()),
    }, "manifest")


@probe("manifest", "manifest/ ignores credentials and takes only GET")
def _manifest_method(session: Session) -> None:
    session.exchange({"method": "GET", "path": "manifest/", "as": "ada", "token": "expired"},
                     {"status": 200, "pointers": {"/protocol": 1}}, "expired token ignored")
    session.exchange({"method": "POST", "path": "manifest/", "json": {}},
                     {"status": 405, "headers": {"allow": "GET"}}, "POST")


@probe("psr", "every context's render strategy is in the manifest")
def _strategies(session: Session) -> None:
    session.exchange({"method": "GET", "path": "manifest/"}, {"status": 200, "pointers": {
        "/contexts/board/render_strategy": "psr",
        "/contexts/thread/render_strategy": "csr",
        "/contexts/mailbox/render_strategy": "ssr",
        "/contexts/stats/render_strategy": "static",
        "/contexts/office/render_strategy": "ssr",
    }}, "render strategies")


@probe("psr", "a PSR context is cacheable at the edge (public, with a ttl)")
def _psr_cache(session: Session) -> None:
    session.exchange({"method": "GET", "path": "manifest/"}, {"status": 200, "pointers": {
        "/contexts/board/cache": {"ttl": 300, "vary": "public"},
        "/contexts/board/path": "/api/mizan/ctx/board/",
    }}, "board")


# --- session and CSRF -----------------------------------------------------------------------


@probe("session", "GET session/ gives a CSRF token in the body and the cookie")
def _session(session: Session) -> None:
    response = session.http.request("GET", "session/")
    body = session.expect(response, {
        "status": 200, "mask": {"/csrf": "csrf"},
        "body": {"csrf": "<csrf>", "protocol": 1},
        "cookies": {"mizan_csrf": {"path": "/", "httponly": "", "samesite": "lax"}},
    }, "session")
    session.check("the cookie holds the body's token", response.cookies()["mizan_csrf"]["value"],
                  body["csrf"])


@probe("session", "a valid cookie gets its token back; a forged one a new token")
def _session_again(session: Session) -> None:
    token = session.session_token()
    again = session.http.request("GET", "session/", headers={"Cookie": f"mizan_csrf={token}"})
    body = session.expect(again, {"status": 200, "mask": {"/csrf": "csrf"}}, "valid cookie")
    session.check("the same token", body["csrf"], token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    fresh = session.http.request("GET", "session/", headers={"Cookie": f"mizan_csrf={forged}"})
    body = session.expect(fresh, {"status": 200, "mask": {"/csrf": "csrf"}}, "forged cookie")
    session.check("a new token", body["csrf"] in (forged, token), False)


def _cookie_send(owner: str, csrf: str) -> dict[str, Any]:
    return call("send_message", {"owner": owner, "text": "c"},
                **{"as": "bob", "via": "cookie", "csrf": csrf})


@probe("session", "a cookie-authenticated mutation passes with the session's token")
def _csrf_ok(session: Session) -> None:
    session.exchange(_cookie_send("bob", "session"), {"status": 200}, "with token")
    session.exchange(call("whoami", **{"as": "bob", "via": "cookie", "csrf": "none"}),
                     {"status": 200, "pointers": {"/result": "bob"}}, "a query needs none")
    session.exchange(call("send_message", {"owner": "bob", "text": "b"}, **{"as": "bob"}),
                     {"status": 200}, "a bearer mutation needs none")


@probe("session", "a Cookie header split over several lines is read as one")
def _split_cookie_lines(session: Session) -> None:
    # HTTP/2 proxies may send each cookie on a line of its own.
    token = session.session_token()
    cookies = [f"mizan_access={identities.token('bob')}", f"mizan_csrf={token}"]
    send = call("send_message", {"owner": "bob", "text": "split"},
                headers={"Cookie": cookies, "X-Mizan-CSRF": token})
    session.exchange(send, {"status": 200}, "two cookie lines")
    doubled = call("send_message", {"owner": "bob", "text": "doubled"},
                   headers={"Cookie": "; ".join(cookies), "X-Mizan-CSRF": [token, token]})
    session.exchange(doubled, {"status": 403, "pointers": error(
        "csrf_failed", {"reason": "mismatch"})}, "a doubled CSRF header")


@probe("session", "hostile: a cookie-authenticated mutation without a valid CSRF token")
def _csrf_bad(session: Session) -> None:
    for mode, reason in (("none", "missing"), ("no-cookie", "missing"),
                         ("mismatch", "mismatch"), ("forged", "invalid")):
        session.exchange(_cookie_send("bob", mode), {
            "status": 403, "headers": {"x-mizan-invalidate": None},
            "pointers": error("csrf_failed", {"reason": reason}),
        }, mode)
