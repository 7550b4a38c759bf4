"""Type expressions: the tree, its spans, and the syntax errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mizan_lang.identifiers import is_valid_identifier, reserved_in
from mizan_lang.source import Span
from mizan_lang.typeexpr import (
    TypeExpr,
    _Malformed,
    _Parser,
    _well_formed,
    bare_type,
    parse_type,
)

OFFSET = 100  # where the string starts in an imaginary file


def parse(text: str) -> tuple[TypeExpr | None, list]:
    return parse_type(text, Span(OFFSET, OFFSET + len(text)), OFFSET)


def shape(expr: TypeExpr) -> object:
    """A compact view of the tree: (kind, name, [args...])."""
    return (expr.kind, expr.name, [shape(arg) for arg in expr.args])


@pytest.mark.parametrize("text, expected", [
    ("str", ("primitive", "str", [])),
    ("Profile", ("named", "Profile", [])),
    ("Upload", ("named", "Upload", [])),
    ("Role?", ("nullable", "", [("named", "Role", [])])),
    ("list<int64>", ("list", "list", [("primitive", "int64", [])])),
    ("map<str,list<Profile>>?", ("nullable", "", [
        ("map", "map", [("primitive", "str", []),
                        ("list", "list", [("named", "Profile", [])])])])),
    ("list<str?>", ("list", "list", [("nullable", "", [("primitive", "str", [])])])),
    (" map < str , int > ", ("map", "map", [("primitive", "str", []), ("primitive", "int", [])])),
])
def test_trees(text: str, expected: object) -> None:
    expr, problems = parse(text)
    assert problems == []
    assert shape(expr) == expected


def test_canonical_text_drops_spaces() -> None:
    expr, _ = parse(" map < str , list<Role> > ? ")
    assert expr.text() == "map<str,list<Role>>?"


def test_spans_are_file_offsets() -> None:
    text = "map<str,list<Profile>>?"
    expr, _ = parse(text)

    def at(node: TypeExpr) -> str:
        return text[node.span.start - OFFSET:node.span.end - OFFSET]

    assert [at(node) for node in expr.walk()] == [
        "map<str,list<Profile>>?", "map<str,list<Profile>>", "str", "list<Profile>", "Profile"]
    assert [node.name for node in expr.names()] == ["Profile"]


def test_without_a_start_offset_every_span_is_the_value() -> None:
    whole = Span(5, 30)
    expr, _ = parse_type("list<Role>", whole, None)
    assert {node.span for node in expr.walk()} == {whole}
    _, problems = parse_type("list<", whole, None)
    assert [p.span for p in problems] == [whole]


@pytest.mark.parametrize("text, code, where, message", [
    ("", "M120", "", "the type is empty"),
    ("  ", "M120", "  ", "the type is empty"),
    ("list<str", "M120", "<", "this '<' is never closed with '>'"),
    ("list<>", "M120", ">", "expected a type name, found '>'"),
    ("list<str,", "M120", "", "expected a type name, found the end"),
    ("str??", "M120", "?", "a type is made nullable once; remove the extra '?'"),
    ("?", "M120", "?", "expected a type name, found '?'"),
    ("str int", "M120", "int", "unexpected 'int' after the type"),
    ("str>", "M120", ">", "unexpected '>' after the type"),
    ("1abc", "M120", "1abc", "'1abc' is not a valid type name"),
    ("Prófile", "M120", "Prófile", "'Prófile' is not a valid type name"),
    ("list<a b>", "M120", "b", "expected ',' or '>', found 'b'"),
    ("list", "M121", "list", "'list' takes one type argument: 'list<T>'"),
    ("list<a,b>", "M121", "list<a,b>", "'list' takes one type argument: 'list<T>'"),
    ("map<str>", "M121", "map<str>", "'map' takes two type arguments: 'map<str,T>'"),
    ("int<str>", "M121", "int<str>", "'int' takes no type arguments; only 'list' and 'map' do"),
    ("Page<Profile>", "M121", "Page<Profile>",
     "'Page' takes no type arguments; only 'list' and 'map' do"),
])
def test_errors(text: str, code: str, where: str, message: str) -> None:
    expr, problems = parse(text)
    assert expr is None
    assert [p.code for p in problems] == [code]
    span = problems[0].span
    assert text[span.start - OFFSET:span.end - OFFSET] == where
    assert message in problems[0].message


def test_deep_nesting_is_refused_not_a_crash() -> None:
    text = "list<" * 5000 + "int" + ">" * 5000
    expr, problems = parse(text)
    assert expr is None and problems[0].code == "M120"


@given(st.text(alphabet="<>,? \tlistmapstrRole?x1_", max_size=40))
def test_never_raises_and_trees_are_well_formed(text: str) -> None:
    expr, problems = parse(text)
    assert (expr is None) == bool(problems)
    if expr is not None:
        for node in expr.walk():
            expected = {"list": 1, "map": 2, "nullable": 1}.get(node.kind, 0)
            assert len(node.args) == expected
        # The canonical text parses back to the same tree.
        again, _ = parse(expr.text())
        assert again is not None and again.text() == expr.text()


@pytest.mark.parametrize("name, valid", [
    ("user_id", True), ("_x", True), ("A1", True), ("", False), ("1a", False),
    ("user-id", False), ("naïve", False), ("a b", False), ("x\n", False),
])
def test_valid_identifiers(name: str, valid: bool) -> None:
    assert is_valid_identifier(name) is valid


@pytest.mark.parametrize("name, languages", [
    ("user_id", []),
    ("class", ["python", "typescript"]),
    ("struct", ["rust"]),
    ("None", ["python"]),
    ("self", ["python", "rust"]),
    ("Self", ["rust"]),
    ("crate", ["rust"]),
    ("gen", ["rust"]),
    ("try", ["python", "rust", "typescript"]),
    ("async", ["python", "rust"]),
    ("await", ["python", "rust", "typescript"]),
    ("dyn", ["rust"]),
    ("_", ["python", "rust"]),
    ("match", ["rust"]),  # a Python soft keyword is a legal Python name
    ("constructor", ["typescript"]),
    ("__proto__", ["typescript"]),
    ("prototype", ["typescript"]),
    ("interface", ["typescript"]),
    ("function", ["typescript"]),
    ("lambda", ["python"]),
])
def test_reserved_words(name: str, languages: list[str]) -> None:
    assert reserved_in(name) == languages


def test_type_names_that_shadow_builtins() -> None:
    assert reserved_in("String") == []
    assert reserved_in("String", for_type=True) == ["rust"]
    assert reserved_in("str", for_type=True) == ["python", "rust"]
    assert reserved_in("number", for_type=True) == ["typescript"]


def test_the_language_reference_lists_the_same_reserved_words() -> None:
    from pathlib import Path

    from mizan_lang import identifiers

    reference = Path(__file__).parent.parent / "docs" / "language.md"
    appendix = reference.read_text(encoding="utf-8").split("## Appendix B")[1]
    words = set(appendix.replace("`", " ").replace(":", " ").replace(".", " ").split())
    for name in ("PYTHON_KEYWORDS", "PYTHON_BREAKING", "RUST_KEYWORDS", "TYPESCRIPT_KEYWORDS",
                 "TYPESCRIPT_BREAKING", "PYTHON_TYPE_NAMES", "RUST_TYPE_NAMES",
                 "TYPESCRIPT_TYPE_NAMES"):
        missing = getattr(identifiers, name) - words
        assert missing == set(), f"{name}: {sorted(missing)} not in docs/language.md appendix B"


def _tree(expr: TypeExpr | None) -> object:
    if expr is None:
        return None
    return (expr.kind, expr.name, expr.span.start, expr.span.end,
            tuple(_tree(arg) for arg in expr.args))


_PIECE = st.sampled_from(["list", "map", "str", "int", "Profile", "_x1", "<", ">", ",", "?",
                          "list<", "map<str,", ">?", "1a", " ", "a-b"])


@given(st.lists(_PIECE, max_size=12).map("".join))
def test_the_generic_fast_path_builds_what_the_parser_builds(text: str) -> None:
    """`_well_formed` (no spaces, no mistakes) against `_Parser`: the same tree
    wherever it answers, and an answer for every such type."""
    fast = _well_formed(text, 7)
    slow, problems = _parsed_at_7(text)
    if fast is not None:
        assert _tree(fast) == _tree(slow) and not problems
    else:
        assert slow is None or " " in text


@given(st.lists(_PIECE, max_size=12).map("".join))
def test_a_type_seen_before_is_placed_as_it_was_read(text: str) -> None:
    """parse_type keeps the shape of each generic type text it has read and
    places it at the next offset: the tree `_well_formed` builds there."""
    for start in (3, 50, 3):
        expr, problems = parse_type(text, Span(0, 99), start)
        fresh = _well_formed(text, start)
        if fresh is not None:
            assert _tree(expr) == _tree(fresh) and not problems


def _parsed_at_7(text: str) -> tuple[TypeExpr | None, list]:
    """`_Parser`'s tree of `text` written at offset 7, and its diagnostics."""
    parser = _Parser(text, 7, Span(0, 99), "x.mizan")
    try:
        return parser.parse(), parser.diagnostics
    except _Malformed:
        return None, parser.diagnostics


@given(st.lists(_PIECE, max_size=4).map("".join))
def test_the_bare_word_fast_path_builds_what_the_parser_builds(text: str) -> None:
    """`bare_type` (one name, maybe nullable, filling its span) against `_Parser`:
    the same tree wherever it answers, and an answer for every such type."""
    fast = bare_type(text, Span(7, 7 + len(text)))
    slow, problems = _parsed_at_7(text)
    if fast is not None:
        assert _tree(fast) == _tree(slow) and not problems
    else:
        assert slow is None or " " in text or any(
            node.kind in ("list", "map") for node in slow.walk())


def test_the_generic_fast_path_on_deep_nesting() -> None:
    for depth in (31, 32, 33, 34):
        text = "list<" * depth + "int" + ">" * depth
        parser = _Parser(text, 0, Span(0, 1), "")
        try:
            slow = parser.parse()
        except _Malformed:
            slow = None
        assert _tree(_well_formed(text, 0)) == _tree(slow), depth
