"""The hand-written FastAPI endpoint `bench/servers.py` compares the generated
dispatch with: the same work as the generated `POST call/` of `echo`, written
the way one would by hand (a pydantic body, a plain `def` endpoint, which
FastAPI runs in its thread pool as the generated server runs a plain `def`
service method).

It reads `{"fn": "echo", "args": {"id": "<int64 text>"}}`, builds the same
record and answers the same bytes: `{"invalidate":[],"result":{...}}` in
canonical JSON (sorted keys, no spaces, int64 as a string), `no-store`.
"""

from __future__ import annotations

import json

import fastapi
import pydantic


class Item(pydantic.BaseModel):
    id: int
    name: str
    tags: list[str]


class EchoArgs(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    id: str


class EchoCall(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    fn: str
    args: EchoArgs


def echo(id: int) -> Item:
    return Item(id=id, name=f"item {id}", tags=["a", "b"])


def create_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/api/mizan/call/")
    def call(body: EchoCall) -> fastapi.Response:
        if body.fn != "echo":
            raise fastapi.HTTPException(404)
        try:
            id = int(body.args.id)
        except ValueError:
            raise fastapi.HTTPException(400) from None
        item = echo(id)
        result = {"id": str(item.id), "name": item.name, "tags": item.tags}
        data = json.dumps(
            {"invalidate": [], "result": result},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return fastapi.Response(
            data.encode("utf-8"),
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    return app
