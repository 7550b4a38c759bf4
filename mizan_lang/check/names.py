"""Names: the symbol tables, duplicates, and names generated code can use.

Types, enums and shapes share one namespace because all three appear in type
expressions; contexts, functions, models, forms and guards have one each.
Every declared name must be an ASCII identifier that Python, Rust and
TypeScript all accept, and two names of one scope must not become the same
name once a generator converts their case (`user_id` and `userId`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..decls import Name
from ..diagnostics import Related
from ..identifiers import (
    _RESERVED,
    _TYPE_RESERVED,
    PYTHON_SERVICE_HOOKS,
    is_valid_identifier,
    reserved_in,
)
from .rtypes import PRIMITIVES, UPLOAD
from .state import CheckState
from .tables import fold

TYPE_KINDS = ("type", "enum", "shape", "model", "form")
BUILTIN_TYPES = frozenset((*PRIMITIVES, UPLOAD, "list", "map"))
LANGUAGE_NAMES = {"python": "Python", "rust": "Rust", "typescript": "TypeScript"}


def collect_symbols(state: CheckState) -> None:
    """Fill the symbol tables (first declaration wins) and report duplicates
    and names that collide once their case is converted."""
    tables = state.cache.tables
    tables.update(state.units, state.changed if state.replaying else None)
    state.symbols = tables.symbols
    state.diagnostics.extend(tables.diagnostics())
    for _ in state.file_pass("names", _declared_names):
        pass


def _declared_names(state: CheckState, path: str, decls) -> None:
    # The symbol tables have just listed the unit's declarations.
    for namespace, kind, _, decl in state.cache.tables.files[state.unit][1]:
        state.memo("name", decl, _check_declared_name, state, path, namespace, kind, decl.name)


def _check_declared_name(state: CheckState, path: str, namespace: str, kind: str,
                         name: Name) -> None:
    text = name.text
    if namespace == "type" and text in BUILTIN_TYPES:
        state.report("M155", path, name.span, name=text)
        return
    for_type, for_function = kind in TYPE_KINDS, kind == "function"
    if not usable(text, for_type, for_function):
        _check_identifier(state, path, name, for_type=for_type, for_function=for_function)


def check_members(state: CheckState) -> None:
    """Unique, usable member names inside each declaration."""
    for _ in state.file_pass("members", _file_members):
        pass


def _file_members(state: CheckState, path: str, decls) -> None:
    for attr, kind, part, member in _MEMBER_SCOPES:
        for decl in getattr(decls, attr):
            state.memo("members", decl, _check_scope, state, path, decl, kind, part, member)


def _check_scope(state: CheckState, path: str, decl, kind: str, part: str | None,
                 member: str | None) -> None:
    """`decl`'s members (`part`, each a `member`; a model's columns and relations)."""
    if part is None:
        items = sorted([*decl.columns, *decl.relations], key=_name_start)
    else:
        items = getattr(decl, part)
    seen: dict[str, Name] = {}
    blocked = _BLOCKED[False, False]
    for item in items:
        name = item.name
        text = name.text
        first = seen.get(text)
        if first is not None:
            label = member or ("column" if any(item is c for c in decl.columns) else "relation")
            state.report("M151", path, name.span, member=label, name=text,
                         owner=f"{kind} '{decl.name.text}'",
                         related=[Related(path, first.span, "first declared here")])
            continue
        seen[text] = name
        if not (text.isascii() and text.isidentifier()) or text in blocked:
            _check_identifier(state, path, name, for_type=False)
    if len({text.replace("_", "").casefold() for text in seen}) != len(seen):  # fold()
        _case_collisions(state, [(path, name) for name in seen.values()])


def _name_start(item) -> int:
    return item.name.span.start


# Each kind of declaration: its word in messages, and its members (attribute,
# word); a model's members are its columns and relations, in source order.
_MEMBER_SCOPES = (
    ("types", "type", "fields", "field"),
    ("enums", "enum", "members", "member"),
    ("contexts", "context", "params", "param"),
    ("functions", "function", "params", "param"),
    ("models", "model", None, None),
    ("shapes", "shape", "fields", "field"),
    ("forms", "form", "fields", "field"),
)

# Names no target reserves in any use (see `identifiers.reserved_in`), by
# (for_type, for_function): `usable` tests a name without a call per language.
_ANY_USE = frozenset().union(*_RESERVED.values())
_BLOCKED = {
    (for_type, for_function): _ANY_USE.union(
        *(_TYPE_RESERVED.values() if for_type else ()),
        PYTHON_SERVICE_HOOKS if for_function else ())
    for for_type in (False, True) for for_function in (False, True)
}


def usable(name: str, for_type: bool, for_function: bool = False) -> bool:
    """`is_valid_identifier(name) and not reserved_in(name, ...)`, fast: an ASCII
    Python identifier is exactly `[A-Za-z_][A-Za-z0-9_]*`."""
    return name.isascii() and name.isidentifier() and name not in _BLOCKED[for_type,
                                                                             for_function]


def _check_identifier(state: CheckState, path: str, name: Name, *, for_type: bool,
                      for_function: bool = False) -> None:
    if not name.text or usable(name.text, for_type, for_function):
        return  # (a missing name is the lowering's report)
    if not is_valid_identifier(name.text):
        suggestion = sanitize(name.text)
        state.report("M152", path, name.span, data={"replace": suggestion}, name=name.text,
                     suggestion=suggestion)
        return
    languages = _reserved(name.text, for_type, for_function)
    if languages:
        suggestion = name.text + "_"
        state.report("M153", path, name.span, data={"replace": suggestion}, name=name.text,
                     languages=_join([LANGUAGE_NAMES.get(lang, lang) for lang in languages]),
                     suggestion=suggestion)


@lru_cache(maxsize=8192)
def _reserved(name: str, for_type: bool, for_function: bool) -> tuple[str, ...]:
    # The same member names (ids, keys) recur across a spec: look each up once.
    return tuple(reserved_in(name, for_type=for_type, for_function=for_function))


def sanitize(text: str) -> str:
    """A valid identifier close to `text`: other characters become `_`."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text)
    if not cleaned or cleaned[0].isdigit():
        cleaned = "_" + cleaned
    return cleaned


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _case_collisions(state: CheckState, names: list[tuple[str, Name]]) -> None:
    """M154 for names that fold alike (the caller saw that some do)."""
    seen: dict[str, tuple[str, Name]] = {}
    for path, name in sorted(names, key=lambda item: (item[0], item[1].span.start)):
        key = fold(name.text)
        first = seen.get(key)
        if first is None:
            seen[key] = (path, name)
        elif first[1].text != name.text:
            state.report("M154", path, name.span, name=name.text, other=first[1].text,
                         related=[Related(first[0], first[1].span, "the other name")])
