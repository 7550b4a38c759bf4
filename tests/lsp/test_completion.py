"""Completion over JSON-RPC: names, properties, values, paths and snippets.

Most cases type into a new file of the shop workspace (`extra.mizan`), often
with the cursor at the very end of half-written text, as in an editor.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from lsprotocol import types as lsp

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"
K = lsp.CompletionItemKind
CONTEXTS = ["back_office", "cart", "category", "customer", "inventory", "order", "product",
            "reviews", "storefront"]
PRIMITIVES = ["bool", "int", "int64", "float", "decimal", "str", "date", "datetime", "uuid",
              "bytes", "json"]


async def _complete(editor, uri: str, position: lsp.Position) -> lsp.CompletionList:
    got = await editor.client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position))
    assert isinstance(got, lsp.CompletionList)
    return got


async def _at_end(editor, text: str, name: str = "extra.mizan") -> lsp.CompletionList:
    """Open `text` and complete with the cursor at its very end."""
    uri = editor.open(name, text)
    lines = text.split("\n")
    end = lsp.Position(line=len(lines) - 1,
                       character=len(lines[-1].encode("utf-16-le")) // 2)
    return await _complete(editor, uri, end)


def _labels(got: lsp.CompletionList) -> list[str]:
    return [item.label for item in sorted(got.items, key=lambda item: item.sort_text or "")]


def _item(got: lsp.CompletionList, label: str) -> lsp.CompletionItem:
    (found,) = [item for item in got.items if item.label == label]
    return found


def _range(r: lsp.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def _doc(item: lsp.CompletionItem) -> str:
    doc = item.documentation
    return doc.value if isinstance(doc, lsp.MarkupContent) else (doc or "")


# --- node names ------------------------------------------------------------------------------
async def test_top_level_keywords_and_snippets(editor) -> None:
    got = await _at_end(editor, "mizan 1\n\n")
    assert _labels(got) == [
        "import", "auth", "enum", "type", "context", "fn", "model", "shape", "form",
        "fn query", "fn mutation", "context", "type", "enum", "model", "shape", "form"]
    assert not got.is_incomplete
    keyword = next(i for i in got.items if i.label == "fn" and i.kind == K.Keyword)
    assert keyword.insert_text_format == lsp.InsertTextFormat.PlainText
    assert keyword.text_edit.new_text == "fn"
    query = _item(got, "fn query")
    assert query.kind == K.Snippet
    assert query.insert_text_format == lsp.InsertTextFormat.Snippet
    assert query.text_edit.new_text == ("fn ${1:name} context=${2:context} returns=${3:Type} {\n"
                                        "    param ${4:id} ${5:int64}\n}$0")
    assert _range(query.text_edit.range) == (2, 0, 2, 0)


async def test_version_node_offered_in_an_empty_file(editor) -> None:
    got = await _at_end(editor, "")
    assert _labels(got)[:2] == ["mizan", "import"]


async def test_typed_prefix_is_replaced(editor) -> None:
    got = await _at_end(editor, "mizan 1\ncon")
    context = next(i for i in got.items if i.label == "context" and i.kind == K.Keyword)
    assert _range(context.text_edit.range) == (1, 0, 1, 3)
    assert "fn" not in _labels(got)  # filtered by the typed letters


async def test_children_of_a_function_block(editor) -> None:
    got = await _at_end(editor, "mizan 1\nfn x {\n    param a int\n    ")
    assert _labels(got) == ["param", "affects", "doc"]
    assert {item.kind for item in got.items} == {K.Keyword}


async def test_children_allowed_once_are_not_offered_twice(editor) -> None:
    text = "mizan 1\ncontext c {\n    cache ttl=5\n    \n    render csr\n}\n"
    uri = editor.open("extra.mizan", text)
    got = await _complete(editor, uri, lsp.Position(line=3, character=4))
    assert _labels(got) == ["param", "doc"]


async def test_enum_block_offers_only_its_doc(editor) -> None:
    got = await _at_end(editor, "mizan 1\nenum E {\n    a\n    ")
    assert _labels(got) == ["doc"]


# --- properties ------------------------------------------------------------------------------
async def test_properties_of_a_function(editor) -> None:
    got = await _at_end(editor, "mizan 1\nfn x ")
    assert _labels(got) == ["context", "returns", "affects", "auth", "websocket", "kind", "doc"]
    returns = _item(got, "returns")
    assert returns.kind == K.Property
    assert returns.detail == "type"
    assert returns.text_edit.new_text == "returns="
    assert _doc(returns) == "The result type; without it the function returns nothing."


async def test_properties_already_present_are_left_out(editor) -> None:
    text = "mizan 1\nfn x returns=int  auth=user\n"
    uri = editor.open("extra.mizan", text)
    got = await _complete(editor, uri, editor.position(uri, "int ", delta=4))
    assert _labels(got) == ["context", "affects", "websocket", "kind", "doc"]


async def test_required_property_says_so(editor) -> None:
    got = await _at_end(editor, "mizan 1\nmodel M {\n    relation r ")
    assert _labels(got) == ["to", "many", "on-delete", "doc"]
    assert _item(got, "to").detail == "name, required"


# --- values ----------------------------------------------------------------------------------
async def test_context_names_after_typing_context_equals(editor) -> None:
    got = await _at_end(editor, "mizan 1\nimport \"catalog.mizan\"\n\nfn x context=")
    assert _labels(got) == CONTEXTS
    customer = _item(got, "customer")
    assert customer.kind == K.Module
    assert customer.detail == "context (customer_id int64)"
    assert _doc(customer) == "The signed-in customer's account pages."
    assert _range(customer.text_edit.range) == (3, 13, 3, 13)
    assert _doc(_item(got, "storefront")) == (
        "Vitrine de la boutique : sélection du moment, catégories et bannières ✨")


async def test_context_value_with_a_prefix_replaces_the_word(editor) -> None:
    text = "mizan 1\nfn x context=cu returns=int\n"
    uri = editor.open("extra.mizan", text)
    got = await _complete(editor, uri, editor.position(uri, "=cu", delta=3))
    assert _labels(got) == ["customer"]
    assert _range(got.items[0].text_edit.range) == (1, 13, 1, 15)


async def test_affects_after_a_comma_shows_each_tier(editor) -> None:
    text = ("mizan 1\nfn move affects=cart, {\n    param customer_id int64\n"
            "    param order_id int64\n}\n")
    uri = editor.open("extra.mizan", text)
    got = await _complete(editor, uri, editor.position(uri, "cart,", delta=5))
    assert _labels(got) == [c for c in CONTEXTS if c != "cart"]
    details = {item.label: item.detail for item in got.items}
    assert details["order"] == "exact (customer_id <- customer_id, order_id <- order_id)"
    assert details["customer"] == "exact (customer_id <- customer_id)"
    assert details["inventory"] == "global"
    assert details["storefront"] == "exact"  # no keys: one instance
    assert _range(_item(got, "order").text_edit.range) == (1, 21, 1, 21)


async def test_affects_child_names_contexts_not_yet_affected(editor) -> None:
    text = "mizan 1\nfn f affects=cart {\n    param product_id int64\n    affects p"
    got = await _at_end(editor, text)
    assert _labels(got) == ["product"]
    assert _item(got, "product").detail == "exact (product_id <- product_id)"


async def test_by_offers_context_keys_then_params(editor) -> None:
    text = ("mizan 1\nfn f {\n    param buyer int64\n    param order_no int64\n"
            "    affects order by=")
    got = await _at_end(editor, text)
    assert _labels(got) == ["customer_id:", "order_id:"]  # two keys: no short form
    key = _item(got, "customer_id:")
    assert (key.kind, key.detail) == (K.Field, "key of order: int64")
    got = await _at_end(editor, text + "customer_id:")
    assert _labels(got) == ["buyer", "order_no"]
    assert _item(got, "buyer").kind == K.Variable
    assert _item(got, "buyer").detail == "int64"


async def test_by_short_form_for_a_single_key_context(editor) -> None:
    text = "mizan 1\nfn f {\n    param buyer int64\n    affects customer by="
    got = await _at_end(editor, text)
    assert _labels(got) == ["customer_id:", "buyer"]


async def test_return_types_inside_a_generic(editor) -> None:
    got = await _at_end(editor, "mizan 1\nfn x returns=list<Pro")
    assert _labels(got) == ["ProductCard", "ProductDetail", "ProductImageView"]
    card = _item(got, "ProductCard")
    assert (card.kind, card.detail) == (K.Interface, "shape of Product")
    assert _range(card.text_edit.range) == (1, 18, 1, 21)
    got = await _at_end(editor, "mizan 1\nfn x returns=map<")
    assert _labels(got) == ["str"]


async def test_param_types_of_a_function_include_upload(editor) -> None:
    got = await _at_end(editor, "mizan 1\nfn x {\n    param file ")
    labels = _labels(got)
    assert labels[:14] == [*PRIMITIVES, "list<…>", "map<str,…>", "Upload"]
    assert "Money" in labels and "Currency" in labels and "ProductCard" in labels
    money = _item(got, "Money")
    assert (money.kind, money.detail) == (K.Struct, "type")
    assert _item(got, "Currency").kind == K.Enum
    generic = _item(got, "list<…>")
    assert generic.text_edit.new_text == "list<$1>"
    assert generic.insert_text_format == lsp.InsertTextFormat.Snippet
    assert _doc(_item(got, "int64")) == ("Signed 64-bit integer. Wire form: a string of digits "
                                         "(JavaScript numbers lose precision above 2^53).")


async def test_context_key_types_are_scalars_and_enums(editor) -> None:
    got = await _at_end(editor, "mizan 1\ncontext c {\n    param k ")
    assert _labels(got) == ["bool", "int", "int64", "str", "date", "datetime", "uuid", "decimal",
                            "Currency", "OrderStatus", "PaymentMethod", "SortOrder",
                            "StockStatus"]


async def test_form_field_types(editor) -> None:
    got = await _at_end(editor, "mizan 1\nform F submit=checkout {\n    field notes ")
    assert _labels(got) == ["bool", "int", "float", "decimal", "str", "date", "datetime", "uuid",
                            "email", "url", "Currency", "OrderStatus", "PaymentMethod",
                            "SortOrder", "StockStatus"]


async def test_enum_default_offers_its_members(editor) -> None:
    got = await _at_end(editor, "mizan 1\ntype T {\n    field status OrderStatus? default=")
    assert _labels(got) == ["pending", "paid", "shipped", "delivered", "cancelled", "refunded",
                            "#null"]
    pending = _item(got, "pending")
    assert (pending.kind, pending.detail) == (K.EnumMember, "OrderStatus member")
    assert _doc(pending) == "Placed, waiting for the payment to clear."


async def test_fixed_values(editor) -> None:
    cases = {
        "mizan 1\ncontext c {\n    render ": ["csr", "ssr", "psr", "static"],
        "mizan 1\ncontext c {\n    cache ttl=5 vary=": ["identity", "public"],
        "mizan 1\nfn f {\n    affects cart scope=": ["exact", "partial", "global"],
        "mizan 1\nfn f kind=": ["query", "mutation"],
        "mizan 1\nfn f websocket=#": ["#true", "#false"],
        "mizan 1\nmodel M {\n    column id int64 primary=": ["#true", "#false"],
    }
    for text, expected in cases.items():
        got = await _at_end(editor, text)
        assert _labels(got) == expected, text
        assert {item.kind for item in got.items} == {K.Value}
    got = await _at_end(editor, "mizan 1\ncontext c {\n    cache ttl=5 vary=")
    assert _doc(_item(got, "public")) == "One cached bundle for everybody."


async def test_auth_levels_and_guards(editor) -> None:
    got = await _at_end(editor, "mizan 1\nfn f auth=")
    assert _labels(got) == ["public", "user", "admin", "staff"]
    staff = _item(got, "staff")
    assert (staff.kind, staff.detail) == (K.Constant, "guard: claim is_staff is truthy")
    assert _item(got, "admin").detail == "guard: claim role = admin"
    assert _doc(_item(got, "public")) == "Anyone, without a token."


async def test_submit_offers_mutations_only(editor) -> None:
    got = await _at_end(editor, "mizan 1\nform F submit=update")
    assert _labels(got) == ["update_cart_line", "update_product", "update_profile"]
    item = _item(got, "update_cart_line")
    assert item.kind == K.Function
    assert item.detail == ("fn update_cart_line(cart_id: uuid, product_id: int64, quantity: int)"
                           " -> Cart")


async def test_models_and_matching_shapes(editor) -> None:
    got = await _at_end(editor, "mizan 1\nshape S model=Cat")
    assert _labels(got) == ["Category"]
    assert _item(got, "Category").detail == "model (table shop_category)"
    got = await _at_end(editor, "mizan 1\nshape S model=Product {\n    field category shape=")
    assert _labels(got) == ["CategoryLink"]  # only shapes of the relation's model


async def test_shape_fields_are_the_models_columns(editor) -> None:
    got = await _at_end(editor, "mizan 1\nshape S model=ProductImage {\n    field url\n    field ")
    assert _labels(got) == ["id", "width", "height", "alt", "position", "product"]
    assert _item(got, "alt").detail == "column: str?"
    assert _item(got, "product").detail == "relation: Product"


async def test_form_fields_are_the_mutations_params(editor) -> None:
    got = await _at_end(editor, "mizan 1\nform F submit=remove_address {\n    field ")
    assert _labels(got) == ["customer_id", "address_id"]


async def test_import_paths_relative_to_the_file(editor) -> None:
    got = await _at_end(editor, 'mizan 1\nimport "common.mizan"\nimport "')
    assert _labels(got) == ["backoffice.mizan", "catalog.mizan", "customers.mizan",
                            "main.mizan", "orders.mizan"]
    assert {item.kind for item in got.items} == {K.File}
    assert _item(got, "orders.mizan").text_edit.new_text == "orders.mizan"
    got = await _at_end(editor, "mizan 1\nimport ", name="sub/extra.mizan")
    assert _item(got, "../orders.mizan").text_edit.new_text == '"../orders.mizan"'


# --- where nothing is offered, and positions ----------------------------------------------
async def test_nothing_in_comments_strings_and_names(editor) -> None:
    for text in ("mizan 1\n// fn x context=", 'mizan 1\nfn x doc="some ', "mizan 1\nfn ",
                 "mizan 1\n/* context="):
        got = await _at_end(editor, text)
        assert list(got.items) == [], text


async def test_columns_are_utf16_after_non_ascii_text(editor) -> None:
    text = 'mizan 1\nfn convert doc="Prix en € 💶" context=cu'
    got = await _at_end(editor, text)
    assert _labels(got) == ["customer"]
    # "€" is one UTF-16 unit and "💶" two: `cu` starts at code point 37, UTF-16 column 38.
    assert _range(got.items[0].text_edit.range) == (1, 38, 1, 40)


async def test_completion_after_edits_in_an_open_document(editor) -> None:
    uri = editor.open("catalog.mizan")
    at = editor.position(uri, "fn banners context=storefront", delta=19)
    editor.edit(uri, (at.line, at.character), (at.line, at.character + 10), "")
    got = await _complete(editor, uri, at)
    assert _labels(got) == CONTEXTS
    assert _range(got.items[0].text_edit.range) == (at.line, at.character, at.line, at.character)


# --- the core directly (no client): snippets off, and thousands of cursor positions ----------
def _shop_analysis(tmp_path):
    from mizan_lang.ide.session import Session
    from mizan_lang.workspace import normalise

    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, tmp_path / path.name)
    session = Session()
    session.set_folders([str(tmp_path)])
    return session, session.analysis_for(normalise(tmp_path / "main.mizan"))


def test_no_snippets_for_clients_without_them(tmp_path) -> None:
    from mizan_lang.ide.complete import complete
    from mizan_lang.workspace import normalise

    session, _ = _shop_analysis(tmp_path)
    path = normalise(tmp_path / "extra.mizan")
    for text, expected in (("mizan 1\n", "snippet"), ("mizan 1\nfn x returns=", "list<…>")):
        session.open(path, text, 1)
        analysis = session.analysis_for(path)
        with_snippets = complete(analysis, analysis.files[path], len(text), snippets=True)
        without = complete(analysis, analysis.files[path], len(text), snippets=False)
        assert any(item.snippet for item in with_snippets.items)
        assert not any(item.snippet for item in without.items)
        assert "fn query" not in [item.label for item in without.items]
    generic = next(item for item in without.items if item.label == "list<…>")
    assert generic.insert == "list<"


def test_never_fails_at_any_cursor_in_damaged_text(tmp_path) -> None:
    """Completion and hover answer (possibly nothing) wherever the cursor is, whatever
    half-typed or broken text surrounds it."""
    from mizan_lang.ide.complete import complete
    from mizan_lang.ide.hover import hover
    from mizan_lang.workspace import load_file

    _, analysis = _shop_analysis(tmp_path)
    rng = random.Random(7)
    answered = 0
    for path, source in sorted(analysis.files.items()):
        text = source.text
        variants = [source]
        for _ in range(12):  # cut anywhere, or drop a few characters here and there
            cut = rng.randrange(len(text))
            variants.append(load_file(path, text[:cut]))
            drop = set(rng.sample(range(len(text)), 5))
            mangled = "".join(ch for i, ch in enumerate(text) if i not in drop)
            variants.append(load_file(path, mangled))
        for variant in variants:
            size = len(variant.text)
            for offset in {size, *rng.sample(range(size + 1), min(60, size + 1))}:
                got = complete(analysis, variant, offset, snippets=True)
                assert all(0 <= i.span.start <= offset <= i.span.end <= size for i in got.items)
                hover(analysis, variant, offset)
                answered += bool(got.items)
    assert answered > 1000


def test_schema_words_cover_every_node_and_property() -> None:
    """Completion reads lower.py's NodeSpec tables; each node and property there has
    a description, so a schema change cannot leave items without documentation."""
    from mizan_lang import lower
    from mizan_lang.ide import words
    from mizan_lang.ide.complete import TOP_SPECS

    assert list(TOP_SPECS) == list(lower.TOP_LEVEL)
    pending = list(TOP_SPECS.values())
    seen = set()
    while pending:
        spec = pending.pop()
        if id(spec) in seen:
            continue
        seen.add(id(spec))
        if spec.name in lower.TOP_LEVEL or spec.children is not None:
            assert words.NODES.get(spec.name), spec.name
        for key in spec.props:
            assert words.prop_doc(spec.name, key), (spec.name, key)
        pending.extend((spec.children or {}).values())
        for child in spec.children or {}:
            assert words.NODES.get(child), child


def test_long_lists_are_cut_and_marked_incomplete(tmp_path) -> None:
    from mizan_lang.ide.complete import LIMIT, complete
    from mizan_lang.ide.session import Session
    from mizan_lang.workspace import normalise

    contexts = "".join(f"context c{i:03d} {{}}\n" for i in range(LIMIT + 50))
    text = f"mizan 1\n{contexts}fn x context="
    session = Session()
    path = normalise(tmp_path / "big.mizan")
    session.open(path, text, 1)
    analysis = session.analysis_for(path)
    got = complete(analysis, analysis.files[path], len(text))
    assert got.incomplete
    assert [item.label for item in got.items] == [f"c{i:03d}" for i in range(LIMIT)]
    session.change(path, text + "c14", 2)
    analysis = session.analysis_for(path)
    got = complete(analysis, analysis.files[path], len(text) + 3)
    assert not got.incomplete
    # The typed letters in order: c14x, and c014, c104, c114 ... (a fuzzy match).
    assert [item.label for item in got.items] == ["c014", "c104", "c114", "c124", "c134",
                                                  *(f"c14{i}" for i in range(10))]
