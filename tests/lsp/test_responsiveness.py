"""Requests right after an edit: answered for the new text, without waiting for its check.

While the check of the latest edit is due or running, hover, completion and
navigation are answered from a provisional analysis (the fresh parse of the
edited document plus the last finished check). Every test here edits and then
asks at once, never waiting for the edit's diagnostics, and asserts that the
answer is the one the new text calls for. The tests on a generated workspace
big enough that its check takes a while also assert, through the
server's `mizan.quickStats`, that such answers did not wait for the check.
The last tests drive the server in-process: the provisional analysis against
the check it stands in for, and a request answered in the middle of a check.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from bench import specgen

from .conftest import SERVER, Editor, _track_versions, capabilities


def _doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


async def _hover(editor: Editor, uri: str, position: lsp.Position) -> str:
    got = await editor.client.text_document_hover_async(lsp.HoverParams(
        text_document=_doc(uri), position=position))
    assert got is not None and isinstance(got.contents, lsp.MarkupContent)
    return got.contents.value


async def _labels(editor: Editor, uri: str, position: lsp.Position) -> list[str]:
    got = await editor.client.text_document_completion_async(lsp.CompletionParams(
        text_document=_doc(uri), position=position))
    assert isinstance(got, lsp.CompletionList)
    return [item.label for item in got.items]


def _end(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2


def _type(editor: Editor, uri: str, needle: str, typed: str, occurrence: int = 0) -> int:
    """Insert `typed` just after `needle` (one incremental change); the new version."""
    at = editor.position(uri, needle, occurrence=occurrence, delta=len(needle))
    text = editor.texts[uri]
    offset = text.index(needle) if occurrence == 0 else _nth(text, needle, occurrence)
    offset += len(needle)
    editor.texts[uri] = text[:offset] + typed + text[offset:]
    return editor.edit(uri, (at.line, at.character), (at.line, at.character), typed)


def _nth(text: str, needle: str, occurrence: int) -> int:
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    return at


# --- the shop example ----------------------------------------------------------------
async def test_completion_offers_a_type_the_edit_just_declared(editor) -> None:
    uri = editor.open("customers.mizan")
    await editor.diagnostics(uri, 1)
    end = _end(editor.texts[uri])
    typed = "\ntype FreshCard {\n    field id int64\n}\n\nfn peek returns=Fre"
    editor.texts[uri] += typed
    editor.edit(uri, end, end, typed)
    labels = await _labels(editor, uri, lsp.Position(line=end[0] + 6, character=19))
    assert "FreshCard" in labels


async def test_completion_after_each_key_typed_at_the_cursor(editor) -> None:
    uri = editor.open("customers.mizan")
    await editor.diagnostics(uri, 1)
    end = _end(editor.texts[uri])
    opened = "\nfn peek context="
    editor.texts[uri] += opened
    editor.edit(uri, end, end, opened)
    line = end[0] + 1
    answers = []
    for column, key in enumerate("rev", start=len(opened) - 1):
        editor.edit(uri, (line, column), (line, column), key)
        answers.append(await _labels(editor, uri, lsp.Position(line=line, character=column + 1)))
    assert answers == [["reviews"], ["reviews"], ["reviews"]]


async def test_hover_on_a_renamed_declaration_shows_its_new_name(editor) -> None:
    uri = editor.open("customers.mizan")
    await editor.diagnostics(uri, 1)
    _type(editor, uri, "fn update_profile", "_now")
    text = await _hover(editor, uri, editor.position(uri, "fn update_profile_now", delta=5))
    assert text.startswith("```\nfn update_profile_now(customer_id: int64, ")


async def test_hover_shows_a_doc_just_typed_at_its_moved_position(editor) -> None:
    uri = editor.open("customers.mizan")
    await editor.diagnostics(uri, 1)
    # A line inserted near the top moves everything below it; then a doc is edited.
    editor.texts[uri] = editor.texts[uri].replace("mizan 1\n", "mizan 1\n// note\n", 1)
    editor.edit(uri, (1, 0), (1, 0), "// note\n")
    _type(editor, uri, 'doc "Change the public name', " (naïve 🙂)")
    position = editor.position(uri, "fn update_profile", delta=5)
    got = await editor.client.text_document_hover_async(lsp.HoverParams(
        text_document=_doc(uri), position=position))
    assert "Change the public name (naïve 🙂), e-mail and preferences" in got.contents.value
    start = editor.position(uri, "fn update_profile", delta=3)
    assert (got.range.start, got.range.end) == (
        start, lsp.Position(line=start.line, character=start.character + 14))


async def test_definition_follows_a_declaration_the_edit_moved(editor) -> None:
    uri = editor.open("customers.mizan")
    await editor.diagnostics(uri, 1)
    editor.texts[uri] = editor.texts[uri].replace("mizan 1\n", "mizan 1\n\n\n\n", 1)
    editor.edit(uri, (1, 0), (1, 0), "\n\n\n")
    use = editor.position(uri, "returns=CustomerProfile", delta=10)
    got = await editor.client.text_document_definition_async(lsp.DefinitionParams(
        text_document=_doc(uri), position=use))
    declared = editor.position(uri, "type CustomerProfile", delta=5)
    assert [(loc.uri, loc.range.start) for loc in got] == [(uri, declared)]


async def test_the_diagnostics_still_follow_the_last_edit(editor) -> None:
    uri = editor.open("customers.mizan")
    await editor.diagnostics(uri, 1)
    version = _type(editor, uri, "returns=CustomerProfile", "X")
    labels = await _labels(editor, uri, editor.position(uri, "returns=CustomerProfileX",
                                                        delta=9))
    assert "CustomerProfile" in labels
    found = await editor.diagnostics(uri, version)
    assert [d.code for d in found] == ["M201"]


# --- a workspace whose check takes a while -----------------------------------------------
FUNCTIONS = 3000


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def big_client(lsp_client: LanguageClient, tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("big")
    files = specgen.generate(FUNCTIONS, 0, split=True)
    for name, text in files.items():
        (root / name).write_text(text, "utf-8")
    _track_versions(lsp_client)
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=capabilities(), root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="big")]))
    lsp_client.test_root = root  # type: ignore[attr-defined]
    lsp_client.test_file = next(  # type: ignore[attr-defined]
        n for n in files if n not in (specgen.SPLIT_ROOT, specgen.COMMON_FILE))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def big(big_client: LanguageClient) -> Editor:
    return Editor(big_client, big_client.test_root)  # type: ignore[attr-defined]


async def _stats(editor: Editor) -> dict:
    return await editor.client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="mizan.quickStats"))


async def test_hovers_right_after_doc_edits_do_not_wait_for_the_check(big) -> None:
    name = big.client.test_file  # type: ignore[attr-defined]
    uri = big.open(name)
    await big.diagnostics(uri, 1, timeout=120)
    text = big.texts[uri]
    found = re.search(r'fn (\w+)[^\n{]*\{\n    doc "', text)
    assert found is not None
    fn, doc_at = found.group(1), found.end()
    before = await _stats(big)
    version = 1
    for attempt in range(10):
        typed = "qz"[attempt % 2]
        version = _type(big, uri, big.texts[uri][found.start():doc_at], typed)
        hovered = await _hover(big, uri, big.position(uri, f"fn {fn}", delta=4))
        doc = big.texts[uri][doc_at:big.texts[uri].index('"', doc_at)]
        assert doc.startswith(typed) and doc in hovered
    after = await _stats(big)
    # The edit and the request arrive together: the answer comes from the fresh
    # parse, ahead of the edit's check (how often depends on the timing of the pipe).
    assert after["provisional"] > before["provisional"]
    await big.diagnostics(uri, version, timeout=60)


async def test_completion_while_typing_a_name(big) -> None:
    name = big.client.test_file  # type: ignore[attr-defined]
    uri = big.open(name)
    await big.diagnostics(uri, 1, timeout=120)
    end = _end(big.texts[uri])
    typed = "\nfn peek returns="
    big.texts[uri] += typed
    big.edit(uri, end, end, typed)
    line, column = end[0] + 1, len(typed) - 1
    for key in "Pa":
        big.edit(uri, (line, column), (line, column), key)
        column += 1
        labels = await _labels(big, uri, lsp.Position(line=line, character=column))
        assert labels and all(label.lower().startswith("p") for label in labels)


# --- the provisional analysis itself, against the check it stands in for ------------------
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"


def _edits(text: str) -> list[tuple[str, str, bool | None]]:
    """(what, new text, exact?) of edits to customers.mizan; exact None: no provisional."""
    block = text[text.index("fn remove_address"):text.index("fn upload_avatar")]
    return [
        ("doc", text.replace("Change the public name", "Change the shown name"), True),
        ("comment above", text.replace("mizan 1\n", "mizan 1\n// moved\n", 1), True),
        ("rename", text.replace("fn update_profile", "fn update_profile_now"), False),
        ("new type", text + "\ntype Fresh {\n    field id int64\n}\n", False),
        ("removed fn", text.replace(block, ""), False),
        ("name declared elsewhere first", text + "\nenum Money { a; b }\n", False),
        ("name declared elsewhere later", text + "\ntype OrderRow {\n    field id int64\n}\n", False),
        ("member becomes another's", text.replace(
            "fn rating_summary context=reviews", "fn rating_summary context=customer"), False),
        ("kind", text.replace("fn remove_address affects=customer",
                              "fn remove_address context=customer"), False),
        ("import", text.replace('import "common.mizan"', 'import "catalog.mizan"'), None),
    ]


def _names(analysis) -> dict:
    result = analysis.result
    return {
        "symbols": {ns: [(n, s.kind, s.path, s.span.start, s.span.end, s.decl)
                         for n, s in table.items()] for ns, table in result.symbols.items()},
        "kinds": list(result.function_kinds.items()),
        "files": {p: f.decls for p, f in analysis.files.items()},
        "index": {p: [(o.key, o.span.start, o.span.end, o.is_definition, o.role)
                      for o in occurrences] for p, occurrences in analysis.index.by_file.items()},
    }


def _facts(analysis) -> dict:
    return {"scopings": analysis.result.scopings, "auth": analysis.result.effective_auth}


@pytest.mark.parametrize("number", range(len(_edits(
    (EXAMPLE / "customers.mizan").read_text("utf-8")))))
def test_provisional_analysis_equals_the_check(tmp_path: Path, number: int) -> None:
    from mizan_lang.ide.session import Session

    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, tmp_path / path.name)
    session = Session()
    session.set_folders([str(tmp_path)])
    path = str(tmp_path / "customers.mizan")
    text = (tmp_path / "customers.mizan").read_text("utf-8")
    session.open(path, text, 1)
    session.analysis_for(path)
    session.warm()  # as the server does once the first diagnostics are out
    what, edited, exact = _edits(text)[number]
    session.change(path, edited, 2)
    loose = session.provisional_for(path, exact=False)
    strict = session.provisional_for(path, exact=True)
    if exact is None:
        assert loose is None and strict is None, what
        return
    assert loose is not None and loose.provisional, what
    assert (strict is loose) == exact, what
    expected = _names(loose), _facts(loose)
    checked = session.analysis_for(path)
    assert not checked.provisional
    assert expected[0] == _names(checked), what
    if exact:
        assert expected[1] == _facts(checked), what


def test_no_provisional_analysis_when_a_duplicate_elsewhere_would_win(tmp_path: Path) -> None:
    from mizan_lang.ide.session import Session

    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, tmp_path / path.name)
    session = Session()
    session.set_folders([str(tmp_path)])
    path = str(tmp_path / "customers.mizan")
    text = (tmp_path / "customers.mizan").read_text("utf-8")
    duplicate = "\ntype OrderRow {\n    field id int64\n}\n"
    session.open(path, text + duplicate, 1)
    assert session.analysis_for(path).result.symbols["type"]["OrderRow"].path == path
    session.change(path, text, 2)  # orders.mizan's shape OrderRow is the one left
    assert session.provisional_for(path, exact=False) is None
    assert session.analysis_for(path).result.symbols["type"]["OrderRow"].kind == "shape"


# --- a request in the middle of a check (in-process: the timing is ours) -----------------
class _Captured:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    def messages(self) -> list[dict]:
        bodies = re.split(rb"Content-Length: \d+\r\n(?:[^\r\n]+\r\n)*\r\n", bytes(self.data))
        return [json.loads(body) for body in bodies if body]


def _frame(message: dict) -> bytes:
    return json.dumps({"jsonrpc": "2.0", **message}).encode()


def _inside_the_checker(call):
    """Run `call(frame)` from a function the server takes for checker code."""
    from mizan_lang.lsp import server as srv

    scope: dict = {}
    exec(compile("def checking(call):\n    import sys\n    return call(sys._getframe())\n",
                 srv._CHECK_DIR + "fake_pass.py", "exec"), scope)
    return scope["checking"](call)


def test_requests_are_answered_in_the_middle_of_a_check(tmp_path: Path) -> None:
    from mizan_lang.lsp import server as srv

    srv._register_features()
    ls = srv.server
    captured = _Captured()
    ls.protocol.set_writer(captured)
    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, tmp_path / path.name)
    uri = (tmp_path / "customers.mizan").as_uri()
    text = (tmp_path / "customers.mizan").read_text("utf-8")
    srv._receive(ls, _frame({"id": 1, "method": "initialize", "params": {
        "capabilities": {}, "rootUri": tmp_path.as_uri(),
        "workspaceFolders": [{"uri": tmp_path.as_uri(), "name": "shop"}]}}))
    srv._receive(ls, _frame({"method": "initialized", "params": {}}))
    srv._receive(ls, _frame({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "mizan", "version": 1, "text": text}}}))
    # The edit is applied, its check is due; two requests and an edit arrive meanwhile.
    doc_edit = text.replace("Change the public name", "Change the shown name")
    ls.session.change(srv.convert.path_of(uri), doc_edit, 2)
    line = doc_edit[:doc_edit.index("fn update_profile")].count("\n")
    at = {"textDocument": {"uri": uri}, "position": {"line": line, "character": 5}}
    ls.inbox.extend([_frame({"id": 7, "method": "textDocument/hover", "params": at}),
                     _frame({"id": 8, "method": "textDocument/definition", "params": at}),
                     _frame({"method": "textDocument/didChange", "params": {
                         "textDocument": {"uri": uri, "version": 3},
                         "contentChanges": [{"text": text}]}}),
                     _frame({"id": 9, "method": "textDocument/hover", "params": at})])
    captured.data.clear()
    before = dict(ls.quick_answers)
    ls.analysing += 1
    try:
        _inside_the_checker(lambda frame: srv._preempt(ls, signal.SIGUSR1, frame))
    finally:
        ls.analysing -= 1
    answers = {m["id"]: m["result"] for m in captured.messages()}
    assert sorted(answers) == [7, 8]
    assert "Change the shown name" in answers[7]["contents"]["value"]
    assert answers[8][0]["range"]["start"] == {"line": line, "character": 3}
    assert ls.quick_answers["during_check"] - before["during_check"] == 2
    # The edit waits for the check, and so does the request behind it; no check ran.
    assert len(ls.inbox) == 2 and ls.session.documents[srv.convert.path_of(uri)].version == 2
    assert ls.session.provisional_for(srv.convert.path_of(uri), exact=True).provisional
    ls.inbox.clear()
