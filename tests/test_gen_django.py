"""The generated Django server, served for real and held to the FastAPI one.

`cases/gen/django/<case>/main.mizan` is generated; the target's own module
(`django_app.py`) is compared with `expected/` (`MIZAN_UPDATE_EXPECTED=1`
rewrites it) and the shared modules must be the FastAPI target's bytes. The
small case is served with Django's test client and by a live uvicorn process
running Django's ASGI application; one list of probes is sent to the FastAPI
app (TestClient) and to both Django servers, and every answer must be the
same bytes, status and protocol headers. The implementation both serve is
`cases/gen/django/small/impl.py`.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mizan_lang.check import check
from mizan_lang.gen import generate
from mizan_lang.ir import build_ir
from mizan_lang.plan import Plan, build_plan
from mizan_lang.protocol import csrf
from mizan_lang.protocol.canonical import canonical_json
from mizan_lang.workspace import load_workspace

pytest.importorskip("django")  # the test extra; CI installs it
pytest.importorskip("fastapi")
import django
import httpx
from django.conf import settings
from django.test import Client, override_settings
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases" / "gen" / "django"
SMALL = CASES / "small" / "main.mizan"
IMPL = CASES / "small" / "impl.py"
LIVE_SITE = CASES / "live_site.py"
VECTORS = REPO / "protocol" / "vectors"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"
PREFIX = "/api/mizan/"
SECRET = "test-secret-long-enough-for-hs256-keys"
LIMIT = 4096
# The target's own generated modules (the rest are shared with FastAPI), and
# its static one, copied from generators/django/static/.
OWN = ("apps.py", "django_app.py", "django_forms.py")
_names = itertools.count()


def plan_of(root: Path) -> Plan:
    result = check(load_workspace([str(root)]))
    assert result.ok, [d.message for d in result.diagnostics]
    return build_plan(build_ir(result))


def write_package(plan: Plan, folder: Path, target: str = "django") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for file in generate(plan, target):
        (folder / file.path).write_bytes(file.data)
    return folder


def configure_django() -> None:
    """Django configured in code, once per process: no project needed."""
    if not settings.configured:
        settings.configure(DEBUG=False, SECRET_KEY="django-test-key", ALLOWED_HOSTS=["*"],
                           ROOT_URLCONF=None, MIDDLEWARE=[], USE_TZ=True,
                           # django-readers (generated shapes) imports its models.
                           INSTALLED_APPS=["django.contrib.contenttypes"])
        django.setup()


@pytest.fixture
def importable(tmp_path: Path) -> Iterator[Path]:
    """A folder on sys.path; the generated packages imported from it are
    forgotten after (Django's own modules stay: they hold its settings)."""
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [n for n in sys.modules if n.split(".")[0].startswith("generated_")]:
        del sys.modules[name]


def import_package(plan: Plan, root: Path, *targets: str) -> str:
    """Generate into one package for every target given (shared modules are
    the same bytes) and import it."""
    # A prefix of this module's own: other test modules count their packages too.
    name = f"django_api_{next(_names)}"
    for target in targets or ("django",):
        write_package(plan, root / name, target)
    importlib.invalidate_caches()  # the folder's listing may be cached from before
    importlib.import_module(name)
    return name


def urlconf(patterns: list[Any]) -> ModuleType:
    module = types.ModuleType(f"mizan_urls_{next(_names)}")
    module.urlpatterns = patterns  # type: ignore[attr-defined]
    return module


# --- golden output -----------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(p for p in CASES.iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_generated_files_match_expected(case: Path, tmp_path: Path) -> None:
    plan = plan_of(case / "main.mizan")
    produced = write_package(plan, tmp_path / "django")
    shared = write_package(plan, tmp_path / "fastapi", "fastapi")
    # Both targets write the shared modules byte for byte: one package serves both.
    for path in sorted(shared.iterdir()):
        if path.name != "fastapi_app.py":
            assert (produced / path.name).read_bytes() == path.read_bytes(), path.name
    assert sorted(p.name for p in produced.iterdir()) == sorted(
        [*(p.name for p in shared.iterdir() if p.name != "fastapi_app.py"), *OWN])
    expected = case / "expected"
    if UPDATE:
        shutil.rmtree(expected, ignore_errors=True)
        expected.mkdir()
        for name in OWN:
            shutil.copyfile(produced / name, expected / name)
    assert expected.is_dir(), "run with MIZAN_UPDATE_EXPECTED=1 to create expected/"
    assert sorted(p.name for p in expected.iterdir()) == sorted(OWN)
    for name in OWN:
        assert (produced / name).read_bytes() == (expected / name).read_bytes(), name


def test_generated_django_packages_pass_mypy_strict(tmp_path: Path) -> None:
    # Typed with or without django-stubs: the ignores on untyped imports and
    # on subclasses of untyped bases also allow being unused.
    pytest.importorskip("mypy")
    packages = []
    for index, spec in enumerate((SMALL, REPO / "examples" / "shop" / "main.mizan")):
        packages.append(write_package(plan_of(spec), tmp_path / f"generated_{index}").name)
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                             *packages], cwd=tmp_path, capture_output=True, text=True,
                            check=False,
                            env={**os.environ, "MYPYPATH": str(REPO / "runtimes" / "python")})
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_cli_lists_and_writes_the_django_target(tmp_path: Path) -> None:
    out = tmp_path / "api"
    command = [sys.executable, "-m", "mizan_lang", "gen", str(SMALL), "--target", "django",
               "--out", str(out)]
    written = subprocess.run(command, capture_output=True, text=True, check=False)
    assert written.returncode == 0, written.stderr
    assert (out / "django_app.py").is_file()
    fresh = subprocess.run([*command, "--check"], capture_output=True, text=True, check=False)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr


