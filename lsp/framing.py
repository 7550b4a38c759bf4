"""LSP framing over a byte stream, without pygls: `mizan-lang lsp` reads the
first message with it before the server's heavy modules are imported
(`mizan_lang/lsp_boot.py`), and the server keeps reading with the same reader.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing, re, functools: not imported before `initialize` is answered
if TYPE_CHECKING:
    import re
    from collections.abc import Callable
    from typing import BinaryIO

# pygls' own stdio loop loses the framing for good after one bad Content-Length
# (the stray body sticks to every later header), allocates whatever length a
# header claims (a huge one kills the server with MemoryError), and leaves a
# request it cannot read (no params, a negative position, ...) unanswered, so
# the editor waits forever. This loop resynchronises on the next header, reads
# bodies in bounded chunks, answers every request it can identify, and reads
# ahead so that edits arriving during a check are checked together.
MAX_MESSAGE_BYTES = 1 << 30  # a longer declared length is treated as garbage
_CHUNK = 1 << 20
_LENGTH = rb"content-length:[ \t]*(\d{1,15})[ \t]*\r?\n\Z"
_HEADER_INSIDE = rb"content-length:[ \t]*\d{1,15}[ \t]*\r?\n"


_compiled: dict[bytes, re.Pattern[bytes]] = {}


def _regex(pattern: bytes) -> re.Pattern[bytes]:
    """Compiled on first use: importing `re` and compiling cost more than the rest
    of reading the first message (the answer to `initialize` waits for it), and
    the usual header and body need no regular expression (`_declared`,
    `_header_inside`)."""
    found = _compiled.get(pattern)
    if found is None:
        import re

        found = _compiled[pattern] = re.compile(pattern, re.IGNORECASE)
    return found


def _declared(line: bytes) -> int | None:
    """The length a `Content-Length` header line declares (None: not one)."""
    if line.startswith(b"Content-Length: ") and line.endswith(b"\r\n"):
        digits = line[16:-2]  # what every client sends: the same as the search below
        if digits.isdigit() and len(digits) <= 15:
            return int(digits)
    if b"\n" not in line or len(line) < 17:  # too short to hold a header
        return None
    found = _regex(_LENGTH).search(line)  # search: garbage may be stuck before the header
    return int(found.group(1)) if found else None


def _header_inside(body: bytes) -> int | None:
    """Where a header line starts inside a body (None: nowhere)."""
    if b"\n" not in body:  # a header line ends with one
        return None
    found = _regex(_HEADER_INSIDE).search(body)
    return found.start() if found else None


class FrameReader:
    """Bodies of LSP frames (`Content-Length: N`, other headers, a blank line, N bytes)."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read_some = read  # up to n bytes, b"" at the end of the stream
        self.pending = bytearray()  # read ahead, or given back by `unread`

    def unread(self, data: bytes) -> None:
        self.pending[0:0] = data

    def _fill(self) -> bool:
        try:
            chunk = self._read_some(_CHUNK)
        except OSError:
            chunk = b""
        self.pending += chunk
        return bool(chunk)

    def _readline(self) -> bytes:
        scanned = 0
        while True:
            cut = self.pending.find(b"\n", scanned) + 1
            if cut:
                break
            scanned = len(self.pending)  # search only the new bytes next time
            if not self._fill():
                cut = len(self.pending)  # the last line, without its newline
                break
        line = bytes(self.pending[:cut])
        del self.pending[:cut]
        return line

    def _read(self, size: int) -> bytes:
        # Memory follows the bytes that arrive, not what the header claims.
        while len(self.pending) < size and self._fill():
            pass
        with memoryview(self.pending) as view:  # one copy (a slice would be a second)
            body = bytes(view[:size])
        del self.pending[:size]
        return body

    def next_body(self) -> bytes | None:
        """The next frame's body; None at the end of the stream."""
        length = None
        while True:
            line = self._readline()
            if not line:
                return None
            declared = _declared(line)
            if declared is not None:
                length = declared if declared <= MAX_MESSAGE_BYTES else None
            elif length is not None and line in (b"\r\n", b"\n"):
                body = self._read(length)
                if len(body) < length:
                    return None
                # A Content-Length too long swallows the start of the next frame. JSON
                # cannot hold a raw newline inside a string, so a header line in a
                # body is that next frame: give it back.
                inside = _header_inside(body)
                if inside is None:
                    return body
                self.unread(body[inside:])
                if body[:inside].strip():
                    return body[:inside]
                length = None




def raw_reads(stream: BinaryIO) -> Callable[[int], bytes]:
    """Reads that hold no lock of Python's buffered IO: the interpreter aborts at exit
    when a (daemon) thread sits in a buffered read of stdin."""
    try:
        fd = stream.fileno()
        return lambda size: os.read(fd, size)
    except (AttributeError, OSError, ValueError):  # not a file (tests): read what is there
        return getattr(stream, "read1", stream.read)
