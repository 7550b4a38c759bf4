"""Extension rows of the generated FastAPI server, served for real.

`cases/gen/fastapi/full` is generated, imported and implemented here:
uploads (multipart), the WebSocket transport, the origin bundle cache, the
edge manifest, forms and the SSR bridge, through FastAPI's TestClient; the
Redis cache and a live uvicorn server in their own tests.
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mizan_lang.protocol.canonical import canonical_json

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from test_gen_fastapi import (
    CASES,
    PREFIX,
    SECRET,
    access_token,
    import_package,
    importable_folder,
    plan_of,
)

FULL = CASES / "full" / "main.mizan"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def full_service(package: str) -> Any:
    service = importlib.import_module(f"{package}.service")
    auth = importlib.import_module("mizan_runtime.auth")
    errors = importlib.import_module("mizan_runtime.dispatch")

    class Full(service.Service):
        def __init__(self) -> None:
            self.calls: list[str] = []
            self.names: dict[int, str] = {}
            self.stock = 0
            self.board = 0
            self.saved: list[dict[str, Any]] = []

        def profile_name(self, caller: Any, *, user_id: int) -> str:
            self.calls.append(f"profile_name:{user_id}:{caller.subject}")
            return self.names.get(user_id, f"user {user_id}")

        def catalog_items(self, caller: Any, *, shop_id: int, category: str) -> list[str]:
            self.calls.append(f"catalog_items:{shop_id}:{category}:{caller.subject}")
            return [f"{category}-{shop_id}-{self.stock}"]

        def board_count(self, caller: Any) -> int:
            self.calls.append("board_count")
            return self.board

        def rename_user(self, caller: Any, *, user_id: int, name: str) -> str:
            self.names[user_id] = name
            return name

        def restock(self, caller: Any, *, shop_id: int) -> int:
            self.stock += 1
            return self.stock

        async def bump_board(self, caller: Any) -> int:
            self.board += 1
            return self.board

        def ping(self, caller: Any, *, text: str) -> str:
            return f"pong {text} via {caller.transport}"

        def whoami(self, caller: Any) -> str:
            return str(caller.subject)

        def staff_only(self, caller: Any) -> str:
            return "staff"

        def send_files(self, caller: Any, *, user_id: int, avatar: Any, attachment: Any) -> str:
            return json.dumps([[f.filename, f.content_type, f.size, f.read().decode()]
                               for f in (avatar, attachment)])

        def save_profile(self, caller: Any, **args: Any) -> str:
            self.saved.append(args)
            return "saved"

        def user_cards(self, caller: Any) -> list[Any]:
            return []

        def team_prices(self, caller: Any) -> list[Any]:
            return []

        def authenticate(self, credentials: Any) -> Any:
            return auth.Identity(str(credentials), {"is_staff": credentials == "boss"})

        def identity_of(self, subject: str) -> Any:
            return auth.Identity(subject)

    Full.MizanError = errors.MizanError  # type: ignore[attr-defined]
    return Full()


class Server:
    def __init__(self, package: str, **options: Any) -> None:
        self.package = package
        self.module: ModuleType = importlib.import_module(f"{package}.fastapi_app")
        self.service = full_service(package)
        self.app = self.module.create_app(self.service, secret=SECRET, **options)
        self.client = TestClient(self.app)

    def token(self, sub: str, **claims: Any) -> str:
        return access_token(self.package, sub, **claims)

    def as_user(self, sub: str, **claims: Any) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(sub, **claims)}"}

    def call(self, fn: str, args: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        body = {"fn": fn, "args": args or {}}
        return self.client.post(PREFIX + "call/", json=body, headers=headers or {})


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    with importable_folder(tmp_path):
        yield import_package(plan_of(FULL), tmp_path)


@pytest.fixture
def server(package: str) -> Server:
    return Server(package, max_body_size=1 << 16)


# --- uploads ---------------------------------------------------------------------


def send(server: Server, files: dict[str, Any], args: Any = None, fn: str = "send_files",
         user: str | None = "7") -> Any:
    data = {"fn": fn}
    if args is not None:
        data["args"] = args if isinstance(args, str) else json.dumps(args)
    headers = server.as_user(user) if user else {}
    return server.client.post(PREFIX + "call/", data=data, files=files, headers=headers)


GOOD = {"avatar": ("me.png", b"PNG!", "image/png"),
        "attachment": ("notes.txt", b"hello", "text/plain; charset=utf-8")}


def test_an_upload_reaches_the_service_as_an_upload_object(server: Server) -> None:
    response = send(server, GOOD, {"user_id": "7"})
    assert response.status_code == 200, response.text
    assert json.loads(response.json()["result"]) == [
        ["me.png", "image/png", 4, "PNG!"], ["notes.txt", "text/plain", 5, "hello"]]


def test_upload_limits_answer_413_and_415_in_declared_order(server: Server) -> None:
    big = {**GOOD, "avatar": ("big.png", b"x" * 1001, "image/png")}
    response = send(server, big, {"user_id": "7"})
    assert response.status_code == 413
    assert response.json()["error"]["details"] == {"limit": 1000, "param": "avatar"}
    gif = {**GOOD, "avatar": ("a.gif", b"GIF", "Image/GIF; x=1")}
    response = send(server, gif, {"user_id": "7"})
    assert response.status_code == 415
    assert response.json()["error"]["details"] == {"content_type": "image/gif",
                                                   "param": "avatar"}
    wildcard = {**GOOD, "avatar": ("a.md", b"#", "text/markdown")}
    assert send(server, wildcard, {"user_id": "7"}).status_code == 200
    # The request limit applies to the whole body first.
    huge = {**GOOD, "attachment": ("h.bin", b"x" * 70000, "application/octet-stream")}
    response = send(server, huge, {"user_id": "7"})
    assert (response.status_code, response.json()["error"]["details"]) == (
        413, {"limit": 1 << 16})


def test_upload_argument_problems_are_invalid_arguments(server: Server) -> None:
    response = send(server, {"avatar": GOOD["avatar"], "extra": ("x", b"1", "text/plain")},
                    {"user_id": "7", "attachment": "aGk="})
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details == {
        "attachment": {"code": "type", "message": "Expected Upload.", "path": "/attachment"},
        "extra": {"code": "unknown", "message": "This name is not expected.",
                  "path": "/extra"}}
    missing = send(server, {"avatar": GOOD["avatar"]}, {"user_id": "7"})
    assert missing.json()["error"]["details"] == {"attachment": {
        "code": "required", "message": "This value is required.", "path": "/attachment"}}


def test_json_versus_multipart_is_checked_against_the_function(server: Server) -> None:
    as_json = server.call("send_files", {"user_id": "7"}, server.as_user("7"))
    assert as_json.status_code == 415
    assert as_json.json()["error"]["details"] == {"content_type": "application/json"}
    as_multipart = send(server, GOOD, {}, fn="ping")
    assert as_multipart.json()["error"]["details"] == {"content_type": "multipart/form-data"}
    # Uploads are checked after auth: anonymous is 401 before any file check.
    assert send(server, GOOD, {"user_id": "7"}, user=None).status_code == 401


@pytest.mark.parametrize("body", [
    b"no boundary at all",
    b'--B\r\nContent-Disposition: form-data; name="fn"\r\n\r\nping\r\n',  # never closed
    b'--B\r\nContent-Disposition: form-data\r\n\r\nping\r\n--B--\r\n',  # no name
])
def test_a_broken_multipart_body_is_a_bad_request(server: Server, body: bytes) -> None:
    response = server.client.post(PREFIX + "call/", content=body,
                                  headers={"content-type": "multipart/form-data; boundary=B"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"reason": "multipart"}


def test_repeated_parts_and_bad_args_parts_are_bad_requests(server: Server) -> None:
    def body(*parts: tuple[str, bytes]) -> bytes:
        chunks = [b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                  % (name.encode(), data) for name, data in parts]
        return b"".join(chunks) + b"--B--\r\n"

    for content in (body(("fn", b"ping"), ("fn", b"ping")), body(("fn", b"ping"),
                    ("args", b"[1]")), body(("args", b"{}"))):
        response = server.client.post(PREFIX + "call/", content=content, headers={
            "content-type": 'multipart/form-data; boundary="B"'})
        assert response.json()["error"]["details"] == {"reason": "multipart"}, content


# --- WebSocket -------------------------------------------------------------------


def exchange(socket: Any, frame: Any) -> Any:
    socket.send_text(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(socket.receive_text())


def error_of(code: str, details: Any) -> dict[str, Any]:
    from mizan_lang.protocol.errors import error_body

    return error_body(code, details)["error"]


def test_websocket_calls_answer_by_id_with_invalidation(server: Server) -> None:
    with server.client.websocket_connect(PREFIX + "ws/") as socket:
        assert exchange(socket, {"id": 1, "fn": "ping", "args": {"text": "hi"}}) == {
            "id": 1, "invalidate": [], "result": "pong hi via ws"}
        assert exchange(socket, {"id": "b", "fn": "bump_board"}) == {
            "id": "b", "invalidate": [{"context": "board", "params": {}}], "result": 1}
        # Only websocket=#true functions; Upload never travels here.
        for fn in ("restock", "send_files", "nope"):
            assert exchange(socket, {"id": 2, "fn": fn, "args": {}}) == {
                "id": 2, "error": error_of("not_found", {"fn": fn})}
        bad_args = exchange(socket, {"id": 4, "fn": "ping", "args": {"text": 1}})
        assert bad_args["id"] == 4 and bad_args["error"]["code"] == "invalid_arguments"


@pytest.mark.parametrize(("frame", "expected"), [
    ("not json", {"id": None, "error": error_of("bad_request", {"reason": "json"})}),
    ('{"id": 1, "id": 2}', {"id": None, "error": error_of("bad_request", {"reason": "json"})}),
    ("[1]", {"id": None, "error": error_of("bad_request", {"reason": "shape"})}),
    ('{"id": true, "fn": "ping"}', {"id": None, "error": error_of("bad_request",
                                                                   {"reason": "shape"})}),
    ('{"id": -1, "fn": "ping"}', {"id": None, "error": error_of("bad_request",
                                                                 {"reason": "shape"})}),
    ('{"id": 3, "fn": 5}', {"id": 3, "error": error_of("bad_request", {"reason": "shape"})}),
    ('{"id": 3, "fn": "ping", "x": 1}', {"id": 3, "error": error_of("bad_request",
                                                                      {"reason": "shape"})}),
])
def test_websocket_bad_frames(server: Server, frame: str, expected: Any) -> None:
    with server.client.websocket_connect(PREFIX + "ws/") as socket:
        assert exchange(socket, frame) == expected


def test_websocket_identity_from_auth_frames(server: Server) -> None:
    with server.client.websocket_connect(PREFIX + "ws/") as socket:
        assert exchange(socket, {"id": 1, "fn": "whoami"})["error"] == error_of(
            "unauthenticated", {"reason": "missing"})
        assert exchange(socket, {"auth": server.token("7")}) == {"auth": True}
        assert exchange(socket, {"id": 2, "fn": "whoami"})["result"] == "7"
        assert exchange(socket, {"id": 3, "fn": "staff_only"})["error"]["code"] == "forbidden"
        expired = access_token(server.package, "7", now=1)
        assert exchange(socket, {"auth": expired}) == {
            "auth": False, "error": error_of("unauthenticated", {"reason": "expired"})}
        # A refused auth frame leaves the connection anonymous.
        assert exchange(socket, {"id": 4, "fn": "whoami"})["error"]["code"] == (
            "unauthenticated")


def test_websocket_identity_from_the_upgrade_header(server: Server) -> None:
    headers = server.as_user("8", is_staff=True)
    with server.client.websocket_connect(PREFIX + "ws/", headers=headers) as socket:
        assert exchange(socket, {"id": 1, "fn": "whoami"})["result"] == "8"
        assert exchange(socket, {"id": 2, "fn": "staff_only"})["result"] == "staff"
    # A presented header that does not verify refuses the upgrade.
    bad = {"authorization": "Bearer " + access_token(server.package, "8", now=1)}
    with pytest.raises(WebSocketDisconnect) as refused, server.client.websocket_connect(
            PREFIX + "ws/", headers=bad):
        pass
    assert refused.value.code == 1008


def test_websocket_checks_the_token_expiry_at_every_call(server: Server) -> None:
    import time

    now = int(time.time())
    short = access_token(server.package, "7", now=now - 898)  # expires in 2 s
    with server.client.websocket_connect(PREFIX + "ws/") as socket:
        assert exchange(socket, {"auth": short}) == {"auth": True}
        assert exchange(socket, {"id": 1, "fn": "whoami"})["result"] == "7"
        time.sleep(now + 2 - time.time() + 0.05)
        assert exchange(socket, {"id": 2, "fn": "whoami"})["error"] == error_of(
            "unauthenticated", {"reason": "expired"})


def test_a_websocket_frame_over_the_limit_closes_with_1009(server: Server) -> None:
    with server.client.websocket_connect(PREFIX + "ws/") as socket:
        socket.send_text(json.dumps({"id": 1, "fn": "ping", "args": {"text": "x" * 70000}}))
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
    assert closed.value.code == 1009


def test_a_websocket_mutation_evicts_cached_bundles(server: Server) -> None:
    first = server.client.get(PREFIX + "ctx/board/")
    assert first.headers["x-mizan-cache"] == "miss"
    assert server.client.get(PREFIX + "ctx/board/").headers["x-mizan-cache"] == "hit"
    with server.client.websocket_connect(PREFIX + "ws/") as socket:
        exchange(socket, {"id": 1, "fn": "bump_board"})
    again = server.client.get(PREFIX + "ctx/board/")
    assert again.headers["x-mizan-cache"] == "miss"
    assert again.json()["data"] == {"board_count": 1}


# --- the origin bundle cache -----------------------------------------------------


def fetch(server: Server, path: str, headers: dict[str, str] | None = None) -> Any:
    response = server.client.get(PREFIX + path, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


def cache_state(server: Server, path: str, headers: dict[str, str] | None = None) -> str:
    return str(fetch(server, path, headers).headers["x-mizan-cache"])


def test_a_cached_bundle_is_served_as_stored(server: Server) -> None:
    first = fetch(server, "ctx/board/")
    second = fetch(server, "ctx/board/")
    assert (first.headers["x-mizan-cache"], second.headers["x-mizan-cache"]) == ("miss", "hit")
    assert first.content == second.content == canonical_json(
        {"context": "board", "data": {"board_count": 0}, "params": {}}).encode()
    assert server.service.calls == ["board_count"]
    assert second.headers["cache-control"] == "no-store"


def test_a_public_bundle_is_one_copy_for_everybody(server: Server) -> None:
    assert cache_state(server, "ctx/catalog/?shop_id=1&category=a") == "miss"
    assert cache_state(server, "ctx/catalog/?category=a&shop_id=1",
                       server.as_user("7")) == "hit"
    assert server.service.calls == ["catalog_items:1:a:None"]  # computed as anonymous


def test_a_partial_invalidation_evicts_every_covered_instance_only(server: Server) -> None:
    paths = ["ctx/catalog/?shop_id=1&category=a", "ctx/catalog/?shop_id=1&category=b",
             "ctx/catalog/?shop_id=2&category=a"]
    assert [cache_state(server, p) for p in paths] == ["miss"] * 3
    assert [cache_state(server, p) for p in paths] == ["hit"] * 3
    restocked = server.call("restock", {"shop_id": "1"})
    assert restocked.headers["x-mizan-invalidate"] == "catalog;shop_id=1"
    assert [cache_state(server, p) for p in paths] == ["miss", "miss", "hit"]
    assert fetch(server, paths[0]).json()["data"] == {"catalog_items": ["a-1-1"]}


def test_identity_bundles_are_never_shared_and_exact_invalidation_spares_others(
        server: Server) -> None:
    ada, bo = server.as_user("7"), server.as_user("8")
    assert cache_state(server, "ctx/profile/?user_id=1", ada) == "miss"
    assert cache_state(server, "ctx/profile/?user_id=1", bo) == "miss"  # not Ada's copy
    assert cache_state(server, "ctx/profile/?user_id=2", ada) == "miss"
    assert cache_state(server, "ctx/profile/?user_id=1", ada) == "hit"
    assert server.service.calls == ["profile_name:1:7", "profile_name:1:8", "profile_name:2:7"]
    # Whoever mutates, every identity's copy of the instance goes.
    renamed = server.call("rename_user", {"user_id": "1", "name": "Ann"}, bo)
    assert renamed.headers["x-mizan-invalidate"] == "profile;user_id=1"
    assert cache_state(server, "ctx/profile/?user_id=1", ada) == "miss"
    assert cache_state(server, "ctx/profile/?user_id=1", bo) == "miss"
    assert cache_state(server, "ctx/profile/?user_id=2", ada) == "hit"
    assert fetch(server, "ctx/profile/?user_id=1", ada).json()["data"] == {
        "profile_name": "Ann"}


def test_a_bundle_computed_during_an_invalidation_is_not_stored(server: Server) -> None:
    dispatcher = server.app.state.mizan
    original = server.service.catalog_items

    def racing(caller: Any, **args: Any) -> Any:
        # A mutation of the same instance lands while the bundle is computed.
        dispatcher.cache.invalidate([("catalog", (("shop_id", "1"),))])
        return original(caller, **args)

    server.service.catalog_items = racing
    dispatcher._methods["catalog_items"] = racing
    assert cache_state(server, "ctx/catalog/?shop_id=1&category=a") == "miss"
    dispatcher._methods["catalog_items"] = original
    assert cache_state(server, "ctx/catalog/?shop_id=1&category=a") == "miss"
    assert cache_state(server, "ctx/catalog/?shop_id=1&category=a") == "hit"


def test_cache_keys_are_the_protocol_hmac(server: Server) -> None:
    from mizan_lang.protocol import cache_key

    fetch(server, "ctx/profile/?user_id=1", server.as_user("7"))
    key = cache_key.cache_key(SECRET, "profile", {"user_id": "1"}, "user:7")
    assert server.app.state.mizan.cache.get(key) is not None


# --- Redis: the cache and spent tokens shared by several processes -----------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(check: Any, what: str, errors: tuple[type[Exception], ...],
             timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(*errors):  # not up yet
            if check():
                return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not start")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server of its own (apt-get install redis-server)."""
    import shutil
    import subprocess

    redis = pytest.importorskip("redis")
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (apt-get install -y redis-server)"
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        wait_for(lambda: redis.Redis.from_url(url).ping(), "redis-server",
                 (redis.exceptions.ConnectionError,))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def redis_options(package: str, url: str, namespace: str) -> dict[str, Any]:
    import redis

    backends = importlib.import_module("mizan_runtime.backends")
    client = redis.Redis.from_url(url)
    return {"cache": backends.RedisBundleCache(client, namespace),
            "used_tokens": backends.RedisUsedTokens(client, namespace)}


