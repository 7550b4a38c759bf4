"""Property tests: the front end never raises, whatever it is given.

(a) arbitrary text and arbitrary bytes (through `decode_source`): `kdl.parse`
    returns, and every diagnostic and node span lies inside the text;
(b) valid documents (the shop example, generated specs) with characters and
    slices inserted, deleted, replaced or duplicated: parse + lower + check
    return, with spans inside the text;
(c) the whole pipeline on generated specs of random size and seed: no error.

Derandomized, no example database: the same examples on every run.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import specgen
from mizan_lang.check import check
from mizan_lang.kdl import parse
from mizan_lang.source import decode_source
from mizan_lang.workspace import load_workspace, normalise

SHOP = Path(__file__).resolve().parent.parent / "examples" / "shop"
# Files are served from memory under this (absent) folder; imports of files
# not in the set become "file not found" diagnostics.
FAKE_ROOT = Path("/nonexistent-mizan-fuzz")


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------- helpers


def assert_spans_inside(result, length: int) -> None:
    for diag in result.diagnostics:
        assert 0 <= diag.span.start <= diag.span.end <= length, (diag, length)
    stack = list(result.document.nodes)
    while stack:
        node = stack.pop()
        for span in (node.span, node.name_span, *(v.span for v in node.args),
                     *(p.span for p in node.props)):
            assert 0 <= span.start <= span.end <= length, (node.name, span, length)
        stack.extend(node.children or [])


def check_texts(files: dict[str, str], root: str):
    """Load and check an in-memory workspace; assert every diagnostic span is in its file."""
    texts = {normalise(FAKE_ROOT / name): text for name, text in files.items()}
    result = check(load_workspace([str(FAKE_ROOT / root)], read=texts.get))
    for diag in result.diagnostics:
        if diag.path in texts:
            assert 0 <= diag.span.start <= diag.span.end <= len(texts[diag.path]), diag
    return result


# KDL-flavoured characters make random text reach deeper into the grammar.
_KDL_ALPHABET = st.sampled_from(
    list('abz019 \t\n\r{}()[];=#/\\"*-+._e') + ["/*", "*/", "//", "/-", '"""', '#"', '"#',
                                                  "0x", "#true", "\\u{", "\ufeff", "\x00",
                                                  "\u2028", "\x0b", "\u200e", "\ud7ff"])
_kdl_text = st.lists(_KDL_ALPHABET, max_size=80).map("".join)


@fuzz_settings(600)
@given(st.one_of(st.text(max_size=200), _kdl_text))
def test_any_text_parses_without_raising(text: str) -> None:
    assert_spans_inside(parse(text), len(text))


@fuzz_settings(200)
@given(st.binary(max_size=200))
def test_any_bytes_parse_without_raising(data: bytes) -> None:
    text, problems = decode_source(data)
    for offset, _ in problems:
        assert 0 <= offset <= len(text)
    assert_spans_inside(parse(text), len(text))


# ---------------------------------------------------------------- mutated documents


def _shop_files() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SHOP.glob("*.mizan"))}


SEEDS: list[tuple[dict[str, str], str]] = [
    (_shop_files(), "main.mizan"),
    (specgen.generate(40, seed=1), specgen.SINGLE_ROOT),
    (specgen.generate(40, seed=2, split=True), specgen.SPLIT_ROOT),
]
_PIECES = st.sampled_from(list('{}"#=;/\\*() \n-?<>,') + ["/*", "*/", '"""', "#true", "#null",
                                                          "fn", "type", "context", "affects=",
                                                          "list<", "\ufeff", "\x00", "\ufffd"])


@st.composite
def mutated_workspaces(draw) -> tuple[dict[str, str], str]:
    files, root = draw(st.sampled_from(SEEDS))
    files = dict(files)
    name = draw(st.sampled_from(sorted(files)))
    text = files[name]
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        end = min(len(text), pos + draw(st.integers(0, 40)))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            text = text[:pos] + draw(_PIECES) + text[pos:]
        elif kind == 1:
            text = text[:pos] + text[end:]
        elif kind == 2:
            text = text[:pos] + draw(_PIECES) + text[pos + 1:]
        else:  # copy a slice elsewhere: duplicate names, half nodes
            at = draw(st.integers(0, len(text)))
            text = text[:at] + text[pos:end] + text[at:]
    files[name] = text
    return files, root


@fuzz_settings(200)
@given(mutated_workspaces())
def test_mutated_documents_go_through_check_without_raising(case) -> None:
    files, root = case
    for text in files.values():
        assert_spans_inside(parse(text), len(text))
    check_texts(files, root)


# ---------------------------------------------------------------- generated specs


@fuzz_settings(25)
@given(st.integers(1, 120), st.integers(0, 10_000), st.booleans())
def test_generated_specs_check_clean(n: int, seed: int, split: bool) -> None:
    files = specgen.generate(n, seed=seed, split=split)
    result = check_texts(files, specgen.root_file(files))
    errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.severity == "error"]
    assert errors == []
