"""An X display for desktop windows under test, and screenshots of it.

`xvfb()` starts Xvfb on a display number it picks itself (`-displayfd`, so
tests running side by side never collide) and stops it afterwards.
`screenshot()` dumps the whole screen with `xwd` (x11-apps) and turns it
into an RGB image written as PNG with the standard library alone.
`.ci/run` installs both programs (Debian's xvfb and x11-apps).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conformance.targets import stop

# XWDFileHeader: 25 big-endian CARD32 fields, then the window's name.
HEADER = struct.Struct(">25I")
COLOR = 12  # bytes of one XWDColor entry after the header


def program(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed (apt-get install {package}; .ci/run does)",
                    pytrace=False)
    return found


@contextlib.contextmanager
def xvfb(width: int, height: int) -> Iterator[str]:
    """A running Xvfb screen of `width` x `height` (24-bit, black root);
    yields its DISPLAY value."""
    read, write = os.pipe()
    process = subprocess.Popen(
        [program("Xvfb", "xvfb"), "-displayfd", str(write), "-screen", "0",
         f"{width}x{height}x24", "-br", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as announced:
            number = announced.readline().strip()
        if not number.isdigit():
            pytest.fail(f"Xvfb did not start (exit {process.poll()})", pytrace=False)
        yield f":{number}"
    finally:
        stop(process)


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    rgb: bytes  # 3 bytes a pixel, row after row

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        at = (y * self.width + x) * 3
        return self.rgb[at], self.rgb[at + 1], self.rgb[at + 2]

    def region(self, left: int, top: int, right: int, bottom: int) -> list[tuple[int, int, int]]:
        return [self.pixel(x, y) for y in range(top, bottom) for x in range(left, right)]

    def png(self) -> bytes:
        rows = b"".join(b"\0" + self.rgb[y * self.width * 3:(y + 1) * self.width * 3]
                        for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data)))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def channel(value: int, mask: int) -> int:
    """The 8-bit value of the colour channel under `mask`."""
    shift = (mask & -mask).bit_length() - 1
    top = mask >> shift
    return ((value & mask) >> shift) * 255 // top


def from_xwd(data: bytes) -> Image:
    """A TrueColor ZPixmap dump of `xwd` (what Xvfb's 24-bit screen gives)."""
    fields = HEADER.unpack_from(data)
    header_size, _, pixmap_format, _, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    red, green, blue = fields[14:17]
    colors = fields[19]
    if pixmap_format != 2 or bits_per_pixel not in (24, 32):
        raise ValueError(f"unexpected xwd dump: format {pixmap_format}, {bits_per_pixel} bpp")
    pixels = header_size + colors * COLOR
    step = bits_per_pixel // 8
    order = "little" if byte_order == 0 else "big"
    rgb = bytearray()
    for y in range(height):
        row = data[pixels + y * bytes_per_line:pixels + (y + 1) * bytes_per_line]
        for x in range(width):
            value = int.from_bytes(row[x * step:(x + 1) * step], order)
            rgb += bytes((channel(value, red), channel(value, green), channel(value, blue)))
    return Image(width, height, bytes(rgb))


def screenshot(display: str) -> Image:
    """The whole screen of `display`, as it is now."""
    done = subprocess.run([program("xwd", "x11-apps"), "-root", "-silent", "-display", display],
                          capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        pytest.fail(f"xwd failed: {done.stderr.decode(errors='replace')}", pytrace=False)
    return from_xwd(done.stdout)