def test_the_redis_cache_is_shared_by_two_servers(package: str, redis_url: str) -> None:
    namespace = "t1"
    one = Server(package, **redis_options(package, redis_url, namespace))
    two = Server(package, **redis_options(package, redis_url, namespace))
    ada, bo = one.as_user("7"), one.as_user("8")
    assert cache_state(one, "ctx/catalog/?shop_id=1&category=a") == "miss"
    assert cache_state(two, "ctx/catalog/?shop_id=1&category=a") == "hit"
    assert cache_state(one, "ctx/catalog/?shop_id=2&category=a") == "miss"
    assert cache_state(one, "ctx/profile/?user_id=1", ada) == "miss"
    assert cache_state(two, "ctx/profile/?user_id=1", ada) == "hit"
    assert cache_state(two, "ctx/profile/?user_id=1", bo) == "miss"  # never Ada's copy
    assert cache_state(one, "ctx/profile/?user_id=2", ada) == "miss"
    assert cache_state(one, "ctx/board/") == "miss"
    # A mutation on one server evicts, per tier, what the other one serves.
    assert two.call("restock", {"shop_id": "1"}).status_code == 200
    assert cache_state(one, "ctx/catalog/?shop_id=1&category=a") == "miss"
    assert cache_state(one, "ctx/catalog/?shop_id=2&category=a") == "hit"
    assert two.call("rename_user", {"user_id": "1", "name": "A"}, bo).status_code == 200
    assert cache_state(one, "ctx/profile/?user_id=1", ada) == "miss"
    assert cache_state(one, "ctx/profile/?user_id=1", bo) == "miss"
    assert cache_state(one, "ctx/profile/?user_id=2", ada) == "hit"
    assert cache_state(two, "ctx/board/") == "hit"
    assert two.call("bump_board").headers["x-mizan-invalidate"] == "board"
    assert cache_state(one, "ctx/board/") == "miss"


