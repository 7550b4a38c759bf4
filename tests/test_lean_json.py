"""`mizan_lang.lean_json` gives what `json` gives (values, text and errors)."""

from __future__ import annotations

import json
import math
import random

import pytest

from mizan_lang import lean_json

SCALARS = [0, -1, 7, 10**20, 1.5, -0.0, 1e300, "", "a", "é\u2028\ud83d\ude00", "\x00\n\"\\",
           True, False, None]


def _value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.random()
    if depth > 3 or kind < 0.5:
        return rng.choice(SCALARS)
    if kind < 0.75:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["b", "a", "é", "", "10", "2"]) + str(rng.randint(0, 3)): _value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def _same(got: object, want: object) -> bool:
    """Equality that holds NaN equal to NaN."""
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(_same, got, want))
    if isinstance(want, dict):
        return (isinstance(got, dict) and list(got) == list(want)
                and all(_same(got[k], want[k]) for k in want))
    return type(got) is type(want) and got == want


def _outcome(call, *args, **kwargs) -> tuple[str, object]:
    try:
        return "value", call(*args, **kwargs)
    except Exception as err:  # the same kind of error with the same words
        return type(err).__name__, str(err)


def test_dumps_is_json_dumps() -> None:
    rng = random.Random(5)
    values = [_value(rng) for _ in range(500)]
    values += [float("nan"), float("inf"), [float("-inf")], "plain", {"k": {1, 2}}, {1: "int key"},
               {(1, 2): "tuple key"}, object()]
    for value in values:
        for sort_keys in (False, True):
            for ensure_ascii in (True, False):
                want = _outcome(json.dumps, value, separators=(",", ":"), sort_keys=sort_keys,
                                ensure_ascii=ensure_ascii)
                got = _outcome(lean_json.dumps, value, sort_keys=sort_keys,
                               ensure_ascii=ensure_ascii)
                assert got == want, value


def test_loads_is_json_loads() -> None:
    rng = random.Random(6)
    texts = [json.dumps(_value(rng), indent=rng.choice([None, 1]), ensure_ascii=rng.random() < 0.5)
             for _ in range(300)]
    texts += ["", " ", "{", "[1,]", "1 2", " {} \n", "\t[NaN, Infinity, -Infinity]\r\n", "nul",
              "\ufeff{}", '"\\ud800"', "[1e999]", '{"a": 1,}', "01", "-", '"\x01"', "[" * 5 + "]" * 5]
    for text in texts:
        for data in (text, text.encode("utf-8", "surrogatepass")):
            want = _outcome(json.loads, data)
            got = _outcome(lean_json.loads, data)
            assert got[0] == want[0] and _same(got[1], want[1]), data


@pytest.mark.parametrize("data", [
    b'\xef\xbb\xbf{"a": 1}', '{"a": 1}'.encode("utf-16"), '{"a": 1}'.encode("utf-16-le"),
    '{"a": 1}'.encode("utf-32"), b'{"a": "\xff"}', b'["\xed\xa0\x80"]'])
def test_loads_other_encodings_is_json_loads(data: bytes) -> None:
    want = _outcome(json.loads, data)
    got = _outcome(lean_json.loads, data)
    assert got[0] == want[0] and _same(got[1], want[1])
