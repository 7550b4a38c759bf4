"""The Rust toolchain the Rust tests drive: one Cargo workspace (the root
Cargo.toml and its committed Cargo.lock) and one target directory reused
between runs, outside the clone, so a warm run rebuilds only what changed.

`.ci/run` makes sure cargo, rustfmt and clippy exist and exports
CARGO_TARGET_DIR; a developer running pytest directly gets the same default.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conformance.targets import cargo_target_dir

REPO = Path(__file__).resolve().parents[2]
RUNTIME = REPO / "runtimes" / "rust"


def target_dir() -> str:
    return cargo_target_dir()


def cargo_env() -> dict[str, str]:
    env = dict(os.environ)
    env["CARGO_TARGET_DIR"] = target_dir()
    env.setdefault("CARGO_TERM_COLOR", "never")
    return env


def cargo() -> str:
    found = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    assert Path(found).exists(), "cargo is needed (bash .ci/run installs it with rustup)"
    return found


def run_cargo(
    *args: str, cwd: Path = REPO, timeout: float = 1800
) -> subprocess.CompletedProcess[str]:
    """Run cargo; fail the test with its output when it fails."""
    done = subprocess.run(
        [cargo(), *args], cwd=cwd, env=cargo_env(), capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    assert done.returncode == 0, f"cargo {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done
