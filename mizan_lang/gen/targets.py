"""The target registry: a target name -> the module that generates it.

A target module (under `generators/<name>/`, importable as
`mizan_lang.generators.<name>`) exposes `TARGET`, an object with:

- `name`, `description`: shown by `mizan-lang gen --help`;
- `labels`: the header labels of the files it writes (its name, and e.g.
  `python` for modules shared by the Python targets); the writer removes
  leftovers carrying these labels only;
- `generate(plan) -> list[GeneratedFile]`: every generated file;
- `scaffold(plan, *, package, path) -> GeneratedFile`: the user's implementation
  module (owner "user"), created once by `mizan-lang scaffold`.

Modules are imported only when asked for, so the CLI stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..plan import Plan
    from .files import GeneratedFile

# name -> module; sorted by name.
TARGETS = {
    "django": "mizan_lang.generators.django",
    "fastapi": "mizan_lang.generators.fastapi",
}


class Target(Protocol):
    name: str
    description: str
    labels: tuple[str, ...]

    def generate(self, plan: Plan) -> list[GeneratedFile]: ...

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile: ...


class UnknownTarget(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown target '{name}' (choose from {', '.join(TARGETS)})")
        self.name = name


def get_target(name: str) -> Target:
    module = TARGETS.get(name)
    if module is None:
        raise UnknownTarget(name)
    return importlib.import_module(module).TARGET
