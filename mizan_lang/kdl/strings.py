"""Decoding KDL string bodies: escapes, multi-line dedent, raw string ends."""

from __future__ import annotations

import re

from ..diagnostics import Diagnostic, make
from ..source import Span
from . import chars

_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "b": "\b",
                   "f": "\f", "s": " "}
_ESCAPE = re.compile(
    f"\\\\(?:(?P<ws>[{chars.WS}{chars.NL}]+)|u\\{{(?P<hex>[0-9a-fA-F]*)\\}}|(?P<ch>[\\s\\S])|$)"
)
_NEWLINE = re.compile(chars.NEWLINE_RE)
_FIRST_NEWLINE = re.compile(f"[{chars.NL}]")
_ONLY_WS = re.compile(f"[{chars.WS}]*").fullmatch


def _check_disallowed(body: str, offset: int, diags: list[Diagnostic]) -> None:
    bad = chars.disallowed_search(body)
    while bad:
        at = offset + bad.start()
        diags.append(make("K001", Span(at, at + 1),
                          detail=f"disallowed character U+{ord(bad.group()):04X} in a string "
                          "(write it as a \\u{...} escape)"))
        bad = chars.disallowed_search(body, bad.end())


def _unescape(body: str, offset: int, diags: list[Diagnostic] | None) -> str:
    """Resolve escapes; report bad ones (at their exact span) when `diags` is given."""
    if "\\" not in body:
        return body

    def replace(m: re.Match[str]) -> str:
        if m.group("ws") is not None:
            return ""
        hexd = m.group("hex")
        if hexd is not None:
            code = int(hexd, 16) if hexd else -1
            if 1 <= len(hexd) <= 6 and 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code)
            if diags is not None:
                diags.append(make("K004", Span(offset + m.start(), offset + m.end()),
                                  detail=f"invalid unicode escape '{m.group()}' (1 to 6 hex "
                                  "digits naming a Unicode scalar value)"))
            return "\ufffd"
        ch = m.group("ch")
        if ch is not None and ch in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[ch]
        if diags is not None:
            shown = m.group() if ch is not None else "\\"
            diags.append(make("K004", Span(offset + m.start(), offset + m.end()),
                              detail=f"invalid escape '{shown}'"))
        return ""

    return _ESCAPE.sub(replace, body)


def decode_quoted(body: str, offset: int, diags: list[Diagnostic]) -> str:
    """The value of a single-line quoted string body starting at `offset`."""
    _check_disallowed(body, offset, diags)
    return _unescape(body, offset, diags)


def _drop_whitespace_escapes(body: str) -> str:
    def replace(m: re.Match[str]) -> str:
        return "" if m.group("ws") is not None else m.group()

    return _ESCAPE.sub(replace, body)


def decode_multiline(text: str, open_end: int, close: int, raw: bool,
                     diags: list[Diagnostic]) -> str:
    """The value of a multi-line string whose body is text[open_end:close]."""
    first = _NEWLINE.match(text, open_end)
    if first is None or open_end > close:
        diags.append(make("K005", Span(open_end - 3, open_end),
                          detail='a multi-line string must start with a newline after """'))
        return ""
    body = text[first.end() : close]
    body_start = first.end()
    _check_disallowed(body, body_start, diags)
    if not raw:
        _unescape(body, body_start, diags)  # report bad escapes at their exact spans
        body = _drop_whitespace_escapes(body)
    lines = _NEWLINE.split(body)
    prefix = lines[-1]
    if not _ONLY_WS(prefix):
        diags.append(make("K005", Span(close, close + 3),
                          detail='the closing """ must be on its own line, after whitespace only'))
        return ""
    out: list[str] = []
    line_offset = body_start
    problem = False
    for line in lines[:-1]:
        if _ONLY_WS(line):
            out.append("")
        elif line.startswith(prefix):
            out.append(line[len(prefix) :])
        else:
            problem = True
            out.append(line)
            diags.append(make("K005", Span(line_offset, line_offset + max(1, len(prefix))),
                              detail="each line of a multi-line string must start with the "
                              'same whitespace as the closing """ line'))
        line_offset += len(line) + 1
    value = "\n".join(out)
    if problem or raw:
        return value
    return _unescape(value, body_start, None)


def find_raw_end(text: str, pos: int, closing: str) -> tuple[int, bool]:
    """Where a single-line raw string ends: (offset of `closing`, unterminated?)."""
    found = text.find(closing, pos)
    newline = _FIRST_NEWLINE.search(text, pos, found if found >= 0 else len(text))
    if newline is not None:
        return newline.start(), True
    if found < 0:
        return len(text), True
    return found, False
