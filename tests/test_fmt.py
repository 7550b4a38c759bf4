"""The formatter: data-driven cases, idempotence, and "never changes meaning".

Each folder under tests/cases/fmt/ holds `input.mizan` and `expected.mizan`
(the formatted text). MIZAN_UPDATE_EXPECTED=1 rewrites the expected files.
Property tests generate KDL documents with comments, slashdashes, `;`,
multi-line and raw strings, odd spacing and line continuations, and check
that formatting is idempotent and keeps the parsed document equal.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mizan_lang.fmt import document_shape, format_source, format_text, render_string
from mizan_lang.kdl import parse

CASES = Path(__file__).parent / "cases" / "fmt"
EXAMPLES = Path(__file__).parent.parent / "examples"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "input.mizan").is_file())


def assert_formats_faithfully(text: str) -> str:
    """Format `text` and check everything the formatter promises about it."""
    before = parse(text)
    assert before.ok, before.diagnostics
    result = format_source(text, verify=False)
    assert result.problem == ""
    out = result.text
    assert out is not None
    after = parse(out)
    assert after.ok, (out, after.diagnostics)
    assert document_shape(after.document) == document_shape(before.document), out
    assert format_text(out) == out, "not idempotent"
    assert out == "" or out.endswith("\n") and not out.endswith("\n\n")
    assert all(line == line.rstrip(" \t") for line in out.split("\n"))
    return out


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_case(case: Path) -> None:
    out = assert_formats_faithfully(_read(case / "input.mizan"))
    expected = case / "expected.mizan"
    if UPDATE:
        expected.write_bytes(out.encode("utf-8"))
    assert expected.exists(), f"{expected} is missing: run with MIZAN_UPDATE_EXPECTED=1"
    assert out == _read(expected)


def test_cases_cover_every_comment_kind() -> None:
    kinds = set()
    for case in _cases():
        kinds.update(c.kind for c in parse(_read(case / "input.mizan")).document.comments)
    assert kinds == {"line", "block", "slashdash"}


def test_bundled_examples_are_formatted_faithfully() -> None:
    files = sorted(EXAMPLES.rglob("*.mizan"))
    assert files, "examples/ has no .mizan files"
    for path in files:
        assert_formats_faithfully(_read(path))


def test_bundled_examples_are_in_canonical_style() -> None:
    for path in sorted(EXAMPLES.rglob("*.mizan")):
        text = _read(path)
        assert format_text(text) == text, f"{path} is not formatted: run mizan-lang fmt"


def test_syntax_errors_are_not_formatted() -> None:
    result = format_source('mizan 1\ntype T {\n    field a "unterminated\n}\n')
    assert result.text is None
    assert result.diagnostics and result.diagnostics[0].code.startswith("K")
    assert format_text("node {") is None


def test_empty_and_comment_only_documents() -> None:
    assert format_text("") == ""
    assert format_text("\n\n  \n") == ""
    assert format_text("// only\n\n\n/* me */") == "// only\n\n/* me */\n"


def test_trailing_comment_stays_on_its_line() -> None:
    assert format_text("a   1 // one\nb 2") == "a 1 // one\nb 2\n"
    assert format_text("a { // open\n b\n} // close") == "a { // open\n    b\n} // close\n"


def test_block_comment_before_a_node_on_its_line() -> None:
    assert format_text("a; /* c */ b") == "a\n/* c */ b\n"
    assert format_text("p { /* c */ x }") == "p {\n    /* c */ x\n}\n"


def test_multiline_block_comment_moves_with_its_first_line() -> None:
    text = "p {\n        /* one\n           two */\n        x\n}\n"
    assert format_text(text) == "p {\n    /* one\n       two */\n    x\n}\n"


# --- strings --------------------------------------------------------------------


@pytest.mark.parametrize("value,raw,expected", [
    ("plain", "plain", "plain"),
    ("two words", '"two words"', '"two words"'),
    ("true", '"true"', '"true"'),
    ("1abc", '"1abc"', '"1abc"'),
    ("", '""', '""'),
    ('say "hi"', '"say \\"hi\\""', '"say \\"hi\\""'),
    ("tab\there", '"tab\\there"', '"tab\\there"'),
    ("^\\d+$", '#"^\\d+$"#', '#"^\\d+$"#'),
    ('a"#b', '##"a"#b"##', '##"a"#b"##'),
    ("no specials", '#"no specials"#', '"no specials"'),
    ("word", '#"word"#', '"word"'),
    ("\u202e", '"\\u{202e}"', '"\\u{202e}"'),
])
def test_render_string(value: str, raw: str, expected: str) -> None:
    assert render_string(value, raw) == expected
    assert parse(f"n {expected}").document.nodes[0].args[0].value == value


@pytest.mark.parametrize("value", [
    "one line",
    "a\n\nb",
    "trailing space \nnext",
    "   \nwhitespace-only line above",
    'has """ triple quotes',
    "back\\slash",
    "tab\tinside\t",
    "cr\rinside",
    "ends with newline\n",
    "",
])
def test_multiline_strings_round_trip(value: str) -> None:
    for raw in ('"""\nx\n"""', '#"""\nx\n"""#'):
        spelled = render_string(value, raw, indent="    ")
        assert spelled.lstrip("#").startswith('"""\n')
        doc = parse(f"n {spelled}\n")
        assert doc.ok, (spelled, doc.diagnostics)
        assert doc.document.nodes[0].args[0].value == value
        assert all(line == line.rstrip() for line in spelled.split("\n"))


