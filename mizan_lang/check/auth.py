"""Auth: the `auth { }` blocks, `auth=` references and the effective auth table.

Effective auth of a function: its own `auth=`, else its context's `auth=`,
else the workspace `auth { default }`, else `public`. Levels are ordered
public < user < any guard; a query member may not ask for less than its
context, or a bundle fetch would hand the member's data to callers the
context turns away.
"""

from __future__ import annotations

from ..decls import AuthBlock, JwtSettings, Literal, Name
from ..diagnostics import Related
from .state import CheckState
from .suggest import closest, fix, hint

BUILTIN_LEVELS = ("public", "user")
JWT_ALGORITHMS = ("ES256", "HS256", "HS384", "HS512", "RS256")


def check_auth(state: CheckState) -> None:
    """Validate auth blocks and every `auth=`; fill `state.effective_auth`."""
    default = _check_blocks(state)
    _check_guards(state)
    facts = state.cache.facts
    if facts.get("auth:default", default) != default:
        state.changed.add(("auth-default",))
    facts["auth:default"] = default
    _fill_effective(state)


def _check_blocks(state: CheckState) -> str:
    first_jwt: tuple[str, JwtSettings] | None = None
    first_default: tuple[str, Name] | None = None
    default = "public"
    for path, block in state.each("auth"):
        block: AuthBlock
        if block.jwt is not None:
            _check_jwt(state, path, block.jwt)
            if first_jwt is None:
                first_jwt = (path, block.jwt)
            else:
                state.report("M325", path, block.jwt.span,
                             related=[Related(first_jwt[0], first_jwt[1].span, "first jwt block")])
        if block.default is not None:
            if first_default is None:
                first_default = (path, block.default)
                default = resolve_level(state, path, block.default) or "public"
            else:
                state.report("M326", path, block.default.span,
                             related=[Related(first_default[0], first_default[1].span,
                                             "first default")])
    return default


def _check_jwt(state: CheckState, path: str, jwt: JwtSettings) -> None:
    if jwt.algorithm is not None and jwt.algorithm.text not in JWT_ALGORITHMS:
        suggestion = closest(jwt.algorithm.text.upper(), JWT_ALGORITHMS)
        state.report("M327", path, jwt.algorithm.span, data=fix(suggestion),
                     name=jwt.algorithm.text, choices=", ".join(JWT_ALGORITHMS))
    access = _positive_seconds(state, path, "access-ttl", jwt.access_ttl)
    refresh = _positive_seconds(state, path, "refresh-ttl", jwt.refresh_ttl)
    if access is not None and refresh is not None and refresh <= access:
        state.report("M329", path, jwt.refresh_ttl.span, refresh=refresh, access=access)


def _positive_seconds(state: CheckState, path: str, key: str, value: Literal | None) -> int | None:
    if value is None:
        return None
    if is_int(value.value) and value.value > 0:
        return value.value
    state.report("M328", path, value.span, key=key, value=value.raw or str(value.value))
    return None


def _check_guards(state: CheckState) -> None:
    for path, guard in state.guards():
        if guard.name.text in BUILTIN_LEVELS:
            state.report("M331", path, guard.name.span, name=guard.name.text)
        if guard.claim is None or not guard.claim.text:
            state.report("M324", path, guard.name.span, name=guard.name.text)


def resolve_level(state: CheckState, path: str, name: Name) -> str | None:
    """The auth level `name` refers to, or None (reported) when unknown."""
    if name.text in BUILTIN_LEVELS or state.lookup("guard", name.text) is not None:
        return name.text
    suggestion = state.suggest("guard", name.text, BUILTIN_LEVELS)
    state.report("M321", path, name.span, data=fix(suggestion),
                 name=name.text, hint=hint(suggestion))
    return None


def rank(level: str) -> int:
    return BUILTIN_LEVELS.index(level) if level in BUILTIN_LEVELS else 2


def _fill_effective(state: CheckState) -> None:
    # Context name -> (its level as written or inherited, whether it is a
    # known level); an unknown guard stays as written: it was reported and
    # is not compared with members.
    levels = state.merged("auth:contexts", fact="ctx-level")
    effective = state.merged("auth:effective")  # "fn:<name>" and "ctx:<name>" -> level
    for unit, summary, fresh in state.file_pass("auth:contexts", _file_contexts):
        if fresh:
            state.contribute(levels, unit, summary)
            state.contribute(effective, ("ctx", unit),
                             {f"ctx:{name}": level for name, (level, _) in summary.items()})
    for unit, summary, fresh in state.file_pass("auth:functions", _file_functions):
        if fresh:
            state.contribute(effective, ("fn", unit), summary)
    state.effective_auth = effective.sorted()


def _file_contexts(state: CheckState, path: str, decls) -> dict[str, tuple[str, bool]]:
    found = {}
    for ctx in decls.contexts:
        level = state.memo("auth:context", ctx, _context_level, state, path, ctx)
        if level is not None:
            found[ctx.name.text] = level
    return found


def _context_level(state: CheckState, path: str, ctx) -> tuple[str, bool] | None:
    """(level, whether it is a known one) of a context declared first, else None."""
    if ctx.auth is not None:
        level = resolve_level(state, path, ctx.auth)
    else:
        state.depend(("auth-default",))
        level = state.cache.facts["auth:default"]
    if state.decl("context", ctx.name.text) is not ctx:
        return None
    return (level or ctx.auth.text, level is not None)


def _file_functions(state: CheckState, path: str, decls) -> dict[str, str]:
    found = {}
    for fn in decls.functions:
        level = state.memo("auth:function", fn, _function_level, state, path, fn)
        if level is not None:
            found[f"fn:{fn.name.text}"] = level
    return found


def _function_level(state: CheckState, path: str, fn) -> str | None:
    """Check a function's auth= against its context's; its effective level when it is
    the first declaration of its name."""
    own = resolve_level(state, path, fn.auth) if fn.auth is not None else None
    ctx_name = fn.context.text if fn.context is not None else None
    ctx_level = known = None
    if ctx_name is not None:
        state.depend(("ctx-level", ctx_name))
        ctx_level, known = state.cache.merged["auth:contexts"].items.get(ctx_name, (None, None))
    if own is not None and ctx_level is not None and known:
        _compare_member(state, path, fn, own, ctx_level)
    if state.decl("function", fn.name.text) is not fn:
        return None
    written = fn.auth.text if fn.auth is not None else None
    if not (own or written or ctx_level):
        state.depend(("auth-default",))
    return own or written or ctx_level or state.cache.facts["auth:default"]


def _compare_member(state: CheckState, path: str, fn, own: str, ctx_level: str) -> None:
    if rank(own) < rank(ctx_level):
        state.report("M322", path, fn.auth.span, fn=fn.name.text, auth=own,
                     context=fn.context.text, context_auth=ctx_level)
    elif rank(own) == 2 and rank(ctx_level) == 2 and own != ctx_level:
        state.report("M323", path, fn.auth.span, fn=fn.name.text, auth=own,
                     context=fn.context.text, context_auth=ctx_level)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
