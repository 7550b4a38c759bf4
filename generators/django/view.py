"""View model of `django_app.py`: the plan's routes, as data."""

from __future__ import annotations

from mizan_lang.gen.python.layout import INDENT, lay_out, string, tuple_of
from mizan_lang.plan import Plan

# Handlers this target serves so far: the same set as the FastAPI target,
# so that both answer every request alike (unserved routes are unknown paths).
SERVED = frozenset({"session", "call", "manifest", "ir", "bundle"})


def app_view(plan: Plan) -> dict[str, object]:
    rows = []
    for route in plan.routes:
        if route.handler not in SERVED:
            continue
        subject = string(route.subject) if route.subject is not None else "None"
        items = [string(route.method), string(route.path), string(route.handler), subject]
        rows += lay_out(tuple_of(items), INDENT, suffix=",")
    return {"routes": rows}
