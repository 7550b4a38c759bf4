"""Locating files shipped beside the code (grammars, templates).

In a source checkout they live in top-level folders (`grammar/`); in an
installed wheel the same folders are packaged as `mizan_lang.grammar`, ...
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def grammar_text(name: str) -> str:
    local = _CHECKOUT / "grammar" / name
    if local.is_file():
        return local.read_text("utf-8")
    return resources.files("mizan_lang.grammar").joinpath(name).read_text("utf-8")
