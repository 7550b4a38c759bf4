"""The generated framework bindings in a real browser (Debian's Chromium).

For each of react, vue and svelte: the client is generated with the real CLI
(`mizan-lang gen --target <framework>`) into a small Vite app
(tests/clients/browser/<framework>/), type-checked with `tsc --strict`
together with the app's own sources, and built with `vite build`. The
generated FastAPI server of tests/clients/browser/app.mizan serves the API
and the built page from one origin (tests/clients/browser/entry.py, which
counts requests per path). tests/clients/browser/drive.mjs drives Chromium
with playwright-core: the page shows the profile and the headline, a click
runs the `rename` mutation, and the page shows the new name with no reload
because the invalidation refetched the `profile` bundle, while the
unaffected `news` bundle was fetched exactly once. A screenshot is kept
under .cache/clients/artifacts/ (outside git).

The cookie scenario (React, tests/clients/browser/react-cookie/, driven by
drive-cookie.mjs) does the same behind a sign-in with
`createClient({ auth: "cookie" })`: `client.runtime.login` gets the
server's httpOnly cookies, the page shows the caller's own name (context
`me`, auth=user), and `set_my_name` (affects=me) changes it with no reload.
entry.py's request log proves from the server side that the cookies were
set httpOnly, that the mutation carried the session's CSRF token and no
Authorization header, and that forged POSTs without (or with a wrong)
CSRF header are refused with `csrf_failed`.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.targets import StartupFailed, free_port, run_uvicorn, wait_until_serving

from . import toolchain

pytest.importorskip("fastapi")  # the test extra; CI installs it
pytest.importorskip("uvicorn")

HERE = Path(__file__).resolve().parent / "browser"
SPEC = HERE / "app.mizan"
PACKAGE = "browser_api"
ARTIFACTS = toolchain.CACHE / "artifacts"

# What the apps show and do (kept in step with impl.py and the app sources).
OLD_NAME = "Ada Lovelace"
NEW_NAME = "Ada King"
HEADLINE = "Mizan clients reach the browser"

PROFILE = "GET /api/mizan/ctx/profile/"
NEWS = "GET /api/mizan/ctx/news/"
CALL = "POST /api/mizan/call/"

FRAMEWORKS = ("react", "vue", "svelte")

# The cookie scenario (kept in step with impl.py and react-cookie/src/App.tsx).
MY_NAME = "Ada Lovelace"
MY_NEW_NAME = "Ada King"
ME = "GET /api/mizan/ctx/me/"
LOGIN = "POST /api/mizan/auth/token/"
SESSION = "GET /api/mizan/session/"
AUTH_COOKIES = ("mizan_access", "mizan_refresh")


def mizan_gen(target: str, out: Path) -> None:
    toolchain.run([sys.executable, "-m", "mizan_lang", "gen", str(SPEC), "--target", target,
                   "--out", str(out)])


@pytest.fixture(scope="module")
def server_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated FastAPI server plus the proof's service and entry."""
    folder = tmp_path_factory.mktemp("browser-server")
    mizan_gen("fastapi", folder / PACKAGE)
    for name in ("impl.py", "entry.py"):
        shutil.copyfile(HERE / name, folder / name)
    return folder


@contextlib.contextmanager
def serve(folder: Path, dist: Path) -> Iterator[str]:
    """uvicorn serving entry.py (the API and the built app); yields the base URL."""
    env = {**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1",
           "MIZAN_BROWSER_DIST": str(dist)}
    try:
        with run_uvicorn("entry:app", folder, env) as base:
            yield base
    except StartupFailed as failure:
        pytest.fail(str(failure), pytrace=False)


def build_app(framework: str, folder: str | None = None) -> Path:
    """Copy the app (`folder`, default the framework's), generate its client,
    tsc --strict it, vite build it."""
    folder = folder or framework
    toolchain.ensure_node_modules()
    app = toolchain.fresh_dir(f"browser-{folder}")
    shutil.copytree(HERE / folder, app, dirs_exist_ok=True)
    mizan_gen(framework, app / "src" / "mizan")
    toolchain.prettier_check(app / "src" / "mizan", f"{framework}.ts")
    toolchain.tsc_strict(app)
    toolchain.run([toolchain.tool("node"), str(toolchain.BIN / "vite"), "build", "--config",
                   str(app / "vite.config.mjs"), "--logLevel", "warn"], cwd=app)
    return app / "dist"


