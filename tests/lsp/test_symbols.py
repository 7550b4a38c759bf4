"""Document outline and workspace symbol search, over JSON-RPC."""

from __future__ import annotations

import shutil
import time

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from mizan_lang.ide.session import Session
from mizan_lang.ide.symbols import search, workspace_analyses

from .conftest import EXAMPLE, SERVER, Editor, _track_versions, capabilities

K = lsp.SymbolKind


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def outline_client(lsp_client: LanguageClient, tmp_path_factory):
    """Like `editor`'s client, but announcing hierarchical outlines (as VS Code does)."""
    root = tmp_path_factory.mktemp("shop")
    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, root / path.name)
    _track_versions(lsp_client)
    caps = capabilities()
    caps.text_document.document_symbol = lsp.DocumentSymbolClientCapabilities(
        hierarchical_document_symbol_support=True)
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=caps, root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="shop")]))
    lsp_client.test_root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


# Every kind of declaration; line 3 has "é😀" (three UTF-16 units) before `sad`.
NOTES = """mizan 1
import "common.mizan"

enum Mood { happy doc="é😀"; sad }

type Note {
    field text str
    field mood Mood default=happy
}

context notebook auth=staff {
    param book_id int64
    cache ttl=60 vary=identity
    render csr
}

fn notes context=notebook returns=list<Note> { param book_id int64 }

fn add_note affects=notebook returns=Note {
    param book_id int64
    param text str
}

model Book table=books {
    column id int64 primary=#true
    relation next to=Book
}

shape BookCard model=Book { field id; field next shape=BookCard }

form NoteForm submit=add_note {
    field book_id int
    field text str
}
"""

NOTES_OUTLINE = [
    ("common.mizan", K.File, None, (1, 0, 1, 21), (1, 7, 1, 21), []),
    ("Mood", K.Enum, None, (3, 0, 3, 34), (3, 5, 3, 9), [
        ("happy", K.EnumMember, None, (3, 12, 3, 27), (3, 12, 3, 17), []),
        ("sad", K.EnumMember, None, (3, 29, 3, 32), (3, 29, 3, 32), []),
    ]),
    ("Note", K.Struct, None, (5, 0, 8, 1), (5, 5, 5, 9), [
        ("text", K.Field, "str", (6, 4, 6, 18), (6, 10, 6, 14), []),
        ("mood", K.Field, "Mood = happy", (7, 4, 7, 33), (7, 10, 7, 14), []),
    ]),
    ("notebook", K.Namespace, "(book_id: int64)", (10, 0, 14, 1), (10, 8, 10, 16), [
        ("book_id", K.Key, "int64", (11, 4, 11, 23), (11, 10, 11, 17), []),
        ("cache", K.Property, "ttl=60 vary=identity", (12, 4, 12, 30), (12, 4, 12, 9), []),
        ("render", K.Property, "csr", (13, 4, 13, 14), (13, 4, 13, 10), []),
    ]),
    ("notes", K.Method, "query (book_id: int64) -> list<Note>", (16, 0, 16, 68),
     (16, 3, 16, 8), [
        ("book_id", K.Variable, "int64", (16, 47, 16, 66), (16, 53, 16, 60), []),
    ]),
    ("add_note", K.Function, "mutation (book_id: int64, text: str) -> Note", (18, 0, 21, 1),
     (18, 3, 18, 11), [
        ("book_id", K.Variable, "int64", (19, 4, 19, 23), (19, 10, 19, 17), []),
        ("text", K.Variable, "str", (20, 4, 20, 18), (20, 10, 20, 14), []),
    ]),
    ("Book", K.Class, "table books", (23, 0, 26, 1), (23, 6, 23, 10), [
        ("id", K.Field, "int64 primary", (24, 4, 24, 33), (24, 11, 24, 13), []),
        ("next", K.Field, "to Book", (25, 4, 25, 25), (25, 13, 25, 17), []),
    ]),
    ("BookCard", K.Interface, "of Book", (28, 0, 28, 65), (28, 6, 28, 14), [
        ("id", K.Field, None, (28, 28, 28, 36), (28, 34, 28, 36), []),
        ("next", K.Field, "shape BookCard", (28, 38, 28, 63), (28, 44, 28, 48), []),
    ]),
    ("NoteForm", K.Object, "submit add_note", (30, 0, 33, 1), (30, 5, 30, 13), [
        ("book_id", K.Field, "int", (31, 4, 31, 21), (31, 10, 31, 17), []),
        ("text", K.Field, "str", (32, 4, 32, 18), (32, 10, 32, 14), []),
    ]),
]


