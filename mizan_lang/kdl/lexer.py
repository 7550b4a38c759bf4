"""KDL v2 lexer: text -> significant tokens (with spans), comments, diagnostics.

The grammar in `grammar/kdl.lark` works on these tokens. Whitespace, line
continuations and block comments never reach it; the only place KDL cares
about them is *between entries* ("node 1 2" vs "node 1"2"), and that rule is
checked here, where the spacing is known. Runs of newlines and line comments
become one NL token. `key=` turns the key's token into PROPKEY, and a `/-`
directly before `{` becomes SDBRACE: both keep the grammar LALR(1) without
whitespace tokens, which roughly halves the tokens the parser sees.

The lexer never raises. Bad input yields a diagnostic and a best-effort
token, so the parser can keep going.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal, InvalidOperation

from ..diagnostics import Diagnostic, make
from ..source import Span
from . import chars
from .model import Comment
from .strings import decode_multiline, decode_quoted, find_raw_end

# Token types (names as declared in grammar/kdl.lark).
IDENT, STRING, NUMBER, KEYWORD = "IDENT", "STRING", "NUMBER", "KEYWORD"
PROPKEY, SDBRACE, SLASHDASH = "PROPKEY", "SDBRACE", "SLASHDASH"
LPAREN, RPAREN, LBRACE, RBRACE = "LPAREN", "RPAREN", "LBRACE", "RBRACE"
SEMI, EQ, NL = "_SEMI", "EQ", "_NL"

_VALUE_END = frozenset({IDENT, STRING, NUMBER, KEYWORD})
_VALUE_START = frozenset({IDENT, STRING, NUMBER, KEYWORD, LPAREN})
_PUNCT = {"(": LPAREN, ")": RPAREN, "{": LBRACE, "}": RBRACE, ";": SEMI}
_KEYWORDS = {
    "#true": True,
    "#false": False,
    "#null": None,
    "#inf": float("inf"),
    "#-inf": float("-inf"),
    "#nan": float("nan"),
}

MAX_DEPTH = 256

# Leading whitespace is folded into every match: one regex call per token.
# Compiled on first use (re caches it): a clean document never comes here, and
# compiling its Unicode classes costs ~4 M instructions at every start.
_MASTER = (
    f"[{chars.WS}]*(?:"
    + "|".join(
        [
            f"(?P<nl>{chars.NEWLINE_RE})",
            f"(?P<word>{chars.IDENT_CHAR_CLASS}+)",
            '(?P<quote>")',
            r"(?P<punct>[(){};])",
            "(?P<eq>=)",
            "(?P<lc>//)",
            r"(?P<bc>/\*)",
            "(?P<sd>/-)",
            "(?P<hash>#)",
            r"(?P<esc>\\)",
            r"(?P<bad>[\s\S])",
            r"(?P<eof>\Z)",
        ]
    )
    + ")"
)
_KEYWORD_RE = re.compile(r"#(?:true|false|null|inf|-inf|nan)")
_LINE_REST = re.compile(f"[^{chars.NL}]*")
_BLOCK_MARK = re.compile(r"/\*|\*/")
_ESC_SPACE = re.compile(f"(?:[{chars.WS}]+|/\\*)")
_SINGLE_BODY = re.compile(
    f'(?:[^"\\\\{chars.NL}]+|\\\\[{chars.WS}{chars.NL}]+|\\\\[^{chars.WS}{chars.NL}])*'
)


class Tok:
    """A token for the Lark LALR driver: `type` is all it reads."""

    __slots__ = ("end_pos", "raw", "start_pos", "type", "value")

    def __init__(self, type: str, value: object, start: int, end: int, raw: str = "") -> None:
        self.type = type
        self.value = value
        self.start_pos = start
        self.end_pos = end
        self.raw = raw

    def __repr__(self) -> str:  # for debugging and error messages
        return f"Tok({self.type}, {self.raw or self.value!r}, {self.start_pos})"


def describe(tok: Tok) -> str:
    """Human wording of a token for 'unexpected ...' messages."""
    if tok.type == "$END":
        return tok.raw or "end of file"
    if tok.type == NL:
        return "end of line"
    if tok.type in (IDENT, STRING, PROPKEY):
        text = tok.raw if len(tok.raw) <= 30 else tok.raw[:27] + "..."
        return f"'{text}'"
    if tok.type in (NUMBER, KEYWORD):
        return f"'{tok.raw}'"
    names = {LPAREN: "'('", RPAREN: "')'", LBRACE: "'{'", RBRACE: "'}'", SEMI: "';'",
             EQ: "'='", SLASHDASH: "'/-'", SDBRACE: "'/-'"}
    return names.get(tok.type, tok.type)


def decode_number(text: str) -> int | Decimal | None:
    """The value of a KDL number literal, or None when it is malformed."""
    radix = chars.RADIX(text)
    if radix:
        sign, hexd, octd, bind = radix.groups()
        digits, base = (hexd, 16) if hexd else (octd, 8) if octd else (bind, 2)
        value = int(digits.replace("_", ""), base)
        return -value if sign == "-" else value
    if chars.DECIMAL(text) is None:
        return None
    plain = text.replace("_", "")
    if "." in plain or "e" in plain or "E" in plain:
        try:
            return Decimal(plain)
        except InvalidOperation:  # pragma: no cover - the regex already vetted it
            return None
    try:
        return int(plain)
    except ValueError:  # beyond Python's int<->str digit limit: keep it exact as a Decimal
        return Decimal(plain)


def tokenize(text: str, at_file_start: bool = True
             ) -> tuple[list[Tok], list[Comment], list[Diagnostic]]:
    """Tokens, comments and lexical diagnostics of `text`.

    `at_file_start` is False for a later piece of a file (incremental parsing):
    a BOM is allowed only at the very start of a file.
    """
    tokens: list[Tok] = []
    comments: list[Comment] = []
    diags: list[Diagnostic] = []
    append = tokens.append
    n = len(text)
    pos = 1 if at_file_start and text.startswith("\ufeff") else 0
    spaced = True  # was there whitespace since the last significant token?
    last = ""  # type of the last emitted token
    depth = 0
    too_deep_reported = False
    match = re.compile(_MASTER).match
    intern = sys.intern

    def error(code: str, start: int, end: int, **fields: object) -> None:
        diags.append(make(code, Span(start, end), **fields))

    while pos < n:
        m = match(text, pos)
        kind = m.lastgroup
        end = m.end()
        if m.start(kind) != pos:
            spaced = True
            pos = m.start(kind)
        if kind == "nl":
            if last == NL:
                tokens[-1].end_pos = end
            elif last not in (SLASHDASH, SDBRACE):
                append(Tok(NL, None, pos, end))
                last = NL
                if depth == 0:  # each top-level node reports its own nesting problem
                    too_deep_reported = False
            spaced = True
            pos = end
            continue
        if kind == "word":
            word = m.group(kind)
            if chars.NUMBER_START(word):
                value = decode_number(word)
                if value is None:
                    error("K006", pos, end, detail=f"invalid number '{word}'")
                tok = Tok(NUMBER, value, pos, end, word)
            else:
                if word in chars.KEYWORD_IDENTIFIERS:
                    hint = "#" + word if word != "-inf" else "#-inf"
                    error("K007", pos, end,
                          detail=f"'{word}' is a keyword; write {hint} or quote it as \"{word}\"")
                # One object per spelling: the language server keeps the nodes of
                # open files, whose names (`fn`, `param`, types) repeat thousands of times.
                word = intern(word)
                tok = Tok(IDENT, word, pos, end, word)
        elif kind == "quote":
            if text.startswith('"""', pos):
                tok = _multiline(text, pos, 0, diags)
            else:
                tok = _quoted(text, pos, diags)
            end = tok.end_pos
        elif kind == "punct":
            ch = m.group(kind)
            ttype = _PUNCT[ch]
            if ttype == LBRACE:
                depth += 1
                if depth > MAX_DEPTH and not too_deep_reported:
                    too_deep_reported = True
                    error("K011", pos, end, limit=MAX_DEPTH)
                if last == SLASHDASH:
                    tokens[-1].type = SDBRACE
            elif ttype == RBRACE:
                depth = max(0, depth - 1)
            tok = Tok(ttype, ch, pos, end, ch)
        elif kind == "eq":
            if last in (IDENT, STRING):
                tokens[-1].type = PROPKEY
                last = PROPKEY
                spaced = False
                pos = end
                continue
            tok = Tok(EQ, "=", pos, end, "=")
        elif kind == "lc":
            rest = _LINE_REST.match(text, end).end()
            _comment(text, pos, rest, "line", comments, diags)
            if last == NL:
                tokens[-1].end_pos = rest
            elif last not in (SLASHDASH, SDBRACE):
                append(Tok(NL, None, pos, rest))
                last = NL
            spaced = True
            pos = rest
            continue
        elif kind == "bc":
            pos = _block_comment(text, pos, comments, diags)
            spaced = True
            continue
        elif kind == "sd":
            tok = Tok(SLASHDASH, None, pos, end, "/-")
            comments.append(Comment("/-", Span(pos, end), "slashdash"))
        elif kind == "hash":
            tok = _hash(text, pos, diags)
            end = tok.end_pos
        elif kind == "esc":
            pos = _escline(text, pos, comments, diags)
            spaced = True
            continue
        elif kind == "eof":
            break
        else:  # bad
            ch = m.group(kind)
            if chars.disallowed_search(ch):
                error("K001", pos, end, detail=f"disallowed character U+{ord(ch):04X}")
            else:
                error("K009", pos, end, detail=f"unexpected character '{ch}'")
            spaced = True
            pos = end
            continue

        ttype = tok.type
        if not spaced and ttype in _VALUE_START and last in _VALUE_END:
            error("K009", tok.start_pos, tok.end_pos,
                  detail=f"missing space before {describe(tok)}")
        append(tok)
        last = ttype
        # After these tokens no space is needed before what follows.
        spaced = ttype not in _VALUE_END
        pos = end
    return tokens, comments, diags


