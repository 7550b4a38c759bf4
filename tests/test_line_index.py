"""`source.LineIndex`: a keystroke's index (`edited`, in blocks) answers like a fresh one."""

from __future__ import annotations

import random

import pytest

from mizan_lang.source import LineIndex

PIECES = ["a", "bc", "\n", "\r\n", "\r", "\n\n", "x\ny", "é", "🍵", "", "line\nline\nline\n"]


def same(got: LineIndex, text: str) -> None:
    fresh = LineIndex(text)
    assert got.text == text
    assert got.line_count == fresh.line_count
    assert list(got.starts) == list(fresh.starts)
    for line in range(fresh.line_count):
        assert got.line_start(line) == fresh.line_start(line)
        assert got.line_text(line) == fresh.line_text(line)
    for offset in range(len(text) + 1):
        assert got.line_of(offset) == fresh.line_of(offset)
        assert got.position(offset) == fresh.position(offset)
        assert got.unit_column(offset) == fresh.unit_column(offset)


@pytest.mark.parametrize("block", [1, 2, 3, 1024])
@pytest.mark.parametrize("seed", range(6))
def test_edits_keep_the_index_of_the_new_text(monkeypatch, block: int, seed: int) -> None:
    """Random replacements (single keys, pastes of several lines, deletions across
    blocks), each applied to the last edited index, never to a fresh one; the
    earlier indexes stay as they were (a document's old analysis still reads its own)."""
    monkeypatch.setattr(LineIndex, "BLOCK", block)
    rng = random.Random(seed)
    text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 60)))
    index = LineIndex(text)
    kept: list[tuple[LineIndex, str]] = []
    for _ in range(40):
        start = rng.randrange(len(text) + 1)
        end = min(len(text), start + rng.choice([0, 0, 1, 2, 5, 30]))
        inserted = "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 1, 3])))
        new = text[:start] + inserted + text[end:]
        if rng.random() < 0.3:
            index.line_of(rng.randrange(len(text) + 1))  # read before the edit: blocks made
        index = index.edited(start, end, inserted, new)
        text = new
        kept.append((index, text))
        if rng.random() < 0.2:
            # All starts made once: later edits start from them.
            assert len(index.starts) == index.line_count
    for old, old_text in kept[::7]:
        same(old, old_text)
    same(index, text)


def test_offsets_and_positions_round_trip_past_the_ends() -> None:
    index = LineIndex("ab\ncd\r\nef")
    assert index.line_count == 3
    assert index.offset(1, 1) == 4
    assert index.offset(1, 99) == 7  # clamped to the line's end (its line break included)
    assert index.offset(7, 0) == len(index.text)
    assert index.position(99).line == 2 and index.position(-5).line == 0
    assert index.offset_from_units(2, 1) == 8
