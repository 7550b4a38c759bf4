"""The checker's working state: declarations, symbol tables and the report.

Files are visited in sorted path order and declarations in source order, so
"the first declaration" of a duplicated name means the same thing on every
run, and every table the checker builds is independent of how the
declarations happen to be split across files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..decls import FileDecls
from ..diagnostics import Diagnostic, Related, make
from ..source import Span
from .result import KINDS, Scoping, Symbol


class CheckState:
    def __init__(self, files: dict[str, FileDecls]) -> None:
        self.files = files
        self.paths = sorted(files)
        self.diagnostics: list[Diagnostic] = []
        self.symbols: dict[str, dict[str, Symbol]] = {kind: {} for kind in KINDS}
        self.function_kinds: dict[str, str] = {}
        self.effective_auth: dict[str, str] = {}
        self.scopings: list[Scoping] = []
        # Filled by the types pass: (path, start, end) of a TypeRef -> resolved type.
        self.resolved: dict[tuple[str, int, int], Any] = {}

    # --- reporting ---------------------------------------------------------
    def report(self, code: str, path: str, span: Span, *,
               related: list[Related] | None = None,
               data: dict[str, object] | None = None, **fields: object) -> None:
        self.diagnostics.append(make(code, span, path=path, related=related, data=data, **fields))

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
        return self.resolved.get((path, ref.span.start, ref.span.end))