def _comment(text: str, start: int, end: int, kind: str, comments: list[Comment],
             diags: list[Diagnostic]) -> None:
    """Keep a comment for the formatter; forbidden code points are errors even here."""
    body = text[start:end]
    comments.append(Comment(body, Span(start, end), kind))
    bad = chars.disallowed_search(body)
    while bad:
        at = start + bad.start()
        diags.append(make("K001", Span(at, at + 1),
                          detail=f"disallowed character U+{ord(bad.group()):04X} in a comment"))
        bad = chars.disallowed_search(body, bad.end())


def _block_comment(text: str, start: int, comments: list[Comment], diags: list[Diagnostic]) -> int:
    """Skip a (nested) /* */ comment starting at `start`; return the end offset."""
    depth = 0
    pos = start
    while True:
        m = _BLOCK_MARK.search(text, pos)
        if m is None:
            diags.append(make("K003", Span(start, start + 2)))
            _comment(text, start, len(text), "block", comments, diags)
            return len(text)
        depth += 1 if m.group() == "/*" else -1
        pos = m.end()
        if depth == 0:
            _comment(text, start, pos, "block", comments, diags)
            return pos


def _escline(text: str, start: int, comments: list[Comment], diags: list[Diagnostic]) -> int:
    """Skip a line continuation `\\ ws* (// comment | newline | EOF)`."""
    pos = start + 1
    n = len(text)
    while pos < n:
        m = _ESC_SPACE.match(text, pos)
        if m is None:
            break
        pos = _block_comment(text, pos, comments, diags) if m.group() == "/*" else m.end()
    if pos >= n:
        return pos
    if text.startswith("//", pos):
        rest = _LINE_REST.match(text, pos).end()
        _comment(text, pos, rest, "line", comments, diags)
        pos = rest
    m = re.compile(chars.NEWLINE_RE).match(text, pos)
    if m:
        return m.end()
    if pos >= n:
        return pos
    diags.append(make("K009", Span(start, start + 1),
                      detail="a line continuation '\\' must be followed by a newline"))
    return start + 1


