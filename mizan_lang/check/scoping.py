"""Invalidation scoping: which instances of a context a mutation invalidates.

Per (mutation, affected context), a context key is *bound* when the mutation
supplies its value: by a param of the same name and an assignable type, or
by an explicit `by=` binding. All keys bound: exact (one instance); some:
partial (every instance agreeing on the bound keys); none: global. A
context without keys has one instance, so any mutation hits it exactly.
`scope=` forces a tier, and is an error when the bindings contradict it.
"""

from __future__ import annotations

from ..decls import Affect, ContextDecl, FunctionDecl, KeyBinding
from .result import Scoping
from .rtypes import assignable
from .state import CheckState
from .suggest import closest, fix, hint

TIERS = ("exact", "partial", "global")


def compute_scopings(state: CheckState) -> None:
    table = state.merged("scopings")
    for unit, summary, fresh in state.file_pass("scopings", _file_scopings):
        if fresh:
            state.contribute(table, unit, summary)
    state.scopings = list(table.sorted().values())


def _file_scopings(state: CheckState, path: str, decls) -> dict[tuple[str, str], Scoping]:
    """Scope one file's mutations; return the scopings of those declared first."""
    found = {}
    for fn in decls.functions:
        if fn.context is not None or not fn.affects:
            continue  # members may not affect (reported by the contexts pass)
        for scoping in state.memo("scope", fn, _mutation, state, path, fn):
            found[(scoping.mutation, scoping.context)] = scoping
    return found


def _mutation(state: CheckState, path: str, fn: FunctionDecl) -> list[Scoping]:
    found = []
    seen: set[str] = set()
    state.types_of("function", fn.name.text)
    for affect in fn.affects:
        ctx_symbol = state.lookup("context", affect.context.text)
        if ctx_symbol is None or affect.context.text in seen:
            continue
        seen.add(affect.context.text)
        state.types_of("context", affect.context.text)
        scoping = _scope(state, path, fn, affect, ctx_symbol.path, ctx_symbol.decl)
        found.append(scoping)
    return found if state.decl("function", fn.name.text) is fn else []


def _scope(state: CheckState, path: str, fn: FunctionDecl, affect: Affect, ctx_path: str,
           ctx: ContextDecl) -> Scoping:
    if affect.by is not None:
        bindings = _explicit(state, path, fn, affect.by, ctx_path, ctx)
    else:
        bindings = _inferred(state, path, fn, ctx_path, ctx)
    keys = [key.name.text for key in ctx.params]
    tier = _tier(len(bindings), len(keys))
    if affect.scope is not None:
        tier, bindings = _forced(state, path, affect, ctx, keys, tier, bindings)
    return Scoping(mutation=fn.name.text, context=ctx.name.text, tier=tier,
                   bindings=dict(sorted(bindings.items())),
                   explicit=affect.by is not None or affect.scope is not None)


def _tier(bound: int, keys: int) -> str:
    if bound == keys:
        return "exact"
    return "partial" if bound else "global"


def _first_params(fn: FunctionDecl) -> dict:
    params = {}
    for param in fn.params:
        params.setdefault(param.name.text, param)
    return params


def _inferred(state: CheckState, path: str, fn: FunctionDecl, ctx_path: str,
              ctx: ContextDecl) -> dict[str, str]:
    params = _first_params(fn)
    bindings: dict[str, str] = {}
    for key in ctx.params:
        param = params.get(key.name.text)
        if param is None:
            continue
        param_type = state.type_of(path, param.type)
        key_type = state.type_of(ctx_path, key.type)
        if param_type is None or key_type is None:
            continue  # unresolved: already reported
        if assignable(param_type, key_type):
            bindings[key.name.text] = param.name.text
        else:
            state.report("M318", path, param.type.span, param=param.name.text,
                         ptype=param_type.text, key=key.name.text, ktype=key_type.text,
                         context=ctx.name.text)
    return bindings


def _explicit(state: CheckState, path: str, fn: FunctionDecl, by: list[KeyBinding],
              ctx_path: str, ctx: ContextDecl) -> dict[str, str]:
    keys = {}
    for key in ctx.params:
        keys.setdefault(key.name.text, key)
    params = _first_params(fn)
    bindings: dict[str, str] = {}
    for binding in by:
        key_name = binding.key.text if binding.key is not None else ""
        if not key_name:  # `by=param` names no key: only for single-key contexts
            if len(keys) != 1:
                state.report("M320", path, binding.param.span, param=binding.param.text,
                             context=ctx.name.text, count=len(keys))
                continue
            key_name = next(iter(keys))
            key_span = binding.param.span
        else:
            key_span = binding.key.span
            if key_name not in keys:
                suggestion = closest(key_name, keys)
                state.report("M313", path, key_span, data=fix(suggestion), key=key_name,
                             context=ctx.name.text, hint=hint(suggestion))
                continue
        if key_name in bindings:
            state.report("M319", path, key_span, key=key_name)
            continue
        param = params.get(binding.param.text)
        if param is None:
            suggestion = closest(binding.param.text, params)
            state.report("M314", path, binding.param.span, data=fix(suggestion),
                         fn=fn.name.text, param=binding.param.text, hint=hint(suggestion))
            continue
        param_type = state.type_of(path, param.type)
        key_type = state.type_of(ctx_path, keys[key_name].type)
        if param_type is not None and key_type is not None and not assignable(param_type,
                                                                              key_type):
            state.report("M315", path, binding.param.span, param=param.name.text,
                         ptype=param_type.text, key=key_name, ktype=key_type.text)
            continue
        bindings[key_name] = param.name.text
    return bindings


def _forced(state: CheckState, path: str, affect: Affect, ctx: ContextDecl, keys: list[str],
            tier: str, bindings: dict[str, str]) -> tuple[str, dict[str, str]]:
    forced = affect.scope.text
    span = affect.scope.span
    if forced not in TIERS:
        suggestion = closest(forced, TIERS)
        state.report("M317", path, span, data=fix(suggestion), value=forced,
                     hint=hint(suggestion))
        return tier, bindings
    name = ctx.name.text
    if forced == "global":
        if affect.by:
            state.report("M316", path, span, detail="scope=global ignores the by= bindings; "
                         "remove one of them")
        return "global", {}
    if forced == "exact" and tier != "exact":
        missing = ", ".join(key for key in keys if key not in bindings)
        state.report("M316", path, span, detail=f"scope=exact needs every key of context "
                     f"'{name}' bound, but {missing} {'is' if ',' not in missing else 'are'} not")
    if forced == "partial" and tier != "partial":
        if not keys:
            detail = f"scope=partial needs keys, but context '{name}' has none"
        elif tier == "global":
            detail = f"scope=partial needs at least one key of context '{name}' bound; none is"
        else:
            detail = (f"scope=partial, but every key of context '{name}' is bound (that is "
                      "exact); choose the keys to match with by=")
        state.report("M316", path, span, detail=detail)
    return tier, bindings
