"""Auth of the generated FastAPI server: JWT access/refresh, guards, MWT, CSRF.

The small case is generated, imported and served with TestClient; tokens
are minted by the server's own endpoints (or forged here, to be refused).
"""

from __future__ import annotations

import base64
import importlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mizan_lang.protocol import mwt

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from test_gen_fastapi import (
    PREFIX,
    SECRET,
    SMALL,
    access_token,
    call,
    import_package,
    importable_folder,
    plan_of,
    small_service,
)

MWT_SECRET = "edge-secret-of-at-least-32-bytes-long"
LOGIN = {"credentials": {"user": "ada", "password": "pw"}}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with importable_folder(tmp_path):
        package = import_package(plan_of(SMALL), tmp_path)
        app_module = importlib.import_module(f"{package}.fastapi_app")
        service = small_service(importlib.import_module(package))
        app = app_module.create_app(service, secret=SECRET, mwt_secret=MWT_SECRET)
        client = TestClient(app)
        client.package = package  # type: ignore[attr-defined]
        client.service = service  # type: ignore[attr-defined]
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def reason(response: Any) -> str:
    return response.json()["error"]["details"]["reason"]


def set_cookie_headers(response: Any) -> dict[str, str]:
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def test_login_answers_tokens_and_sets_the_cookies(client: TestClient) -> None:
    response = client.post(PREFIX + "auth/token/", json=LOGIN)
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["access", "expires_in", "refresh", "token_type"]
    assert (body["expires_in"], body["token_type"]) == (900, "Bearer")
    cookies = set_cookie_headers(response)
    assert sorted(cookies) == ["mizan_access", "mizan_mwt", "mizan_refresh"]
    assert "Max-Age=900" in cookies["mizan_access"] and "Path=/;" in cookies["mizan_access"]
    assert "HttpOnly" in cookies["mizan_access"] and "SameSite=lax" in cookies["mizan_access"]
    refresh = cookies["mizan_refresh"]
    assert "Path=/api/mizan/auth/" in refresh and "SameSite=strict" in refresh
    assert "Max-Age=1209600" in refresh and "Max-Age=300" in cookies["mizan_mwt"]
    assert response.headers["cache-control"] == "no-store"
    # The access token opens an auth=user function.
    notes = call_with(client, "user_notes", {"user_id": "1"}, bearer(body["access"]))
    assert notes.status_code == 200 and notes.json()["result"] == ["private"]


def call_with(client: TestClient, fn: str, args: dict[str, Any],
              headers: dict[str, str]) -> Any:
    return client.post(PREFIX + "call/", json={"fn": fn, "args": args}, headers=headers)


def test_wrong_credentials_are_refused(client: TestClient) -> None:
    response = client.post(PREFIX + "auth/token/", json={"credentials": {"user": "ada"}})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"error": {"code": "unauthenticated", "details": {
        "reason": "credentials"}, "message": "Authentication is required."}}
    shape = client.post(PREFIX + "auth/token/", json={"user": "ada"})
    assert (shape.status_code, reason(shape)) == (400, "shape")


def test_guards_answer_401_when_anonymous_and_403_when_the_claim_fails(
        client: TestClient) -> None:
    anonymous = call(client, "user_notes", {"user_id": "1"})
    assert (anonymous.status_code, reason(anonymous)) == (401, "missing")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    args = {"user_id": "1", "page": 2}
    plain = call_with(client, "feed_staff_notes", args,
                      bearer(access_token(client.package, "5", is_staff=False)))
    assert plain.status_code == 403
    assert plain.json() == {"error": {"code": "forbidden", "details": None,
                                      "message": "You are not allowed to do this."}}
    staff = call_with(client, "feed_staff_notes", args,
                      bearer(access_token(client.package, "5", is_staff=True)))
    assert (staff.status_code, staff.json()["result"]) == (200, 3)
    missing_claim = call_with(client, "feed_staff_notes", args,
                              bearer(access_token(client.package, "5")))
    assert missing_claim.status_code == 403


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged_tokens(package: str) -> dict[str, str]:
    now = int(time.time())
    valid = access_token(package, "1")
    claims = {"exp": now + 900, "iat": now, "sub": "1", "typ": "access"}
    runtime = importlib.import_module("mizan_runtime.core")
    jwt = importlib.import_module(f"{package}.spec").TABLES["auth"]["jwt"]
    return {
        "expired": access_token(package, "1", now=now - 1000),
        "signature": access_token(package, "1", secret="another-secret-of-32-bytes-or-more"),
        "algorithm": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.",
        "wrong_type": runtime.mint_token(jwt, SECRET, "refresh", "1", now),
        "malformed": valid.replace(".", "", 1),
    }


@pytest.mark.parametrize("expected", ["expired", "signature", "algorithm", "wrong_type",
                                      "malformed"])
def test_a_presented_invalid_token_is_refused_even_for_a_public_function(
        client: TestClient, expected: str) -> None:
    token = forged_tokens(client.package)[expected]
    for response in (call_with(client, "visitor_count", {}, bearer(token)),
                     client.get(PREFIX + "ctx/stats/", headers=bearer(token))):
        assert response.status_code == 401, expected
        assert reason(response) == expected
    client.cookies.set("mizan_access", token)
    assert reason(call(client, "visitor_count")) == expected


def test_an_authorization_header_that_is_not_bearer_is_malformed(client: TestClient) -> None:
    response = call_with(client, "visitor_count", {}, {"authorization": "Basic YTpi"})
    assert (response.status_code, reason(response)) == (401, "malformed")


