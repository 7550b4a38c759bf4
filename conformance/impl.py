"""The one implementation of the conformance fixture's service.

Every Python target (FastAPI, Django) serves this same module: the runner
generates the fixture into a package named `fixture_api` and puts it on the
path. Data is deterministic and in memory (reset per process), except the
library of shapes, which lives in a SQLite database (`seed_database`).
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import hashlib
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fixture_api import models
from fixture_api.service import Service
from mizan_runtime.auth import Identity
from mizan_runtime.dispatch import Caller, MizanError
from mizan_runtime.wire import Upload

EPOCH = datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.UTC)

# username -> (password, extra claims of the access token)
ACCOUNTS: dict[str, tuple[str, dict[str, Any]]] = {
    "ada": ("ada-password", {"is_staff": True, "role": "admin"}),
    "bob": ("bob-password", {"is_staff": False, "role": "member"}),
    "cy": ("cy-password", {"is_staff": 1, "role": "staff"}),
}

AUTHORS = [(1, "Ursula", "ursula@example.org"), (2, "Stanisław", "stan@example.org")]
BOOKS = [
    (1, "The Dispossessed", 1974, "9.90", "first edition", 1),
    (2, "Solaris", 1961, "12.50", "signed", 2),
    (3, "The Lathe of Heaven", 1971, "8.00", "water damage", 1),
    (4, "Anonymous Pamphlet", 1999, "0.50", "no author", None),
]


def seed_database(path: Path) -> None:
    """Create the library of the shapes (idempotent: rows are replaced)."""
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE IF NOT EXISTS conf_author (id INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, email TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS conf_book (id INTEGER PRIMARY KEY, "
            "title TEXT NOT NULL, year INTEGER NOT NULL, price TEXT NOT NULL, "
            "secret_note TEXT NOT NULL, author_id INTEGER REFERENCES conf_author(id));"
        )
        db.executemany("INSERT OR REPLACE INTO conf_author VALUES (?, ?, ?)", AUTHORS)
        db.executemany("INSERT OR REPLACE INTO conf_book VALUES (?, ?, ?, ?, ?, ?)", BOOKS)


def subject(caller: Caller) -> str:
    if caller.claims is None:
        raise MizanError("unauthenticated", {"reason": "missing"})
    return str(caller.claims["sub"])


class Fixture(Service):
    """Boards of notes, threads, inboxes and a library, all deterministic."""

    def __init__(self, database: Path | None = None) -> None:
        self.database = database
        self.lock = threading.Lock()
        self.notes: dict[int, list[models.Note]] = {}
        self.inboxes: dict[str, list[str]] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.counter = 0

    # --- credentials: behind `auth/token/` and `auth/refresh/` ----------------------
    def authenticate(self, credentials: Any) -> Identity | None:
        if not isinstance(credentials, Mapping):
            return None
        account = ACCOUNTS.get(str(credentials.get("username")))
        if account is None or credentials.get("password") != account[0]:
            return None
        return Identity(str(credentials["username"]), dict(account[1]))

    def identity_of(self, subject: str) -> Identity | None:
        account = ACCOUNTS.get(subject)
        return None if account is None else Identity(subject, dict(account[1]))

    # --- boards and threads --------------------------------------------------------
    def board_notes(self, caller: Caller, *, board_id: int) -> list[models.Note]:
        with self.lock:
            return list(self.notes.get(board_id, []))

    def board_title(self, caller: Caller, *, board_id: int) -> str:
        with self.lock:
            count = len(self.notes.get(board_id, []))
        return f"Board {board_id} ({count} notes)"

    def board_staff_notes(self, caller: Caller, *, board_id: int) -> list[str]:
        return [f"staff eyes only {board_id}"]

    def thread_posts(self, caller: Caller, *, board_id: int, page: int, size: int) -> list[str]:
        with self.lock:
            texts = [note.text for note in self.notes.get(board_id, [])]
        return texts[page * size : (page + 1) * size]

    def thread_moderation(self, caller: Caller, *, board_id: int, page: int) -> int:
        return board_id * 100 + page

    async def add_note(
        self, caller: Caller, *, board_id: int, text: str, tags: list[str] | None
    ) -> models.Note:
        await asyncio.sleep(0)  # an async method: both kinds must be served
        with self.lock:
            board = self.notes.setdefault(board_id, [])
            # Ids and times count per board, so probes on different boards
            # do not depend on each other's order.
            note = models.Note(
                id=board_id * 1000 + len(board) + 1,
                board_id=board_id,
                text=text,
                tags=tags or [],
                price=decimal.Decimal("1.50"),
                created=EPOCH + datetime.timedelta(minutes=len(board) + 1),
            )
            board.append(note)
            self.counter += 1
        return note

    def clear_boards(self, caller: Caller) -> None:
        with self.lock:
            self.notes.clear()

    def move_note(self, caller: Caller, *, from_board: int, to_board: int) -> None:
        with self.lock:
            moved = self.notes.pop(from_board, [])
            for note in moved:
                note.board_id = to_board
            self.notes.setdefault(to_board, []).extend(moved)

    def attach(
        self, caller: Caller, *, board_id: int, file: Upload, caption: str | None
    ) -> models.Attachment:
        return models.Attachment(
            name=file.filename,
            content_type=file.content_type,
            size=len(file.data),
            sha256=hashlib.sha256(file.data).hexdigest(),
            caption=caption,
        )

    # --- stats and staff ----------------------------------------------------------
    def stats_counter(self, caller: Caller) -> int:
        with self.lock:
            return self.counter

    def topic_keys(self, caller: Caller, *, tag: str, day: datetime.date | None) -> Any:
        return {"tag": tag, "day": None if day is None else day.isoformat()}

    def retag(self, caller: Caller, *, tag: str, day: datetime.date | None) -> None:
        return None

    def office_report(self, caller: Caller, *, day: datetime.date) -> Any:
        return {"day": day.isoformat(), "weekday": day.isoweekday(), "by": subject(caller)}

    # --- identities ----------------------------------------------------------------
    def inbox_messages(self, caller: Caller) -> list[str]:
        me = subject(caller)
        with self.lock:
            return [f"welcome {me}", *self.inboxes.get(me, [])]

    def mailbox_count(self, caller: Caller, *, owner: str) -> int:
        if owner != subject(caller):
            raise MizanError("forbidden")
        with self.lock:
            return len(self.inboxes.get(owner, []))

    def send_message(self, caller: Caller, *, owner: str, text: str) -> int:
        sender = subject(caller)
        with self.lock:
            box = self.inboxes.setdefault(owner, [])
            box.append(f"{sender}: {text}")
            return len(box)

    def save_profile(
        self,
        caller: Caller,
        *,
        name: str,
        age: int | None,
        email: str | None,
        website: str | None,
        role: models.Role,
        subscribe: bool,
    ) -> Any:
        profile = {
            "name": name,
            "age": age,
            "email": email,
            "website": website,
            "role": role.value,
            "subscribe": subscribe,
        }
        with self.lock:
            self.profiles[subject(caller)] = profile
        return {"saved": profile, "by": subject(caller)}

    def whoami(self, caller: Caller) -> str:
        return subject(caller)

    def staff_only(self, caller: Caller) -> str:
        return f"staff {subject(caller)}"

    def admin_only(self, caller: Caller) -> str:
        return f"admin {subject(caller)}"

    # --- wire types and errors ------------------------------------------------------
    def echo(
        self,
        caller: Caller,
        *,
        value: Any,
        count: int,
        big: int | None,
        amount: decimal.Decimal | None,
        when: datetime.datetime | None,
        day: datetime.date | None,
        id: Any,
        data: bytes | None,
        role: models.Role,
        ratio: float,
    ) -> Any:
        # Returned as json: the texts below are this fixture's own choice.
        return {
            "value": value,
            "count": count,
            "big": None if big is None else str(big),
            "amount": None if amount is None else str(amount),
            "when": None if when is None else when.astimezone(datetime.UTC).isoformat(),
            "day": None if day is None else day.isoformat(),
            "id": None if id is None else str(id),
            "data": None if data is None else data.hex(),
            "role": role.value,
            "ratio": ratio,
        }

    def crash(self, caller: Caller) -> None:
        raise RuntimeError("secret internals: password=hunter2 at /srv/app.py")

    def refuse(self, caller: Caller, *, id: int) -> None:
        raise MizanError("not_found", {"note": str(id)})

    # --- shapes ---------------------------------------------------------------------
    def _rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        if self.database is None:
            raise MizanError("internal")
        with sqlite3.connect(self.database) as db:
            db.row_factory = sqlite3.Row
            return list(db.execute(sql, args))

    def books(self, caller: Caller, *, min_year: int) -> list[models.BookCard]:
        rows = self._rows(
            "SELECT b.id, b.title, b.year, b.price, a.id AS author_id, a.name "
            "FROM conf_book b LEFT JOIN conf_author a ON a.id = b.author_id "
            "WHERE b.year >= ? ORDER BY b.year DESC, b.id",
            min_year,
        )
        return [
            models.BookCard(
                id=row["id"],
                title=row["title"],
                year=row["year"],
                price=decimal.Decimal(row["price"]),
                author=None
                if row["author_id"] is None
                else models.AuthorName(id=row["author_id"], name=row["name"]),
            )
            for row in rows
        ]

    def book_refs(self, caller: Caller) -> list[models.BookRef]:
        rows = self._rows("SELECT id, author_id FROM conf_book ORDER BY id")
        return [models.BookRef(id=row["id"], author=row["author_id"]) for row in rows]
