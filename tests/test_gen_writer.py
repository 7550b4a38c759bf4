"""The writer and the `gen` / `scaffold` commands: what lands on disk.

Runs the CLI in-process (`mizan_lang.cli.run`) on the specs under
`cases/gen/`, into temporary folders.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from mizan_lang.cli import run
from mizan_lang.gen import writer
from mizan_lang.gen.files import GeneratedFile
from mizan_lang.gen.header import MARKER, marker_line

CASES = Path(__file__).resolve().parent / "cases" / "gen"
SMALL = CASES / "fastapi" / "small" / "main.mizan"
DETERMINISM = CASES / "determinism"


def gen(spec: Path, out: Path, *extra: str) -> int:
    return run(["gen", str(spec), "--target", "fastapi", "--out", str(out), *extra])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_gen_writes_every_file_with_the_header(tmp_path: Path, capsys) -> None:
    out = tmp_path / "api"
    assert gen(SMALL, out) == 0
    files = tree(out)
    assert "fastapi_app.py" in files and "service.py" in files and "spec.py" in files
    for path, data in files.items():
        first = data.split(b"\n", 1)[0].decode()
        if path.endswith(".json"):  # no comments in JSON: the first member holds the header
            # (`x-generated` in OpenAPI, whose readers ignore `x-` members)
            key = "x-generated" if path == "openapi.json" else "_generated"
            assert first.startswith('{"' + key + '": "' + MARKER), path
            continue
        assert first.startswith("# " + MARKER) and first.endswith("DO NOT EDIT."), path
    assert capsys.readouterr().err.startswith(f"{len(files)} created")


def test_second_gen_changes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "api"
    assert gen(SMALL, out) == 0
    before = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    capsys.readouterr()
    assert gen(SMALL, out) == 0
    assert capsys.readouterr().err == f"{len(before)} unchanged\n"
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_check_passes_when_current_and_names_stale_missing_and_leftover(tmp_path: Path,
                                                                       capsys) -> None:
    out = tmp_path / "api"
    assert gen(SMALL, out, "--check") == 1  # nothing generated yet
    assert "api/models.py: missing" in capsys.readouterr().out
    assert not out.exists()

    assert gen(SMALL, out) == 0
    capsys.readouterr()
    assert gen(SMALL, out, "--check") == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "0 files out of date" in captured.err

    (out / "models.py").write_bytes((out / "models.py").read_bytes() + b"# edited\n")
    (out / "spec.py").unlink()
    (out / "old.py").write_text(f"# {marker_line('fastapi')}\n", "utf-8")
    snapshot = tree(out)
    assert gen(SMALL, out, "--check") == 1
    lines = capsys.readouterr().out.splitlines()
    shown = out.as_posix()
    assert lines == [f"{shown}/models.py: stale", f"{shown}/old.py: no longer generated",
                     f"{shown}/spec.py: missing"]
    assert tree(out) == snapshot  # --check writes nothing


def test_diff_prints_the_changes_and_writes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "api"
    assert gen(SMALL, out) == 0
    models = out / "models.py"
    models.write_bytes(models.read_bytes().replace(b"class Profile(", b"class Profil("))
    (out / "spec.py").unlink()
    snapshot = tree(out)
    capsys.readouterr()
    assert gen(SMALL, out, "--diff") == 0
    text = capsys.readouterr().out
    shown = out.as_posix()
    assert f"--- a/{shown}/models.py\n+++ b/{shown}/models.py\n" in text
    assert "-class Profil(_pydantic.BaseModel):\n+class Profile(_pydantic.BaseModel):\n" in text
    assert f"--- /dev/null\n+++ b/{shown}/spec.py\n" in text
    assert tree(out) == snapshot
    assert gen(SMALL, out, "--diff", "--check") == 1  # together: the diff, and CI's verdict


def test_gen_removes_its_leftovers_but_no_other_file(tmp_path: Path) -> None:
    out = tmp_path / "api"
    out.mkdir()
    (out / "old.py").write_text(f"# {marker_line('fastapi')}\n", "utf-8")
    (out / "shared_old.py").write_text(f"# {marker_line('python')}\n", "utf-8")
    (out / "django_app.py").write_text(f"# {marker_line('django')}\n", "utf-8")
    (out / "notes.txt").write_text("mine\n", "utf-8")
    assert gen(SMALL, out) == 0
    assert not (out / "old.py").exists() and not (out / "shared_old.py").exists()
    assert (out / "django_app.py").exists()  # another target's file
    assert (out / "notes.txt").read_text("utf-8") == "mine\n"


def test_gen_refuses_to_overwrite_a_file_it_did_not_generate(tmp_path: Path, capsys) -> None:
    out = tmp_path / "api"
    out.mkdir()
    (out / "service.py").write_text("# my own service\n", "utf-8")
    assert gen(SMALL, out) == 1
    err = capsys.readouterr().err
    assert f"'{(out / 'service.py').as_posix()}' exists and was not generated" in err
    assert (out / "service.py").read_text("utf-8") == "# my own service\n"
    assert sorted(p.name for p in out.iterdir()) == ["service.py"]  # nothing else written
    assert gen(SMALL, out, "--check") == 1
    assert "service.py: not generated by mizan-lang" in capsys.readouterr().out


def test_user_files_are_created_once_and_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "api"
    mine = GeneratedFile("impl.py", "first\n", owner="user")
    writer.apply(writer.compare([mine], out, labels=("fastapi",)), out)
    assert (out / "impl.py").read_text("utf-8") == "first\n"
    (out / "impl.py").write_text("edited by the user\n", "utf-8")
    again = writer.compare([GeneratedFile("impl.py", "second\n", owner="user")], out,
                           labels=("fastapi",))
    assert [(o.path, o.status) for o in again] == [("impl.py", "kept")]
    assert writer.stale(again) == []  # --check has nothing to say about user files
    writer.apply(again, out)
    assert (out / "impl.py").read_text("utf-8") == "edited by the user\n"


def test_scaffold_creates_the_module_once(tmp_path: Path, capsys) -> None:
    module = tmp_path / "impl.py"
    args = ["scaffold", str(SMALL), "--target", "fastapi", "--package", "api",
            "--out", str(module)]
    assert run(args) == 0
    text = module.read_text("utf-8")
    assert MARKER not in text  # the user's file: no do-not-edit header
    assert "class Implementation(Service):" in text
    assert "from api.service import Service" in text
    module.write_text(text + "# my code\n", "utf-8")
    capsys.readouterr()
    assert run(args) == 0
    assert "left unchanged" in capsys.readouterr().err
    assert module.read_text("utf-8").endswith("# my code\n")


def test_output_is_byte_deterministic(tmp_path: Path) -> None:
    assert gen(SMALL, tmp_path / "one") == 0
    assert gen(SMALL, tmp_path / "two") == 0
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_declaration_order_and_file_split_do_not_change_the_bytes(tmp_path: Path) -> None:
    assert gen(DETERMINISM / "a" / "main.mizan", tmp_path / "a") == 0
    assert gen(DETERMINISM / "b" / "main.mizan", tmp_path / "b") == 0
    comparison = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert comparison.left_only == comparison.right_only == []
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_spec_errors_stop_gen_before_writing(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "bad.mizan"
    spec.write_text("mizan 1\nfn broken returns=Nope\n", "utf-8")
    assert gen(spec, tmp_path / "api") == 1
    assert "M201" in capsys.readouterr().err
    assert not (tmp_path / "api").exists()


@pytest.mark.parametrize(("args", "message"), [
    # --target is a closed choice: the option parser names the targets.
    (["gen", str(SMALL), "--target", "cobol", "--out", "x"], "'cobol' is not one of"),
    (["scaffold", str(SMALL), "--target", "cobol", "--out", "x.py"], "'cobol' is not one of"),
    (["scaffold", str(SMALL), "--target", "fastapi", "--package", "not a name", "--out", "x.py"],
     "mizan-lang: error:"),
])
def test_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path, capsys,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(args) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
