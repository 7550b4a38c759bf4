"""The frame reader's header parsing (`lsp/framing.py`): its shortcuts for the
usual header and body give what the regular expressions give, on any line."""

from __future__ import annotations

import io
import random
import re

from mizan_lang.lsp import framing

LENGTH = re.compile(framing._LENGTH, re.IGNORECASE)
INSIDE = re.compile(framing._HEADER_INSIDE, re.IGNORECASE)
PIECES = [b"Content-Length: ", b"content-length:", b"CONTENT-LENGTH:\t", b"Content-Length:",
          b"Content-Type: x", b"garbage", b" ", b"\t", b"0", b"7", b"1261", b"1" * 15,
          b"9" * 16, b"\r\n", b"\n", b"\r", b"{\"a\": 1}", b"\xff", b"-3", b"\xd9\xa3"]


def _lines(count: int) -> list[bytes]:
    rng = random.Random(13)
    found = [b"Content-Length: 12\r\n", b"Content-Length: 12 \r\n", b"Content-Length: 12\n",
             b"xContent-Length: 12\r\n", b"Content-Length: 0012\r\n", b"\r\n", b"\n", b"",
             b"Content-Length: " + b"1" * 16 + b"\r\n", b"Content-Length: \xd9\xa3\r\n"]
    for _ in range(count):
        line = b"".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6)))
        found.append(line)
        found.append(line + b"\r\n")
    return found


def test_declared_length_is_the_regular_expressions() -> None:
    for line in _lines(3000):
        match = LENGTH.search(line)
        assert framing._declared(line) == (int(match.group(1)) if match else None), line


def test_header_inside_a_body_is_the_regular_expressions() -> None:
    for body in _lines(3000):
        match = INSIDE.search(body)
        assert framing._header_inside(body) == (match.start() if match else None), body


def test_frames_with_garbage_between_them() -> None:
    frames = (b'Content-Length: 2\r\n\r\n{}'
              b'junk Content-Length: 7\r\nContent-Type: x\r\n\r\n{"a":1}'
              b'CONTENT-LENGTH:\t3 \n\n[1]'
              b'Content-Length: 40\r\n\r\n{"b":2}\nContent-Length: 2\r\n\r\n{}'
              b'Content-Length: 2\r\n\r\n[]Content-Length: 2\r\n\r\n[]')
    reader = framing.FrameReader(io.BytesIO(frames).read)
    bodies = []
    while (body := reader.next_body()) is not None:
        bodies.append(body)
    # The too long length swallows the next header: given back, and read again.
    assert bodies == [b"{}", b'{"a":1}', b"[1]", b'{"b":2}\n', b"{}", b"[]", b"[]"]
