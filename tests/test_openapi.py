"""The OpenAPI 3.1 document generated from a spec (mizan_lang/gen/openapi.py).

Every generated document is valid by openapi-spec-validator; both web layers
serve it (FastAPI with Swagger UI at /docs, on by default); and a third-party
generator, openapi-python-client, turns it into a client whose calls a live
uvicorn server answers. That generator lives in a virtualenv of its own (its
dependencies would clash with the test environment's), made once under
~/.cache/mizan-lang from the package index.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest
from test_gen_django import configure_django
from test_gen_fastapi import SECRET, importable, plan_of  # noqa: F401

from conformance.targets import StartupFailed, run_uvicorn
from mizan_lang.gen import generate
from mizan_lang.gen.openapi import build_openapi

openapi_spec_validator = pytest.importorskip("openapi_spec_validator")
fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
RUNTIME_SPEC = REPO / "tests" / "cases" / "gen" / "runtime" / "main.mizan"
SPECS = [*sorted(p / "main.mizan" for p in (REPO / "tests" / "cases" / "gen" / "fastapi")
                 .iterdir() if p.is_dir()),
         RUNTIME_SPEC, REPO / "examples" / "shop" / "main.mizan"]
CLIENT_GENERATOR = "openapi-python-client==0.29.1"
TOOLS = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mizan-lang"


def write(folder: Path, spec: Path, *targets: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for target in targets:
        for file in generate(plan_of(spec), target):
            (folder / file.path).write_bytes(file.data)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_every_generated_document_is_valid_openapi_3_1(spec: Path, tmp_path: Path) -> None:
    write(tmp_path / "api", spec, "fastapi")
    document = json.loads((tmp_path / "api" / "openapi.json").read_text("utf-8"))
    assert document["openapi"] == "3.1.0"
    openapi_spec_validator.validate(document)
    assert document == {"x-generated": document["x-generated"], **build_openapi(plan_of(spec))}


def test_the_shop_document_describes_every_function_context_and_error() -> None:
    plan = plan_of(REPO / "examples" / "shop" / "main.mizan")
    document = build_openapi(plan)
    schemas = document["components"]["schemas"]
    call = document["paths"]["/call/"]["post"]
    mapping = call["requestBody"]["content"]["application/json"]["schema"]["discriminator"][
        "mapping"]
    assert sorted(mapping) == sorted(fn.name for fn in plan.functions)
    search = schemas["SearchProductsArgs"]
    assert search["required"] == ["query"]  # the others have defaults
    assert search["properties"]["sort"] == {"$ref": "#/components/schemas/SortOrder"}
    assert search["properties"]["category_id"] == {"anyOf": [
        {"type": "string", "pattern": r"^(0|-?[1-9][0-9]*)$",
         "description": "A 64-bit integer, as text."}, {"type": "null"}]}
    assert schemas["SearchProductsResult"]["properties"]["result"] == {
        "$ref": "#/components/schemas/SearchResults"}
    assert "Auth: user" in schemas["AddToCartCall"]["description"]
    assert {f"/ctx/{ctx.name}/" for ctx in plan.ir.contexts} <= set(document["paths"])
    back_office = document["paths"]["/ctx/back_office/"]["get"]
    assert back_office["security"] == [{"bearer": []}, {"cookie": []}]
    assert set(call["responses"]) == {"200", "400", "401", "403", "404", "413", "415", "500"}
    assert call["responses"]["401"] == {"$ref": "#/components/responses/Error401"}


def test_fastapi_serves_the_document_and_docs_unless_turned_off(importable: Path) -> None:  # noqa: F811
    write(importable / "oapi_fa", RUNTIME_SPEC, "fastapi")
    importlib.invalidate_caches()
    app_module = importlib.import_module("oapi_fa.fastapi_app")
    service = importlib.import_module("oapi_fa.service").Service
    impl = type("Impl", (service,), {name: (lambda self, *a, **k: None)
                                     for name in service.__abstractmethods__})()
    client = TestClient(app_module.create_app(impl, secret=SECRET, prefix="/rpc/"))
    served = client.get("/openapi.json")
    assert served.status_code == 200
    document = served.json()
    assert document["servers"] == [{"url": "/rpc"}]
    assert document["paths"] == app_module.openapi()["paths"]
    assert "swagger-ui" in client.get("/docs").text
    quiet = TestClient(app_module.create_app(impl, secret=SECRET, docs=False))
    assert quiet.get("/openapi.json").status_code == 404
    assert quiet.get("/docs").status_code == 404


def test_django_serves_the_document_under_its_routes(importable: Path) -> None:  # noqa: F811
    configure_django()
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path, reverse

    write(importable / "oapi_dj", RUNTIME_SPEC, "django")
    importlib.invalidate_caches()
    app_module = importlib.import_module("oapi_dj.django_app")
    service = importlib.import_module("oapi_dj.service").Service
    impl = type("Impl", (service,), {name: (lambda self, *a, **k: None)
                                     for name in service.__abstractmethods__})()
    server = app_module.DjangoServer(impl, secret=SECRET)
    urls = type(sys)("oapi_urls")
    urls.urlpatterns = [path("v1/", include(server.included))]  # type: ignore[attr-defined]
    with override_settings(ROOT_URLCONF=urls):
        assert reverse("mizan:openapi") == "/v1/openapi.json"
        document = json.loads(Client().get("/v1/openapi.json").content)
    assert document["servers"] == [{"url": "/v1"}]
    openapi_spec_validator.validate(document)


# --- a third-party client against a live server ---------------------------------

ENTRY = '''
from mizan_runtime.auth import Identity
from oapi.fastapi_app import create_app
from oapi.service import Service


class Impl(Service):
    def agent(self, caller):
        return f"{caller.headers.get('user-agent')}"

    def whoami(self, caller, *, folder):
        return f"{caller.subject}:{folder}"

    def mark(self, caller, *, folder):
        return folder

    def authenticate(self, credentials):
        return Identity("7", {}) if credentials == {"pw": "ok"} else None

    def identity_of(self, subject):
        return Identity(subject, {})


app = create_app(Impl(), secret=%r)
'''

CLIENT_SCRIPT = '''
import json, sys
from oapi_client import AuthenticatedClient, Client
from oapi_client.api.default import auth_token, bundle_inbox, call
from oapi_client.models import (AgentArgs, AgentCall, AuthTokenBody, WhoamiArgs,
                                WhoamiCall)

base = sys.argv[1] + "/api/mizan"
anonymous = Client(base_url=base, headers={"user-agent": "generated-client/1"})
agent = call.sync_detailed(client=anonymous, body=AgentCall(fn="agent", args=AgentArgs()))
refused = bundle_inbox.sync_detailed(client=anonymous, folder="in")
tokens = auth_token.sync(client=anonymous, body=AuthTokenBody.from_dict({"credentials": {"pw": "ok"}}))
signed = AuthenticatedClient(base_url=base, token=tokens.access)
inbox = bundle_inbox.sync(client=signed, folder="in")
who = call.sync(client=signed, body=WhoamiCall(fn="whoami", args=WhoamiArgs(folder="x")))
print(json.dumps({
    "agent": [agent.status_code, agent.parsed.result],
    "refused": [refused.status_code, refused.parsed.error.code.value],
    "inbox": inbox.data.to_dict(),
    "whoami": who.result,
}))
'''


def client_generator() -> Path:
    """The virtualenv holding openapi-python-client (made once)."""
    folder = TOOLS / "openapi-client-venv"
    command = folder / "bin" / "openapi-python-client"
    if not command.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
        done = subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install",
                               "--quiet", CLIENT_GENERATOR], capture_output=True, text=True,
                              check=False, timeout=600)
        assert done.returncode == 0, done.stderr
    return folder


def test_a_generated_third_party_client_calls_the_live_server(tmp_path: Path) -> None:
    tools = client_generator()
    write(tmp_path / "oapi", RUNTIME_SPEC, "fastapi")
    (tmp_path / "entry.py").write_text(ENTRY % SECRET, "utf-8")
    made = subprocess.run([str(tools / "bin" / "openapi-python-client"), "generate",
                           "--path", str(tmp_path / "oapi" / "openapi.json"),
                           "--output-path", str(tmp_path / "oapi_client"), "--meta", "none"],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        with run_uvicorn("entry:app", tmp_path, env) as base:
            ran = subprocess.run([str(tools / "bin" / "python"), "-c", CLIENT_SCRIPT, base],
                                 capture_output=True, text=True, check=False, cwd=tmp_path,
                                 env={"PYTHONPATH": str(tmp_path)}, timeout=60)
    except StartupFailed as failure:
        pytest.fail(str(failure), pytrace=False)
    assert ran.returncode == 0, ran.stderr
    answers: dict[str, Any] = json.loads(ran.stdout)
    assert answers == {
        "agent": [200, "generated-client/1"],
        "refused": [401, "unauthenticated"],
        "inbox": {"whoami": "7:in"},
        "whoami": "7:x",
    }
