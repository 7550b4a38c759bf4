"""A check through a cache whose first check kept records per file only
(`CheckCache(per_file=True)`, check/per_file.py) equals a check without a cache.

That is how a comparison checks its second side from its first
(review/reuse.py): the first side's check keeps per file what a replay needs,
the second side shares the files it did not change (the very declarations)
and parses the others anew. Here the second side is the first after random
edits (`test_check_incremental.edit`: renames, deleted and duplicated lines,
pasted declarations, stray characters), a file sometimes gone or added, and a
third check follows the second through the same cache (records of both kinds
then). Each check's result must be exactly a fresh check's: diagnostics,
symbols (the same declaration objects), scopings, function kinds, auth.
"""

from __future__ import annotations

import random
import re

import pytest
from test_check_incremental import CASES, CROSS_FILE, _case_files, edit, snapshot

from bench import specgen
from mizan_lang.check import check
from mizan_lang.check.state import CheckCache
from mizan_lang.review.pair import Shared
from mizan_lang.workspace import LoadedWorkspace, load_workspace

ROOT = "/spec"
PER_FILE = True


def _load(texts: dict[str, str], before: LoadedWorkspace | None) -> LoadedWorkspace:
    """The files of `texts`; with `before`, those with the same text taken
    from it (its declarations), as a comparison's second side takes them."""
    by_path = {f"{ROOT}/{name}": text for name, text in texts.items()}
    read = by_path.get
    if before is not None:
        shared = Shared()
        shared.offer(before)
        read = shared.reader(by_path.get)
    return load_workspace(sorted(by_path), read)


def _edited(texts: dict[str, str], rng: random.Random, spare: dict[str, str]) -> dict[str, str]:
    texts = dict(texts)
    names = sorted(texts)
    if len(names) > 1 and rng.random() < 0.15:  # a file leaves, or one comes back
        if spare and rng.random() < 0.5:
            name = rng.choice(sorted(spare))
            texts[name] = spare.pop(name)
        else:
            name = rng.choice(names[1:])
            spare[name] = texts.pop(name)
            names.remove(name)
    gentle = rng.random() < 0.7  # edits a review usually sees: the spec still checks
    for _ in range(rng.choice((1, 1, 2, 3))):
        name = rng.choice(names)
        others = [texts[other] for other in names if other != name]
        texts[name] = (_gentle(texts[name], rng) if gentle
                       else edit(texts[name], others, [], rng))
    return texts


_FN = re.compile(r"^fn \w+[^{\n]*", re.MULTILINE)
_BLOCK = re.compile(r"^[a-z]+ [^\n]*\{\n.*?^\}\n", re.MULTILINE | re.DOTALL)


def _gentle(text: str, rng: random.Random) -> str:
    """An auth made public, a function on WebSocket, a new function, or a
    declaration moved to the end of its file."""
    choice = rng.random()
    lines = list(_FN.finditer(text))
    if choice < 0.5 and lines:
        line = rng.choice(lines)
        changed = (re.sub(r" auth=\w+", " auth=public", line[0]) if choice < 0.25
                   else line[0].rstrip() + " websocket=#true " if "websocket" not in line[0]
                   else line[0])
        return text[:line.start()] + changed + text[line.end():]
    blocks = list(_BLOCK.finditer(text))
    if choice < 0.75 and blocks:
        block = rng.choice(blocks)
        return text[:block.start()] + text[block.end():] + block[0]
    return text + f"\nfn added_{rng.randrange(10**6)} {{\n}}\n"


def _same(got, want, what: str) -> None:
    got, want = snapshot(got), snapshot(want)
    for key in want:
        assert got[key] == want[key], f"{what}: {key} differ"


def run_pairs(files: dict[str, str], rounds: int, seed: int) -> int:
    """Random (first, second, third) versions checked in turn through one
    per-file cache; returns how many rounds had a second side without errors."""
    rng = random.Random(seed)
    texts = dict(files)
    clean = 0
    spare: dict[str, str] = {}
    for step in range(rounds):
        first = _load(texts, None)
        assert len(first.files) == len(texts)  # every file read
        cache = CheckCache(per_file=PER_FILE)
        _same(check(first, cache), check(first), f"round {step}: the first check")
        second_texts = _edited(texts, rng, spare)
        second = _load(second_texts, first)
        result = check(second, cache)
        _same(result, check(second), f"round {step}: the second check")
        clean += result.ok
        third = _load(_edited(second_texts, rng, spare), second)
        _same(check(third, cache), check(third), f"round {step}: the third check")
        if result.ok or rng.random() < 0.2:  # walk on (from a damaged spec now and then)
            texts = second_texts
    return clean


@pytest.mark.parametrize("seed", range(6))
def test_cross_file_pairs(seed: int) -> None:
    run_pairs(CROSS_FILE, rounds=40, seed=seed)


@pytest.mark.parametrize("seed", range(3))
def test_generated_pairs(seed: int) -> None:
    # A spec that checks clean, so that many second sides do too (as in a review).
    assert run_pairs(specgen.generate(200, seed, split=True), rounds=25, seed=seed) >= 3


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()
                                        if (p / "main.mizan").is_file()))
def test_case_pairs(case: str) -> None:
    run_pairs(_case_files(CASES / case), rounds=12, seed=len(case))
