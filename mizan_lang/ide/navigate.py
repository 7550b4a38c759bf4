"""Definitions, references and highlights, from the name index."""

from __future__ import annotations

from .index import Occurrence
from .session import Analysis


def definition(analysis: Analysis, path: str, offset: int) -> list[Occurrence]:
    here = analysis.index.at(path, offset)
    if here is None:
        return []
    return analysis.index.definitions(here.key)


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
