"""Entry of the browser proof's server (copied next to the generated package).

One origin serves both the generated API (under /api/mizan/) and the built
front-end (the folder named by MIZAN_BROWSER_DIST, at /), so the page needs
no CORS. Every HTTP request is counted by method and path; the driver reads
the counts at /_test/requests (a path outside the API prefix).
"""

from __future__ import annotations

import collections
import json
import os

from browser_api.fastapi_app import create_app
from fastapi.staticfiles import StaticFiles
from impl import BrowserApp

COUNTS_PATH = "/_test/requests"

api = create_app(BrowserApp(), secret="browser-proof-secret")
api.mount("/", StaticFiles(directory=os.environ["MIZAN_BROWSER_DIST"], html=True))
counts: collections.Counter[str] = collections.Counter()


async def app(scope, receive, send):
    if scope["type"] == "http":
        if scope["path"] == COUNTS_PATH:
            body = json.dumps(dict(sorted(counts.items()))).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return
        counts[f"{scope['method']} {scope['path']}"] += 1
    await api(scope, receive, send)