def test_the_redis_cache_refuses_a_bundle_older_than_an_invalidation(
        package: str, redis_url: str) -> None:
    options = redis_options(package, redis_url, "t2")
    cache = options["cache"]
    generation = cache.generation("catalog")
    cache.invalidate([("catalog", (("shop_id", "1"),))])
    params = {"category": "a", "shop_id": "1"}
    assert not cache.put("k", "catalog", params, b"{}", 30, generation)
    assert cache.put("k", "catalog", params, b"{}", 30, cache.generation("catalog"))
    assert cache.get("k") == b"{}"
    cache.invalidate([("catalog", (("category", None),))])  # covers nothing here
    assert cache.get("k") == b"{}"
    cache.invalidate([("catalog", ())])  # global
    assert cache.get("k") is None
    assert cache.put("k", "catalog", params, b"{}", 30, cache.generation("catalog"))
    cache.invalidate_all()
    assert cache.get("k") is None


def test_spent_refresh_tokens_are_shared_through_redis(package: str, redis_url: str) -> None:
    one = Server(package, **redis_options(package, redis_url, "t3"))
    two = Server(package, **redis_options(package, redis_url, "t3"))
    tokens = one.client.post(PREFIX + "auth/token/", json={"credentials": "ada"}).json()
    assert two.client.post(PREFIX + "auth/refresh/",
                           json={"refresh": tokens["refresh"]}).status_code == 200
    again = one.client.post(PREFIX + "auth/refresh/", json={"refresh": tokens["refresh"]})
    assert again.json()["error"]["details"] == {"reason": "reused"}


