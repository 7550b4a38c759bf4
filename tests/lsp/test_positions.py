"""Positions on the wire: UTF-16 columns and LSP lines, both directions.

LSP counts columns in UTF-16 code units (an accent is one unit, an emoji
from the astral plane two) and ends lines only at \\n, \\r\\n and \\r. The
server counts characters and KDL ends lines at more characters (form feed,
U+0085, U+2028, ...): every diagnostic range and every incremental edit must
be converted.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp

from mizan_lang.lsp.server import apply_changes
from mizan_lang.source import LineIndex

from .test_edit_fuzz import lsp_position

# An error after accents and an emoji on the same line.
LINE = 'fn price_tag doc="Prix : 12 € — café 😀 ok" returns=Nope { param id int64 }'
TEXT = f'mizan 1\n\nimport "common.mizan"\n\n{LINE}\n'


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_diagnostic_columns_are_utf16_units(editor) -> None:
    uri = editor.open("tags.mizan", TEXT)
    [diag] = await editor.diagnostics(uri, version=1)
    assert diag.code == "M201"
    before = LINE[: LINE.index("Nope")]
    assert units(before) == len(before) + 1  # the emoji counts twice
    assert (diag.range.start.line, diag.range.start.character) == (4, units(before))
    assert (diag.range.end.line, diag.range.end.character) == (4, units(before) + 4)


async def test_incremental_edits_after_the_emoji_land_in_place(editor) -> None:
    uri = editor.open("tags.mizan", TEXT)
    await editor.diagnostics(uri, version=1)
    nope = units(LINE[: LINE.index("Nope")])
    version = editor.edit(uri, (4, nope), (4, nope + 4), "Money")  # a type of common.mizan
    assert await editor.diagnostics(uri, version=version) == []

    # Type right after the emoji (inside the doc string), then break the type again:
    # the second edit's columns already count the inserted emoji (2 units) and letter.
    after_emoji = units(LINE[: LINE.index("😀") + 1])
    version = editor.edit(uri, (4, after_emoji), (4, after_emoji), "🦀x")
    line = LINE.replace("😀", "😀🦀x").replace("Nope", "Money")
    money = units(line[: line.index("Money")])
    assert money == nope + 3
    version = editor.edit(uri, (4, money + 5), (4, money + 5), "s")
    [diag] = await editor.diagnostics(uri, version=version)
    assert diag.code == "M201" and "Moneys" in diag.message
    assert (diag.range.start.character, diag.range.end.character) == (money, money + 6)


async def test_definition_answers_in_utf16_units(editor) -> None:
    text = TEXT.replace("Nope", "Money")
    uri = editor.open("tags.mizan", text)
    await editor.diagnostics(uri, version=1)
    line = LINE.replace("Nope", "Money")
    # The cursor on the last letter of `Money`: in code points that column is one
    # further right, past the name.
    last = units(line[: line.index("Money") + 4])
    found = await editor.client.text_document_definition_async(lsp.DefinitionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        position=lsp.Position(line=4, character=last)))
    assert found and found[0].uri.endswith("/common.mizan")


# Characters KDL treats as newlines but LSP clients do not (they stay inside a line).
NOT_LSP_NEWLINES = {"form feed": "\x0c", "vertical tab": "\x0b", "next line": "\x85",
                    "line separator": "\u2028", "paragraph separator": "\u2029"}


def _with(char: str) -> str:
    # In a comment the character ends the comment for KDL, so the rest of that line
    # is a node (M104): the editor shows it on line 1, and the M201 on line 2.
    return f"mizan 1\n// note{char}stray_node\nfn f returns=Nope {{ }}\n"


@pytest.mark.parametrize("char", NOT_LSP_NEWLINES.values(), ids=NOT_LSP_NEWLINES.keys())
async def test_diagnostic_lines_are_counted_by_lsp_rules(editor, char: str) -> None:
    text = _with(char)
    uri = editor.open("lines.mizan", text)
    diags = await editor.diagnostics(uri, version=1)
    got = {d.code: (d.range.start.line, d.range.start.character) for d in diags}
    expected = {code: lsp_position(text, text.index(name))
                for code, name in (("M104", "stray_node"), ("M201", "Nope"))}
    assert got == {code: (p["line"], p["character"]) for code, p in expected.items()}
    assert got["M201"] == (2, len("fn f returns="))


@pytest.mark.parametrize("char", NOT_LSP_NEWLINES.values(), ids=NOT_LSP_NEWLINES.keys())
async def test_edits_below_such_a_character_land_in_place(editor, char: str) -> None:
    text = _with(char)
    uri = editor.open("lines.mizan", text)
    await editor.diagnostics(uri, version=1)
    nope = lsp_position(text, text.index("Nope"))
    version = editor.edit(uri, (nope["line"], nope["character"]),
                          (nope["line"], nope["character"] + 4), "str")
    diags = await editor.diagnostics(uri, version=version)
    assert [(d.code, d.message) for d in diags] == [
        ("M104", "unknown node 'stray_node' at the top level")]


async def test_crlf_and_lone_cr_end_lines(editor) -> None:
    text = "mizan 1\r\n// crlf\r\n// cr\rfn f returns=Nope { }\r\n"
    uri = editor.open("lines.mizan", text)
    [diag] = await editor.diagnostics(uri, version=1)
    start = lsp_position(text, text.index("Nope"))
    assert start == {"line": 3, "character": len("fn f returns=")}
    assert (diag.range.start.line, diag.range.start.character) == (3, start["character"])
    version = editor.edit(uri, (3, start["character"]), (3, start["character"] + 4), "int")
    assert await editor.diagnostics(uri, version=version) == []


def test_reference_positions_follow_lsp_rules() -> None:
    """The test's own converter (used by the fuzz test too) counts like an LSP client."""
    text = "a\r\nb\rc\x0cd\u2028e\n😀f"
    assert lsp_position(text, text.index("b")) == {"line": 1, "character": 0}
    assert lsp_position(text, text.index("c")) == {"line": 2, "character": 0}
    assert lsp_position(text, text.index("e")) == {"line": 2, "character": 4}
    assert lsp_position(text, text.index("f")) == {"line": 3, "character": 2}


