"""Rename: every occurrence of a name across the workspace, or a reason not to.

The name index gives the occurrences (declarations and uses share a key), so
renaming a function param also renames the `by=` bindings and form fields
that refer to it, and a context key param the `key:` side of `by=` pairs.
A context key and the same-named param of each query member of the context
must stay equal: they are renamed together, whichever side the cursor is on.
Mutations that bound the key by its name are named in `notes` (the rename
leaves them unbound; renaming their params could cascade through the spec).
A rename is refused when the new name is not a usable identifier, is
reserved in a target language, or would clash with a name of the same scope
(exactly, or once generators convert its case). It is also refused when an
occurrence is not written plainly in the source (inside an escaped string):
an edit there could not be exact.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..check.names import BUILTIN_TYPES, LANGUAGE_NAMES, fold
from ..identifiers import is_valid_identifier, reserved_in
from ..source import Span
from .index import AUTH_LEVELS, Key, Occurrence
from .session import Analysis

# Index key kinds whose names become generated type names.
_TYPE_KEYS = frozenset(("type", "model", "form"))
# The owner of a member scope, in messages: ("param", "fn:f", ...) -> "function 'f'".
_OWNERS = {"field": "type", "member": "enum", "column": "model"}


@dataclass(slots=True)
class Refusal:
    message: str


@dataclass(slots=True)
class Target:
    """What the cursor is on: a renamable name."""

    key: Key
    path: str
    span: Span  # the name as written (quotes excluded)
    name: str


@dataclass(slots=True)
class RenamePlan:
    old: str
    new: str
    edits: dict[str, list[Span]] = field(default_factory=dict)  # path -> sorted spans
    notes: list[str] = field(default_factory=list)  # consequences worth a warning


def _plain_span(text: str, span: Span, name: str) -> Span | None:
    """Where exactly `name` is written at `span`: the span itself, or the inside of
    its quotes (`"Role"`, `#"Role"#`). None when it is written some other way."""
    written = text[span.start:span.end]
    if written == name:
        return span
    hashes = len(written) - len(written.lstrip("#"))
    if written == "#" * hashes + f'"{name}"' + "#" * hashes:
        start = span.start + hashes + 1
        return Span(start, start + len(name))
    return None


def _where(analysis: Analysis, o: Occurrence) -> str:
    source = analysis.files.get(o.path)
    line = source.index.position(o.span.start).line + 1 if source is not None else 0
    return f"{os.path.basename(o.path)}:{line}"


def prepare(analysis: Analysis, path: str, offset: int) -> Target | Refusal | None:
    """The name under the cursor if it can be renamed; a Refusal saying why not;
    None when the cursor is on no name at all."""
    here = analysis.index.at(path, offset)
    source = analysis.files.get(path)
    if here is None or source is None:
        return None
    name = here.key[-1]
    if not analysis.index.definitions(here.key):
        if here.key[0] == "type" and name in BUILTIN_TYPES:
            return Refusal(f"'{name}' is a built-in type and cannot be renamed")
        return Refusal(f"'{name}' is not declared in this workspace, so it cannot be renamed")
    span = _plain_span(source.text, here.span, name)
    if span is None:
        return Refusal(f"'{name}' is written inside an escaped string here; "
                       "write it plainly to rename it")
    return Target(here.key, path, span, name)


def _declared_in(analysis: Analysis, scopes: set[Key]) -> dict[Key, list[Occurrence]]:
    """The declarations in each scope (a key but for its last part), in one pass."""
    found: dict[Key, list[Occurrence]] = {scope: [] for scope in scopes}
    for occurrences in analysis.index.by_file.values():
        for o in occurrences:
            if o.is_definition and o.key[:-1] in found:
                found[o.key[:-1]].append(o)
    return found


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _owner(key: Key) -> str:
    if len(key) < 3:
        return ""
    owner = key[1]
    if key[0] == "param":
        kind, _, owner = owner.partition(":")
        return f" of {'function' if kind == 'fn' else 'context'} '{owner}'"
    return f" of {_OWNERS.get(key[0], key[0])} '{owner}'"


def _refuse_name(analysis: Analysis, key: Key, new: str,
                 declared: Iterable[Occurrence]) -> Refusal | None:
    """Why `new` cannot replace `key`'s name; `declared`: the names of its scope."""
    kind = key[0]
    if not is_valid_identifier(new):
        return Refusal(f"'{new}' is not a valid name: use ASCII letters, digits and '_', "
                       "not starting with a digit")
    if kind == "type" and new in BUILTIN_TYPES:
        return Refusal(f"'{new}' is a built-in type name")
    if kind == "guard" and new in AUTH_LEVELS:
        return Refusal(f"'{new}' is a built-in auth level")
    languages = reserved_in(new, for_type=kind in _TYPE_KEYS, for_function=kind == "function")
    if languages:
        names = [LANGUAGE_NAMES.get(lang, lang) for lang in languages]
        shown = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return Refusal(f"'{new}' is reserved in {shown}")
    folded = fold(new)
    others = (o for o in declared if o.key != key)
    for other in sorted(others, key=lambda o: (o.path, o.span.start)):
        existing = other.key[-1]
        if existing == new:
            return Refusal(f"'{new}' already names {_article(other.role)}{_owner(key)} "
                           f"({_where(analysis, other)})")
        if fold(existing) == folded:
            return Refusal(f"'{new}' would collide with '{existing}' ({_where(analysis, other)}) "
                           "once generated code converts its case")
    return None


