"""View models of the framework bindings: react.ts, vue.ts and svelte.ts.

A binding file is mostly fixed code (templates/<framework>.ts.j2) plus one
small exported function per context (its bundle hook), per mutation and
per standalone query. Their types are written by name, through generic
aliases taking the spec name as a string literal (`BundleQuery<"user">`,
`CallMutation<"update_profile">`): the binding never re-derives the types
the `ts` target writes, and prettier never breaks a type argument that is a
lone literal, so only the parameter list and the return statement depend
on the names' lengths. Those two are laid out here with prettier's own
algorithm (mizan_lang.gen.ts_format), so the output is prettier-formatted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mizan_lang.gen import ts_format as ts
from mizan_lang.plan import Plan
from mizan_lang.plan import model as plan_model

FRAMEWORKS = ("react", "vue", "svelte")


@dataclass(frozen=True, slots=True)
class Shape:
    """How a framework spells one kind of hook: its parameters (`{}` is the
    quoted spec name), its return type and the helper its body calls."""

    params: tuple[tuple[str, str, bool], ...]  # (name, type, optional-when-args-may-be-left-out)
    returns: str
    helper: str
    args: tuple[str, ...]  # the helper's arguments after the quoted name


# Per framework: contexts, mutations, standalone queries.
SHAPES: dict[str, dict[str, Shape]] = {
    "react": {
        "context": Shape((("keys", "ContextKeys<{}>", True), ("options", "BundleQueryOptions<{}>", False)),
                         "BundleQuery<{}>", "useBundle", ("keys", "options")),
        "mutation": Shape((("options", "CallMutationOptions<{}>", False),),
                          "CallMutation<{}>", "useCall", ("options",)),
        "query": Shape((("args", "FunctionArgs<{}>", True), ("options", "CallQueryOptions<{}>", False)),
                       "CallQuery<{}>", "useCallQuery", ("args", "options")),
    },
    "vue": {
        "context": Shape((("keys", "KeysSource<{}>", True),), "BundleRefs<{}>", "useBundle",
                         ("keys",)),
        "mutation": Shape((), "CallRefs<{}>", "useCall", ()),
        "query": Shape((("args", "ArgsSource<{}>", True),), "QueryRefs<{}>", "useCallQuery",
                       ("args",)),
    },
    "svelte": {
        "context": Shape((("keys", "KeysSource<{}>", True), ("client", "Client", False)),
                         "BundleStore<{}>", "bundleStore", ("keys", "client")),
        "mutation": Shape((("client", "Client", False),), "CallStore<{}>", "callStore",
                          ("client",)),
        "query": Shape((("args", "ArgsSource<{}>", True), ("client", "Client", False)),
                       "QueryStore<{}>", "queryStore", ("args", "client")),
    },
}

# Svelte's stores take the client from the component context unless given.
DEFAULTS = {("svelte", "client"): "getMizanClient()"}


@dataclass(frozen=True, slots=True)
class Hook:
    name: str  # the exported function
    subject: str  # the context or function it serves
    doc: str  # one `/** ... */` line
    signature: str  # `export function name(...): Type {`, laid out
    body: str  # the `return helper(...);` statement, laid out at one indent


@dataclass(frozen=True, slots=True)
class BindingView:
    framework: str
    contexts: tuple[Hook, ...]
    mutations: tuple[Hook, ...]
    queries: tuple[Hook, ...]


def pascal(name: str) -> str:
    """`update_profile` -> `UpdateProfile` (the rest of each part kept as is)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _unique(wanted: Sequence[tuple[str, str]]) -> dict[str, str]:
    """(key, wanted name) pairs -> key: name; a name wanted twice (e.g.
    `a_b` and `aB`) gets a numeric suffix, in the given order."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    for key, name in wanted:
        chosen, number = name, 2
        while chosen in taken:
            chosen, number = f"{name}{number}", number + 1
        taken.add(chosen)
        names[key] = chosen
    return names


def _call(callee: str, args: Sequence[str]) -> ts.Doc:
    if not args:
        return f"{callee}()"
    parts: list[ts.Doc] = []
    for index, arg in enumerate(args):
        if index:
            parts += [",", ts.LINE]
        parts.append(arg)
    return ts.Group([callee, "(", ts.Indent([ts.SOFTLINE, *parts]), ts.IfBreak(","),
                     ts.SOFTLINE, ")"])


def signature(name: str, params: Sequence[str], returns: str) -> str:
    """`export function name(params): returns {` as prettier lays it out:
    on one line when it fits, else one parameter per line."""
    if params:
        parts: list[ts.Doc] = []
        for index, param in enumerate(params):
            if index:
                parts += [",", ts.LINE]
            parts.append(param)
        group: ts.Doc = ts.Group(["(", ts.Indent([ts.SOFTLINE, *parts]), ts.IfBreak(","),
                                  ts.SOFTLINE, ")"])
    else:
        group = "()"
    return ts.print_doc(ts.Group([f"export function {name}", group, f": {returns} {{"]))


def _hook(framework: str, kind: str, name: str, subject: str, args_optional: bool,
          doc: str) -> Hook:
    shape = SHAPES[framework][kind]
    quoted = ts.string(subject)
    params = []
    for param, type_text, may_be_optional in shape.params:
        default = DEFAULTS.get((framework, param))
        typed = type_text.format(quoted)
        if default is not None:
            params.append(f"{param}: {typed} = {default}")
        elif not may_be_optional or args_optional:
            params.append(f"{param}?: {typed}")
        else:
            params.append(f"{param}: {typed}")
    body = ts.print_doc(["return ", _call(shape.helper, [quoted, *shape.args]), ";"], indent=1)
    return Hook(name=name, subject=subject, doc=doc,
                signature=signature(name, params, shape.returns.format(quoted)),
                body=ts.TAB + body)


def _optional(params: Iterable[plan_model.Param]) -> bool:
    """True when every param may be left out (none is required)."""
    return not any(param.required for param in params)


def binding_view(plan: Plan, framework: str) -> BindingView:
    """Everything a binding template places, for `framework`."""
    standalone = [fn for fn in plan.functions if fn.kind == "query" and fn.context is None]
    mutations = [fn for fn in plan.functions if fn.kind == "mutation"]
    names = _unique([(f"context:{c.name}", f"use{pascal(c.name)}Context") for c in plan.contexts]
                    + [(f"mutation:{f.name}", f"use{pascal(f.name)}") for f in mutations]
                    + [(f"query:{f.name}", f"use{pascal(f.name)}Query") for f in standalone])
    contexts = tuple(
        _hook(framework, "context", names[f"context:{c.name}"], c.name, _optional(c.keys),
              f"/** The `{c.name}` context: every member's result in one request. */")
        for c in plan.contexts)
    changes = tuple(
        _hook(framework, "mutation", names[f"mutation:{f.name}"], f.name, _optional(f.params),
              f"/** Calls `{f.name}`; its invalidations refetch the bundles they cover. */")
        for f in mutations)
    queries = tuple(
        _hook(framework, "query", names[f"query:{f.name}"], f.name, _optional(f.params),
              f"/** Calls the query `{f.name}` (refetched on `*` invalidations only). */")
        for f in standalone)
    return BindingView(framework=framework, contexts=contexts, mutations=changes,
                       queries=queries)
