"""The Tauri target: the API served to a Tauri 2 app's webviews over IPC.

Writes a Rust library crate on `mizan-runtime` with the same types, service
trait, registry and spec table as the Axum target (generators/axum), so one
implementation of `Service` serves both; instead of a router it has Tauri
commands (`commands.rs`) that answer through the runtime's `server::ipc`
(the HTTP endpoints' checks, limits and answers, wrapped in an envelope) and
a subscription command that pushes invalidations to the other windows.
"""

from __future__ import annotations

from pathlib import Path

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from ..axum import TARGET as AXUM
from ..axum import runtime_features, service_files
from ..axum.view import crate_name, lib_view

NAME = "tauri"

# Pinned: the crate is built and tested with exactly this Tauri (the workspace's Cargo.lock).
TAURI_VERSION = "2.12.7"


class TauriTarget:
    name = NAME
    description = "Tauri 2 crate (the Axum target's service trait, served as IPC commands)"
    labels = (NAME,)

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        return self.generate_for(plan, Path("mizan_api"))

    def generate_for(self, plan: Plan, out: Path) -> list[GeneratedFile]:
        """The crate, named after its output folder (`--out shop_tauri`: `shop_tauri`)."""
        cargo = {"name": crate_name(out), "tauri": TAURI_VERSION,
                 "features": runtime_features(plan)}
        files = [
            self._file("Cargo.toml.j2", cargo, "Cargo.toml", "toml"),
            self._file("lib.rs.j2", lib_view(plan), "src/lib.rs", "rust"),
            self._file("commands.rs.j2", {}, "src/commands.rs", "rust"),
            *service_files(plan, self.name),
        ]
        return sorted(files, key=lambda f: f.path)

    def _file(self, template: str, view: object, path: str, syntax: str) -> GeneratedFile:
        return render_file(__name__, template, view, path=path, target=self.name, syntax=syntax)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        """The same starting implementation as the Axum target's."""
        return AXUM.scaffold(plan, package=package, path=path)


TARGET = TauriTarget()
