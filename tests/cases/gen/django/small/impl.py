"""The implementation of the small spec, served by both generated servers.

`make_service(package)` builds it against the generated package of that
name; `identify(request)` reads the caller's claims from the test-only
`X-Test-Claims` header (JSON), for FastAPI and Django requests alike.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import json
from typing import Any


def identify(request: Any) -> Any:
    claims = request.headers.get("x-test-claims")
    return None if not claims else json.loads(claims)


def make_service(package: str) -> Any:
    models = importlib.import_module(f"{package}.models")
    service = importlib.import_module(f"{package}.service")

    class Small(service.Service):
        def __init__(self) -> None:
            self.calls: list[tuple[str, dict[str, Any]]] = []

        def user_profile(self, caller: Any, *, user_id: int) -> Any:
            self.calls.append(("user_profile", {"user_id": user_id}))
            return models.Profile(user_id=user_id, name="Ada", balance=decimal.Decimal("9.90"),
                                  tags=["a", "b"], joined=datetime.date(2020, 1, 2))

        async def user_badges(self, caller: Any, *, user_id: int, limit: int) -> list[str]:
            self.calls.append(("user_badges", {"user_id": user_id, "limit": limit}))
            return ["gold"] * limit

        def feed_items(self, caller: Any, *, user_id: int, page: int) -> list[str]:
            return [f"{user_id}:{page}"]

        def user_notes(self, caller: Any, *, user_id: int) -> list[str]:
            return ["private"]

        def feed_staff_notes(self, caller: Any, *, user_id: int, page: int) -> int:
            return 3

        def visitor_count(self, caller: Any) -> int:
            return 7

        def rename(self, caller: Any, *, user_id: int, name: str) -> Any:
            self.calls.append(("rename", {"user_id": user_id, "name": name}))
            return models.Profile(user_id=user_id, name=name, balance=decimal.Decimal(0),
                                  tags=[], joined=None, role=models.Role.staff)

        async def reset_all(self, caller: Any) -> None:
            self.calls.append(("reset_all", {}))

        def echo(self, caller: Any, *, value: Any, when: Any, ratio: float, id: Any) -> Any:
            return {"value": value, "ratio": ratio,
                    "when": None if when is None else when.isoformat(),
                    "id": None if id is None else str(id)}

        def crash(self, caller: Any) -> None:
            raise RuntimeError("secret internals: password=hunter2")

    return Small()