# --- live: two uvicorn processes sharing one Redis ---------------------------------

LIVE_APP = '''
import importlib
import os
import sys

sys.path.insert(0, os.environ["MIZAN_TESTS"])
from test_gen_fastapi_ext import SECRET, full_service, redis_options

package = os.environ["MIZAN_PACKAGE"]
app = importlib.import_module(package + ".fastapi_app").create_app(
    full_service(package), secret=SECRET,
    **redis_options(package, os.environ["MIZAN_REDIS"], "live"))
'''


@pytest.fixture
def live_servers(package: str, redis_url: str, tmp_path: Path) -> Iterator[list[str]]:
    import os
    import subprocess
    import sys

    import httpx

    (tmp_path / "live_app.py").write_text(LIVE_APP, "utf-8")
    env = {**os.environ, "MIZAN_TESTS": str(Path(__file__).parent), "MIZAN_PACKAGE": package,
           "MIZAN_REDIS": redis_url,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).parent.parent),
                                           str(Path(__file__).parent.parent / "runtimes" / "python")])}
    processes, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "live_app:app", "--port", str(port),
                 "--log-level", "warning"], cwd=tmp_path, env=env))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_for(lambda url=url: httpx.get(url + PREFIX + "session/").status_code == 200,
                     "uvicorn", (httpx.TransportError,))
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_live_uvicorn_servers_share_the_cache_and_speak_websocket(
        live_servers: list[str], package: str) -> None:
    import httpx
    from websockets.sync.client import connect

    one, two = live_servers
    path = PREFIX + "ctx/catalog/?shop_id=5&category=live"
    assert httpx.get(one + path).headers["x-mizan-cache"] == "miss"
    hit = httpx.get(two + path)
    assert (hit.headers["x-mizan-cache"], hit.headers["cache-control"]) == ("hit", "no-store")
    restocked = httpx.post(two + PREFIX + "call/", json={"fn": "restock",
                                                          "args": {"shop_id": "5"}})
    assert restocked.json() == {"invalidate": [{"context": "catalog",
                                                "params": {"shop_id": "5"}}], "result": 1}
    assert httpx.get(one + path).headers["x-mizan-cache"] == "miss"
    token = access_token(package, "7")
    url = one.replace("http", "ws") + PREFIX + "ws/"
    with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
        socket.send(json.dumps({"id": 9, "fn": "whoami"}))
        assert json.loads(socket.recv()) == {"id": 9, "invalidate": [], "result": "7"}
        socket.send(json.dumps({"id": 10, "fn": "bump_board"}))
        assert json.loads(socket.recv())["invalidate"] == [{"context": "board", "params": {}}]