def _quoted(text: str, start: int, diags: list[Diagnostic]) -> Tok:
    body = _SINGLE_BODY.match(text, start + 1)
    end = body.end()
    closed = end < len(text) and text[end] == '"'
    if not closed:
        diags.append(make("K002", Span(start, end)))
    raw_body = text[start + 1 : end]
    value = decode_quoted(raw_body, start + 1, diags)
    end = end + 1 if closed else end
    return Tok(STRING, value, start, end, text[start:end])


def _multiline(text: str, start: int, hashes: int, diags: list[Diagnostic]) -> Tok:
    """A multi-line string whose opening `\"\"\"` is at `start` (after `hashes` #s)."""
    open_end = start + 3
    closing = '"""' + "#" * hashes
    close = _find_multiline_end(text, open_end, closing, raw=hashes > 0)
    tok_start = start - hashes
    if close < 0:
        diags.append(make("K002", Span(tok_start, open_end)))
        end = len(text)
        return Tok(STRING, "", tok_start, end, text[tok_start:end])
    end = close + len(closing)
    value = decode_multiline(text, open_end, close, hashes > 0, diags)
    return Tok(STRING, value, tok_start, end, text[tok_start:end])


def _find_multiline_end(text: str, pos: int, closing: str, raw: bool) -> int:
    if raw:
        return text.find(closing, pos)
    # Skip escapes so that \" does not count towards a closing """.
    while True:
        q = text.find('"""', pos)
        if q < 0:
            return -1
        b = text.find("\\", pos, q)
        if b < 0:
            return q
        pos = b + 2


