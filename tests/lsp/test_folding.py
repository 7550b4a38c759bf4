"""Folding ranges over JSON-RPC: blocks, comment runs, block comments, multi-line strings."""

from __future__ import annotations

from lsprotocol import types as lsp

C = lsp.FoldingRangeKind.Comment

TEXT = """mizan 1
// Thé 🍵: the tea room.
// Two comment lines fold together.
type TeaCup {
    field size int // a trailing comment
    field name str // does not start a run
}
/* a block
   comment */
fn tea_cups returns=list<TeaCup> doc=\"\"\"
    Les tasses ☕
    \"\"\" {
    param room_id int64 }
/- fn old_tea {
    param x int
}
type Small { field a int }
type Nested {
    field deep str doc=#\"\"\"
        raw
        \"\"\"#
}
"""


async def folds(editor, uri: str) -> list[tuple[int, int, object]]:
    found = await editor.client.text_document_folding_range_async(lsp.FoldingRangeParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    return [(f.start_line, f.end_line, f.kind) for f in found or []]


async def test_blocks_comments_and_strings_fold(editor) -> None:
    uri = editor.open("tea.mizan", TEXT)
    await editor.diagnostics(uri, version=1)
    assert await folds(editor, uri) == [
        (1, 2, C),  # two `//` lines; the trailing comments on 4 and 5 are not a run
        (3, 5, None),  # type TeaCup { ... } keeps its `}` line visible
        (7, 8, C),  # the block comment, whole
        (9, 10, None),  # the doc string keeps its closing quotes visible
        (11, 12, None),  # the block whose `}` ends a line of code folds through it
        (13, 15, C),  # a slashdashed node is commented-out code
        (17, 20, None),  # type Nested; its raw string (18..19) folds inside it
        (18, 19, None),
    ]


async def test_folds_of_a_shop_file(editor) -> None:
    uri = editor.open("common.mizan")
    found = await folds(editor, uri)
    lines = editor.texts[uri].split("\n")
    assert found[0] == (2, 3, C)  # the header comment
    for start, end, kind in found[1:]:
        assert kind is None and lines[start].rstrip().endswith("{")
        assert lines[end + 1].strip() == "}"
