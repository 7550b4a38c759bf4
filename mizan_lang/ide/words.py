"""Short descriptions of the language's own words, for completion and hover.

One line each, in the words of docs/language.md (the normative reference):
what a node declares, what a property means, what a fixed value does, and
how a primitive travels on the wire. Lists of allowed values come from the
checker's tables; only the descriptions live here.
"""

from __future__ import annotations

NODES = {
    "mizan": "The language version; the first node of every file (`mizan 1`).",
    "import": "Adds another `.mizan` file to the workspace (path relative to this file).",
    "auth": "Token settings, guards and the default auth level.",
    "enum": "An enumeration: each child node is a member.",
    "type": "A record type with `field` children.",
    "context": "A named bundle of queries, fetched and cached together, keyed by its params.",
    "fn": "A function: a query (`context=` or nothing) or a mutation (`affects`).",
    "model": "A stored model (table), the source of shapes.",
    "shape": "A typed projection of a model: only the listed fields are loaded and sent.",
    "form": "A validated input form submitted to a mutation.",
    "jwt": "How access and refresh tokens are signed and checked.",
    "guard": "A named condition on the caller's token, usable as an auth level.",
    "default": "The auth level of functions and contexts that state none.",
    "field": "A field: `field <name> <type>` (in a shape: `field <name>`).",
    "param": "A parameter: `param <name> <type>`; in a context, a key param.",
    "cache": "The bundle's cache policy: `ttl=` seconds, `vary=` identity or public.",
    "render": "The render strategy: csr, ssr, psr or static.",
    "affects": "A context this mutation invalidates, with explicit `by=` / `scope=`.",
    "column": "A stored column: `column <name> <primitive type>`.",
    "relation": "A relation to another model: `relation <name> to=<Model>`.",
    "doc": "Documentation text, carried into generated code.",
}

# (node, property) -> meaning; `doc` is shared by every node that takes one.
PROPS = {
    ("jwt", "algorithm"): "Signing algorithm: HS256, HS384, HS512, RS256 or ES256 (default HS256).",
    ("jwt", "issuer"): "The `iss` claim minted and required.",
    ("jwt", "audience"): "The `aud` claim minted and required.",
    ("jwt", "access-ttl"): "Access token lifetime in seconds (default 900).",
    ("jwt", "refresh-ttl"): "Refresh token lifetime in seconds, longer than access-ttl.",
    ("guard", "claim"): "The token claim to test.",
    ("guard", "value"): "The claim must equal this value (default: the claim must be truthy).",
    ("field", "default"): "The value used when the field is absent.",
    ("field", "shape"): "Relations only: the shape of the related rows.",
    ("field", "required"): "The field must be filled in (default #false).",
    ("field", "min"): "Inclusive lower bound (numbers, or a date string).",
    ("field", "max"): "Inclusive upper bound (numbers, or a date string).",
    ("field", "min-length"): "Shortest accepted length in characters.",
    ("field", "max-length"): "Longest accepted length in characters.",
    ("field", "pattern"): "A regular expression the whole value must match.",
    ("field", "label"): "The label shown to users.",
    ("param", "default"): "The value used when the caller leaves the param out.",
    ("param", "max-size"): "Upload only: the largest accepted file, in bytes.",
    ("param", "content-types"): "Upload only: accepted media types, comma-separated.",
    ("cache", "ttl"): "Seconds a bundle may be served from cache; 0 means not cached.",
    ("cache", "vary"): "identity: one cached bundle per caller; public: one for everybody.",
    ("context", "auth"): "Who may fetch the bundle: public, user or a guard.",
    ("fn", "context"): "Makes the function a query member of this context.",
    ("fn", "returns"): "The result type; without it the function returns nothing.",
    ("fn", "affects"): "Contexts this mutation invalidates (comma-separated).",
    ("fn", "auth"): "Who may call it: public, user or a guard.",
    ("fn", "websocket"): "Also callable over the WebSocket transport.",
    ("fn", "kind"): "query or mutation, for functions that say neither context= nor affects.",
    ("affects", "by"): "Which mutation param supplies which context key: `param` or `key:param,...`.",
    ("affects", "scope"): "Force and assert the tier: exact, partial or global.",
    ("model", "table"): "The table the rows live in (default: the name in snake_case).",
    ("column", "primary"): "The primary key (exactly one column per model).",
    ("column", "unique"): "Values are unique.",
    ("column", "scale"): "Decimal columns: the digits kept after the point (0 to 30).",
    ("column", "max-length"): "str columns: the longest value stored (a bounded column).",
    ("relation", "on-delete"): "To-one relations: protect (default), cascade or set-null.",
    ("relation", "to"): "The related model.",
    ("relation", "many"): "#true: many related rows; #false: one.",
    ("shape", "model"): "The projected model.",
    ("form", "submit"): "The mutation that receives the fields.",
}
DOC_PROP = "Documentation text, carried into generated code."

# What a property or argument expects, as a completion detail.
VALUE_KINDS = {
    "read_name": "name", "read_text": "text", "read_type": "type", "read_int": "whole number",
    "read_bool": "boolean", "read_literal": "literal", "read_name_list": "name list",
    "read_bindings": "param or key:param pairs", "read_bound": "number or date",
    "read_pattern": "regular expression",
}

VALUES = {
    "csr": "Client-side rendering (the default).",
    "ssr": "Server-side rendering.",
    "psr": "Partial server-side rendering.",
    "static": "Rendered once, served as a static page.",
    "identity": "One cached bundle per caller.",
    "exact": "Invalidates the one instance whose key equals the call's values.",
    "partial": "Invalidates every instance that agrees on the bound keys.",
    "global": "Invalidates every instance of the context.",
    "query": "Reads data; results may be cached.",
    "mutation": "Changes data and invalidates contexts.",
    "user": "Any caller with a valid access token.",
    "#true": "true",
    "#false": "false",
    "#null": "null: no value",
}
# `public` means different things as an auth level and as a cache policy.
PUBLIC_AUTH = "Anyone, without a token."
PUBLIC_VARY = "One cached bundle for everybody."

PRIMITIVES = {
    "bool": "true or false. Wire form: `true` / `false`.",
    "int": "Signed 32-bit integer. Wire form: a JSON number.",
    "int64": "Signed 64-bit integer. Wire form: a string of digits (JavaScript numbers "
             "lose precision above 2^53).",
    "float": "64-bit IEEE 754 number, finite. Wire form: a JSON number.",
    "decimal": "Exact decimal number. Wire form: a string, e.g. `\"9.90\"`.",
    "str": "Unicode text. Wire form: a string.",
    "date": "Calendar date. Wire form: `\"YYYY-MM-DD\"`.",
    "datetime": "Instant in time. Wire form: an RFC 3339 string in UTC with `Z`.",
    "uuid": "UUID. Wire form: the lowercase canonical string.",
    "bytes": "Binary data. Wire form: a standard base64 string.",
    "json": "Any JSON value. Wire form: itself.",
    "Upload": "A file sent as a multipart part (function params only).",
    "list": "`list<T>`: an ordered list of T. Wire form: a JSON array.",
    "map": "`map<str,T>`: text keys to T. Wire form: a JSON object.",
    "email": "Form input: a `str` with an e-mail format check.",
    "url": "Form input: a `str` with a URL format check.",
}


def prop_doc(node: str, key: str) -> str:
    if key == "doc":
        return DOC_PROP
    return PROPS.get((node, key), "")


def value_doc(value: str, key: str = "") -> str:
    if value == "public":
        return PUBLIC_VARY if key == "vary" else PUBLIC_AUTH
    return VALUES.get(value, "")
