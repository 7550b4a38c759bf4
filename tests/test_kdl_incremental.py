"""Incremental re-parsing always equals a full parse of the same text."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mizan_lang.kdl import dumps, parse
from mizan_lang.kdl import incremental
from mizan_lang.kdl.incremental import IncrementalDocument

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").rglob("*.mizan"))
SNIPPETS = ["\n", "}", "{", '"', "/*", "*/", "/-", "\\", ";", " x", "(t)", "#", "a=1",
            '"""\n', "fn f {\n", "param", "//c\n", "\r\n", "\ufeff", "  "]


def snapshot(result):
    diags = [(d.code, d.span.start, d.span.end, d.message) for d in result.diagnostics]
    comments = [(c.kind, c.span.start, c.span.end) for c in result.document.comments]
    spans = []
    stack = list(result.document.nodes)
    while stack:
        node = stack.pop()
        spans.append((node.name, node.span.start, node.span.end, node.name_span.start))
        spans.extend((a.span.start, a.span.end) for a in node.args)
        spans.extend((p.key_span.start, p.span.end) for p in node.props)
        stack.extend(node.children or [])
    return dumps(result.document), diags, comments, spans


def base_text() -> str:
    return "\n".join(p.read_text("utf-8") for p in EXAMPLES[:3]) or "a 1\nb {\n    c\n}\n"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), st.sampled_from(SNIPPETS)),
                min_size=1, max_size=12))
def test_random_edits_match_full_parse(edits) -> None:
    text = base_text()
    doc = IncrementalDocument(text)
    for where, remove, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + remove :]
        doc.update(text)
        assert snapshot(doc.result()) == snapshot(parse(text))


def test_edit_inside_one_declaration_reparses_one_chunk() -> None:
    text = "".join(f"fn f{i} returns=int {{\n    param a str\n}}\n" for i in range(200))
    doc = IncrementalDocument(text)
    assert len(doc.chunks) == 200
    at = text.index("fn f100") + 3
    edited = text[:at] + "x" + text[at:]
    doc.update(edited)
    assert doc.reparsed == 1
    assert snapshot(doc.result()) == snapshot(parse(edited))


def test_unclosed_brace_spills_into_following_chunks() -> None:
    rng = random.Random(7)
    text = "".join(f"n{i} {{\n    c {i}\n}}\n" for i in range(50))
    doc = IncrementalDocument(text)
    at = text.index("n20 {") + 5
    edited = text[:at] + "{" + text[at:]
    doc.update(edited)
    assert snapshot(doc.result()) == snapshot(parse(edited))
    assert rng  # deterministic


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), st.sampled_from(SNIPPETS)),
                min_size=1, max_size=12), st.floats(0, 1), st.sampled_from(SNIPPETS))
def test_opening_damaged_text_matches_full_parse(edits, where, insert) -> None:
    """Opening a document lexes and parses it once, then cuts it into chunks:
    the same result as a full parse, also for broken text, and its chunks move
    correctly under a later edit."""
    text = base_text()
    for at_fraction, remove, snippet in edits:
        at = int(at_fraction * len(text))
        text = text[:at] + snippet + text[at + remove :]
    doc = IncrementalDocument(text)
    assert snapshot(doc.result()) == snapshot(parse(text))
    at = int(where * len(text))
    text = text[:at] + insert + text[at:]
    doc.update(text)
    assert snapshot(doc.result()) == snapshot(parse(text))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), st.sampled_from(SNIPPETS)),
                min_size=1, max_size=12))
def test_segments_follow_edits(edits) -> None:
    """Segments (runs of chunks) always hold every chunk once, in order; an edit
    replaces only the segments around it (the others stay the same objects,
    the first replaced one keeps its key) and the result equals a full parse."""
    saved = incremental.SEGMENT
    incremental.SEGMENT = 2
    try:
        text = base_text()
        doc = IncrementalDocument(text)
        for where, remove, insert in edits:
            at = int(where * len(text))
            text = text[:at] + insert + text[at + remove :]
            before = list(doc.segments)
            doc.update(text)
            assert [c for s in doc.segments for c in s.chunks] == doc.chunks
            assert all(s.chunks for s in doc.segments)
            kept = [s for s in doc.segments if any(s is b for b in before)]
            # Only the segments holding re-parsed chunks were replaced.
            fresh = [s for s in doc.segments if not any(s is b for b in before)]
            assert sum(len(s.chunks) for s in fresh) <= doc.reparsed + 4 * max(
                len(s.chunks) for s in doc.segments)
            assert len(kept) + len(fresh) == len(doc.segments)
            assert len({s.key for s in doc.segments}) == len(doc.segments)
            assert snapshot(doc.result()) == snapshot(parse(text))
    finally:
        incremental.SEGMENT = saved


def test_edit_in_a_large_file_replaces_one_segment() -> None:
    text = "".join(f"fn f{i} returns=int {{\n    param a str\n}}\n" for i in range(2000))
    doc = IncrementalDocument(text)
    assert len(doc.segments) > 10
    before = list(doc.segments)
    at = text.index("fn f1000") + 3
    edited = text[:at] + "x" + text[at:]
    doc.update(edited)
    changed = [i for i, s in enumerate(doc.segments) if s is not before[i]]
    assert len(changed) == 1 and doc.segments[changed[0]].key == before[changed[0]].key
    assert snapshot(doc.result()) == snapshot(parse(edited))
