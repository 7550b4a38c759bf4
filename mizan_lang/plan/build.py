"""Build the plan from the IR: the protocol decisions, made once."""

from __future__ import annotations

from ..ir import model as ir
from ..ir import to_kdl
from ..protocol.canonical import canonical_json
from ..protocol.manifest import manifest as edge_manifest
from . import model as plan
from .routes import build_routes
from .tables import build_tables


def build_plan(workspace: ir.Workspace) -> plan.Plan:
    guards = {guard.name: guard for guard in workspace.auth.guards}
    contexts = {ctx.name: ctx for ctx in workspace.contexts}
    functions = tuple(_function(fn, contexts, guards)
                      for fn in sorted(workspace.functions, key=lambda f: f.name))
    ctx_plans = tuple(_context(ctx, guards) for ctx in sorted(contexts.values(),
                                                               key=lambda c: c.name))
    auth = plan.AuthTable(
        jwt=workspace.auth.jwt,
        guards=tuple(_guard(guard) for guard in sorted(guards.values(), key=lambda g: g.name)),
        default=workspace.auth.default,
        used=any(item.auth.kind != "public" for item in (*functions, *ctx_plans)),
    )
    # The protocol module owns the manifest's shape (docs/protocol.md); a
    # server mounted under another prefix rewrites `prefix` and the paths.
    manifest = edge_manifest(workspace)
    return plan.Plan(
        protocol=plan.PROTOCOL_VERSION,
        spec_version=workspace.version,
        routes=build_routes(ctx_plans, workspace.forms,
                            websocket=any(f.websocket for f in functions), auth=auth.used),
        functions=functions,
        contexts=ctx_plans,
        auth=auth,
        manifest=manifest,
        manifest_json=canonical_json(manifest),
        tables=build_tables(workspace, functions, ctx_plans, auth),
        ir_kdl=to_kdl(workspace),
        ir=workspace,
    )


def _guard(guard: ir.Guard) -> plan.Guard:
    # The IR writes "no value" as None; a guard cannot require a null claim.
    return plan.Guard(name=guard.name, claim=guard.claim, value=guard.value,
                      has_value=guard.value is not None)


def auth_rule(level: str, guards: dict[str, ir.Guard]) -> plan.AuthRule:
    if level in ("public", "user"):
        return plan.AuthRule(kind=level, level=level)  # type: ignore[arg-type]
    guard = guards[level]  # the checker resolved every level
    return plan.AuthRule(kind="guard", level=level, claim=guard.claim, value=guard.value,
                         has_value=guard.value is not None)


def _param(param: ir.Param, source: plan.ParamSource) -> plan.Param:
    upload = None
    if isinstance(param.type, ir.UploadType):
        source = "file"
        upload = plan.Upload(max_size=param.max_size, content_types=tuple(param.content_types))
    return plan.Param(name=param.name, type=param.type, type_text=ir.type_text(param.type),
                      source=source,
                      required=param.default is None and not isinstance(param.type,
                                                                        ir.NullableType),
                      default=param.default,
                      upload=upload, doc=param.doc)


def _function(fn: ir.Function, contexts: dict[str, ir.Context],
              guards: dict[str, ir.Guard]) -> plan.Function:
    params = tuple(_param(p, "json") for p in fn.params)
    return plan.Function(
        name=fn.name,
        kind=fn.kind,
        params=params,
        returns=fn.returns,
        returns_text=ir.type_text(fn.returns) if fn.returns is not None else None,
        context=fn.context,
        auth=auth_rule(fn.auth, guards),
        websocket=fn.websocket,
        multipart=any(p.upload is not None for p in params),
        invalidates=tuple(_invalidation(inv, contexts[inv.context])
                          for inv in sorted(fn.invalidates, key=lambda i: i.context)),
        doc=fn.doc,
    )


def _invalidation(inv: ir.Invalidation, ctx: ir.Context) -> plan.Invalidation:
    key_types = {key.name: key.type for key in ctx.params}
    bindings = tuple(plan.Binding(key=key, param=param, key_type=key_types[key])
                     for key, param in sorted(inv.bindings.items()))
    return plan.Invalidation(context=inv.context, tier=inv.tier, bindings=bindings)


def _context(ctx: ir.Context, guards: dict[str, ir.Guard]) -> plan.Context:
    keys = tuple(_param(p, "query") for p in ctx.params)
    key_names = tuple(key.name for key in keys)
    # Every member takes every key under the key's name (checked), so the key
    # args of a member are the context's keys.
    members = tuple(plan.Member(function=name, key_args=key_names) for name in sorted(ctx.members))
    return plan.Context(
        name=ctx.name,
        keys=keys,
        members=members,
        cache=plan.CachePolicy(ttl=ctx.cache.ttl, vary=ctx.cache.vary),
        render=ctx.render,
        auth=auth_rule(ctx.auth, guards),
        affected_by=tuple(sorted(ctx.affected_by)),
        doc=ctx.doc,
    )
