"""Hover over JSON-RPC: exact Markdown and the hovered name's range."""

from __future__ import annotations

from lsprotocol import types as lsp

FENCE = "```"

EXTRA = """mizan 1
import "common.mizan"

fn convert doc="Prix en € 💶" returns=Money {
    param amount Money
}
"""


async def _hover(editor, uri: str, needle: str, delta: int = 0,
                 occurrence: int = 0) -> lsp.Hover | None:
    position = editor.position(uri, needle, occurrence=occurrence, delta=delta)
    return await editor.client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position))


def _text(hover: lsp.Hover) -> str:
    assert isinstance(hover.contents, lsp.MarkupContent)
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    return hover.contents.value


def _range(r: lsp.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def _code(line: str) -> str:
    return f"{FENCE}\n{line}\n{FENCE}"


async def test_mutation_signature_auth_and_invalidations(editor) -> None:
    uri = editor.open("customers.mizan")
    hover = await _hover(editor, uri, "fn update_profile", delta=5)
    assert _text(hover) == "\n\n".join([
        _code("fn update_profile(customer_id: int64, display_name: str, email: str, "
              "website: str? = #null, marketing_opt_in: bool = #false) -> CustomerProfile"),
        "Change the public name, e-mail and preferences of an account.",
        "mutation · auth `user`",
        "**Invalidates**\n- `customer` — exact (customer_id <- customer_id)",
        "*Declared in `customers.mizan`, line 93*",
    ])
    start = editor.position(uri, "fn update_profile", delta=3)
    assert _range(hover.range) == (start.line, start.character, start.line, start.character + 14)


async def test_query_member_and_use_in_another_file(editor) -> None:
    uri = editor.open("backoffice.mizan")
    hover = await _hover(editor, uri, "submit=update_product", delta=9)
    text = _text(hover)
    assert text.startswith(_code("fn update_product(product_id: int64, category_id: int64, "
                                 "name: str, description: str, price: decimal) -> ProductCard"))
    assert "mutation · auth `staff`" in text
    assert ("**Invalidates**\n- `category` — exact (category_id <- category_id)\n"
            "- `product` — exact (product_id <- product_id)\n- `storefront` — exact") in text
    uri = editor.open("catalog.mizan")
    text = _text(await _hover(editor, uri, "fn product_detail", delta=4))
    assert "query · member of context `product` · auth `public`" in text
    text = _text(await _hover(editor, uri, "fn suggest_products", delta=4))
    assert "query · auth `public` · websocket" in text


async def test_affects_target_shows_this_mutations_tier_first(editor) -> None:
    uri = editor.open("backoffice.mizan")
    hover = await _hover(editor, uri, "affects order by=", delta=9)
    text = _text(hover)
    assert text.startswith(
        "`ship_order` invalidates `order`: "
        "**exact (customer_id <- buyer_id, order_id <- order_id)**\n\n"
        + _code("context order(customer_id: int64, order_id: int64)"))
    at = editor.position(uri, "affects order by=", delta=8)
    assert _range(hover.range) == (at.line, at.character, at.line, at.character + 5)
    text = _text(await _hover(editor, uri, "affects order by=order_id:order_id scope", delta=9))
    assert text.startswith("`refund_order` invalidates `order`: **partial (order_id <- order_id)**")


async def test_context_keys_cache_render_members_and_mutations(editor) -> None:
    uri = editor.open("orders.mizan")
    hover = await _hover(editor, uri, "context order ", delta=9)
    assert _text(hover) == "\n\n".join([
        _code("context order(customer_id: int64, order_id: int64)"),
        "One order of one customer.",
        "auth `user` · cached 15 s, vary identity · render ssr",
        "**Members (1)**\n- `order_detail` -> OrderDetail",
        ("**Affected by (4)**\n"
        "- `cancel_order` — exact (customer_id <- customer_id, order_id <- order_id)\n"
        "- `checkout` — partial (customer_id <- customer_id)\n"
        "- `refund_order` — partial (order_id <- order_id)\n"
        "- `ship_order` — exact (customer_id <- buyer_id, order_id <- order_id)"),
        "*Declared in `orders.mizan`, line 78*",
    ])


async def test_context_with_non_ascii_doc_and_no_cache(editor) -> None:
    uri = editor.open("catalog.mizan")
    text = _text(await _hover(editor, uri, "context=storefront", delta=8))
    assert text.startswith("\n\n".join([
        _code("context storefront()"),
        "Vitrine de la boutique : sélection du moment, catégories et bannières ✨",
        "auth `public` · cached 300 s, vary public · render static",
        ("**Members (3)**\n- `banners` -> list<Banner>\n"
        "- `featured_products` -> list<ProductCard>\n- `navigation` -> list<CategoryLink>"),
    ]))
    uri = editor.open("orders.mizan")
    text = _text(await _hover(editor, uri, "context cart", delta=9))
    assert "auth `user` · not cached · render csr" in text


async def test_param_with_resolved_type_and_binding_names(editor) -> None:
    uri = editor.open("backoffice.mizan")
    hover = await _hover(editor, uri, "customer_id:buyer_id", delta=13)
    assert _text(hover) == "\n\n".join([
        _code("param buyer_id: int64"),
        "The customer who placed the order.",
        "Param of `fn ship_order`",
        ("Type `int64`: Signed 64-bit integer. Wire form: a string of digits "
        "(JavaScript numbers lose precision above 2^53)."),
        "*Declared in `backoffice.mizan`, line 83*",
    ])
    text = _text(await _hover(editor, uri, "by=customer_id", delta=4))
    assert text.startswith(_code("param customer_id: int64") + "\n\nKey param of context `order`")
    text = _text(await _hover(editor, uri, "param reason", delta=7))
    assert "Optional (default #null)" in text


async def test_named_types_are_resolved(editor) -> None:
    uri = editor.open("catalog.mizan")
    text = _text(await _hover(editor, uri, "field facets", delta=7))
    assert text == "\n\n".join([
        _code("field facets: map<str,list<FacetCount>>"),
        "Facet name -> value counts.",
        "Field of type `SearchResults`",
        ("Type `map<str,list<FacetCount>>`\n- `str`: Unicode text. Wire form: a string.\n"
        "- `FacetCount`: record of 2 fields"),
        "*Declared in `catalog.mizan`, line 97*",
    ])


async def test_type_enum_shape_model_form(editor) -> None:
    uri = editor.open("common.mizan")
    assert _text(await _hover(editor, uri, "type Money", delta=5)) == "\n\n".join([
        _code("type Money"),
        "An amount in one currency. Amounts are decimals, never floats.",
        "**Fields (2)**\n- `amount`: decimal\n- `currency`: Currency = EUR",
        "*Declared in `common.mizan`, line 51*",
    ])
    assert _text(await _hover(editor, uri, "enum Currency", delta=5)) == "\n\n".join([
        _code("enum Currency"),
        "ISO 4217 codes the shop sells in.",
        "**Members (3)**\n- `EUR` — Euro\n- `USD` — US dollar\n- `GBP` — Pound sterling",
        "*Declared in `common.mizan`, line 13*",
    ])
    uri = editor.open("catalog.mizan")
    assert _text(await _hover(editor, uri, "shape ProductCard", delta=6)) == "\n\n".join([
        _code("shape ProductCard"),
        "A product tile: listings, search results, recommendations.",
        "Projection of model `Product`",
        ("**Fields (7)**\n- `id`: int64\n- `slug`: str\n- `name`: str\n- `price`: decimal\n"
        "- `currency`: str\n- `category`: CategoryLink\n- `images`: list<ProductImageView>"),
        "*Declared in `catalog.mizan`, line 55*",
    ])
    text = _text(await _hover(editor, uri, "model ProductImage ", delta=6))
    assert text.startswith(_code("model ProductImage") + "\n\nTable `shop_product_image`")
    assert "- `id`: int64 (primary)" in text
    assert "**Relations (1)**\n- `product` -> `Product`" in text
    uri = editor.open("customers.mizan")
    text = _text(await _hover(editor, uri, "form ProfileForm", delta=5))
    assert text.startswith(_code("form ProfileForm") + "\n\nAccount settings page.\n\n"
                           "Submits to `update_profile`")
    assert ('- `display_name`: str (required=#true, min-length=2, max-length=60, '
            'label "Public name")') in text


async def test_items_of_models_shapes_forms_and_enums(editor) -> None:
    uri = editor.open("catalog.mizan")
    text = _text(await _hover(editor, uri, "field category shape=CategoryLink", delta=7))
    assert text.startswith("\n\n".join([
        _code("field category: CategoryLink"),
        "Field of shape `ProductCard`, from model `Product`, through shape `CategoryLink`",
        _code("relation category -> Category"),
    ]))
    uri = editor.open("customers.mizan")
    text = _text(await _hover(editor, uri, "field email email", delta=7))
    assert text == "\n\n".join([
        _code('field email: email (required=#true, label "E-mail")'),
        "Field of form `ProfileForm`",
        "Submitted as `email: str` of `update_profile`",
    ])
    uri = editor.open("common.mizan")
    hover = await _hover(editor, uri, "default=EUR", delta=9)
    assert _text(hover).startswith(_code("Currency.EUR") + "\n\nEuro\n\nMember of enum `Currency`")
    at = editor.position(uri, "default=EUR", delta=8)
    assert _range(hover.range) == (at.line, at.character, at.line, at.character + 3)


async def test_guards_as_auth_levels(editor) -> None:
    uri = editor.open("backoffice.mizan")
    assert _text(await _hover(editor, uri, "auth=admin", delta=6)) == "\n\n".join([
        _code("guard admin"),
        "Administrators: prices, promotions and settings.",
        "Auth level: the token's claim role = admin",
        "*Declared in `common.mizan`, line 9*",
    ])


async def test_primitive_and_builtin_types(editor) -> None:
    uri = editor.open("common.mizan")
    hover = await _hover(editor, uri, "total int64", delta=7)
    assert _text(hover) == _code("int64") + (
        "\n\nSigned 64-bit integer. Wire form: a string of digits (JavaScript numbers lose "
        "precision above 2^53).")
    at = editor.position(uri, "total int64", delta=6)
    assert _range(hover.range) == (at.line, at.character, at.line, at.character + 5)
    uri = editor.open("catalog.mizan")
    hover = await _hover(editor, uri, "map<str,str>", delta=1)
    assert _text(hover) == _code("map") + "\n\n`map<str,T>`: text keys to T. Wire form: a JSON object."
    at = editor.position(uri, "map<str,str>")
    assert _range(hover.range) == (at.line, at.character, at.line, at.character + 3)
    uri = editor.open("backoffice.mizan")
    assert _text(await _hover(editor, uri, "image Upload", delta=7)) == _code("Upload") + (
        "\n\nA file sent as a multipart part (function params only).")


async def test_language_words(editor) -> None:
    uri = editor.open("catalog.mizan")
    assert _text(await _hover(editor, uri, "render ssr", delta=8)) == _code("ssr") + (
        "\n\nServer-side rendering.")
    assert _text(await _hover(editor, uri, "cache ttl=120", delta=1)) == _code("cache") + (
        "\n\nThe bundle's cache policy: `ttl=` seconds, `vary=` identity or public.")
    assert _text(await _hover(editor, uri, "vary=public", delta=1)) == _code("vary") + (
        "\n\nidentity: one cached bundle per caller; public: one for everybody.")
    uri = editor.open("main.mizan")
    assert _text(await _hover(editor, uri, '"common.mizan"', delta=2)) == _code("common.mizan") + (
        "\n\nDeclares 4 types, 5 enums.")


async def test_nothing_off_names(editor) -> None:
    uri = editor.open("main.mizan")
    assert await _hover(editor, uri, "// The online", delta=4) is None


async def test_utf16_range_after_an_emoji(editor) -> None:
    uri = editor.open("extra.mizan", EXTRA)
    # "€" is one UTF-16 unit, "💶" two: Money starts at code point 37, UTF-16 column 38.
    hover = await editor.client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=3,
                                                                                 character=40)))
    assert _range(hover.range) == (3, 38, 3, 43)
    assert _text(hover).startswith(_code("type Money"))
    text = _text(await _hover(editor, uri, "fn convert", delta=4))
    assert text.startswith(_code("fn convert(amount: Money) -> Money") + "\n\nPrix en € 💶")


async def test_hover_while_the_document_is_being_typed(editor) -> None:
    text = "mizan 1\nimport \"customers.mizan\"\n\nfn x affects=customer {\n    param customer_id int64\n}\n\nfn y context="
    uri = editor.open("extra.mizan", text)
    hover = await _hover(editor, uri, "affects=customer", delta=9)
    assert _text(hover).startswith("`x` invalidates `customer`: **exact (customer_id <- customer_id)**")
