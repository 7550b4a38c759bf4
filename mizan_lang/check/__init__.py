"""The semantic checker: a loaded workspace in, a `CheckResult` out.

Passes run in a fixed order, each in its own module; later passes read what
earlier ones recorded in the shared `CheckState` (symbols, resolved types,
function kinds, effective auth) and skip anything already reported as
broken, so one mistake gives one diagnostic. Nothing here raises on user
input.
"""

from __future__ import annotations

from ..decls import FileDecls
from ..diagnostics import Diagnostic
from ..perf import paused_gc
from ..records import replace
from .auth import check_auth
from .contexts import check_contexts
from .forms import check_forms
from .functions import check_functions
from .models import check_models
from .names import check_members, collect_symbols
from .plain import PlainState
from .result import CheckResult
from .scoping import compute_scopings
from .shapes import check_shapes
from .state import CheckCache, CheckState
from .types import check_types

TYPE_CHECKING = False  # not `typing`'s: importing typing costs ~11 M instructions at start-up
if TYPE_CHECKING:
    from ..workspace import LoadedWorkspace

__all__ = ["CheckResult", "check", "check_decls"]

PASSES = (
    collect_symbols,
    check_members,
    check_types,
    check_auth,
    check_functions,
    check_contexts,
    compute_scopings,
    check_models,
    check_shapes,
    check_forms,
)


def check(ws: LoadedWorkspace, cache: CheckCache | None = None) -> CheckResult:
    """Check a `LoadedWorkspace`: every file's own diagnostics plus the checker's.

    `cache` (an editor session's) lets the files and declarations an edit
    cannot have changed replay their results (see `state`); the outcome is
    the same with or without it.
    """
    files: dict[str, FileDecls] = {}
    segments: dict[str, list[tuple[int, FileDecls]]] = {}
    earlier: list[Diagnostic] = []
    for path, source in ws.files.items():
        files[path] = source.decls if source.decls is not None else FileDecls(path=path)
        if source.segments is not None and source.decls is not None:
            segments[path] = source.segments
        # Syntax and lowering diagnostics of the file.
        earlier.extend(_with_path(d, path) for d in source.diagnostics)
    earlier.extend(ws.diagnostics)
    with paused_gc():
        result = check_decls(files, earlier, cache, segments)
    result.root = str(ws.roots[0]) if ws.roots else ""
    return result


def check_decls(files: dict[str, FileDecls], earlier: list[Diagnostic] | None = None,
                cache: CheckCache | None = None,
                segments: dict[str, list[tuple[int, FileDecls]]] | None = None) -> CheckResult:
    """Check declarations directly (tests, tools that lower on their own).

    `segments` (path -> [(key, declarations)]) splits a file into runs of its
    declarations, in order, that together are `files[path]`: the incremental
    checker's units (see `state`); the result is the same without it.
    """
    if cache is None:
        state = PlainState(files, segments)
    elif cache.per_file and not cache.passes:
        from .per_file import PerFileState

        state = PerFileState(files, cache, segments)
    else:
        state = CheckState(files, cache, segments)
    try:
        for run in PASSES:
            run(state)
    except BaseException:
        state.cache.clear()  # half-patched tables must not meet the next check
        raise
    return CheckResult(
        files=dict(sorted(files.items())),
        diagnostics=_sorted_unique([*(earlier or ()), *_past_syntax(earlier, state.diagnostics)]),
        symbols=state.cache.tables.sorted_symbols(),
        scopings=state.scopings,
        function_kinds=state.function_kinds,
        effective_auth=state.effective_auth,
    )


def _with_path(diagnostic: Diagnostic, path: str) -> Diagnostic:
    return diagnostic if diagnostic.path else replace(diagnostic, path=path)


def _past_syntax(earlier: list[Diagnostic] | None, found: list[Diagnostic]) -> list[Diagnostic]:
    """Drop the checker's reports inside a syntax error: the parser's recovery
    guessed at that text, and the syntax error already says what is wrong."""
    damaged: dict[str, list[tuple[int, int]]] = {}
    for diagnostic in earlier or ():
        if diagnostic.code.startswith("K") and diagnostic.severity == "error":
            damaged.setdefault(diagnostic.path, []).append(
                (diagnostic.span.start, diagnostic.span.end))
    if not damaged:
        return found
    return [d for d in found if not any(start <= d.span.end and d.span.start <= end
                                        for start, end in damaged.get(d.path, ()))]


def _sorted_unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    unique: dict[tuple, Diagnostic] = {}
    for diagnostic in diagnostics:
        key = (*diagnostic.sort_key(), diagnostic.message)
        unique.setdefault(key, diagnostic)
    return [unique[key] for key in sorted(unique)]
