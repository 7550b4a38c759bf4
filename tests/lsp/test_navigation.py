"""Go to definition, find references and document highlight, over JSON-RPC."""

from __future__ import annotations

from lsprotocol import types as lsp

R, W = lsp.DocumentHighlightKind.Read, lsp.DocumentHighlightKind.Write

# A file whose line holds a euro sign and an emoji (two UTF-16 units) before a name.
EXTRA = """mizan 1
import "common.mizan"

fn convert doc="Prix en € 💶" returns=Money {
    param amount Money
}
"""


def _range(r: lsp.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def _places(editor, locations) -> list[tuple[str, tuple[int, int, int, int]]]:
    root = editor.root.as_uri() + "/"
    return [(loc.uri.removeprefix(root), _range(loc.range)) for loc in locations]


async def _definition(editor, uri: str, position: lsp.Position):
    return await editor.client.text_document_definition_async(lsp.DefinitionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position))


async def test_definition_in_another_file(editor) -> None:
    uri = editor.open("orders.mizan")
    found = await _definition(editor, uri, editor.position(uri, "returns=Money", delta=10))
    assert _places(editor, found) == [("common.mizan", (50, 5, 50, 10))]


async def test_definition_of_an_import_path_is_the_imported_file(editor) -> None:
    uri = editor.open("main.mizan")
    for delta in (0, 1, 14):  # on the opening quote, inside, on the closing quote
        found = await _definition(editor, uri, editor.position(uri, '"orders.mizan"', delta=delta))
        assert _places(editor, found) == [("orders.mizan", (0, 0, 0, 0))]


async def test_definition_off_any_name_is_nothing(editor) -> None:
    uri = editor.open("main.mizan")
    assert await _definition(editor, uri, editor.position(uri, "// The online")) is None


async def test_definition_with_utf16_columns(editor) -> None:
    uri = editor.open("extra.mizan", EXTRA)
    # "€" is one UTF-16 unit, "💶" two: Money starts at code point 37, UTF-16 column 38.
    found = await _definition(editor, uri, lsp.Position(line=3, character=40))
    assert _places(editor, found) == [("common.mizan", (50, 5, 50, 10))]


async def test_references_across_files(editor) -> None:
    uri = editor.open("orders.mizan")
    at = editor.position(uri, "type OrderDetail", delta=7)
    found = await editor.client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=at,
        context=lsp.ReferenceContext(include_declaration=True)))
    assert _places(editor, found) == [
        ("backoffice.mizan", (79, 49, 79, 60)),
        ("backoffice.mizan", (90, 35, 90, 46)),
        ("orders.mizan", (63, 5, 63, 16)),
        ("orders.mizan", (94, 38, 94, 49)),
        ("orders.mizan", (128, 20, 128, 31)),
        ("orders.mizan", (143, 47, 143, 58)),
    ]
    without = await editor.client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=at,
        context=lsp.ReferenceContext(include_declaration=False)))
    assert ("orders.mizan", (63, 5, 63, 16)) not in _places(editor, without)
    assert len(without) == 5


async def test_references_include_an_open_unsaved_file(editor) -> None:
    uri = editor.open("extra.mizan", EXTRA)
    common = editor.open("common.mizan")
    found = await editor.client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(uri=common),
        position=editor.position(common, "type Money", delta=5),
        context=lsp.ReferenceContext(include_declaration=False)))
    extra = [place for place in _places(editor, found) if place[0] == "extra.mizan"]
    assert extra == [("extra.mizan", (3, 38, 3, 43)), ("extra.mizan", (4, 17, 4, 22))]
    assert uri.endswith("extra.mizan")


async def test_highlight_in_one_file(editor) -> None:
    uri = editor.open("backoffice.mizan")
    # On the param side of `by=customer_id:buyer_id`: the key side is another name.
    at = editor.position(uri, "customer_id:buyer_id", delta=14)
    found = await editor.client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(text_document=lsp.TextDocumentIdentifier(uri=uri),
                                    position=at))
    assert [(_range(h.range), h.kind) for h in found] == [
        ((82, 10, 82, 18), W),  # param buyer_id int64
        ((85, 33, 85, 41), R),  # affects order by=customer_id:buyer_id,...
        ((86, 24, 86, 32), R),  # affects customer by=buyer_id
    ]


async def test_highlight_stays_in_its_file_and_counts_utf16(editor) -> None:
    uri = editor.open("extra.mizan", EXTRA)
    found = await editor.client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(text_document=lsp.TextDocumentIdentifier(uri=uri),
                                    position=editor.position(uri, "amount Money", delta=9)))
    # Money is declared in common.mizan: only the two uses here, both reads.
    assert [(_range(h.range), h.kind) for h in found] == [((3, 38, 3, 43), R),
                                                          ((4, 17, 4, 22), R)]
