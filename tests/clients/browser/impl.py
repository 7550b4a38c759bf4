"""The in-memory service of the browser proof (tests/clients/browser/app.mizan).

The test generates the FastAPI server into a temporary folder as the
package `browser_api` and serves `entry.py` with uvicorn; this module
implements the generated `Service` once, with deterministic data. One
account (ACCOUNT) signs in through `auth/token/` for the cookie scenario.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from browser_api import models
from browser_api.service import Service
from mizan_runtime.auth import Identity
from mizan_runtime.dispatch import Caller, MizanError

HEADLINE = "Mizan clients reach the browser"
NAMES = {1: "Ada Lovelace", 2: "Grace Hopper"}
# The one account: its credentials, and the caller's name `my_name` shows.
ACCOUNT = {"username": "ada", "password": "ada-password"}
MY_NAME = "Ada Lovelace"


def subject(caller: Caller) -> str:
    if caller.subject is None:  # auth=user already refused anonymous callers
        raise MizanError("unauthenticated", {"reason": "missing"})
    return caller.subject


class BrowserApp(Service):
    """Profiles renamed in memory, one fixed headline."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.names = dict(NAMES)
        self.my_names = {ACCOUNT["username"]: MY_NAME}

    def authenticate(self, credentials: Any) -> Identity | None:
        if not isinstance(credentials, Mapping) or dict(credentials) != ACCOUNT:
            return None
        return Identity(ACCOUNT["username"])

    def identity_of(self, subject: str) -> Identity | None:
        return Identity(subject) if subject in self.my_names else None

    def my_name(self, caller: Caller) -> str:
        with self.lock:
            return self.my_names[subject(caller)]

    def set_my_name(self, caller: Caller, *, name: str) -> str:
        with self.lock:
            self.my_names[subject(caller)] = name
        return name

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
