"""Acknowledgements: a reviewed, intended change that should stop failing CI.

Two places say it, with the same meaning:

- a comment in the new spec: `// mizan: acknowledge B107 adjust_stock.reason why`
- the project config (`mizan.toml`):

      [[acknowledge]]
      code = "B107"
      subject = "adjust_stock.reason"
      reason = "why"

The subject names what changed: a declaration (`adjust_stock`) or one of its
members (`adjust_stock.reason`); a declaration also covers its members.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..records import record
from .diff import Change

_COMMENT = re.compile(r"//\s*mizan:\s*acknowledge\s+(B\d{3})\s+([\w.]+)[ \t]*([^\n]*)")


@record
class Acknowledgement:
    code: str
    subject: str
    reason: str
    where: str  # `path:line` or `mizan.toml:line`
    used: bool = False

    def covers(self, change: Change) -> bool:
        subject = change.subject
        return change.code == self.code and (
            subject == self.subject or subject.startswith(self.subject + "."))


def from_comments(texts: dict[str, str]) -> list[Acknowledgement]:
    found = []
    for path in sorted(texts):
        text = texts[path]
        for match in _COMMENT.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Acknowledgement(match[1], match[2], match[3].strip() or "acknowledged",
                                         f"{path}:{line}"))
    return found


def apply(changes: Iterable[Change], acks: list[Acknowledgement]) -> None:
    """Mark each change a matching acknowledgement covers (first match wins)."""
    for change in changes:
        for ack in acks:
            if ack.covers(change):
                change.acknowledged = ack.reason
                ack.used = True
                break
