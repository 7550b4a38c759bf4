"""Serving a target as a live process: generate, write an entry, start uvicorn
(or, for Axum, build the Rust binary with cargo and start it).

Each target is generated from the fixture by the real CLI
(`mizan-lang gen`) into a temporary folder as the package `fixture_api`,
next to a small entry module that builds the app around
`conformance/impl.py`, and served by uvicorn (Django through its ASGI
application) on a free port of the loopback interface.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config

STARTUP_TIMEOUT = 60.0

# The options every server is started with, by the name of the factory's
# keyword (`create_app` / `DjangoServer`). Only those the factory accepts
# are passed: a capability whose option is missing shows as failing.
OPTIONS = """
OPTIONS = {
    "secret": config.SECRET,
    "prefix": config.PREFIX,
    "max_body_size": config.MAX_BODY_SIZE,
    "jwt_key": config.JWT_SECRET,
    "mwt_secret": config.MWT_SECRET,
    "renderer": [sys.executable, str(config.HERE / "renderer.py")],
}
"""

COMMON = (
    '''"""Entry of the conformance server (written by conformance/targets.py)."""

import inspect
import sys
from pathlib import Path

from conformance import config
from conformance.impl import Fixture, seed_database

DATABASE = Path(__file__).resolve().with_name("library.sqlite3")
seed_database(DATABASE)
'''
    + OPTIONS
    + '''

def options_for(factory):
    accepted = inspect.signature(factory).parameters
    return {name: value for name, value in OPTIONS.items() if name in accepted}
'''
)

FASTAPI_ENTRY = (
    COMMON
    + """
from fixture_api.fastapi_app import create_app  # noqa: E402

app = create_app(Fixture(DATABASE), **options_for(create_app))
"""
)

DJANGO_ENTRY = (
    COMMON
    + """
from django.conf import settings  # noqa: E402

settings.configure(
    DEBUG=False,
    SECRET_KEY="conformance-django-key",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF="conformance_entry",
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ],
    INSTALLED_APPS=[],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATABASE)}},
    USE_TZ=True,
)

from fixture_api.django_app import DjangoServer  # noqa: E402

