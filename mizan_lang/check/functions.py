"""Functions: kind (query or mutation), `affects` targets, WebSocket rules.

Kind is inferred: `context=` makes a query member, `affects` a mutation,
neither a standalone query; `kind=` may say it when there is nothing to infer
from, and must agree when there is.
"""

from __future__ import annotations

from ..decls import FunctionDecl
from ..diagnostics import Related
from .state import CheckState
from .suggest import closest, fix, hint

KINDS = ("query", "mutation")


def check_functions(state: CheckState) -> None:
    kinds = state.merged("functions")
    for unit, summary, fresh in state.file_pass("functions", _file_functions):
        if fresh:
            state.contribute(kinds, unit, summary)
    state.function_kinds = kinds.sorted()


def _file_functions(state: CheckState, path: str, decls) -> dict[str, str]:
    """Check one file's functions; return the kinds of those declared first."""
    found = {}
    for fn in decls.functions:
        kind = state.memo("functions", fn, _function, state, path, fn)
        if kind is not None:
            found[fn.name.text] = kind
    return found


def _function(state: CheckState, path: str, fn: FunctionDecl) -> str | None:
    """Check one function; its kind when it is the first of its name."""
    kind = _kind(state, path, fn)
    _check_affects(state, path, fn)
    _check_websocket(state, path, fn)
    return kind if state.decl("function", fn.name.text) is fn else None


def _kind(state: CheckState, path: str, fn: FunctionDecl) -> str:
    inferred = "query" if fn.context is not None else "mutation" if fn.affects else None
    if fn.kind is None:
        return inferred or "query"
    written = fn.kind.text
    if written not in KINDS:
        suggestion = closest(written, KINDS)
        state.report("M312", path, fn.kind.span, data=fix(suggestion),
                     value=written, hint=hint(suggestion))
        return inferred or "query"
    if inferred is not None and written != inferred:
        reason = ("it is a member of a context (members are queries)" if fn.context is not None
                  else "it affects contexts (that makes it a mutation)")
        state.report("M311", path, fn.kind.span, fn=fn.name.text, kind=written, reason=reason)
        return inferred
    return written


def _check_affects(state: CheckState, path: str, fn: FunctionDecl) -> None:
    seen: dict[str, object] = {}
    for affect in fn.affects:
        name = affect.context.text
        if name in seen:
            state.report("M310", path, affect.context.span, name=name,
                         related=[Related(path, seen[name], "first listed here")])
            continue
        seen[name] = affect.context.span
        if state.lookup("context", name) is None:
            report_unknown_context(state, path, affect.context)


def report_unknown_context(state: CheckState, path: str, name) -> None:
    suggestion = state.suggest("context", name.text)
    state.report("M301", path, name.span, data=fix(suggestion), name=name.text,
                 hint=hint(suggestion))


def _check_websocket(state: CheckState, path: str, fn: FunctionDecl) -> None:
    if fn.websocket is None or fn.websocket.value is not True:
        return
    state.types_of("function", fn.name.text)
    for param in fn.params:
        resolved = state.type_of(path, param.type)
        if resolved is not None and resolved.kind == "upload":
            state.report("M330", path, param.type.span, fn=fn.name.text, param=param.name.text)
