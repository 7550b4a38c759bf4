"""`breaking --against REV`: a revision's files, read from git into memory.

The revision's workspace must be the one a checkout of it would load (the
same files, texts and diagnostics: imports, links, hidden folders, bad bytes,
missing files), reports show the working-tree paths, and each bad input is a
message, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mizan_lang.review.revision import base_folder, find_toplevel
from mizan_lang.review.sides import SideError, prepare_git
from mizan_lang.workspace import LoadedWorkspace, load_workspace

REPO = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]

POINT = 'mizan 1\n\nimport "../../shared/money.mizan"\n\ntype Point {\n    field x int\n    field y int\n}\n'
MONEY = "mizan 1\n\ntype Money {\n    field amount int\n    field cents int\n}\n"
MAIN = ('mizan 1\n\nimport "types/point.mizan"\nimport "money/money.mizan"\n\n'
        "fn origin returns=Point\nfn price returns=Money\n")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _repo(tmp_path: Path, files: dict[str, str | bytes],
          links: dict[str, str] | None = None) -> Path:
    """A repository whose `main` holds `files` and the symbolic `links` (name -> target)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", "-b", "main", cwd=repo)
    _write(repo, files)
    for name, target in (links or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, repo / name)
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "-m", "spec", cwd=repo)
    return repo


def _spec_repo(tmp_path: Path) -> Path:
    """Imports within the spec folder, out of it, and through a link to a folder;
    a file that is a link; a hidden folder a folder root skips."""
    return _repo(tmp_path, {"spec/main.mizan": MAIN, "spec/types/point.mizan": POINT,
                            "shared/money.mizan": MONEY, "spec/.drafts/draft.mizan": "fn {{{\n",
                            "notes.txt": "not a spec\n"},
                 {"spec/money": "../shared", "spec/linked.mizan": "types/point.mizan"})


def _mizan(*args: str, cwd: Path, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    run_env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "MIZAN_CACHE": "off",
               **(env or {})}
    return subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=cwd, env=run_env,
                          capture_output=True, text=True, check=False)


def _summary(workspace: LoadedWorkspace, base: str) -> tuple:
    """A workspace with its paths relative to `base`: what must not depend on
    where its files were read from."""

    def rel(path: str) -> str:
        return os.path.relpath(path, base) if path.startswith(base + "/") else path

    return ([rel(path) for path in workspace.roots],
            {rel(path): source.text for path, source in workspace.files.items()},
            [(d.code, d.message.replace(base, "<base>"), d.span, rel(d.path), d.data)
             for d in workspace.all_diagnostics()])


