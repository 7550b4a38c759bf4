"""Quick fixes over JSON-RPC: exact edits, and the fixed file checks clean.

Each test opens a new file in the shop workspace, asks for the code actions
at a published diagnostic, applies the chosen action's TextEdits here (UTF-16
positions, like an editor) and sends the result back: the server must then
publish no diagnostics for it.
"""

from __future__ import annotations

from lsprotocol import types as lsp

QUICKFIX = lsp.CodeActionKind.QuickFix


def offset(text: str, pos: lsp.Position) -> int:
    """The string index of an LSP position (line, UTF-16 column) in `text`."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[:pos.line])
    units = 0
    i = start
    while units < pos.character:
        units += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    return i


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    spans = sorted(((offset(text, e.range.start), offset(text, e.range.end), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def actions_at(editor, uri: str, diagnostics: list[lsp.Diagnostic],
                     only: list[str] | None = None) -> list[lsp.CodeAction]:
    where = diagnostics[0].range
    found = await editor.client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=where,
        context=lsp.CodeActionContext(diagnostics=diagnostics, only=only)))
    return list(found or [])


def summary(actions: list[lsp.CodeAction]) -> list[tuple[str, bool, list[str]]]:
    return [(a.title, bool(a.is_preferred), [d.code for d in a.diagnostics or []])
            for a in actions]


async def fix_and_recheck(editor, uri: str, action: lsp.CodeAction) -> str:
    """Apply the action's edits to every document they touch; return the new text of `uri`."""
    assert action.kind == QUICKFIX and action.edit is not None
    for target, edits in sorted(action.edit.changes.items()):
        if target not in editor.texts:
            editor.open(target.removeprefix(editor.root.as_uri() + "/"))
        version = editor.replace_all(target, apply(editor.texts[target], edits))
        if target == uri:
            assert await editor.diagnostics(uri, version=version) == []
    return editor.texts[uri]


async def test_did_you_mean_type_with_accents_and_emoji_before_it(editor) -> None:
    text = 'mizan 1\n\nfn tea_price doc="Thé 🍵 prix" returns=Mony {\n    param tea_id int64\n}\n'
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    assert [d.code for d in diagnostics] == ["M201"]
    actions = await actions_at(editor, uri, diagnostics)
    assert summary(actions) == [("Change 'Mony' to 'Money'", True, ["M201"]),
                                ("Create type 'Mony'", False, ["M201"])]
    assert list(actions[0].diagnostics) == diagnostics  # the client's own, attached
    [edit] = actions[0].edit.changes[uri]
    assert edit.range == lsp.Range(start=lsp.Position(line=2, character=39),
                                   end=lsp.Position(line=2, character=43))
    assert edit.new_text == "Money"
    fixed = await fix_and_recheck(editor, uri, actions[0])
    assert fixed == text.replace("Mony", "Money")


async def test_did_you_mean_context_inside_a_quoted_list(editor) -> None:
    text = ('mizan 1\n\nfn restock affects="inventory,prodcut" {\n'
            '    param warehouse_id int64\n    param product_id int64\n}\n')
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    assert [d.code for d in diagnostics] == ["M301"]
    actions = await actions_at(editor, uri, diagnostics)
    assert summary(actions) == [("Change 'prodcut' to 'product'", True, ["M301"])]
    fixed = await fix_and_recheck(editor, uri, actions[0])
    assert 'affects="inventory,product"' in fixed


async def test_create_a_missing_type_after_the_declaration(editor) -> None:
    text = "mizan 1\n\nfn tea_box returns=list<Gizmo>\n\nfn tea_other returns=int\n"
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    actions = await actions_at(editor, uri, diagnostics)
    assert summary(actions) == [("Create type 'Gizmo'", True, ["M201"])]
    fixed = await fix_and_recheck(editor, uri, actions[0])
    assert fixed == ("mizan 1\n\nfn tea_box returns=list<Gizmo>\n\ntype Gizmo {}\n"
                     "\nfn tea_other returns=int\n")


async def test_add_the_missing_key_param_creating_the_block(editor) -> None:
    text = "mizan 1\n\nfn tea_stock context=product returns=int\n"
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    assert [d.code for d in diagnostics] == ["M302"]
    actions = await actions_at(editor, uri, diagnostics)
    assert summary(actions) == [("Add param 'product_id int64'", True, ["M302"])]
    fixed = await fix_and_recheck(editor, uri, actions[0])
    assert fixed == ("mizan 1\n\nfn tea_stock context=product returns=int {\n"
                     "    param product_id int64\n}\n")


