"""The generated FastAPI server, imported and served for real.

`cases/gen/fastapi/<case>/main.mizan` is generated into a temporary
folder and compared with `expected/` (the runtime, copied verbatim, is
checked against its source instead); `MIZAN_UPDATE_EXPECTED=1` rewrites
the expectations. The small case is then imported, implemented here, and
served with FastAPI's TestClient; the shop example is generated, linted
and started.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import importlib
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
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

pytest.importorskip("fastapi")  # the test extra; CI installs it
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "cases" / "gen" / "fastapi"
SMALL = CASES / "small" / "main.mizan"
VECTORS = REPO / "protocol" / "vectors"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"
PREFIX = "/api/mizan/"
_names = itertools.count()


def plan_of(root: Path) -> Plan:
    result = check(load_workspace([str(root)]))
    assert result.ok, [d.message for d in result.diagnostics]
    return build_plan(build_ir(result))


def write_package(plan: Plan, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for file in generate(plan, "fastapi"):
        (folder / file.path).write_bytes(file.data)
    return folder


@contextlib.contextmanager
def importable_folder(folder: Path) -> Iterator[Path]:
    """`folder` on sys.path; packages imported from it are forgotten after."""
    sys.path.insert(0, str(folder))
    before = set(sys.modules)
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        # Only the generated modules: a library first imported meanwhile
        # (say, a part of SQLAlchemy) must stay, or its classes would split.
        for name in set(sys.modules) - before:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if origin.startswith(str(folder)):
                del sys.modules[name]


@pytest.fixture
def importable(tmp_path: Path) -> Iterator[Path]:
    with importable_folder(tmp_path) as folder:
        yield folder


def import_package(plan: Plan, root: Path) -> str:
    # A prefix of this module's own: other test modules count their packages too.
    name = f"fastapi_api_{next(_names)}"
    write_package(plan, root / name)
    importlib.invalidate_caches()  # the folder's listing may be cached from before
    importlib.import_module(f"{name}.fastapi_app")
    return name


# --- golden output -----------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(p for p in CASES.iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_generated_files_match_expected(case: Path, tmp_path: Path) -> None:
    produced = write_package(plan_of(case / "main.mizan"), tmp_path / "out")
    # Only spec-derived code: the protocol is the mizan-runtime package.
    assert not {"mizan_runtime.py", "dispatch.py", "auth.py"} & {p.name for p in produced.iterdir()}
    expected = case / "expected"
    if UPDATE:
        shutil.rmtree(expected, ignore_errors=True)
        shutil.copytree(produced, expected)
    assert expected.is_dir(), "run with MIZAN_UPDATE_EXPECTED=1 to create expected/"
    names = sorted(p.name for p in produced.iterdir())
    assert names == sorted(p.name for p in expected.iterdir())
    for name in names:
        assert (produced / name).read_bytes() == (expected / name).read_bytes(), name


# --- the small server --------------------------------------------------------------


@pytest.fixture
def small(importable: Path) -> ModuleType:
    plan = plan_of(SMALL)
    return importlib.import_module(import_package(plan, importable))


def small_service(package: ModuleType) -> Any:
    models = importlib.import_module(f"{package.__name__}.models")
    service = importlib.import_module(f"{package.__name__}.service")
    auth = importlib.import_module("mizan_runtime.auth")

    class Small(service.Service):
        def __init__(self) -> None:
            self.calls: list[tuple[str, dict[str, Any]]] = []

        def user_profile(self, caller: Any, *, user_id: int) -> Any:
            self.calls.append(("user_profile", {"user_id": user_id}))
            return models.Profile(user_id=user_id, name="Ada", balance=decimal.Decimal("9.90"),
                                  tags=["a", "b"], joined=datetime.date(2020, 1, 2))

        async def user_badges(self, caller: Any, *, user_id: int, limit: int) -> list[str]:
            self.calls.append(("user_badges", {"user_id": user_id, "limit": limit}))
            return ["gold"] * limit

        def feed_items(self, caller: Any, *, user_id: int, page: int) -> list[str]:
            return [f"{user_id}:{page}"]

        def user_notes(self, caller: Any, *, user_id: int) -> list[str]:
            return ["private"]

        def feed_staff_notes(self, caller: Any, *, user_id: int, page: int) -> int:
            return 3

        def visitor_count(self, caller: Any) -> int:
            return 7

        def rename(self, caller: Any, *, user_id: int, name: str) -> Any:
            self.calls.append(("rename", {"user_id": user_id, "name": name}))
            return models.Profile(user_id=user_id, name=name, balance=decimal.Decimal(0),
                                  tags=[], joined=None, role=models.Role.staff)

        async def reset_all(self, caller: Any) -> None:
            self.calls.append(("reset_all", {}))

        def echo(self, caller: Any, *, value: Any, when: Any, ratio: float, id: Any) -> Any:
            return {"value": value, "ratio": ratio, "when": None if when is None else
                    when.isoformat(), "id": None if id is None else str(id)}

        def crash(self, caller: Any) -> None:
            raise RuntimeError("secret internals: password=hunter2")

        def authenticate(self, credentials: Any) -> Any:
            if credentials == {"user": "ada", "password": "pw"}:
                return auth.Identity("1", {"is_staff": True})
            return None

        def identity_of(self, subject: str) -> Any:
            return None if subject in self.revoked else auth.Identity(subject, {})

    Small.revoked = set()  # type: ignore[attr-defined]
    return Small()


SECRET = "test-secret-of-at-least-32-bytes-long"


def access_token(package: str, sub: str, *, secret: str = SECRET, now: int | None = None,
                 **claims: Any) -> str:
    """An access token the generated server accepts (its runtime mints it)."""
    runtime = importlib.import_module("mizan_runtime.core")
    jwt = importlib.import_module(f"{package}.spec").TABLES["auth"]["jwt"]
    return runtime.mint_token(jwt, secret, "access", sub, now, claims)


def sign_in(client: TestClient, package: str, sub: str | None, **claims: Any) -> None:
    """Call as `sub` (a bearer token with these extra claims); None: anonymous."""
    client.headers.pop("authorization", None)
    if sub is not None:
        client.headers["authorization"] = "Bearer " + access_token(package, sub, **claims)


@pytest.fixture
def client(small: ModuleType) -> TestClient:
    """A client of the small server (`sign_in` chooses who calls)."""
    app_module = importlib.import_module(f"{small.__name__}.fastapi_app")
    service = small_service(small)
    app = app_module.create_app(service, secret=SECRET, max_body_size=4096)
    client = TestClient(app)
    client.service = service  # type: ignore[attr-defined]
    client.package = small.__name__  # type: ignore[attr-defined]
    return client


def call(client: TestClient, fn: str, args: dict[str, Any] | None = None) -> Any:
    body: dict[str, Any] = {"fn": fn}
    if args is not None:
        body["args"] = args
    return client.post(PREFIX + "call/", json=body)


def test_a_query_returns_its_result_in_wire_form(client: TestClient) -> None:
    response = call(client, "user_profile", {"user_id": "9007199254740993"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "x-mizan-invalidate" not in response.headers
    assert response.json() == {"invalidate": [], "result": {
        "user_id": "9007199254740993", "name": "Ada", "role": "member", "balance": "9.90",
        "tags": ["a", "b"], "joined": "2020-01-02", "seen": None}}
    # The body is canonical JSON: the bytes, not only the value, are fixed.
    assert response.content == canonical_json(response.json()).encode("utf-8")
    assert client.service.calls == [("user_profile", {"user_id": 9007199254740993})]


def test_a_mutation_invalidates_exact_partial_and_keyless_contexts(client: TestClient) -> None:
    response = call(client, "rename", {"user_id": "42", "name": "Bo"})
    assert response.status_code == 200
    body = response.json()
    assert body["result"]["role"] == "staff"
    assert body["invalidate"] == [
        {"context": "feed", "params": {"user_id": "42"}},  # partial: `page` is not bound
        {"context": "stats", "params": {}},  # no keys: its one instance
        {"context": "user", "params": {"user_id": "42"}},  # exact
    ]
    assert response.headers["x-mizan-invalidate"] == "feed;user_id=42,stats,user;user_id=42"


def test_a_global_invalidation_has_no_params(client: TestClient) -> None:
    response = call(client, "reset_all")
    assert response.status_code == 200
    assert response.json() == {"invalidate": [{"context": "user", "params": {}}],
                               "result": None}
    assert response.headers["x-mizan-invalidate"] == "user"
    assert client.service.calls == [("reset_all", {})]


def test_arguments_are_decoded_with_defaults(client: TestClient) -> None:
    response = call(client, "echo", {"value": [1, {"a": None}],
                                     "when": "2024-01-31T12:00:00+01:00",
                                     "id": "6F1A0B2C-1111-4222-8333-444455556666"})
    assert response.json()["result"] == {
        "value": [1, {"a": None}], "ratio": 0.5, "when": "2024-01-31T11:00:00+00:00",
        "id": "6f1a0b2c-1111-4222-8333-444455556666"}
    absent = call(client, "echo", {"value": "x"}).json()["result"]
    assert (absent["when"], absent["id"]) == (None, None)  # nullable params default to null


def test_a_bundle_calls_every_member_with_the_keys(client: TestClient) -> None:
    response = client.get(PREFIX + "ctx/user/", params={"user_id": "42"})
    assert response.status_code == 200
    assert response.json() == {"context": "user", "params": {"user_id": "42"}, "data": {
        "user_badges": ["gold", "gold", "gold"],  # `limit` took its default
        "user_profile": {"user_id": "42", "name": "Ada", "role": "member", "balance": "9.90",
                         "tags": ["a", "b"], "joined": "2020-01-02", "seen": None}}}
    assert sorted(client.service.calls) == [("user_badges", {"user_id": 42, "limit": 3}),
                                            ("user_profile", {"user_id": 42})]
    stats = client.get(PREFIX + "ctx/stats/")
    assert stats.json() == {"context": "stats", "params": {}, "data": {"visitor_count": 7}}


def test_members_the_caller_may_not_call_are_left_out(client: TestClient) -> None:
    def members(context: str, query: str) -> list[str]:
        response = client.get(f"{PREFIX}ctx/{context}/?{query}")
        assert response.status_code == 200
        return sorted(response.json()["data"])

    assert members("feed", "user_id=1&page=2") == ["feed_items"]
    sign_in(client, client.package, "1", is_staff=False)
    assert members("feed", "user_id=1&page=2") == ["feed_items"]
    sign_in(client, client.package, "1", is_staff=True)
    assert members("feed", "user_id=1&page=2") == ["feed_items", "feed_staff_notes"]
    # `user` is vary=public: computed as for an anonymous caller, whoever asks.
    assert members("user", "user_id=1") == ["user_badges", "user_profile"]
    assert call(client, "user_notes", {"user_id": "1"}).json()["result"] == ["private"]


def test_bundle_keys_are_checked(client: TestClient) -> None:
    missing = client.get(PREFIX + "ctx/feed/?user_id=1")
    assert missing.status_code == 400
    assert missing.json()["error"]["details"] == {
        "page": {"code": "required", "message": "This value is required.", "path": "/page"}}
    bad = client.get(PREFIX + "ctx/feed/?user_id=1&page=01&user_id=2&extra=x").json()
    assert bad["error"]["code"] == "invalid_arguments"
    assert {name: problem["code"] for name, problem in bad["error"]["details"].items()} == {
        "user_id": "duplicate", "page": "format", "extra": "unknown"}
    not_utf8 = client.get(PREFIX + "ctx/user/?user_id=%FF")
    assert (not_utf8.status_code, not_utf8.json()["error"]["details"]) == (
        400, {"reason": "query"})


def test_invalid_arguments_name_each_problem(client: TestClient) -> None:
    response = call(client, "rename", {"user_id": 42, "nmae": "Bo"})
    assert response.status_code == 400
    assert response.json() == {"error": {
        "code": "invalid_arguments", "message": "Some arguments are invalid.", "details": {
            "user_id": {"code": "type", "message": "Expected int64.", "path": "/user_id"},
            "name": {"code": "required", "message": "This value is required.",
                     "path": "/name"},
            "nmae": {"code": "unknown", "message": "This name is not expected.",
                     "path": "/nmae"}}}}
    assert client.service.calls == []  # the service never saw the call


def test_an_exception_is_an_internal_error_without_internals(client: TestClient) -> None:
    response = call(client, "crash")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal", "details": None,
                                         "message": "Internal server error."}}
    assert b"hunter2" not in response.content


# Situations of protocol/vectors/errors.json and how to provoke each here.
VECTOR_PROBES = {
    "body is not JSON": lambda c: c.post(PREFIX + "call/", content=b"{nope",
                                         headers={"content-type": "application/json"}),
    "JSON body is not {fn, args}": lambda c: c.post(PREFIX + "call/", json=["rename"]),
    "unknown function": lambda c: call(c, "nope", {}),
    "unknown context": lambda c: c.get(PREFIX + "ctx/nope/"),
    "unknown path under the prefix": lambda c: c.get(PREFIX + "nowhere/"),
    "GET on call/": lambda c: c.get(PREFIX + "call/"),
    "call/ with text/plain": lambda c: c.post(PREFIX + "call/", content=b"{}",
                                              headers={"content-type": "text/plain"}),
    "exception in the implementation": lambda c: call(c, "crash"),
}


@pytest.mark.parametrize("situation", sorted(VECTOR_PROBES))
def test_error_bodies_match_the_protocol_vectors(client: TestClient, situation: str) -> None:
    vectors = json.loads((VECTORS / "errors.json").read_text("utf-8"))["situations"]
    vector = next(v for v in vectors if v["situation"] == situation)
    response = VECTOR_PROBES[situation](client)
    assert response.status_code == vector["status"]
    assert response.content == canonical_json(vector["body"]).encode("utf-8")


def test_protocol_details_of_every_response(client: TestClient) -> None:
    responses = [call(client, "visitor_count"), client.get(PREFIX + "ctx/stats/"),
                 client.get(PREFIX + "manifest/"), client.get(PREFIX + "ir/"),
                 client.get(PREFIX + "session/"), call(client, "nope"),
                 client.get(PREFIX + "call/")]
    for response in responses:
        assert response.headers["cache-control"] == "no-store", response.request.url
    assert responses[-1].headers["allow"] == "POST"
    # No redirects: a path without its trailing slash is not found.
    unslashed = client.get(PREFIX + "ctx/stats", follow_redirects=False)
    assert (unslashed.status_code, unslashed.json()["error"]["details"]) == (404, None)


def test_a_body_over_the_limit_is_refused(client: TestClient) -> None:
    big = {"fn": "echo", "args": {"value": "x" * 5000}}
    response = client.post(PREFIX + "call/", json=big)
    assert response.status_code == 413
    assert response.json()["error"] == {"code": "payload_too_large", "details": {
        "limit": 4096}, "message": "The payload is too large."}


def test_session_keeps_a_valid_token_and_replaces_a_forged_one(client: TestClient) -> None:
    first = client.get(PREFIX + "session/").json()["csrf"]
    assert client.get(PREFIX + "session/").json()["csrf"] == first
    client.cookies.clear()
    client.cookies.set("mizan_csrf", "forged.token")
    fresh = client.get(PREFIX + "session/").json()["csrf"]
    assert fresh != first and csrf.is_valid(SECRET, fresh)


def test_manifest_ir_and_session(client: TestClient, small: ModuleType) -> None:
    plan = plan_of(SMALL)
    manifest = client.get(PREFIX + "manifest/")
    assert manifest.content == plan.manifest_json.encode("utf-8")
    ir = client.get(PREFIX + "ir/")
    assert ir.text == plan.ir_kdl
    session = client.get(PREFIX + "session/")
    body = session.json()
    assert body["protocol"] == 1 and csrf.is_valid(SECRET, body["csrf"])
    assert session.cookies.get("mizan_csrf") == body["csrf"]


def test_another_prefix_moves_routes_and_manifest_paths(small: ModuleType) -> None:
    app_module = importlib.import_module(f"{small.__name__}.fastapi_app")
    client = TestClient(app_module.create_app(small_service(small), secret=SECRET,
                                              prefix="/v2/rpc"))
    manifest = client.get("/v2/rpc/manifest/").json()
    assert manifest["prefix"] == "/v2/rpc/"
    assert manifest["contexts"]["user"]["path"] == "/v2/rpc/ctx/user/"
    assert client.get("/v2/rpc/ctx/stats/").status_code == 200
    assert client.get(PREFIX + "ctx/stats/").status_code == 404


def test_a_missing_method_fails_at_startup(small: ModuleType) -> None:
    app_module = importlib.import_module(f"{small.__name__}.fastapi_app")
    dispatch = importlib.import_module("mizan_runtime.dispatch")

    class Partial:
        def echo(self, caller: Any, **kwargs: Any) -> None:
            return None

    with pytest.raises(dispatch.ServiceError) as caught:
        app_module.create_app(Partial(), secret=SECRET)
    assert ("authenticate, crash, feed_items, feed_staff_notes, identity_of, rename, reset_all, "
            "user_badges, user_notes, user_profile, visitor_count") in str(caught.value)


def test_the_scaffolded_module_implements_the_interface(importable: Path) -> None:
    plan = plan_of(SMALL)
    package = import_package(plan, importable)
    target_module = importlib.import_module("mizan_lang.gen").get_target("fastapi")
    scaffold = target_module.scaffold(plan, package=package, path="impl.py")
    module = f"{package}_impl"  # a name no other test module can have taken
    (importable / f"{module}.py").write_bytes(scaffold.data)
    for command in (("format", "--check"), ("check",)):
        result = subprocess.run([sys.executable, "-m", "ruff", *command, "--isolated",
                                 f"{module}.py"], cwd=importable, capture_output=True,
                                text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    impl = importlib.import_module(module)
    app = importlib.import_module(f"{package}.fastapi_app").create_app(
        impl.Implementation(), secret=SECRET)
    response = TestClient(app).post(PREFIX + "call/", json={"fn": "visitor_count"})
    assert response.status_code == 500  # NotImplementedError until the user writes it


# --- the shop example ----------------------------------------------------------------


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", *args, "--isolated", "."], cwd=cwd,
                          capture_output=True, text=True, check=False)


SPECS = [*sorted(p / "main.mizan" for p in CASES.iterdir() if p.is_dir()),
         REPO / "examples" / "shop" / "main.mizan"]


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_generated_code_imports_is_formatted_and_lint_clean(spec: Path,
                                                             importable: Path) -> None:
    package = import_package(plan_of(spec), importable)
    folder = importable / package
    for module in sorted(p.stem for p in folder.glob("*.py")):
        importlib.import_module(f"{package}.{module}")
    formatted = ruff("format", "--check", cwd=folder)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    linted = ruff("check", cwd=folder)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_shop_server_starts_and_serves(importable: Path) -> None:
    plan = plan_of(REPO / "examples" / "shop" / "main.mizan")
    package = import_package(plan, importable)
    service_module = importlib.import_module(f"{package}.service")
    methods = {name: (lambda self, caller, **kw: None) for name in
               service_module.Service.__abstractmethods__}
    methods["health"] = lambda self, caller: "ok"
    methods["search_products"] = lambda self, caller, **kw: {
        "items": [], "page": {"page": kw["page"], "page_size": kw["page_size"],
                              "total": 0, "has_next": False},
        "facets": {"sort": [{"value": kw["sort"].name, "count": 1}]}}
    shop = type("Shop", (service_module.Service,), methods)()
    app = importlib.import_module(f"{package}.fastapi_app").create_app(shop, secret=SECRET)
    client = TestClient(app)
    assert call(client, "health").json() == {"invalidate": [], "result": "ok"}
    found = call(client, "search_products", {"query": "mug", "sort": "newest"}).json()
    assert found["result"]["facets"] == {"sort": [{"count": 1, "value": "newest"}]}
    assert found["result"]["page"]["page_size"] == 24
    # auth: a user function needs a caller; a guard needs its claim.
    assert call(client, "cart_count", {"cart_id": "6f1a0b2c-1111-4222-8333-444455556666"}
                ).status_code == 401
    sign_in(client, package, "7", is_staff=True, role="member")
    assert call(client, "reindex_search").status_code == 403  # admin: role must be admin
    shipped = call(client, "receive_shipment", {"warehouse_id": "3", "reference": "R1"})
    assert shipped.status_code == 200
    assert shipped.headers["x-mizan-invalidate"] == "back_office,inventory;warehouse_id=3"


def test_generated_packages_pass_mypy_strict(importable: Path) -> None:
    pytest.importorskip("mypy")
    pytest.importorskip("sqlalchemy")
    packages = [import_package(plan_of(spec), importable)
                for spec in (CASES / "full" / "main.mizan", REPO / "examples" / "shop" /
                             "main.mizan")]
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                             *packages], cwd=importable, capture_output=True, text=True,
                            check=False,
                            env={**os.environ, "MYPYPATH": str(REPO / "runtimes" / "python")})
    assert result.returncode == 0, result.stdout + result.stderr
