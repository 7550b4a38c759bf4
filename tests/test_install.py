"""`pip install .` (not editable) gives a working `mizan-lang` on its own.

The slow test builds a wheel from the checkout, installs it into a fresh
virtualenv (dependencies from the package index, as CI gets them) and runs
the installed command from a folder outside the repository, so nothing can
come from the checkout. Marked `install`; it takes ~30-60 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import time
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _setuptools_config() -> dict:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]


def _packages_under(folder: Path, name: str) -> set[str]:
    found = set()
    for init in folder.rglob("__init__.py"):
        parts = init.parent.relative_to(folder).parts
        if "__pycache__" not in parts and "node_modules" not in parts:
            found.add(".".join((name, *parts)))
    return found


def test_every_package_is_declared_in_pyproject() -> None:
    """A subpackage missing from pyproject.toml is missing from the wheel:
    every package under mizan_lang/ and under each folder mapped into it
    (`[tool.setuptools.package-dir]`, e.g. lsp/ -> mizan_lang.lsp)."""
    config = _setuptools_config()
    found = _packages_under(REPO / "mizan_lang", "mizan_lang")
    for package, folder in config.get("package-dir", {}).items():
        found |= _packages_under(REPO / folder, package)
    declared = set(config["packages"])
    assert found - declared == set(), "add these to [tool.setuptools] packages"
    assert {"mizan_lang", "mizan_lang.grammar"} <= declared


def test_checkout_packages_are_the_mapped_folders() -> None:
    """The folders a checkout's tool fingerprint covers beside mizan_lang/
    (`mizan_lang.CHECKOUT_PACKAGES`) are those the wheel packages inside it."""
    import mizan_lang

    mapped = {folder.split("/")[0] for folder in _setuptools_config()["package-dir"].values()}
    assert set(mizan_lang.CHECKOUT_PACKAGES) == mapped


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PIP_TARGET", "PIP_PREFIX")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, check=False, cwd=cwd, env=_clean_env(), capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.install
def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
                  str(wheels), str(REPO)], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("mizan_lang-0.1.0-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    command = env_dir / "bin" / "mizan-lang"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    version = _run([str(command), "--version"], cwd=outside)
    assert (version.returncode, version.stdout) == (0, "mizan-lang 0.1.0\n")

    where = _run([str(python), "-c", "import mizan_lang; print(mizan_lang.__file__)"], cwd=outside)
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout

    checked = _run([str(command), "check", str(REPO / "examples" / "shop")], cwd=outside)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stderr.startswith("0 errors")

    ir = _run([str(command), "ir", str(REPO / "examples" / "shop")], cwd=outside)
    assert ir.returncode == 0, ir.stderr
    assert ir.stdout.startswith("mizan 1\n")

    # Installed again (pip writes every file anew, with new mtimes): the tool
    # fingerprint, and so every result cache entry of the first install, holds.
    fingerprint = [str(python), "-c",
                   "from mizan_lang import result_cache; print(result_cache.tool_fingerprint())"]
    first = _run(fingerprint, cwd=outside)
    module = Path(where.stdout.strip()).parent / "checked.py"
    stamp = module.stat().st_mtime_ns
    time.sleep(0.01)
    again = _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
                  str(wheel)], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert module.stat().st_mtime_ns != stamp
    second = _run(fingerprint, cwd=outside)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert len(first.stdout.strip()) == 32 and second.stdout == first.stdout
