"""End-to-end language server tests: the real server as a subprocess over JSON-RPC.

`editor` gives a started client on a fresh copy of the shop example (a
workspace folder), with helpers to open and edit documents and to wait for
the diagnostics of a given document version.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"
SERVER = [sys.executable, "-m", "mizan_lang", "lsp"]


class Editor:
    """A thin, test-friendly wrapper over the pytest-lsp client."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str | None = None) -> str:
        uri = self.uri(name)
        if text is None:
            text = (self.root / name).read_text("utf-8")
        self.versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="mizan", version=1,
                                               text=text)))
        return uri

    def replace_all(self, uri: str, text: str) -> int:
        """Send the whole new text as one full-document change."""
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri,
                                                              version=self.versions[uri]),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[uri]

    def edit(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> int:
        """An incremental change: replace the range (line, UTF-16 column) with `text`."""
        self.versions[uri] += 1
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri,
                                                              version=self.versions[uri]),
            content_changes=[lsp.TextDocumentContentChangePartial(
                range=lsp.Range(start=lsp.Position(line=start[0], character=start[1]),
                                end=lsp.Position(line=end[0], character=end[1])),
                text=text)]))
        return self.versions[uri]

    async def diagnostics(self, uri: str, version: int | None = None,
                          timeout: float = 20.0) -> list[lsp.Diagnostic]:
        """Wait until diagnostics for `uri` (at `version`, if given) have been published."""

        async def wait() -> list[lsp.Diagnostic]:
            while True:
                current = self.client.diagnostics.get(uri)
                seen = self.published_versions.get(uri)
                if current is not None and (version is None or seen == version):
                    return list(current)
                await self.client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

        return await asyncio.wait_for(wait(), timeout)

    @property
    def published_versions(self) -> dict[str, int | None]:
        return self.client.published_versions  # type: ignore[attr-defined]

    def position(self, uri: str, needle: str, occurrence: int = 0, delta: int = 0) -> lsp.Position:
        """The position of the `occurrence`-th `needle` in the document (+ `delta` chars)."""
        text = self.texts[uri]
        at = -1
        for _ in range(occurrence + 1):
            at = text.index(needle, at + 1)
        at += delta
        line = text.count("\n", 0, at)
        column_text = text[text.rfind("\n", 0, at) + 1 : at]
        return lsp.Position(line=line, character=len(column_text.encode("utf-16-le")) // 2)


def _track_versions(client: LanguageClient) -> None:
    """Record the document version of every publish (pytest-lsp keeps only the list)."""
    client.published_versions = {}  # type: ignore[attr-defined]

    def published(params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published_versions[params.uri] = params.version  # type: ignore[attr-defined]

    client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = published


def capabilities() -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_folders=True,
            did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=False)),
        text_document=lsp.TextDocumentClientCapabilities(
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True, code_description_support=True),
            completion=lsp.CompletionClientCapabilities(
                completion_item=lsp.ClientCompletionItemOptions(
                    snippet_support=True, documentation_format=[lsp.MarkupKind.Markdown])),
            hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
            rename=lsp.RenameClientCapabilities(prepare_support=True),
        ),
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def lsp_client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("shop")
    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, root / path.name)
    _track_versions(lsp_client)
    # Kept for tests that read what the server advertises (e.g. the semantic tokens legend).
    lsp_client.initialize_result = await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=capabilities(),
        root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="shop")],
    ))
    lsp_client.test_root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(lsp_client: LanguageClient) -> Editor:
    return Editor(lsp_client, lsp_client.test_root)  # type: ignore[attr-defined]
