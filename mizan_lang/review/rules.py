"""The one table of review rules: every change `mizan-lang breaking` reports.

Each rule has a code, a name, a category, a message template (`str.format`
fields), an explanation and an example (an old and a new spec) that feed
`docs/breaking.md`. Code ranges:

- ``B1xx`` wire-breaking: a deployed client (or a stored bundle) stops working
- ``B2xx`` source-breaking: the wire is unchanged, code written against the
  generated packages needs editing
- ``B3xx`` review flags: legal and compatible, but a reviewer must look
  (who can call this now, whose data is cached, what goes stale)
- ``B4xx`` additions, for information
"""

from __future__ import annotations

from enum import Enum

from ..records import record


class Category(str, Enum):
    BREAKING = "breaking"  # wire-breaking
    SOURCE = "source"  # source-breaking
    REVIEW = "review"
    INFO = "info"


# `--fail-on` level -> the categories that fail at that level.
FAIL_LEVELS: dict[str, frozenset[Category]] = {
    "breaking": frozenset({Category.BREAKING, Category.SOURCE}),
    "review": frozenset({Category.BREAKING, Category.SOURCE, Category.REVIEW}),
    "none": frozenset(),
}


@record(frozen=True)
class ReviewRule:
    code: str
    name: str
    category: Category
    template: str
    explanation: str
    old: str  # example: the spec before
    new: str  # example: the spec after


B, S, R, I = Category.BREAKING, Category.SOURCE, Category.REVIEW, Category.INFO

_H = "mizan 1\n\n"
_STAFF = "auth {\n    guard staff claim=is_staff\n    default user\n}\n\n"

