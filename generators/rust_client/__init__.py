"""The Rust client target (`rust-client`).

Writes a library crate on the `client` feature of the `mizan-runtime` crate
(runtimes/rust): the spec's serde types (`types.rs`, rendered by the Axum
target's view and template, so server and client share their types), one
struct per context bundle (`bundles.rs`), the client table the runtime
interprets (`spec.rs`) and `ApiClient` with one `async fn` per function and
one per context, submit and validate per form (`lib.rs`). Transport, the context cache, invalidation,
JWT refresh, uploads and the WebSocket are the runtime's, not copied here.
"""

from __future__ import annotations

from pathlib import Path

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from ..axum import view as axum_view
from .view import bundles_view, client_view, example_view, forms_view, table_view

NAME = "rust-client"


class RustClientTarget:
    name = NAME
    description = "Rust client crate (serde types, typed calls, bundles, cache, auth, WebSocket)"
    labels = (NAME,)

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        return self.generate_for(plan, Path("mizan_client"))

    def generate_for(self, plan: Plan, out: Path) -> list[GeneratedFile]:
        """The crate, named after its output folder (`--out shop_client`: `shop_client`)."""
        name = axum_view.crate_name(out)
        files = [
            self._file(__name__, "Cargo.toml.j2", {"name": name}, "Cargo.toml", "toml"),
            self._file(__name__, "lib.rs.j2", client_view(plan), "src/lib.rs", "rust"),
            self._file(axum_view.__package__ or "", "types.rs.j2", axum_view.types_view(plan),
                       "src/types.rs", "rust"),
            self._file(__name__, "bundles.rs.j2", bundles_view(plan), "src/bundles.rs", "rust"),
            self._file(__name__, "forms.rs.j2", forms_view(plan), "src/forms.rs", "rust"),
            self._file(__name__, "spec.rs.j2", table_view(plan), "src/spec.rs", "rust"),
        ]
        return sorted(files, key=lambda f: f.path)

    def _file(self, package: str, template: str, view: object, path: str,
              syntax: str) -> GeneratedFile:
        return render_file(package, template, view, path=path, target=self.name, syntax=syntax)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        """A usage example the user owns (a client has nothing to implement)."""
        return render_file(__name__, "example.rs.j2", example_view(package), path=path,
                           target="", syntax="rust", owner="user")


TARGET = RustClientTarget()
