"""The TypeScript examples in docs/clients.md (TS, React, Vue, Svelte) compile with `tsc --strict`
against the generated client of the bundled example (examples/shop)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from . import toolchain

DOC = toolchain.ROOT / "docs" / "clients.md"
EXAMPLE = toolchain.ROOT / "examples" / "shop"
BLOCK = re.compile(r"```(ts|tsx)\n(.*?)```", re.DOTALL)


def test_docs_examples_compile_against_the_shop_client() -> None:
    blocks = BLOCK.findall(DOC.read_text("utf-8"))
    assert len(blocks) >= 4, "docs/clients.md lost some of its TypeScript examples"
    toolchain.ensure_node_modules()
    folder = toolchain.fresh_dir("docs_examples")
    for target in ("react", "vue", "svelte"):  # one folder, as stubs/shop_ts
        toolchain.run([sys.executable, "-m", "mizan_lang", "gen", str(EXAMPLE), "--target",
                       target, "--out", str(folder / "api")])
    for number, (language, code) in enumerate(blocks, 1):
        # Each example is a module of its own (top-level await, imports).
        Path(folder / f"example{number}.{language}").write_text(code + "\nexport {};\n", "utf-8")
    toolchain.tsc_strict(folder)
