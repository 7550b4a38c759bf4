"""View model of `django_app.py`: the plan's routes, as data."""

from __future__ import annotations

from mizan_lang.gen.python.layout import INDENT, lay_out, string, tuple_of
from mizan_lang.plan import Plan

# The WebSocket route is served by Channels (`asgi_application`), not by a view.
NOT_VIEWS = frozenset({"ws"})


def app_view(plan: Plan) -> dict[str, object]:
    rows = []
    for route in plan.routes:
        if route.handler in NOT_VIEWS:
            continue
        subject = string(route.subject) if route.subject is not None else "None"
        items = [string(route.method), string(route.path), string(route.handler), subject]
        rows += lay_out(tuple_of(items), INDENT, suffix=",")
    websocket = next((r.path for r in plan.routes if r.handler in NOT_VIEWS), None)
    return {"routes": rows, "websocket": "None" if websocket is None else string(websocket)}


def apps_view(plan: Plan) -> dict[str, object]:
    """`apps.py`: its `ready` imports the Django models when the spec has any."""
    if plan.ir.models:
        return {"ready": [f"{INDENT * 2}from . import django_models  # noqa: F401"]}
    return {"ready": []}  # the docstring is the whole body
