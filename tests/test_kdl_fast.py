"""The one-pass reader of clean documents (`kdl/fast.py`) against the reference
parser (the lexer + the LALR tables of grammar/kdl.lark, `parse_nodes`).

The fast reader answers None exactly when the reference reports anything at
all (so a problem is always worded by the reference, with its recovery), and
otherwise its nodes (names, type annotations, values with their kind, decoded
value and spelling, properties, children, every span) and comments equal the
reference's. Checked on
the KDL v2 suite, the shop, generated specs, the documents of the ckdl
differential test (every construct of the grammar) and their corruptions.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench import specgen
from mizan_lang.kdl import parse
from mizan_lang.kdl.fast import parse_clean
from mizan_lang.kdl.model import Node, Prop, Value
from mizan_lang.kdl.parser import parse_nodes
from mizan_lang.source import Anchor, Span, anchored
from test_differential_ckdl import SETTINGS, _corrupted, documents

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT.parent / "shared" / "kdl-tests" / "test_cases" / "input"
SUITE_CASES = sorted(SUITE.glob("*.kdl")) if SUITE.is_dir() else []
SHOP = sorted((ROOT / "examples" / "shop").glob("*.mizan"))


def _span(span) -> tuple[int, int] | None:
    return None if span is None else (span.start, span.end)


def _value(value: Value) -> tuple:
    # repr: 1 and 1.0 and Decimal("1") differ, and nan equals nan.
    return (value.kind, type(value.value).__name__, repr(value.value), value.raw,
            _span(value.span), value.type, _span(value.type_span))


def _tree(nodes: list[Node] | None) -> list | None:
    if nodes is None:
        return None
    return [(node.name, _span(node.name_span), _span(node.span), node.type,
             _span(node.type_span), [_value(v) for v in node.args],
             [(p.key, _span(p.key_span), _value(p.value), _span(p.span)) for p in node.props],
             _tree(node.children), _span(node.children_span), node.broken)
            for node in nodes]


def _comments(comments) -> list:
    return [(c.text, _span(c.span), c.kind) for c in comments]


def same_as_reference(text: str) -> bool:
    """Assert agreement: None exactly when the reference reports something,
    else the same tree. True when the document was clean."""
    fast = parse_clean(text)
    nodes, comments, diagnostics, _ = parse_nodes(text)
    if diagnostics:
        assert fast is None, f"the fast reader accepted a document with problems: {text!r}"
        return False
    assert fast is not None, f"the fast reader gave up on a clean document: {text!r}"
    assert _tree(fast[0]) == _tree(nodes), text
    assert _comments(fast[1]) == _comments(comments), text
    return True


def test_the_kdl_suite() -> None:
    if not SUITE_CASES:
        pytest.skip(f"KDL suite not found at {SUITE} (needs ../shared beside the repo)")
    clean = sum(same_as_reference(case.read_bytes().decode("utf-8")) for case in SUITE_CASES)
    assert clean == 241, clean  # the suite's valid cases


def test_specs_take_the_fast_path() -> None:
    texts = [path.read_text(encoding="utf-8") for path in SHOP]
    for n, split in ((300, False), (300, True)):
        texts.extend(specgen.generate(n, seed=3, split=split).values())
    for text in texts:
        assert same_as_reference(text), text[:200]
        # Whole records too: nodes and values made without `__init__` (`fast._new`)
        # have every field, equal to the reference's.
        assert parse_clean(text)[0] == parse_nodes(text)[0]


@pytest.mark.parametrize("text", [
    "", "\ufeffa", "a\n", "a;b;c", "a; b\n", "a {\n}\n", "a {}", "a { b; c }", "a{b}",
    'a "b" c=1 "d"=#true e = 2', "a x=1 x=2", "a /* c */ b", "a // c\nb", "a\r\nb\r\n",
    'a """\n  x\n  """', 'a #"raw"# ##"r"#"##', "a 0x1F 1_0 1.5e3 -1 +2 #inf #-inf #nan",
    "a\u3000b\u2028c", "\"node\" 1", "a\n\n\n  b // x\n  // y\nc",
    "a (t)b", "(t)a (u)1 k=(v)#true", "( t )a ( \"u\" )b", "/-a", "/-\na\nb", "a /-1 2 /-k=v",
    "a /-\n1", "a 1/-2", "a /-{ b } { c } /-{ d }", "a /-{}", "/-a { b { c } }\nd",
    "a \\\n b", "a \\ // c\n b", "(t)a /-(u)1",
])
def test_small_clean_documents(text: str) -> None:
    assert same_as_reference(text)


@pytest.mark.parametrize("text", [
    "a;;b", ";", "a\n;", "a {} b", "a {} {}", "a { b", "a }", "a b=", "a b= c=1", "a\"b\"",
    "a 1=2", "a true", "1 a", "a b=\n1", "a(t)b", "(t)", "a (t) {", "a {\n;}", "a x= {",
    "/-", "a /-", "a /- /-1", "a k=/-1", "/-{}", "a {} /-1", "a /-{} 1", "(t)k=1", "a (t)k=1",
    "a (1)b", "a (t", "a (t u)b", "a )", "a \\ b", "(t)/-a", "a (t)\n1",
    "a #truex", "a .5", "a 0x", 'a "unclosed', "a /* open", "a { b } c", "a=1",
])
def test_anything_else_goes_to_the_reference(text: str) -> None:
    assert parse_clean(text) is None
    same_as_reference(text)


# Whole lines the fast reader takes apart without its token loop (`fast._LINE`),
# and near misses it must leave to that loop or to the reference.
LINE_CASES = [
    "a\n", "a b c\n", "a  b   c  \n", "  a b=c d=#true e=#null\n", "a 1 -2 +3 0x1F 0o7 0b1 1_000\n",
    "a 1.5 1e3 -1.5E-2 #inf #-inf #nan -  +x -x\n", "a {\n  b\n}\n", "a{\n}\n",
    "a b{\n  c d  {  \n  }  \n}\n", "a k=1 k=2 k=v\n", "a\n\n   \nb\n", "a b\n}\n", "}\n",
    "a\tb\n", "a\tb=c\n\tc\n", "a b\r\nc\r\n", "a b", "a b\nc", "a =b\n", "a= b\n", "a = b\n",
    "a b =c\n", "a b= c\n", "a=b\n", "a==b\n", "a b==c\n", "a b=c=d\n", "a b=\n", "a =\n",
    "a #true=1\n", "a #x\n", "a#true\n", "a b#true\n", "a b=#truex\n", "a #\n", "a b=#\n",
    "a true\n", "a b=false\n", "true=1 b\n", "true\n", "1a\n", "-inf\n", "a 1=2\n",
    "a .5\n", "a 0x\n", "a b=0x\n", "a 1x=2\n", "a ##\n", "a /-{\n  b\n}\n", "/-a {\n b\n}\nc\n",
    "a /-{\n}\n{\n}\n", "a { b\n}\n", "a {\n b }\n", "a {\n  b; c\n}\n", "a // x\nb c\n",
    "a {\n" * 300 + "}\n" * 300, "a {\n" * 3 + "}\n" * 4, "a b=(t)c\n", "(t)a b\n",
    'a "b" c\n', 'a b="c d" e\n', "a b \\\n c\n", "a é\n", "a b\u3000c\n", "a b\x0bc\n",
]


@pytest.mark.parametrize("text", LINE_CASES)
def test_whole_lines(text: str) -> None:
    same_as_reference(text)


_LINE_PIECES = ["a", "b1", "-", "+x", "1", "-2", "0x1F", "1.5", "#true", "#null", "k=v", "k=1",
                "k=#false", "=", "a=", "=b", "#", "true", "(t)", '"s"', "{", "}", ";", " ", "  ",
                "\t", "/-", "//c"]


@SETTINGS
@given(st.lists(st.lists(st.sampled_from(_LINE_PIECES), max_size=6).map(" ".join),
                max_size=12).map(lambda lines: "".join(line + "\n" for line in lines)))
def test_generated_lines(text: str) -> None:
    same_as_reference(text)


@SETTINGS
@given(documents)
def test_generated_documents(text: str) -> None:
    assert same_as_reference(text)


@SETTINGS
@given(_corrupted())
def test_corrupted_documents(text: str) -> None:
    same_as_reference(text)


def test_corrupted_specs() -> None:
    rng = random.Random(7)
    text = next(iter(specgen.generate(60, seed=1).values()))
    pieces = list('"{}()#/\\=;*-.0x_e\n \t') + ["/*", "*/", '"""', "//", "/-", "\u200e", "é"]
    for _ in range(300):
        at = rng.randrange(len(text) + 1)
        mutated = text[:at] + rng.choice(pieces) + text[at + rng.randrange(3):]
        same_as_reference(mutated)


def test_parse_uses_the_reference_for_problems() -> None:
    result = parse("a {\n  b 1=2\n}\nc")
    assert [d.code for d in result.diagnostics] == ["K009"]
    assert [node.name for node in result.document.nodes] == ["a", "c"]


def test_prop_spans_made_when_read_move_with_their_anchor():
    """The fast reader gives a prop offsets, not spans (`Prop`): made when first
    read, they must land where eager spans would, and move with the chunk's anchor."""
    anchor = Anchor()
    with anchored(anchor):
        found = parse_clean('node key="v" k2=1\n')
    assert found is not None
    first, second = found[0][0].props
    anchor.base = 100
    assert (first.key_span.start, first.key_span.end, first.span.start, first.span.end) == (
        105, 108, 105, 112)
    anchor.base = 200  # read once, they keep following the anchor
    assert (first.key_span.start, first.span.end) == (205, 212)
    assert (second.key_span.start, second.key_span.end, second.span.end) == (213, 215, 217)
    assert first == Prop("key", Span(205, 208), first.value, Span(205, 212))  # as spans
