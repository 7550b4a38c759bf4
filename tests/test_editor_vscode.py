"""The VS Code extension in editors/vscode builds, its tests pass, and it packages into a .vsix.

These run the real toolchain (npm, tsc, vscode-tmgrammar-test, vsce). They need Node.js and
npm; without them they fail with a message saying so rather than skip, because CI has both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "editors" / "vscode"
GRAMMAR = EXTENSION / "syntaxes" / "mizan.tmLanguage.json"


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "npm is not installed: the VS Code extension tests need Node.js 20 or later "
            "with npm on PATH",
            pytrace=False,
        )
    return npm


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run a command in editors/vscode; fail the test with its output if it fails."""
    env = dict(os.environ, npm_config_fund="false", npm_config_audit="false")
    result = subprocess.run(
        list(args), check=False, cwd=EXTENSION, capture_output=True, text=True,
        timeout=timeout, env=env,
    )
    if result.returncode != 0:
        shown = " ".join([Path(args[0]).name, *args[1:]])
        pytest.fail(
            f"`{shown}` exited {result.returncode}\n--- stdout\n{result.stdout}"
            f"\n--- stderr\n{result.stderr}",
            pytrace=False,
        )
    return result


@pytest.fixture(scope="module")
def built() -> str:
    """Install the locked dependencies and compile the TypeScript; returns npm's path.

    `npm ci` runs when node_modules is missing or older than package-lock.json."""
    npm = _npm()
    installed = EXTENSION / "node_modules" / ".package-lock.json"
    lock = EXTENSION / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        _run(npm, "ci", "--no-audit", "--no-fund")
    _run(npm, "run", "compile")
    return npm


def test_dev_dependencies_are_pinned_to_exact_versions() -> None:
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    pinned = {**manifest["dependencies"], **manifest["devDependencies"]}
    loose = {name: spec for name, spec in pinned.items() if not spec[:1].isdigit()}
    assert loose == {}, f"pin exact versions, not ranges: {loose}"
    lock = json.loads((EXTENSION / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"][""]
    assert locked["dependencies"] == manifest["dependencies"]
    assert locked["devDependencies"] == manifest["devDependencies"]


def test_typescript_compiles_to_the_entry_point(built: str) -> None:
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    assert (EXTENSION / manifest["main"]).resolve() == EXTENSION / "out" / "extension.js"
    assert (EXTENSION / "out" / "extension.js").is_file()


def test_server_command_unit_tests_pass(built: str) -> None:
    result = _run(built, "run", "test:unit")
    assert "# fail 0" in result.stdout


def test_grammar_is_generated_from_its_script_and_its_tests_pass(built: str) -> None:
    # `test:grammar` first checks the committed JSON against scripts/build-grammar.mjs.
    result = _run(built, "run", "test:grammar")
    fixtures = sorted(p.name for p in (EXTENSION / "test" / "grammar").glob("*.mizan"))
    assert fixtures, "no grammar test fixtures"
    for name in fixtures:
        assert f"test/grammar/{name} run successfuly" in result.stdout, result.stdout


def test_extension_packages_into_a_vsix_with_grammar_and_client(built: str, tmp_path: Path) -> None:
    vsix = tmp_path / "mizan.vsix"
    npx = shutil.which("npx") or pytest.fail("npx is missing (it comes with npm)", pytrace=False)
    _run(npx, "--no-install", "vsce", "package", "--allow-missing-repository", "--out", str(vsix))
    assert vsix.is_file()

    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        assert "extension/out/extension.js" in names
        assert "extension/language-configuration.json" in names
        assert "extension/node_modules/vscode-languageclient/package.json" in names
        packaged_grammar = archive.read("extension/syntaxes/mizan.tmLanguage.json")
        manifest = json.loads(archive.read("extension/package.json"))
        vsix_manifest = archive.read("extension.vsixmanifest").decode("utf-8")

    assert packaged_grammar == GRAMMAR.read_bytes()
    assert json.loads(packaged_grammar)["scopeName"] == "source.mizan"
    assert not any(name.startswith(("extension/src/", "extension/test/", "extension/out/test/"))
                   for name in names), sorted(names)

    contributes = manifest["contributes"]
    assert contributes["languages"][0]["id"] == "mizan"
    assert contributes["languages"][0]["extensions"] == [".mizan"]
    assert contributes["grammars"][0]["scopeName"] == "source.mizan"
    assert {c["command"] for c in contributes["commands"]} >= {"mizan.restartServer"}
    # Every command the language server puts in code lenses is one the extension runs.
    from mizan_lang.lsp.features.hints import SHOW_USERS

    assert SHOW_USERS in {c["command"] for c in contributes["commands"]}
    compiled = (EXTENSION / "out" / "extension.js").read_text()
    assert f"registerCommand('{SHOW_USERS}'" in compiled or f'registerCommand("{SHOW_USERS}"' in compiled
    assert set(contributes["configuration"]["properties"]) == {
        "mizan.server.path", "mizan.server.args", "mizan.trace.server"}
    assert manifest["activationEvents"] == ["onLanguage:mizan"]
    assert 'Id="mizan-lang"' in vsix_manifest
