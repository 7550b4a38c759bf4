"""`mizan_lang.patterns`: the regular expressions compiled ahead are what `re`
compiles, the table covers what a check compiles, and `seed()` hands them to
the modules through `re`'s cache."""

from __future__ import annotations

import _sre
import ast
import os
import re
import subprocess
import sys
from re import _compiler

from mizan_lang import patterns, patterns_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAME_RE = (patterns_table.VERSION == sys.version_info[:2] and patterns_table.MAGIC == _sre.MAGIC
           and patterns_table.CODESIZE == _sre.CODESIZE)


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                          check=True, env=env, cwd=ROOT).stdout


def test_entries_are_what_re_compiles() -> None:
    assert patterns_table.PATTERNS
    for (pattern, flags), entry in patterns_table.PATTERNS.items():
        if SAME_RE:
            assert patterns.compiled(pattern, flags) == entry, pattern
            all_flags, code, groups, groupindex, indexgroup = entry
            made = _sre.compile(pattern, all_flags, list(code), groups, dict(groupindex),
                                indexgroup)
            # Pattern equality compares the flags, the pattern and the compiled code.
            assert made == _compiler.compile(pattern, flags), pattern
            assert (made.groups, made.groupindex) == (re.compile(pattern, flags).groups,
                                                       re.compile(pattern, flags).groupindex)


def test_table_is_complete_and_current() -> None:
    listed = _python("from mizan_lang import patterns\nfor item in patterns.used(): print(repr(item))")
    used = {ast.literal_eval(line) for line in listed.splitlines()}
    assert used, "no pattern found"
    assert used == set(patterns_table.PATTERNS), (
        "mizan_lang/patterns_table.py is out of date: run `python -m mizan_lang.patterns`")


def test_seeded_patterns_are_the_modules_patterns() -> None:
    out = _python(
        "import re\nfrom mizan_lang.patterns import seed\nseed()\n"
        "cached = dict(re._cache)\n"
        "from mizan_lang.kdl import chars, fast\nfrom mizan_lang import source\n"
        "for made in (fast._TOKEN, chars.disallowed_search.__self__, source._NEWLINE):\n"
        "    print(made is cached.get((str, made.pattern, 0)))\n")
    assert out.split() == (["True"] * 3 if SAME_RE else ["False"] * 3)


def test_another_interpreter_leaves_re_alone(monkeypatch) -> None:
    monkeypatch.setattr(patterns, "_seeded", [])
    monkeypatch.setattr(patterns_table, "MAGIC", -1)
    before = dict(re._cache)
    patterns.seed()
    assert dict(re._cache) == before
