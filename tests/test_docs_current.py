"""docs/diagnostics.md is generated from the diagnostics table and kept current."""

from __future__ import annotations

from pathlib import Path

from mizan_lang import docgen
from mizan_lang.diagnostics import RULES

DOCS = Path(__file__).parent.parent / "docs" / "diagnostics.md"


def test_diagnostics_page_is_current() -> None:
    assert DOCS.is_file(), "run: python -m mizan_lang.docgen"
    assert DOCS.read_text(encoding="utf-8") == docgen.render(), (
        "docs/diagnostics.md is stale; run: python -m mizan_lang.docgen")


def test_check_flag_reports_staleness(tmp_path: Path) -> None:
    target = tmp_path / "diagnostics.md"
    assert docgen.main(["--check", "--output", str(target)]) == 1
    assert docgen.main(["--output", str(target)]) == 0
    assert docgen.main(["--check", "--output", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert docgen.main(["--check", "--output", str(target)]) == 1


def test_every_rule_is_documented() -> None:
    text = docgen.render()
    for code, rule in RULES.items():
        assert f"### {code}\n" in text
        assert rule.explanation.strip(), f"{code} has no explanation"
