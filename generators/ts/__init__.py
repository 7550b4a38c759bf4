"""The TypeScript client targets: `ts`, and `react`, `vue`, `svelte`.

Every target writes the framework-free client (header label `ts`: the same
bytes whichever target writes them, so several can share one folder). The
protocol runtime is the package `@mizan-lang/runtime` (runtimes/ts/), which
they import from `@mizan-lang/runtime/client`: the folder holds only code
derived from the spec.

- `spec.ts`: the client table the runtime interprets (with the range of
  runtime versions it needs, checked by `createRuntime`);
- `types.ts`: the spec's types, and per function, context and form the
  types of its arguments, keys, bundle and values;
- `client.ts`: `createClient(options)`, typed from types.ts;
- `index.ts`: the re-exports.

A framework target adds its binding, `<framework>.ts` (header label: the
framework), from `templates/<framework>.ts.j2` and the view of `bindings.py`.
A client has no implementation for the user to write, so `scaffold` writes
a short usage example instead (`example.ts`).
"""

from __future__ import annotations

from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.templates import render_file
from mizan_lang.plan import Plan

from . import view
from .bindings import FRAMEWORKS, binding_view
from .example import example_view

LABEL = "ts"
SYNTAX = "typescript"


def common_files(plan: Plan) -> list[GeneratedFile]:
    files = [
        _render("spec.ts", view.spec_view(plan)),
        _render("types.ts", view.types_view(plan)),
        _render("client.ts", view.client_view(plan)),
        _render("index.ts", view.index_view(plan)),
    ]
    return sorted(files, key=lambda f: f.path)


def _render(path: str, data: object) -> GeneratedFile:
    return render_file(__name__, f"{path}.j2", data, path=path, target=LABEL, syntax=SYNTAX)


class ClientTarget:
    """`ts` (framework None) or a framework binding on top of it."""

    def __init__(self, framework: str | None) -> None:
        self.framework = framework
        self.name = framework or LABEL
        self.labels: tuple[str, ...] = (framework, LABEL) if framework else (LABEL,)
        self.description = (f"TypeScript client with {framework.capitalize()} bindings"
                            if framework else "TypeScript client (framework-free)")

    def generate(self, plan: Plan) -> list[GeneratedFile]:
        files = common_files(plan)
        if self.framework is not None:
            files.append(render_file(__name__, f"{self.framework}.ts.j2",
                                     binding_view(plan, self.framework),
                                     path=f"{self.framework}.ts", target=self.framework,
                                     syntax=SYNTAX))
        return sorted(files, key=lambda f: f.path)

    def scaffold(self, plan: Plan, *, package: str, path: str) -> GeneratedFile:
        """A usage example the user owns (a client has nothing to implement).
        `package` is the import path of the generated folder (`./api`)."""
        return render_file(__name__, "example.ts.j2", example_view(plan, package),
                           path=path, target="", syntax=SYNTAX, owner="user")


TARGET = ClientTarget(None)
TARGETS = {framework: ClientTarget(framework) for framework in FRAMEWORKS}
