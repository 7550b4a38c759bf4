"""Names the generated Python introduces (class names derived from spec names)."""

from __future__ import annotations

from collections.abc import Iterable


def camel(name: str) -> str:
    """`update_profile` -> `UpdateProfile`; leading underscores are kept."""
    stripped = name.lstrip("_")
    head = "_" * (len(name) - len(stripped))
    return head + "".join(part[:1].upper() + part[1:] for part in stripped.split("_"))


def derived_class_names(names: Iterable[str], suffix: str) -> dict[str, str]:
    """spec name -> `<Camel><suffix>`, unique: names whose camel form
    collides (`a_b`, `aB`) keep their own spelling instead."""
    names = sorted(set(names))
    counts: dict[str, int] = {}
    for name in names:
        counts[camel(name) + suffix] = counts.get(camel(name) + suffix, 0) + 1
    out = {}
    for name in names:
        derived = camel(name) + suffix
        out[name] = derived if counts[derived] == 1 else f"{suffix}_{name}"
    return out
