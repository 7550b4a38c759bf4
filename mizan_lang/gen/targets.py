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

A registry entry is `module` (its `TARGET`) or `module:NAME` (its
`TARGETS[NAME]`, for a module serving several targets). Modules are
imported only when asked for, so the CLI stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..plan import Plan
    from .files import GeneratedFile

# name -> module (or module:NAME); sorted by name.
TARGETS = {
    "axum": "mizan_lang.generators.axum",
    "django": "mizan_lang.generators.django",
    "fastapi": "mizan_lang.generators.fastapi",
    "hono": "mizan_lang.generators.hono",
    "react": "mizan_lang.generators.ts:react",
    "rust-client": "mizan_lang.generators.rust_client",
    "svelte": "mizan_lang.generators.ts:svelte",
    "tauri": "mizan_lang.generators.tauri",
    "ts": "mizan_lang.generators.ts",
    "vue": "mizan_lang.generators.ts:vue",
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
    entry = TARGETS.get(name)
    if entry is None:
        raise UnknownTarget(name)
    module, _, key = entry.partition(":")
    loaded = importlib.import_module(module)
    return loaded.TARGETS[key] if key else loaded.TARGET