# --- the edge manifest, served and written ---------------------------------------


def test_the_manifest_file_is_what_the_server_serves(server: Server, package: str) -> None:
    folder = Path(importlib.import_module(package).__file__ or "").parent
    written = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert written.pop("_generated").startswith("Code generated by mizan-lang")
    served = fetch(server, "manifest/").json()
    assert written == served == plan_of(FULL).manifest
    strategies = {name: ctx["render_strategy"] for name, ctx in served["contexts"].items()}
    assert strategies == {"board": "csr", "catalog": "psr", "profile": "ssr"}
    assert served["contexts"]["profile"]["cache"] == {"ttl": 60, "vary": "identity"}


def test_gen_check_covers_the_manifest_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    def gen(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mizan_lang", "gen", str(FULL), "--target",
                               "fastapi", "--out", str(tmp_path / "api"), *extra],
                              capture_output=True, text=True, check=False)

    assert gen().returncode == 0
    assert gen("--check").returncode == 0
    manifest = tmp_path / "api" / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"ttl": 60', '"ttl": 5'), "utf-8")
    stale = gen("--check")
    assert stale.returncode == 1 and "manifest.json" in stale.stdout + stale.stderr
    manifest.unlink()
    assert gen("--check").returncode == 1
    assert gen().returncode == 0 and manifest.is_file()


