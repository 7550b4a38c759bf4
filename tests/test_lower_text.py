"""Lowering from the text (`lower_text.py`) against lowering the parsed tree.

Wherever `lower_text` answers, its declarations and diagnostics equal
`lower(parse(text))`'s field by field (every span, and the type of every
value: `1` and `#true` are told apart), the document is clean, and the tree
`LazyParse` makes when asked for is `parse(text)`'s. Checked on the shop,
generated specs, spec-like documents made of the line shapes it reads and
their near misses, and corruptions of them.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench import specgen
from mizan_lang.kdl import parse
from mizan_lang.lower import lower
from mizan_lang.lower_text import LazyParse, _block, _Skip, lower_text
from mizan_lang.lower_read import Reader
from mizan_lang.decls import FileDecls
from mizan_lang.source import Anchor, Span, anchored
from mizan_lang.workspace import build_file
from test_differential_ckdl import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
SHOP = sorted((ROOT / "examples" / "shop").glob("*.mizan"))
PATH = "/spec/f.mizan"


def _dump(value: object) -> object:
    """A value as nested tuples: records by class and fields, spans as offsets."""
    if isinstance(value, Span):
        return ("Span", value.start, value.end)
    fields = getattr(type(value), "__record_fields__", None)
    if fields is not None:
        return (type(value).__name__, *(_dump(getattr(value, f.name)) for f in fields))
    if isinstance(value, (list, tuple)):
        return [_dump(item) for item in value]
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    return (type(value).__name__, repr(value))


def same_as_tree(text: str) -> bool:
    """Assert that `lower_text` agrees with lowering the tree; True when it answered."""
    got = lower_text(text, PATH)
    if got is None:
        return False
    parsed = parse(text)
    assert parsed.diagnostics == [], f"lowered from the text with problems: {text!r}"
    expected = lower(parsed.document, PATH)
    assert _dump(got[0]) == _dump(expected[0]), text
    assert _dump(got[1]) == _dump(expected[1]), text
    return True


def _specs() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in SHOP]
    for n, split in ((300, False), (400, True)):
        texts.extend(specgen.generate(n, seed=5, split=split).values())
    return texts


def test_specs_are_lowered_from_their_text() -> None:
    for text in _specs():
        assert same_as_tree(text), text[:300]


def test_blocks_of_the_usual_shapes_are_read_without_a_tree() -> None:
    text = ("fn get_user auth=admin returns=list<User>? affects=a,b websocket=#true {\n"
            "    param id int64\n"
            "    param  name   str  \n"
            '    param file Upload max-size=10 content-types="a/b, c/d" doc=x\n'
            "\n"
            "    affects ctx by=k:v scope=exact\n"
            '    doc """\n'
            "        Two lines,\n"
            "        \n"
            "          the second indented.\n"
            '        """  \n'
            "    param last int\n"
            "    param page int default=1\n"
            "    param flag bool default=#false\n"
            "    param order Order default=descending\n"
            "}\n")
    out = FileDecls(PATH)
    assert _block(text, 0, Reader(PATH), out) == len(text)
    (function,) = out.functions
    assert [p.name.text for p in function.params][:4] == ["id", "name", "file", "last"]
    assert [(type(p.default.value), p.default.raw) for p in function.params[4:]] == [
        (int, "1"), (bool, "#false"), (str, "descending")]
    assert function.doc.text == "Two lines,\n\n  the second indented."
    assert function.websocket.value is True
    assert [a.context.text for a in function.affects] == ["a", "b", "ctx"]
    whole = ("mizan 1\n" + text + 'type T doc="d" {\n    field a int\n    doc "x"\n}\n'
             "context c auth=public {\n    param a int\n    cache ttl=5 vary=identity\n"
             "    render ssr\n}\n")
    out = FileDecls(PATH)
    assert _block(whole, whole.index("context"), Reader(PATH), out) == len(whole)
    assert out.contexts[0].render.text == "ssr" and out.contexts[0].cache.ttl.value == 5
    assert same_as_tree(whole)


