"""The JavaScript toolchain the client tests drive: npm, tsc, prettier, node.

The packages are pinned in the repository's package.json (installed with
`npm ci` at the root when node_modules is missing or older than the lock).
The root package.json has the TypeScript runtime package (runtimes/ts,
`@mizan-lang/runtime`) as its workspace: `npm ci` links it into
node_modules, and ensure_node_modules() builds its dist/ (with its own
tsc config) when it is missing or older than its sources. Generated
clients are written under `.cache/clients/<name>/` inside the checkout so
that their imports of the runtime, react, vue or svelte resolve to the
root node_modules. Without Node.js the tests fail with a message saying so
rather than skip: CI has it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "runtimes" / "ts"
NODE_MODULES = ROOT / "node_modules"
BIN = NODE_MODULES / ".bin"
CACHE = ROOT / ".cache" / "clients"

# The compiler settings every generated client must pass: `--strict` and a
# modern ESM target (int64 values are bigints).
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "target": "ES2022",
        "module": "ESNext",
        "moduleResolution": "Bundler",
        "lib": ["ES2022", "DOM", "DOM.Iterable"],
        "jsx": "react-jsx",
        "skipLibCheck": True,
        "noEmitOnError": True,
        "forceConsistentCasingInFileNames": True,
        "verbatimModuleSyntax": True,
    },
}


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: the client tests need Node.js 20.19 or later "
                    "with npm on PATH", pytrace=False)
    return found


def run(args: list[str], *, cwd: Path = ROOT, timeout: float = 600,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output when it exits non-zero."""
    full_env = dict(os.environ, npm_config_fund="false", npm_config_audit="false",
                    NO_COLOR="1", **(env or {}))
    result = subprocess.run(args, check=False, cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=full_env)
    if result.returncode != 0:
        shown = " ".join([Path(args[0]).name, *args[1:]])
        pytest.fail(f"`{shown}` exited {result.returncode} in {cwd}\n--- stdout\n"
                    f"{result.stdout}\n--- stderr\n{result.stderr}", pytrace=False)
    return result


def ensure_node_modules() -> None:
    """`npm ci` at the root unless node_modules matches package-lock.json;
    then the runtime package's dist/ built unless current."""
    installed = NODE_MODULES / ".package-lock.json"
    lock = ROOT / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        run([tool("npm"), "ci", "--no-audit", "--no-fund"])
    ensure_runtime_built()


def ensure_runtime_built() -> None:
    """`tsc -p runtimes/ts` when dist/ is older than a source or its config."""
    built = RUNTIME / "dist" / "server.js"
    sources = [*(RUNTIME / "src").glob("*.ts"), RUNTIME / "tsconfig.json",
               RUNTIME / "package.json"]
    newest = max(path.stat().st_mtime for path in sources)
    if not built.exists() or built.stat().st_mtime < newest:
        run([tool("node"), str(BIN / "tsc"), "-p", str(RUNTIME / "tsconfig.json")], cwd=RUNTIME)


def fresh_dir(name: str) -> Path:
    """An empty folder `.cache/clients/<name>` inside the checkout."""
    folder = CACHE / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def tsc_strict(folder: Path, *, out_dir: Path | None = None) -> None:
    """Type-check every .ts/.tsx file under `folder` with `--strict`; with
    `out_dir`, also emit JavaScript there (ES modules Node can run)."""
    config = json.loads(json.dumps(TSCONFIG))
    options = config["compilerOptions"]
    if out_dir is None:
        options["noEmit"] = True
    else:
        options["outDir"] = str(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "package.json").write_text('{"type": "module"}\n')
    config["include"] = ["**/*.ts", "**/*.tsx"]
    (folder / "tsconfig.json").write_text(json.dumps(config, indent=2) + "\n")
    run([tool("node"), str(BIN / "tsc"), "-p", str(folder / "tsconfig.json")], cwd=folder)


def prettier_check(folder: Path, pattern: str = "**/*.ts") -> None:
    """Fail unless every file matching `pattern` is exactly as prettier writes it."""
    run([tool("node"), str(BIN / "prettier"), "--check", "--no-config", "--no-editorconfig",
         pattern], cwd=folder)


def node(script: Path, *args: str, cwd: Path | None = None, timeout: float = 300,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run([tool("node"), str(script), *args], cwd=cwd or script.parent, timeout=timeout,
               env=env)
