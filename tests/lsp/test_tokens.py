"""Semantic tokens over JSON-RPC: decoded back to (line, column, length, type, modifiers)."""

from __future__ import annotations

from lsprotocol import types as lsp

# Accents and an emoji (two UTF-16 units) sit before tokens on lines 1 and 2;
# lines 3..5 hold a multi-line string and lines 11..12 a block comment, which
# come back one token per line.
TEXT = """mizan 1
// Café 🌿 list
type TeaCard { doc "Crème 🍮"; field tea_id int64; field tags list<str>? }
fn tea_cards context=tea_shelf returns=list<TeaCard> doc=\"\"\"
    Les thés 🍵
    \"\"\" {
    param shelf_id int64
}
context tea_shelf auth=public {
    param shelf_id int64
}
/* a
   b */
"""

EXPECTED = [
    (0, 0, 5, "keyword", ()),
    (0, 6, 1, "number", ()),
    (1, 0, 15, "comment", ()),  # the emoji counts two units
    (2, 0, 4, "keyword", ()),
    (2, 5, 7, "type", ("declaration", "definition")),
    (2, 15, 3, "keyword", ()),
    (2, 19, 10, "string", ("documentation",)),  # "Crème 🍮": 8 characters, 10 UTF-16 units
    (2, 31, 5, "keyword", ()),
    (2, 37, 6, "property", ("declaration",)),
    (2, 44, 5, "type", ("defaultLibrary",)),
    (2, 51, 5, "keyword", ()),
    (2, 57, 4, "property", ("declaration",)),
    (2, 62, 4, "type", ("defaultLibrary",)),
    (2, 66, 1, "operator", ()),
    (2, 67, 3, "type", ("defaultLibrary",)),
    (2, 70, 1, "operator", ()),
    (2, 71, 1, "operator", ()),
    (3, 0, 2, "keyword", ()),
    (3, 3, 9, "function", ("declaration", "definition")),
    (3, 13, 7, "property", ()),
    (3, 20, 1, "operator", ()),
    (3, 21, 9, "namespace", ()),
    (3, 31, 7, "property", ()),
    (3, 38, 1, "operator", ()),
    (3, 39, 4, "type", ("defaultLibrary",)),
    (3, 43, 1, "operator", ()),
    (3, 44, 7, "type", ()),
    (3, 51, 1, "operator", ()),
    (3, 53, 3, "property", ()),
    (3, 56, 1, "operator", ()),
    (3, 57, 3, "string", ("documentation",)),
    (4, 0, 15, "string", ("documentation",)),
    (5, 0, 7, "string", ("documentation",)),
    (6, 4, 5, "keyword", ()),
    (6, 10, 8, "parameter", ("declaration",)),
    (6, 19, 5, "type", ("defaultLibrary",)),
    (8, 0, 7, "keyword", ()),
    (8, 8, 9, "namespace", ("declaration", "definition")),
    (8, 18, 4, "property", ()),
    (8, 22, 1, "operator", ()),
    (8, 23, 6, "enumMember", ("defaultLibrary",)),
    (9, 4, 5, "keyword", ()),
    (9, 10, 8, "parameter", ("declaration", "readonly")),
    (9, 19, 5, "type", ("defaultLibrary",)),
    (11, 0, 4, "comment", ()),
    (12, 0, 7, "comment", ()),
]


def decode(data: list[int], legend: lsp.SemanticTokensLegend):
    """The relative encoding back to absolute (line, column, length, type, modifiers)."""
    assert len(data) % 5 == 0
    out = []
    line = column = 0
    for i in range(0, len(data), 5):
        delta_line, delta_start, length, kind, bits = data[i:i + 5]
        line += delta_line
        column = column + delta_start if delta_line == 0 else delta_start
        modifiers = tuple(m for b, m in enumerate(legend.token_modifiers) if bits & (1 << b))
        out.append((line, column, length, legend.token_types[kind], modifiers))
    return out


def server_legend(editor) -> lsp.SemanticTokensLegend:
    """The legend the server advertised at `initialize`."""
    provider = editor.client.initialize_result.capabilities.semantic_tokens_provider
    assert provider.full and provider.range
    return provider.legend


