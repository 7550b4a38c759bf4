"""The Axum server target.

Writes a Rust library crate on the `mizan-runtime` crate (runtimes/rust):
serde types of the spec's enums, records and shapes (`types.rs`), the
service trait with one `async fn` per function (`service.rs`), the
shapes' loaders on SQLite through sqlx (`shapes.rs`), the registry
that calls it by name (`registry.rs`), the server table (`spec.rs`) and
`mizan_router(service, config) -> axum::Router` (`lib.rs`). Everything the
protocol decides is done by the runtime's `server` module from the table.
"""

from __future__ import annotations

from pathlib import Path

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from .shapes_view import shapes_view
from .view import (
    crate_name,
    lib_view,
    registry_view,
    scaffold_view,
    service_view,
    spec_view,
    types_view,
)

NAME = "axum"


def service_files(plan: Plan, target: str) -> list[GeneratedFile]:
    """The modules every Rust server crate of a spec shares, whatever serves
    it (Axum over HTTP, Tauri over IPC): the types, the service trait, the
    registry, the spec table and the shapes' loaders. One implementation of
    the trait serves both."""
    def rendered(template: str, view: object, path: str) -> GeneratedFile:
        return render_file(__name__, template, view, path=path, target=target, syntax="rust")

    files = [
        rendered("types.rs.j2", types_view(plan), "src/types.rs"),
        rendered("service.rs.j2", service_view(plan, target), "src/service.rs"),
        rendered("registry.rs.j2", registry_view(plan), "src/registry.rs"),
        rendered("spec.rs.j2", spec_view(plan), "src/spec.rs"),
    ]
    if plan.ir.shapes:
        files.append(rendered("shapes.rs.j2", shapes_view(plan), "src/shapes.rs"))
    return files


def runtime_features(plan: Plan) -> str:
    """The runtime's features a server crate needs: shapes load through sqlx
    (`sqlite`), only when there are any."""
    return '"server", "sqlite"' if plan.ir.shapes else '"server"'


class AxumTarget:
    name = NAME
    description = "Axum server crate (serde types, service trait, registry, router)"
    labels = (NAME,)

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        return self.generate_for(plan, Path("mizan_api"))

    def generate_for(self, plan: Plan, out: Path) -> list[GeneratedFile]:
        """The crate, named after its output folder (`--out shop_api`: `shop_api`)."""
        name = crate_name(out)
        files = [
            self._file("Cargo.toml.j2", {"name": name, "features": runtime_features(plan)},
                       "Cargo.toml", "toml"),
            self._file("lib.rs.j2", lib_view(plan), "src/lib.rs", "rust"),
            *service_files(plan, self.name),
        ]
        return sorted(files, key=lambda f: f.path)

    def _file(self, template: str, view: object, path: str, syntax: str) -> GeneratedFile:
        return render_file(__name__, template, view, path=path, target=self.name, syntax=syntax)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        return render_file(__name__, "implementation.rs.j2", scaffold_view(plan, package),
                           path=path, target="", syntax="rust", owner="user")


TARGET = AxumTarget()