def _range(r: lsp.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def _tree(symbols) -> list[tuple]:
    return [(s.name, s.kind, s.detail, _range(s.range), _range(s.selection_range),
             _tree(s.children or [])) for s in symbols]


async def _outline(client: LanguageClient, uri: str):
    return await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))


async def test_outline_is_a_tree_of_every_declaration(outline_client: LanguageClient) -> None:
    editor = Editor(outline_client, outline_client.test_root)  # type: ignore[attr-defined]
    uri = editor.open("notes.mizan", NOTES)
    assert _tree(await _outline(outline_client, uri)) == NOTES_OUTLINE


async def test_outline_of_auth_and_enums(outline_client: LanguageClient) -> None:
    editor = Editor(outline_client, outline_client.test_root)  # type: ignore[attr-defined]
    uri = editor.open("common.mizan")
    lines = editor.texts[uri].split("\n")

    def node(needle: str, name_at: int, name_length: int) -> tuple[tuple, tuple]:
        """(range, selection) of the one-line node starting with `needle` (ASCII lines)."""
        line = next(i for i, text in enumerate(lines) if text.lstrip().startswith(needle))
        indent = len(lines[line]) - len(lines[line].lstrip())
        return ((line, indent, line, len(lines[line])),
                (line, indent + name_at, line, indent + name_at + name_length))

    auth = lines.index("auth {")
    currency = lines.index("enum Currency {")
    found = _tree(await _outline(outline_client, uri))
    assert found[:2] == [
        ("auth", K.Namespace, None, (auth, 0, auth + 5, 1), (auth, 0, auth, 4), [
            ("jwt", K.Property, "HS256", *node("jwt ", 0, 3), []),
            ("staff", K.Constant, "claim is_staff", *node("guard staff", 6, 5), []),
            ("admin", K.Constant, "claim role = admin", *node("guard admin", 6, 5), []),
            ("default", K.Property, "user", *node("default ", 0, 7), []),
        ]),
        ("Currency", K.Enum, None, (currency, 0, currency + 5, 1), (currency, 5, currency, 13), [
            ("EUR", K.EnumMember, None, *node("EUR", 0, 3), []),
            ("USD", K.EnumMember, None, *node("USD", 0, 3), []),
            ("GBP", K.EnumMember, None, *node("GBP", 0, 3), []),
        ]),
    ]


async def test_outline_follows_edits(outline_client: LanguageClient) -> None:
    editor = Editor(outline_client, outline_client.test_root)  # type: ignore[attr-defined]
    uri = editor.open("notes.mizan", NOTES)
    editor.edit(uri, (0, 7), (0, 7), "\n\n")  # two lines above everything
    found = _tree(await _outline(outline_client, uri))
    assert found[1][:5] == ("Mood", K.Enum, None, (5, 0, 5, 34), (5, 5, 5, 9))
    assert found[1][5][1][3] == (5, 29, 5, 32)


async def test_outline_is_flat_for_clients_without_hierarchy(editor) -> None:
    uri = editor.open("notes.mizan", NOTES)
    found = await _outline(editor.client, uri)
    flat = [(s.name, s.kind, s.container_name, _range(s.location.range)) for s in found]
    assert flat[:5] == [
        ("common.mizan", K.File, None, (1, 0, 1, 21)),
        ("Mood", K.Enum, None, (3, 0, 3, 34)),
        ("happy", K.EnumMember, "Mood", (3, 12, 3, 27)),
        ("sad", K.EnumMember, "Mood", (3, 29, 3, 32)),
        ("Note", K.Struct, None, (5, 0, 8, 1)),
    ]
    assert all(s.location.uri == uri for s in found)
    assert len(flat) == 9 + 16  # declarations + their parts


