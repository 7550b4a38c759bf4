"""Differential tests: our KDL v2 parser against ckdl (an independent C parser).

Two properties:

1. On generated VALID documents (every construct of the v2 grammar: type
   annotations, bare / quoted / raw / multi-line strings, numbers in every
   radix with `_` and exponents, keywords, properties, children, comments,
   slashdash, line continuations, `;`), both parsers accept and produce the
   same data: node names, type annotations, arguments, properties (rightmost
   wins) and children. ckdl stores floats as doubles, so numbers compare
   numerically with a relative tolerance.
2. On corrupted versions of those documents, both parsers agree on
   accept/reject.

ckdl's known deviations from the current KDL v2 text (see
/work/shared/kdl-tests/README.md; it fails 5 of the 336 suite cases) are kept out:

- no whitespace between a node's last part and `{` (`braces_in_bare_id`: ckdl
  rejects `foo123{bar}`) or `/-` (the three `zero_space_before_slashdash_*`
  cases): the generator always writes a space there; corrupted documents that
  ckdl accepts once those spaces are added are skipped;
- `\\u{...}` with more than six hex digits (`unicode_escaped_too_long_lead0_fail`):
  ckdl accepts it. ckdl does not count the digits at all: it accepts the empty
  `\\u{}` too (found here, outside the suite). Never generated; corrupted
  documents with either are skipped;
- VT (U+000B) is a newline in the current text, plain whitespace for ckdl:
  never generated, skipped in corrupted documents;
- floats are doubles in ckdl: compared with a tolerance (and `inf` for values
  beyond the double range).

Gaps found by this test outside the suite, each against the grammar's text
(`SPEC-kdl2.md`, "Full Grammar"), kept out the same way:

- ckdl rejects a line continuation inside a type annotation's parentheses
  (`( \\<newline> a)b`); the grammar allows it (`type := '(' node-space* string
  node-space* ')'`). Never generated.
- ckdl accepts a `\\` where a node may start that is not followed by a newline
  or a comment (`\\a`, `x { \\a }`); the grammar only has
  `escline := '\\' ws* (single-line-comment | newline | eof)`.
- ckdl accepts a `;` that terminates no node (`a\\n;`, `a;;`, `a { b\\n; }`);
  in the grammar `;` is only a `node-terminator`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import ckdl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mizan_lang import kdl

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------- building blocks

UNICODE_SPACES = "\t \u00a0\u1680\u2000\u2001\u2005\u200a\u202f\u205f\u3000"
NEWLINES = ["\n", "\r\n", "\r", "\u0085", "\u000c", "\u2028", "\u2029"]  # VT left out (ckdl)
KEYWORDS = ["#true", "#false", "#null", "#inf", "#-inf", "#nan"]

# Identifier characters: everything but `\/(){};[]"#=`, spaces, newlines and the
# disallowed code points. A sample, with non-ASCII letters and symbols.
_ID_SYMBOLS = "_~!@$%^&*|'`<>?,:"
_ID_START = "abcxyzABCXYZ" + _ID_SYMBOLS + "éßü日本ж"
_ID_REST = _ID_START + "0123456789-+."
_TRICKY_IDENTS = ["-", "+", ".", "-a", "+.x", ".a", "--", "-.-", "a.b", "list<str>", "...",
                  "--1", "-_", "+-", "map<str,int>?", "a-1", "_0", "true_", "nulls", "-infinity",
                  "inf_", "nan2", "+inf", ".-"]
_STRING_CHARS = st.sampled_from(list("abc XYZ019 {}()[];=#/\\'`~é日\u00a0-_.,\t") + ["\u2603"])


# Strategies are built once, at import: building them is what costs in hypothesis.

# Non-empty node-space: spaces, block comments, line continuations.
_ws = st.sampled_from(
    [" ", " ", "\t", "  ", *UNICODE_SPACES[2:], " \u3000\t", " /* c */ ", " /* a /* nested */ b */ "]
    + [" \\" + nl + "  " for nl in NEWLINES]
    + [" \\ // continued" + nl + " " for nl in NEWLINES[:3]]
)
# Whitespace between nodes: newlines, comments, blank lines.
_line_space = st.lists(
    st.sampled_from([*NEWLINES, " ", "// note\n", "/* block\n comment */", "\t\n"]), max_size=2,
).map("".join)
_terminator = st.sampled_from([*NEWLINES, ";", " ;\n", " // end\n", "\n", "\n"])


_bare = st.one_of(
    st.tuples(st.sampled_from(_ID_START), st.text(st.sampled_from(_ID_REST), max_size=8))
    .map("".join)
    .filter(lambda s: s not in {"true", "false", "null", "inf", "nan"}),
    st.sampled_from(_TRICKY_IDENTS),
)


def _unicode_escape(drawn: tuple[int, int, bool]) -> str:
    code, pad, upper = drawn
    if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be escaped
        code -= 0x800
    digits = f"{code:x}"
    digits = "0" * min(pad, 6 - len(digits)) + digits
    return "\\u{" + (digits.upper() if upper else digits) + "}"


_escape = st.one_of(
    st.sampled_from(["\\n", "\\r", "\\t", "\\\\", '\\"', "\\b", "\\f", "\\s"]),
    st.tuples(st.integers(0, 0x10FFFF), st.integers(0, 3), st.booleans()).map(_unicode_escape),
    st.sampled_from(NEWLINES + [" ", "\t"]).map(lambda w: "\\" + w + "  "),
)
_LINE_ESCAPE = _escape.filter(lambda e: e[1] not in "\n\r\u0085\u000c\u2028\u2029 \t")
_PLAIN_CHARS = _STRING_CHARS.filter(lambda c: c != "\\")
_ML_CHARS = _STRING_CHARS.filter(lambda c: c not in '\\"')
_quoted = st.lists(st.one_of(_PLAIN_CHARS, _escape), max_size=6).map(
    lambda parts: '"' + "".join(parts) + '"')
_RAW_BODY = st.text(st.sampled_from(list('ab "\\{}#/-') + ["é"]), max_size=6)


_HASHES = st.sampled_from(["#", "#", "##", "###"])
_BOOL = st.booleans()


@st.composite
def _raw(draw) -> str:
    hashes = draw(_HASHES)
    body = draw(_RAW_BODY)
    if '"' + hashes in body or body.startswith('"'):
        body = body.replace('"', "q")
    return f'{hashes}"{body}"{hashes}'


_INDENT = st.sampled_from(["", "  ", "\t", "    ", "\u3000 "])
_ML_NEWLINE = st.sampled_from(NEWLINES)
_ML_LINE_COUNT = st.integers(0, 3)
_ML_BLANK = st.sampled_from(["", " ", "\t  "])  # whitespace-only lines: always allowed
_ML_EXTRA = st.sampled_from(["", "", " ", "  "])
_ML_PARTS = st.lists(st.one_of(_ML_CHARS, _LINE_ESCAPE), min_size=1, max_size=5)
_RAW_ML_PARTS = st.lists(_ML_CHARS, min_size=1, max_size=5)


@st.composite
def _multiline(draw) -> str:
    raw = draw(_BOOL)
    indent = draw(_INDENT)
    newline = draw(_ML_NEWLINE)
    lines = []
    for _ in range(draw(_ML_LINE_COUNT)):
        if draw(_BOOL) and draw(_BOOL):
            lines.append(draw(_ML_BLANK))
            continue
        parts = draw(_RAW_ML_PARTS if raw else _ML_PARTS)
        lines.append(indent + draw(_ML_EXTRA) + "".join(parts).lstrip("\t \u00a0\u3000"))
    body = "".join(line + newline for line in lines)
    text = '"""' + newline + body + indent + '"""'
    if raw:
        hashes = draw(_HASHES)
        return hashes + text + hashes
    return text


_string = st.one_of(_bare, _bare, _quoted, _raw(), _multiline())
_single_line_string = st.one_of(_bare, _bare, _quoted, _raw())


def _digits(alphabet: str, max_size: int = 6) -> st.SearchStrategy[str]:
    """A digit followed by digits and underscores."""
    return st.tuples(st.sampled_from(alphabet), st.text(st.sampled_from(alphabet + "_"),
                                                        max_size=max_size)).map("".join)


_sign = st.sampled_from(["", "", "-", "+"])
_number = st.one_of(
    st.tuples(_sign, _digits("0123456789", 12)).map("".join),
    st.tuples(_sign, st.sampled_from(["0x", "0x"]), _digits("0123456789abcdefABCDEF", 10))
    .map("".join),
    st.tuples(_sign, st.just("0o"), _digits("01234567")).map("".join),
    st.tuples(_sign, st.just("0b"), _digits("01", 12)).map("".join),
    st.tuples(
        _sign, _digits("0123456789", 4),
        st.one_of(st.just(""), _digits("0123456789", 4).map(lambda d: "." + d)),
        st.one_of(st.just(""), st.tuples(st.sampled_from("eE"), _sign,
                                         st.integers(0, 120).map(str)).map("".join)),
    ).filter(lambda t: t[2] or t[3]).map("".join),
)


# Inside `( )` no line continuation: ckdl rejects one there (beyond the suite).
_paren_ws = st.sampled_from(["", "", " ", "\u3000", " /* c */ "])


_annotation = st.one_of(
    st.just(""), st.just(""),
    st.tuples(_paren_ws, _single_line_string, _paren_ws).map(lambda t: "(" + "".join(t) + ")"))
_value = st.tuples(_annotation, st.one_of(_string, _number, st.sampled_from(KEYWORDS))).map(
    "".join)
_prop = st.tuples(_string, st.sampled_from(["=", "=", " = ", "= "]), _value).map("".join)
_entry = st.tuples(st.sampled_from(["", "", "", "", "/-", "/- "]), st.one_of(_value, _prop)).map(
    "".join)


MAX_DEPTH = 2
_ENTRY_COUNT = st.integers(0, 3)
_ONE_IN_4 = st.sampled_from([True, False, False, False])
_ONE_IN_8 = st.sampled_from([True] + [False] * 7)
_TRAILING = st.sampled_from(["", "", " ", "\t"])
_AFTER_SLASHDASH = st.sampled_from(["", " ", "\n"])


def _node(children: st.SearchStrategy[str] | None) -> st.SearchStrategy[str]:
    @st.composite
    def node(draw) -> str:
        parts = [draw(_annotation), draw(_string)]
        for _ in range(draw(_ENTRY_COUNT)):
            parts.append(draw(_ws))
            parts.append(draw(_entry))
        if children is not None:
            if draw(_ONE_IN_4):  # only other children blocks may follow a slashdashed one
                parts.append(" /-" + draw(children))
            if draw(_BOOL):
                parts.append(" " + draw(children))
                if draw(_ONE_IN_4):
                    parts.append(" /-" + draw(children))
        parts.append(draw(_TRAILING))
        text = "".join(parts)
        if draw(_ONE_IN_8):
            text = "/-" + draw(_AFTER_SLASHDASH) + text
        return text

    return node()


def _nodes(node: st.SearchStrategy[str], count: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    @st.composite
    def nodes(draw) -> str:
        out = [draw(_line_space)]
        total = draw(count)
        for i in range(total):
            out.append(draw(node))
            last = i == total - 1
            out.append("" if last and draw(_BOOL) else draw(_terminator))  # final node: optional
            out.append(draw(_line_space))
        return "".join(out)

    return nodes()


def _documents() -> st.SearchStrategy[str]:
    children = None
    for depth in range(MAX_DEPTH, 0, -1):  # innermost blocks first
        block = _nodes(_node(children), st.integers(0, 3 if depth < MAX_DEPTH else 2))
        children = block.map(lambda body: "{" + body + "}")
    return _nodes(_node(children), st.integers(1, 4))


documents = _documents()

# ---------------------------------------------------------------- normal forms


def _ckdl_value(value: object) -> tuple:
    annotation = None
    if isinstance(value, ckdl.Value):
        annotation, value = value.type_annotation, value.value
    return (annotation, *_scalar(value))


def _our_value(value) -> tuple:
    return (value.type, *_scalar(value.value))


def _scalar(value: object) -> tuple:
    if value is None or isinstance(value, bool):
        return ("kw", value)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, int):
        return ("num", value)
    if isinstance(value, (float, Decimal)):
        number = float(value)
        if math.isnan(number):
            return ("nan", None)
        return ("num", number)
    raise TypeError(f"unexpected value {value!r}")


def _ckdl_tree(nodes) -> list:
    return [
        (node.type_annotation, node.name, [_ckdl_value(a) for a in node.args],
         sorted((k, _ckdl_value(v)) for k, v in node.properties.items()),
         _ckdl_tree(node.children))
        for node in nodes
    ]


def _our_tree(nodes) -> list:
    return [
        (node.type, node.name, [_our_value(a) for a in node.args],
         sorted((k, _our_value(p.value)) for k, p in node.prop_map().items()),
         _our_tree(node.children or []))
        for node in nodes
    ]


def _numbers_equal(a: object, b: object) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    fa, fb = float(a), float(b)
    if math.isinf(fa) or math.isinf(fb):
        return fa == fb
    return math.isclose(fa, fb, rel_tol=1e-12, abs_tol=1e-300)


def _same(a: object, b: object) -> bool:
    """Structural equality; numbers within the double tolerance."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return False
        if len(a) == 2 and a[0] == b[0] == "num":
            return _numbers_equal(a[1], b[1])
        if len(a) == 3 and a[1] == b[1] == "num":
            return a[0] == b[0] and _numbers_equal(a[2], b[2])
        return all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _ckdl_parse(text: str):
    try:
        return ckdl.parse(text, version=2)
    except ckdl.ParseError:
        return None