_RULES: list[ReviewRule] = [
    # --- B1xx: wire-breaking ------------------------------------------------------
    ReviewRule(
        "B101", "function-removed", B, "function '{name}' was removed",
        "Every deployed client that calls the function gets `unknown_function`. Renaming "
        "counts as a removal and an addition: the wire name is the function name.",
        _H + "fn ping returns=str\nfn pong returns=str\n",
        _H + "fn ping returns=str\n"),
    ReviewRule(
        "B102", "context-removed", B, "context '{name}' was removed",
        "Clients that load the context's bundle, and their caches keyed by it, break.",
        _H + "context feed auth=public\nfn posts context=feed returns=list<str>\n"
             "fn ping returns=str\n",
        _H + "fn posts returns=list<str>\nfn ping returns=str\n"),
    ReviewRule(
        "B103", "type-removed", B, "{kind} '{name}' was removed",
        "A type, enum or shape is gone. Uses of it changed too (reported separately); "
        "generated clients that name it no longer compile and stored payloads of it "
        "no longer decode.",
        _H + "type Point {\n    field x int\n}\nenum Color { red; green; }\n"
             "fn origin returns=Point\n",
        _H + "type Point {\n    field x int\n}\nfn origin returns=Point\n"),
    ReviewRule(
        "B104", "field-removed", B, "field '{name}' of type '{owner}' was removed",
        "Clients that read the field get nothing; clients that send it (the type is an "
        "argument somewhere) are refused.",
        _H + "type Point {\n    field x int\n    field y int\n}\nfn origin returns=Point\n",
        _H + "type Point {\n    field x int\n}\nfn origin returns=Point\n"),
    ReviewRule(
        "B105", "enum-member-removed", B, "member '{name}' of enum '{owner}' was removed",
        "A client that sends the member is refused; a client that stored it cannot send "
        "it back.",
        _H + "enum Color { red; green; blue; }\nfn paint returns=str { param color Color; }\n",
        _H + "enum Color { red; green; }\nfn paint returns=str { param color Color; }\n"),
    ReviewRule(
        "B106", "form-removed", B, "form '{name}' was removed",
        "Frontends render and validate the form from its generated description; it is gone.",
        _H + "fn rename kind=mutation returns=str { param name str; }\n"
             "form Rename submit=rename { field name str required=#true; }\n",
        _H + "fn rename kind=mutation returns=str { param name str; }\n"),
    ReviewRule(
        "B107", "param-removed", B, "param '{name}' of '{owner}' was removed",
        "Servers refuse an argument that is not a param (`unknown`), so every client that "
        "still sends it fails.",
        _H + "fn adjust_stock returns=int {\n    param product_id int64\n    param delta int\n}\n",
        _H + "fn adjust_stock returns=int {\n    param product_id int64\n}\n"),
    ReviewRule(
        "B108", "required-param-added", B, "required param '{name}' was added to '{owner}'",
        "A param without a default that is not nullable must be sent; deployed clients "
        "do not send it and get `required`. Give it a default or make it nullable.",
        _H + "fn search returns=list<str> {\n    param text str\n}\n",
        _H + "fn search returns=list<str> {\n    param text str\n    param page int\n}\n"),
    ReviewRule(
        "B109", "param-made-required", B, "param '{name}' of '{owner}' is now required",
        "The param lost its default (or stopped being nullable): clients that leave it "
        "out now get `required`.",
        _H + "fn search returns=list<str> {\n    param text str\n    param page int default=1\n}\n",
        _H + "fn search returns=list<str> {\n    param text str\n    param page int\n}\n"),
    ReviewRule(
        "B110", "param-type-changed", B, "param '{name}' of '{owner}' changed type {old} -> {new}",
        "The new type does not accept every value the old one did: a different type, "
        "`int` <-> `int64` (a number vs. a string on the wire) or a nullable param made "
        "non-null. Widening (`T` -> `T?`) is not reported.",
        _H + "fn get_order returns=str {\n    param order_id int64\n}\n",
        _H + "fn get_order returns=str {\n    param order_id int\n}\n"),
    ReviewRule(
        "B111", "field-type-changed", B, "field '{name}' of type '{owner}' changed type {old} -> {new}",
        "A record field changed incompatibly for the direction the type travels in: as "
        "an argument it must accept what it accepted, as a result it must not produce "
        "what clients cannot read (`T` -> `T?` on output).",
        _H + "type Point {\n    field x int\n}\nfn origin returns=Point\n",
        _H + "type Point {\n    field x int?\n}\nfn origin returns=Point\n"),
    ReviewRule(
        "B112", "returns-changed", B, "'{name}' now returns {new} instead of {old}",
        "Clients decode the result with the old type. Non-null -> nullable, a different "
        "type and `int` <-> `int64` break them; nullable -> non-null does not.",
        _H + "fn count returns=int\n",
        _H + "fn count returns=int?\n"),
    ReviewRule(
        "B113", "context-key-changed", B, "the key of context '{name}' changed: {old} -> {new}",
        "A context's params are its key: bundle URLs, cache entries and invalidation "
        "messages are built from them. Clients asking for the old key break and cached "
        "bundles are never invalidated.",
        _H + "context product auth=public { param product_id int64; }\n"
             "fn product_view context=product returns=str { param product_id int64; }\n",
        _H + "context product auth=public { param id int64; }\n"
             "fn product_view context=product returns=str { param id int64; }\n"),
    ReviewRule(
        "B114", "kind-changed", B, "'{name}' changed from a {old} to a {new}",
        "Queries and mutations travel differently (a mutation answers with invalidations, "
        "queries are batched into context bundles): deployed clients call it the old way.",
        _H + "fn ping kind=query returns=str\n",
        _H + "fn ping kind=mutation returns=str\n"),
    ReviewRule(
        "B115", "required-field-added", B,
        "required field '{name}' was added to type '{owner}', which is an argument",
        "The type travels from clients to the server; a field without a default that is "
        "not nullable must now be sent, and deployed clients do not send it.",
        _H + "type Address {\n    field street str\n}\nfn ship returns=str { param to Address; }\n",
        _H + "type Address {\n    field street str\n    field zip str\n}\n"
             "fn ship returns=str { param to Address; }\n"),
    ReviewRule(
        "B116", "auth-tightened", B, "{what} '{name}' now needs {new} (was {old})",
        "Callers that were allowed are now refused (401/403): `public` -> `user` -> a guard. "
        "Changing one guard for another is reported here too.",
        _H + _STAFF + "fn stats auth=user returns=int\n",
        _H + _STAFF + "fn stats auth=staff returns=int\n"),
    ReviewRule(
        "B117", "upload-limit-lowered", B, "upload param '{name}' of '{owner}' accepts less: {detail}",
        "A lower `max-size`, or fewer `content-types`: files that were accepted are refused.",
        _H + "fn set_avatar returns=str {\n    param image Upload max-size=1000000\n}\n",
        _H + "fn set_avatar returns=str {\n    param image Upload max-size=500000\n}\n"),
    ReviewRule(
        "B118", "websocket-removed", B, "'{name}' is no longer exposed over WebSocket",
        "Clients that call it over the WebSocket connection get `unknown_function` there.",
        _H + "fn ping websocket=#true returns=str\n",
        _H + "fn ping returns=str\n"),
    ReviewRule(
        "B119", "form-field-removed", B, "field '{name}' of form '{owner}' was removed",
        "Frontends built from the old form description still render and send the field.",
        _H + "fn rename kind=mutation returns=str {\n    param name str\n    param nick str?\n}\n"
             "form Rename submit=rename {\n    field name str required=#true\n    field nick str\n}\n",
        _H + "fn rename kind=mutation returns=str {\n    param name str\n    param nick str?\n}\n"
             "form Rename submit=rename {\n    field name str required=#true\n}\n"),
    ReviewRule(
        "B120", "form-field-tightened", B, "field '{name}' of form '{owner}' accepts less: {detail}",
        "A validator became stricter (required, a smaller range or length, a new pattern) "
        "or the field's type changed: input that passed is now refused.",
        _H + "fn rename kind=mutation returns=str { param name str; }\n"
             "form Rename submit=rename { field name str max-length=80; }\n",
        _H + "fn rename kind=mutation returns=str { param name str; }\n"
             "form Rename submit=rename { field name str max-length=40; }\n"),
    ReviewRule(
        "B121", "context-membership-changed", B, "query '{name}' moved from {old} to {new}",
        "A query's context decides which bundle carries its result and how it is "
        "cached and invalidated; clients read it from the old place.",
        _H + "context feed auth=public\nfn posts context=feed returns=list<str>\n",
        _H + "context feed auth=public\nfn posts returns=list<str>\n"),
    ReviewRule(
        "B122", "shape-field-removed", B, "field '{name}' of shape '{owner}' was removed",
        "A shape is a result type: clients that read the field get nothing.",
        _H + "model Post table=post {\n    column id int64 primary=#true\n    column title str\n}\n"
             "shape PostCard model=Post {\n    field id\n    field title\n}\n"
             "fn posts returns=list<PostCard>\n",
        _H + "model Post table=post {\n    column id int64 primary=#true\n    column title str\n}\n"
             "shape PostCard model=Post {\n    field id\n}\n"
             "fn posts returns=list<PostCard>\n"),
    # --- B2xx: source-breaking ------------------------------------------------------
    ReviewRule(
        "B201", "params-reordered", S, "the params of '{name}' were reordered: {old} -> {new}",
        "Arguments travel by name, so the wire is unchanged; generated functions take "
        "params positionally, and callers that pass them by position now pass them wrong.",
        _H + "fn place returns=str {\n    param x int\n    param y int\n}\n",
        _H + "fn place returns=str {\n    param y int\n    param x int\n}\n"),
    ReviewRule(
        "B202", "model-removed", S, "model '{name}' was removed",
        "Generated ORM classes and their table go away; implementations that query the "
        "model no longer import, and the table needs a migration.",
        _H + "model Post table=post { column id int64 primary=#true; }\n"
             "model Tag table=tag { column id int64 primary=#true; }\nfn ping returns=str\n",
        _H + "model Post table=post { column id int64 primary=#true; }\nfn ping returns=str\n"),
    ReviewRule(
        "B203", "column-removed", S, "column '{name}' of model '{owner}' was removed",
        "Implementations that read or write the column break, and the table needs a "
        "migration.",
        _H + "model Post table=post {\n    column id int64 primary=#true\n    column title str\n}\n"
             "fn ping returns=str\n",
        _H + "model Post table=post {\n    column id int64 primary=#true\n}\nfn ping returns=str\n"),
    ReviewRule(
        "B204", "column-changed", S, "column '{name}' of model '{owner}' changed: {detail}",
        "A column's type, key or uniqueness changed: the table needs a migration and "
        "code that relied on the old type may break.",
        _H + "model Post table=post {\n    column id int64 primary=#true\n    column title str\n}\n"
             "fn ping returns=str\n",
        _H + "model Post table=post {\n    column id int64 primary=#true\n    column title str?\n}\n"
             "fn ping returns=str\n"),
    ReviewRule(
        "B205", "relation-removed", S, "relation '{name}' of model '{owner}' was removed",
        "Implementations that follow the relation break, and the foreign key needs a migration.",
        _H + "model Post table=post {\n    column id int64 primary=#true\n    relation parent to=Post\n}\n"
             "fn ping returns=str\n",
        _H + "model Post table=post {\n    column id int64 primary=#true\n}\nfn ping returns=str\n"),
    ReviewRule(
        "B206", "table-renamed", S, "model '{name}' now uses table {new} (was {old})",
        "The data stays in the old table unless a migration moves it.",
        _H + "model Post table=post { column id int64 primary=#true; }\nfn ping returns=str\n",
        _H + "model Post table=blog_post { column id int64 primary=#true; }\nfn ping returns=str\n"),
    ReviewRule(
        "B207", "guard-removed", S, "guard '{name}' was removed",
        "The generated auth code no longer has the guard; code that checks it by name breaks.",
        _H + "auth {\n    guard staff claim=is_staff\n    guard admin claim=role value=admin\n}\n"
             "fn ping auth=staff returns=str\n",
        _H + "auth {\n    guard staff claim=is_staff\n}\nfn ping auth=staff returns=str\n"),
    # --- B3xx: review flags -----------------------------------------------------------
    ReviewRule(
        "B301", "auth-loosened", R, "{what} '{name}' is now {new} (was {old}): who can call it now?",
        "Fewer callers are refused: a guard -> `user` -> `public`. Intended when opening "
        "a feature; a data leak when not.",
        _H + _STAFF + "fn sales auth=staff returns=int\n",
        _H + _STAFF + "fn sales auth=user returns=int\n"),
    ReviewRule(
        "B302", "cache-shared", R,
        "context '{name}' is now cached with vary=public (was identity): "
        "one user's data served to another?",
        "A `vary=public` bundle is shared by every caller of the same key. Correct for "
        "data that does not depend on who asks; a leak of personal data otherwise.",
        _H + "context cart { cache ttl=60 vary=identity; }\nfn cart_lines context=cart returns=list<str>\n",
        _H + "context cart { cache ttl=60 vary=public; }\nfn cart_lines context=cart returns=list<str>\n"),
    ReviewRule(
        "B303", "invalidates-less", R, "'{name}' invalidates less: {detail}",
        "The mutation dropped a context it invalidated, or invalidates it more narrowly "
        "(global -> partial -> exact). Clients keep the old bundle after the change: "
        "stale caches everywhere, unless the data really is unaffected.",
        _H + "context cart { param cart_id int64; }\nfn cart_total context=cart returns=int { param cart_id int64; }\n"
             "context stock\nfn stock_level context=stock returns=int\n"
             "fn add_line affects=cart,stock returns=int { param cart_id int64; }\n",
        _H + "context cart { param cart_id int64; }\nfn cart_total context=cart returns=int { param cart_id int64; }\n"
             "context stock\nfn stock_level context=stock returns=int\n"
             "fn add_line affects=cart returns=int { param cart_id int64; }\n"),
    ReviewRule(
        "B304", "invalidates-nothing", R, "'{name}' no longer invalidates anything (was: {old})",
        "A mutation that invalidated contexts now invalidates none: every client keeps "
        "showing what it changed.",
        _H + "context feed\nfn posts context=feed returns=list<str>\n"
             "fn post kind=mutation affects=feed returns=str { param text str; }\n",
        _H + "context feed\nfn posts context=feed returns=list<str>\n"
             "fn post kind=mutation returns=str { param text str; }\n"),
    ReviewRule(
        "B305", "ttl-raised", R, "{what} TTL raised: {old} s -> {new} s",
        "Cached bundles (or tokens) live longer: changes and revocations take longer to "
        "reach clients.",
        _H + "context feed auth=public { cache ttl=60 vary=public; }\nfn posts context=feed returns=list<str>\n",
        _H + "context feed auth=public { cache ttl=3600 vary=public; }\nfn posts context=feed returns=list<str>\n"),
    ReviewRule(
        "B306", "upload-limit-raised", R, "upload param '{name}' of '{owner}' accepts more: {detail}",
        "A higher `max-size`, no limit, or more `content-types`: check storage, memory and "
        "what the server does with the new kinds of file.",
        _H + "fn set_avatar returns=str {\n    param image Upload max-size=1000000 content-types=\"image/png\"\n}\n",
        _H + "fn set_avatar returns=str {\n    param image Upload max-size=1000000 "
             "content-types=\"image/png,image/svg+xml\"\n}\n"),
    ReviewRule(
        "B307", "websocket-exposed", R, "'{name}' is now exposed over WebSocket",
        "The function can now be called on the long-lived WebSocket connection, where "
        "rate limits, proxies and logging differ from HTTP.",
        _H + "fn adjust_stock returns=int { param delta int; }\n",
        _H + "fn adjust_stock websocket=#true returns=int { param delta int; }\n"),
    ReviewRule(
        "B308", "guard-changed", R, "guard '{name}' now tests {new} (was {old})",
        "Who passes the guard changed: every function and context behind it is affected.",
        _H + "auth {\n    guard admin claim=role value=admin\n}\nfn ping auth=admin returns=str\n",
        _H + "auth {\n    guard admin claim=is_staff\n}\nfn ping auth=admin returns=str\n"),
    # --- B4xx: additions ---------------------------------------------------------------
    ReviewRule(
        "B401", "function-added", I, "function '{name}' was added",
        "A new function; existing clients are unaffected.",
        _H + "fn ping returns=str\n",
        _H + "fn ping returns=str\nfn pong returns=str\n"),
    ReviewRule(
        "B402", "context-added", I, "context '{name}' was added",
        "A new context (bundle).",
        _H + "fn ping returns=str\n",
        _H + "fn ping returns=str\ncontext feed auth=public\n"),
    ReviewRule(
        "B403", "type-added", I, "{kind} '{name}' was added",
        "A new type, enum or shape.",
        _H + "fn ping returns=str\n",
        _H + "fn ping returns=str\nenum Color { red; green; }\n"),
    ReviewRule(
        "B404", "member-added", I, "{what} '{name}' was added to '{owner}'",
        "A new optional param, a record or shape field, an enum member or a form field. "
        "Old clients do not send or read it. A new enum member in a result can surprise "
        "clients that switch over every member.",
        _H + "fn search returns=list<str> {\n    param text str\n}\n",
        _H + "fn search returns=list<str> {\n    param text str\n    param page int default=1\n}\n"),
    ReviewRule(
        "B405", "form-or-model-added", I, "{kind} '{name}' was added",
        "A new form, model, guard, column or relation.",
        _H + "fn ping returns=str\n",
        _H + "fn ping returns=str\nmodel Tag table=tag { column id int64 primary=#true; }\n"),
]

RULES: dict[str, ReviewRule] = {rule.code: rule for rule in _RULES}
