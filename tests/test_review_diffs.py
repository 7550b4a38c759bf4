"""Generated output made for review: a one-line spec change gives a small,
readable diff in every target. The shop's `adjust_stock` gets one param's
type changed (`delta int` -> `int64`); for each target the changed lines of
all its files together stay within BOUND_LINES, none longer than BOUND_WIDTH
(no line carries a whole function table or JSON blob)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from mizan_lang.check import check
from mizan_lang.gen.targets import TARGETS, get_target
from mizan_lang.ir import build_ir
from mizan_lang.plan import build_plan
from mizan_lang.workspace import load_workspace

SHOP = Path(__file__).resolve().parent.parent / "examples" / "shop"
BOUND_LINES = 12  # removed + added lines, all files of one target together
BOUND_WIDTH = 100  # characters in any removed or added line


def _plan(edit: bool):
    def read(path: str) -> str | None:
        if edit and path.endswith("backoffice.mizan"):
            text = Path(path).read_text(encoding="utf-8")
            assert "    param delta int\n" in text
            return text.replace("    param delta int\n", "    param delta int64\n")
        return None

    result = check(load_workspace([str(SHOP)], read))
    assert result.ok
    return build_plan(build_ir(result))


@pytest.fixture(scope="module")
def plans():
    return _plan(edit=False), _plan(edit=True)


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    lines = []
    for path in sorted(before.keys() | after.keys()):
        old = before.get(path, b"").decode("utf-8").splitlines()
        new = after.get(path, b"").decode("utf-8").splitlines()
        for line in difflib.unified_diff(old, new, lineterm="", n=0):
            if line.startswith(("+", "-")) and not line.startswith(("+++", "---")):
                lines.append(f"{path}: {line}")
    return lines


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_one_param_edit_gives_a_small_diff(target: str, plans) -> None:
    maker = get_target(target)
    before = {f.path: f.data for f in maker.generate(plans[0])}
    after = {f.path: f.data for f in maker.generate(plans[1])}
    changed = _changed(before, after)
    assert changed, "the edit must show in the generated code"
    assert len(changed) <= BOUND_LINES, "\n".join(changed)
    for line in changed:
        text = line.split(": ", 1)[1][1:]
        assert len(text) <= BOUND_WIDTH, line
