"""The SSR bridge: HTML from a subprocess renderer (docs/protocol.md 14.4).

The renderer is a command (e.g. `node render.mjs`) run once per page: it
reads the context bundle, exactly the bytes `GET ctx/` answers, on stdin
and writes the page's HTML (UTF-8) on stdout, then exits 0. Anything else
(a non-zero exit, a timeout) is an `internal` error.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence

from . import core as runtime

log = logging.getLogger("mizan")


class SubprocessRenderer:
    def __init__(
        self,
        command: Sequence[str],
        *,
        timeout: float = 10.0,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if not command:
            raise ValueError("the renderer needs a command")
        self.command = list(command)
        self.timeout = timeout
        self.cwd = cwd
        self.env = None if env is None else {**os.environ, **env}

    async def render(self, context: str, bundle: bytes) -> bytes:
        process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=self.cwd,
            env=self.env,
        )
        try:
            out, err = await asyncio.wait_for(
                process.communicate(bundle), timeout=self.timeout
            )
        except TimeoutError:
            process.kill()
            await process.wait()
            log.error("mizan: the renderer timed out on context %r", context)
            raise runtime.MizanError("internal") from None
        if process.returncode != 0:
            log.error(
                "mizan: the renderer failed on context %r (exit %s): %s",
                context,
                process.returncode,
                err.decode("utf-8", "replace")[-2000:],
            )
            raise runtime.MizanError("internal")
        return out
