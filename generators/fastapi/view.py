"""View model of `fastapi_app.py`: the plan's routes, as data."""

from __future__ import annotations

from mizan_lang.gen.python.layout import INDENT, lay_out, string, tuple_of
from mizan_lang.plan import Plan


def app_view(plan: Plan) -> dict[str, object]:
    rows = []
    for route in plan.routes:
        if route.method == "WS":
            continue  # the WebSocket route is mounted on its own
        subject = string(route.subject) if route.subject is not None else "None"
        items = [string(route.method), string(route.path), string(route.handler), subject]
        rows += lay_out(tuple_of(items), INDENT, suffix=",")
    return {"routes": rows, "websocket": plan.has_websocket}