def linked_keys(analysis: Analysis, key: Key) -> list[Key]:
    """Names that must stay equal to `key`'s: a context key param and the param of
    the same name of each query member of the context (the checker requires it,
    M302). Starting from either side gives the same group."""
    if key[0] != "param" or len(key) != 3:
        return [key]
    owner, name = key[1], key[2]
    if owner.startswith("fn:"):
        context = _member_of(analysis, owner[3:])
        if context is None or not analysis.index.definitions(("param", "ctx:" + context, name)):
            return [key]
    else:
        context = owner[4:]
    group: dict[Key, None] = {("param", "ctx:" + context, name): None}  # ordered set
    for decls in analysis.result.files.values():
        for fn in decls.functions:
            if (fn.context is not None and fn.context.text == context
                    and any(p.name.text == name for p in fn.params)):
                group[("param", "fn:" + fn.name.text, name)] = None
    return list(group)


def _member_of(analysis: Analysis, function: str) -> str | None:
    symbol = analysis.result.symbols.get("function", {}).get(function)
    context = getattr(symbol.decl, "context", None) if symbol is not None else None
    return context.text if context is not None else None


def plan(analysis: Analysis, path: str, offset: int, new: str) -> RenamePlan | Refusal | None:
    """The edits renaming the name under the cursor to `new` (and the names linked
    to it, see `linked_keys`), or why not."""
    target = prepare(analysis, path, offset)
    if not isinstance(target, Target):
        return target
    if new == target.name:
        return RenamePlan(target.name, new)
    keys = linked_keys(analysis, target.key)
    declared = _declared_in(analysis, {key[:-1] for key in keys})
    for key in keys:
        refused = _refuse_name(analysis, key, new, declared[key[:-1]])
        if refused is not None:
            return refused
    edits: dict[str, set[Span]] = {}
    for o in (o for key in keys for o in analysis.index.references(key)):
        source = analysis.files.get(o.path)
        if source is None:
            continue
        span = _plain_span(source.text, o.span, target.name)
        if span is None:
            return Refusal(f"'{target.name}' at {_where(analysis, o)} is written inside an "
                           "escaped string; write it plainly to rename it")
        edits.setdefault(o.path, set()).add(span)
    ordered = {p: sorted(spans, key=lambda s: s.start) for p, spans in sorted(edits.items())}
    return RenamePlan(target.name, new, ordered, _lost_bindings(analysis, keys, new))


def _lost_bindings(analysis: Analysis, keys: list[Key], new: str) -> list[str]:
    """Mutations whose invalidation of a context was inferred by matching the old
    key name: after the rename they no longer bind that key (the tier may drop)."""
    context_keys = [(key[1][4:], key[2]) for key in keys
                    if key[0] == "param" and key[1].startswith("ctx:")]
    notes = []
    for context, old in context_keys:
        for scoping in analysis.result.scopings:
            if (scoping.context == context and not scoping.explicit
                    and scoping.bindings.get(old) == old):
                notes.append(f"'{scoping.mutation}' bound the key '{old}' of context "
                             f"'{context}' by the name of its param '{old}'; now that the key "
                             f"is '{new}', rename that param too or bind it with `by=`")
    return notes