# --- forms -----------------------------------------------------------------------


def test_the_form_schema_is_served(server: Server) -> None:
    response = fetch(server, "form/ProfileForm/")
    assert response.content == canonical_json(
        plan_of(FULL).tables["forms"]["ProfileForm"]).encode()
    assert response.json()["fields"][3]["choices"] == ["member", "staff"]
    unknown = server.client.get(PREFIX + "form/Nope/")
    assert (unknown.status_code, unknown.json()["error"]["details"]) == (404, {"form": "Nope"})
    assert server.client.post(PREFIX + "form/Nope/validate/", json={}).json()["error"][
        "details"] == {"form": "Nope"}
    assert server.client.post(PREFIX + "form/ProfileForm/", json={}).status_code == 405


def test_validate_answers_422_with_one_error_per_field(server: Server) -> None:
    response = server.client.post(PREFIX + "form/ProfileForm/validate/", json={
        "name": "A", "email": "not-an-email", "role": "boss", "age": 12, "extra": 1})
    assert response.status_code == 422
    assert response.json() == {"error": {"code": "validation_failed", "message":
                                          "The form has errors.", "details": {
        "user_id": {"code": "required", "message": "This field is required."},
        "name": {"code": "min_length",
                 "message": "Ensure this value has at least 2 characters."},
        "email": {"code": "invalid", "message": "Enter a valid email address."},
        "role": {"code": "invalid_choice", "message": "Select a valid choice."},
        "age": {"code": "min_value",
                "message": "Ensure this value is greater than or equal to 13."},
        "extra": {"code": "unknown", "message": "This field is not expected."}}}}
    valid = server.client.post(PREFIX + "form/ProfileForm/validate/", json={
        "user_id": 5.0, "name": "Ada", "email": "", "role": "staff", "age": None})
    assert valid.status_code == 200
    assert valid.json() == {"data": {"name": "Ada", "role": "staff", "user_id": 5},
                            "valid": True}
    for body, reason in ((b"[1]", "shape"), (b"{nope", "json")):
        bad = server.client.post(PREFIX + "form/ProfileForm/validate/", content=body,
                                 headers={"content-type": "application/json"})
        assert (bad.status_code, bad.json()["error"]["details"]) == (400, {"reason": reason})


