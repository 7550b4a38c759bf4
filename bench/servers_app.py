"""The generated FastAPI server of `bench/servers.py`, implemented trivially.

`bench.servers` generates `SPEC` into a package named `PACKAGE` in a temporary
folder and puts that folder on PYTHONPATH; uvicorn then serves one of the
factories below (`--factory`). `cold_app` serves bundles with the origin cache
disabled (every fetch computes the bundle; the HMAC cache key is still made).
"""

from __future__ import annotations

import importlib
from typing import Any

PACKAGE = "mizan_bench_api"
SECRET = "bench-secret-not-for-production-32-bytes"

SPEC = """\
mizan 1

type Item {
    field id int64
    field name str
    field tags list<str>
}

context item auth=public {
    param id int64
    cache ttl=600 vary=public
}

fn echo auth=public returns=Item { param id int64 }
fn item_main context=item returns=Item { param id int64 }
fn item_tags context=item returns=list<str> { param id int64 }
fn item_score context=item returns=int { param id int64 }
fn item_related context=item returns=list<Item> { param id int64 }
"""


def make_item(models: Any, id: int) -> Any:
    """The work both echo endpoints do: one small record."""
    return models.Item(id=id, name=f"item {id}", tags=["a", "b"])


def _service(api: Any) -> Any:
    models = api.models

    class BenchService(api.service.Service):
        def echo(self, caller: Any, *, id: int) -> Any:
            return make_item(models, id)

        def item_main(self, caller: Any, *, id: int) -> Any:
            return make_item(models, id)

        def item_tags(self, caller: Any, *, id: int) -> list[str]:
            return ["new", "sale", f"t{id % 7}"]

        def item_score(self, caller: Any, *, id: int) -> int:
            return id * 3

        def item_related(self, caller: Any, *, id: int) -> list[Any]:
            return [make_item(models, id + k) for k in range(1, 4)]

    return BenchService()


class NoCache:
    """A BundleCache that never holds anything: the cold path on every fetch."""

    def get(self, key: str) -> bytes | None:
        return None

    def generation(self, context: str) -> int:
        return 0

    def put(self, key, context, params, body, ttl, generation) -> bool:
        return False

    def invalidate(self, entries: Any) -> None:
        return None


def _api() -> Any:
    api = importlib.import_module(PACKAGE)
    for part in ("models", "service", "fastapi_app"):
        setattr(api, part, importlib.import_module(f"{PACKAGE}.{part}"))
    return api


def generated_app() -> Any:
    api = _api()
    return api.fastapi_app.create_app(_service(api), secret=SECRET)


def cold_app() -> Any:
    api = _api()
    return api.fastapi_app.create_app(_service(api), secret=SECRET, cache=NoCache())