def test_refresh_rotates_and_each_refresh_token_works_once(client: TestClient) -> None:
    first = client.post(PREFIX + "auth/token/", json=LOGIN).json()
    client.cookies.clear()
    second = client.post(PREFIX + "auth/refresh/", json={"refresh": first["refresh"]})
    assert second.status_code == 200
    assert second.json()["refresh"] != first["refresh"]
    again = client.post(PREFIX + "auth/refresh/", json={"refresh": first["refresh"]})
    assert (again.status_code, reason(again)) == (401, "reused")
    # An access token is not a refresh token.
    wrong = client.post(PREFIX + "auth/refresh/", json={"refresh": first["access"]})
    assert reason(wrong) == "wrong_type"
    # The application no longer knows the subject: revoked.
    client.service.revoked.add("1")
    gone = client.post(PREFIX + "auth/refresh/", json={"refresh": second.json()["refresh"]})
    assert (gone.status_code, reason(gone)) == (401, "revoked")


def test_refresh_from_the_cookie_needs_the_csrf_check(client: TestClient) -> None:
    assert client.post(PREFIX + "auth/token/", json=LOGIN).status_code == 200
    refused = client.post(PREFIX + "auth/refresh/", json={})
    assert refused.status_code == 403
    assert refused.json()["error"] == {"code": "csrf_failed", "details": {
        "reason": "missing"}, "message": "The CSRF check failed."}
    token = client.get(PREFIX + "session/").json()["csrf"]
    renewed = client.post(PREFIX + "auth/refresh/", json={}, headers={"x-mizan-csrf": token})
    assert renewed.status_code == 200
    assert "mizan_access" in set_cookie_headers(renewed)


def test_logout_spends_the_refresh_token_and_clears_the_cookies(client: TestClient) -> None:
    tokens = client.post(PREFIX + "auth/token/", json=LOGIN).json()
    client.cookies.clear()
    out = client.post(PREFIX + "auth/logout/", json={"refresh": tokens["refresh"]})
    assert (out.status_code, out.json()) == (200, {})
    cookies = set_cookie_headers(out)
    assert sorted(cookies) == ["mizan_access", "mizan_mwt", "mizan_refresh"]
    assert all("Max-Age=0" in line for line in cookies.values())
    later = client.post(PREFIX + "auth/refresh/", json={"refresh": tokens["refresh"]})
    assert reason(later) == "reused"


def test_logout_with_cookies_needs_the_csrf_check(client: TestClient) -> None:
    client.post(PREFIX + "auth/token/", json=LOGIN)
    assert client.post(PREFIX + "auth/logout/", json={}).status_code == 403
    token = client.get(PREFIX + "session/").json()["csrf"]
    out = client.post(PREFIX + "auth/logout/", json={}, headers={"x-mizan-csrf": token})
    assert out.status_code == 200


def test_mwt_is_minted_for_the_caller_only(client: TestClient) -> None:
    anonymous = client.post(PREFIX + "auth/mwt/", json={})
    assert (anonymous.status_code, reason(anonymous)) == (401, "missing")
    response = client.post(PREFIX + "auth/mwt/", json={},
                           headers=bearer(access_token(client.package, "42")))
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 300
    # The edge verifies it with the shared MWT secret (the reference implementation).
    assert mwt.verify(MWT_SECRET, body["mwt"], int(time.time())) == "user:42"
    assert set_cookie_headers(response)["mizan_mwt"].startswith(f"mizan_mwt={body['mwt']};")
    login = client.post(PREFIX + "auth/token/", json=LOGIN)
    assert mwt.verify(MWT_SECRET, login.cookies["mizan_mwt"], int(time.time())) == "user:1"


def test_cookie_authenticated_mutations_need_the_csrf_double_submit(
        client: TestClient) -> None:
    client.post(PREFIX + "auth/token/", json=LOGIN)  # sets mizan_access
    args = {"user_id": "1", "name": "Bo"}

    def rename(headers: dict[str, str]) -> Any:
        return call_with(client, "rename", args, headers)

    assert reason(rename({})) == "missing"
    token = client.get(PREFIX + "session/").json()["csrf"]
    assert reason(rename({"x-mizan-csrf": token[:-2] + "xx"})) == "mismatch"
    assert rename({"x-mizan-csrf": token}).status_code == 200
    # A token this server did not make, in both places: invalid.
    forged = "A" * 43 + "." + "B" * 43
    access = client.cookies["mizan_access"]
    client.cookies.clear()
    client.cookies.set("mizan_access", access)
    client.cookies.set("mizan_csrf", forged)
    assert reason(rename({"x-mizan-csrf": forged})) == "invalid"
    # Queries need no CSRF check; nor do bearer-authenticated or anonymous mutations.
    assert call(client, "user_notes", {"user_id": "1"}).status_code == 200
    client.cookies.clear()
    assert rename(bearer(access_token(client.package, "1"))).status_code == 200
    assert rename({}).status_code == 200


def test_the_check_order_puts_the_credential_before_csrf_and_guards(
        client: TestClient) -> None:
    expired = forged_tokens(client.package)["expired"]
    client.cookies.set("mizan_access", expired)
    # 7 (credential) before 8 (CSRF): a stale cookie says expired, not csrf_failed.
    assert reason(call(client, "rename", {"user_id": "1", "name": "x"})) == "expired"
    # 5 (function exists) before 7.
    assert call(client, "nope").status_code == 404
