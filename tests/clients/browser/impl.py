"""The in-memory service of the browser proof (tests/clients/browser/app.mizan).

The test generates the FastAPI server into a temporary folder as the
package `browser_api` and serves `entry.py` with uvicorn; this module
implements the generated `Service` once, with deterministic data.
"""

from __future__ import annotations

import threading

from browser_api import models
from browser_api.dispatch import Caller, MizanError
from browser_api.service import Service

HEADLINE = "Mizan clients reach the browser"
NAMES = {1: "Ada Lovelace", 2: "Grace Hopper"}


class BrowserApp(Service):
    """Profiles renamed in memory, one fixed headline."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.names = dict(NAMES)

    def profile_card(self, caller: Caller, *, user_id: int) -> models.Profile:
        with self.lock:
            name = self.names.get(user_id)
        if name is None:
            raise MizanError("not_found", None)
        return models.Profile(user_id=user_id, name=name)

    def rename(self, caller: Caller, *, user_id: int, name: str) -> models.Profile:
        with self.lock:
            if user_id not in self.names:
                raise MizanError("not_found", None)
            self.names[user_id] = name
        return models.Profile(user_id=user_id, name=name)

    def top_headline(self, caller: Caller) -> models.Headline:
        return models.Headline(title=HEADLINE)