def bundle_sizes(dist: Path) -> dict[str, int]:
    """Bytes of the built JavaScript, raw and gzipped (level 9)."""
    scripts = sorted((dist / "assets").glob("*.js"))
    raw = sum(path.stat().st_size for path in scripts)
    zipped = sum(len(gzip.compress(path.read_bytes(), 9)) for path in scripts)
    return {"files": len(scripts), "bytes": raw, "gzip": zipped}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_mutation_refetches_only_the_affected_context(framework: str,
                                                      server_folder: Path) -> None:
    dist = build_app(framework)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / f"{framework}.png"
    screenshot.unlink(missing_ok=True)
    with serve(server_folder, dist) as base:
        result = toolchain.node(HERE / "drive.mjs", base, str(screenshot), OLD_NAME, NEW_NAME,
                                cwd=toolchain.ROOT)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"{framework}: screenshot {screenshot}; requests {seen['after']}; "
          f"app JavaScript {bundle_sizes(dist)}")

    assert seen["problems"] == []
    assert seen["loads"] == 1, "the page reloaded"
    assert seen["name"] == NEW_NAME
    assert seen["headline"] == HEADLINE
    # Before the click: each bundle in one request, no call yet.
    assert seen["before"].get(PROFILE) == 1
    assert seen["before"].get(NEWS) == 1
    assert seen["before"].get(CALL) is None
    # After: one call; its exact invalidation refetched the profile only.
    assert seen["after"].get(CALL) == 1
    assert seen["after"].get(PROFILE) == 2
    assert seen["after"].get(NEWS) == 1
    assert screenshot.stat().st_size > 0


def cookie_attributes(set_cookie: list[str]) -> dict[str, set[str]]:
    """Set-Cookie headers by cookie name: the lowercased attribute names."""
    found: dict[str, set[str]] = {}
    for header in set_cookie:
        first, *attributes = (part.strip() for part in header.split(";"))
        name = first.split("=", 1)[0]
        found[name] = {attribute.split("=", 1)[0].lower() for attribute in attributes}
    return found


