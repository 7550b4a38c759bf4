"""The official KDL v2 conformance suite, through the public API only."""

from __future__ import annotations

from pathlib import Path

import pytest

from mizan_lang.kdl import dumps, parse

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "kdl-tests" / "test_cases"
CASES = sorted(SUITE.glob("input/*.kdl")) if SUITE.is_dir() else []

if not CASES:
    pytest.skip(f"KDL suite not found at {SUITE} (needs ../shared beside the repo)",
                allow_module_level=True)


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def test_suite_is_complete() -> None:
    assert len(CASES) == 336


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case(case: Path) -> None:
    result = parse(read(case))
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if case.stem.endswith("_fail"):
        assert errors, "expected the document to be rejected"
        return
    assert not errors, [f"{d.code} {d.span} {d.message}" for d in errors]
    expected = read(SUITE / "expected_kdl" / case.name)
    assert dumps(result.document) == expected
