"""The Lark grammars that are the single source of mizan-lang's syntax."""