# --- tokens, requests, replies ----------------------------------------------------------


def mint(package: str, subject: str, claims: dict[str, Any], secret: str = SECRET) -> str:
    """An access token as the server's own runtime mints it."""
    spec = importlib.import_module(f"{package}.spec")
    runtime = importlib.import_module("mizan_runtime.core")
    return str(runtime.mint_token(spec.TABLES["auth"]["jwt"], secret, "access", subject,
                                  extra=claims))


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def resolved(self, tokens: dict[str, str]) -> dict[str, str]:
        """Headers with `@name` replaced by that user's access token."""
        headers = {}
        for name, value in self.headers:
            for user, token in tokens.items():
                value = value.replace(f"@{user}", token)
            headers[name] = value
        return headers


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


# Response headers the protocol fixes; the rest is the framework's business.
COMPARED_HEADERS = ("allow", "cache-control", "content-type", "www-authenticate")


def reply(status: int, content: bytes, headers: Any) -> Reply:
    kept = {name.lower(): value for name, value in headers.items()
            if name.lower() in COMPARED_HEADERS or name.lower().startswith("x-mizan-")}
    return Reply(status, content, tuple(sorted(kept.items())))


Send = Callable[[Probe], Reply]


def django_send(client: Client, tokens: dict[str, str]) -> Send:
    def send(probe: Probe) -> Reply:
        headers = probe.resolved(tokens)
        content_type = headers.pop("Content-Type", "application/octet-stream")
        client.cookies.clear()
        response = client.generic(probe.method, probe.path, data=probe.body,
                                  content_type=content_type, headers=headers)
        return reply(response.status_code, response.content, response.headers)

    return send


def httpx_send(client: Any, tokens: dict[str, str]) -> Send:
    """For FastAPI's TestClient and for a live server (both httpx clients)."""
    def send(probe: Probe) -> Reply:
        client.cookies.clear()
        response = client.request(probe.method, probe.path, content=probe.body or None,
                                  headers=probe.resolved(tokens))
        return reply(response.status_code, response.content, response.headers)

    return send


def json_probe(path: str, payload: Any, *headers: tuple[str, str]) -> Probe:
    return Probe("POST", PREFIX + path, json.dumps(payload).encode(),
                 (("Content-Type", "application/json"), *headers))


def json_call(fn: str, args: Any = None, *headers: tuple[str, str]) -> Probe:
    payload: dict[str, Any] = {"fn": fn}
    if args is not None:
        payload["args"] = args
    return json_probe("call/", payload, *headers)


BOUNDARY = "mizan-boundary-7f3a"