def test_cookie_auth_with_csrf(server_folder: Path) -> None:
    dist = build_app("react", "react-cookie")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "react-cookie.png"
    screenshot.unlink(missing_ok=True)
    with serve(server_folder, dist) as base:
        result = toolchain.node(HERE / "drive-cookie.mjs", base, str(screenshot), MY_NAME,
                                MY_NEW_NAME, cwd=toolchain.ROOT)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    log = seen["log"]
    order = [entry["request"] for entry in log]
    print(f"react-cookie: screenshot {screenshot}; requests {seen['after']}; "
          f"API order {order}; app JavaScript {bundle_sizes(dist)}")

    assert seen["problems"] == []
    assert seen["loads"] == 1, "the page reloaded"
    assert seen["name"] == MY_NEW_NAME
    assert seen["headline"] == HEADLINE
    assert seen["documentCookie"] == "", "a cookie is readable from script"
    # Before the click: one login, each bundle once, no session nor call yet
    # (queries need no CSRF token).
    assert seen["before"].get(LOGIN) == 1
    assert seen["before"].get(ME) == 1
    assert seen["before"].get(NEWS) == 1
    assert seen["before"].get(SESSION) is None
    assert seen["before"].get(CALL) is None
    # After: one session, one call; its invalidation refetched `me` only.
    assert seen["after"].get(SESSION) == 1
    assert seen["after"].get(CALL) == 1
    assert seen["after"].get(ME) == 2
    assert seen["after"].get(NEWS) == 1

    # The login answer set the auth cookies, httpOnly; the page sent none.
    login = next(entry for entry in log if entry["request"] == LOGIN)
    print(f"react-cookie: login Set-Cookie {login['set_cookie']}")
    assert login["status"] == 200
    assert login["authorization"] is None
    attributes = cookie_attributes(login["set_cookie"])
    for name in AUTH_COOKIES:
        assert "httponly" in attributes[name], name
    # Every later API request went with the cookie and no Authorization.
    after_login = log[order.index(LOGIN) + 1:]
    assert all(entry["authorization"] is None for entry in after_login)
    assert all("mizan_access" in entry["cookies"] for entry in after_login)
    # The session came before the first call; the call carried its token in
    # the header, equal to the mizan_csrf cookie the session set.
    session = next(entry for entry in log if entry["request"] == SESSION)
    assert order.index(SESSION) < order.index(CALL)
    token = session["body"]["csrf"]
    assert "httponly" in cookie_attributes(session["set_cookie"])["mizan_csrf"]
    calls = [entry for entry in log if entry["request"] == CALL]
    assert len(calls) == 3  # the page's mutation, then the two forged POSTs
    mutation, missing, mismatch = calls
    assert mutation["status"] == 200
    assert mutation["csrf_header"] == token
    assert mutation["cookies"]["mizan_csrf"] == token
    # `me` was fetched again after the call: the invalidation's refetch.
    assert ME in order[order.index(CALL) + 1:]

    # Forged POSTs from the page: the cookies ride along, the header does not.
    assert missing["csrf_header"] is None and "mizan_access" in missing["cookies"]
    assert missing["status"] == 403
    assert missing["body"]["error"]["code"] == "csrf_failed"
    assert missing["body"]["error"]["details"] == {"reason": "missing"}
    assert mismatch["status"] == 403
    assert mismatch["body"]["error"]["details"] == {"reason": "mismatch"}
    assert seen["forged"]["missing"] == {"status": 403, "body": missing["body"]}
    # Neither changed the name (read back after both, from the page).
    assert order[-1] == ME
    assert seen["forged"]["me"]["data"] == {"my_name": MY_NEW_NAME}
    assert screenshot.stat().st_size > 0


@contextlib.contextmanager
def serve_hono(dist: Path) -> Iterator[str]:
    """The generated Hono server of the same spec (tests/clients/browser/hono/
    for its service and entry), compiled and run by Node.js."""
    folder = toolchain.fresh_dir("browser-hono-server")
    mizan_gen("hono", folder / "api")
    for source in (HERE / "hono").glob("*.ts"):
        shutil.copyfile(source, folder / source.name)
    toolchain.tsc_strict(folder, out_dir=folder / "out")
    port = free_port()
    log = folder / "server.log"
    env = {**os.environ, "PORT": str(port), "MIZAN_BROWSER_DIST": str(dist)}
    with open(log, "wb") as out:
        process = subprocess.Popen([toolchain.tool("node"), str(folder / "out" / "entry.js")],
                                   cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            wait_until_serving(process, port, log)
        except StartupFailed as failure:
            pytest.fail(str(failure), pytrace=False)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_react_against_the_hono_server() -> None:
    """The invalidation scenario once against the generated Hono server: the
    same React app, the same counts."""
    dist = build_app("react")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "react-hono.png"
    screenshot.unlink(missing_ok=True)
    with serve_hono(dist) as base:
        result = toolchain.node(HERE / "drive.mjs", base, str(screenshot), OLD_NAME, NEW_NAME,
                                cwd=toolchain.ROOT)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"react on hono: screenshot {screenshot}; requests {seen['after']}")
    assert seen["problems"] == []
    assert seen["loads"] == 1, "the page reloaded"
    assert seen["name"] == NEW_NAME
    assert seen["headline"] == HEADLINE
    assert seen["before"].get(PROFILE) == 1
    assert seen["before"].get(NEWS) == 1
    assert seen["before"].get(CALL) is None
    assert seen["after"].get(CALL) == 1
    assert seen["after"].get(PROFILE) == 2
    assert seen["after"].get(NEWS) == 1
    assert screenshot.stat().st_size > 0
