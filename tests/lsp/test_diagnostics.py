"""Diagnostics pushed by the server match `mizan-lang check`, with versions and links."""

from __future__ import annotations

from lsprotocol import types as lsp


async def test_clean_file_gets_empty_diagnostics_with_its_version(editor) -> None:
    uri = editor.open("main.mizan")
    assert await editor.diagnostics(uri, version=1) == []


async def test_error_is_reported_with_code_range_and_docs_link(editor) -> None:
    uri = editor.open("extra.mizan", "mizan 1\n\nfn lookup_thing returns=Nope {\n    param id int\n}\n")
    diags = await editor.diagnostics(uri, version=1)
    assert [d.code for d in diags] == ["M201"]
    diag = diags[0]
    assert diag.range.start == editor.position(uri, "Nope")
    assert diag.range.end == editor.position(uri, "Nope", delta=4)
    assert diag.severity == lsp.DiagnosticSeverity.Error
    assert diag.code_description is not None and diag.code_description.href.endswith("#m201")


async def test_incremental_edit_fixes_the_error_again(editor) -> None:
    uri = editor.open("catalog.mizan")
    await editor.diagnostics(uri, version=1)
    at = editor.position(uri, "fn ", delta=3)
    version = editor.edit(uri, (at.line, at.character), (at.line, at.character), "9")
    diags = await editor.diagnostics(uri, version=version)
    assert diags and all(d.range.start.line == at.line for d in diags)
    version = editor.edit(uri, (at.line, at.character), (at.line, at.character + 1), "")
    assert await editor.diagnostics(uri, version=version) == []


async def test_related_information_points_at_the_first_declaration(editor) -> None:
    uri = editor.open("extra.mizan", "mizan 1\n\nenum Role { a; b }\n\nenum Role { c }\n")
    diags = await editor.diagnostics(uri, version=1)
    duplicate = next(d for d in diags if d.code == "M150")
    assert duplicate.range.start == editor.position(uri, "Role", occurrence=1)
    [related] = duplicate.related_information
    assert related.location.uri == uri
    assert related.location.range.start == editor.position(uri, "Role")
