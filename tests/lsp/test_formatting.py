"""textDocument/formatting over JSON-RPC: the same output as `mizan-lang fmt`."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from lsprotocol import types as lsp

# No final newline, and an emoji (two UTF-16 units) on the last line: the
# edit's end must be (2, 38) in UTF-16, not (2, 37).
MESSY = "mizan 1\nenum   Mood {happy;sad}\ntype Note { field text str }   // 👋 é"
FORMATTED = """mizan 1
enum Mood {
    happy
    sad
}
type Note {
    field text str
} // 👋 é
"""


def _range(r: lsp.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


async def _format(editor, uri: str):
    return await editor.client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))


def _cli_format(text: str) -> str:
    done = subprocess.run([sys.executable, "-m", "mizan_lang", "fmt", "-"], input=text,
                          capture_output=True, text=True, encoding="utf-8", check=True)
    return done.stdout


async def test_one_edit_replaces_the_whole_document(editor) -> None:
    uri = editor.open("messy.mizan", MESSY)
    edits = await _format(editor, uri)
    assert [(_range(e.range), e.new_text) for e in edits] == [((0, 0, 2, 38), FORMATTED)]


async def test_output_is_the_cli_formatter_output(editor) -> None:
    uri = editor.open("messy.mizan", MESSY)
    edits = await _format(editor, uri)
    assert edits[0].new_text == _cli_format(MESSY)


async def test_formatted_document_needs_no_edit(editor) -> None:
    for name in ("common.mizan", "orders.mizan"):
        uri = editor.open(name)
        assert list(await _format(editor, uri)) == []
    uri = editor.open("tidy.mizan", FORMATTED)
    assert list(await _format(editor, uri)) == []


async def test_formats_the_edited_text(editor) -> None:
    uri = editor.open("common.mizan")
    at = editor.position(uri, "type Money", delta=4)
    editor.edit(uri, (at.line, at.character), (at.line, at.character), "   ")
    edits = await _format(editor, uri)
    lines = editor.texts[uri].count("\n")
    assert len(edits) == 1 and _range(edits[0].range) == (0, 0, lines, 0)
    assert edits[0].new_text == (editor.root / "common.mizan").read_text("utf-8")


async def test_syntax_errors_mean_no_edit_and_a_log_message(editor) -> None:
    uri = editor.open("broken.mizan", 'mizan 1\ntype Note { field text "str\n')
    assert await _format(editor, uri) is None

    async def logged() -> list[str]:
        while True:
            found = [m.message for m in editor.client.log_messages if "broken.mizan" in m.message]
            if found:
                return found
            await asyncio.sleep(0.01)

    assert await asyncio.wait_for(logged(), 10) == [
        "mizan: broken.mizan was not formatted: it has syntax errors"]


async def test_the_server_announces_formatting(editor) -> None:
    assert editor.client.initialize_result.capabilities.document_formatting_provider