@pytest.mark.parametrize("block", [
    "fn a {\n    param a b {\n    }\n}\n", "fn a {\n    other x\n}\n", "fn a b {\n}\n",
    "fn a x=1 {\n}\n", "fn a auth=b auth=c {\n}\n", "fn a doc=x {\n    doc y\n}\n",
    "fn a {\n    param a\n}\n", "fn a {\n    param a b c\n}\n", "fn a {\n    param 1 b\n}\n",
    "fn a {\n    param a true\n}\n", "fn a {\n    param a #true\n}\n", "fn a {\n  // c\n}\n",
    "fn a {\n\tparam a b\n}\n", "fn a {\r\n}\r\n", "fn a {\n    param a b;\n}\n",
    "fn a {\n    param a b default=true\n}\n", "fn a {\n    param a b default=0x\n}\n",
    'fn a {\n    doc "x"\n    doc "y"\n}\n', 'type a doc=x {\n    doc "y"\n}\n',
    "context c {\n    cache ttl=1\n    cache ttl=2\n}\n", "context c {\n    render a\n    render b\n}\n",
    "context c {\n    render a b\n}\n", "context c {\n    cache ttl=x\n}\n",
    "context c {\n    affects x\n}\n", "fn a a=\n", "fn a auth= {\n}\n", "fn a {\n    param a b doc=\n}\n",
    "fn a {\n    param a list<>\n}\n", "fn a affects=a,,b {\n}\n", "fn a websocket=1 {\n}\n",
    "fn a {\n    affects x by=a:b:c\n}\n", "fn a {\n    doc x\n    doc y\n}\n", "fn {\n}\n",
    'fn a {\n    param a"b" c\n}\n', 'fn a {\n    doc """x"""\n}\n', "fn a {",
    'fn a {\n    doc """\n    x\n    """ y\n}\n', 'fn a {\n    doc """\n}\n"""\n}\n',
    'fn a {\n    doc """\n  x\n    """\n}\n', 'fn a doc=x {\n    doc """\n    """\n}\n',
    "fn a {\n    param a b\n", "fn a {\n    affects x doc=y\n}\n", "fn a kind=1 {\n}\n",
])
def test_unusual_blocks_go_to_the_tree(block: str) -> None:
    with pytest.raises(_Skip):
        _block(block, 0, Reader(PATH), FileDecls(PATH))
    same_as_tree("mizan 1\n" + block)


@pytest.mark.parametrize("text", [
    "", "fn a {\n}\n", "// c\nfn a {\n}\n", "type T {\n}\nmizan 1\n", "mizan 1\nmizan 1\nfn a {\n}\n",
    "mizan 1 \\\nfn a {\n}\n", "mizan 1\n/-\nfn a {\n}\n", 'mizan 1\nimport """\nfn a {\n}\n"""\n',
    "mizan 1\n(t)\nfn a {\n}\n", "\ufeffmizan 1\nfn a {\n}\n", "mizan 1\nfn a {\n}\nfn b",
])
def test_files_around_the_blocks(text: str) -> None:
    same_as_tree(text)


def test_an_editors_chunk_is_not_read_here() -> None:
    with anchored(Anchor(10)):
        assert lower_text("mizan 1\nfn a {\n}\n", PATH) is None


_WORDS = ["a", "id", "get_user", "int64", "list<User>", "map<str,T>?", "T?", "list<>", "x,y",
          "true", "null", "1", "-1", "1x", "-x", "#true", "#false", "#null", '"q s"', '""',
          '"a=b"', "=", "a=", "=b", "a=b=c", "a\"b\"", "Upload"]
_PROPS = ["auth=admin", "auth=1", "returns=int", "returns=list<T>?", "returns=list<", "context=c",
          "affects=a,b", "affects=a,,b", "affects=", "websocket=#true", "websocket=yes",
          "kind=query", 'doc="d"', "doc=d", "doc=1", "by=k", "by=k:v,l:w", "by=:v", "scope=s",
          "default=1", "default=#null", 'default="x"', "max-size=10", "max-size=x",
          'content-types="a/b"', "content-types=a,b", "other=1", "auth=a"]
_CHILDREN = ["param", "field", "affects", "doc", "other", "cache", "render"]
_ODD = ["", "  ", "// c", "/- param a b", "param a b {", "}", "param a b;", "\tparam a b",
        "param a \\", 'doc """', '"""', "param (t)a b", "param a b // c"]