def multipart(*parts: tuple[str, str | None, str | None, bytes]) -> Probe:
    """A multipart call: parts of (name, filename, content type, data)."""
    body = b""
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if content_type is not None:
            body += f"Content-Type: {content_type}\r\n".encode()
        body += b"\r\n" + data + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return Probe("POST", PREFIX + "call/", body,
                 (("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),))


ADA = ("Authorization", "Bearer @ada")  # staff
BOB = ("Authorization", "Bearer @bob")  # not staff
VALID_CSRF = csrf.make_token(SECRET, bytes(range(32)))
AVATAR = ("fn", None, None, b"upload_avatar")
ARGS = ("args", None, "application/json", b'{"user_id": "5"}')
PROFILE = {"user_id": 5, "name": "Ada Bo", "email": "ada@example.org",
           "site": "https://example.org/x", "role": "staff", "vip": False, "score": 10.5,
           "price": "0.50", "born": "1990-02-28"}
BAD_PROFILE = {"user_id": 0, "name": "A", "email": "ada@@example", "site": "ftp://x",
               "role": "boss", "vip": "yes", "score": 11, "price": "-1", "born": "1990-02-30",
               "extra": 1}

# Sent in this order to a fresh server: the origin cache makes it matter.
PROBES: dict[str, Probe] = {
    "bundle with keys": Probe("GET", PREFIX + "ctx/user/?user_id=42"),
    "bundle, cached": Probe("GET", PREFIX + "ctx/user/?user_id=42"),
    "bundle, percent-encoded key": Probe("GET", PREFIX + "ctx/user/?user_id=%34%32"),
    "bundle, partial members": Probe("GET", PREFIX + "ctx/feed/?user_id=1&page=2"),
    "bundle, staff members": Probe("GET", PREFIX + "ctx/feed/?user_id=1&page=2", b"", (ADA,)),
    "bundle, keyless": Probe("GET", PREFIX + "ctx/stats/"),
    "query": json_call("user_profile", {"user_id": "9007199254740993"}),
    "mutation, exact partial keyless": json_call("rename", {"user_id": "42", "name": "Bo"}),
    "bundle, after invalidation": Probe("GET", PREFIX + "ctx/user/?user_id=42"),
    "mutation, global": json_call("reset_all"),
    "defaults and wire types": json_call("echo", {
        "value": [1, {"a": None}, 1.5e300], "when": "2024-01-31T12:00:00+01:00",
        "id": "6F1A0B2C-1111-4222-8333-444455556666"}),
    "json charset parameter": Probe("POST", PREFIX + "call/", b'{"fn": "visitor_count"}',
                                    (("Content-Type", "application/json; charset=utf-8"),)),
    "bundle, missing key": Probe("GET", PREFIX + "ctx/feed/?user_id=1"),
    "bundle, bad keys": Probe("GET", PREFIX + "ctx/feed/?user_id=1&page=01&user_id=2&extra=x"),
    "bundle, query not utf-8": Probe("GET", PREFIX + "ctx/user/?user_id=%FF"),
    "bundle, unknown context": Probe("GET", PREFIX + "ctx/nope/"),
    "bundle, POST": Probe("POST", PREFIX + "ctx/stats/"),
    "bundle, POST to unknown context": Probe("POST", PREFIX + "ctx/nope/"),
    "invalid arguments": json_call("rename", {"user_id": 42, "nmae": "Bo"}),
    "unknown function": json_call("nope", {}),
    "args not an object": json_call("echo", ["x"]),
    "extra member": json_probe("call/", {"fn": "crash", "x": 1}),
    "not json": Probe("POST", PREFIX + "call/", b"{nope",
                      (("Content-Type", "application/json"),)),
    "duplicate member": Probe("POST", PREFIX + "call/", b'{"fn": "crash", "fn": "echo"}',
                              (("Content-Type", "application/json"),)),
    "text/plain": Probe("POST", PREFIX + "call/", b"{}", (("Content-Type", "text/plain"),)),
    "no content type": Probe("POST", PREFIX + "call/", b'{"fn": "visitor_count"}'),
    "too large": json_call("echo", {"value": "x" * 5000}),
    "too large, declared": Probe("POST", PREFIX + "call/", b"x" * (LIMIT + 1),
                                 (("Content-Type", "application/json"),)),
    "exception in the implementation": json_call("crash"),
    # auth, guards, CSRF
    "needs a user": json_call("user_notes", {"user_id": "1"}),
    "user": json_call("user_notes", {"user_id": "1"}, BOB),
    "forged token": json_call("user_notes", {"user_id": "1"}, ("Authorization", "Bearer x.y.z")),
    "not bearer": json_call("user_notes", {"user_id": "1"}, ("Authorization", "Basic @ada")),
    "guard refuses": json_call("feed_staff_notes", {"user_id": "1", "page": 1}, BOB),
    "guard passes": json_call("feed_staff_notes", {"user_id": "1", "page": 1}, ADA),
    "cookie mutation without csrf": json_call("rename", {"user_id": "1", "name": "X"},
                                              ("Cookie", "mizan_access=@ada")),
    "cookie mutation with csrf": json_call(
        "rename", {"user_id": "1", "name": "X"},
        ("Cookie", f"mizan_access=@ada; mizan_csrf={VALID_CSRF}"),
        ("X-Mizan-CSRF", VALID_CSRF)),
    "cookie query needs no csrf": json_call("user_notes", {"user_id": "1"},
                                            ("Cookie", "mizan_access=@bob")),
    "refresh without token": json_probe("auth/refresh/", {}),
    "token, bad credentials": json_probe("auth/token/", {"credentials": {"user": "eve"}}),
    "mwt, anonymous": json_probe("auth/mwt/", {}),
    "auth/token/ GET": Probe("GET", PREFIX + "auth/token/"),
    # uploads
    "upload": multipart(AVATAR, ARGS, ("file", "a.png", "image/png", b"\x89PNG" + b"0" * 10)),
    "upload, text/* and note": multipart(
        AVATAR, ("args", None, None, b'{"user_id": "5", "note": "hi"}'),
        ("file", None, "text/plain; charset=utf-8", b"hello")),
    "upload over max-size": multipart(AVATAR, ARGS, ("file", "a.png", "image/png", b"0" * 65)),
    "upload of another type": multipart(AVATAR, ARGS, ("file", "a.pdf", "application/pdf",
                                                       b"%PDF")),
    "upload missing": multipart(AVATAR, ARGS),
    "upload, unknown part": multipart(AVATAR, ARGS, ("file", "a.png", "image/png", b"x"),
                                      ("other", "b.png", "image/png", b"x")),
    "upload param in args": multipart(AVATAR, ("args", None, None,
                                               b'{"user_id": "5", "file": "x"}'),
                                      ("file", "a.png", "image/png", b"x")),
    "upload with json": json_call("upload_avatar", {"user_id": "5"}),
    "multipart to a json function": multipart(("fn", None, None, b"visitor_count")),
    "multipart, repeated part": multipart(AVATAR, AVATAR),
    "multipart, no fn": multipart(ARGS),
    "multipart, broken": Probe("POST", PREFIX + "call/", b"--nope\r\n",
                               (("Content-Type", f"multipart/form-data; boundary={BOUNDARY}"),)),
    # forms
    "form schema": Probe("GET", PREFIX + "form/ProfileForm/"),
    "form valid": json_probe("form/ProfileForm/validate/", PROFILE),
    "form, only required": json_probe("form/ProfileForm/validate/",
                                      {"user_id": 5.0, "name": "Bo", "email": "", "vip": None}),
    "form errors": json_probe("form/ProfileForm/validate/", BAD_PROFILE),
    "form errors, types": json_probe("form/ProfileForm/validate/", {
        "user_id": "5", "name": 5, "email": ["a"], "site": {}, "role": 1, "vip": 0,
        "score": "1", "price": 1, "born": 19900228}),
    "form errors, bounds": json_probe("form/ProfileForm/validate/", {
        "user_id": 2147483648, "name": "Abcdefghijklm", "score": -0.5, "price": "0.00"}),
    "form errors, pattern": json_probe("form/ProfileForm/validate/",
                                       {"user_id": 1, "name": "Ab1"}),
    "form, required missing": json_probe("form/ProfileForm/validate/", {}),
    "form, not an object": json_probe("form/ProfileForm/validate/", [1]),
    "form submit": json_probe("form/ProfileForm/submit/", PROFILE),
    "form submit, invalid": json_probe("form/ProfileForm/submit/", BAD_PROFILE),
    "form, unknown": Probe("GET", PREFIX + "form/Nope/"),
    "form validate, unknown": json_probe("form/Nope/validate/", {}),
    "form submit, unknown": json_probe("form/Nope/submit/", {}),
    "form schema, POST": Probe("POST", PREFIX + "form/ProfileForm/"),
    # paths and methods
    "GET on call/": Probe("GET", PREFIX + "call/"),
    "PUT on call/": Probe("PUT", PREFIX + "call/", b"{}"),
    "HEAD on manifest/": Probe("HEAD", PREFIX + "manifest/"),
    "POST on manifest/": Probe("POST", PREFIX + "manifest/"),
    "unknown path": Probe("GET", PREFIX + "nowhere/"),
    "unknown path, POST": Probe("POST", PREFIX + "nowhere/deeper/"),
    "no trailing slash": Probe("GET", PREFIX + "ctx/stats"),
    "render without a renderer": Probe("GET", PREFIX + "render/user/"),
    "ws over plain HTTP": Probe("GET", PREFIX + "ws/"),
    "manifest": Probe("GET", PREFIX + "manifest/"),
    "ir": Probe("GET", PREFIX + "ir/"),
    "session with a valid cookie": Probe("GET", PREFIX + "session/", b"",
                                         (("Cookie", f"mizan_csrf={VALID_CSRF}"),)),
}

# What the protocol says of each probe's status (the parity compares like with like).
STATUS = {
    **{name: 200 for name in PROBES},
    "bundle, missing key": 400, "bundle, bad keys": 400, "bundle, query not utf-8": 400,
    "bundle, unknown context": 404, "bundle, POST": 405,
    "bundle, POST to unknown context": 405, "invalid arguments": 400,
    "unknown function": 404, "args not an object": 400, "extra member": 400,
    "not json": 400, "duplicate member": 400, "text/plain": 415, "no content type": 415,
    "too large": 413, "too large, declared": 413, "exception in the implementation": 500,
    "needs a user": 401, "forged token": 401, "not bearer": 401, "guard refuses": 403,
    "cookie mutation without csrf": 403, "refresh without token": 401,
    "token, bad credentials": 401, "mwt, anonymous": 401, "auth/token/ GET": 405,
    "upload over max-size": 413, "upload of another type": 415, "upload missing": 400,
    "upload, unknown part": 400, "upload param in args": 400, "upload with json": 415,
    "multipart to a json function": 415, "multipart, repeated part": 400,
    "multipart, no fn": 400, "multipart, broken": 400,
    "form errors": 422, "form errors, types": 422, "form errors, bounds": 422,
    "form errors, pattern": 422, "form, required missing": 422, "form, not an object": 400,
    "form submit, invalid": 422, "form, unknown": 404, "form validate, unknown": 404,
    "form submit, unknown": 404, "form schema, POST": 405,
    "GET on call/": 405, "PUT on call/": 405, "HEAD on manifest/": 405,
    "POST on manifest/": 405, "unknown path": 404, "unknown path, POST": 404,
    "no trailing slash": 404, "render without a renderer": 404, "ws over plain HTTP": 404,
}


# --- the small server -------------------------------------------------------------------


@pytest.fixture
def small_package(importable: Path) -> str:
    configure_django()
    return import_package(plan_of(SMALL), importable, "django", "fastapi")


@pytest.fixture
def tokens(small_package: str) -> dict[str, str]:
    impl = load_impl_module()
    return {user: mint(small_package, user, claims) for user, claims in impl.USERS.items()}


def load_impl_module() -> ModuleType:
    if "small_impl" not in sys.modules:
        spec = importlib.util.spec_from_file_location("small_impl", IMPL)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["small_impl"] = module
        spec.loader.exec_module(module)
    return sys.modules["small_impl"]


@dataclass
class Served:
    """A Django server and a test client sending to it."""

    server: Any
    service: Any
    send: Send

    def call(self, fn: str, args: Any = None, *headers: tuple[str, str]) -> Reply:
        return self.send(json_call(fn, args, *headers))


@pytest.fixture
def served(small_package: str, tokens: dict[str, str]) -> Iterator[Served]:
    service = load_impl_module().make_service(small_package)
    app = importlib.import_module(f"{small_package}.django_app")
    server = app.DjangoServer(service, secret=SECRET, max_body_size=LIMIT)
    with override_settings(ROOT_URLCONF=urlconf(server.urls)):
        yield Served(server, service, django_send(Client(), tokens))


def body(response: Reply) -> Any:
    return json.loads(response.body)


def test_a_query_returns_its_result_in_wire_form(served: Served) -> None:
    response = served.call("user_profile", {"user_id": "9007199254740993"})
    assert response.status == 200
    assert dict(response.headers) == {"cache-control": "no-store",
                                       "content-type": "application/json"}
    assert body(response) == {"invalidate": [], "result": {
        "user_id": "9007199254740993", "name": "Ada", "role": "member", "balance": "9.90",
        "tags": ["a", "b"], "joined": "2020-01-02", "seen": None}}
    assert response.body == canonical_json(body(response)).encode("utf-8")
    assert served.service.calls == [("user_profile", {"user_id": 9007199254740993})]


def test_mutations_invalidate_exact_partial_and_global_in_body_and_header(
        served: Served) -> None:
    assert dict(served.send(PROBES["bundle with keys"]).headers)["x-mizan-cache"] == "miss"
    assert dict(served.send(PROBES["bundle, cached"]).headers)["x-mizan-cache"] == "hit"
    renamed = served.call("rename", {"user_id": "42", "name": "Bo"})
    assert renamed.status == 200
    assert body(renamed)["invalidate"] == [
        {"context": "feed", "params": {"user_id": "42"}},  # partial: `page` is not bound
        {"context": "stats", "params": {}},  # no keys: its one instance
        {"context": "user", "params": {"user_id": "42"}},  # exact
    ]
    assert dict(renamed.headers)["x-mizan-invalidate"] == "feed;user_id=42,stats,user;user_id=42"
    # The origin cache dropped the bundle the mutation invalidated.
    assert dict(served.send(PROBES["bundle with keys"]).headers)["x-mizan-cache"] == "miss"
    reset = served.call("reset_all")
    assert body(reset) == {"invalidate": [{"context": "user", "params": {}}], "result": None}
    assert dict(reset.headers)["x-mizan-invalidate"] == "user"  # global: every `user` bundle


def test_a_bundle_calls_every_member_with_the_keys(served: Served) -> None:
    response = served.send(PROBES["bundle with keys"])
    assert response.status == 200
    assert body(response) == {"context": "user", "params": {"user_id": "42"}, "data": {
        "user_badges": ["gold", "gold", "gold"],
        "user_profile": {"user_id": "42", "name": "Ada", "role": "member", "balance": "9.90",
                         "tags": ["a", "b"], "joined": "2020-01-02", "seen": None}}}
    assert sorted(body(served.send(PROBES["bundle, staff members"]))["data"]) == [
        "feed_items", "feed_staff_notes"]


def test_errors_unknown_function_bad_args_wrong_method(served: Served) -> None:
    unknown = served.send(PROBES["unknown function"])
    assert (unknown.status, body(unknown)["error"]["details"]) == (404, {"fn": "nope"})
    bad = served.send(PROBES["invalid arguments"])
    assert bad.status == 400
    assert {name: problem["code"] for name, problem in body(bad)["error"]["details"].items()} == {
        "user_id": "type", "name": "required", "nmae": "unknown"}
    wrong = served.send(PROBES["GET on call/"])
    assert (wrong.status, dict(wrong.headers)["allow"]) == (405, "POST")
    assert body(wrong)["error"]["code"] == "method_not_allowed"
    unslashed = served.send(PROBES["no trailing slash"])  # never redirected
    assert (unslashed.status, body(unslashed)["error"]["details"]) == (404, None)
    assert served.service.calls == []


def test_auth_endpoints_issue_tokens_that_call(served: Served, small_package: str) -> None:
    client = Client()
    issued = client.post(PREFIX + "auth/token/", {"credentials": {"user": "ada"}},
                         content_type="application/json")
    assert issued.status_code == 200
    pair = json.loads(issued.content)
    assert (pair["token_type"], pair["expires_in"]) == ("Bearer", 900)
    assert {"mizan_access", "mizan_refresh", "mizan_mwt"} <= set(issued.cookies)
    assert issued.cookies["mizan_refresh"]["path"] == PREFIX + "auth/"
    assert issued.cookies["mizan_refresh"]["samesite"].lower() == "strict"
    who = served.send(json_call("whoami", None, ("Authorization", f"Bearer {pair['access']}")))
    assert body(who)["result"] == "ada"
    refreshed = client.post(PREFIX + "auth/refresh/", {"refresh": pair["refresh"]},
                            content_type="application/json")
    assert refreshed.status_code == 200
    reused = client.post(PREFIX + "auth/refresh/", {"refresh": pair["refresh"]},
                         content_type="application/json")
    assert json.loads(reused.content)["error"]["details"] == {"reason": "reused"}


def test_forms_are_django_forms_with_the_protocols_errors(served: Served,
                                                          small_package: str) -> None:
    forms = importlib.import_module(f"{small_package}.django_forms")
    form = forms.ProfileForm(data=BAD_PROFILE)
    assert not form.is_valid()  # a Django form, usable in the project's own views
    assert form.errors.as_data()["name"][0].code == "min_length"
    assert form.fields["name"].label == "Name" and form.fields["name"].max_length == 12
    valid = forms.ProfileForm(data={"user_id": 5, "name": "Bo", "vip": False})
    assert valid.is_valid(), valid.errors
    assert (valid.cleaned_data["vip"], valid.cleaned_data["email"]) == (False, None)
    errors = body(served.send(PROBES["form errors"]))["error"]["details"]
    assert {name: problem["code"] for name, problem in errors.items()} == {
        "user_id": "min_value", "name": "min_length", "email": "invalid", "site": "invalid",
        "role": "invalid_choice", "vip": "invalid", "score": "max_value",
        "price": "min_value", "born": "invalid", "extra": "unknown"}
    assert errors["name"]["message"] == "Ensure this value has at least 2 characters."
    submitted = served.send(PROBES["form submit"])
    assert body(submitted)["result"]["role"] == "staff"
    assert dict(submitted.headers)["x-mizan-invalidate"] == "user;user_id=5"


def test_uploads_reach_the_service(served: Served) -> None:
    uploaded = served.send(PROBES["upload"])
    assert body(uploaded)["result"] == {"user_id": "5", "filename": "a.png", "note": "",
                                        "content_type": "image/png", "size": 14}
    too_big = served.send(PROBES["upload over max-size"])
    assert body(too_big)["error"]["details"] == {"limit": 64, "param": "file"}


def test_session_keeps_a_valid_token_and_sets_the_cookie(served: Served) -> None:
    client = Client()
    response = client.get(PREFIX + "session/")
    token = json.loads(response.content)["csrf"]
    assert json.loads(response.content)["protocol"] == 1 and csrf.is_valid(SECRET, token)
    cookie = response.cookies["mizan_csrf"]
    assert cookie.value == token
    assert (cookie["path"], cookie["samesite"].lower(), cookie["httponly"]) == (
        "/", "lax", True)
    assert json.loads(client.get(PREFIX + "session/").content)["csrf"] == token
    client.cookies["mizan_csrf"] = "forged.token"
    fresh = json.loads(client.get(PREFIX + "session/").content)["csrf"]
    assert fresh != token and csrf.is_valid(SECRET, fresh)


def test_manifest_and_ir_are_the_plans(served: Served) -> None:
    plan = plan_of(SMALL)
    assert served.send(PROBES["manifest"]).body == plan.manifest_json.encode("utf-8")
    ir = served.send(PROBES["ir"])
    assert dict(ir.headers)["content-type"] == "text/plain; charset=utf-8"
    assert ir.body.decode("utf-8") == plan.ir_kdl


def test_another_prefix_moves_routes_and_manifest_paths(small_package: str) -> None:
    app = importlib.import_module(f"{small_package}.django_app")
    patterns = app.create_urls(load_impl_module().make_service(small_package), secret=SECRET,
                               prefix="/v2/rpc")
    with override_settings(ROOT_URLCONF=urlconf(patterns)):
        client = Client()
        manifest = json.loads(client.get("/v2/rpc/manifest/").content)
        assert manifest["prefix"] == "/v2/rpc/"
        assert manifest["contexts"]["user"]["path"] == "/v2/rpc/ctx/user/"
        assert client.get("/v2/rpc/ctx/stats/").status_code == 200
        # Outside the prefix is the project's: Django's own 404, not the protocol's.
        outside = client.get(PREFIX + "ctx/stats/")
        assert outside.status_code == 404 and b'"error"' not in outside.content


def test_a_missing_method_fails_at_startup(small_package: str) -> None:
    app = importlib.import_module(f"{small_package}.django_app")
    dispatch = importlib.import_module("mizan_runtime.dispatch")

    class Partial:
        def echo(self, caller: Any, **kwargs: Any) -> None:
            return None

    with pytest.raises(dispatch.ServiceError) as caught:
        app.DjangoServer(Partial(), secret=SECRET)
    assert ("authenticate, crash, feed_items, feed_staff_notes, identity_of, rename, "
            "reset_all, save_profile, upload_avatar, user_badges, user_notes, user_profile, "
            "visitor_count, whoami") in str(caught.value)
    with pytest.raises(ValueError, match="secret"):
        app.create_urls(load_impl_module().make_service(small_package), secret="")


# --- one probe list, FastAPI and Django, the same answers -----------------------------


@pytest.fixture
def fastapi_replies(small_package: str, tokens: dict[str, str]) -> dict[str, Reply]:
    app = importlib.import_module(f"{small_package}.fastapi_app").create_app(
        load_impl_module().make_service(small_package), secret=SECRET, max_body_size=LIMIT)
    send = httpx_send(TestClient(app), tokens)
    return {name: send(probe) for name, probe in PROBES.items()}


def assert_same(replies: dict[str, Reply], expected: dict[str, Reply]) -> None:
    for name in PROBES:
        assert replies[name] == expected[name], name
        # Canonical JSON: the same bytes after re-encoding (the comparison the
        # conformance suite makes) as before it.
        if expected[name].body[:1] == b"{":
            value = json.loads(expected[name].body)
            assert expected[name].body == canonical_json(value).encode("utf-8"), name


def test_the_probes_see_what_the_protocol_says(fastapi_replies: dict[str, Reply]) -> None:
    """What both servers agree on is the protocol, not a shared mistake."""
    assert {name: r.status for name, r in fastapi_replies.items()} == STATUS
    headers = {name: dict(r.headers) for name, r in fastapi_replies.items()}
    assert headers["mutation, exact partial keyless"]["x-mizan-invalidate"] == (
        "feed;user_id=42,stats,user;user_id=42")
    assert [headers[name]["x-mizan-cache"] for name in (
        "bundle with keys", "bundle, cached", "bundle, percent-encoded key",
        "bundle, after invalidation")] == ["miss", "hit", "hit", "miss"]
    assert headers["needs a user"]["www-authenticate"] == "Bearer"
    assert headers["PUT on call/"]["allow"] == "POST"
    vectors = json.loads((VECTORS / "errors.json").read_text("utf-8"))["situations"]
    by_situation = {v["situation"]: v for v in vectors}
    for probe, situation in (("unknown function", "unknown function"),
                             ("GET on call/", "GET on call/"),
                             ("exception in the implementation",
                              "exception in the implementation"),
                             ("unknown path", "unknown path under the prefix")):
        expected = canonical_json(by_situation[situation]["body"]).encode()
        assert fastapi_replies[probe].body == expected


def test_django_test_client_answers_as_fastapi_does(
        small_package: str, tokens: dict[str, str],
        fastapi_replies: dict[str, Reply]) -> None:
    server = importlib.import_module(f"{small_package}.django_app").DjangoServer(
        load_impl_module().make_service(small_package), secret=SECRET, max_body_size=LIMIT)
    with override_settings(ROOT_URLCONF=urlconf(server.urls)):
        send = django_send(Client(), tokens)
        replies = {name: send(probe) for name, probe in PROBES.items()}
    assert_same(replies, fastapi_replies)


# --- WebSocket: FastAPI's, and Django's through Channels ---------------------------------

FRAMES = [
    '{"id": 1, "fn": "echo", "args": {"value": "x"}}',
    '{"id": "a", "fn": "whoami"}',
    '{"auth": "@ada"}',
    '{"id": 2, "fn": "whoami"}',
    '{"id": 3, "fn": "rename", "args": {"user_id": "1", "name": "X"}}',
    '{"id": 4, "fn": "echo", "args": {"value": 1, "nope": 2}}',
    "not json",
    "[1]",
    '{"id": -1, "fn": "echo"}',
    '{"id": 5, "fn": "echo", "args": [], "x": 1}',
    '{"auth": "forged"}',
    '{"id": 6, "fn": "whoami"}',
]


def frames(tokens: dict[str, str]) -> list[str]:
    return [frame.replace("@ada", tokens["ada"]) for frame in FRAMES]


def fastapi_ws_replies(package: str, tokens: dict[str, str]) -> list[str]:
    app = importlib.import_module(f"{package}.fastapi_app").create_app(
        load_impl_module().make_service(package), secret=SECRET, max_body_size=LIMIT)
    with TestClient(app).websocket_connect(PREFIX + "ws/") as socket:
        replies = []
        for frame in frames(tokens):
            socket.send_text(frame)
            replies.append(socket.receive_text())
    return replies


def test_django_websocket_through_channels_answers_as_fastapi_does(
        small_package: str, tokens: dict[str, str]) -> None:
    # asgiref's communicator: what channels.testing wraps (without its daphne import).
    from asgiref.testing import ApplicationCommunicator

    server = importlib.import_module(f"{small_package}.django_app").DjangoServer(
        load_impl_module().make_service(small_package), secret=SECRET, max_body_size=LIMIT)
    application = server.asgi_application()

    def connection(*headers: tuple[bytes, bytes]) -> ApplicationCommunicator:
        return ApplicationCommunicator(application, {
            "type": "websocket", "path": PREFIX + "ws/", "query_string": b"",
            "headers": list(headers), "subprotocols": []})

    async def talk() -> tuple[list[str], Any, Any]:
        socket = connection()
        await socket.send_input({"type": "websocket.connect"})
        assert (await socket.receive_output())["type"] == "websocket.accept"
        replies = []
        for frame in frames(tokens):
            await socket.send_input({"type": "websocket.receive", "text": frame})
            replies.append((await socket.receive_output())["text"])
        await socket.send_input({"type": "websocket.receive", "text": "x" * (LIMIT + 1)})
        closed = await socket.receive_output()
        await socket.send_input({"type": "websocket.disconnect", "code": 1009})
        await socket.wait()
        refused = connection((b"authorization", b"Bearer forged"))
        await refused.send_input({"type": "websocket.connect"})
        answer = await refused.receive_output()
        await refused.send_input({"type": "websocket.disconnect", "code": 1008})
        await refused.wait()
        return replies, closed, answer

    replies, closed, refused = asyncio.run(talk())
    expected = fastapi_ws_replies(small_package, tokens)
    assert replies == expected
    assert json.loads(expected[3]) == {"id": 2, "invalidate": [], "result": "ada"}
    assert json.loads(expected[6])["id"] is None
    assert closed["type"] == "websocket.close" and closed["code"] == 1009  # over the limit
    # A bad Authorization header refuses the upgrade.
    assert refused["type"] == "websocket.close" and refused["code"] == 1008


# --- live: Django's ASGI application under uvicorn --------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_django(tmp_path: Path) -> Iterator[str]:
    """A uvicorn process serving the small spec's Django project."""
    write_package(plan_of(SMALL), tmp_path / "smallapi")
    shutil.copyfile(IMPL, tmp_path / "impl.py")
    shutil.copyfile(LIVE_SITE, tmp_path / "live_site.py")
    port = free_port()
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "live_site:application", "--host", "127.0.0.1",
             "--port", str(port), "--lifespan", "off", "--no-access-log"],
            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://{base}{PREFIX}manifest/", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_live_django_under_uvicorn_answers_as_fastapi_does(
        live_django: str, small_package: str, tokens: dict[str, str],
        fastapi_replies: dict[str, Reply]) -> None:
    with httpx.Client(base_url=f"http://{live_django}") as client:
        send = httpx_send(client, tokens)
        replies = {name: send(probe) for name, probe in PROBES.items()}
        # A real project's middleware (security, common, CSRF) is in the way: the
        # views still answer without Django's CSRF token and without redirects.
        session = client.get(PREFIX + "session/")
        assert session.status_code == 200 and csrf.is_valid(SECRET, session.json()["csrf"])
        assert "HttpOnly" in session.headers["set-cookie"]
    assert_same(replies, fastapi_replies)
    from websockets.sync.client import connect

    with connect(f"ws://{live_django}{PREFIX}ws/") as socket:
        live = []
        for frame in frames(tokens):
            socket.send(frame)
            live.append(socket.recv())
    assert live == fastapi_ws_replies(small_package, tokens)


# --- the shop example and generated code quality --------------------------------------


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", *args, "--isolated"], cwd=cwd,
                          capture_output=True, text=True, check=False)


