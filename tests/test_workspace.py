"""Workspace loading: roots, imports, cycles, missing files, editor overlays."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mizan_lang import workspace
from mizan_lang.workspace import load_file, load_workspace, normalise, read_source

HEAD = "mizan 1\n"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def imports(*names: str) -> str:
    return HEAD + "".join(f'import "{name}"\n' for name in names)


def codes(loaded) -> list[tuple[str, str]]:
    return [(Path(d.path).name, d.code) for d in loaded.all_diagnostics()]


def text_at(path: str, span) -> str:
    return Path(path).read_text(encoding="utf-8")[span.start:span.end]


def test_roots_then_imports_depth_first(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("b.mizan", "c.mizan"), "b.mizan": imports("lib/d.mizan"),
                     "c.mizan": HEAD, "lib/d.mizan": imports("../c.mizan")})
    loaded = load_workspace([tmp_path / "a.mizan"])
    root = normalise(tmp_path)
    assert loaded.roots == [f"{root}/a.mizan"]
    assert list(loaded.files) == [f"{root}/{name}" for name in
                                  ("a.mizan", "b.mizan", "lib/d.mizan", "c.mizan")]
    assert loaded.all_diagnostics() == []
    assert all(Path(path).is_absolute() and "\\" not in path for path in loaded.files)


def test_a_folder_root_means_every_mizan_file_under_it(tmp_path: Path) -> None:
    write(tmp_path, {"b.mizan": HEAD, "a.mizan": HEAD, "sub/c.mizan": HEAD, "notes.txt": "x",
                     ".hidden/d.mizan": HEAD})
    loaded = load_workspace([tmp_path])
    assert [Path(p).relative_to(normalise(tmp_path)).as_posix() for p in loaded.roots] == [
        "a.mizan", "b.mizan", "sub/c.mizan"]
    assert list(loaded.files) == loaded.roots


def test_an_empty_folder_is_reported(tmp_path: Path) -> None:
    loaded = load_workspace([tmp_path])
    assert [d.code for d in loaded.diagnostics] == ["M007"]
    assert loaded.files == {}


def test_missing_import_suggests_a_sibling(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("comon.mizan", "lib/tyeps.mizan", "common", "zzz.mizan"),
                     "common.mizan": HEAD, "lib/types.mizan": HEAD})
    loaded = load_workspace([tmp_path / "a.mizan"])
    found = [(d.code, d.message, d.data, text_at(d.path, d.span)) for d in loaded.diagnostics]
    assert found == [
        ("M002", "cannot find 'comon.mizan'; did you mean 'common.mizan'?",
         {"replace": "common.mizan"}, '"comon.mizan"'),
        ("M002", "cannot find 'lib/tyeps.mizan'; did you mean 'lib/types.mizan'?",
         {"replace": "lib/types.mizan"}, '"lib/tyeps.mizan"'),
        ("M002", "cannot find 'common'; did you mean 'common.mizan'?",
         {"replace": "common.mizan"}, '"common"'),
        ("M002", "cannot find 'zzz.mizan'", {}, '"zzz.mizan"'),
    ]


def test_a_missing_root(tmp_path: Path) -> None:
    loaded = load_workspace([tmp_path / "nope.mizan"])
    assert [(d.code, d.path) for d in loaded.diagnostics] == [
        ("M002", f"{normalise(tmp_path)}/nope.mizan")]


def test_cycle_is_reported_once_on_the_closing_import(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("b.mizan"), "b.mizan": imports("c.mizan"),
                     "c.mizan": imports("a.mizan")})
    loaded = load_workspace([tmp_path / "a.mizan"])
    assert len(loaded.files) == 3
    [diag] = loaded.diagnostics
    assert diag.code == "M003" and Path(diag.path).name == "c.mizan"
    assert diag.message == "import cycle: c.mizan -> a.mizan -> b.mizan -> c.mizan"
    assert text_at(diag.path, diag.span) == 'import "a.mizan"'


def test_a_file_importing_itself(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("a.mizan")})
    loaded = load_workspace([tmp_path / "a.mizan"])
    assert [d.message for d in loaded.diagnostics] == ["import cycle: a.mizan -> a.mizan"]


def test_cycle_between_two_roots(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("b.mizan"), "b.mizan": imports("a.mizan")})
    loaded = load_workspace([tmp_path])
    assert codes(loaded) == [("b.mizan", "M003")]


def test_long_import_chains_do_not_recurse(tmp_path: Path) -> None:
    count = 1500
    write(tmp_path, {f"f{i}.mizan": imports(f"f{i + 1}.mizan") for i in range(count)})
    write(tmp_path, {f"f{count}.mizan": imports("f0.mizan")})
    loaded = load_workspace([tmp_path / "f0.mizan"])
    assert len(loaded.files) == count + 1
    assert codes(loaded) == [(f"f{count}.mizan", "M003")]


def test_directory_duplicate_and_extension(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("lib", "b.mizan", "./b.mizan", "c.kdl"),
                     "b.mizan": HEAD, "c.kdl": HEAD, "lib/x.mizan": HEAD})
    loaded = load_workspace([tmp_path / "a.mizan"])
    found = [(d.code, d.severity.value, d.message) for d in loaded.diagnostics]
    assert found == [
        ("M004", "error", "'lib' is a directory, not a .mizan file"),
        ("M005", "warning", "'./b.mizan' is already imported on line 3"),
        ("M006", "warning", "'c.kdl' does not end in .mizan"),
    ]
    assert [Path(p).name for p in loaded.files] == ["a.mizan", "b.mizan", "c.kdl"]


def test_symlinked_imports_are_one_file(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("real/b.mizan", "link/b.mizan"), "real/b.mizan": HEAD})
    os.symlink(tmp_path / "real", tmp_path / "link")
    loaded = load_workspace([tmp_path / "a.mizan"])
    assert len(loaded.files) == 2
    assert codes(loaded) == [("a.mizan", "M005")]


def test_overlay_text_wins_over_disk(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": imports("b.mizan"), "b.mizan": HEAD + "type Old { }\n"})
    unsaved = {normalise(tmp_path / "b.mizan"): imports("new.mizan") + "type New { }\n",
               normalise(tmp_path / "new.mizan"): HEAD + "enum E { x }\n"}
    loaded = load_workspace([tmp_path / "a.mizan"], read=unsaved.get)
    names = {Path(p).name: [t.name.text for t in f.decls.types] for p, f in loaded.files.items()}
    assert names == {"a.mizan": [], "b.mizan": ["New"], "new.mizan": []}
    assert loaded.all_diagnostics() == []


def test_file_diagnostics_carry_their_path(tmp_path: Path) -> None:
    write(tmp_path, {"a.mizan": 'type T { field x "str }\n'})
    loaded = load_workspace([tmp_path / "a.mizan"])
    found = loaded.all_diagnostics()
    assert {d.code for d in found} >= {"M101", "K002"}
    assert {d.path for d in found} == {normalise(tmp_path / "a.mizan")}


def test_invalid_utf8_becomes_k001_at_the_right_offset(tmp_path: Path) -> None:
    (tmp_path / "a.mizan").write_bytes(b'mizan 1\ntype T { doc "caf\xe9"; }\n')
    loaded = load_workspace([tmp_path / "a.mizan"])
    source = loaded.files[normalise(tmp_path / "a.mizan")]
    [bad] = [d for d in source.diagnostics if d.code == "K001"]
    assert source.text[bad.span.start] == "\ufffd"


def test_utf16_and_binary_files_give_few_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "u16.mizan").write_bytes("mizan 1\n".encode("utf-16"))
    (tmp_path / "bin.mizan").write_bytes(bytes(range(128, 256)) * 10)
    got = read_source(str(tmp_path / "u16.mizan"))
    assert [d.message for d in got[1]] == ["the file is UTF-16 encoded; .mizan files are UTF-8"]
    _text, found = read_source(str(tmp_path / "bin.mizan"))
    assert len(found) == workspace.MAX_BYTE_PROBLEMS + 1
    assert "more invalid UTF-8 bytes" in found[-1].message


def test_unreadable_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a.mizan": imports("b.mizan"), "b.mizan": HEAD})
    real = workspace._read_bytes

    def refuse(path: str) -> bytes:
        if Path(path).name == "b.mizan":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(workspace, "_read_bytes", refuse)
    loaded = load_workspace([tmp_path / "a.mizan"])
    assert [(d.code, d.message) for d in loaded.diagnostics] == [
        ("M001", "cannot read 'b.mizan': Permission denied")]


def test_load_file_reuses_unchanged_files() -> None:
    first = load_file("/x/cache-test.mizan", HEAD + "type A { }\n")
    assert load_file("/x/cache-test.mizan", HEAD + "type A { }\n") is first
    changed = load_file("/x/cache-test.mizan", HEAD + "type B { }\n")
    assert changed is not first and changed.decls.types[0].name.text == "B"
    assert load_file("/y/cache-test.mizan", HEAD + "type A { }\n") is not first


@pytest.mark.skipif(os.sep != "/", reason="the one-lstat path is POSIX only")
def test_import_keys_resolve_links_as_realpath_does(tmp_path: Path) -> None:
    """`Disk.key_in` takes a shortcut for a plain file name in a resolved folder; it
    must give what resolving the whole path gives, links and all."""
    write(tmp_path, {"real/b.mizan": HEAD, "real/sub/c.mizan": HEAD})
    os.symlink(tmp_path / "real" / "b.mizan", tmp_path / "real" / "link.mizan")
    os.symlink("b.mizan", tmp_path / "real" / "relative.mizan")
    os.symlink(tmp_path / "real" / "sub", tmp_path / "real" / "dirlink")
    os.symlink("loop.mizan", tmp_path / "real" / "loop.mizan")
    os.symlink(tmp_path / "nowhere.mizan", tmp_path / "real" / "dangling.mizan")
    folder = normalise(tmp_path / "real")
    written = ["b.mizan", "link.mizan", "relative.mizan", "missing.mizan", "sub", "dirlink",
               "loop.mizan", "dangling.mizan", "sub/c.mizan", "dirlink/c.mizan", "../real/b.mizan",
               "./b.mizan", ".", "..", str(tmp_path / "real" / "link.mizan")]
    for name in written:
        assert workspace.DISK.key_in(folder, name) == normalise(os.path.join(folder, name)), name
    assert workspace.DISK.key_in(folder, "link.mizan") == f"{folder}/b.mizan"
