"""Formatting hooks, one per output syntax.

Templates and view models already write each language's formatted style
(see `gen/python/layout.py`); the hook only settles what templates leave
uneven: trailing spaces, runs of blank lines, the final newline. It is pure
Python on purpose: output bytes never depend on which formatter version a
machine has installed. Tests run `ruff format --check` on generated Python
to prove the style holds.
"""

from __future__ import annotations

_BLANK_RUNS = {"python": 2, "kdl": 1, "typescript": 1, "rust": 1, "toml": 1}


def format_text(text: str, syntax: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    limit = _BLANK_RUNS.get(syntax, 1)
    out: list[str] = []
    blanks = 0
    for line in lines:
        blanks = blanks + 1 if not line else 0
        if blanks <= limit:
            out.append(line)
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""
