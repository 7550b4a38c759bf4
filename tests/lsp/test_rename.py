"""prepareRename and rename over JSON-RPC: exact edits across files, and refusals."""

from __future__ import annotations

import re
import shutil

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import EXAMPLE, SERVER, Editor, _track_versions, capabilities

REQUEST_FAILED = lsp.LSPErrorCodes.RequestFailed.value

# Money is used after "€ 💶" on line 3: UTF-16 column 38, code point 37.
EXTRA = """mizan 1
import "common.mizan"

fn convert doc="Prix en € 💶" returns=Money {
    param amount Money
}
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def versioned_client(lsp_client: LanguageClient, tmp_path_factory):
    """Like `editor`'s client, but taking versioned `documentChanges` (as VS Code does)."""
    root = tmp_path_factory.mktemp("shop")
    for path in EXAMPLE.glob("*.mizan"):
        shutil.copy(path, root / path.name)
    _track_versions(lsp_client)
    caps = capabilities()
    caps.workspace.workspace_edit = lsp.WorkspaceEditClientCapabilities(document_changes=True)
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=caps, root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="shop")]))
    lsp_client.test_root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


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
    return (*_position(text, start), *_position(text, end))


def _position(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset), len(text[line_start:offset].encode("utf-16-le")) // 2


def _name(editor: Editor, uri: str) -> str:
    return uri.removeprefix(editor.root.as_uri() + "/")


def _changes(editor: Editor, edit: lsp.WorkspaceEdit) -> dict[str, list[tuple]]:
    """`changes` as {file: [(range, new text)]}."""
    assert edit.document_changes is None
    return {_name(editor, uri): [(_range(e.range), e.new_text) for e in edits]
            for uri, edits in (edit.changes or {}).items()}


async def _prepare(editor: Editor, uri: str, position: lsp.Position):
    return await editor.client.text_document_prepare_rename_async(lsp.PrepareRenameParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position))


async def _rename(editor: Editor, uri: str, position: lsp.Position, new: str):
    return await editor.client.text_document_rename_async(lsp.RenameParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position, new_name=new))


# --- prepareRename ---------------------------------------------------------------------


async def test_prepare_gives_the_name_range_and_placeholder(editor) -> None:
    uri = editor.open("backoffice.mizan")
    # Inside `by=customer_id:buyer_id`: only the param half is the name.
    found = await _prepare(editor, uri, editor.position(uri, "customer_id:buyer_id", delta=16))
    assert isinstance(found, lsp.PrepareRenamePlaceholder)
    where = _find(editor, "backoffice.mizan", "customer_id:buyer_id", delta=12)
    assert (_range(found.range), found.placeholder) == (where, "buyer_id")


async def test_prepare_counts_utf16_columns(editor) -> None:
    uri = editor.open("extra.mizan", EXTRA)
    found = await _prepare(editor, uri, lsp.Position(line=3, character=39))
    assert (_range(found.range), found.placeholder) == ((3, 38, 3, 43), "Money")


async def test_prepare_elsewhere_is_null(editor) -> None:
    uri = editor.open("customers.mizan")
    assert await _prepare(editor, uri, editor.position(uri, "// Customer")) is None
    assert await _prepare(editor, uri, editor.position(uri, "fn customer_profile")) is None
    assert await _prepare(editor, uri, editor.position(uri, "int64", delta=2)) is None


async def test_prepare_refuses_built_in_and_undeclared_names(editor) -> None:
    uri = editor.open("customers.mizan")
    with pytest.raises(JsonRpcException) as err:
        await _prepare(editor, uri, editor.position(uri, "Upload", delta=1))
    assert err.value.code == REQUEST_FAILED
    assert err.value.message == "'Upload' is a built-in type and cannot be renamed"
    extra = editor.open("extra.mizan", "mizan 1\nfn f returns=Nope { }\n")
    with pytest.raises(JsonRpcException) as err:
        await _prepare(editor, extra, editor.position(extra, "Nope"))
    assert err.value.message == "'Nope' is not declared in this workspace, so it cannot be renamed"


