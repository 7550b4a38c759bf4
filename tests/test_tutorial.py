"""docs/tutorial.md and the README's first command, run as written.

- `examples/shop/server/run.sh` (the one-command first run): with the test
  environment (`MIZAN_SKIP_INSTALL=1`), and, marked `install`, from nothing:
  a fresh virtualenv installing mizan-lang and mizan-runtime[fastapi] from
  the checkout, as a new user runs it (the tutorial's step 0).
- every ```sh block of the tutorial, in order, in one bash session, in a
  scratch folder that sees the repository's `examples/` and `runtimes/`;
  `mizan-lang` is this checkout's.
- the shop's implementation answers real data under FastAPI and Django.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_gen_django import configure_django
from test_gen_fastapi import SECRET

REPO = Path(__file__).resolve().parent.parent
TUTORIAL = REPO / "docs" / "tutorial.md"
RUN = REPO / "examples" / "shop" / "server" / "run.sh"
SERVER = REPO / "examples" / "shop" / "server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def checkout_env(tmp_path: Path) -> dict[str, str]:
    """PATH with this checkout's `mizan-lang` first, then the test environment's tools."""
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "mizan-lang"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mizan_lang "$@"\n', "utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    path = os.pathsep.join([str(shims), str(Path(sys.executable).parent), os.environ["PATH"]])
    pythonpath = os.pathsep.join([str(REPO), str(REPO / "runtimes" / "python")])
    return {**os.environ, "PATH": path, "PYTHONPATH": pythonpath}


def check_first_run(done: subprocess.CompletedProcess[str], port: int) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    bundle = json.loads(done.stdout.split("/ctx/product/?product_id=1\n", 1)[1].split("\n")[0])
    assert bundle["context"] == "product" and bundle["params"] == {"product_id": "1"}
    detail = bundle["data"]["product_detail"]
    assert detail["card"]["name"] == "Chef's knife" and detail["card"]["price"] == "89.90"
    assert detail["review_count"] == 2 and detail["rating"] == 4.5
    assert port_is_free(port), "the server still runs"


def test_the_first_run_command(tmp_path: Path) -> None:
    port = free_port()
    env = {**checkout_env(tmp_path), "VENV": str(Path(sys.executable).parent.parent),
           "MIZAN_SKIP_INSTALL": "1", "PORT": str(port), "WORK": str(tmp_path / "work")}
    done = subprocess.run(["bash", str(RUN)], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    check_first_run(done, port)


@pytest.mark.install
def test_the_first_run_command_from_nothing(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update({"VENV": str(tmp_path / "venv"), "PORT": str(port), "WORK": str(tmp_path / "w")})
    done = subprocess.run(["bash", str(RUN)], capture_output=True, text=True, env=env,
                          timeout=900, check=False)
    check_first_run(done, port)


def run_session(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """bash running `script`; on a timeout its whole process group goes (a
    server it left running would keep the output pipes open)."""
    process = subprocess.Popen(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        out, err = process.communicate()
        pytest.fail("the tutorial's commands did not finish:\n" + out + err)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_every_tutorial_command(tmp_path: Path) -> None:
    text = TUTORIAL.read_text("utf-8")
    script = "\n".join(re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL))
    assert "mizan-lang gen examples/shop --target fastapi" in script
    work = tmp_path / "work"
    work.mkdir()
    for name in ("examples", "runtimes"):
        (work / name).symlink_to(REPO / name)
    port = free_port()
    env = {**checkout_env(tmp_path), "PORT": str(port)}
    done = run_session(script, work, env)
    assert done.returncode == 0, done.stdout + done.stderr
    bundle = json.loads(done.stdout.strip().splitlines()[0])
    assert bundle["data"]["product_detail"]["card"]["slug"] == "chef-knife"
    served = json.loads((work / "tutorial" / "openapi-served.json").read_text("utf-8"))
    assert served["openapi"] == "3.1.0" and served["servers"] == [{"url": "/api/mizan"}]
    assert "class Implementation(Service):" in (work / "tutorial" / "my_shop.py").read_text()
    assert (work / "web" / "src" / "api" / "react.ts").is_file()
    assert port_is_free(port)


# --- the shop's implementation under both frameworks --------------------------------


@pytest.fixture
def shop_packages(tmp_path: Path):
    from test_gen_fastapi import importable_folder

    with importable_folder(tmp_path) as folder:
        for target in ("fastapi", "django"):
            subprocess.run([sys.executable, "-m", "mizan_lang", "gen", str(REPO / "examples" /
                            "shop"), "--target", target, "--out", str(folder / "shop_both")],
                           check=True, capture_output=True, cwd=REPO)
        sys.path.insert(0, str(SERVER))
        try:
            import importlib

            importlib.invalidate_caches()
            yield importlib.import_module("shop_impl")
        finally:
            sys.path.remove(str(SERVER))
            sys.modules.pop("shop_impl", None)


def test_the_shop_implementation_serves_real_data(shop_packages) -> None:
    import importlib

    from fastapi.testclient import TestClient

    impl = shop_packages
    app = importlib.import_module("shop_both.fastapi_app").create_app(
        impl.ShopService(impl.open_database()), secret=SECRET)
    client = TestClient(app)
    api = "/api/mizan/"
    storefront = client.get(api + "ctx/storefront/").json()["data"]
    assert [c["slug"] for c in storefront["featured_products"]] == ["chef-knife", "espresso-pot"]
    assert [c["name"] for c in storefront["navigation"]] == ["Kitchen", "Garden"]
    page = client.get(api + "ctx/category/?category_id=3").json()["data"]["category_page"]
    assert [c["slug"] for c in page["breadcrumbs"]] == ["kitchen"]
    found = client.post(api + "call/", json={"fn": "search_products", "args": {
        "query": "o", "sort": "price_asc", "page_size": 2}}).json()["result"]
    assert found["page"] == {"page": 1, "page_size": 2, "total": "4", "has_next": True}
    session = client.get(api + "session/").json()
    csrf = {"x-mizan-csrf": session["csrf"]}
    login = client.post(api + "auth/token/", headers=csrf, json={
        "credentials": {"email": "ada@example.com", "password": "pw-ada"}})
    assert login.status_code == 200, login.text
    bearer = {"authorization": "Bearer " + login.json()["access"]}
    cart = "6f1c2a4e-0000-4000-8000-000000000001"
    added = client.post(api + "call/", headers=bearer, json={
        "fn": "add_to_cart", "args": {"cart_id": cart, "product_id": "2", "quantity": 3}})
    assert added.json()["result"]["subtotal"] == {"amount": "135.00", "currency": "EUR"}
    order = client.post(api + "call/", headers=bearer, json={"fn": "checkout", "args": {
        "cart_id": cart, "customer_id": "1", "shipping_address_id": "1",
        "payment_method": "card"}})
    assert order.status_code == 200, order.text
    placed = order.json()["result"]
    assert placed["order"]["total"] == "135.00" and placed["timeline"][0]["status"] == "pending"
    assert client.get(api + "ctx/customer/?customer_id=2", headers=bearer).status_code == 403
    history = client.get(api + "ctx/customer/?customer_id=1", headers=bearer).json()
    assert [o["id"] for o in history["data"]["order_history"]] == [placed["order"]["id"]]

    configure_django()
    from django.test import Client
    from django.test.utils import override_settings
    from test_gen_django import urlconf

    server = importlib.import_module("shop_both.django_app").DjangoServer(
        impl.ShopService(impl.open_database()), secret=SECRET)
    with override_settings(ROOT_URLCONF=urlconf(server.urls)):
        django_answer = Client().get(api + "ctx/product/?product_id=1").content
    assert django_answer == client.get(api + "ctx/product/?product_id=1").content
