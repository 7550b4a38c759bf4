"""Inlay hints (invalidation of each affected context) and context code lenses."""

from __future__ import annotations

from lsprotocol import types as lsp


def _range(first: int, last: int) -> lsp.Range:
    return lsp.Range(start=lsp.Position(line=first, character=0),
                     end=lsp.Position(line=last, character=0))


async def hints(editor, uri: str, first: int, last: int) -> list[lsp.InlayHint]:
    found = await editor.client.text_document_inlay_hint_async(lsp.InlayHintParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=_range(first, last)))
    return list(found or [])


def placed(found: list[lsp.InlayHint]) -> list[tuple[int, int, str]]:
    assert all(h.padding_left for h in found)
    return [(h.position.line, h.position.character, h.label) for h in found]


async def test_all_three_tiers_in_the_back_office(editor) -> None:
    uri = editor.open("backoffice.mizan")
    # adjust_stock (affects= list), publish_price_list (scope=), ship_order and
    # refund_order (child nodes with by=), moderate_review (no key bound).
    found = await hints(editor, uri, 48, 100)
    assert placed(found) == [
        (48, 44, "exact(product_id, warehouse_id)"),
        (48, 52, "exact(product_id)"),
        (48, 64, "exact"),
        (56, 48, "partial(warehouse_id)"),
        (56, 60, "exact"),
        (62, 54, "exact"),
        (70, 32, "global"),
        (71, 33, "global"),
        (72, 22, "exact"),
        (85, 59, "exact(customer_id, order_id)"),
        (86, 32, "exact(customer_id)"),
        (87, 23, "exact"),
        (95, 52, "partial(order_id)"),
        (96, 23, "exact"),
        (99, 45, "global"),
    ]
    tooltips = {(h.position.line, h.position.character): h.tooltip for h in found}
    assert tooltips[(85, 59)] == ("exact: the one instance of context 'order' with these keys\n"
                                  "customer_id <- buyer_id\norder_id <- order_id\n"
                                  "(bound with by=)")
    assert tooltips[(95, 52)] == ("partial: every instance of context 'order' matching these "
                                  "keys\norder_id <- order_id\nnot bound: customer_id\n"
                                  "(scope=partial)")
    assert tooltips[(70, 32)] == ("global: every instance of context 'product' is invalidated\n"
                                  "(scope=global)")
    assert tooltips[(56, 48)] == ("partial: every instance of context 'inventory' matching "
                                  "these keys\nwarehouse_id <- warehouse_id\n"
                                  "not bound: product_id\n(keys matched by param name)")
    assert tooltips[(48, 64)] == ("exact: context 'back_office' has no keys, so its one "
                                  "instance is invalidated")


async def test_only_hints_inside_the_requested_range(editor) -> None:
    uri = editor.open("backoffice.mizan")
    assert placed(await hints(editor, uri, 70, 72)) == [(70, 32, "global"), (71, 33, "global")]
    assert await hints(editor, uri, 0, 30) == []


async def test_hint_position_after_accents_and_emoji(editor) -> None:
    text = ('mizan 1\n\nfn tea_refill doc="Thé 🍵 frais" affects=product,storefront {\n'
            '    param product_id int64\n}\n')
    uri = editor.open("tea.mizan", text)
    await editor.diagnostics(uri, version=1)
    # `product` ends at code point 47 but UTF-16 column 48 (the emoji is two units).
    assert placed(await hints(editor, uri, 0, 5)) == [(2, 48, "exact(product_id)"),
                                                      (2, 59, "exact")]
    assert editor.position(uri, ",storefront") == lsp.Position(line=2, character=48)
    assert text.split("\n")[2].index(",storefront") == 47


async def test_hints_follow_an_edit(editor) -> None:
    text = ('mizan 1\n\nfn tea_restock affects=inventory {\n'
            '    param warehouse_id int64\n    param product_id int64\n}\n')
    uri = editor.open("tea.mizan", text)
    await editor.diagnostics(uri, version=1)
    assert placed(await hints(editor, uri, 0, 9)) == [
        (2, 32, "exact(product_id, warehouse_id)")]
    version = editor.replace_all(uri, text.replace("    param product_id int64\n", ""))
    await editor.diagnostics(uri, version=version)
    assert placed(await hints(editor, uri, 0, 9)) == [(2, 32, "partial(warehouse_id)")]


async def test_code_lens_titles_on_the_shop_contexts(editor) -> None:
    uri = editor.open("catalog.mizan")
    found = await editor.client.text_document_code_lens_async(lsp.CodeLensParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert [(lens.range.start.line, lens.range.start.character, lens.range.end.character,
             lens.command.title) for lens in found] == [
        (99, 8, 18, "3 queries, 3 mutations affect it"),
        (105, 8, 16, "2 queries, 2 mutations affect it"),
        (112, 8, 15, "2 queries, 5 mutations affect it"),
        (170, 8, 17, "1 query, 3 mutations affect it"),
    ]
    inventory = found[3].command
    assert inventory.command == "mizan.showContextUsers"
    target, position, places = inventory.arguments
    assert target == uri and (position["line"], position["character"]) == (170, 8)
    root = editor.root.as_uri() + "/"
    users = [(place["uri"].removeprefix(root), place["range"]["start"]["line"])
             for place in places]
    assert users == [("catalog.mizan", 178),  # stock_level, the member query
                     ("backoffice.mizan", 48), ("backoffice.mizan", 56),  # mutations
                     ("orders.mizan", 128)]


async def test_code_lens_of_a_context_without_users(editor) -> None:
    uri = editor.open("tea.mizan", "mizan 1\n\ncontext tea_room {\n    param room_id int64\n}\n")
    await editor.diagnostics(uri, version=1)
    found = await editor.client.text_document_code_lens_async(lsp.CodeLensParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert [(lens.range.start.line, lens.command.title) for lens in found] == [
        (2, "0 queries, 0 mutations affect it")]
