"""The view of `scaffold` for client targets: a usage example the user owns."""

from __future__ import annotations

from mizan_lang.gen import ts_format as ts
from mizan_lang.plan import Plan

from .view import RUNTIME_MODULE


def _call(head: str, params: list[str]) -> str:
    return f"{head}({{ {', '.join(params)} }})" if params else f"{head}()"


def example_view(plan: Plan, package: str) -> dict[str, object]:
    """`package` is the generated folder, as a dotted path (`web.api` for
    ./web/api/) next to the example."""
    folder = "./" + "/".join(package.split("."))
    calls = [_call(f"await client.functions.{fn.name}", [p.name for p in fn.params])
             for fn in plan.functions]
    fetches = [_call(f"await client.contexts.{ctx.name}.fetch", [k.name for k in ctx.keys])
               for ctx in plan.contexts]
    return {
        "client_module": ts.string(f"{folder}/client.js"),
        "runtime_module": ts.string(RUNTIME_MODULE),
        "calls": calls,
        "fetches": fetches,
        "forms": [form.name for form in plan.ir.forms],
    }
