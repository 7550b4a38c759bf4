"""Contexts: cache and render settings, and what membership requires.

A context is keyed by its params. A bundle fetch calls every member with the
key values only, so each member must take every key with the same type, and
any other param it has must be optional. Members are queries.
"""

from __future__ import annotations

from ..decls import ContextDecl, FunctionDecl
from ..diagnostics import Related
from .auth import is_int
from .functions import report_unknown_context
from .state import CheckState
from .suggest import closest, fix, hint

VARY = ("identity", "public")
RENDER = ("csr", "ssr", "psr", "static")


def check_contexts(state: CheckState) -> None:
    facts = state.cache.facts
    members: dict[str, dict[str, int]] = facts.setdefault("contexts:members", {})
    counts: dict[str, int] = facts.setdefault("contexts:counts", {})
    for unit, summary, fresh in state.file_pass("contexts:members", _file_members):
        if fresh and members.get(unit) != summary:
            _count(state, counts, members.pop(unit, {}), -1)
            _count(state, counts, summary, 1)
            members[unit] = summary
    if len(members) > len(state.units):  # every unit walked has an entry: some left
        alive = {unit for unit, _, _ in state.units}
        for unit in [unit for unit in members if unit not in alive]:
            _count(state, counts, members.pop(unit), -1)
    for _ in state.file_pass("contexts", _file_contexts):
        pass


def _count(state: CheckState, counts: dict[str, int], summary: dict[str, int], sign: int) -> None:
    """Add (or take away) one unit's members per context; a context that gains
    its first member or loses its last one changes ("members", name)."""
    for name, count in summary.items():
        before = counts.get(name, 0)
        after = before + sign * count
        if after:
            counts[name] = after
        else:
            counts.pop(name, None)
        if (before > 0) != (after > 0):
            state.changed.add(("members", name))


def _file_members(state: CheckState, path: str, decls) -> dict[str, int]:
    """Check one file's query members; return how many each context has here."""
    found: dict[str, int] = {}
    for fn in decls.functions:
        if fn.context is None:
            continue
        name = state.memo("member", fn, _member, state, path, fn)
        if name is not None:
            found[name] = found.get(name, 0) + 1
    return found


def _member(state: CheckState, path: str, fn: FunctionDecl) -> str | None:
    ctx = state.decl("context", fn.context.text)
    if ctx is None:
        report_unknown_context(state, path, fn.context)
        return None
    ctx_path = state.lookup("context", ctx.name.text).path
    state.types_of("context", ctx.name.text)
    state.types_of("function", fn.name.text)
    _check_member(state, path, fn, ctx, ctx_path)
    return ctx.name.text


def _file_contexts(state: CheckState, path: str, decls) -> None:
    for ctx in decls.contexts:
        state.memo("context", ctx, _context, state, path, ctx)


def _context(state: CheckState, path: str, ctx: ContextDecl) -> None:
    _check_settings(state, path, ctx)
    _check_keys(state, path, ctx)
    if state.decl("context", ctx.name.text) is ctx:
        state.depend(("members", ctx.name.text))
        if not state.cache.facts["contexts:counts"].get(ctx.name.text):
            state.report("M305", path, ctx.name.span, name=ctx.name.text)


def _choice(state: CheckState, path: str, name, choices: tuple[str, ...], code: str) -> None:
    if name is not None and name.text not in choices:
        suggestion = closest(name.text, choices)
        state.report(code, path, name.span, data=fix(suggestion), value=name.text,
                     hint=hint(suggestion))


def _check_settings(state: CheckState, path: str, ctx: ContextDecl) -> None:
    _choice(state, path, ctx.render, RENDER, "M308")
    cache = ctx.cache
    if cache is None:
        return
    if cache.ttl is not None and not (is_int(cache.ttl.value) and cache.ttl.value >= 0):
        state.report("M306", path, cache.ttl.span, value=cache.ttl.raw or str(cache.ttl.value))
    _choice(state, path, cache.vary, VARY, "M307")
    state.depend(("ctx-level", ctx.name.text))
    level = state.effective_auth.get(f"ctx:{ctx.name.text}", "public")
    is_first = state.decl("context", ctx.name.text) is ctx
    if cache.vary is not None and cache.vary.text == "public" and is_first and level != "public":
        state.report("M309", path, cache.vary.span, context=ctx.name.text, auth=level)


def _check_keys(state: CheckState, path: str, ctx: ContextDecl) -> None:
    state.types_of("context", ctx.name.text)
    for param in ctx.params:
        resolved = state.type_of(path, param.type)
        # Upload keys are reported by the types pass already.
        if resolved is not None and resolved.kind != "upload" and not resolved.base.is_scalar:
            state.report("M332", path, param.type.span, name=param.name.text,
                         type=resolved.text)


def _check_member(state: CheckState, path: str, fn: FunctionDecl, ctx: ContextDecl,
                  ctx_path: str) -> None:
    params = {}
    for param in fn.params:
        params.setdefault(param.name.text, param)
    for key in ctx.params:
        param = params.get(key.name.text)
        key_type = state.type_of(ctx_path, key.type)
        if param is None:
            type_text = key_type.text if key_type else key.type.text
            # Quick fix: the param line to add to the member (`param <key> <type>`).
            state.report("M302", path, fn.context.span, fn=fn.name.text, context=ctx.name.text,
                         related=[Related(ctx_path, key.name.span, "key param declared here")],
                         data={"param": key.name.text, "type": type_text},
                         key=key.name.text, type=type_text)
            continue
        param_type = state.type_of(path, param.type)
        if key_type is not None and param_type is not None and (
                key_type is not param_type and key_type != param_type):
            state.report("M303", path, param.type.span, name=param.name.text,
                         actual=param_type.text, expected=key_type.text, context=ctx.name.text)
    keys = {key.name.text for key in ctx.params}
    for param in fn.params:
        if param.name.text in keys or param.default is not None:
            continue
        resolved = state.type_of(path, param.type)
        if resolved is not None and not resolved.nullable:
            state.report("M333", path, param.name.span, fn=fn.name.text, name=param.name.text,
                         context=ctx.name.text)
    for affect in fn.affects:
        state.report("M304", path, affect.context.span, fn=fn.name.text, context=ctx.name.text)