async def full(editor, uri: str):
    found = await editor.client.text_document_semantic_tokens_full_async(
        lsp.SemanticTokensParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))
    return found.data


async def test_full_tokens_are_exact_with_utf16_columns(editor) -> None:
    uri = editor.open("tea.mizan", TEXT)
    await editor.diagnostics(uri, version=1)
    assert decode(await full(editor, uri), server_legend(editor)) == EXPECTED


async def test_range_tokens_are_the_full_tokens_of_those_lines(editor) -> None:
    uri = editor.open("tea.mizan", TEXT)
    found = await editor.client.text_document_semantic_tokens_range_async(
        lsp.SemanticTokensRangeParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(start=lsp.Position(line=6, character=0),
                            end=lsp.Position(line=9, character=0))))
    assert decode(found.data, server_legend(editor)) == [t for t in EXPECTED if 6 <= t[0] <= 8]


async def test_tokens_follow_edits_and_tolerate_broken_text(editor) -> None:
    uri = editor.open("tea.mizan", TEXT)
    version = editor.replace_all(uri, 'mizan 1\nfn broken returns=list<TeaCard {\n  param "x\n')
    await editor.diagnostics(uri, version=version)
    decoded = decode(await full(editor, uri), server_legend(editor))
    assert decoded[:4] == [(0, 0, 5, "keyword", ()), (0, 6, 1, "number", ()),
                           (1, 0, 2, "keyword", ()),
                           (1, 3, 6, "function", ("declaration", "definition"))]
    # Sorted, non-overlapping and within their line, whatever the parser recovered.
    lines = editor.texts[uri].split("\n")
    for (line, col, length, *_), after in zip(decoded, [*decoded[1:], None]):
        assert length > 0 and col + length <= len(lines[line].encode("utf-16-le")) // 2
        if after is not None:
            assert (line, col + length) <= (after[0], after[1])


async def test_shop_names_take_the_kind_of_what_they_name(editor) -> None:
    uri = editor.open("catalog.mizan")
    decoded = decode(await full(editor, uri), server_legend(editor))
    text = editor.texts[uri].splitlines()
    kinds = {(text[line][col:col + length], kind) for line, col, length, kind, _ in decoded}
    assert ("ProductCard", "interface") in kinds  # a shape
    assert ("Category", "class") in kinds  # a model
    assert ("storefront", "namespace") in kinds
    assert ("StockStatus", "enum") in kinds


async def test_unchanged_declarations_follow_kind_changes_and_moves(editor) -> None:
    # The function's tokens are reused across edits; the kind of `Leaf` it
    # names must still follow its declaration, and its place the inserted line.
    text = "mizan 1\ntype Leaf {}\n\nfn leaf_of returns=Leaf\n"
    uri = editor.open("tea.mizan", text)
    await editor.diagnostics(uri, version=1)
    leaf = (3, 19, 4)
    decoded = decode(await full(editor, uri), server_legend(editor))
    assert (*leaf, "type", ()) in decoded
    version = editor.edit(uri, (1, 0), (1, 12), "enum Leaf { green }")
    await editor.diagnostics(uri, version=version)
    decoded = decode(await full(editor, uri), server_legend(editor))
    assert (*leaf, "enum", ()) in decoded
    version = editor.edit(uri, (1, 0), (1, 0), "// Feuille 🍃\n")
    await editor.diagnostics(uri, version=version)
    decoded = decode(await full(editor, uri), server_legend(editor))
    assert decoded[2:4] == [(1, 0, 13, "comment", ()), (2, 0, 4, "keyword", ())]
    assert (4, 19, 4, "enum", ()) in decoded and (*leaf, "enum", ()) not in decoded


async def test_lines_are_counted_by_lsp_rules(editor) -> None:
    # KDL ends a line at U+2028; LSP does not: both nodes are on LSP line 0.
    uri = editor.open("tea.mizan", "mizan 1\u2028fn tea_pot returns=int\n")
    decoded = decode(await full(editor, uri), server_legend(editor))
    assert decoded[:4] == [(0, 0, 5, "keyword", ()), (0, 6, 1, "number", ()),
                           (0, 8, 2, "keyword", ()),
                           (0, 11, 7, "function", ("declaration", "definition"))]
