"""Provisional analyses: answer a request now, while the check of the latest edit is due.

After a keystroke the open document is re-parsed and re-lowered in about a
millisecond; checking the whole unit again takes far longer. A request that
arrives meanwhile (completion as the user types, a hover) is answered from
the fresh declarations of the edited files combined with the last finished
CheckResult of every other file.

What is exact about it:
- names (the symbol tables, "first declaration wins" as the checker counts
  it), the declarations themselves, function kinds, and the name index: the
  edited files' entries are rebuilt from their fresh declarations;
- everything else the checker derives (scopings, effective auth) only when
  the edit changed nothing but docs and positions (`exact`): then it equals
  a fresh check. Otherwise those facts may be stale, and callers that show
  them wait for the check instead.
Declarations outside the edited chunks are the same objects as before; their
spans already follow the edit (they move with their chunk's anchor).
"""

from __future__ import annotations

import dataclasses

from ..check.result import CheckResult, Symbol
from ..check.tables import TOP_LEVEL
from ..decls import Doc, FileDecls, FunctionDecl
from ..source import Span

_LISTS = ("auth", "enums", "types", "contexts", "functions", "models", "shapes", "forms")
DUPLICATE = "M150"  # the checker's "declared twice" code


@dataclasses.dataclass(slots=True)
class Provisional:
    result: CheckResult
    exact: bool  # every fact equals a fresh check's (only docs and positions changed)


_FIELDS: dict[type, tuple[str, ...]] = {}  # dataclass -> the fields a fingerprint reads
_PLAIN = (str, int, float, bool)


def fingerprint(value: object) -> object:
    """What the checker can see of a declaration, minus positions and docs."""
    if value is None or isinstance(value, _PLAIN):
        return value
    cls = type(value)
    if cls is list or cls is tuple:
        return tuple([fingerprint(item) for item in value])  # type: ignore[attr-defined]
    if cls is Span or cls is Doc:
        return None
    names = _FIELDS.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(value):
            return value
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(value) if f.name != "doc")
    return (cls.__name__, *[fingerprint(getattr(value, name)) for name in names])


def _changed(old: list, new: list) -> tuple[list, list]:
    """Declarations only the old list has, and those only the new one has (by identity:
    a chunk the edit did not touch keeps its declaration objects)."""
    old_ids = {id(d) for d in old}
    new_ids = {id(d) for d in new}
    return [d for d in old if id(d) not in new_ids], [d for d in new if id(d) not in old_ids]


def _query_kind(fn: FunctionDecl) -> str:
    """The checker's kind of a function (`check/functions.py`), without its reports."""
    inferred = "query" if fn.context is not None else "mutation" if fn.affects else None
    written = fn.kind.text if fn.kind is not None else None
    if written not in ("query", "mutation"):
        return inferred or "query"
    return inferred or written


def _named(decls: FileDecls) -> list[tuple[str, str, object]]:
    """(namespace, kind, decl) of every named declaration of a file, guards included."""
    found = [(namespace, kind, decl) for attr, namespace, kind in TOP_LEVEL
             for decl in getattr(decls, attr)]
    found.extend(("guard", "guard", guard) for block in decls.auth for guard in block.guards)
    return found


def provisional_result(old: CheckResult, fresh: dict[str, FileDecls]) -> Provisional | None:
    """`old` with the declarations of the files in `fresh` (path -> new decls) swapped in;
    None when that cannot be done soundly (then the caller waits for the check)."""
    files = dict(old.files)
    symbols = dict(old.symbols)
    kinds = old.function_kinds
    exact = True
    copied: set[str] = set()
    for path, new in fresh.items():
        previous = old.files.get(path)
        if previous is None or [i.path for i in previous.imports] != [i.path for i in new.imports]:
            return None  # the workspace's set of files may change: only a check knows
        files[path] = new
        gone: list = []
        came: list = []
        for attr in _LISTS:
            removed, added = _changed(getattr(previous, attr), getattr(new, attr))
            gone.extend(removed)
            came.extend(added)
        if not gone and not came:
            exact = exact and fingerprint(previous.version) == fingerprint(new.version)
            continue
        if fingerprint(gone) != fingerprint(came) or (fingerprint(previous.version)
                                                      != fingerprint(new.version)):
            exact = False
        # The names these declarations hold or held in this file: decide each winner again.
        touched = {(namespace, decl.name.text) for namespace, _, decl in
                   _named(_only(previous, gone)) + _named(_only(new, came))}
        ours: dict[tuple[str, str], tuple[str, object]] = {}
        for namespace, kind, decl in sorted(_named(new), key=lambda t: t[2].name.span.start):
            ours.setdefault((namespace, decl.name.text), (kind, decl))
        for namespace, name in touched:
            current = symbols[namespace].get(name)
            mine = ours.get((namespace, name))
            elsewhere = current is not None and current.path != path
            if mine is None and not elsewhere and current is not None and _had_duplicates(old, path):
                return None  # the next declaration of that name is in another file
            if elsewhere and (mine is None or current.path < path):
                continue  # another file declares it first
            if namespace not in copied:
                symbols[namespace] = dict(symbols[namespace])
                copied.add(namespace)
            table = symbols[namespace]
            if mine is None:
                table.pop(name, None)
            else:
                kind, decl = mine
                added = name not in table
                table[name] = Symbol(kind, name, path, decl.name.span, decl)
                if added:  # keep the checker's order: completion lists follow it
                    symbols[namespace] = dict(sorted(table.items()))
            if namespace == "function":
                if kinds is old.function_kinds:
                    kinds = dict(kinds)
                fn = mine[1] if mine is not None else None
                if isinstance(fn, FunctionDecl):
                    added = name not in kinds
                    kinds[name] = _query_kind(fn)
                    if added:
                        kinds = dict(sorted(kinds.items()))
                else:
                    kinds.pop(name, None)
    result = dataclasses.replace(old, files=dict(sorted(files.items())), symbols=symbols,
                                 function_kinds=kinds)
    return Provisional(result, exact)


def _only(decls: FileDecls, items: list) -> FileDecls:
    """A FileDecls holding just `items` (each in its list), to enumerate their names."""
    out = FileDecls(decls.path)
    for item in items:
        for attr in _LISTS:
            if any(item is d for d in getattr(decls, attr)):
                getattr(out, attr).append(item)
                break
    return out


def _had_duplicates(old: CheckResult, path: str) -> bool:
    """Whether some declaration elsewhere repeats a name first declared in `path`."""
    return any(d.code == DUPLICATE and any(r.path == path for r in d.related)
               for d in old.diagnostics)