# --- rename ------------------------------------------------------------------------------


async def test_rename_function_param_updates_by_bindings(editor) -> None:
    uri = editor.open("backoffice.mizan")
    edit = await _rename(editor, uri, editor.position(uri, "param buyer_id", delta=8), "client_id")
    assert _changes(editor, edit) == {"backoffice.mizan": [
        (_find(editor, "backoffice.mizan", "param buyer_id", delta=6), "client_id"),
        # by=customer_id:buyer_id: the param half, not the key half
        (_find(editor, "backoffice.mizan", "customer_id:buyer_id", delta=12), "client_id"),
        (_find(editor, "backoffice.mizan", "by=buyer_id", delta=3), "client_id"),
    ]}


async def test_rename_context_key_renames_members_and_the_key_half_of_by(editor) -> None:
    uri = editor.open("orders.mizan")
    expected = {
        # by=customer_id:buyer_id: the key half
        "backoffice.mizan": [(_find(editor, "backoffice.mizan", "customer_id:buyer_id",
                                    length=11), "buyer")],
        "orders.mizan": [
            (_find(editor, "orders.mizan", "param customer_id", delta=6), "buyer"),  # the key
            # fn order_detail context=order: its param must match the key (M302)
            (_find(editor, "orders.mizan", "param customer_id", occurrence=1, delta=6), "buyer"),
        ],
    }
    from_key = await _rename(editor, uri, editor.position(uri, "param customer_id", delta=8),
                             "buyer")
    assert _changes(editor, from_key) == expected
    # Mutations that bound the key by name are not renamed, but the user is told.
    assert sorted(m.message for m in editor.client.messages) == [
        f"mizan: '{fn}' bound the key 'customer_id' of context 'order' by the name of its "
        "param 'customer_id'; now that the key is 'buyer', rename that param too or bind it "
        "with `by=`" for fn in ("cancel_order", "checkout")]
    assert {m.type for m in editor.client.messages} == {lsp.MessageType.Warning}
    from_member = await _rename(editor, uri, editor.position(
        uri, "param customer_id", occurrence=1, delta=8), "buyer")
    assert _changes(editor, from_member) == expected


async def test_rename_function_param_updates_form_fields(editor) -> None:
    uri = editor.open("customers.mizan")
    at = editor.position(uri, "param display_name", delta=8)
    edit = await _rename(editor, uri, at, "public_name")
    # The column and the record field of the same name are other names: untouched.
    assert _changes(editor, edit) == {"customers.mizan": [
        (_find(editor, "customers.mizan", "param display_name", delta=6), "public_name"),
        # field display_name of ProfileForm (submit=update_profile)
        (_find(editor, "customers.mizan", "field display_name str required", delta=6,
               length=12), "public_name"),
    ]}


async def test_rename_enum_member_updates_defaults(editor) -> None:
    uri = editor.open("common.mizan")
    edit = await _rename(editor, uri, editor.position(uri, "EUR doc"), "EURO")
    assert _changes(editor, edit) == {"common.mizan": [
        (_find(editor, "common.mizan", "EUR doc", length=3), "EURO"),
        (_find(editor, "common.mizan", "default=EUR", delta=8), "EURO"),
    ]}


async def test_rename_across_files_with_versions_and_utf16(
    versioned_client: LanguageClient,
) -> None:
    editor = Editor(versioned_client, versioned_client.test_root)  # type: ignore[attr-defined]
    extra = editor.open("extra.mizan", EXTRA)
    editor.edit(extra, (5, 1), (5, 1), "\n")  # now at version 2
    edit = await _rename(editor, extra, lsp.Position(line=4, character=19), "Amount")
    assert edit.changes is None
    found = {(_name(editor, change.text_document.uri), change.text_document.version):
             [_range(e.range) for e in change.edits if e.new_text == "Amount"]
             for change in edit.document_changes}
    def uses(name: str, count: int) -> list[tuple[int, int, int, int]]:
        text = (editor.root / name).read_text("utf-8")
        found = [(*_position(text, m.start()), *_position(text, m.end()))
                 for m in re.finditer(r"\bMoney\b", text)]
        assert len(found) == count
        return found

    assert found == {
        ("backoffice.mizan", None): uses("backoffice.mizan", 3),
        ("common.mizan", None): [_find(editor, "common.mizan", "type Money", delta=5)],
        ("extra.mizan", 2): [(3, 38, 3, 43), (4, 17, 4, 22)],  # after "€ 💶": UTF-16
        ("orders.mizan", None): uses("orders.mizan", 4),
    }


