"""Where teams run it: the pre-commit hooks, run by `pre-commit try-repo`
itself against a sample project, and the GitHub Action's steps, run as bash
scripts in a sample repository (everything but setup-python and the install)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "examples" / "shop"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
CONFIG = 'roots = ["spec"]\n\n[targets.fastapi]\nout = "api"\n'


def git(*args: str, cwd: Path) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def mizan_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose `mizan-lang` runs this checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "mizan-lang"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mizan_lang "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "NO_COLOR": "1"}


def sample_project(root: Path, env: dict[str, str]) -> Path:
    (root / "spec").mkdir(parents=True)
    for path in SHOP.glob("*.mizan"):
        shutil.copy(path, root / "spec" / path.name)
    (root / "mizan.toml").write_text(CONFIG, encoding="utf-8")
    subprocess.run(["mizan-lang", "gen"], cwd=root, env=env, check=True, capture_output=True)
    git("init", "-q", "-b", "main", cwd=root)
    git("add", ".", cwd=root)
    git("commit", "-q", "-m", "sample", cwd=root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- pre-commit ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout (as the working tree has it) committed in a scratch repo, so
    pre-commit installs the hooks' environment once for the module."""
    copy = tmp_path_factory.mktemp("hooks") / "mizan-lang"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file() and not name.startswith(("stubs/", "tests/", "bench/", "editors/")):
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    git("init", "-q", "-b", "main", cwd=copy)
    git("add", ".", cwd=copy)
    git("commit", "-q", "-m", "hooks", cwd=copy)
    return copy


def pre_commit(hooks: Path, hook: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # the hooks run the package pre-commit installed
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook,
                           "--ref", "HEAD", "--all-files", "--color", "never"], cwd=cwd,
                          env=env, capture_output=True, text=True, check=False, timeout=900)


def test_pre_commit_hooks(tmp_path: Path, hooks_repo: Path) -> None:
    home = hooks_repo.parent / "pre-commit-home"
    project = sample_project(tmp_path / "project", mizan_on_path(tmp_path))
    for hook in ("mizan-check", "mizan-gen-check", "mizan-fmt"):
        done = pre_commit(hooks_repo, hook, project, home)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Passed" in done.stdout
    spec = project / "spec" / "backoffice.mizan"
    edit(spec, "    param delta int\n", "    param delta  int\n")  # formatting only
    done = pre_commit(hooks_repo, "mizan-fmt", project, home)
    assert done.returncode == 1 and "files were modified by this hook" in done.stdout
    assert "    param delta int\n" in spec.read_text(encoding="utf-8")
    edit(spec, "    param delta int\n", "")  # the generated server is now stale
    done = pre_commit(hooks_repo, "mizan-gen-check", project, home)
    assert done.returncode == 1 and "api/service.py: stale" in done.stdout
    edit(spec, "returns=StockLevel", "returns=StockLevl")
    done = pre_commit(hooks_repo, "mizan-check", project, home)
    assert done.returncode == 1
    assert "error M201: unknown type 'StockLevl'" in done.stdout


# --- the GitHub Action -----------------------------------------------------------------


def action_steps() -> dict[str, dict[str, object]]:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    return {step.get("name", step.get("uses")): step for step in action["runs"]["steps"]}


def run_step(step: dict[str, object], cwd: Path, env: dict[str, str]) -> \
        subprocess.CompletedProcess[str]:
    assert step["shell"] == "bash"
    step_env = {**env, **{key: str(value) for key, value in step.get("env", {}).items()}}
    return subprocess.run(["bash", "-e", "-c", str(step["run"])], cwd=cwd, env=step_env,
                          capture_output=True, text=True, check=False)


def _cache_env(steps: dict[str, dict[str, object]], tmp_path: Path) -> dict[str, str]:
    """What the action's cache steps give the later steps (a home of its own)."""
    home = tmp_path / "runner-home"
    github_env = tmp_path / "github-env"
    located = run_step(steps["Locate the result cache"], tmp_path,
                       {**os.environ, "HOME": str(home), "GITHUB_ENV": str(github_env)})
    assert located.returncode == 0, located.stderr
    name, _, value = github_env.read_text(encoding="utf-8").strip().partition("=")
    assert name == "MIZAN_CACHE_DIR"
    cached = steps["Restore the result cache"]
    assert cached["uses"] == "actions/cache@v4" and cached["if"] == "inputs.cache == 'true'"
    kept = Path(str(cached["with"]["path"]).replace("~", str(home), 1))
    assert Path(value).is_relative_to(kept)
    return {"MIZAN_CACHE_DIR": value}


def test_action_steps_on_a_pull_request(tmp_path: Path) -> None:
    steps = action_steps()
    assert steps["Install mizan-lang"]["run"] == 'python -m pip install --quiet "$GITHUB_ACTION_PATH"'
    env = mizan_on_path(tmp_path)
    project = sample_project(tmp_path / "project", env)
    summary = tmp_path / "summary.md"
    # A pull request that removes a param and regenerates: check and gen pass,
    # the breaking report fails with an annotation on the removed line.
    edit(project / "spec" / "backoffice.mizan", "    param delta int\n", "")
    subprocess.run(["mizan-lang", "gen"], cwd=project, env=env, check=True, capture_output=True)
    env = {**env, "GITHUB_STEP_SUMMARY": str(summary), **_cache_env(steps, tmp_path)}
    assert run_step(steps["mizan-lang check"], project, env).returncode == 0
    # The folder actions/cache keeps between runs is the one the check wrote to.
    assert list(Path(env["MIZAN_CACHE_DIR"]).glob("*.json"))
    assert run_step(steps["mizan-lang gen --check"], project, env).returncode == 0
    breaking = dict(steps["mizan-lang breaking"])
    breaking["env"] = {"AGAINST": "main", "FAIL_ON": "breaking"}
    done = run_step(breaking, project, env)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error file=spec/backoffice.mizan,line=")
    assert "title=B107 param-removed::param 'delta' of 'adjust_stock' was removed" in done.stdout
    assert "| B107 param-removed |" in summary.read_text(encoding="utf-8")
    # Outside a pull request there is nothing to compare with.
    breaking["env"] = {"AGAINST": "", "FAIL_ON": "breaking"}
    skipped = run_step(breaking, project, env)
    assert skipped.returncode == 0 and "breaking report skipped" in skipped.stdout
    # A stale target fails the gen step.
    edit(project / "spec" / "backoffice.mizan", "    param reason str? default=#null\n", "")
    assert run_step(steps["mizan-lang gen --check"], project, env).returncode == 1
