"""Words about declarations, shared by completion details and hovers.

Also the few reverse tables both need (members of each context, scopings by
mutation and by context), built once per CheckResult and kept until the next
analysis replaces it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..check.result import CheckResult, Scoping
from ..decls import ContextDecl, FunctionDecl, Guard, Literal, Param, TypeRef


def type_text(ref: TypeRef | None) -> str:
    """A type as canonically spelled (no spaces); as written when malformed."""
    if ref is None:
        return ""
    return ref.expr.text() if ref.expr is not None else ref.text


def literal_text(literal: Literal) -> str:
    """A default or option value as written."""
    if literal.raw:
        return literal.raw
    value = literal.value
    if isinstance(value, bool):
        return "#true" if value else "#false"
    return "#null" if value is None else str(value)


def param_text(param: Param) -> str:
    text = f"{param.name.text}: {type_text(param.type)}"
    if param.default is not None:
        text += f" = {literal_text(param.default)}"
    return text


def signature(fn: FunctionDecl) -> str:
    params = ", ".join(param_text(p) for p in fn.params)
    returns = type_text(fn.returns) if fn.returns is not None else "nothing"
    return f"fn {fn.name.text}({params}) -> {returns}"


def guard_text(guard: Guard) -> str:
    claim = guard.claim.text if guard.claim is not None else "?"
    if guard.value is not None:
        return f"claim {claim} = {literal_text(guard.value)}"
    return f"claim {claim} is truthy"


def keys_text(ctx: ContextDecl) -> str:
    if not ctx.params:
        return "no keys"
    return ", ".join(f"{p.name.text} {type_text(p.type)}" for p in ctx.params)


def bindings_text(bindings: dict[str, str]) -> str:
    return ", ".join(f"{key} <- {param}" for key, param in bindings.items())


def scoping_text(scoping: Scoping) -> str:
    """`exact (order_id <- order_id)`; `global` when nothing is bound."""
    if scoping.bindings:
        return f"{scoping.tier} ({bindings_text(scoping.bindings)})"
    return scoping.tier


def shown_path(path: str, base: str) -> str:
    """`path` relative to the folder of the file `base` (POSIX spelling)."""
    try:
        return os.path.relpath(path, os.path.dirname(base)).replace(os.sep, "/")
    except ValueError:
        return path


# --- inferred tier of a mutation that is still being written --------------------
def _fits(param: str, key: str) -> bool:
    """The checker's assignability, on type spellings (enough for a preview)."""
    param, key = param.replace(" ", ""), key.replace(" ", "")
    if param == key:
        return True
    if param.endswith("?") and not key.endswith("?"):
        return False
    base_param, base_key = param.rstrip("?"), key.rstrip("?")
    return base_param == base_key or (base_param, base_key) == ("int", "int64")


def preview_bindings(ctx: ContextDecl, params: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """(tier, key -> param) if a mutation with `params` (name, type) affected `ctx`."""
    given = dict(reversed(params))  # the first of a repeated name counts
    bound = {}
    for key in ctx.params:
        ptype = given.get(key.name.text)
        if ptype is not None and _fits(ptype, type_text(key.type)):
            bound[key.name.text] = key.name.text
    if len(bound) == len(ctx.params):
        return "exact", bound
    return ("partial" if bound else "global"), bound


# --- reverse tables ---------------------------------------------------------------
@dataclass(slots=True)
class Tables:
    members: dict[str, list[str]] = field(default_factory=dict)  # context -> query members
    by_mutation: dict[str, list[Scoping]] = field(default_factory=dict)
    by_context: dict[str, list[Scoping]] = field(default_factory=dict)


_last: list[tuple[CheckResult, Tables]] = []


def tables(result: CheckResult) -> Tables:
    """The reverse tables of `result`, built on first use."""
    if _last and _last[0][0] is result:
        return _last[0][1]
    built = Tables()
    for name, symbol in result.symbols.get("function", {}).items():
        fn = symbol.decl
        if isinstance(fn, FunctionDecl) and fn.context is not None:
            built.members.setdefault(fn.context.text, []).append(name)
    for scoping in result.scopings:
        built.by_mutation.setdefault(scoping.mutation, []).append(scoping)
        built.by_context.setdefault(scoping.context, []).append(scoping)
    _last[:] = [(result, built)]
    return built