server = DjangoServer(Fixture(DATABASE), **options_for(DjangoServer))
urlpatterns = server.urls
app = server.asgi_application()
"""
)


@dataclass(frozen=True)
class Target:
    name: str  # the `mizan-lang gen --target` name
    title: str  # the column of the capability table
    entry: str  # the entry module's source; it defines `app` ("" for a Node.js target)
    # "python": uvicorn; "node": compiled and run by Node.js; "rust": the
    # generated crate and conformance/axum/ built with cargo and run;
    # "tauri": the generated crate and conformance/tauri/ (Tauri's mock
    # runtime, probed through its HTTP-to-IPC bridge)
    runtime: str = "python"
    # "http", or "ipc": no cookies, CSRF session or WebSocket (probing.py)
    transport: str = "http"
    # Capabilities that do not apply to the transport: "—" in the table.
    not_applicable: frozenset[str] = frozenset()


TARGETS = (
    Target("fastapi", "FastAPI", FASTAPI_ENTRY),
    Target("django", "Django", DJANGO_ENTRY),
    Target("hono", "Hono", "", runtime="node"),
    Target("axum", "Axum", "", runtime="rust"),
    Target("tauri", "Tauri", "", runtime="tauri", transport="ipc",
           not_applicable=frozenset({"invalidate-header", "manifest", "psr", "session", "mwt"})),
)
BY_NAME = {target.name: target for target in TARGETS}


class StartupFailed(RuntimeError):
    """The target could not be generated or did not start serving."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def generate(target: Target, folder: Path) -> None:
    """`mizan-lang gen` of the fixture into `folder/fixture_api`, as a user runs it."""
    command = [sys.executable, "-m", "mizan_lang", "gen", str(config.FIXTURE),
               "--target", target.name, "--out", str(folder / config.PACKAGE)]
    result = subprocess.run(command, cwd=config.REPO, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise StartupFailed(f"mizan-lang gen --target {target.name} failed:\n"
                            f"{result.stdout}{result.stderr}")
    if target.entry:
        (folder / "conformance_entry.py").write_text(target.entry, "utf-8")


def wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartupFailed(f"the server exited with {process.returncode}:\n"
                                + log.read_text("utf-8", "replace")[-3000:])
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise StartupFailed("the server did not listen within "
                        f"{STARTUP_TIMEOUT:.0f} s:\n" + log.read_text("utf-8", "replace")[-3000:])


def stop(process: subprocess.Popen[Any]) -> None:
    """Terminate `process`; kill it when it has not ended 10 s later."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def run_uvicorn(app: str, folder: Path, env: dict[str, str]) -> Iterator[str]:
    """Serve the ASGI `app` ("module:attribute", importable from `folder`) with
    uvicorn on a free loopback port until the block ends; yields the base URL.
    Raises StartupFailed (with the server's log) when it does not come up."""
    port = free_port()
    log = folder / f"server-{port}.log"
    # The checkout's runtime package, whatever else the caller put on the path.
    env = {**env, "PYTHONPATH": os.pathsep.join(
        filter(None, [env.get("PYTHONPATH"), str(config.REPO / "runtimes" / "python")]))}
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port",
               str(port), "--log-level", "warning", "--no-access-log"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_serving(process, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


# The TypeScript implementation of the fixture and the entry of the Node.js
# server (conformance/hono/), compiled with the generated package.
NODE_SOURCES = config.HERE / "hono"
NODE_MODULES = config.REPO / "node_modules"
RUNTIME_PACKAGE = config.REPO / "runtimes" / "ts"
NODE_TSCONFIG = {
    "compilerOptions": {
        "strict": True, "target": "ES2022", "module": "NodeNext",
        "moduleResolution": "NodeNext", "lib": ["ES2022", "DOM", "DOM.Iterable"],
        "types": ["node"], "skipLibCheck": True, "noEmitOnError": True,
        "verbatimModuleSyntax": True, "outDir": "out", "rootDir": ".",
    },
    "include": ["**/*.ts"],
}


def _checked(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StartupFailed(f"{what} failed:\n{result.stdout}{result.stderr}")


def node_toolchain() -> None:
    """The root node_modules (`npm ci`) and the runtime package's dist/, unless current."""
    installed = NODE_MODULES / ".package-lock.json"
    lock = config.REPO / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        _checked(["npm", "ci", "--no-audit", "--no-fund"], config.REPO, "npm ci")
    built = RUNTIME_PACKAGE / "dist" / "server.js"
    sources = [*(RUNTIME_PACKAGE / "src").glob("*.ts"), RUNTIME_PACKAGE / "tsconfig.json"]
    if not built.exists() or built.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        _checked(["node", str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p",
                  str(RUNTIME_PACKAGE / "tsconfig.json")], RUNTIME_PACKAGE, "building the runtime")


def build_node(target: Target, folder: Path) -> None:
    """The fixture generated into `folder` (inside the checkout, so that its
    imports resolve to the root node_modules) and compiled with the fixture's
    TypeScript implementation into `folder/out`."""
    node_toolchain()
    generate(target, folder)
    for source in NODE_SOURCES.glob("*.ts"):
        (folder / source.name).write_bytes(source.read_bytes())
    (folder / "tsconfig.json").write_text(json.dumps(NODE_TSCONFIG), "utf-8")
    _checked(["node", str(NODE_MODULES / "typescript" / "bin" / "tsc"), "-p",
              str(folder / "tsconfig.json")], folder, f"tsc of the {target.name} server")
    (folder / "out" / "package.json").write_text('{"type": "module"}\n', "utf-8")


@contextlib.contextmanager
def run_node(folder: Path, **extra: object) -> Iterator[str]:
    """One Node.js process serving the build of `folder` on a free port
    (`extra` settings, e.g. `redis_url`); yields its base URL."""
    port = free_port()
    settings = {"port": port, "prefix": config.PREFIX, "secret": config.SECRET,
                "jwt_key": config.JWT_SECRET, "mwt_secret": config.MWT_SECRET,
                "max_body_size": config.MAX_BODY_SIZE,
                "renderer": [sys.executable, str(config.HERE / "renderer.py")], **extra}
    env = {**os.environ, "MIZAN_CONFORMANCE": json.dumps(settings)}
    log = folder / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(["node", str(folder / "out" / "main.js")], cwd=folder,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(process, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextlib.contextmanager
def node_folder(target: Target) -> Iterator[Path]:
    """A temporary folder under .cache/conformance/ holding the build."""
    cache = config.REPO / ".cache" / "conformance"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{target.name}-", dir=cache) as tmp:
        folder = Path(tmp)
        build_node(target, folder)
        yield folder


@contextlib.contextmanager
def serve_node(target: Target) -> Iterator[str]:
    """Generate, compile and run the Node.js target on a free port."""
    with node_folder(target) as folder, run_node(folder) as base:
        yield base



# The target directory every Rust build of the tests and benchmarks shares,
# reused between runs (.ci/run exports the same path). The suffix is bumped
# when caches on the machines are known to be bad: cargo trusts a target
# directory's fingerprints, so a damaged one fails builds until it is dropped
# (the first folder held artifacts copied in from another target directory,
# whose metadata rustc refused: "can't find crate").
CARGO_TARGET_DEFAULT = Path.home() / ".cache" / "mizan-lang" / "cargo-target-2"


def cargo_target_dir() -> str:
    """The shared target directory: CARGO_TARGET_DIR, else the default."""
    return os.environ.get("CARGO_TARGET_DIR") or str(CARGO_TARGET_DEFAULT)


def rust_workspace(folder: Path, app: str = "axum") -> None:
    """Next to the generated `fixture_api` crate in `folder`, conformance/<app>/
    as `app`, in a workspace of their own (the repository's Cargo.lock, the
    runtime crate by path). The Tauri app reads the fixture's implementation
    from conformance/axum/ (copied as `axum`)."""
    shutil.copytree(config.HERE / app, folder / "app")
    if app != "axum":
        shutil.copytree(config.HERE / "axum", folder / "axum")
    runtime = (config.REPO / "runtimes" / "rust").as_posix()
    (folder / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["fixture_api", "app"]\nresolver = "2"\n\n'
        f'[patch.crates-io]\nmizan-runtime = {{ path = "{runtime}" }}\n', "utf-8")
    shutil.copy(config.REPO / "Cargo.lock", folder / "Cargo.lock")


def build_axum(folder: Path, app: str = "axum", package: str = "fixture-app") -> Path:
    """The workspace of `rust_workspace` built into the shared target
    directory; returns the binary."""
    rust_workspace(folder, app)
    target_dir = cargo_target_dir()
    cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    result = subprocess.run([cargo, "build", "-p", package], cwd=folder,
                            env={**os.environ, "CARGO_TARGET_DIR": target_dir},
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StartupFailed(f"cargo build of the {app} fixture failed:\n{result.stderr[-4000:]}")
    return Path(target_dir) / "debug" / package


@contextlib.contextmanager
def run_axum(binary: Path, folder: Path) -> Iterator[str]:
    port = free_port()
    log = folder / f"server-{port}.log"
    env = {**os.environ, "MIZAN_SECRET": config.SECRET, "MIZAN_PREFIX": config.PREFIX,
           "MIZAN_MAX_BODY_SIZE": str(config.MAX_BODY_SIZE),
           "MIZAN_JWT_SECRET": config.JWT_SECRET, "MIZAN_MWT_SECRET": config.MWT_SECRET,
           "MIZAN_DATABASE": str(folder / "library.sqlite3"),
           "MIZAN_RENDERER": json.dumps([sys.executable, str(config.HERE / "renderer.py")])}
    with open(log, "wb") as out:
        process = subprocess.Popen([str(binary), str(port)], cwd=folder, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_serving(process, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextlib.contextmanager
def serve(target: Target) -> Iterator[str]:
    """Generate and start `target`; yields its base URL (`http://127.0.0.1:<port>`)."""
    if target.runtime == "node":
        with serve_node(target) as base:
            yield base
        return
    with tempfile.TemporaryDirectory(prefix=f"mizan-conformance-{target.name}-") as tmp:
        folder = Path(tmp)
        generate(target, folder)
        if target.runtime == "rust":
            with run_axum(build_axum(folder), folder) as base:
                yield base
            return
        if target.runtime == "tauri":
            with run_axum(build_axum(folder, "tauri", "fixture-tauri"), folder) as base:
                yield base
            return
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(config.REPO)]),
               "PYTHONDONTWRITEBYTECODE": "1"}
        with run_uvicorn("conformance_entry:app", folder, env) as base:
            yield base
