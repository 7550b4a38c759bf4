"""The runtime package (runtimes/python, `mizan-runtime`) as generated code uses it.

A generated package imports the runtime and checks its version; an extra that
is missing is named at import; short secrets are refused; the FastAPI router
mounts under any prefix and root path, and the Django routes under any include,
with manifests that follow; the implementation sees its request (headers,
client address) and the application's own auth can stand in for tokens.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from test_gen_django import configure_django
from test_gen_fastapi import SECRET, importable, plan_of  # noqa: F401

from mizan_lang.gen import generate

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
SPEC = REPO / "tests" / "cases" / "gen" / "runtime" / "main.mizan"
RUNTIME = REPO / "runtimes" / "python"


def write(folder: Path, target: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for file in generate(plan_of(SPEC), target):
        (folder / file.path).write_bytes(file.data)


@pytest.fixture
def rtapi(importable: Path) -> types.ModuleType:  # noqa: F811
    write(importable / "rtapi", "fastapi")
    write(importable / "rtapi", "django")  # one package, both web layers
    importlib.invalidate_caches()
    importlib.import_module("rtapi.fastapi_app")
    return importlib.import_module("rtapi")


def implementation(package: str) -> Any:
    service = importlib.import_module(f"{package}.service")
    auth = importlib.import_module("mizan_runtime.auth")

    class Impl(service.Service):
        def agent(self, caller: Any) -> str:
            return f"{caller.headers.get('user-agent')} from {caller.client}"

        def whoami(self, caller: Any, *, folder: str) -> str:
            return f"{caller.subject}:{folder}"

        def mark(self, caller: Any, *, folder: str) -> str:
            return folder

        def authenticate(self, credentials: Any) -> Any:
            return auth.Identity("7", {}) if credentials == {"pw": "ok"} else None

        def identity_of(self, subject: str) -> Any:
            return auth.Identity(subject, {})

    return Impl()


def call(client: TestClient, path: str, fn: str, args: dict[str, Any] | None = None) -> Any:
    return client.post(path + "call/", json={"fn": fn, "args": args or {}},
                       headers={"user-agent": "probe/1"})


# --- the package ------------------------------------------------------------------


def test_generated_packages_hold_only_spec_derived_modules(tmp_path: Path) -> None:
    write(tmp_path / "a", "fastapi")
    write(tmp_path / "a", "django")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    # (no models in this spec: orm.py, shapes.py and django_models.py come with them)
    assert names == ["__init__.py", "apps.py", "django_app.py", "django_forms.py", "fastapi_app.py",
                     "forms.py", "manifest.json", "models.py", "openapi.json", "registry.py",
                     "service.py", "spec.py"]
    assert "import mizan_runtime" in (tmp_path / "a" / "__init__.py").read_text("utf-8")


def test_a_runtime_outside_the_generated_range_is_refused(rtapi: types.ModuleType,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import mizan_runtime

    mizan_runtime.require(">=0.1.0,<0.2.0")
    monkeypatch.setattr(mizan_runtime, "__version__", "0.2.0")
    with pytest.raises(mizan_runtime.RuntimeMismatch) as caught:
        importlib.reload(rtapi)
    message = str(caught.value)
    assert "generated for mizan-runtime >=0.1.0,<0.2.0, but 0.2.0 is installed" in message
    assert "pip install 'mizan-runtime>=0.1.0,<0.2.0'" in message


def test_without_the_runtime_the_import_says_what_to_install(tmp_path: Path) -> None:
    write(tmp_path / "rtapi", "fastapi")
    code = ("import sys; sys.modules['mizan_runtime'] = None\n"
            "try:\n    import rtapi\nexcept ModuleNotFoundError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=False, env={"PYTHONPATH": str(tmp_path)})
    assert done.stdout.strip() == (
        "this package needs mizan-runtime: pip install 'mizan-runtime>=0.1.0,<0.2.0'")


@pytest.mark.parametrize(("module", "missing", "extra"), [
    ("fastapi_web", "fastapi", "fastapi"),
    ("fastapi_web", "starlette", "fastapi"),
    ("django_web", "django", "django"),
    ("backends", "redis", "redis"),
])
def test_a_missing_extra_fails_at_import_naming_it(module: str, missing: str,
                                                   extra: str) -> None:
    code = (f"import sys; sys.modules[{missing!r}] = None\n"
            f"try:\n    import mizan_runtime.{module}\n"
            "except ModuleNotFoundError as e:\n    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env={"PYTHONPATH": str(RUNTIME)})
    assert done.stdout.strip() == (
        f"mizan-runtime needs '{missing}' here (not installed): install it with "
        f"`pip install 'mizan-runtime[{extra}]'`"), done.stderr


@pytest.mark.parametrize("secret", ["", "short", "x" * 31, b"\x00" * 16])
def test_short_signing_secrets_are_refused(rtapi: types.ModuleType, secret: Any) -> None:
    app = importlib.import_module("rtapi.fastapi_app")
    with pytest.raises(ValueError, match="at least 32 random bytes"):
        app.create_app(implementation("rtapi"), secret=secret)
    with pytest.raises(ValueError, match="mwt_secret is .* at least 32"):
        app.create_app(implementation("rtapi"), secret=SECRET, mwt_secret=b"edge")


def test_hs512_tokens_need_a_64_byte_secret() -> None:
    from mizan_runtime.dispatch import check_secret

    check_secret("secret", "k" * 64, "HS512")
    with pytest.raises(ValueError, match="HS512 tokens need at least 64"):
        check_secret("secret", "k" * 63, "HS512")


# --- FastAPI --------------------------------------------------------------------


def test_the_router_mounts_under_any_prefix_and_root_path(rtapi: types.ModuleType) -> None:
    app = fastapi.FastAPI()
    app.include_router(rtapi.fastapi_app.create_router(implementation("rtapi"), secret=SECRET,
                                                      prefix="/rpc/"), prefix="/shop")
    for root, client in (("", TestClient(app)), ("/edge", TestClient(app, root_path="/edge"))):
        answer = client.get(f"{root}/shop/rpc/manifest/")  # as uvicorn --root-path passes it
        assert answer.status_code == 200, answer.text
        manifest = answer.json()
        assert manifest["prefix"] == f"{root}/shop/rpc/"
        assert manifest["contexts"]["inbox"]["path"] == f"{root}/shop/rpc/ctx/inbox/"
    # The default mount keeps the default manifest bytes.
    plain = TestClient(rtapi.fastapi_app.create_app(implementation("rtapi"), secret=SECRET))
    assert plain.get("/api/mizan/manifest/").json()["prefix"] == "/api/mizan/"


def test_the_refresh_cookie_path_follows_the_mount(rtapi: types.ModuleType) -> None:
    app = fastapi.FastAPI()
    app.include_router(rtapi.fastapi_app.create_router(implementation("rtapi"), secret=SECRET),
                       prefix="/v2")
    client = TestClient(app)
    session = client.get("/v2/api/mizan/session/").json()
    answer = client.post("/v2/api/mizan/auth/token/", json={"credentials": {"pw": "ok"}},
                         headers={"x-mizan-csrf": session["csrf"]})
    assert answer.status_code == 200, answer.text
    refresh = [h for h in answer.headers.get_list("set-cookie") if h.startswith("mizan_refresh=")]
    assert refresh and "Path=/v2/api/mizan/auth/" in refresh[0]


def test_the_caller_sees_the_request_headers_and_client(rtapi: types.ModuleType) -> None:
    client = TestClient(rtapi.fastapi_app.create_app(implementation("rtapi"), secret=SECRET))
    answer = call(client, "/api/mizan/", "agent")
    assert answer.json()["result"] == "probe/1 from testclient:50000"


def test_the_apps_own_auth_stands_in_for_tokens(rtapi: types.ModuleType) -> None:
    def hook(request: Any) -> Any:
        user = request.headers.get("x-app-user")
        return None if user is None else {"sub": user}

    client = TestClient(rtapi.fastapi_app.create_app(implementation("rtapi"), secret=SECRET,
                                                     auth_hook=hook))
    assert client.get("/api/mizan/ctx/inbox/?folder=in").status_code == 401
    answer = client.get("/api/mizan/ctx/inbox/?folder=in", headers={"x-app-user": "ada"})
    assert answer.json()["data"] == {"whoami": "ada:in"}
    # A session cookie is ambient: state-changing calls need the CSRF token.
    refused = client.post("/api/mizan/call/", json={"fn": "mark", "args": {"folder": "x"}},
                          headers={"x-app-user": "ada"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"


# --- Django ---------------------------------------------------------------------


def test_django_routes_form_the_mizan_namespace_under_any_include(
        rtapi: types.ModuleType) -> None:
    configure_django()
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path, reverse

    server = importlib.import_module("rtapi.django_app").DjangoServer(
        implementation("rtapi"), secret=SECRET)
    urls = types.ModuleType("rt_urls_included")
    urls.urlpatterns = [path("shop/api/", include(server.included))]  # type: ignore[attr-defined]
    with override_settings(ROOT_URLCONF=urls):
        assert reverse("mizan:call") == "/shop/api/call/"
        assert reverse("mizan:ctx-inbox") == "/shop/api/ctx/inbox/"
        manifest = json.loads(Client().get("/shop/api/manifest/").content)
        assert manifest["prefix"] == "/shop/api/"
        assert manifest["contexts"]["inbox"]["path"] == "/shop/api/ctx/inbox/"
        answer = Client().post("/shop/api/call/", {"fn": "agent", "args": {}},
                               content_type="application/json", HTTP_USER_AGENT="probe/1")
        assert json.loads(answer.content)["result"] == "probe/1 from 127.0.0.1"
    urls = types.ModuleType("rt_urls_root")
    urls.urlpatterns = server.urls  # type: ignore[attr-defined]
    with override_settings(ROOT_URLCONF=urls):
        assert reverse("mizan:manifest") == "/api/mizan/manifest/"
        assert json.loads(Client().get(reverse("mizan:manifest")).content)["prefix"] == (
            "/api/mizan/")
