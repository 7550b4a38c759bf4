"""The one table of diagnostics: every code the toolchain can report.

Each rule has a code, a severity, a message template (``str.format`` fields)
and an explanation that feeds `docs/diagnostics.md`. Code ranges:

- ``K0xx`` KDL syntax (the parser)
- ``M0xx`` files and imports
- ``M1xx`` declarations: shape of nodes, properties, names
- ``M2xx`` types and references
- ``M3xx`` contexts, functions, invalidation and auth
- ``M4xx`` models, shapes and forms
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from .source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    template: str
    explanation: str
    example: str = ""


@dataclass(slots=True)
class Related:
    """A second location that explains a diagnostic (e.g. the first declaration)."""

    path: str
    span: Span
    message: str


@dataclass(slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    path: str = ""
    related: list[Related] = field(default_factory=list)
    # Machine-readable hints for editors (quick fixes): e.g. {"replace": "user"}.
    data: dict[str, object] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.start, self.span.end, self.code)


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

_RULES: list[Rule] = [
    # --- K0xx: KDL v2 syntax -------------------------------------------------
    Rule("K001", "invalid-character", E, "{detail}",
         "The text contains a code point KDL forbids (control characters, direction "
         "overrides, a BOM after the start) or bytes that are not UTF-8.",
         'node "a\\u{7}"  // write control characters as escapes'),
    Rule("K002", "unterminated-string", E, "unterminated string",
         "A quoted string is missing its closing quote on the same line. Use a "
         'multi-line string (`"""`) for text that spans lines.'),
    Rule("K003", "unterminated-comment", E, "unterminated block comment",
         "A `/*` comment has no matching `*/`. Block comments nest, so every `/*` "
         "inside needs its own `*/`."),
    Rule("K004", "invalid-escape", E, "{detail}",
         "Only \\n \\r \\t \\\\ \\\" \\b \\f \\s, \\u{{hex}} (a Unicode scalar value) and "
         "escaped whitespace are valid escapes in quoted strings."),
    Rule("K005", "invalid-multiline-string", E, "{detail}",
         'A multi-line string starts with `"""` and a newline and ends with a line '
         'holding only whitespace before `"""`; every other non-blank line must '
         "start with that same whitespace."),
    Rule("K006", "invalid-number", E, "{detail}",
         "A bare word that starts like a number must be a valid decimal, hex (0x), "
         "octal (0o) or binary (0b) number."),
    Rule("K007", "invalid-identifier", E, "{detail}",
         "Bare identifiers may not be `true`, `false`, `null`, `inf`, `-inf` or "
         "`nan` (write `#true` etc., or quote them), and may not look like numbers."),
    Rule("K008", "invalid-keyword", E, "{detail}",
         "After `#` KDL expects `true`, `false`, `null`, `inf`, `-inf`, `nan` or a raw string."),
    Rule("K009", "unexpected-token", E, "{detail}",
         "The parser found a token it did not expect here, for example two values "
         "with no space between them, a property without a value, or a stray brace."),
    Rule("K010", "unclosed-block", E, "missing '}' to close the children block",
         "A children block opened with `{` is never closed."),
    Rule("K011", "too-deep", E, "nesting deeper than {limit} levels",
         "Documents nested this deeply are rejected to keep tools fast and safe."),
    # --- M0xx files and imports / M1xx declarations / M2xx types /
    # --- M3xx contexts, functions, auth / M4xx models, shapes, forms: below.
]

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}



def make(code: str, span: Span, path: str = "", related: list[Related] | None = None,
         data: dict[str, object] | None = None, **fields: object) -> Diagnostic:
    """Build a diagnostic from the table; `fields` fill the message template."""
    rule = RULES[code]
    return Diagnostic(
        code=code,
        severity=rule.severity,
        message=rule.template.format(**fields),
        span=span,
        path=path,
        related=related or [],
        data=data or {},
    )
