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


def _find(editor, name: str, needle: str, occurrence: int = 0, delta: int = 0,
          length: int | None = None) -> tuple[int, int, int, int]:
    """Where `needle` (from `delta`, `length` characters) is in a workspace file, as
    (line, UTF-16 column, line, column): expectations that follow edits of the example."""
    text = (editor.root / name).read_text("utf-8")
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    start = at + delta
    end = start + (len(needle) - delta if length is None else length)

    def position(offset: int) -> tuple[int, int]:
        line_start = text.rfind("\n", 0, offset) + 1
        return text.count("\n", 0, offset), len(text[line_start:offset].encode("utf-16-le")) // 2

    return (*position(start), *position(end))


def _places(editor, locations) -> list[tuple[str, tuple[int, int, int, int]]]:
    root = editor.root.as_uri() + "/"
    return [(loc.uri.removeprefix(root), _range(loc.range)) for loc in locations]


async def _definition(editor, uri: str, position: lsp.Position):
    return await editor.client.text_document_definition_async(lsp.DefinitionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position))


async def test_definition_in_another_file(editor) -> None:
    uri = editor.open("orders.mizan")
    found = await _definition(editor, uri, editor.position(uri, "returns=Money", delta=10))
    assert _places(editor, found) == [("common.mizan", _find(editor, "common.mizan",
                                                             "type Money", delta=5))]


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
    assert _places(editor, found) == [("common.mizan", _find(editor, "common.mizan",
                                                             "type Money", delta=5))]


async def test_references_across_files(editor) -> None:
    uri = editor.open("orders.mizan")
    at = editor.position(uri, "type OrderDetail", delta=7)
    found = await editor.client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=at,
        context=lsp.ReferenceContext(include_declaration=True)))
    declaration = ("orders.mizan", _find(editor, "orders.mizan", "type OrderDetail", delta=5))
    uses = [("backoffice.mizan", _find(editor, "backoffice.mizan", "returns=OrderDetail", i, 8))
            for i in range(2)]
    uses += [("orders.mizan", _find(editor, "orders.mizan", "returns=OrderDetail", i, 8))
             for i in range(3)]
    assert _places(editor, found) == sorted([declaration, *uses])
    without = await editor.client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=at,
        context=lsp.ReferenceContext(include_declaration=False)))
    assert _places(editor, without) == sorted(uses)


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
        (_find(editor, "backoffice.mizan", "param buyer_id", delta=6), W),
        (_find(editor, "backoffice.mizan", "customer_id:buyer_id", delta=12), R),
        (_find(editor, "backoffice.mizan", "by=buyer_id", delta=3), R),
    ]


async def test_highlight_stays_in_its_file_and_counts_utf16(editor) -> None:
    uri = editor.open("extra.mizan", EXTRA)
    found = await editor.client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(text_document=lsp.TextDocumentIdentifier(uri=uri),
                                    position=editor.position(uri, "amount Money", delta=9)))
    # Money is declared in common.mizan: only the two uses here, both reads.
    assert [(_range(h.range), h.kind) for h in found] == [((3, 38, 3, 43), R),
                                                          ((4, 17, 4, 22), R)]


async def test_the_server_announces_navigation(editor) -> None:
    caps = editor.client.initialize_result.capabilities
    assert caps.definition_provider and caps.references_provider
    assert caps.document_highlight_provider