async def test_add_both_missing_keys_into_an_indented_block(editor) -> None:
    # Tabs and a nested position: the new lines follow the block's own indentation.
    text = ("mizan 1\n\nfn tea_level context=inventory returns=int {\n"
            "\t\tdoc \"Niveau du thé ☕\"\n\t}\n")
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    assert [d.code for d in diagnostics] == ["M302", "M302"]
    actions = await actions_at(editor, uri, diagnostics)
    assert summary(actions) == [
        ("Add param 'product_id int64'", False, ["M302"]),
        ("Add the 2 missing key params", True, ["M302", "M302"]),
        ("Add param 'warehouse_id int64'", False, ["M302"]),
    ]
    fixed = await fix_and_recheck(editor, uri, actions[1])
    assert fixed == ("mizan 1\n\nfn tea_level context=inventory returns=int {\n"
                     "\t\tdoc \"Niveau du thé ☕\"\n\t\tparam product_id int64\n"
                     "\t\tparam warehouse_id int64\n\t}\n")


async def test_add_a_key_param_to_a_one_line_block(editor) -> None:
    text = 'mizan 1\n\nfn tea_note context=customer returns=str { doc "Note" }\n'
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    actions = await actions_at(editor, uri, diagnostics)
    assert summary(actions) == [("Add param 'customer_id int64'", True, ["M302"])]
    fixed = await fix_and_recheck(editor, uri, actions[0])
    assert fixed == ('mizan 1\n\nfn tea_note context=customer returns=str {\n'
                     '    doc "Note"\n    param customer_id int64\n}\n')


async def test_rename_a_reserved_name_everywhere(editor) -> None:
    text = ("mizan 1\n\nfn rate_tea affects=product returns=int {\n"
            "    param product_id int64\n    param async int\n}\n\n"
            "form TeaForm submit=rate_tea {\n"
            "    field product_id int required=#true\n    field async int required=#true\n}\n")
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    # The param and the form field are both reported; one rename fixes both.
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("M153", 4), ("M153", 9)]
    actions = await actions_at(editor, uri, diagnostics[:1])
    assert summary(actions) == [("Rename 'async' to 'async_'", True, ["M153"])]
    edits = actions[0].edit.changes[uri]
    assert [(e.range.start.line, e.range.start.character, e.new_text) for e in edits] == [
        (4, 10, "async_"), (9, 10, "async_")]  # the param and the form field bound to it
    fixed = await fix_and_recheck(editor, uri, actions[0])
    assert fixed == text.replace("async", "async_")


async def test_rename_a_context_key_keeps_its_members_in_step(editor) -> None:
    text = ("mizan 1\n\ncontext tea_pot {\n    param type int64\n}\n\n"
            "fn pot_size context=tea_pot returns=int {\n    param type int64\n}\n\n"
            "fn refill_pot affects=tea_pot {\n    param type int64\n}\n")
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    assert [d.code for d in diagnostics] == ["M153", "M153", "M153"]
    actions = await actions_at(editor, uri, diagnostics[:1])
    assert summary(actions) == [("Rename 'type' to 'type_'", True, ["M153"])]
    # The key and the member's param are one name (M302 otherwise); the
    # mutation's own param is its API and keeps its name until fixed on its own.
    edits = actions[0].edit.changes[uri]
    renamed = apply(text, edits)
    assert renamed == text.replace("param type ", "param type_ ", 2)
    version = editor.replace_all(uri, renamed)
    left = await editor.diagnostics(uri, version=version)
    assert [(d.code, d.range.start.line) for d in left] == [("M153", 11)]
    [fix] = await actions_at(editor, uri, left)
    assert await fix_and_recheck(editor, uri, fix) == text.replace("param type ", "param type_ ")


async def test_insert_the_missing_header(editor) -> None:
    text = "// Thé 🍵\nfn tea_time returns=int\n"
    uri = editor.open("tea.mizan", text)
    diagnostics = await editor.diagnostics(uri, version=1)
    assert [d.code for d in diagnostics] == ["M101"]
    actions = await actions_at(editor, uri, diagnostics)
    assert summary(actions) == [("Insert the 'mizan 1' header", True, ["M101"])]
    fixed = await fix_and_recheck(editor, uri, actions[0])
    assert fixed == "mizan 1\n" + text


async def test_only_other_kinds_or_no_diagnostic_gives_nothing(editor) -> None:
    uri = editor.open("tea.mizan", "mizan 1\n\nfn tea_price returns=Mony\n")
    diagnostics = await editor.diagnostics(uri, version=1)
    assert await actions_at(editor, uri, diagnostics, only=[lsp.CodeActionKind.Refactor]) == []
    assert len(await actions_at(editor, uri, diagnostics, only=["quickfix"])) == 2
    clean = editor.open("main.mizan")
    await editor.diagnostics(clean, version=1)
    found = await editor.client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=clean),
        range=lsp.Range(start=lsp.Position(line=0, character=0),
                        end=lsp.Position(line=5, character=0)),
        context=lsp.CodeActionContext(diagnostics=[])))
    assert list(found or []) == []
