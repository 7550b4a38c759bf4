"""Entry of the browser proof's server (copied next to the generated package).

One origin serves both the generated API (under /api/mizan/) and the built
front-end (the folder named by MIZAN_BROWSER_DIST, at /), so the page needs
no CORS. Every HTTP request is counted by method and path; the driver reads
the counts at /_test/requests (a path outside the API prefix). Every API
exchange is also recorded in order at /_test/log, with what the cookie
scenario asserts on: the request's auth and CSRF headers and cookie names,
the response status and Set-Cookie headers, and the body of `session/` and
of error answers.
"""

from __future__ import annotations

import collections
import json
import os
from http.cookies import SimpleCookie
from typing import Any

from browser_api.fastapi_app import create_app
from fastapi.staticfiles import StaticFiles
from impl import BrowserApp

COUNTS_PATH = "/_test/requests"
LOG_PATH = "/_test/log"
API_PREFIX = "/api/mizan/"

api = create_app(BrowserApp(), secret="browser-proof-secret-of-at-least-32-bytes")
api.mount("/", StaticFiles(directory=os.environ["MIZAN_BROWSER_DIST"], html=True))
counts: collections.Counter[str] = collections.Counter()
log: list[dict[str, Any]] = []


async def answer(send, value: object) -> None:
    body = json.dumps(value).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in headers if key.lower() == name]
    return values[-1] if values else None


async def app(scope, receive, send):
    if scope["type"] != "http":
        await api(scope, receive, send)
        return
    if scope["path"] == COUNTS_PATH:
        await answer(send, dict(sorted(counts.items())))
        return
    if scope["path"] == LOG_PATH:
        await answer(send, log)
        return
    counts[f"{scope['method']} {scope['path']}"] += 1
    if not scope["path"].startswith(API_PREFIX):
        await api(scope, receive, send)
        return
    cookie = SimpleCookie(header(scope["headers"], b"cookie") or "")
    entry: dict[str, Any] = {
        "request": f"{scope['method']} {scope['path']}",
        "authorization": header(scope["headers"], b"authorization"),
        "csrf_header": header(scope["headers"], b"x-mizan-csrf"),
        "cookies": {name: morsel.value for name, morsel in sorted(cookie.items())},
    }
    log.append(entry)
    body = bytearray()

    async def recording_send(message):
        if message["type"] == "http.response.start":
            entry["status"] = message["status"]
            entry["set_cookie"] = [value.decode("latin-1")
                                   for key, value in message["headers"]
                                   if key.lower() == b"set-cookie"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            wanted = entry["request"].endswith("/session/") or entry["status"] >= 400
            if wanted and not message.get("more_body", False):
                entry["body"] = json.loads(body)
        await send(message)

    await api(scope, receive, recording_send)
