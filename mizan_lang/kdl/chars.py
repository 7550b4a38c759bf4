"""Character classes of KDL v2 (spec sections Whitespace, Newline, Disallowed)."""

from __future__ import annotations

import re

# Non-newline whitespace (unicode-space).
WS = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# Newline characters; CRLF is matched as one newline by the patterns below.
NL = "\n\r\x0b\x0c\x85\u2028\u2029"
# Code points that may not appear literally anywhere (a BOM only at offset 0).
DISALLOWED = (
    "\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
)
# Characters that end a bare identifier.
NON_IDENT = '\\\\/(){};\\[\\]"#='

IDENT_CHAR_CLASS = f"[^{NON_IDENT}{WS}{NL}{DISALLOWED}]"
NEWLINE_RE = "\r\n|[" + NL + "]"


# These two compile on first use (re caches them): a check of a clean document
# needs neither, and compiling the class costs ~3 M instructions at start-up.
def is_ident_char(text: str) -> re.Match[str] | None:
    return re.compile(IDENT_CHAR_CLASS).fullmatch(text)


def bare_identifier(text: str) -> re.Match[str] | None:
    return re.compile(f"{IDENT_CHAR_CLASS}+").fullmatch(text)


disallowed_search = re.compile(f"[{DISALLOWED}]").search

KEYWORD_IDENTIFIERS = frozenset({"true", "false", "null", "inf", "-inf", "nan"})

# Bare words that start like a number must be numbers.
NUMBER_START = re.compile(r"[+-]?\.?[0-9]").match
DECIMAL = re.compile(r"[+-]?[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9][0-9_]*)?").fullmatch
RADIX = re.compile(r"([+-]?)0(?:x([0-9a-fA-F][0-9a-fA-F_]*)|o([0-7][0-7_]*)|b([01][01_]*))").fullmatch


def is_plain_identifier(text: str) -> bool:
    """True when `text` can be written as a bare identifier string."""
    return (
        bool(text)
        and bare_identifier(text) is not None
        and text not in KEYWORD_IDENTIFIERS
        and NUMBER_START(text) is None
    )