_PIECES = ["\n", "\r", "\r\n", "a", "é", "\U0001f600", "fn f {\n", "\n\n", "x\r", "\ny"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES), max_size=30),
       st.lists(st.tuples(st.floats(0, 1), st.integers(0, 6),
                          st.lists(st.sampled_from(_PIECES), max_size=4)),
                min_size=1, max_size=8))
def test_line_index_follows_edits(pieces, edits) -> None:
    """An edit updates the line index instead of rescanning the text: the same
    line starts (CR, LF and CRLF, also split or joined by the edit) as a fresh index."""
    text = "".join(pieces)
    index = LineIndex(text)
    for where, remove, inserted in edits:
        start = int(where * len(text))
        end = min(len(text), start + remove)
        new = text[:start] + "".join(inserted) + text[end:]
        index = index.edited(start, end, "".join(inserted), new)
        text = new
        assert index.starts == LineIndex(text).starts


def test_apply_changes_keeps_the_line_index() -> None:
    text = "".join(f"fn f{i} {{\r\n    doc \"é{i}\"\n}}\n" for i in range(300))
    changes = [lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(line=400, character=3),
                        end=lsp.Position(line=400, character=3)), text="x\ny"),
               lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(line=10, character=0),
                        end=lsp.Position(line=12, character=2)), text="")]
    got, lines, _ = apply_changes(text, changes, LineIndex(text))
    want = text
    for change in changes:
        index = LineIndex(want)
        start = index.offset(change.range.start.line, change.range.start.character)
        end = index.offset(change.range.end.line, change.range.end.character)
        want = want[:start] + change.text + want[end:]
    assert got == want
    assert lines.text is got and lines.starts == LineIndex(got).starts


def test_one_change_tells_the_range_it_replaced() -> None:
    """The session re-parses from that range instead of comparing 2 MB texts; two
    changes at once tell none (each moved the other's offsets)."""
    text = "fn a {\n    doc \"é🍵x\"\n}\n"
    one = [lsp.TextDocumentContentChangePartial(
        range=lsp.Range(start=lsp.Position(line=1, character=9),
                        end=lsp.Position(line=1, character=12)), text="yz")]
    got, _, edit = apply_changes(text, one, LineIndex(text))
    assert got == "fn a {\n    doc \"yzx\"\n}\n" and edit == (16, 18)  # é and 🍵: 3 units
    assert apply_changes(text, one * 2, LineIndex(text))[2] is None
