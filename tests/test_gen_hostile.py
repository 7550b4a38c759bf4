"""A spec whose docs and defaults try to break out of the generated code's
comments and strings (`*/`, quotes, `${}`, backticks, backslashes, line
separators, `</script>`) still generates valid Python servers that carry
exactly what the spec says. (The TypeScript clients of the same spec are
compiled in tests/clients/test_gen_ts.py, which runs every edge spec.)
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang.check import check
from mizan_lang.ir import build_ir, to_kdl
from mizan_lang.workspace import load_workspace

HOSTILE = Path(__file__).resolve().parent / "cases" / "gen-ts" / "edge" / "hostile.mizan"
TEXT_DEFAULT = '"*/ ${evil} `x` \\ \n'


def _gen(target: str, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "mizan_lang", "gen", str(HOSTILE), "--target", target,
                    "--out", str(out)], check=True, capture_output=True)


def _ruff(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", *args, "--isolated"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("target", ["fastapi", "django"])
def test_hostile_docs_and_defaults_stay_inside_their_strings(target: str, tmp_path: Path) -> None:
    package = f"hostile_{target}_api"
    _gen(target, tmp_path / package)
    _ruff("check", str(tmp_path / package))
    _ruff("format", "--check", str(tmp_path / package))
    for module in sorted((tmp_path / package).glob("*.py")):
        compile(module.read_text("utf-8"), str(module), "exec")

    sys.path.insert(0, str(tmp_path))
    try:
        spec = importlib.import_module(f"{package}.spec")
        result = check(load_workspace([str(HOSTILE)]))
        assert result.ok, [d.message for d in result.diagnostics]
        assert spec.IR_KDL == to_kdl(build_ir(result))  # what `GET ir/` serves is the spec, byte for byte
        fields = {f["name"]: f for f in spec.TABLES["schema"]["records"]["Note"]}
        assert fields["text"]["default"] == TEXT_DEFAULT
        params = {p["name"]: p for p in spec.TABLES["functions"]["add_note"]["params"]}
        assert params["text"]["default"] == "</script><!-- */"
        if target == "fastapi":
            models = importlib.import_module(f"{package}.models")
            assert models.Note().text == TEXT_DEFAULT
            assert "Line one */ break" in (models.Note.__doc__ or "")
    finally:
        sys.path.remove(str(tmp_path))
