"""The Rust runtime crate (runtimes/rust, `mizan-runtime`).

`cargo test` replays every file of protocol/vectors/ (tests/vectors.rs) and
holds the bundle cache to its contract in memory and on a real redis-server
(tests/cache.rs); random and mutated request data never panics it (tests/hostile.rs). The crate is rustfmt-formatted and clippy-clean with
warnings denied, and never panics on what a request controls: no `unsafe`
(forbidden in Cargo.toml) and no `unwrap()`/`expect()` (denied by clippy).
"""

from __future__ import annotations

import re
import shutil

from .toolchain import RUNTIME, run_cargo


def test_cargo_test_replays_every_vector_and_the_cache_contract() -> None:
    assert shutil.which("redis-server"), "redis-server is needed (apt-get install redis-server)"
    done = run_cargo("test", "--locked", "-p", "mizan-runtime", "--features",
                     "redis,server,sqlite,client")
    output = done.stdout + done.stderr
    assert "client::tests::tiers_drop_what_their_entries_cover ... ok" in output
    assert "every_vector_file_is_replayed ... ok" in output
    assert "on_redis::redis_cache_keeps_the_contract_across_connections ... ok" in output
    assert "query_strings_and_cookies_never_panic ... ok" in output
    assert "nested_paths_follow_the_nest_and_the_prefix ... ok" in output
    assert "decimals_round_half_to_even_or_pad_to_their_scale ... ok" in output
    assert "server::tests::the_page_is_the_renderers_output_of_the_bundle ... ok" in output
    assert not re.search(r"test result: FAILED|[1-9]\d* failed", output)


def test_rustfmt_and_clippy_are_clean() -> None:
    run_cargo("fmt", "--all", "--check")
    run_cargo("clippy", "--locked", "--workspace", "--all-targets", "--features",
              "mizan-runtime/redis,mizan-runtime/server", "--", "-D", "warnings")


def test_the_crate_forbids_unsafe_and_panicking_unwraps() -> None:
    manifest = (RUNTIME / "Cargo.toml").read_text(encoding="utf-8")
    assert 'unsafe_code = "forbid"' in manifest
    assert 'unwrap_used = "deny"' in manifest and 'expect_used = "deny"' in manifest
    for source in (RUNTIME / "src").rglob("*.rs"):
        text = source.read_text(encoding="utf-8")
        assert "unsafe " not in text, source
        assert ".unwrap()" not in text and ".expect(" not in text, source
