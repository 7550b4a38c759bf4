"""`mizan-lang diff` / `breaking`: the review rules, their reports and sides.

Data-driven: tests/cases/breaking/<CODE>-<name>/ holds `old/` and `new/`
specs and `expected.txt`, the text report of `mizan-lang diff old new` run
in that folder. Each case must report its own rule; the expected file pins
every other change it reports, so a rule that fires anywhere else fails.
MIZAN_UPDATE_EXPECTED=1 rewrites the expected files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang.review import docs, review
from mizan_lang.review.rules import RULES
from mizan_lang.review.sides import from_paths, from_texts

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases" / "breaking"
SHOP = REPO / "examples" / "shop"
UPDATE = os.environ.get("MIZAN_UPDATE_EXPECTED") == "1"
LINE = re.compile(r"^(?:(?P<where>\S+:\d+:\d+): )?(?P<category>breaking|source|review|info) "
                  r"(?P<code>B\d{3}): ")


def mizan(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=check)


def _cases() -> list[Path]:
    return sorted(path for path in CASES.iterdir() if (path / "old").is_dir())


@pytest.mark.parametrize("folder", _cases(), ids=lambda path: path.name)
def test_case(folder: Path) -> None:
    done = mizan("diff", "old", "new", cwd=folder)
    assert done.returncode == 0, done.stderr
    expected = folder / "expected.txt"
    if UPDATE:
        expected.write_text(done.stdout, encoding="utf-8")
    assert expected.is_file(), f"{expected} is missing; run with MIZAN_UPDATE_EXPECTED=1"
    assert done.stdout == expected.read_text(encoding="utf-8")
    codes = [LINE.match(line)["code"] for line in done.stdout.splitlines()]
    assert folder.name.split("-")[0] in codes
    # Every line is located in the case's specs.
    for line in done.stdout.splitlines():
        assert LINE.match(line)["where"].startswith(("old/main.mizan:", "new/main.mizan:"))


def test_every_rule_has_a_case() -> None:
    names = {path.name for path in _cases()}
    assert names == {f"{code}-{rule.name}" for code, rule in RULES.items()}


@pytest.mark.parametrize("code", sorted(RULES))
def test_documented_example_fires(code: str) -> None:
    rule = RULES[code]
    report = review(from_texts({"main.mizan": rule.old}, f"{code}-old"),
                    from_texts({"main.mizan": rule.new}, f"{code}-new"))
    assert code in {change.code for change in report.changes}


def test_breaking_page_is_current() -> None:
    page = REPO / "docs" / "breaking.md"
    assert page.read_text(encoding="utf-8") == docs.render(), (
        "docs/breaking.md is stale; run: python -m mizan_lang.review.docs")
    for code in RULES:
        assert f"### {code}\n" in page.read_text(encoding="utf-8")


# --- never a change: formatting, comments, the file split, a saved IR -------------------


def test_reformatted_shop_has_no_changes(tmp_path: Path) -> None:
    copy = tmp_path / "shop"
    shutil.copytree(SHOP, copy)
    for path in copy.glob("*.mizan"):
        text = path.read_text(encoding="utf-8")
        text = text.replace("\n    ", "\n        ").replace("\n\n", "\n\n// moved\n\n")
        path.write_text(text, encoding="utf-8")
    # Move one declaration to another file (same workspace, same meaning).
    back = copy / "backoffice.mizan"
    text = back.read_text(encoding="utf-8")
    decl = "fn sales_dashboard context=back_office returns=SalesStats\n"
    assert decl in text
    back.write_text(text.replace(decl, ""), encoding="utf-8")
    (copy / "moved.mizan").write_text(
        'mizan 1\nimport "backoffice.mizan"\n' + decl, encoding="utf-8")
    report = review(from_paths([str(SHOP)]), from_paths([str(copy)]))
    assert report.changes == []


def test_saved_ir_against_sources(tmp_path: Path) -> None:
    saved = tmp_path / "shop.ir.json"
    mizan("ir", str(SHOP), "--format", "json", "--out", str(saved), cwd=REPO, check=True)
    done = mizan("breaking", str(saved), str(SHOP), cwd=REPO)
    assert (done.returncode, done.stdout) == (0, "")
    assert "0 wire-breaking" in done.stderr


# --- the shop edited, against git ------------------------------------------------------


def _shop_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(SHOP, repo / "spec")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "shop"], cwd=repo, check=True)
    return repo


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _edit_shop(spec: Path) -> None:
    back = spec / "backoffice.mizan"
    _edit(back, "    param delta int\n", "")  # B107 on adjust_stock
    _edit(back, "fn adjust_stock auth=staff affects=inventory,product,back_office",
          "fn adjust_stock auth=user affects=inventory,product")  # B301, B303
    _edit(spec / "catalog.mizan", "context inventory auth=staff", "context inventory auth=user")


def test_against_revision_names_each_change_at_its_line(tmp_path: Path) -> None:
    repo = _shop_repo(tmp_path)
    _edit_shop(repo / "spec")
    done = mizan("breaking", "--against", "main", "spec", cwd=repo)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    found = {(m["code"], m["where"]) for m in map(LINE.match, lines)}
    old_text = (SHOP / "backoffice.mizan").read_text(encoding="utf-8").splitlines()
    delta_line = next(i for i, line in enumerate(old_text, 1) if "param delta int" in line)
    assert ("B107", f"spec/backoffice.mizan:{delta_line}:11") in found
    codes = sorted(code for code, _ in found)
    assert codes == ["B107", "B301", "B301", "B301", "B303"], done.stdout
    assert any("who can call it now?" in line for line in lines)
    # Review flags fail only at --fail-on review; none never fails.
    assert mizan("breaking", "--against", "main", "spec", "--fail-on", "none",
                 cwd=repo).returncode == 0


def test_acknowledgements_in_spec_and_config(tmp_path: Path) -> None:
    repo = _shop_repo(tmp_path)
    spec = repo / "spec"
    _edit(spec / "backoffice.mizan", "    param delta int\n", "")
    _edit(spec / "backoffice.mizan", "fn adjust_stock ",
          "// mizan: acknowledge B107 adjust_stock.delta the app sends a count now\n"
          "fn adjust_stock ")
    done = mizan("breaking", "--against", "main", "spec", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "  acknowledged: the app sends a count now\n" in done.stdout
    assert "1 acknowledged" in done.stderr
    # The same through mizan.toml; a stale acknowledgement is a note.
    _edit(spec / "backoffice.mizan", "// mizan: acknowledge B107 adjust_stock.delta", "//")
    (repo / "mizan.toml").write_text(
        'roots = ["spec"]\n\n[[acknowledge]]\ncode = "B107"\nsubject = "adjust_stock"\n'
        'reason = "reviewed"\n\n[[acknowledge]]\ncode = "B101"\nsubject = "gone"\n',
        encoding="utf-8")
    done = mizan("breaking", "--against", "main", "--format", "json", cwd=repo)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [c["acknowledged"] for c in data["changes"]] == ["reviewed"]
    assert data["unused_acknowledgements"] == [
        {"code": "B101", "subject": "gone", "where": "mizan.toml:8"}]


def test_formats(tmp_path: Path) -> None:
    repo = _shop_repo(tmp_path)
    _edit_shop(repo / "spec")
    markdown = mizan("breaking", "-a", "main", "spec", "--format", "markdown", cwd=repo).stdout
    assert markdown.startswith("## API review: old (main) -> working tree\n")
    assert "### Wire-breaking (1)" in markdown and "### Review (4)" in markdown
    assert "| B107 param-removed | param 'delta' of 'adjust_stock' was removed |" in markdown
    github = mizan("breaking", "-a", "main", "spec", "--format", "github", cwd=repo).stdout
    first = github.splitlines()[0]
    assert re.fullmatch(r"::error file=spec/backoffice\.mizan,line=\d+,col=11,"
                        r"title=B107 param-removed::param 'delta' of 'adjust_stock' was "
                        r"removed \(line in old \(main\)\)", first), first
    assert github.count("::warning ") == 4


# --- bad input -------------------------------------------------------------------------


def test_bad_sides(tmp_path: Path) -> None:
    repo = _shop_repo(tmp_path)
    done = mizan("breaking", "--against", "no-such-rev", "spec", cwd=repo)
    assert done.returncode == 1
    assert done.stderr == "mizan-lang: error: unknown revision 'no-such-rev'\n"
    done = mizan("breaking", "--against", "main", str(tmp_path), cwd=repo)
    assert done.returncode == 1 and "outside the git repository" in done.stderr
    _edit(repo / "spec" / "main.mizan", "mizan 1\n", "mizan 1\nfn broken returns=Nope\n")
    done = mizan("breaking", "--against", "main", "spec", cwd=repo)
    assert done.returncode == 1 and done.stdout == ""
    assert "spec/main.mizan:2:" in done.stderr and "M2" in done.stderr
    assert "the working tree spec has errors; nothing was compared" in done.stderr
    assert "Traceback" not in done.stderr
    garbage = tmp_path / "x.json"
    garbage.write_text('{"functions": 3}', encoding="utf-8")
    done = mizan("diff", str(garbage), "spec", cwd=repo)
    assert done.returncode == 1 and "is not a mizan IR JSON file" in done.stderr
    assert mizan("diff", "spec", cwd=repo).returncode == 2
