"""Rename: every occurrence of a name across the workspace, or a reason not to.

The name index gives the occurrences (declarations and uses share a key), so
renaming a function param also renames the `by=` bindings and form fields
that refer to it, and a context key param the `key:` side of `by=` pairs.
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


def _siblings(analysis: Analysis, key: Key) -> Iterable[Occurrence]:
    """Declarations of the other names in `key`'s scope (same key but for the name)."""
    scope = key[:-1]
    for occurrences in analysis.index.by_file.values():
        for o in occurrences:
            if o.is_definition and o.key[:-1] == scope and o.key != key:
                yield o


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


def _refuse_name(analysis: Analysis, key: Key, new: str) -> Refusal | None:
    kind = key[0]
    if not is_valid_identifier(new):
        return Refusal(f"'{new}' is not a valid name: use ASCII letters, digits and '_', "
                       "not starting with a digit")
    if kind == "type" and new in BUILTIN_TYPES:
        return Refusal(f"'{new}' is a built-in type name")
    if kind == "guard" and new in AUTH_LEVELS:
        return Refusal(f"'{new}' is a built-in auth level")
    languages = reserved_in(new, for_type=kind in _TYPE_KEYS)
    if languages:
        names = [LANGUAGE_NAMES.get(lang, lang) for lang in languages]
        shown = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return Refusal(f"'{new}' is reserved in {shown}")
    folded = fold(new)
    for other in sorted(_siblings(analysis, key), key=lambda o: (o.path, o.span.start)):
        existing = other.key[-1]
        if existing == new:
            return Refusal(f"'{new}' already names {_article(other.role)}{_owner(key)} "
                           f"({_where(analysis, other)})")
        if fold(existing) == folded:
            return Refusal(f"'{new}' would collide with '{existing}' ({_where(analysis, other)}) "
                           "once generated code converts its case")
    return None


def plan(analysis: Analysis, path: str, offset: int, new: str) -> RenamePlan | Refusal | None:
    """The edits renaming the name under the cursor to `new`, or why not."""
    target = prepare(analysis, path, offset)
    if not isinstance(target, Target):
        return target
    if new == target.name:
        return RenamePlan(target.name, new)
    refused = _refuse_name(analysis, target.key, new)
    if refused is not None:
        return refused
    edits: dict[str, set[Span]] = {}
    for o in analysis.index.references(target.key):
        source = analysis.files.get(o.path)
        if source is None:
            continue
        span = _plain_span(source.text, o.span, target.name)
        if span is None:
            return Refusal(f"'{target.name}' at {_where(analysis, o)} is written inside an "
                           "escaped string; write it plainly to rename it")
        edits.setdefault(o.path, set()).add(span)
    ordered = {p: sorted(spans, key=lambda s: s.start) for p, spans in sorted(edits.items())}
    return RenamePlan(target.name, new, ordered)