async def test_rename_to_the_same_name_changes_nothing(editor) -> None:
    uri = editor.open("common.mizan")
    edit = await _rename(editor, uri, editor.position(uri, "type Money", delta=5), "Money")
    assert _changes(editor, edit) == {}


INVALID = "is not a valid name: use ASCII letters, digits and '_', not starting with a digit"


# `{line}`: the line of `anchor` in common.mizan, where the clashing name is declared.
@pytest.mark.parametrize(("needle", "delta", "new", "message", "anchor"), [
    ("type Money", 5, "Mon-ey", f"'Mon-ey' {INVALID}", ""),
    ("type Money", 5, "9lives", f"'9lives' {INVALID}", ""),
    ("type Money", 5, "String", "'String' is reserved in Rust", ""),
    ("type Money", 5, "decimal", "'decimal' is a built-in type name", ""),
    ("type Money", 5, "Address", "'Address' already names a type (common.mizan:{line})",
     "type Address"),
    ("type Money", 5, "Currency", "'Currency' already names an enum (common.mizan:{line})",
     "enum Currency"),
    ("field amount", 6, "class", "'class' is reserved in Python and TypeScript", ""),
    ("field amount", 6, "currency",
     "'currency' already names a field of type 'Money' (common.mizan:{line})",
     "field currency"),
    ("field amount", 6, "Currency_",
     ("'Currency_' would collide with 'currency' (common.mizan:{line}) once generated code "
      "converts its case"),
     "field currency"),
    ("guard staff", 6, "public", "'public' is a built-in auth level", ""),
    ("guard staff", 6, "admin", "'admin' already names a guard (common.mizan:{line})",
     "guard admin"),
    ("EUR doc", 0, "USD",
     "'USD' already names a member of enum 'Currency' (common.mizan:{line})", "USD doc"),
])
async def test_rename_refusals(editor, needle: str, delta: int, new: str, message: str,
                               anchor: str) -> None:
    uri = editor.open("common.mizan")
    with pytest.raises(JsonRpcException) as err:
        await _rename(editor, uri, editor.position(uri, needle, delta=delta), new)
    if anchor:
        message = message.format(line=editor.position(uri, anchor).line + 1)
    assert (err.value.code, err.value.message) == (REQUEST_FAILED, message)


async def test_rename_refuses_a_name_in_an_escaped_string(editor) -> None:
    uri = editor.open("extra.mizan",
                      'mizan 1\nimport "common.mizan"\n'
                      'type Price { field currency Currency default="\\u{45}UR" }\n')
    common = editor.open("common.mizan")
    with pytest.raises(JsonRpcException) as err:
        await _rename(editor, common, editor.position(common, "EUR doc"), "EURO")
    assert err.value.message == ("'EUR' at extra.mizan:3 is written inside an escaped string; "
                                 "write it plainly to rename it")
    assert uri.endswith("extra.mizan")


async def test_rename_parameter_of_a_function_with_context_checks_its_own_scope(editor) -> None:
    uri = editor.open("orders.mizan")
    # cart_id of shipping_quote and of the cart context are different names.
    at = editor.position(uri, "param cart_id", occurrence=3, delta=8)
    edit = await _rename(editor, uri, at, "basket_id")
    assert _changes(editor, edit) == {"orders.mizan": [
        (_find(editor, "orders.mizan", "param cart_id", occurrence=3, delta=6), "basket_id")]}


async def test_the_server_announces_rename_with_prepare(editor) -> None:
    provider = editor.client.initialize_result.capabilities.rename_provider
    assert isinstance(provider, lsp.RenameOptions) and provider.prepare_provider
