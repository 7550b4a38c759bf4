"""The lexer class Lark is given for grammar/kdl.lark (imported with Lark,
only when a document needs the LALR tables: see parser.py)."""

from __future__ import annotations

from lark.lexer import Lexer


class TokensOnly(Lexer):
    """Lark needs a lexer class; ours runs before the parser (lexer.tokenize)."""

    def __init__(self, lexer_conf: object) -> None:
        pass

    def lex(self, lexer_state, parser_state):  # pragma: no cover - never called
        raise NotImplementedError("tokens are fed by mizan_lang.kdl.parser")
