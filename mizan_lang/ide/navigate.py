"""Definitions, references and highlights, from the name index."""

from __future__ import annotations

import os

from ..paths import key_in
from ..source import Span
from .index import Occurrence
from .session import Analysis


def definition(analysis: Analysis, path: str, offset: int) -> list[Occurrence]:
    here = analysis.index.at(path, offset)
    if here is None:
        return imported_file(analysis, path, offset)
    return analysis.index.definitions(here.key)


def imported_file(analysis: Analysis, path: str, offset: int) -> list[Occurrence]:
    """`import "x.mizan"` with the cursor on the path: the start of that file."""
    source = analysis.files.get(path)
    if source is None:
        return []
    for imp in source.decls.imports:
        span = imp.path_span
        if span is not None and span.start <= offset <= span.end:
            target = key_in(os.path.dirname(path), imp.path)  # as the loader resolved it
            if target in analysis.files:
                return [Occurrence(("file", target), target, Span(0, 0), True, "file")]
    return []


def references(analysis: Analysis, path: str, offset: int,
               include_declaration: bool = True) -> list[Occurrence]:
    here = analysis.index.at(path, offset)
    if here is None:
        return []
    found = analysis.index.references(here.key)
    if not include_declaration:
        found = [o for o in found if not o.is_definition]
    return sorted(found, key=lambda o: (o.path, o.span.start))


def highlights(analysis: Analysis, path: str, offset: int) -> list[Occurrence]:
    return [o for o in references(analysis, path, offset) if o.path == path]
