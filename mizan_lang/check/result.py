"""What the checker hands to the IR builder and the language server."""

from __future__ import annotations

from ..decls import FileDecls
from ..diagnostics import Diagnostic
from ..records import field, record
from ..source import Span

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from collections.abc import Mapping

# Declaration kinds (one namespace each; `type`, `enum` and `shape` share the
# type namespace because all three can appear in type expressions).
KINDS = ("context", "function", "type", "model", "form", "guard")


@record
class Symbol:
    kind: str  # "context" | "function" | "type" | "enum" | "shape" | "model" | "form" | "guard"
    name: str
    path: str  # file that declares it
    span: Span  # the name's span
    decl: object  # the decls.* object


@record
class Scoping:
    """How one mutation invalidates one context (computed per pair)."""

    mutation: str
    context: str
    tier: str  # "exact" | "partial" | "global"
    # context key param -> mutation param, sorted by key param
    bindings: dict[str, str] = field(default_factory=dict)
    explicit: bool = False  # written with by= / scope=


@record
class CheckResult:
    files: dict[str, FileDecls]  # path -> declarations, for every file in the workspace
    diagnostics: list[Diagnostic]
    # Type namespace: types, enums and shapes; the rest one namespace per kind.
    # The tables iterate in key order; an editor session's are read-only
    # `tables.SortedMap`s, a plain check's are dicts.
    symbols: dict[str, Mapping[str, Symbol]]  # kind -> name -> Symbol (first declaration wins)
    scopings: list[Scoping]  # sorted by (mutation, context)
    function_kinds: Mapping[str, str]  # function name -> "query" | "mutation"
    effective_auth: Mapping[str, str]  # "fn:<name>" / "ctx:<name>" -> public | user | <guard>
    root: str = ""
    # A symbol's path -> the path of its file, when the checker saw the files
    # under other names (review/reuse.py); None: the symbols' own paths.
    paths: dict[str, str] | None = None

    def path_of(self, symbol: Symbol) -> str:
        """The path of the file that declares `symbol`."""
        return symbol.path if self.paths is None else self.paths[symbol.path]

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)
