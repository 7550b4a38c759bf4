"""The Hono server's shared state in a real redis-server, across processes.

Two Node.js processes serve the conformance fixture (the generated Hono app
with conformance/hono/) with `RedisBundleCache` and `RedisUsedTokens` of
@mizan-lang/runtime/server on one redis-server: a bundle one process
cached is a hit on the other, a mutation on one invalidates the other's
copy, and a refresh token spent on one is refused as reused on the other.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from conformance import config
from conformance.targets import BY_NAME, node_folder, run_node

PREFIX = config.PREFIX


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server of its own (apt-get install redis-server)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (apt-get install -y redis-server)"
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def two_servers(redis_url: str) -> Iterator[tuple[str, str]]:
    with node_folder(BY_NAME["hono"]) as folder, run_node(folder, redis_url=redis_url) as a, \
            run_node(folder, redis_url=redis_url) as b:
        yield a, b


def request(base: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    message = urllib.request.Request(base + PREFIX + path, data=data)
    if data is not None:
        message.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(message, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, \
                json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, \
            json.loads(error.read())


def test_a_bundle_cached_by_one_process_is_a_hit_on_the_other(
        two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    path = "ctx/board/?board_id=501"
    status, headers, first = request(a, path)
    assert (status, headers.get("x-mizan-cache")) == (200, "miss")
    status, headers, again = request(b, path)
    assert (status, headers.get("x-mizan-cache")) == (200, "hit")
    assert again == first


def test_a_mutation_on_one_process_invalidates_the_other(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    path = "ctx/board/?board_id=502"
    assert request(a, path)[1].get("x-mizan-cache") == "miss"
    assert request(a, path)[1].get("x-mizan-cache") == "hit"
    status, headers, body = request(b, "call/", {"fn": "add_note",
                                                 "args": {"board_id": "502", "text": "hi"}})
    assert status == 200, body
    assert {"context": "board", "params": {"board_id": "502"}} in body["invalidate"]
    status, headers, bundle = request(a, path)
    assert (status, headers.get("x-mizan-cache")) == (200, "miss")
    assert bundle["context"] == "board"


def test_a_refresh_token_spent_on_one_process_is_reused_on_the_other(
        two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    status, _, tokens = request(a, "auth/token/", {"credentials": {
        "username": "bob", "password": "bob-password"}})
    assert status == 200, tokens
    status, _, body = request(a, "auth/refresh/", {"refresh": tokens["refresh"]})
    assert status == 200, body
    status, _, body = request(b, "auth/refresh/", {"refresh": tokens["refresh"]})
    assert status == 401
    assert body["error"]["details"] == {"reason": "reused"}


def test_the_keys_are_the_python_runtimes(two_servers: tuple[str, str], redis_url: str) -> None:
    """Same key layout as mizan_runtime.backends (namespace `conformance`)."""
    a, _ = two_servers
    request(a, "ctx/board/?board_id=503")
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    cli = shutil.which("redis-cli")
    assert cli, "redis-cli comes with redis-server (apt-get install -y redis-server)"
    keys = subprocess.run([cli, "-p", port, "--scan", "--pattern", "conformance:*"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert any(k.startswith("conformance:bundle:") for k in keys), keys
    assert "conformance:index:board" in keys
    assert any(k.startswith("conformance:gen:") for k in keys), keys