def test_the_pydantic_forms_reproduce_the_protocol_vectors(tmp_path: Path) -> None:
    vectors = json.loads((Path(__file__).parent.parent / "protocol" / "vectors" /
                          "forms.json").read_text("utf-8"))
    fixture = Path(__file__).parent.parent / "protocol" / "fixture.mizan"
    with importable_folder(tmp_path):
        package = import_package(plan_of(fixture), tmp_path)
        forms = importlib.import_module(f"{package}.forms")
        formkit = importlib.import_module("mizan_runtime.formkit")
        form = forms.FORMS[vectors["schema"]["form"]]
        assert form.mizan_schema == vectors["schema"]
        validate = formkit.validator(form)
        for case in vectors["cases"]:
            data, errors = validate(case["input"])
            if case["valid"]:
                assert (errors, data) == ({}, case["data"]), case
            else:
                assert errors == case["errors"], case
        typed = form.model_validate({"user_id": 3, "name": "Ada", "role": "staff"})
        assert (typed.user_id, typed.role.name, typed.email) == (3, "staff", None)


def test_submit_validates_then_calls_the_mutation(server: Server) -> None:
    url = PREFIX + "form/ProfileForm/submit/"
    form = {"user_id": 7, "name": "Ada", "email": "ada@example.com", "age": ""}
    anonymous = server.client.post(url, json=form)
    assert anonymous.status_code == 401
    invalid = server.client.post(url, json={**form, "name": ""}, headers=server.as_user("7"))
    assert invalid.status_code == 422 and server.service.saved == []
    response = server.client.post(url, json=form, headers=server.as_user("7"))
    assert response.status_code == 200
    assert response.json() == {"invalidate": [{"context": "profile",
                                               "params": {"user_id": "7"}}], "result": "saved"}
    assert response.headers["x-mizan-invalidate"] == "profile;user_id=7"
    saved = server.service.saved[0]
    assert (saved["user_id"], saved["name"], saved["email"], saved["age"]) == (
        7, "Ada", "ada@example.com", 30)  # empty `age`: the param's default
    assert saved["role"].name == "member"


