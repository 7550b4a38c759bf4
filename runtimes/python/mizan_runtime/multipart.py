"""A strict reader of `multipart/form-data` bodies (RFC 7578).

Kept here rather than borrowed from a framework so that every web layer
accepts and refuses exactly the same bodies (`bad_request` `multipart`).
The body is already in memory, within the request limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import core as runtime

_PARAM = re.compile(
    r';\s*([A-Za-z0-9!#$%&\'*+.^_`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)'
)
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    filename: str | None  # None: no filename parameter
    content_type: str | None  # the part's Content-Type header, as sent


def _broken() -> runtime.MizanError:
    return runtime.MizanError("bad_request", {"reason": "multipart"})


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """`form-data; name="a"` -> ("form-data", {"name": "a"})."""
    head, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM.finditer(";" + rest):
        text = match.group(2)
        if text.startswith('"'):
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        params[match.group(1).lower()] = text
    return head.strip().lower(), params


def parse(body: bytes, content_type: str | None) -> list[Part]:
    """The parts of a body, in order; MizanError(bad_request multipart) when
    the boundary, a delimiter, a part's headers or its name are broken."""
    _, params = header_params(content_type or "")
    boundary = params.get("boundary", "")
    if not 1 <= len(boundary) <= 70:
        raise _broken()
    delimiter = b"--" + boundary.encode("latin-1")
    start = 0 if body.startswith(delimiter) else body.find(b"\r\n" + delimiter)
    if start < 0:
        raise _broken()
    chunks = body[start:].split(b"\r\n" + delimiter)
    first = chunks[0][chunks[0].find(delimiter) + len(delimiter) :]
    chunks[0] = first
    parts: list[Part] = []
    for index, chunk in enumerate(chunks):
        if chunk.startswith(b"--"):
            if index == 0:
                raise _broken()  # no part at all
            return parts
        parts.append(_part(chunk))
    raise _broken()  # no closing delimiter


def _part(chunk: bytes) -> Part:
    # After the delimiter: optional whitespace, CRLF, headers, CRLF CRLF, data.
    line_end = chunk.find(b"\r\n")
    if line_end < 0 or chunk[:line_end].strip(b" \t"):
        raise _broken()
    head_end = chunk.find(b"\r\n\r\n", line_end)
    if head_end < 0:
        raise _broken()
    headers: dict[str, str] = {}
    try:
        text = chunk[line_end + 2 : head_end].decode("utf-8")
    except UnicodeDecodeError:
        raise _broken() from None
    for line in text.split("\r\n") if text else ():
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name):
            raise _broken()
        headers[name.lower()] = value.strip()
    kind, params = header_params(headers.get("content-disposition", ""))
    if kind != "form-data" or not params.get("name"):
        raise _broken()
    return Part(
        name=params["name"],
        data=chunk[head_end + 4 :],
        filename=params.get("filename"),
        content_type=headers.get("content-type"),
    )
