"""The edge manifest: what an edge (CDN, proxy) needs to cache context bundles."""

from __future__ import annotations

from typing import Any

from ..ir import model as ir
from . import mwt
from .invalidation import HEADER as INVALIDATE_HEADER

PROTOCOL_VERSION = 1
DEFAULT_PREFIX = "/api/mizan/"


def manifest(workspace: ir.Workspace, prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """Deterministic: contexts keyed by name, lists sorted or in declared (key) order."""
    return {
        "contexts": {ctx.name: _context(ctx, prefix) for ctx in workspace.contexts},
        "identity": {"cookie": mwt.COOKIE, "header": mwt.HEADER, "ttl": mwt.TTL},
        "invalidation_header": INVALIDATE_HEADER,
        "prefix": prefix,
        "protocol": PROTOCOL_VERSION,
    }


def _context(ctx: ir.Context, prefix: str) -> dict[str, Any]:
    return {
        "affected_by": list(ctx.affected_by),
        "auth": ctx.auth,
        "cache": {"ttl": ctx.cache.ttl, "vary": ctx.cache.vary},
        "members": list(ctx.members),
        "params": [{"name": p.name, "type": ir.type_text(p.type)} for p in ctx.params],
        "path": f"{prefix}ctx/{ctx.name}/",
        "render_strategy": ctx.render,
    }
