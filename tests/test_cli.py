"""The `mizan-lang` command, run for real as a subprocess on temporary files.

`python -m mizan_lang` with the repository on PYTHONPATH, so the checkout is
what runs, whether or not the package is installed in the environment.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang.render import use_color

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "examples" / "shop"

GOOD = """\
mizan 1
type Profile {
    field user_id int64
    field email str?
}
"""
UNKNOWN_TYPE = """\
mizan 1
type Profile {
    field user_id int64
    field email Strr
}
"""
WARNING_ONLY = """\
mizan 1
type Profile {
    field email str doc="x" doc="y"
}
"""
DUPLICATE = """\
mizan 1
type Profile {
    field a int
}
type Profile {
    field b int
}
"""
SYNTAX_ERROR = 'mizan 1\ntype Profile {\n    field a "open\n}\n'
UNFORMATTED = "mizan 1\ntype  Profile {field a int;field b str}\n"
FORMATTED = "mizan 1\ntype Profile {\n    field a int\n    field b str\n}\n"

HEADER = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): "
                    r"(?P<severity>error|warning|info) (?P<code>[KM]\d{3}): (?P<message>.+)$")


def run(*args: str, cwd: Path, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    environ.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "mizan_lang", *args], check=False, cwd=cwd, input=stdin,
                          capture_output=True, text=True, encoding="utf-8", env=environ,
                          timeout=120)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- version and help ------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    result = run("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "mizan-lang 0.1.0\n"


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mizan_lang", "--version"],
                          check=False,
                          cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    assert not {"typer", "click", "lark", "pydantic", "rich"} & imported


def test_commands_import_lazily() -> None:
    code = ("import sys, mizan_lang.cli as c; c.build_app(); "
            "print(sorted(m for m in ('lark', 'pydantic', 'mizan_lang.check', 'mizan_lang.kdl') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize("command", ["check", "ir", "fmt"])
def test_help_has_examples(tmp_path: Path, command: str) -> None:
    result = run(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Examples:" in result.stdout
    assert f"mizan-lang {command} " in result.stdout


def test_top_level_help_lists_commands(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("check", "ir", "fmt"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE)


# --- check -------------------------------------------------------------------


def test_check_clean_file(tmp_path: Path) -> None:
    write(tmp_path, "good.mizan", GOOD)
    result = run("check", "good.mizan", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "0 errors, 0 warnings in 1 file\n"


def test_check_error_line_excerpt_and_caret(tmp_path: Path) -> None:
    write(tmp_path, "bad.mizan", UNKNOWN_TYPE)
    result = run("check", "bad.mizan", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    head = HEADER.match(lines[0])
    assert head, lines[0]
    assert head["path"] == "bad.mizan"
    assert (head["line"], head["col"], head["severity"]) == ("4", "17", "error")
    assert "Strr" in head["message"]
    assert lines[1] == "    4 |     field email Strr"
    assert lines[2] == "      |                 ^^^^"
    assert result.stderr == "1 error, 0 warnings in 1 file\n"


def test_check_warnings_alone_exit_zero(tmp_path: Path) -> None:
    write(tmp_path, "warn.mizan", WARNING_ONLY)
    result = run("check", "warn.mizan", "--no-excerpt", cwd=tmp_path)
    assert result.returncode == 0
    head = HEADER.match(result.stdout.splitlines()[0])
    assert head and head["severity"] == "warning"
    assert result.stderr == "0 errors, 1 warning in 1 file\n"


def test_check_related_notes(tmp_path: Path) -> None:
    write(tmp_path, "dup.mizan", DUPLICATE)
    result = run("check", str(tmp_path / "dup.mizan"), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert HEADER.match(lines[0])["path"] == "dup.mizan"  # absolute argument shown relative
    assert re.fullmatch(r"  note: dup\.mizan:2:6: .+", lines[-1]), lines


def test_check_no_excerpt_is_one_line_per_diagnostic(tmp_path: Path) -> None:
    write(tmp_path, "bad.mizan", UNKNOWN_TYPE)
    write(tmp_path, "dup.mizan", DUPLICATE)
    result = run("check", "--no-excerpt", "bad.mizan", "dup.mizan", cwd=tmp_path)
    assert result.returncode == 1
    for line in result.stdout.splitlines():
        assert HEADER.match(line) or line.startswith("  note: "), line
    assert result.stderr.endswith("in 2 files\n")


def test_check_syntax_error(tmp_path: Path) -> None:
    write(tmp_path, "broken.mizan", SYNTAX_ERROR)
    result = run("check", "broken.mizan", cwd=tmp_path)
    assert result.returncode == 1
    assert any((m := HEADER.match(line)) and m["code"].startswith("K")
               for line in result.stdout.splitlines())


def test_check_json(tmp_path: Path) -> None:
    write(tmp_path, "dup.mizan", DUPLICATE)
    result = run("check", "dup.mizan", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    items = json.loads(result.stdout)
    assert len(items) == 1
    item = items[0]
    assert set(item) == {"path", "range", "severity", "code", "message", "related", "data"}
    assert item["path"] == "dup.mizan"
    assert item["severity"] == "error"
    assert item["range"] == {"start": {"line": 5, "column": 6}, "end": {"line": 5, "column": 13}}
    assert item["related"][0]["range"]["start"] == {"line": 2, "column": 6}
    assert item["related"][0]["path"] == "dup.mizan"


def test_check_json_clean_is_empty_array(tmp_path: Path) -> None:
    write(tmp_path, "good.mizan", GOOD)
    result = run("check", "good.mizan", "-f", "json", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_check_folder_is_one_workspace(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    write(tmp_path / "api", "a.mizan", "mizan 1\ntype A {\n    field b B\n}\n")
    write(tmp_path / "api", "b.mizan", "mizan 1\ntype B {\n    field x int\n}\n")
    result = run("check", "api", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stderr == "0 errors, 0 warnings in 2 files\n"


def test_check_bundled_example(tmp_path: Path) -> None:
    result = run("check", str(SHOP), cwd=REPO)
    assert result.returncode == 0, result.stdout
    assert result.stderr.startswith("0 errors")


@pytest.mark.parametrize("args", [
    ("check", "missing.mizan"),
    ("check",),
    ("check", "--format", "xml", "x.mizan"),
    ("check", "--bogus", "x.mizan"),
    ("nonsense",),
    ("ir", "--format", "yaml", "x.mizan"),
    ("fmt", "missing.mizan"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    write(tmp_path, "x.mizan", GOOD)
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_no_color_when_not_a_terminal(tmp_path: Path) -> None:
    write(tmp_path, "bad.mizan", UNKNOWN_TYPE)
    result = run("check", "bad.mizan", cwd=tmp_path)
    assert "\x1b[" not in result.stdout + result.stderr


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_color_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Tty()) is True
    assert use_color(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Tty()) is False


# --- ir ----------------------------------------------------------------------


def test_ir_kdl_and_json(tmp_path: Path) -> None:
    write(tmp_path, "good.mizan", GOOD)
    kdl = run("ir", "good.mizan", cwd=tmp_path)
    assert kdl.returncode == 0, kdl.stderr
    assert kdl.stdout.startswith("mizan 1\n")
    assert "Profile" in kdl.stdout
    as_json = run("ir", "good.mizan", "--format", "json", cwd=tmp_path)
    assert as_json.returncode == 0
    assert "Profile" in json.dumps(json.loads(as_json.stdout))


def test_ir_out_file(tmp_path: Path) -> None:
    write(tmp_path, "good.mizan", GOOD)
    result = run("ir", "good.mizan", "--out", "ir.kdl", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    printed = run("ir", "good.mizan", cwd=tmp_path).stdout
    assert (tmp_path / "ir.kdl").read_text(encoding="utf-8") == printed


def test_ir_with_errors_prints_diagnostics_and_no_ir(tmp_path: Path) -> None:
    write(tmp_path, "bad.mizan", UNKNOWN_TYPE)
    result = run("ir", "bad.mizan", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert HEADER.match(result.stderr.splitlines()[0])
    assert result.stderr.endswith("1 error, 0 warnings in 1 file\n")


def test_ir_is_deterministic(tmp_path: Path) -> None:
    first = run("ir", str(SHOP), cwd=REPO)
    second = run("ir", str(SHOP), cwd=REPO)
    assert first.returncode == 0
    assert first.stdout == second.stdout


# --- fmt ---------------------------------------------------------------------


def test_fmt_rewrites_files(tmp_path: Path) -> None:
    path = write(tmp_path, "a.mizan", UNFORMATTED)
    result = run("fmt", "a.mizan", cwd=tmp_path)
    assert result.returncode == 0
    assert path.read_text(encoding="utf-8") == FORMATTED
    assert "reformatted a.mizan" in result.stderr
    again = run("fmt", "a.mizan", cwd=tmp_path)
    assert again.returncode == 0
    assert "0 files reformatted, 1 file already formatted" in again.stderr


def test_fmt_check_lists_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    path = write(tmp_path / "api", "a.mizan", UNFORMATTED)
    write(tmp_path / "api", "b.mizan", FORMATTED)
    result = run("fmt", "--check", "api", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == os.path.join("api", "a.mizan") + "\n"
    assert path.read_text(encoding="utf-8") == UNFORMATTED
    clean = run("fmt", "--check", os.path.join("api", "b.mizan"), cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fmt_diff_prints_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "a.mizan", UNFORMATTED)
    result = run("fmt", "--diff", "a.mizan", cwd=tmp_path)
    assert result.returncode == 0
    assert path.read_text(encoding="utf-8") == UNFORMATTED
    assert result.stdout.startswith("--- a/a.mizan\n+++ b/a.mizan\n@@ ")
    assert "-type  Profile {field a int;field b str}\n" in result.stdout
    assert "+    field a int\n" in result.stdout
    with_check = run("fmt", "--diff", "--check", "a.mizan", cwd=tmp_path)
    assert with_check.returncode == 1


def test_fmt_refuses_syntax_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.mizan", SYNTAX_ERROR)
    write(tmp_path, "ok.mizan", UNFORMATTED)
    result = run("fmt", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert path.read_text(encoding="utf-8") == SYNTAX_ERROR
    assert (tmp_path / "ok.mizan").read_text(encoding="utf-8") == FORMATTED
    assert any(HEADER.match(line) for line in result.stderr.splitlines())


def test_fmt_stdin(tmp_path: Path) -> None:
    result = run("fmt", "-", cwd=tmp_path, stdin=UNFORMATTED)
    assert (result.returncode, result.stdout) == (0, FORMATTED)
    check = run("fmt", "--check", "-", cwd=tmp_path, stdin=UNFORMATTED)
    assert (check.returncode, check.stdout) == (1, "")


def test_fmt_semantic_errors_do_not_block_formatting(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.mizan", UNKNOWN_TYPE.replace("    field", "  field"))
    result = run("fmt", "bad.mizan", cwd=tmp_path)
    assert result.returncode == 0
    assert path.read_text(encoding="utf-8") == UNKNOWN_TYPE


# --- rendering details (in-process) -------------------------------------------------


def _render(text: str, start: int, end: int) -> list[str]:
    from mizan_lang.diagnostics import make
    from mizan_lang.render import render_text
    from mizan_lang.source import LineIndex, Span

    diag = make("K009", Span(start, end), path="f.mizan", detail="boom")
    return render_text([diag], lambda path: LineIndex(text)).splitlines()


def test_caret_follows_tabs_and_wide_characters() -> None:
    text = "\tnode \u4e2d x\n"
    lines = _render(text, text.index("x"), text.index("x") + 1)
    assert lines[0] == "f.mizan:1:9: error K009: boom"
    assert lines[2] == "      | \t     " + "  " + " ^"


def test_multi_line_range_is_underlined_to_end_of_line() -> None:
    text = "type T {\n    field a int\n}\n"
    lines = _render(text, 0, len(text) - 1)
    assert lines[1:] == ["    1 | type T {", "      | ^^^^^^^^"]


def test_empty_range_at_end_of_line_gets_one_caret() -> None:
    text = "node\n"
    lines = _render(text, 4, 4)
    assert lines[0].startswith("f.mizan:1:5: ")
    assert lines[2] == "      |     ^"


def test_long_lines_are_cut_around_the_range() -> None:
    text = "n " + "a" * 5000 + " BAD " + "b" * 5000 + "\n"
    at = text.index("BAD")
    lines = _render(text, at, at + 3)
    assert len(lines[1]) < 200
    assert lines[1][lines[2].index("^"):].startswith("BAD")


def test_control_and_bidi_characters_are_not_printed_raw() -> None:
    text = "n \u202e\x07 x\n"
    lines = _render(text, text.index("x"), text.index("x") + 1)
    assert "\u202e" not in lines[1] and "\x07" not in lines[1]
    assert lines[1][lines[2].index("^")] == "x"
