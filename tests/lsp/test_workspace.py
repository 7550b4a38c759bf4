"""Workspace behaviour: folders, files on disk, cross-file checking, open and close.

The server checks each workspace folder as one unit (every .mizan file in it,
open or not), reads files that are not open from disk, re-checks the files
that depend on an edited one, follows watched-file events, and forgets an
editor's buffer when it is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import EXAMPLE, SERVER, Editor, _track_versions, capabilities
from .test_edit_fuzz import lsp_position

PUBLISH = lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
Diagnostics = list[lsp.Diagnostic]


async def settle(editor: Editor) -> None:
    """A round trip: every publish the server made before it has arrived."""
    await editor.client.text_document_definition_async(lsp.DefinitionParams(
        text_document=lsp.TextDocumentIdentifier(uri=editor.uri("main.mizan")),
        position=lsp.Position(line=0, character=0)))


async def published(editor: Editor, uri: str, wanted: Callable[[Diagnostics], bool],
                    timeout: float = 15.0) -> Diagnostics:
    """Wait until the diagnostics last published for `uri` satisfy `wanted`."""

    async def wait() -> Diagnostics:
        while True:
            current = editor.client.diagnostics.get(uri)
            if current is not None and wanted(list(current)):
                return list(current)
            await editor.client.wait_for_notification(PUBLISH)

    return await asyncio.wait_for(wait(), timeout)


def summary(diags: Diagnostics) -> list[tuple[str, str, int, int]]:
    return [(str(d.code), d.message, d.range.start.line, d.range.start.character) for d in diags]


def where(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    pos = lsp_position(text, at)
    return pos["line"], pos["character"]


def watched(editor: Editor, *changes: tuple[Path, lsp.FileChangeType]) -> None:
    editor.client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(
        changes=[lsp.FileEvent(uri=path.as_uri(), type=kind) for path, kind in changes]))


def close(editor: Editor, uri: str) -> None:
    editor.client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))


TOOLS = ("mizan 1\n\n"
         "fn health auth=public returns=str { }\n\n"  # also in the shop: fine, another unit
         "fn price_check auth=public returns=Money { }\n")  # Money is the shop's, not ours


# ---------------------------------------------------------------- several folders


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def two_roots(lsp_client: LanguageClient, tmp_path_factory):
    shop = tmp_path_factory.mktemp("shop")
    for path in EXAMPLE.glob("*.mizan"):
        (shop / path.name).write_bytes(path.read_bytes())
    tools = tmp_path_factory.mktemp("tools")
    (tools / "tools.mizan").write_text(TOOLS, "utf-8")
    _track_versions(lsp_client)
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=capabilities(), root_uri=shop.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=shop.as_uri(), name="shop"),
                           lsp.WorkspaceFolder(uri=tools.as_uri(), name="tools")]))
    lsp_client.folders = (shop, tools)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_each_workspace_folder_is_checked_on_its_own(two_roots: LanguageClient) -> None:
    lsp_client = two_roots
    shop, tools = lsp_client.folders  # type: ignore[attr-defined]
    editor = Editor(lsp_client, shop)
    tools_uri = (tools / "tools.mizan").as_uri()
    # Unopened: published from disk at start-up.
    diags = await published(editor, tools_uri, lambda d: bool(d))
    assert summary(diags) == [("M201", "unknown type 'Money'", *where(TOOLS, "Money"))]
    # Opened, in each folder: the same, with versions; no duplicate `health` across units.
    lsp_client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=tools_uri, language_id="mizan", version=1,
                                           text=TOOLS)))
    assert summary(await editor.diagnostics(tools_uri, 1)) == summary(diags)
    main = editor.open("main.mizan")
    assert await editor.diagnostics(main, 1) == []
    # Navigation stays inside a unit: `Money` in tools resolves to nothing.
    line, column = where(TOOLS, "Money")
    found = await lsp_client.text_document_definition_async(lsp.DefinitionParams(
        text_document=lsp.TextDocumentIdentifier(uri=tools_uri),
        position=lsp.Position(line=line, character=column + 1)))
    assert not found


async def test_folders_added_and_removed_at_run_time(editor, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "tools.mizan").write_text(TOOLS, "utf-8")
    tools_uri = (tools / "tools.mizan").as_uri()
    lone = tmp_path / "lone.mizan"  # open, outside every folder: checked on its own
    lone_text = "mizan 1\nfn lonely auth=public returns=Nowhere { }\n"
    lone_uri = lone.as_uri()
    editor.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=lone_uri, language_id="mizan", version=1,
                                           text=lone_text)))
    lone_diags = summary(await editor.diagnostics(lone_uri, 1))
    assert [d[0] for d in lone_diags] == ["M201"]

    folder = lsp.WorkspaceFolder(uri=tools.as_uri(), name="tools")
    editor.client.workspace_did_change_workspace_folders(lsp.DidChangeWorkspaceFoldersParams(
        event=lsp.WorkspaceFoldersChangeEvent(added=[folder], removed=[])))
    diags = await published(editor, tools_uri, lambda d: bool(d))
    assert summary(diags) == [("M201", "unknown type 'Money'", *where(TOOLS, "Money"))]

    editor.client.workspace_did_change_workspace_folders(lsp.DidChangeWorkspaceFoldersParams(
        event=lsp.WorkspaceFoldersChangeEvent(added=[], removed=[folder])))
    assert await published(editor, tools_uri, lambda d: d == []) == []
    await settle(editor)
    # The open lone file kept its unit and its diagnostics through both changes.
    assert summary(editor.client.diagnostics[lone_uri]) == lone_diags


# ---------------------------------------------------------------- cross-file


async def test_editing_a_type_rechecks_the_unopened_files_that_use_it(editor) -> None:
    common = editor.open("common.mizan")
    await editor.diagnostics(common, 1)
    text = editor.texts[common]
    line, column = where(text, "type Money")
    version = editor.edit(common, (line, column + 5), (line, column + 10), "Cash")
    assert await editor.diagnostics(common, version) == []

    for name, count in (("orders.mizan", 4), ("backoffice.mizan", 3)):
        disk = (editor.root / name).read_text("utf-8")
        diags = await published(editor, editor.uri(name), lambda d: bool(d))
        assert summary(diags) == [("M201", "unknown type 'Money'", *where(disk, "Money", i))
                                  for i in range(count)]
        assert editor.published_versions[editor.uri(name)] is None  # not open: no version

    version = editor.edit(common, (line, column + 5), (line, column + 9), "Money")
    assert await editor.diagnostics(common, version) == []
    for name in ("orders.mizan", "backoffice.mizan"):
        assert await published(editor, editor.uri(name), lambda d: d == []) == []


# ---------------------------------------------------------------- files on disk

GIFTS = 'mizan 1\n\nimport "common.mizan"\n\nfn gift_card auth=public returns={type} {{ }}\n'


async def test_watched_files_created_changed_and_deleted(editor) -> None:
    gifts = editor.root / "gifts.mizan"
    uri = gifts.as_uri()
    gifts.write_text(GIFTS.format(type="Nope"), "utf-8")
    watched(editor, (gifts, lsp.FileChangeType.Created))
    diags = await published(editor, uri, lambda d: bool(d))
    assert summary(diags) == [("M201", "unknown type 'Nope'",
                               *where(GIFTS.format(type="Nope"), "Nope"))]

    gifts.write_text(GIFTS.format(type="Money"), "utf-8")
    watched(editor, (gifts, lsp.FileChangeType.Changed))
    assert await published(editor, uri, lambda d: d == []) == []

    # A new file that another one depends on, then deleted: the user breaks.
    wrapping = editor.root / "wrapping.mizan"
    wrapping.write_text("mizan 1\n\ntype GiftWrap {\n    field color str\n}\n", "utf-8")
    gifts.write_text(GIFTS.format(type="GiftWrap"), "utf-8")
    watched(editor, (wrapping, lsp.FileChangeType.Created), (gifts, lsp.FileChangeType.Changed))
    await settle(editor)
    assert list(editor.client.diagnostics[uri]) == []
    wrapping.unlink()
    watched(editor, (wrapping, lsp.FileChangeType.Deleted))
    diags = await published(editor, uri, lambda d: bool(d))
    assert [d.message for d in diags] == ["unknown type 'GiftWrap'"]

    # A deleted file takes its diagnostics with it.
    gifts.unlink()
    watched(editor, (gifts, lsp.FileChangeType.Deleted))
    assert await published(editor, uri, lambda d: d == []) == []
    await settle(editor)
    assert all(not editor.client.diagnostics.get(editor.uri(p.name))
               for p in editor.root.glob("*.mizan"))


async def test_the_buffer_of_an_open_file_wins_over_its_disk_version(editor) -> None:
    catalog = editor.open("catalog.mizan")
    assert await editor.diagnostics(catalog, 1) == []
    (editor.root / "catalog.mizan").write_text("mizan 1\nthis is { broken\n", "utf-8")
    watched(editor, (editor.root / "catalog.mizan", lsp.FileChangeType.Changed))
    await settle(editor)
    assert list(editor.client.diagnostics[catalog]) == []
    assert all(not editor.client.diagnostics.get(editor.uri(p.name))
               for p in editor.root.glob("*.mizan"))


async def test_unopened_files_are_read_from_disk(editor) -> None:
    backoffice = editor.open("backoffice.mizan")
    await editor.diagnostics(backoffice, 1)
    orders = editor.root / "orders.mizan"

    async def definition_of_order_row() -> list[lsp.Location]:
        line, column = where(editor.texts[backoffice], "OrderRow")
        return await editor.client.text_document_definition_async(lsp.DefinitionParams(
            text_document=lsp.TextDocumentIdentifier(uri=backoffice),
            position=lsp.Position(line=line, character=column + 1)))

    [found] = await definition_of_order_row()
    assert found.uri == orders.as_uri()
    assert (found.range.start.line, found.range.start.character) == where(
        orders.read_text("utf-8"), "OrderRow")
    # The file changes on disk (three lines on top, accents on the line): the next
    # answer comes from the new text.
    text = "// Commandes, paniers et reçus 🧾\n//\n\n" + orders.read_text("utf-8").replace(
        "shape OrderRow", "/* résumé */ shape OrderRow")
    orders.write_text(text, "utf-8")
    watched(editor, (orders, lsp.FileChangeType.Changed))
    [found] = await definition_of_order_row()
    assert (found.range.start.line, found.range.start.character) == where(text, "OrderRow")


# ---------------------------------------------------------------- closing


async def test_closing_a_document_reverts_to_the_disk_version(editor) -> None:
    catalog = editor.open("catalog.mizan")
    await editor.diagnostics(catalog, 1)
    line, column = where(editor.texts[catalog], "type CategoryPage")
    version = editor.edit(catalog, (line, column + 5), (line, column + 17), "CategoryView")
    [broken] = await editor.diagnostics(catalog, version)
    assert broken.message.startswith("unknown type 'CategoryPage'")
    close(editor, catalog)
    assert await published(editor, catalog, lambda d: d == []) == []
    await settle(editor)
    assert editor.published_versions[catalog] is None  # the disk's, not a buffer's


async def test_closing_an_unsaved_new_file_clears_its_diagnostics(editor) -> None:
    scratch = editor.open("scratch.mizan", "mizan 1\nfn scratch returns=Nope { }\n")
    assert [d.code for d in await editor.diagnostics(scratch, 1)] == ["M201"]
    close(editor, scratch)
    assert await published(editor, scratch, lambda d: d == []) == []
