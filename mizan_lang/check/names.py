"""Names: the symbol tables, duplicates, and names generated code can use.

Types, enums and shapes share one namespace because all three appear in type
expressions; contexts, functions, models, forms and guards have one each.
Every declared name must be an ASCII identifier that Python, Rust and
TypeScript all accept, and two names of one scope must not become the same
name once a generator converts their case (`user_id` and `userId`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..decls import Name
from ..diagnostics import Related
from ..identifiers import is_valid_identifier, reserved_in
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
    tables.update(state.units, state.changed)
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
    if namespace == "type" and name.text in BUILTIN_TYPES:
        state.report("M155", path, name.span, name=name.text)
    else:
        _check_identifier(state, path, name, for_type=kind in TYPE_KINDS,
                          for_function=kind == "function")


def check_members(state: CheckState) -> None:
    """Unique, usable member names inside each declaration."""
    for _ in state.file_pass("members", _file_members):
        pass


def _file_members(state: CheckState, path: str, decls) -> None:
    for attr, describe in _MEMBER_SCOPES:
        for decl in getattr(decls, attr):
            state.memo("members", decl, _check_scope, state, path, decl, describe)


def _check_scope(state: CheckState, path: str, decl: object, describe) -> None:
    label, members = describe(decl)
    _check_member_names(state, path, label, members)


def _check_member_names(state: CheckState, path: str, label: str,
                        members: list[tuple[str, Name]]) -> None:
    seen: dict[str, Name] = {}
    for member_label, name in members:
        first = seen.get(name.text)
        if first is not None:
            state.report("M151", path, name.span, member=member_label, name=name.text,
                         owner=label, related=[Related(path, first.span, "first declared here")])
            continue
        seen[name.text] = name
        _check_identifier(state, path, name, for_type=False)
    _case_collisions(state, ((path, name) for name in seen.values()))


def _model_members(decl) -> tuple[str, list[tuple[str, Name]]]:
    members = [("column", c.name) for c in decl.columns]
    members += [("relation", r.name) for r in decl.relations]
    members.sort(key=lambda item: item[1].span.start)
    return f"model '{decl.name.text}'", members


# Each kind of declaration: what its members are called and where they are.
_MEMBER_SCOPES = (
    ("types", lambda d: (f"type '{d.name.text}'", [("field", f.name) for f in d.fields])),
    ("enums", lambda d: (f"enum '{d.name.text}'", [("member", m.name) for m in d.members])),
    ("contexts", lambda d: (f"context '{d.name.text}'", [("param", p.name) for p in d.params])),
    ("functions", lambda d: (f"function '{d.name.text}'", [("param", p.name) for p in d.params])),
    ("models", _model_members),
    ("shapes", lambda d: (f"shape '{d.name.text}'", [("field", f.name) for f in d.fields])),
    ("forms", lambda d: (f"form '{d.name.text}'", [("field", f.name) for f in d.fields])),
)


def _check_identifier(state: CheckState, path: str, name: Name, *, for_type: bool,
                      for_function: bool = False) -> None:
    if not name.text or _usable(name.text, for_type, for_function):
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


@lru_cache(maxsize=16384)
def _usable(name: str, for_type: bool, for_function: bool) -> bool:
    # The same member names (ids, keys) recur across a spec: check each once.
    return is_valid_identifier(name) and not _reserved(name, for_type, for_function)


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


def _case_collisions(state: CheckState, names: Iterable[tuple[str, Name]]) -> None:
    names = list(names)
    if len({name.text.replace("_", "").casefold() for _, name in names}) == len(names):  # fold()
        return  # no two names fold alike (the usual case): nothing to sort
    seen: dict[str, tuple[str, Name]] = {}
    for path, name in sorted(names, key=lambda item: (item[0], item[1].span.start)):
        key = fold(name.text)
        first = seen.get(key)
        if first is None:
            seen[key] = (path, name)
        elif first[1].text != name.text:
            state.report("M154", path, name.span, name=name.text, other=first[1].text,
                         related=[Related(first[0], first[1].span, "the other name")])
