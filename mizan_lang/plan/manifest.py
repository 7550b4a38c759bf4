"""The edge manifest: what an edge (CDN, SSR host) needs to serve bundles.

Exactly the body of `GET manifest/`, and the same bytes a target writes at
gen time. Per context: its bundle path, key params, who may read it, the
cache policy and the render strategy (PSR and friends); per mutation, the
contexts it invalidates, so an edge can purge without asking the origin.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .model import PROTOCOL_VERSION, Context, Function


def build_manifest(contexts: Sequence[Context], functions: Sequence[Function]) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "contexts": {ctx.name: _context(ctx) for ctx in contexts},
        "mutations": {fn.name: _mutation(fn) for fn in functions if fn.kind == "mutation"},
    }


def _context(ctx: Context) -> dict[str, Any]:
    return {
        "path": f"ctx/{ctx.name}/",
        "params": [key.name for key in ctx.keys],
        "auth": ctx.auth.level,
        "cache": {"ttl": ctx.cache.ttl, "vary": ctx.cache.vary},
        "render_strategy": ctx.render,
        "members": [member.function for member in ctx.members],
    }


def _mutation(fn: Function) -> dict[str, Any]:
    return {
        "invalidates": [
            {"context": inv.context, "tier": inv.tier,
             "bindings": {binding.key: binding.param for binding in inv.bindings}}
            for inv in fn.invalidates
        ],
    }


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the bytes every target serves."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