# ---------------------------------------------------------------- properties


@SETTINGS
@given(documents)
def test_valid_documents_parse_to_the_same_data(text: str) -> None:
    theirs = _ckdl_parse(text)
    assert theirs is not None, "generator produced a document ckdl rejects"
    result = kdl.parse(text)
    assert result.ok, [d.message for d in result.diagnostics]
    expected = _ckdl_tree(theirs.nodes)
    actual = _our_tree(result.document.nodes)
    assert _same(actual, expected), (actual, expected)


_NL = "\n\r\x85\x0c\u2028\u2029"
# Each pattern may also match inside a string; that only skips a few more cases.
_SKIPPED = {
    "VT": re.compile("\x0b"),
    "digits of \\u{} not counted": re.compile(r"\\u\{([0-9a-fA-F]{7,})?\}"),
    "continuation inside ( )": re.compile(rf"\([^()\"]*\\[^\S{_NL}]*(//[^\n]*)?[{_NL}]"),
    "stray backslash": re.compile(rf"(^|[{_NL}{{;])[^\S{_NL}]*\\[^\S{_NL}]*(?![{_NL}]|//|$)"),
    "stray semicolon": re.compile(rf"(^|[{_NL}{{;])[^\S{_NL}]*;"),
}
# `{` or `/-` glued to what precedes it (but not the `{` of a `\u{` escape).
_GLUED = re.compile(r"(?<=[^\s;{}])(?<!\\u)(\{|/-)")


