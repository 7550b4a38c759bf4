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
         "Only \\n \\r \\t \\\\ \\\" \\b \\f \\s, \\u{hex} (a Unicode scalar value) and "
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
    Rule("K010", "unclosed-block", E, "missing '}}' to close the children block",
         "A children block opened with `{` is never closed."),
    Rule("K011", "too-deep", E, "nesting deeper than {limit} levels",
         "Documents nested this deeply are rejected to keep tools fast and safe."),
    # --- M0xx files and imports / M1xx declarations / M2xx types /
    # --- M3xx contexts, functions, auth / M4xx models, shapes, forms: below.
    # --- M0xx: files and imports (workspace loading) -------------------------
    Rule("M001", "unreadable-file", E, "cannot read '{file}': {reason}",
         "The file exists but could not be read (permissions, a device, a vanished "
         "network share). Nothing in it is checked.",
         'import "secret.mizan"  // mode 000'),
    Rule("M002", "file-not-found", E, "cannot find '{file}'{hint}",
         "An import (or a file named on the command line) points at a file that does "
         "not exist. Import paths are relative to the importing file.",
         'import "comon.mizan"  // did you mean common.mizan?'),
    Rule("M003", "import-cycle", E, "import cycle: {cycle}",
         "Files import each other in a loop. A workspace is a set of files, so a loop "
         "adds nothing; break it by moving the shared declarations into a third file.",
         '// a.mizan\nimport "b.mizan"\n// b.mizan\nimport "a.mizan"'),
    Rule("M004", "import-directory", E, "'{file}' is a directory, not a .mizan file",
         "Imports name single files. To check a whole folder, pass the folder to the "
         "command line instead.",
         'import "lib"'),
    Rule("M005", "duplicate-import", W, "'{file}' is already imported on line {line}",
         "The same file is imported twice by one file; the second import has no effect.",
         'import "common.mizan"\nimport "./common.mizan"'),
    Rule("M006", "not-a-mizan-file", W, "'{file}' does not end in .mizan",
         "Imported files are read as .mizan whatever their name; the extension keeps "
         "editors and the folder mode of the command line in step.",
         'import "common.kdl"'),
    Rule("M007", "empty-folder", W, "no .mizan files under '{folder}'",
         "A folder given as a workspace root is searched recursively for *.mizan files "
         "(hidden folders are skipped); this one has none.", ""),
    # --- M1xx: declarations (node shape, arguments, properties) ---------------
    Rule("M101", "missing-version", E, "a .mizan file must start with 'mizan 1'",
         "The first node of every file states the language version, so that a later "
         "version of the language can change meaning without silently misreading "
         "old files.",
         "mizan 1\ntype Profile { field name str }"),
    Rule("M102", "version-not-first", E, "'mizan' must be the first node of the file",
         "The version node has to come before every other node.",
         'import "common.mizan"\nmizan 1  // move this line up'),
    Rule("M103", "unsupported-version", E,
         "unsupported language version {version}; this toolchain reads version 1",
         "Only version 1 of the .mizan language exists.", "mizan 2"),
    Rule("M104", "unknown-node", E, "unknown node '{name}' {place}{hint}",
         "Each place in a file allows a fixed set of nodes (see docs/language.md); "
         "this one is not among them, often because of a typo.",
         "type Profile { feild name str }"),
    Rule("M105", "unknown-property", E, "'{node}' has no property '{key}'{hint}",
         "Each node accepts a fixed set of properties; this one is not among them.",
         "fn ping retruns=str"),
    Rule("M106", "missing-argument", E, "'{node}' needs {what}",
         "A required argument is missing, e.g. the type of a field or the name of a "
         "declaration.",
         "field email  // the type is missing: field email str"),
    Rule("M107", "too-many-arguments", E, "'{node}' takes {expected}; remove the extra {extra}",
         "The node has more arguments than it accepts. Options are written as "
         "properties (key=value), not as further arguments.",
         "param user_id int64 required"),
    Rule("M108", "missing-property", E, "'{node}' needs the property '{key}'",
         "A property that has no sensible default is missing.",
         "relation groups many=#true  // to=Group is missing"),
    Rule("M109", "wrong-value-kind", E, "{what} must be {expected}, not {found}",
         "The value has the wrong kind: for example a number where a name belongs, or "
         "a string where `#true`/`#false` belongs. The value is ignored.",
         'param file Upload max-size="big"'),
    Rule("M110", "duplicate-setting", E, "{what} is given twice; the first one counts",
         "A setting that can appear once (a doc, `cache`, `render`, `jwt`, `default`, "
         "the version) is written twice; the later one is ignored.",
         'type Profile doc="A" { doc "B" }'),
    Rule("M111", "duplicate-property", W, "property '{key}' is given twice; the last one counts",
         "KDL lets the rightmost of two equal keys win; a repeated key is almost always "
         "a mistake.",
         "fn ping auth=user auth=staff"),
    Rule("M112", "unexpected-block", E, "'{node}' takes no children block",
         "This node has no child nodes; its settings are arguments and properties.",
         "import \"common.mizan\" { }"),
    Rule("M113", "meaningless-type-annotation", W,
         "the type annotation '({annotation})' has no meaning here and is ignored",
         "KDL's `(annotation)` prefixes are not used by the .mizan language; types are "
         "written as arguments or properties instead.",
         "field age (u8)int"),
    Rule("M114", "empty-list-item", E, "empty item in the list of '{key}'",
         "Comma lists (`affects=a,b`, `content-types=...`) may not have empty items, "
         "e.g. a doubled or trailing comma.",
         "fn bulk affects=user,,cart"),
    Rule("M115", "malformed-binding", E, "malformed 'by=': {detail}",
         "`by=` is either one mutation parameter (for a context with a single key) or "
         "a comma list of `key:param` pairs.",
         "affects shop by=shop_id:shop,order"),
    Rule("M120", "invalid-type-expression", E, "invalid type expression: {detail}",
         "Type expressions are a name (`str`, `Profile`), `list<T>`, `map<str,T>`, and "
         "any of these followed by `?` for nullable.",
         "field tags list<str"),
    Rule("M121", "wrong-type-arguments", E, "{detail}",
         "`list` takes exactly one type argument and `map` two; no other type takes "
         "arguments.",
         "field scores map<int>"),
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
