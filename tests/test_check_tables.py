"""`tables.SortedMap` and `SortedView`: the checker's read-only tables in key order."""

from __future__ import annotations

import json
import pickle
import random

from mizan_lang.check.tables import SortedMap, SortedView


def test_a_sorted_map_reads_like_the_dict_in_key_order() -> None:
    items = {"b": 2, "c": 3, "a": 1}
    view = SortedMap(dict(items))
    expected = dict(sorted(items.items()))
    assert list(view) == list(view.keys()) == ["a", "b", "c"]
    assert list(view.items()) == list(expected.items())
    assert list(view.values()) == [1, 2, 3]
    assert list(reversed(view)) == ["c", "b", "a"]
    assert view == expected and expected == view and view == SortedMap(expected)
    assert view != {"a": 1} and view != SortedMap({"a": 1})
    assert len(view) == 3 and "a" in view and "z" not in view
    assert view["b"] == 2 and view.get("z") is None and view.get("z", 0) == 0
    assert dict(view) == expected and list(dict(view)) == ["a", "b", "c"]
    assert {**view} == expected and list({**view}) == ["a", "b", "c"]
    assert ("a", 1) in view.items() and 3 in view.values() and view.keys() >= {"c"}
    assert json.dumps(dict(view)) == json.dumps(expected)
    assert pickle.loads(pickle.dumps(view)) == view
    assert repr(view) == "SortedMap({'a': 1, 'b': 2, 'c': 3})"


def test_a_view_hands_out_snapshots_that_later_changes_leave_alone() -> None:
    """Random adds, removals and new values, told to the view as the tables tell it:
    every snapshot equals the table sorted at the time, and stays so afterwards."""
    rng = random.Random(7)
    table: dict[str, int] = {}
    view = SortedView()
    taken: list[tuple[SortedMap, dict]] = []
    for round_ in range(300):
        for _ in range(rng.choice((0, 1, 2, 3, 80))):
            key = f"k{rng.randrange(200):03d}"
            if key in table and rng.random() < 0.5:
                del table[key]
                view.remove(key)
            elif key in table:
                table[key] = round_
                view.set(key)
            else:
                table[key] = round_
                view.add(key)
        snapshot = view.build(table)
        taken.append((snapshot, dict(sorted(table.items()))))
        for old, expected in taken[-5:]:
            assert list(old.items()) == list(expected.items())
    assert view.build(table) is view.build(table)  # nothing changed: the same snapshot