_GOOD_WORDS = ["a", "id", "int64", "list<User>", "map<str,T>?", "T?", '"q s"', "Upload"]
_GOOD_PROPS = {
    "fn": ["auth=admin", "returns=list<T>?", "context=c", "affects=a,b", "websocket=#true",
           "kind=query", 'doc="d"'],
    "param": ['doc="d"', "default=1", 'default="x"', "max-size=10", 'content-types="a/b"'],
    "affects": ["by=k", "by=k:v,l:w", "scope=s"], "field": ['doc="d"', "default=#null"],
    "doc": [], "type": ['doc="d"'], "context": ["auth=public", 'doc="d"'],
    "cache": ["ttl=60", "vary=identity"], "render": [],
}


@st.composite
def _entries(draw, name: str, args: int) -> list[str]:
    """A node's entries: mostly of the shapes its schema takes, sometimes anything."""
    if draw(st.integers(0, 3)) == 0:
        return (draw(st.lists(st.sampled_from(_WORDS), max_size=3))
                + draw(st.lists(st.sampled_from(_PROPS), max_size=3)))
    good = _GOOD_PROPS.get(name, [])
    return ([draw(st.sampled_from(_GOOD_WORDS)) for _ in range(args)]
            + draw(st.lists(st.sampled_from(good), max_size=2, unique=True) if good else st.just([])))


@st.composite
def _line(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(_ODD))
    name = draw(st.sampled_from(_CHILDREN))
    args = {"param": 2, "field": 2, "cache": 0}.get(name, 1)
    parts = [name, *draw(_entries(name, args))]
    return draw(st.sampled_from(["    ", "    ", " ", ""])) + draw(
        st.sampled_from([" ", " ", "  "])).join(parts)


@st.composite
def _spec_like(draw) -> str:
    lines = [] if draw(st.integers(0, 9)) == 0 else ["mizan 1"]
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["fn", "type", "fn", "enum", "import", "// x", "context"]))
        head = [kind, *draw(_entries(kind, 1))]
        if draw(st.integers(0, 4)):
            lines.append(" ".join(head) + draw(st.sampled_from([" {", " {", "{", "  {  "])))
            lines += draw(st.lists(_line(), max_size=5))
            lines.append(draw(st.sampled_from(["}", "}", "}", "  }", "} ", "};"])))
        else:
            lines.append(" ".join(head))
    newline = draw(st.sampled_from(["\n", "\n", "\n", "\r\n"]))
    return newline.join(lines) + draw(st.sampled_from(["\n", "", newline]))


@SETTINGS
@given(_spec_like())
def test_generated_spec_like_documents(text: str) -> None:
    same_as_tree(text)


_EDITS = list('"{}()#/\\=;*-.0x_e\n \t,<>?') + ["/*", "*/", '"""', "//", "/-", "\u200e", "é",
                                                "true", "fn ", "\ntype ", "=1"]


def _edited(text: str, rng: random.Random) -> str:
    """`text` with a few characters around a random place replaced by one of `_EDITS`."""
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(_EDITS) + text[at + rng.randrange(3):]


def test_edited_specs() -> None:
    rng = random.Random(11)
    text = next(iter(specgen.generate(80, seed=2).values()))
    answered = sum(same_as_tree(_edited(text, rng)) for _ in range(300))
    assert answered > 100  # most edits leave a clean file, read block by block


def test_the_tree_is_parsed_when_asked_for() -> None:
    for text in _specs()[:8]:
        source = build_file(PATH, text)
        assert isinstance(source.parse, LazyParse)
        expected = parse(text)
        assert source.parse == expected and expected == source.parse
        assert source.parse.document == expected.document
        assert source.parse.diagnostics == [] and source.parse.ok


def test_a_slip_of_the_fast_path_falls_back_to_the_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parser must never raise on user input: should `lower_text` ever fail
    # on a text it did not foresee, the file is lowered from its tree instead.
    import mizan_lang.workspace as workspace

    def broken(text: str, path: str) -> None:
        raise IndexError("a case lower_text did not foresee")

    text = _specs()[0] + "fn late {\n    param a b c\n}\n"
    fresh = build_file(PATH, text)
    monkeypatch.setattr(workspace, "lower_text", broken)
    fallen = build_file(PATH, text)
    assert not isinstance(fallen.parse, LazyParse)
    assert _dump(fallen.decls) == _dump(fresh.decls)
    assert [(d.code, d.span.start) for d in fallen.diagnostics] == [
        (d.code, d.span.start) for d in fresh.diagnostics]
    assert fallen.diagnostics  # the extra param value is reported either way
