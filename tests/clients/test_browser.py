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
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.targets import StartupFailed, run_uvicorn

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


def build_app(framework: str) -> Path:
    """Copy the app, generate its client, tsc --strict it, vite build it."""
    toolchain.ensure_node_modules()
    app = toolchain.fresh_dir(f"browser-{framework}")
    shutil.copytree(HERE / framework, app, dirs_exist_ok=True)
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
