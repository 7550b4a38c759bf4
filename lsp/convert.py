"""Conversions between the core (offsets, paths) and LSP (UTF-16 positions, URIs)."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

from mizan_lang.diagnostics import Diagnostic, Severity
from mizan_lang.source import LineIndex, Span
from mizan_lang.workspace import normalise

DOCS_URL = "https://github.com/mizan-lang/mizan-lang/blob/main/docs/diagnostics.md#{anchor}"

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


def path_of(uri: str) -> str:
    return normalise(to_fs_path(uri) or uri)


def fs_path_of(uri: str) -> str:
    """The path a URI names, links not resolved (`path_of` resolves them)."""
    return to_fs_path(uri) or uri


def uri_of(path: str) -> str:
    return from_fs_path(path) or path


# The position encoding negotiated with the client at `initialize` (the
# server sets it once; one server process serves one client).
ENCODING = {"value": "utf-16"}


def set_encoding(encoding: object) -> None:
    text = str(getattr(encoding, "value", encoding) or "utf-16").lower()
    ENCODING["value"] = text if text in ("utf-8", "utf-16", "utf-32") else "utf-16"


def position(index: LineIndex, offset: int) -> lsp.Position:
    line = index.position(offset).line
    return lsp.Position(line=line, character=index.unit_column(offset, ENCODING["value"]))


def offset(index: LineIndex, pos: lsp.Position) -> int:
    return index.offset_from_units(pos.line, pos.character, ENCODING["value"])


def range_of(index: LineIndex, span: Span) -> lsp.Range:
    return lsp.Range(start=position(index, span.start), end=position(index, span.end))


def diagnostic(index: LineIndex, diag: Diagnostic, indexes: dict[str, LineIndex]) -> lsp.Diagnostic:
    related = []
    for rel in diag.related:
        rel_index = indexes.get(rel.path)
        if rel_index is None:
            continue
        related.append(lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=uri_of(rel.path), range=range_of(rel_index, rel.span)),
            message=rel.message))
    return lsp.Diagnostic(
        range=range_of(index, diag.span),
        message=diag.message,
        severity=_SEVERITY.get(diag.severity, lsp.DiagnosticSeverity.Error),
        code=diag.code,
        code_description=lsp.CodeDescription(href=DOCS_URL.format(anchor=diag.code.lower())),
        source="mizan",
        related_information=related or None,
        data=dict(diag.data) if diag.data else None,
    )