# --- generated documents ------------------------------------------------------------

_IDENTS = st.sampled_from(["a", "node", "foo-bar", "-x", ".md", "ü", "x.y", "+", "Ω2", "mizan"])
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
# Characters KDL forbids anywhere in a document, even inside strings.
_DISALLOWED = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\x85"
_RAW_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                                  blacklist_characters='"#' + _DISALLOWED),
                    max_size=10)
_NUMBERS = st.sampled_from(["0", "1", "-2", "+3", "1.5", "-0.25", "1e10", "2.5E-3", "0x1F",
                            "0o17", "0b1010", "1_000", "#inf", "#-inf", "#nan"])
_KEYWORDS = st.sampled_from(["#true", "#false", "#null"])
_SPACE = st.sampled_from([" ", "  ", "\t", " /* c */ ", " \\\n    ", " \\ // cont\n  "])
_NEWLINE = st.sampled_from(["\n", "\n\n", "\n\n\n", "\r\n", ";", " ; ", " // eol\n",
                            "\n// own line\n", "\n/* own\n   lines */\n"])


def _quote(text: str) -> str:
    from mizan_lang.kdl.printer import quote

    return quote(text)


@st.composite
def _multiline(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                                                blacklist_characters=_DISALLOWED),
                                  max_size=8), max_size=3))
    indent = draw(st.sampled_from(["", "  ", "\t"]))
    body = "".join(indent + line.replace("\\", "\\\\").replace('"', '\\"') + "\n"
                   for line in lines)
    return f'"""\n{body}{indent}"""'


_STRINGS = st.one_of(
    _IDENTS,
    _TEXT.map(_quote),
    _RAW_TEXT.filter(lambda t: not t.startswith('"')).map(lambda t: f'#"{t}"#'),
    _multiline(),
)
_TYPES = st.one_of(st.none(), _IDENTS, _TEXT.map(_quote))


@st.composite
def _value(draw: st.DrawFn) -> str:
    body = draw(st.one_of(_STRINGS, _NUMBERS, _KEYWORDS))
    annotation = draw(_TYPES)
    if annotation is None:
        return body
    inner = draw(st.sampled_from(["", " ", "/* t */"]))
    return f"({inner}{annotation}{inner}){draw(st.sampled_from(['', ' ']))}{body}"


@st.composite
def _entry(draw: st.DrawFn) -> str:
    entry = draw(_value())
    if draw(st.booleans()):
        key = draw(st.one_of(_IDENTS, _TEXT.map(_quote)))
        spacing = draw(st.sampled_from(["", " ", " /* k */ "]))
        entry = f"{key}{spacing}={spacing}{entry}"
    if draw(st.integers(0, 6)) == 0:
        entry = "/-" + entry
    return entry


@st.composite
def _node(draw: st.DrawFn, depth: int) -> str:
    name = draw(st.one_of(_IDENTS, _TEXT.map(_quote)))
    annotation = draw(_TYPES)
    text = name if annotation is None else f"({annotation}){name}"
    for entry in draw(st.lists(_entry(), max_size=4)):
        text += draw(_SPACE) + entry
    if depth < 2 and draw(st.booleans()):
        children = draw(_nodes(depth + 1))
        block = "{" + draw(st.sampled_from(["", " ", "\n", " // open\n", "\n\n"]))
        text += draw(st.sampled_from([" ", ""])) + block + children + "}"
        if draw(st.integers(0, 4)) == 0:
            text += " /-{ hidden 1 }"
    if draw(st.integers(0, 8)) == 0:
        text = "/-" + text
    return text


@st.composite
def _nodes(draw: st.DrawFn, depth: int = 0) -> str:
    parts = [draw(_node(depth)) + draw(_NEWLINE) for _ in range(draw(st.integers(0, 4)))]
    indent = "    " * depth
    return "".join(indent + part for part in parts)


@st.composite
def _document(draw: st.DrawFn) -> str:
    bom = draw(st.sampled_from(["", "", "\ufeff"]))
    version = draw(st.sampled_from(["", "", "/- kdl-version 2\n"]))
    return bom + version + draw(_nodes())


@settings(max_examples=int(os.environ.get("MIZAN_FMT_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_generated_documents_keep_their_meaning(text: str) -> None:
    assert_formats_faithfully(text)
