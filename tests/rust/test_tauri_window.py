"""The shop's desktop app (examples/shop/tauri) in real Tauri windows.

The page (the generated React client of stubs/shop_ts over the IPC
transport) is built with Vite into the app's dist/, the app with cargo
(Tauri 2 with its `wry` runtime on WebKitGTK), and it runs under Xvfb with
two windows. Driven (SHOP_DESKTOP_E2E=1), window `a` adds a knife to the
cart once window `b` shows it; `b`, which calls nothing, refetches its
`cart` bundle when the subscription channel pushes the invalidation, and
shows what `a`'s mutation answered. Each window reports what its page
rendered (read back from its DOM) as a line on the app's stdout. A
screenshot of the screen is kept in .cache/clients/artifacts/; closing the
app's stdin ends it with status 0.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from clients import toolchain as js

from . import x11
from .toolchain import REPO, run_cargo, target_dir

APP = REPO / "examples" / "shop" / "tauri"
SCREENSHOT = js.CACHE / "artifacts" / "tauri-windows.png"
SCREEN = (1280, 600)
# Where tauri.conf.json puts the windows (left, right edges; both at the top).
WINDOWS = {"a": (0, 620), "b": (640, 1260)}
WAIT = 180  # seconds for the whole scenario (WebKit starts slowly on a loaded machine)


def build() -> Path:
    """Check (prettier, tsc --strict) and vite build the page, then cargo
    build the app."""
    js.ensure_node_modules()
    ui = APP / "ui"
    js.prettier_check(ui / "src", "*.tsx")
    js.run([js.tool("node"), str(js.BIN / "tsc"), "-p", str(ui / "tsconfig.json")], cwd=ui)
    js.run([js.tool("node"), str(js.BIN / "vite"), "build", "--config",
            str(ui / "vite.config.mjs"), "--logLevel", "warn"], cwd=ui)
    started = time.monotonic()
    run_cargo("build", "--locked", "-p", "shop-desktop")
    print(f"cargo build -p shop-desktop: {time.monotonic() - started:.1f} s")
    return Path(target_dir()) / "debug" / "shop-desktop"


def read_steps(stdout: Any, steps: queue.Queue[dict[str, Any] | None]) -> None:
    """Each `e2e {...}` line of the app, parsed; None when stdout closes."""
    for line in stdout:
        if line.startswith("e2e "):
            steps.put(json.loads(line[4:]))
    steps.put(None)


def wait_for(steps: queue.Queue[dict[str, Any] | None], seen: dict[str, dict[str, Any]],
             wanted: set[str], log: Path) -> None:
    """Collect steps into `seen` (by `window step`) until all `wanted` arrived."""
    deadline = time.monotonic() + WAIT
    while not wanted <= seen.keys():
        left = deadline - time.monotonic()
        try:
            step = steps.get(timeout=max(left, 0.1)) if left > 0 else None
        except queue.Empty:
            step = None
        assert step is not None, (
            f"not all of {sorted(wanted)} within {WAIT} s; steps {seen}; app log:\n{log.read_text()[-4000:]}")
        assert step["step"] != "error", step
        seen[f"{step['window']} {step['step']}"] = step["detail"]


def test_a_mutation_in_one_window_makes_the_other_refetch(tmp_path: Path) -> None:
    binary = build()
    log = tmp_path / "shop-desktop.log"
    seen: dict[str, dict[str, Any]] = {}
    steps: queue.Queue[dict[str, Any] | None] = queue.Queue()
    with x11.xvfb(*SCREEN) as display, open(log, "w") as errors:
        env = {**os.environ, "DISPLAY": display, "SHOP_DESKTOP_E2E": "1",
               "MIZAN_SECRET": "the desktop test's secret, 32 bytes or more"}
        app = subprocess.Popen([str(binary)], cwd=APP, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            reader = threading.Thread(target=read_steps, args=(app.stdout, steps), daemon=True)
            reader.start()
            wait_for(steps, seen, {"a mutated", "a render 2", "b render 2"}, log)
            # Let WebKit paint the last render before the screen is dumped.
            time.sleep(1.0)
            image = x11.screenshot(display)
            assert app.stdin is not None
            app.stdin.close()
            status = app.wait(timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(image.png())
    print(f"screenshot {SCREENSHOT}; steps {json.dumps(seen, ensure_ascii=False)}")
    assert status == 0, log.read_text()

    before_a, before_b = seen["a render 1"], seen["b render 1"]
    mutated, after_b = seen["a mutated"], seen["b render 2"]
    # Both windows showed the same cart, each from one bundle fetch.
    assert before_a["items"] == before_b["items"]
    assert before_a["lines"] == before_b["lines"]
    assert before_b["fetches"] == 1
    # Window a's add_to_cart added one item ...
    assert mutated["item_count"] == before_b["items"] + 1
    assert seen["a render 2"]["calls"] == ["call/"]
    # ... and window b, which called nothing, was pushed the invalidation of
    # the cart, fetched its bundle again and now shows what a's call answered.
    assert after_b["calls"] == []
    assert after_b["fetches"] == 2
    assert [entry["context"] for push in after_b["pushed"] for entry in push] == ["cart"]
    assert after_b["items"] == mutated["item_count"]
    assert after_b["lines"] == mutated["lines"]
    assert after_b["lines"] != before_b["lines"]

    # The screenshot shows both windows drawn (a light page with text), on
    # the black root window of the otherwise empty screen.
    assert SCREENSHOT.stat().st_size > 5_000
    for name, (left, right) in WINDOWS.items():
        pixels = image.region(left + 10, 40, right - 10, 400)
        light = sum(1 for pixel in pixels if min(pixel) > 200)
        assert light > len(pixels) // 2, f"window {name} is not drawn"
        assert len(set(pixels)) > 20, f"window {name} shows no text"
    gap = image.region(1265, 0, 1280, SCREEN[1])
    assert set(gap) == {(0, 0, 0)}, "the screen outside the windows is not the black root"
