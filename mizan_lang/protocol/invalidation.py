"""Invalidation: which context instances a call made stale, as a list and as a header.

An entry names a context and the key params that select its instances:
all keys (exact), some (partial) or none (global). Lists are *normalized*:
an entry covered by a broader one of the same context is dropped (its
params contain the other's), duplicates go, and the rest is sorted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..ir import model as ir
from .canonical import utf16_order
from .keys import key_text

HEADER = "X-Mizan-Invalidate"
HEADER_LIMIT = 4096  # octets; a longer list is sent coarser
EVERYTHING = "*"


@dataclass(frozen=True)
class Entry:
    context: str
    params: tuple[tuple[str, str | None], ...]  # sorted by key

    @classmethod
    def of(cls, context: str, params: dict[str, str | None]) -> Entry:
        return cls(context, tuple(sorted(params.items(), key=lambda kv: utf16_order(kv[0]))))

    def to_json(self) -> dict[str, Any]:
        return {"context": self.context, "params": dict(self.params)}

    def covers(self, other: Entry) -> bool:
        return self.context == other.context and set(self.params) <= set(other.params)

    def sort_key(self) -> tuple:
        return (utf16_order(self.context),
                [(utf16_order(k), (0, b"") if v is None else (1, utf16_order(v)))
                 for k, v in self.params])


def compute(invalidates: list[ir.Invalidation], key_types: dict[str, dict[str, ir.TypeRef]],
            args: dict[str, Any]) -> list[Entry]:
    """The entries a mutation call invalidates.

    `invalidates`: the mutation's scoping from the IR; `key_types`: context ->
    key param -> type; `args`: the call's decoded arguments (defaults applied).
    """
    entries = []
    for scoping in invalidates:
        types = key_types[scoping.context]
        params = {} if scoping.tier == "global" else {
            key: key_text(types[key], args.get(param)) for key, param in scoping.bindings.items()}
        entries.append(Entry.of(scoping.context, params))
    return normalize(entries)


def normalize(entries: list[Entry]) -> list[Entry]:
    unique = sorted(set(entries), key=Entry.sort_key)
    return [e for e in unique if not any(o is not e and o.covers(e) for o in unique)]


def to_body(entries: list[Entry]) -> list[dict[str, Any]]:
    return [entry.to_json() for entry in entries]


def from_body(items: list[dict[str, Any]]) -> list[Entry]:
    return normalize([Entry.of(item["context"], item["params"]) for item in items])


# --- the header -------------------------------------------------------------------

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._")
_TOKEN = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*")


def escape(text: str) -> str:
    """Percent-encode the UTF-8 bytes of a name or value, keeping `A-Z a-z 0-9 - . _`."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def unescape(token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise ValueError(f"bad characters in {token!r}")
    raw = bytearray()
    index = 0
    while index < len(token):
        if token[index] == "%":
            raw.append(int(token[index + 1:index + 3], 16))
            index += 3
        else:
            raw.append(ord(token[index]))
            index += 1
    return raw.decode("utf-8")  # UnicodeDecodeError is a ValueError


def _entry_text(entry: Entry) -> str:
    parts = [escape(entry.context)]
    for key, value in entry.params:
        parts.append(escape(key) if value is None else f"{escape(key)}={escape(value)}")
    return ";".join(parts)


def format_header(entries: list[Entry], limit: int = HEADER_LIMIT) -> str | None:
    """The header value of a normalized list; None when the list is empty (no header)."""
    if not entries:
        return None
    text = ",".join(_entry_text(e) for e in entries)
    if len(text) <= limit:
        return text
    coarse = normalize([Entry(e.context, ()) for e in entries])
    text = ",".join(_entry_text(e) for e in coarse)
    return text if len(text) <= limit else EVERYTHING


def parse_header(text: str) -> list[Entry] | None:
    """The normalized list a header value carries; None means everything (`*`).

    Raises ValueError for a malformed value (a client then invalidates everything).
    """
    text = text.strip(" \t")
    if text == EVERYTHING:
        return None
    entries = []
    for item in text.split(","):
        parts = item.strip(" \t").split(";")
        context = unescape(parts[0])
        params: dict[str, str | None] = {}
        for part in parts[1:]:
            key, eq, value = part.partition("=")
            name = unescape(key)
            if not name or name in params:
                raise ValueError(f"empty or repeated key in {item!r}")
            params[name] = unescape(value) if eq else None
        if not context:
            raise ValueError(f"empty context name in {item!r}")
        entries.append(Entry.of(context, params))
    return normalize(entries)