def read_quoted(text: str, start: int, diags: list[Diagnostic]) -> Tok:
    """The token at `start`: after `#` a keyword or raw string, else a multi-line
    or quoted string (for the readers that skip what needs no lexer)."""
    if text[start] == "#":
        return _hash(text, start, diags)
    if text.startswith('"""', start):
        return _multiline(text, start, 0, diags)
    return _quoted(text, start, diags)


def _hash(text: str, start: int, diags: list[Diagnostic]) -> Tok:
    m = _KEYWORD_RE.match(text, start)
    if m and not (m.end() < len(text) and chars.is_ident_char(text[m.end()])):
        word = m.group()
        return Tok(KEYWORD, _KEYWORDS[word], start, m.end(), word)
    hashes = 1
    n = len(text)
    while start + hashes < n and text[start + hashes] == "#":
        hashes += 1
    q = start + hashes
    if text.startswith('"""', q):
        return _multiline(text, q, hashes, diags)
    if q < n and text[q] == '"':
        closing = '"' + "#" * hashes
        end, problem = find_raw_end(text, q + 1, closing)
        if problem:
            diags.append(make("K002", Span(start, end)))
            return Tok(STRING, text[q + 1 : end], start, end, text[start:end])
        body = text[q + 1 : end]
        bad = chars.disallowed_search(body)
        if bad:
            at = q + 1 + bad.start()
            diags.append(make("K001", Span(at, at + 1),
                              detail=f"disallowed character U+{ord(bad.group()):04X}"))
        stop = end + len(closing)
        return Tok(STRING, body, start, stop, text[start:stop])
    # `#` followed by something else: consume the bare word for a useful message.
    word_end = q
    while word_end < n and chars.is_ident_char(text[word_end]):
        word_end += 1
    word = text[start:word_end]
    diags.append(make("K008", Span(start, word_end),
                      detail=f"unknown keyword '{word}'" if word_end > q
                      else "'#' must start a keyword (#true, #null, ...) or a raw string"))
    return Tok(KEYWORD, None, start, word_end, word)