SPECS = [*sorted(p / "main.mizan" for p in CASES.iterdir() if p.is_dir()),
         REPO / "examples" / "shop" / "main.mizan"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_generated_code_imports_is_formatted_and_lint_clean(spec: Path,
                                                             importable: Path) -> None:
    configure_django()
    package = import_package(plan_of(spec), importable)
    folder = importable / package
    for module in sorted(p.stem for p in folder.glob("*.py")):
        importlib.import_module(f"{package}.{module}")
    # The shared modules are linted by the FastAPI target's tests.
    own = list(OWN)
    formatted = ruff("format", "--check", *own, cwd=folder)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    linted = ruff("check", *own, cwd=folder)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_shop_server_starts_and_serves(importable: Path) -> None:
    configure_django()
    plan = plan_of(REPO / "examples" / "shop" / "main.mizan")
    package = import_package(plan, importable)
    service_module = importlib.import_module(f"{package}.service")
    methods = {name: (lambda self, caller, **kw: None) for name in
               service_module.Service.__abstractmethods__}
    methods["health"] = lambda self, caller: "ok"
    shop = type("Shop", (service_module.Service,), methods)()
    server = importlib.import_module(f"{package}.django_app").DjangoServer(shop, secret=SECRET)
    staff = ("Authorization", "Bearer " + mint(package, "7", {"is_staff": True,
                                                             "role": "member"}))
    with override_settings(ROOT_URLCONF=urlconf(server.urls)):
        served = Served(server, shop, django_send(Client(), {}))
        assert body(served.call("health")) == {"invalidate": [], "result": "ok"}
        cart = {"cart_id": "6f1a0b2c-1111-4222-8333-444455556666"}
        assert served.call("cart_count", cart).status == 401
        assert served.call("reindex_search", None, staff).status == 403  # admin only
        shipped = served.call("receive_shipment", {"warehouse_id": "3", "reference": "R1"},
                              staff)
        assert shipped.status == 200
        assert dict(shipped.headers)["x-mizan-invalidate"] == (
            "back_office,inventory;warehouse_id=3")
        manifest = body(served.send(Probe("GET", PREFIX + "manifest/")))
        assert manifest == json.loads(plan.manifest_json)


def test_the_scaffolded_module_serves_under_django(importable: Path) -> None:
    configure_django()
    plan = plan_of(SMALL)
    package = import_package(plan, importable)
    scaffold = importlib.import_module("mizan_lang.gen").get_target("django").scaffold(
        plan, package=package, path="impl.py")
    (importable / "generated_scaffold_impl.py").write_bytes(scaffold.data)
    impl = importlib.import_module("generated_scaffold_impl")
    server = importlib.import_module(f"{package}.django_app").DjangoServer(
        impl.Implementation(), secret=SECRET)
    with override_settings(ROOT_URLCONF=urlconf(server.urls)):
        response = django_send(Client(), {})(json_call("visitor_count"))
    assert response.status == 500  # NotImplementedError until the user writes it