def _checkout(repo: Path, into: Path) -> Path:
    """The files of `main`, written out (links as links) by git itself."""
    into.mkdir()
    archive = subprocess.run(["git", "archive", "main"], cwd=repo, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


@pytest.mark.parametrize("roots", [["spec"], ["spec/main.mizan", "shared"], ["."],
                                   ["spec/linked.mizan"]], ids="+".join)
@pytest.mark.parametrize("extra", ["clean", "problems"])
def test_revision_loads_as_its_checkout(roots: list[str], extra: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    files: dict[str, str | bytes] = {
        "spec/main.mizan": MAIN, "spec/types/point.mizan": POINT, "shared/money.mizan": MONEY,
        "spec/.drafts/draft.mizan": "fn {{{\n", "notes.txt": "not a spec\n"}
    if extra == "problems":
        files["spec/main.mizan"] = MAIN + (
            'import "types/pont.mizan"\n'  # missing: a similar name is suggested
            'import "types"\n'  # a folder
            'import "cycle/a.mizan"\n'
            'import "types/point.mizan"\n'  # twice
            'import "bytes.mizan"\n'
            'import "../../outside.mizan"\n')  # out of the repository: on disk
        files["spec/cycle/a.mizan"] = 'mizan 1\nimport "b.mizan"\n'
        files["spec/cycle/b.mizan"] = 'mizan 1\nimport "a.mizan"\n'
        files["spec/bytes.mizan"] = b"mizan 1\n// caf\xe9 \xff\xfe\nfn ok\n"
    repo = _repo(tmp_path, files, {"spec/money": "../shared", "spec/linked.mizan":
                                   "types/point.mizan", "spec/dangling.mizan": "gone.mizan"})
    # The working tree differs from the revision: nothing of it may be read.
    _write(repo, {"spec/main.mizan": "mizan 1\nfn other\n", "spec/types/pont.mizan": POINT,
                  "spec/new.mizan": "mizan 1\n"})
    (tmp_path / "outside.mizan").write_text("mizan 1\ntype Outside {\n    field x int\n}\n",
                                            encoding="utf-8")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("MIZAN_CACHE", "off")
    pending = prepare_git("main", roots)
    checkout = _checkout(repo, tmp_path / "checkout")
    expected = load_workspace([str(checkout / root) for root in roots])
    found = _summary(pending.workspace, base_folder(os.path.realpath(repo)))
    assert found == _summary(expected, str(checkout))
    if extra == "problems" and roots != ["spec/linked.mizan"]:
        codes = {code for code, *_ in found[2]}
        assert {"M002", "M003", "M004", "M005", "K001"} <= codes, codes
        assert str(tmp_path / "outside.mizan") in found[1]
    # Shown at the working tree's paths.
    assert {pending.show(path) for path in pending.workspace.files} >= {
        "spec/types/point.mizan", "shared/money.mizan"}


def _edit_spec(repo: Path) -> None:
    """Remove a field in a file of the spec folder and one in a file it imports
    from outside it."""
    _write(repo, {"spec/types/point.mizan": POINT.replace("    field y int\n", ""),
                  "shared/money.mizan": MONEY.replace("    field cents int\n", "")})


def test_against_follows_imports_and_links(tmp_path: Path) -> None:
    repo = _spec_repo(tmp_path)
    _edit_spec(repo)
    done = _mizan("breaking", "--against", "main", "spec", cwd=repo)
    assert (done.returncode, done.stdout) == (1, (
        "shared/money.mizan:5:11: breaking B104: field 'cents' of type 'Money' was removed"
        " (old spec)\n"
        "spec/types/point.mizan:7:11: breaking B104: field 'y' of type 'Point' was removed"
        " (old spec)\n")), done.stdout + done.stderr
    # From a sub-folder, and with the result cache (stored, then found by blob ids).
    assert _mizan("breaking", "--against", "main", ".", cwd=repo / "spec").stdout == \
        done.stdout.replace("spec/", "").replace("shared/", f"{os.path.realpath(repo)}/shared/")
    cache = {"MIZAN_CACHE": "on", "MIZAN_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):
        again = _mizan("breaking", "--against", "main", "spec", cwd=repo, env=cache)
        assert (again.returncode, again.stdout, again.stderr) == (
            done.returncode, done.stdout, done.stderr)


def test_repository_found_as_git_finds_it(tmp_path: Path) -> None:
    repo = _spec_repo(tmp_path)
    _edit_spec(repo)
    expected = _mizan("breaking", "--against", "main", "spec", cwd=repo)
    assert expected.returncode == 1
    # Outside the repository: the path's repository, paths shown in full.
    outside = _mizan("breaking", "--against", "main", str(repo / "spec"), cwd=tmp_path)
    assert outside.stdout == expected.stdout.replace("shared/", "repo/shared/").replace(
        "spec/", "repo/spec/")
    # With GIT_DIR and GIT_WORK_TREE, and from a linked worktree of another branch.
    env = {"GIT_DIR": str(repo / ".git"), "GIT_WORK_TREE": str(repo)}
    assert _mizan("breaking", "--against", "main", "spec", cwd=repo, env=env).stdout == \
        expected.stdout
    _git("worktree", "add", "-q", "-b", "other", str(tmp_path / "linked"), cwd=repo)
    _edit_spec(tmp_path / "linked")
    linked = _mizan("breaking", "--against", "main", "spec", cwd=tmp_path / "linked")
    assert linked.stdout == expected.stdout


def test_find_toplevel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _spec_repo(tmp_path)
    real = os.path.realpath(repo)
    assert find_toplevel(str(repo / "spec" / "types")) == real
    assert find_toplevel(str(tmp_path)) is None
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    assert find_toplevel(str(repo)) is None  # git is asked
    monkeypatch.delenv("GIT_DIR")
    _git("config", "core.worktree", str(tmp_path), cwd=repo)
    assert find_toplevel(str(repo)) is None


def test_bad_revisions_and_paths(tmp_path: Path) -> None:
    repo = _spec_repo(tmp_path)
    _write(repo, {"spec/new.mizan": "mizan 1\nfn fresh\n"})

    def error(*args: str, cwd: Path = repo) -> str:
        done = _mizan("breaking", "--against", *args, cwd=cwd)
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert "Traceback" not in done.stderr
        return done.stderr

    # A file only in the working tree; in a folder, it is an addition.
    assert error("main", "spec/new.mizan") == (
        "mizan-lang: error: 'spec/new.mizan' does not exist at revision 'main'\n")
    assert _mizan("breaking", "--against", "main", "spec", cwd=repo).returncode == 0
    assert error("no-such", "spec") == "mizan-lang: error: unknown revision 'no-such'\n"
    assert error("--help", "spec") == "mizan-lang: error: unknown revision '--help'\n"
    # A blob, not a commit.
    blob = _git("rev-parse", "main:spec/main.mizan", cwd=repo).strip()
    assert error(blob, "spec") == f"mizan-lang: error: unknown revision '{blob}'\n"
    # The revision comes first, then a path outside the repository.
    assert error("no-such", str(tmp_path)) == "mizan-lang: error: unknown revision 'no-such'\n"
    assert "is outside the git repository at" in error("main", str(tmp_path))
    plain = tmp_path / "plain"
    plain.mkdir()
    assert error("main", ".", cwd=plain) == "mizan-lang: error: '.' is not inside a git repository\n"
    # A submodule at the revision: its files are not the revision's.
    commit = _git("rev-parse", "main", cwd=repo).strip()
    _git("update-index", "--add", "--cacheinfo", f"160000,{commit},vendor", cwd=repo)
    _git("commit", "-q", "-m", "vendor", cwd=repo)
    _write(repo, {"vendor/lib.mizan": "mizan 1\n"})
    assert error("main", "vendor") == (
        "mizan-lang: error: 'vendor' does not exist at revision 'main'\n")


def test_revision_with_errors(tmp_path: Path) -> None:
    repo = _spec_repo(tmp_path)
    _write(repo, {"spec/types/point.mizan": POINT + "fn broken returns=Nope\n"})
    _git("commit", "-q", "-am", "broken", cwd=repo)
    _write(repo, {"spec/types/point.mizan": POINT})
    done = _mizan("breaking", "--against", "main", "spec", cwd=repo)
    assert (done.returncode, done.stdout) == (1, "")
    assert "spec/types/point.mizan:9:" in done.stderr and "Nope" in done.stderr
    assert done.stderr.endswith(
        "mizan-lang: error: the old (main) spec has errors; nothing was compared\n")
    assert "mizan-revision" not in done.stderr and "Traceback" not in done.stderr


def test_unchanged_files_are_not_read_from_git(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Files the working tree holds with the revision's bytes are read there
    (their blob ids match); git is asked for the others, and the contents are
    the revision's either way."""
    from mizan_lang.review import revision

    repo = _spec_repo(tmp_path)
    _edit_spec(repo)  # point.mizan and money.mizan changed
    (repo / "spec" / "main.mizan").unlink()
    draft = repo / "spec" / ".drafts" / "draft.mizan"
    draft.unlink()
    os.mkfifo(draft)  # never opened: reading it would wait for a writer
    monkeypatch.chdir(repo)
    files, links = revision.list_files(str(repo), "main")
    asked: list[bytes] = []
    real = revision.git

    def git(args: list[str], cwd: str, stdin: bytes | None = None) -> bytes:
        if args[0] == "cat-file":
            asked.append(stdin or b"")
        return real(args, cwd, stdin)

    monkeypatch.setattr(revision, "git", git)
    contents = revision.read_files(str(repo), files, links)
    expected = {name: _git("cat-file", "blob", sha, cwd=repo).encode() for name, sha in files}
    assert {name: contents[name] for name, _ in files} == expected
    ids = dict(files + links)
    names = ["shared/money.mizan", "spec/.drafts/draft.mizan", "spec/main.mizan",
             "spec/types/point.mizan", "spec/linked.mizan", "spec/money"]
    assert asked == [b"".join(ids[name].encode() + b"\n" for name in names)]
