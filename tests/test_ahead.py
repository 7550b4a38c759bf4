"""`mizan_lang.ahead`: what the table holds is what `re` and `compile` make, the
table covers exactly what a check and the server use, and the modules get it."""

from __future__ import annotations
import __future__

import _sre
import ast
import os
import re
import subprocess
import sys
from re import _compiler

from mizan_lang import ahead, ahead_table, records

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAME_RE = (ahead_table.VERSION == sys.version_info[:2] and ahead_table.MAGIC == _sre.MAGIC
           and ahead_table.CODESIZE == _sre.CODESIZE)


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                          check=True, env=env, cwd=ROOT).stdout


def test_patterns_are_what_re_compiles() -> None:
    assert ahead_table.PATTERNS
    for (pattern, flags), entry in ahead_table.PATTERNS.items():
        if SAME_RE:
            assert ahead.compiled(pattern, flags) == entry, pattern
            all_flags, code, groups, groupindex, indexgroup = entry
            made = _sre.compile(pattern, all_flags, list(code), groups, dict(groupindex),
                                indexgroup)
            # Pattern equality compares the flags, the pattern and the compiled code.
            assert made == _compiler.compile(pattern, flags), pattern
            plain = re.compile(pattern, flags)
            assert (made.groups, made.groupindex) == (plain.groups, plain.groupindex)


def test_inits_are_their_source_compiled() -> None:
    assert ahead_table.INITS
    for source, code in ahead_table.INITS.items():
        # Compiled as records.py's `exec` compiles it (with its __future__ import).
        module = compile(source, "<string>", "exec", __future__.annotations.compiler_flag,
                         dont_inherit=True)
        (made,) = [c for c in module.co_consts if isinstance(c, type(code))]
        # Code equality compares names, arguments, bytecode, constants and line table.
        assert code.replace(co_firstlineno=1) == made, source


def test_table_is_complete_and_current() -> None:
    listed = _python("from mizan_lang import ahead\nprint(repr(ahead.used()))")
    patterns, inits = ast.literal_eval(listed)
    assert patterns and inits
    stale = "mizan_lang/ahead_table.py is out of date: run `python -m mizan_lang.ahead`"
    assert set(patterns) == set(ahead_table.PATTERNS), stale
    assert set(inits) == set(ahead_table.INITS), stale


def test_modules_get_the_seeded_patterns() -> None:
    out = _python(
        "import re\nfrom mizan_lang.ahead import seed\nseed()\n"
        "cached = dict(re._cache)\n"
        "from mizan_lang.kdl import chars, fast\nfrom mizan_lang import source\n"
        "for made in (fast._TOKEN, chars.disallowed_search.__self__, source._NEWLINE):\n"
        "    print(made is cached.get((str, made.pattern, 0)))\n")
    assert out.split() == (["True"] * 3 if SAME_RE else ["False"] * 3)


def test_another_interpreter_leaves_re_alone(monkeypatch) -> None:
    monkeypatch.setattr(ahead, "_seeded", [])
    monkeypatch.setattr(ahead_table, "MAGIC", -1)
    before = dict(re._cache)
    ahead.seed()
    assert dict(re._cache) == before


def test_a_record_without_a_table_entry_compiles_its_own() -> None:
    @records.record
    class Odd:
        first_of_its_kind: int
        second: list[int] = records.field(default_factory=list)
        third: str = "x"

    assert records.init_code("def __init__(self, first_of_its_kind, second=_FACTORY, "
                             "third=_default_third):") is None
    made = Odd(1)
    assert (made.first_of_its_kind, made.second, made.third) == (1, [], "x")
    assert Odd.__init__.__code__.co_filename == "<string>"


def test_records_from_the_table_have_their_own_defaults() -> None:
    import mizan_lang.checked
    import mizan_lang.workspace  # noqa: F401 - with it every module that makes records

    made = [cls for module in list(sys.modules.values())
            if getattr(module, "__name__", "").startswith("mizan_lang")
            for cls in vars(module).values() if isinstance(cls, type)
            and "__record_fields__" in vars(cls)]
    from_table = [cls for cls in made if cls.__init__.__code__ in ahead_table.INITS.values()]
    assert len(from_table) > 40
    for cls in from_table:
        want = tuple(records._FACTORY if spec.default_factory is not records.MISSING
                     else spec.default for spec in cls.__record_fields__
                     if spec.init and (spec.default is not records.MISSING
                                       or spec.default_factory is not records.MISSING))
        assert (cls.__init__.__defaults__ or ()) == want, cls
        # Its globals are the record's own scope, not the table's placeholders.
        assert cls.__init__.__globals__ is not vars(ahead_table)
