"""The routes of a generated server, relative to its prefix.

Fixed endpoints first (the auth ones when some level is not `public`),
then one bundle route per context, one SSR route per server-rendered
context and three routes per form, each group sorted by name: the order a
target registers them in.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..ir import model as ir
from .model import Context, Route

# Contexts rendered through the SSR bridge (`render/<context>/`): every
# render strategy but client-side rendering.
SERVER_RENDERED = frozenset({"ssr", "psr", "static"})


def build_routes(contexts: Sequence[Context], forms: Sequence[ir.Form], *,
                 websocket: bool, auth: bool = False) -> tuple[Route, ...]:
    routes = [
        Route("session", "GET", "session/", "session"),
        Route("call", "POST", "call/", "call"),
        Route("manifest", "GET", "manifest/", "manifest"),
        Route("ir", "GET", "ir/", "ir"),
    ]
    if websocket:
        routes.append(Route("ws", "WS", "ws/", "ws"))
    if auth:  # the auth endpoints exist when some level is not `public`
        routes += [Route(f"auth.{name}", "POST", f"auth/{name}/", f"auth_{name}")
                   for name in ("logout", "mwt", "refresh", "token")]
    for ctx in sorted(contexts, key=lambda c: c.name):
        routes.append(Route(f"ctx.{ctx.name}", "GET", f"ctx/{ctx.name}/", "bundle", ctx.name))
    for ctx in sorted(contexts, key=lambda c: c.name):
        if ctx.render in SERVER_RENDERED:
            routes.append(Route(f"render.{ctx.name}", "GET", f"render/{ctx.name}/", "render",
                                ctx.name))
    for form in sorted(forms, key=lambda f: f.name):
        base = f"form/{form.name}/"
        routes += [
            Route(f"form.{form.name}.schema", "GET", base, "form_schema", form.name),
            Route(f"form.{form.name}.validate", "POST", base + "validate/", "form_validate",
                  form.name),
            Route(f"form.{form.name}.submit", "POST", base + "submit/", "form_submit", form.name),
        ]
    return tuple(routes)