def _ckdl_deviation(text: str) -> bool:
    """True when ckdl's verdict may differ from the current v2 text for a known reason."""
    if any(pattern.search(text) for pattern in _SKIPPED.values()):
        return True
    # ckdl rejects only because of a missing space before `{` or `/-`: it
    # accepts the same text with those spaces added.
    return _ckdl_parse(text) is None and _ckdl_parse(_GLUED.sub(r" \1", text)) is not None


_CORRUPTIONS = list('"{}()#/\\=;*-.0x_e\n \t') + ["/*", "*/", '"""', "#\"", "\"#", "0x",
                                                   "\\u{", "\u200e", "\x00", "\ufeff", "\x7f"]


@st.composite
def _corrupted(draw) -> str:
    text = draw(documents)
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.integers(0, 2))
        if kind == 0:  # insert
            text = text[:pos] + draw(st.sampled_from(_CORRUPTIONS)) + text[pos:]
        elif kind == 1:  # delete a slice
            text = text[:pos] + text[pos + draw(st.integers(1, 4)):]
        else:  # replace one character
            text = text[:pos] + draw(st.sampled_from(_CORRUPTIONS)) + text[pos + 1:]
    return text


@SETTINGS
@given(_corrupted())
def test_corrupted_documents_accept_reject_agree(text: str) -> None:
    if _ckdl_deviation(text):
        return
    theirs = _ckdl_parse(text) is not None
    ours = kdl.parse(text).ok
    assert ours == theirs, f"ckdl {'accepts' if theirs else 'rejects'}, we do not: {text!r}"


def test_the_generator_covers_the_grammar() -> None:
    """Guard against a generator that silently stops producing some construct."""
    seen: set[str] = set()
    probes = {
        "raw": re.compile(r'#+"'), "multiline": re.compile('"""'), "hex": re.compile("0x"),
        "octal": re.compile("0o"), "binary": re.compile("0b"), "exponent": re.compile(r"\d[eE]"),
        "escape": re.compile(r"\\u\{"), "slashdash": re.compile("/-"),
        "continuation": re.compile(r"\\[ ]*(//[^\n]*)?\n"), "annotation": re.compile(r"\("),
        "children": re.compile(r"\{"), "property": re.compile("="), "semicolon": re.compile(";"),
        "keyword": re.compile("#(true|false|null|inf|-inf|nan)"),
        "block comment": re.compile(r"/\*"), "underscore": re.compile(r"\d_"),
    }

    @settings(max_examples=150, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(documents)
    def collect(text: str) -> None:
        seen.update(name for name, probe in probes.items() if probe.search(text))

    collect()
    assert seen == set(probes)
