"""Small performance helpers shared by the pipeline stages."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector around allocation-heavy work.

    Parsing, lowering and checking build many small acyclic objects; the
    collector finds nothing to free among them but repeatedly scans them
    (30-40% of the time on large specs). Reference counting still frees
    everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
