"""The implementation of the small spec, served by both generated servers.

`make_service(package)` builds it against the generated package of that
name. Callers prove who they are with access tokens the tests mint
(`authenticate` accepts `{"user": name}` for the users below).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import importlib
from typing import Any

USERS = {"ada": {"is_staff": True}, "bob": {"is_staff": False}}


def make_service(package: str) -> Any:
    models = importlib.import_module(f"{package}.models")
    service = importlib.import_module(f"{package}.service")
    auth = importlib.import_module("mizan_runtime.auth")

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

        def whoami(self, caller: Any) -> str:
            return str(caller.claims["sub"])

        def upload_avatar(self, caller: Any, *, user_id: int, file: Any, note: str) -> Any:
            return {"user_id": str(user_id), "filename": file.filename, "note": note,
                    "content_type": file.content_type, "size": len(file.data)}

        def save_profile(self, caller: Any, **fields: Any) -> Any:
            self.calls.append(("save_profile", fields))
            return {name: None if value is None else value.name
                    if isinstance(value, enum.Enum) else str(value)
                    for name, value in fields.items()}

        def authenticate(self, credentials: Any) -> Any:
            user = credentials.get("user") if isinstance(credentials, dict) else None
            return self.identity_of(user) if isinstance(user, str) else None

        def identity_of(self, subject: str) -> Any:
            claims = USERS.get(subject)
            return None if claims is None else auth.Identity(subject, claims)

    return Small()
