"""The TypeScript printer (mizan_lang/gen/ts_format.py) writes what prettier
writes: random nested literals and union types, printed by it, pass
`prettier --check --no-config`. Many cases go to one prettier run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mizan_lang.gen import ts_format as ts

from .toolchain import BIN, ensure_node_modules, fresh_dir, tool

CASES = 300

# Keys: bare identifiers, and texts that must stay quoted.
identifiers = st.from_regex(r"[a-zA-Z_$][a-zA-Z0-9_$]{0,15}", fullmatch=True)
quoted_keys = st.text(st.sampled_from("ab-1 .'\"\\/é"), min_size=1, max_size=12)
keys = st.one_of(identifiers, quoted_keys.filter(lambda k: not k.isidentifier()))
# Strings: quotes, escapes, control characters, wide and combining characters.
characters = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from("\n\t\r\x01\x7f\u2028é漢\u0301\\\"'"),
)
strings = st.one_of(st.text(characters, max_size=8), st.text(characters, max_size=90))
numbers = st.one_of(
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e25, max_value=1e25),
)
scalars = st.one_of(strings, numbers, st.booleans(), st.none(), st.just(ts.Raw("10n")))


def containers(children: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    members = st.dictionaries(keys, children, max_size=6)
    return st.one_of(
        st.lists(children, max_size=7),
        st.lists(numbers, min_size=2, max_size=40),
        members,
        members.map(ts.Expanded),
    )


values = st.recursive(scalars, containers, max_leaves=25)
tops = st.one_of(st.dictionaries(keys, values, max_size=6).map(ts.Expanded),
                 st.dictionaries(keys, values, max_size=6), st.lists(values, max_size=6))
members = st.lists(st.one_of(strings.map(ts.string), identifiers,
                             identifiers.map(lambda name: name + "[]")),
                   min_size=1, max_size=12)


def render_case(top: object, alias: list[str], field: list[str], name: str) -> str:
    return "\n".join([
        ts.statement("export const value = ", top),
        ts.union_alias("export type Union", alias),
        "export interface Holder {",
        ts.union_property(name, field),
        "}",
        "",
    ])


cases = st.tuples(tops, members, members, identifiers)


def test_prettier_accepts_printed_literals() -> None:
    # Hypothesis draws the cases; prettier checks them all in one run (a
    # run per case would take minutes). A failure shows the file and what
    # prettier makes of it.
    texts: list[str] = []

    @settings(max_examples=CASES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(cases)
    def collect(case: tuple[object, list[str], list[str], str]) -> None:
        texts.append(render_case(*case))

    collect()
    ensure_node_modules()
    folder = fresh_dir("ts_format")
    for index, text in enumerate(texts):
        (folder / f"case_{index:03}.ts").write_text(text, encoding="utf-8")
    result = _prettier(["--list-different", "."], folder)
    different = sorted(result.stdout.split())
    if different:
        first = folder / different[0]
        shown = _prettier([first.name], folder).stdout
        raise AssertionError(f"prettier would change {different}; {first.name} is\n"
                             f"{first.read_text(encoding='utf-8')}\nprettier writes\n{shown}")
    assert result.returncode == 0, result.stderr
    assert len(texts) >= CASES // 2


def _prettier(args: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("node"), str(BIN / "prettier"), "--no-config",
                           "--no-editorconfig", *args], cwd=folder, capture_output=True,
                          text=True, check=False, timeout=300)


def test_known_layouts() -> None:
    """Layouts checked against prettier 3 by hand (reviewable examples)."""
    text = ts.statement("const a = ", ts.Expanded({
        "long": "x" * 80, "short": "y", "nums": list(range(30)),
        "pairs": [[1, 2], [3, 4]], "bare": {"a": 1}, "needs-quotes": -1}))
    assert text == "\n".join([
        "const a = {",
        "  long: " + '"' + "x" * 80 + '"' + ",",
        '  short: "y",',
        "  nums: [",
        "    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,",
        "    21, 22, 23, 24, 25, 26, 27, 28, 29,",
        "  ],",
        "  pairs: [",
        "    [1, 2],",
        "    [3, 4],",
        "  ],",
        "  bare: { a: 1 },",
        '  "needs-quotes": -1,',
        "};",
    ])
    assert ts.string('say "hi"') == "'say \"hi\"'"
    assert ts.string("it's") == '"it\'s"'
    assert ts.number(1e21) == "1e21" and ts.number(1.5e-7) == "1.5e-7" and ts.number(2.0) == "2"
