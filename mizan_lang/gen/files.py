"""What a generator produces: files as text, each with an owner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Owner = Literal["generated", "user"]


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    """One output file.

    `path` is relative to the output folder, with `/` separators. A
    "generated" file is rewritten by every `gen` and carries the do-not-edit
    header; a "user" file is created once, if missing, and then belongs to
    the user: nothing ever overwrites it.
    """

    path: str
    text: str
    owner: Owner = "generated"

    @property
    def data(self) -> bytes:
        # "\n" line ends and UTF-8 on every machine: the bytes are the contract.
        return self.text.encode("utf-8")
