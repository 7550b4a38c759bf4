"""The checker's working state: declarations, symbol tables and the report.

Files are visited in sorted path order and declarations in source order, so
"the first declaration" of a duplicated name means the same thing on every
run, and every table the checker builds is independent of how the
declarations happen to be split across files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..decls import FileDecls
from ..diagnostics import Diagnostic, Related, make
from ..source import Span
from .result import KINDS, Scoping, Symbol


class CheckCache:
    """Per-declaration results kept between checks of one editor session.

    An editor re-lowers only the chunk an edit touched, so every other
    declaration is the very same object as last time. A pass that depends
    only on its declaration and a small "environment" (e.g. the set of type
    names) replays what it reported last time instead of redoing the work.
    """

    __slots__ = ("entries", "environments")

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], tuple[object, object, list[Diagnostic], object]] = {}
        self.environments: dict[str, object] = {}


class CheckState:
    def __init__(self, files: dict[str, FileDecls], cache: CheckCache | None = None) -> None:
        self.cache = cache
        self._fresh: dict[tuple[str, int], tuple[object, object, list[Diagnostic], object]] = {}
        self.files = files
        self.paths = sorted(files)
        self.diagnostics: list[Diagnostic] = []
        self.symbols: dict[str, dict[str, Symbol]] = {kind: {} for kind in KINDS}
        self.function_kinds: dict[str, str] = {}
        self.effective_auth: dict[str, str] = {}
        self.scopings: list[Scoping] = []
        # Filled by the types pass: id() of a TypeRef (alive in `files`) -> resolved type.
        self.resolved: dict[int, Any] = {}
        self.resolve_log: list[tuple[Any, Any]] | None = None  # see types.check_types
        # Set by the types pass: what type resolution depended on (see `memo`).
        self.type_env: object = None
        self.suggestions: dict[tuple[str, bool], str | None] = {}  # see types._named

    # --- reporting ---------------------------------------------------------
    def report(self, code: str, path: str, span: Span, *,
               related: list[Related] | None = None,
               data: dict[str, object] | None = None, **fields: object) -> None:
        self.diagnostics.append(make(code, span, path=path, related=related, data=data, **fields))

    def memo(self, task: str, decl: object, env: object, run: Callable[..., Any],
             *args: Any) -> Any:
        """`run(*args)` for one declaration, or a replay of its last run.

        `run` must depend only on `decl` and `env` and affect the state only by
        reporting diagnostics and returning a value (the caller applies it).
        """
        if self.cache is None:
            return run(*args)
        key = (task, id(decl))
        hit = self.cache.entries.get(key)
        if hit is not None and hit[0] is decl and hit[1] == env:
            self.diagnostics.extend(hit[2])
            self._fresh[key] = hit
            return hit[3]
        start = len(self.diagnostics)
        value = run(*args)
        self._fresh[key] = (decl, env, self.diagnostics[start:], value)
        return value

    def intern(self, name: str, env: object) -> object:
        """The environment object of last time when it is equal, so that the
        per-declaration comparisons in `memo` succeed on identity at once."""
        if self.cache is None:
            return env
        previous = self.cache.environments.get(name)
        if previous is not None and previous == env:
            return previous
        self.cache.environments[name] = env
        return env

    def finish(self) -> None:
        """Keep in the cache exactly what this check used."""
        if self.cache is not None:
            self.cache.entries = self._fresh

    # --- iteration ---------------------------------------------------------
    def each(self, attr: str) -> Iterator[tuple[str, Any]]:
        """Every declaration of one kind (`"functions"`, ...) with its file."""
        for path in self.paths:
            for decl in getattr(self.files[path], attr):
                yield path, decl

    def guards(self) -> Iterator[tuple[str, Any]]:
        for path, block in self.each("auth"):
            for guard in block.guards:
                yield path, guard

    # --- lookups (first declaration wins) ------------------------------------
    def lookup(self, kind: str, name: str) -> Symbol | None:
        return self.symbols[kind].get(name)

    def decl(self, kind: str, name: str) -> Any:
        symbol = self.symbols[kind].get(name)
        return symbol.decl if symbol else None

    def names(self, kind: str) -> list[str]:
        return sorted(self.symbols[kind])

    def type_of(self, path: str, ref: Any) -> Any:
        """The resolved type of a TypeRef (None when absent or unresolvable)."""
        if ref is None:
            return None
        return self.resolved.get(id(ref))
