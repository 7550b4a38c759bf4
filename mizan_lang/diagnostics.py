"""The one table of diagnostics: every code the toolchain can report.

Each rule has a code, a severity, a message template (``str.format`` fields)
and an explanation that feeds `docs/diagnostics.md`. Code ranges:

- ``K0xx`` KDL syntax (the parser)
- ``M0xx`` files and imports
- ``M1xx`` declarations: shape of nodes, properties, names
- ``M2xx`` types and references
- ``M3xx`` contexts, functions, invalidation and auth
- ``M4xx`` models, shapes and forms
- ``M5xx`` the project config (`mizan.toml`)
"""

from __future__ import annotations

from enum import Enum

from .records import field, record
from .source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@record(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    template: str
    explanation: str
    example: str = ""


@record
class Related:
    """A second location that explains a diagnostic (e.g. the first declaration)."""

    path: str
    span: Span
    message: str


@record
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
    # --- M15x: names (checker) -------------------------------------------------
    Rule("M150", "duplicate-name", E, "duplicate name '{name}': already declared as {kind}",
         "Names are unique per kind across the whole workspace, whatever file declares "
         "them. Types, enums and shapes share one namespace because all three can be "
         "used in type expressions. The related location is the first declaration.",
         "type Profile { field id int64 }\nenum Profile { a; b }"),
    Rule("M151", "duplicate-member", E, "duplicate {member} '{name}' in {owner}",
         "Fields of a type, params of a function or context, enum members, a model's "
         "columns and relations (one namespace), shape fields and form fields must be "
         "unique within their declaration.",
         "fn rename { param name str; param name str }"),
    Rule("M152", "invalid-identifier", E,
         "'{name}' is not a valid identifier (ASCII letters, digits and _, not starting "
         "with a digit); try '{suggestion}'",
         "Every name becomes a Python, Rust and TypeScript identifier, so only the "
         "characters all three accept are allowed. The quick fix replaces the others "
         "with `_`.",
         'type "user-profile" { }'),
    Rule("M153", "reserved-identifier", E, "'{name}' is reserved in {languages}; try '{suggestion}'",
         "A name that is a keyword (or breaks generated code, like `self` or "
         "`constructor`) in one of the target languages would generate code that does "
         "not compile. Type-like names also may not shadow a builtin type (`String`, "
         "`str`, `number`), and functions may not take the names of the methods a "
         "generated Python service has besides them (`authenticate`, `identity_of`).",
         "type Order { field type str }"),
    Rule("M154", "case-collision", W,
         "'{name}' and '{other}' become the same name in generated code",
         "Generators convert names to each language's convention (snake_case, "
         "camelCase, PascalCase), so two names of one scope that differ only in case "
         "or underscores collide after conversion.",
         "type Item { field user_id int64; field userId int64 }"),
    Rule("M155", "builtin-type-name", E, "'{name}' is a built-in type name and cannot be declared",
         "Primitive type names, `list`, `map` and `Upload` are always in scope; a "
         "declaration with the same name could never be referred to.",
         "type str { field value bytes }"),
    # --- M2xx: types and references (checker) ----------------------------------
    Rule("M201", "unknown-type", E, "unknown type '{name}'{hint}",
         "A type expression names something that is neither a primitive (bool int "
         "int64 float decimal str date datetime uuid bytes json) nor a declared type, "
         "enum or shape.",
         "field owner Profil  // did you mean Profile?"),
    Rule("M202", "misplaced-upload", E, "{detail}",
         "`Upload` (a file sent as multipart) is only the whole type of a function "
         "parameter: not nullable, not inside a list or map, not a field, return type, "
         "context key or column.",
         "type Post { field image Upload }"),
    Rule("M203", "map-key-not-str", E, "map keys must be str, not '{key}'",
         "Maps travel as JSON objects, whose keys are strings.",
         "field scores map<int,float>"),
    Rule("M204", "model-as-type", E, "'{name}' is a model, not a type; use a shape of it{shape}",
         "Models describe storage and are not sent over the wire; a shape is the typed "
         "projection of a model that functions and types can use.",
         "fn me returns=User  // returns=UserCard"),
    Rule("M205", "default-type-mismatch", E, "default {value} does not fit type '{type}'{detail}",
         "A default must be a value of the declared type: an integer in range for int "
         "and int64, a number for float and decimal, #true/#false for bool, an ISO date "
         "for date, #null only for nullable types.",
         "field count int default=1.5"),
    Rule("M206", "unknown-enum-default", E, "'{value}' is not a member of enum '{enum}'{hint}",
         "The default of an enum-typed field or param must be one of the enum's members.",
         "enum Role { member; admin }\ntype User { field role Role default=owner }"),
    Rule("M207", "default-not-supported", E,
         "type '{type}' cannot have a default (only primitives and enums can)",
         "Defaults are literals; lists, maps, records, shapes, bytes and uploads have "
         "no literal form (a nullable one may still default to #null).",
         "field tags list<str> default=none"),
    Rule("M208", "invalid-max-size", E, "max-size must be a positive integer (bytes), not {value}",
         "The size limit of an upload is a whole number of bytes greater than zero.",
         "param file Upload max-size=0"),
    Rule("M209", "upload-option-elsewhere", W, "{option} only applies to Upload parameters",
         "`max-size` and `content-types` limit uploaded files; on any other parameter "
         "they mean nothing and are ignored.",
         "param name str max-size=100"),
    Rule("M210", "invalid-content-type", W, "'{value}' is not a media type such as image/png",
         "`content-types` lists media types (`type/subtype`, `image/*`); this entry "
         "does not have that form, so no upload would ever match it.",
         'param file Upload content-types="png,jpeg"'),
    Rule("M211", "infinite-type", E,
         "field '{field}' makes type '{type}' contain itself ({cycle}); make a field on "
         "the cycle nullable or a list",
         "A record that holds itself through required fields has no finite value, and "
         "Rust would reject the generated struct.",
         "type Node { field next Node }  // field next Node?"),
    # --- M3xx: contexts, functions, invalidation, auth (checker) ---------------
    Rule("M301", "unknown-context", E, "unknown context '{name}'{hint}",
         "`context=` and `affects` name contexts declared somewhere in the workspace.",
         "fn user_profile context=usr"),
    Rule("M302", "member-missing-key", E,
         "'{fn}' is a member of context '{context}' but has no param '{key} {type}'",
         "A context is keyed by its params, and a bundle fetch calls every member with "
         "those keys, so each member takes every key param.",
         "context user { param user_id int64 }\nfn user_orders context=user { }"),
    Rule("M303", "member-key-type", E,
         "param '{name}' is {actual} here but {expected} in context '{context}'",
         "A member takes each key param with exactly the context's type.",
         "context user { param user_id int64 }\n"
         "fn user_orders context=user { param user_id str }"),
    Rule("M304", "member-affects", E,
         "'{fn}' is a query member of context '{context}' and may not affect contexts",
         "Members are fetched (and cached) as part of their context's bundle; a "
         "function that changes data is a mutation, declared without `context=`.",
         "fn user_profile context=user affects=user"),
    Rule("M305", "empty-context", W, "context '{name}' has no member functions",
         "Nothing is fetched through a context without members; declare members with "
         "`fn ... context=<name>` or remove it.",
         "context stats { }"),
    Rule("M306", "invalid-cache-ttl", E,
         "cache ttl must be a non-negative integer (seconds), not {value}",
         "`cache ttl=` is how long a bundle may be served from the cache, in whole "
         "seconds; 0 disables caching.",
         "cache ttl=-5"),
    Rule("M307", "invalid-vary", E, "vary must be identity or public, not '{value}'{hint}",
         "`vary=identity` caches one bundle per caller; `vary=public` one for everybody.",
         "cache ttl=60 vary=user"),
    Rule("M308", "invalid-render", E, "render must be csr, ssr, psr or static, not '{value}'{hint}",
         "The render strategy published in the edge manifest: client-side, server-side, "
         "partial server-side or static.",
         "render spa"),
    Rule("M309", "public-cache-leak", E,
         "vary=public shares one cached bundle of context '{context}' between all "
         "callers, but its auth is {auth}",
         "A context that needs authentication may return per-user data; caching it "
         "once for everybody would hand one user's bundle to the next caller. Use "
         "vary=identity, or make the context public.",
         "context cart auth=user { cache ttl=60 vary=public }"),
    Rule("M310", "duplicate-affect", E, "context '{name}' is already listed in affects",
         "Each context is affected once per mutation; merge the two entries.",
         "fn save affects=user,user"),
    Rule("M311", "kind-conflict", E, "kind={kind} contradicts how '{fn}' is declared: {reason}",
         "`context=` makes a function a query and `affects` a mutation; `kind=` is for "
         "functions where neither says it, and must agree when one does.",
         "fn save kind=query affects=user"),
    Rule("M312", "invalid-kind", E, "kind must be query or mutation, not '{value}'{hint}",
         "The function kind is either `query` or `mutation`.", "fn ping kind=command"),
    Rule("M313", "unknown-binding-key", E, "context '{context}' has no key param '{key}'{hint}",
         "In `by=key:param`, the key is one of the affected context's params.",
         "affects order by=ordr_id:order_id"),
    Rule("M314", "unknown-binding-param", E, "'{fn}' has no param '{param}'{hint}",
         "In `by=key:param` (or `by=param`), the param is one of the mutation's own params.",
         "affects order by=order_id:id"),
    Rule("M315", "binding-type-mismatch", E, "param '{param}' ({ptype}) cannot bind key '{key}' ({ktype})",
         "A key is bound by a param whose values are all valid key values: the same "
         "type, `int` for an `int64` key, a non-null value for a nullable key.",
         "affects order by=order_id:note  // note is a str"),
    Rule("M316", "scope-contradiction", E, "{detail}",
         "`scope=` forces the invalidation tier and must agree with the bindings: exact "
         "needs every key bound, partial some but not all, and global takes no `by=`.",
         "affects order scope=exact  // but the mutation has no order_id"),
    Rule("M317", "invalid-scope", E, "scope must be exact, partial or global, not '{value}'{hint}",
         "The three invalidation tiers are exact (one instance), partial (instances "
         "agreeing on the bound keys) and global (every instance).",
         "affects order scope=all"),
    Rule("M318", "incompatible-key-match", W,
         "param '{param}' has the name of key '{key}' of context '{context}' but its "
         "type {ptype} does not fit {ktype}, so it does not narrow the invalidation",
         "Scoping binds a key to a mutation param of the same name only when the "
         "types fit; otherwise the invalidation is wider than the name suggests. Rename "
         "the param, fix its type, or say what you mean with `by=`/`scope=`.",
         "context user { param user_id int64 }\n"
         "fn rename affects=user { param user_id str }"),
    Rule("M319", "duplicate-binding-key", E, "key '{key}' is bound twice",
         "Each context key takes its value from one mutation param.",
         "affects shop by=shop_id:a,shop_id:b"),
    Rule("M320", "short-binding-needs-single-key", E,
         "by={param} names no key, which needs a context with exactly one key; "
         "'{context}' has {count}",
         "`by=param` is short for `by=key:param` when the context has exactly one key.",
         "affects shop by=shop_id  // shop has shop_id and region"),
    Rule("M321", "unknown-auth", E,
         "unknown auth '{name}' (use public, user or a declared guard){hint}",
         "`auth=` (and `auth { default }`) is `public`, `user` (any authenticated caller) "
         "or the name of a guard declared in an auth block.",
         "fn stats auth=staf"),
    Rule("M322", "member-auth-weaker", E,
         "'{fn}' has auth={auth}, less restrictive than auth={context_auth} of its "
         "context '{context}'",
         "A member's data is also served in its context's bundle; a member may narrow "
         "who can call it but not widen it beyond what its context allows. Levels: "
         "public < user < guards.",
         "context admin auth=staff { }\nfn list_users context=admin auth=public"),
    Rule("M323", "member-auth-other-guard", W,
         "'{fn}' has auth={auth} but its context '{context}' has auth={context_auth}",
         "The member and its context require different guards, so a bundle fetch "
         "needs both; usually one of them is a mistake.",
         "context admin auth=staff { }\nfn payroll context=admin auth=finance"),
    Rule("M324", "guard-missing-claim", E, "guard '{name}' needs claim=<claim name>",
         "A guard admits callers whose token has the claim (truthy, or equal to "
         "`value=`); without a claim it has nothing to check.",
         "auth { guard staff }"),
    Rule("M325", "duplicate-jwt", E, "only one jwt block is allowed in a workspace",
         "Tokens are minted and verified with one set of settings.",
         "auth { jwt algorithm=HS256 }\nauth { jwt algorithm=RS256 }"),
    Rule("M326", "duplicate-auth-default", E, "only one auth default is allowed in a workspace",
         "The default auth applies to the whole workspace; declare it once.",
         "auth { default user }\nauth { default public }"),
    Rule("M327", "invalid-jwt-algorithm", E, "unknown JWT algorithm '{name}' (use one of {choices})",
         "Supported algorithms: HS256, HS384, HS512 (shared secret), RS256 and ES256 "
         "(key pair). `none` is never accepted.",
         "jwt algorithm=none"),
    Rule("M328", "invalid-token-ttl", E, "{key} must be a positive integer (seconds), not {value}",
         "Token lifetimes are whole seconds greater than zero.",
         "jwt access-ttl=0"),
    Rule("M329", "refresh-not-longer", E,
         "refresh-ttl ({refresh}) must be longer than access-ttl ({access})",
         "A refresh token outlives the access tokens it renews; otherwise it is useless.",
         "jwt access-ttl=3600 refresh-ttl=900"),
    Rule("M330", "websocket-upload", E,
         "'{fn}' is callable over WebSocket, which cannot carry the Upload param '{param}'",
         "Uploads travel as multipart HTTP requests; the WebSocket transport carries "
         "JSON messages only.",
         "fn upload_avatar affects=user websocket=#true { param file Upload }"),
    Rule("M331", "builtin-auth-name", E, "'{name}' is a built-in auth level and cannot name a guard",
         "`public` and `user` always mean no authentication and any authenticated caller.",
         "auth { guard user claim=uid }"),
    Rule("M332", "context-key-not-scalar", E,
         "context key '{name}' must be a scalar (primitive or enum), not {type}",
         "Key values identify one instance of a context in URLs and cache keys, so they "
         "are single values: bool, int, int64, str, date, datetime, uuid, decimal or an "
         "enum (optionally nullable).",
         "context search { param filters list<str> }"),
    Rule("M333", "member-extra-param", W,
         "param '{name}' of '{fn}' is not a key of context '{context}', so a bundle fetch "
         "cannot supply it; give it a default or make it nullable",
         "A bundle fetch calls every member with the context's key values only; any "
         "other param must be optional.",
         "context user { param user_id int64 }\n"
         "fn orders context=user { param user_id int64; param page int }"),
    # --- M4xx: models, shapes, forms (checker) ---------------------------------
    Rule("M401", "column-not-primitive", E,
         "column type must be a primitive (optionally nullable), not {type}",
         "Columns store single values; links between models are relations.",
         "column tags list<str>"),
    Rule("M402", "missing-primary-key", E,
         "model '{model}' has no primary key; mark one column primary=#true",
         "Shapes load rows by primary key; every model has exactly one.",
         "model Tag { column name str }"),
    Rule("M403", "several-primary-keys", E, "model '{model}' already has a primary key '{first}'",
         "Composite primary keys are not supported; keep one and mark the others unique.",
         "model Tag { column id int64 primary=#true; column slug str primary=#true }"),
    Rule("M404", "unknown-model", E, "unknown model '{name}'{hint}",
         "`relation ... to=` and `shape ... model=` name a model declared in the workspace.",
         "relation groups to=Grop"),
    Rule("M405", "unknown-shape-field", E, "model '{model}' has no column or relation '{name}'{hint}",
         "A shape projects columns and relations of its model; each field names one.",
         "shape UserCard model=User { field usrname }"),
    Rule("M406", "shape-on-column", E,
         "'{name}' is a column of '{model}'; shape= only applies to relations",
         "A nested shape describes the related rows of a relation; a column is a "
         "single value.",
         "shape UserCard model=User { field email shape=EmailView }"),
    Rule("M407", "nested-shape-mismatch", E,
         "shape '{shape}' projects '{model}', but relation '{relation}' leads to '{target}'{hint}",
         "The nested shape of a relation must project the relation's target model.",
         "shape UserCard model=User { field groups shape=UserCard }"),
    Rule("M408", "not-a-shape", E, "'{name}' is not a shape{hint}",
         "`shape=` on a shape field names another shape.",
         "field groups shape=Group  // a model, not a shape"),
    Rule("M409", "shape-cycle", E, "nested shapes form a cycle: {cycle}",
         "A shape that nests itself, directly or through others, would load rows "
         "without end. Stop the cycle with a shape that leaves the relation out.",
         "shape A model=User { field groups shape=B }\n"
         "shape B model=Group { field users shape=A }"),
    Rule("M410", "nullable-primary-key", E, "primary key '{name}' cannot be nullable",
         "Every row needs a key value.", "column id int64? primary=#true"),
    Rule("M411", "duplicate-table", W, "table '{table}' is already used by another model",
         "Two models mapped to one table usually means a copy-paste slip (the table "
         "defaults to the model name).",
         "model A table=users { }\nmodel B table=users { }"),
    Rule("M412", "scale-not-decimal", E, "scale= only applies to decimal columns, not {type}",
         "The scale is the number of digits a decimal column keeps after the point; "
         "other types have none.",
         "column quantity int scale=2"),
    Rule("M413", "scale-out-of-range", E, "scale must be from 0 to {max}, not {value}",
         "A decimal column keeps 0 to 30 digits after the point (and 20 before it), "
         "so a stored value never exceeds the 50 digits a wire decimal may have.",
         "column price decimal scale=40"),
    Rule("M414", "max-length-not-str", E, "max-length= only applies to str columns, not {type}",
         "A declared length makes a bounded text column (VARCHAR); other types have "
         "no length.",
         "column stock int max-length=5"),
    Rule("M415", "max-length-out-of-range", E, "max-length must be from 1 to {max}, not {value}",
         "A bounded text column holds at least one character; past the limit, leave "
         "the length out for an unbounded column.",
         "column code str max-length=0"),
    Rule("M416", "invalid-on-delete", E, "on-delete must be {allowed}, not '{value}'{hint}",
         "What deleting the related row does: `protect` (the default) refuses it while "
         "rows point at it, `cascade` deletes them too, `set-null` empties their relation.",
         "relation author to=User on-delete=delete"),
    Rule("M417", "on-delete-not-to-one", E, "on-delete= only applies to to-one relations",
         "A to-many relation stores no key of its own: the delete behaviour belongs on "
         "the to-one relation back, or on the join table's rows.",
         "relation posts to=Post many=#true on-delete=cascade"),
    Rule("M418", "set-null-not-nullable", E,
         "on-delete=set-null needs a nullable key, but column '{column}' is not",
         "Emptying the relation stores null in its key column, which must allow it.",
         "column author_id int64\nrelation author to=User on-delete=set-null"),
    Rule("M420", "invalid-form-field-type", E, "form field type must be {allowed}, not {type}{hint}",
         "Form fields are single inputs: bool, int, float, decimal, str, date, datetime, "
         "uuid, email, url or an enum. A field is optional unless `required=#true`.",
         "field tags list<str>"),
    Rule("M421", "validator-not-applicable", E, "{validator} does not apply to {type} fields",
         "min/max apply to numbers (int, float, decimal) and dates (date, datetime); "
         "min-length, max-length and pattern to text (str, email, url).",
         "field age int max-length=3"),
    Rule("M422", "invalid-validator-value", E, "{validator} must be {expected}",
         "Lengths are non-negative integers; min and max are numbers (integers on an "
         "int field) or, on date and datetime fields, ISO dates.",
         "field name str min-length=-1"),
    Rule("M423", "validator-range", E, "{low_key} ({low}) is greater than {high_key} ({high})",
         "No value could pass both validators.",
         "field age int min=18 max=10"),
    Rule("M424", "invalid-pattern", E, "pattern is not a valid regular expression: {error}",
         "The pattern must compile as a regular expression.",
         'field code str pattern="^[A-Z{3}$"'),
    Rule("M425", "unknown-submit", E, "unknown function '{name}'{hint}",
         "`submit=` names the mutation that receives the form.",
         "form ProfileForm submit=update_profil { }"),
    Rule("M426", "submit-not-mutation", E, "'{name}' is a query; submit= needs a mutation",
         "Submitting a form changes data, so it goes to a mutation (a function with "
         "`affects`, or `kind=mutation`).",
         "form ProfileForm submit=user_profile { }"),
    Rule("M427", "submit-no-param", E, "'{fn}' has no param '{name}' for this field{hint}",
         "Each form field is passed to the submit mutation's param of the same name.",
         "form ProfileForm submit=update_profile { field nickname str }"),
    Rule("M428", "submit-param-type", E,
         "field '{name}' ({type}) does not fit param '{name}' ({param_type}) of '{fn}'",
         "The param must accept every value of the field: the same type, email and url "
         "into str, int into int64.",
         "field age str  // update_profile has param age int"),
    Rule("M429", "submit-missing-required", E,
         "the form does not provide required param{s} {names} of '{fn}'",
         "Every param of the submit mutation without a default and not nullable must "
         "come from a form field.",
         "form NameForm submit=update_profile { field name str }  // user_id missing"),
    Rule("M430", "optional-field-required-param", W,
         "field '{name}' is optional but param '{name}' of '{fn}' is required; add required=#true",
         "An empty optional field is left out of the submission, and the mutation "
         "would reject it.",
         "field name str  // update_profile has param name str"),
    # --- M5xx: the project config ---------------------------------------------
    Rule("M501", "config-syntax", E, "mizan.toml is not valid TOML: {detail}",
         "The project config must be TOML (https://toml.io). The position is where "
         "the TOML reader gave up.",
         'roots = ["api"  # missing ]'),
    Rule("M502", "config-unknown-key", E, "unknown key '{key}' in {table}{hint}",
         "The config knows `roots`, `[targets.NAME]` tables with `out`, and "
         "`[[acknowledge]]` entries with `code`, `subject` and `reason`.",
         'root = ["api"]  # roots'),
    Rule("M503", "config-invalid-value", E, "'{key}' must be {expected}",
         "A config value has the wrong type: `roots` is a list of folder or file "
         "paths, `out` a folder path, acknowledgement fields strings.",
         'roots = "api"  # a list: ["api"]'),
    Rule("M504", "config-unknown-target", E, "unknown target '{name}'{hint}",
         "`[targets.NAME]` names a target of `mizan-lang gen` (see `gen --help`).",
         '[targets.fast-api]  # fastapi'),
    Rule("M505", "config-missing-key", E, "{table} needs '{key}'",
         "A required key is missing: every target needs its `out` folder, every "
         "acknowledgement its `code` and `subject`.",
         "[targets.fastapi]  # out = \"gen/api\" missing"),
    Rule("M506", "config-missing-root", E, "root '{root}' does not exist",
         "A configured spec root is neither a file nor a folder (paths are relative "
         "to the folder of mizan.toml).",
         'roots = ["spec"]  # no such folder'),
    Rule("M507", "config-invalid-code", E, "'{value}' is not a review rule code{hint}",
         "An acknowledgement names a rule of `mizan-lang breaking` (docs/breaking.md), "
         "B101 to B405.",
         'code = "B999"'),
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
