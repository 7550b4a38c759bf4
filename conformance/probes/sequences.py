"""Probes that need several steps or computed values, as code.

Each is a function of a `Session`, registered for its capability with
`@probe`. Steps go through `session.exchange` / `session.expect`, so they
are checked and recorded like the data probes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..probing import Probe, Session

PROBES: list[Probe] = []
# Probes of cookies, CSRF or the WebSocket: not for a desktop app's IPC.
HTTP = ("http",)
# Probes of the IPC subscription channel (the Tauri target).
IPC = ("ipc",)


def probe(capability: str, name: str, transports: tuple[str, ...] = ("http", "ipc"),
          ) -> Callable[[Callable[[Session], None]], Callable[[Session], None]]:
    def register(run: Callable[[Session], None]) -> Callable[[Session], None]:
        PROBES.append(Probe(capability, name, run, "sequences.py", transports))
        return run

    return register
