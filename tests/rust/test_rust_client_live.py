"""The generated Rust client of the shop, live against the shop's Axum and
FastAPI servers.

tests/rust/shop_client_live/ is a Rust program on the generated client
(stubs/shop_rust_client) that checks every answer itself: wire types both
ways, coded errors as typed errors, the context cache and the invalidation
tiers (exact, partial and global), forms (422 per field, submit), auth (login, bearer, refresh with rotation and
reuse, an expired access token refreshed, 401 and 403, logout), multipart
uploads and the WebSocket transport. It is built once in the repository's
workspace and run against each server, started the way the conformance
suite starts them (conformance/targets.py), with the same JWT secret so
that it can also mint an expired token. The shop has no `bytes`: the
conformance fixture's `echo` proves every wire type going out, `bytes`
included, over HTTP and the WebSocket, against both servers too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from conformance import config
from conformance.targets import TARGETS, run_axum, run_uvicorn, serve

from .test_gen_axum import gen, workspace
from .toolchain import REPO, run_cargo, target_dir

SHOP = REPO / "examples" / "shop"
# Every check the program makes, in the order it makes them.
CHECKS = 23

ENTRY = f"""
from shop_api.fastapi_app import create_app
from shop_impl import ShopService, open_database

app = create_app(ShopService(open_database(":memory:")), secret={config.SECRET!r},
                 jwt_key={config.JWT_SECRET!r})
"""


@pytest.fixture(scope="module")
def binaries() -> dict[str, Path]:
    run_cargo("build", "--locked", "-p", "shop-client-live", "-p", "shop-axum")
    folder = Path(target_dir()) / "debug"
    return {"client": folder / "shop-client-live", "axum": folder / "shop-axum"}


def fastapi_server(folder: Path) -> AbstractContextManager[str]:
    command = [sys.executable, "-m", "mizan_lang", "gen", str(SHOP), "--target", "fastapi",
               "--out", str(folder / "shop_api")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.copy(SHOP / "server" / "shop_impl.py", folder)
    (folder / "app.py").write_text(ENTRY, "utf-8")
    return run_uvicorn("app:app", folder, dict(os.environ))


@pytest.fixture(params=["axum", "fastapi"])
def server(request: pytest.FixtureRequest, binaries: dict[str, Path],
           tmp_path: Path) -> Iterator[str]:
    if request.param == "axum":
        started = run_axum(binaries["axum"], tmp_path)
    else:
        started = fastapi_server(tmp_path)
    with started as base:
        yield f"{base}/api/mizan/"


def test_the_generated_client_against_a_live_server(binaries: dict[str, Path],
                                                    server: str) -> None:
    done = subprocess.run([str(binaries["client"]), server, config.JWT_SECRET],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    passed = [line for line in done.stdout.splitlines() if line.startswith("ok ")]
    assert len(passed) == CHECKS, done.stdout


# The conformance fixture's `echo` takes every wire type (the shop has no
# `bytes`) and answers what the server decoded; both servers answer the
# same bytes (the conformance suite holds them to it).
ECHOED = {
    "value": {"flag": True, "nested": [1, "é", None]},
    "count": 3,
    "big": "9007199254740993",
    "amount": "-12.50",
    "day": "2024-02-29",
    "id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff",
    "data": "000102ff",
    "role": "admin",
    "ratio": 0.25,
}


@pytest.fixture(scope="module")
def echo_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fixture_echo")
    gen(REPO / "conformance" / "fixture.mizan", folder / "fixture_client", target="rust-client")
    (folder / "fixture_echo" / "src").mkdir(parents=True)
    (folder / "fixture_echo" / "Cargo.toml").write_text(
        '[package]\nname = "fixture-echo"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nfixture_client = { path = "../fixture_client" }\n'
        'tokio = { version = "1", features = ["macros", "rt"] }\n', "utf-8")
    shutil.copy(REPO / "tests" / "rust" / "fixture_echo" / "main.rs",
                folder / "fixture_echo" / "src" / "main.rs")
    workspace(folder, ["fixture_client", "fixture_echo"])
    run_cargo("build", "-p", "fixture-echo", cwd=folder)
    return Path(target_dir()) / "debug" / "fixture-echo"


@pytest.mark.parametrize("name", ["axum", "fastapi"])
def test_every_wire_type_goes_out_over_http_and_the_websocket(echo_program: Path,
                                                             name: str) -> None:
    target = next(t for t in TARGETS if t.name == name)
    with serve(target) as base:
        done = subprocess.run([str(echo_program), f"{base}{config.PREFIX}"],
                              capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    http, socket, calls = done.stdout.splitlines()
    assert http == socket
    assert calls == "socket calls 1"
    answer = json.loads(http)
    assert {k: answer[k] for k in ECHOED} == ECHOED
    assert answer["when"].startswith("2024-01-31T12:00:00.25")
