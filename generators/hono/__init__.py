"""The TypeScript server target `hono`: a Hono app on the runtime package.

Every file is spec-derived; the protocol itself is `@mizan-lang/runtime/server`
(runtimes/ts), which the files import:

- `types.ts`: the spec's types (the same view as the clients' types.ts);
- `spec.ts`: the server table, the manifest's contexts and the IR text,
  plus the range of runtime versions the code needs;
- `service.ts`: the `Service` interface, one method per function (caller
  first, then the typed arguments; a value or a promise);
- `registry.ts`: the function names and `bind(service)`, which calls each
  method with its decoded arguments;
- `app.ts`: `createMizanApp(service, config)`, a Hono app with the routes
  of the plan, mountable under any prefix with `app.route()`;
- `index.ts`: the re-exports;
- `shapes.ts` (when the spec has models): the tables as Kysely's `Database`
  type and each shape's loader (`loadBookCard(db, refine)`), which selects
  only the columns and relations the shape declares.

`scaffold` writes the implementation module once (`impl.ts`).
"""

from __future__ import annotations

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from ..ts.view import RUNTIME_PACKAGE, types_view
from . import view
from .shapes_view import shapes_view

LABEL = "hono"
SYNTAX = "typescript"


def _render(path: str, data: object) -> GeneratedFile:
    return render_file(__name__, f"{path}.j2", data, path=path, target=LABEL, syntax=SYNTAX)


class HonoTarget:
    name = LABEL
    labels: tuple[str, ...] = (LABEL,)
    description = "TypeScript server on Hono (Node.js, Bun, Deno, edge runtimes)"

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        files = [
            render_file("mizan_lang.generators.ts", "types.ts.j2",
                        types_view(plan, RUNTIME_PACKAGE), path="types.ts", target=LABEL,
                        syntax=SYNTAX),
            _render("spec.ts", view.spec_view(plan)),
            _render("service.ts", view.service_view(plan)),
            _render("registry.ts", view.registry_view(plan)),
            _render("app.ts", view.app_view(plan)),
            _render("index.ts", {}),
        ]
        if plan.ir.models:
            files.append(_render("shapes.ts", shapes_view(plan)))
        return sorted(files, key=lambda f: f.path)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        """The implementation module the user owns; `package` is the generated
        folder as a dotted path next to it (`api` for ./api/)."""
        return render_file(__name__, "impl.ts.j2", view.impl_view(plan, package), path=path,
                           target="", syntax=SYNTAX, owner="user")


TARGET = HonoTarget()
