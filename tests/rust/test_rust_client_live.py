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
that it can also mint an expired token.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from conformance import config
from conformance.targets import run_axum, run_uvicorn

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
