"""Identifier rules shared by the checker and the generators.

A .mizan name ends up as a Python, Rust and TypeScript identifier, so it must
be a plain ASCII identifier and must not be a word any of those languages
reserves, or a word whose use would break the generated code. The sets below
are written out (not taken from `keyword.kwlist`) so the answer does not
depend on the Python version running the checker.
"""

from __future__ import annotations

import re

LANGUAGES = ("python", "rust", "typescript")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Python 3.12 hard keywords.
PYTHON_KEYWORDS = frozenset((
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
    "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
    "try", "while", "with", "yield"
))

# Soft keywords are legal names; only `_` matters to us (a wildcard pattern, and
# pydantic treats underscore names as private attributes, not fields).
PYTHON_SOFT_KEYWORDS = frozenset({"_", "case", "match", "type"})

# Legal Python names that break generated code: handler methods take `self`,
# class methods `cls`; `model_config` is pydantic's own class attribute.
PYTHON_BREAKING = frozenset({"_", "cls", "model_config", "self"})

# Rust 2021 strict and reserved keywords, plus `gen` (reserved from 2024) and `_`.
RUST_KEYWORDS = frozenset((
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final",
    "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "_"
))

# ECMAScript reserved words, strict-mode reserved words and the names strict
# mode forbids as bindings.
TYPESCRIPT_KEYWORDS = frozenset((
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
    "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if",
    "import", "in", "instanceof", "new", "null", "return", "super", "switch", "this", "throw",
    "true", "try", "typeof", "var", "void", "while", "with", "implements", "interface", "let",
    "package", "private", "protected", "public", "static", "yield", "await", "arguments", "eval"
))

# Names that compile but break generated objects and classes.
TYPESCRIPT_BREAKING = frozenset({"__proto__", "constructor", "prototype", "undefined"})

# Extra names that cannot name a generated *type* (record, enum, shape, form,
# model) because they shadow a builtin type the generated code relies on.
PYTHON_TYPE_NAMES = frozenset((
    "bool", "bytes", "date", "datetime", "dict", "float", "int", "list", "object", "set", "str",
    "tuple", "type"
))
RUST_TYPE_NAMES = frozenset((
    "Box", "Err", "None", "Ok", "Option", "Result", "Some", "String", "Vec", "bool", "char",
    "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "str", "u8", "u16", "u32", "u64",
    "u128", "usize"
))
TYPESCRIPT_TYPE_NAMES = frozenset((
    "Array", "Date", "Error", "Map", "Object", "Promise", "Record", "Set", "any", "bigint",
    "boolean", "never", "number", "object", "string", "symbol", "unknown", "void"
))

# Names a *function* cannot take: generated Python services have methods of
# these names beside the spec's functions (the auth hooks).
PYTHON_SERVICE_HOOKS = frozenset({"authenticate", "identity_of"})

_RESERVED = {
    "python": PYTHON_KEYWORDS | PYTHON_BREAKING,
    "rust": RUST_KEYWORDS,
    "typescript": TYPESCRIPT_KEYWORDS | TYPESCRIPT_BREAKING,
}
_TYPE_RESERVED = {
    "python": PYTHON_TYPE_NAMES,
    "rust": RUST_TYPE_NAMES,
    "typescript": TYPESCRIPT_TYPE_NAMES,
}


def is_valid_identifier(name: str) -> bool:
    """ASCII `[A-Za-z_][A-Za-z0-9_]*`: the names every target accepts."""
    return _IDENTIFIER.fullmatch(name) is not None


def reserved_in(name: str, *, for_type: bool = False, for_function: bool = False) -> list[str]:
    """The languages (in `LANGUAGES` order) where `name` cannot be used.

    `for_type=True` also checks the builtin type names a generated type must
    not shadow (`str`, `String`, `string`, ...); `for_function=True` the
    methods generated services have besides the spec's functions.
    """
    found = []
    for language in LANGUAGES:
        if (name in _RESERVED[language] or (for_type and name in _TYPE_RESERVED[language])
                or (for_function and language == "python" and name in PYTHON_SERVICE_HOOKS)):
            found.append(language)
    return found
