"""The target-neutral plan: IR -> routes, invalidation tables, auth, cache.

`build_plan(workspace)` decides, once and in Python, everything about the
wire protocol that a server target would otherwise have to re-derive.
"""

from .build import build_plan
from .dump import plan_data, plan_json
from .model import Plan

__all__ = ["Plan", "build_plan", "plan_data", "plan_json"]