async def test_the_server_announces_symbols(editor) -> None:
    caps = editor.client.initialize_result.capabilities
    assert caps.document_symbol_provider and caps.workspace_symbol_provider


async def _search(editor, query: str) -> list[tuple[str, lsp.SymbolKind, str | None]]:
    found = await editor.client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query=query))
    return [(s.name, s.kind, s.container_name) for s in found]


async def test_workspace_symbols_rank_exact_then_prefix_then_substring(editor) -> None:
    assert await _search(editor, "order") == [
        ("Order", K.Class, "orders.mizan"),  # exact, case aside
        ("order", K.Namespace, "orders.mizan"),
        ("order_detail", K.Method, "orders.mizan"),  # prefix
        ("order_history", K.Method, "orders.mizan"),
        ("OrderDetail", K.Struct, "orders.mizan"),
        ("OrderEvent", K.Struct, "orders.mizan"),
        ("OrderItem", K.Class, "orders.mizan"),
        ("OrderItemRow", K.Interface, "orders.mizan"),
        ("OrderRow", K.Interface, "orders.mizan"),
        ("OrderStatus", K.Enum, "common.mizan"),
        ("cancel_order", K.Function, "orders.mizan"),  # substring
        ("pending_orders", K.Method, "backoffice.mizan"),
        ("refund_order", K.Function, "backoffice.mizan"),
        ("ship_order", K.Function, "backoffice.mizan"),
        ("SortOrder", K.Enum, "common.mizan"),
    ]


async def test_workspace_symbols_match_subsequences_case_insensitively(editor) -> None:
    assert await _search(editor, "CKOUT") == [("checkout", K.Function, "orders.mizan"),
                                              ("CheckoutForm", K.Object, "orders.mizan")]
    names = [name for name, _, _ in await _search(editor, "upav")]
    assert names == ["upload_avatar"]  # u-p-a-v in order, not contiguous
    assert await _search(editor, "zzz") == []


async def test_workspace_symbol_location_and_unsaved_files(editor) -> None:
    editor.open("notes.mizan", NOTES)
    found = await editor.client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="mood"))
    assert [(s.name, s.location.uri.rsplit("/", 1)[-1], _range(s.location.range))
            for s in found] == [("Mood", "notes.mizan", (3, 5, 3, 9))]
    guards = await _search(editor, "staff")
    assert guards == [("staff", K.Constant, "common.mizan")]


def test_workspace_search_is_fast_on_10000_functions(tmp_path) -> None:
    """The core directly: the sorted catalog is built once per analysis, then each
    search is one regex scan (the budget is that of completion: p95 <= 20 ms)."""
    lines = ["mizan 1", "type Item { field id int64 }", "context shop { param shop_id int64 }"]
    lines += [f"fn get_item_{i} context=shop returns=Item {{ param shop_id int64 }}"
              for i in range(10_000)]
    (tmp_path / "big.mizan").write_text("\n".join(lines) + "\n", "utf-8")
    session = Session()
    session.set_folders([str(tmp_path)])
    analyses = workspace_analyses(session)
    assert [s.name for s in search(analyses, "get_item_9999")] == ["get_item_9999"]
    catalog = analyses[0].memo["symbols.catalog"]
    times = []
    for query in ["", "item", "gi9", "get_item_12", "g_i_1", "zzz", "shop", "i"] * 5:
        start = time.process_time()  # CPU, not wall: other jobs on the cores do not count
        found = search(workspace_analyses(session), query)
        times.append(time.process_time() - start)
        assert len(found) <= 100
    assert analyses[0].memo["symbols.catalog"] is catalog  # not rebuilt
    times.sort()
    assert times[int(len(times) * 0.95)] < 0.020
    assert [s.name for s in search(analyses, "item")[:3]] == ["Item", "get_item_0", "get_item_1"]