def test_submit_with_the_cookie_needs_csrf(server: Server) -> None:
    server.client.post(PREFIX + "auth/token/", json={"credentials": "7"})
    url = PREFIX + "form/ProfileForm/submit/"
    form = {"user_id": 7, "name": "Ada"}
    refused = server.client.post(url, json=form)
    assert refused.json()["error"]["code"] == "csrf_failed"
    token = server.client.get(PREFIX + "session/").json()["csrf"]
    assert server.client.post(url, json=form, headers={"x-mizan-csrf": token}).status_code == 200


# --- the SSR bridge --------------------------------------------------------------

RENDERER = ["node", str(FIXTURES / "ssr_render.mjs")]


def test_a_context_is_rendered_through_the_node_renderer(package: str) -> None:
    import shutil

    assert shutil.which("node"), "Node.js is needed for the SSR bridge test"
    server = Server(package, renderer=RENDERER)
    response = server.client.get(PREFIX + "render/profile/?user_id=3",
                                 headers=server.as_user("7"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-mizan-cache"] == "miss"  # the bundle's own header
    page = response.text
    assert page.startswith("<!doctype html>") and 'data-context="profile"' in page
    assert '<li data-member="profile_name">&quot;user 3&quot;</li>' in page
    bundle = fetch(server, "ctx/profile/?user_id=3", server.as_user("7"))
    assert bundle.headers["x-mizan-cache"] == "hit"  # rendering went through the cache
    assert f'id="mizan-bundle">{bundle.text}</script>' in page
    # The bundle's own checks still apply: anonymous is a JSON 401.
    anonymous = server.client.get(PREFIX + "render/profile/?user_id=3")
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (
        401, "unauthenticated")
    assert fetch(server, "render/catalog/?shop_id=1&category=b").text.count("<li") == 1


def test_render_routes_need_a_renderer_and_a_server_rendered_context(
        server: Server, package: str) -> None:
    assert server.client.get(PREFIX + "render/catalog/?shop_id=1&category=b").json() == {
        "error": {"code": "not_found", "details": None, "message": "Not found."}}
    with_renderer = Server(package, renderer=RENDERER)
    assert with_renderer.client.get(PREFIX + "render/board/").status_code == 404  # csr


def test_a_failing_renderer_is_an_internal_error(package: str) -> None:
    server = Server(package, renderer=["node", "-e", "process.exit(3)"])
    response = server.client.get(PREFIX + "render/catalog/?shop_id=1&category=b")
    assert response.status_code == 500
    assert response.json()["error"] == {"code": "internal", "details": None,
                                        "message": "Internal server error."}
