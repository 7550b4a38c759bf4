"""`mizan-lang gen --target tauri`: the generated crate has the Axum target's
types, service trait and registry byte for byte (one implementation serves
both), compiles with the conformance fixture's Rust implementation, and
`cargo test` drives its commands through Tauri's mock runtime
(conformance/tauri/tests/commands.rs): malformed payloads, wrong paths,
forged tokens and oversized bodies get the HTTP endpoints' coded errors and
nothing panics; invalidations are pushed to the other windows. The probes
of every applicable capability run against it in tests/test_conformance.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.targets import rust_workspace

from .toolchain import REPO, run_cargo

FIXTURE = REPO / "conformance" / "fixture.mizan"
SHARED = ("src/types.rs", "src/service.rs", "src/registry.rs", "src/spec.rs")


def gen(spec: Path, out: Path, target: str = "tauri", *extra: str) -> None:
    command = [sys.executable, "-m", "mizan_lang", "gen", str(spec), "--target", target,
               "--out", str(out), *extra]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tauri")
    gen(FIXTURE, folder / "fixture_api")
    rust_workspace(folder, "tauri")
    return folder


def test_the_commands_hold_under_tauris_mock_runtime(workspace: Path) -> None:
    done = run_cargo("test", "-p", "fixture-tauri", cwd=workspace)
    output = done.stdout + done.stderr
    for name in ("a_call_answers_the_envelope", "malformed_payloads_get_the_http_codes",
                 "an_oversized_body_is_payload_too_large", "random_payloads_and_headers_never_panic",
                 "a_bad_channel_is_refused_without_a_panic",
                 "invalidations_are_pushed_to_the_other_windows"):
        assert f"{name} ... ok" in output, output
    assert not re.search(r"test result: FAILED|[1-9]\d* failed", output)


def test_the_crate_is_formatted_and_clippy_clean(workspace: Path) -> None:
    run_cargo("fmt", "--all", "--check", cwd=workspace)
    run_cargo("clippy", "-p", "fixture_api", "--", "-D", "warnings", cwd=workspace)


def test_the_service_modules_are_the_axum_targets(tmp_path: Path) -> None:
    gen(FIXTURE, tmp_path / "tauri" / "fixture_api")
    gen(FIXTURE, tmp_path / "axum" / "fixture_api", "axum")
    for name in SHARED:
        tauri = (tmp_path / "tauri" / "fixture_api" / name).read_text("utf-8")
        axum = (tmp_path / "axum" / "fixture_api" / name).read_text("utf-8")
        # The same bytes but for the target's name: in the header, and in the
        # service trait's doc naming the scaffold command of the crate's target.
        assert tauri.replace("(target tauri)", "(target axum)", 1).replace(
            "scaffold --target tauri`", "scaffold --target axum`") == axum, name
        assert "--target axum" not in tauri, name
    service = (tmp_path / "tauri" / "fixture_api" / "src" / "service.rs").read_text("utf-8")
    assert "(`mizan-lang scaffold --target tauri` writes" in service
    gen(FIXTURE, tmp_path / "tauri" / "fixture_api", "tauri", "--check")
    manifest = (tmp_path / "tauri" / "fixture_api" / "Cargo.toml").read_text("utf-8")
    assert 'tauri = { version = "=2.12.7", default-features = false }' in manifest
