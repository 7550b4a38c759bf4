"""Synthetic, check-clean `.mizan` specs of any size, for benchmarks and tests.

`generate(n)` builds a realistic API of about `n` functions: ~n/10 record types
with 5-10 fields, ~n/20 contexts keyed by one or two params, ~60% queries (context
members taking the key params, plus a few standalone ones), ~40% mutations whose
`affects` cover the exact, partial and global tiers (implicit and explicit), some
uploads, websocket functions, guards, docs, and a model/shape/form set per domain.

The API is split into domains of ~100 functions. `split=False` gives one file
(`spec.mizan`); `split=True` gives `main.mizan` importing `common.mizan` (auth and
shared types) and one file per domain (each importing `common.mizan`).

Everything is drawn from `random.Random(seed)`: the same (n, seed) always gives
the same bytes. `to_kdl_v1(text)` renders a document in KDL v1 syntax for peers
that only read v1 (kdl-py).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from mizan_lang.identifiers import reserved_in

SINGLE_ROOT = "spec.mizan"
SPLIT_ROOT = "main.mizan"
COMMON_FILE = "common.mizan"
FUNCTIONS_PER_DOMAIN = 100

# Domains and their entities; reused with a numeric suffix when more are needed.
_DOMAINS: list[tuple[str, list[str]]] = [
    ("catalog", ["product", "category", "brand", "variant"]),
    ("orders", ["order", "order_line", "refund", "coupon"]),
    ("accounts", ["account", "address", "membership"]),
    ("inventory", ["warehouse", "stock_item", "supplier"]),
    ("shipping", ["shipment", "parcel", "carrier"]),
    ("billing", ["invoice", "payment", "subscription"]),
    ("reviews", ["review", "rating", "reply"]),
    ("support", ["ticket", "agent", "canned_reply"]),
    ("messaging", ["thread", "message", "attachment"]),
    ("projects", ["project", "milestone", "work_item"]),
    ("calendar", ["event", "venue", "booking"]),
    ("content", ["article", "author", "section"]),
    ("analytics", ["report", "dashboard", "metric"]),
    ("marketing", ["campaign", "audience", "promotion"]),
    ("teams", ["team", "invitation", "role_grant"]),
    ("learning", ["course", "lesson", "enrollment"]),
    ("media", ["album", "photo", "playlist"]),
    ("travel", ["trip", "itinerary", "reservation"]),
    ("health", ["patient", "appointment", "prescription"]),
    ("finance", ["ledger", "transfer", "budget"]),
]

_TYPE_SUFFIXES = ["", "Summary", "Detail", "Stats", "Event", "Note", "Settings", "History",
                  "Snapshot", "Preview", "Export", "Draft", "Digest", "Change", "Quote"]
_CONTEXT_SUFFIXES = ["", "_overview", "_activity", "_board", "_stats", "_history",
                     "_timeline", "_feed", "_insights", "_report"]
_QUERY_VERBS = ["get", "list", "count", "find", "load", "fetch", "preview", "summarize",
                "export", "lookup", "browse", "scan"]
_QUERY_NOUNS = ["", "details", "items", "summary", "stats", "history", "events", "notes",
                "tags", "overview", "timeline", "totals", "changes", "owners", "labels"]
_MUTATION_VERBS = ["create", "update", "delete", "archive", "restore", "rename", "approve",
                   "reject", "assign", "tag", "publish", "close", "reopen", "merge", "sync",
                   "flag", "pin", "reset", "move", "label", "schedule", "cancel"]
_MUTATION_NOUNS = ["", "details", "notes", "tags", "owner", "status", "settings", "labels",
                   "schedule", "flags", "priority", "title"]
_STATUS_MEMBERS = [["draft", "active", "archived"], ["pending", "approved", "rejected", "expired"],
                   ["open", "in_progress", "blocked", "done"], ["queued", "running", "failed",
                                                              "succeeded", "cancelled"]]
_KIND_MEMBERS = [["standard", "premium", "internal"], ["manual", "automatic"],
                 ["small", "medium", "large", "oversized"]]
_DOC_PHRASES = ["Returns the current state as seen by the caller.",
                "Only the owner and staff can see archived entries.",
                "Results are sorted by creation time, newest first.",
                "Changes are visible to every member after the next refresh.",
                "Counts include entries hidden by filters.",
                "The caller must belong to the same account.",
                "Safe to retry: the operation is idempotent.",
                "Amounts are in the account's currency."]

# (name, type) pools; `{E}` is replaced by a domain enum, `{T}` by an earlier type.
_FIELD_POOL = [
    ("title", "str"), ("description", "str?"), ("created_at", "datetime"),
    ("updated_at", "datetime?"), ("amount", "decimal"), ("quantity", "int"),
    ("active", "bool"), ("tags", "list<str>"), ("metadata", "map<str,str>"),
    ("status", "{E}"), ("owner", "{T}"), ("children", "list<{T}>"), ("token", "uuid"),
    ("score", "float"), ("attributes", "map<str,list<str>>"), ("notes", "list<str>?"),
    ("price", "Money"), ("due_on", "date?"), ("position", "int64"), ("payload", "json"),
    ("checksum", "bytes?"), ("related", "map<str,{T}>"), ("visibility", "Visibility"),
    ("previous", "{T}?"), ("counts", "map<str,int64>"), ("labels", "list<{E}>"),
]
_PARAM_POOL = [
    ("title", "str"), ("note", "str?"), ("amount", "decimal"), ("quantity", "int"),
    ("tags", "list<str>"), ("due_at", "datetime?"), ("reason", "str"), ("enabled", "bool"),
    ("position", "int64"), ("priority", "int"), ("comment", "str?"), ("labels", "list<str>"),
    ("effective_on", "date"), ("request_id", "uuid"), ("payload", "{T}"), ("status", "{E}"),
]
_QUERY_EXTRA = [("page", "int", 1), ("limit", "int", 20), ("search", "str?", None),
                ("include_archived", "bool", False), ("since", "datetime?", None),
                ("order", "SortOrder", "descending")]



class Raw(str):
    """Rendered as a KDL v2 raw string `#"..."#`."""


class Multiline(str):
    """Rendered as a KDL v2 multi-line string."""


@dataclass(slots=True)
class Node:
    name: str
    args: list[object] = field(default_factory=list)
    props: list[tuple[str, object]] = field(default_factory=list)
    children: list[Node] | None = None
    comment: str = ""  # a `//` line written before the node
    inline: bool = False  # children on one line separated by `;`


# ---------------------------------------------------------------- rendering (KDL v2)

_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_\-<>,?:.]*")
_KEYWORDS = {"true", "false", "null", "inf", "nan"}


def _value(value: object, indent: str) -> str:
    if value is True:
        return "#true"
    if value is False:
        return "#false"
    if value is None:
        return "#null"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if isinstance(value, Raw):
        return f'#"{text}"#'
    if isinstance(value, Multiline):
        body = "".join(f"{indent}    {line}\n" for line in text.split("\n"))
        return f'"""\n{body}{indent}    """'
    if _BARE.fullmatch(text) and text not in _KEYWORDS:
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _render(nodes: list[Node], depth: int, out: list[str]) -> None:
    indent = "    " * depth
    for node in nodes:
        if node.comment:
            out.append(f"{indent}// {node.comment}\n")
        parts = [node.name]
        parts.extend(_value(arg, indent) for arg in node.args)
        parts.extend(f"{key}={_value(val, indent)}" for key, val in node.props)
        line = indent + " ".join(parts)
        if node.children is None:
            out.append(line + "\n")
        elif node.inline:
            inner = "; ".join(_one_line(child) for child in node.children)
            out.append(f"{line} {{ {inner} }}\n")
        else:
            out.append(line + " {\n")
            _render(node.children, depth + 1, out)
            out.append(indent + "}\n")


def _one_line(node: Node) -> str:
    parts = [node.name, *(_value(arg, "") for arg in node.args)]
    parts.extend(f"{key}={_value(val, '')}" for key, val in node.props)
    return " ".join(parts)


def render(nodes: list[Node]) -> str:
    out: list[str] = []
    _render(nodes, 0, out)
    return "".join(out)


def to_kdl_v1(text: str) -> str:
    """The same KDL v2 document printed in KDL v1 syntax (comments dropped).

    Uses ckdl's v1 emitter: strings quoted, `true`/`false`/`null` without `#`,
    raw and multi-line strings turned into escaped strings.
    """
    import ckdl

    options = ckdl.EmitterOptions()
    options.version = ckdl.KdlVersion.kdl_1
    return ckdl.parse(text, version=2).dump(options)


# ---------------------------------------------------------------- generation


def _pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


@dataclass(slots=True)
class _Context:
    name: str
    keys: list[tuple[str, str]]  # (param, type)
    auth: str


@dataclass
class _Domain:
    name: str
    entities: list[str]
    budget: int
    nodes: list[Node] = field(default_factory=list)
    enums: list[tuple[str, list[str]]] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    contexts: list[_Context] = field(default_factory=list)


class _Generator:
    def __init__(self, n_functions: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = max(1, n_functions)
        self.taken: set[str] = set()

    def unique(self, base: str) -> str:
        name, k = base, 2
        while name in self.taken or reserved_in(name, for_type=True):
            name, k = f"{base}{k}", k + 1
        self.taken.add(name)
        return name

    def doc(self, subject: str) -> str:
        phrase = self.rng.choice(_DOC_PHRASES)
        return f"{subject} {phrase}" if subject else phrase

    # ------------------------------------------------------------ common part

    def common(self) -> list[Node]:
        for name in ("Money", "PageInfo", "AuditStamp", "Visibility", "SortOrder"):
            self.unique(name)
        auth = Node("auth", children=[
            Node("jwt", props=[("algorithm", "HS256"), ("issuer", "shop"), ("audience", "web"),
                               ("access-ttl", 900), ("refresh-ttl", 1209600)]),
            Node("guard", ["staff"], [("claim", "is_staff")]),
            Node("guard", ["admin"], [("claim", "role"), ("value", "admin")],
                 children=[Node("doc", ["Administrators of the whole shop."])]),
            Node("guard", ["support"], [("claim", "is_support")]),
            Node("default", ["user"]),
        ], comment="Tokens and the guards functions and contexts refer to.")
        for guard in ("staff", "admin", "support"):
            self.taken.add(guard)
        return [
            auth,
            Node("enum", ["Visibility"], children=[
                Node("everyone"), Node("members_only", props=[("doc", "Signed-in members")]),
                Node("owner_only")], inline=True),
            Node("enum", ["SortOrder"], children=[Node("ascending"), Node("descending")],
                 inline=True),
            Node("type", ["Money"], children=[
                Node("doc", ["An amount with its ISO 4217 currency."]),
                Node("field", ["amount", "decimal"]),
                Node("field", ["currency", "str"], [("default", "EUR")]),
            ]),
            Node("type", ["PageInfo"], children=[
                Node("field", ["page", "int"], [("default", 1)]),
                Node("field", ["size", "int"], [("default", 20)]),
                Node("field", ["total", "int64"]),
                Node("field", ["has_next", "bool"], [("default", False)]),
            ]),
            Node("type", ["AuditStamp"], props=[("doc", "Who changed a record and when.")],
                 children=[
                     Node("field", ["changed_by", "int64"]),
                     Node("field", ["changed_at", "datetime"]),
                     Node("field", ["reason", "str?"]),
                 ]),
        ]

    # ------------------------------------------------------------ one domain

    def domain(self, dom: _Domain) -> None:
        rng = self.rng
        budget = dom.budget
        self.enums(dom, max(1, round(budget / 40)))
        self.types(dom, max(1, round(budget / 10)))
        self.contexts(dom, max(1, round(budget / 20)))
        extras = 0
        if budget >= 20:
            extras += self.models_shapes_form(dom)
        if budget >= 50:
            name = self.unique(f"recompute_{dom.entities[0]}_totals")
            dom.nodes.append(Node("fn", [name], [("kind", "mutation"), ("auth", "admin")],
                                  children=[Node("doc", ["Recomputes cached totals overnight."])]))
            extras += 1
        remaining = max(0, budget - extras)
        n_queries = round(remaining * 0.6)
        kinds = ["query"] * n_queries + ["mutation"] * (remaining - n_queries)
        rng.shuffle(kinds)
        for kind in kinds:
            dom.nodes.append(self.query(dom) if kind == "query" else self.mutation(dom))

    def enums(self, dom: _Domain, count: int) -> None:
        for i in range(count):
            entity = dom.entities[i % len(dom.entities)]
            suffix = "Status" if i % 2 == 0 else "Kind"
            name = self.unique(_pascal(entity) + suffix)
            pool = _STATUS_MEMBERS if suffix == "Status" else _KIND_MEMBERS
            members = pool[self.rng.randrange(len(pool))]
            children = [Node(m) for m in members]
            if self.rng.random() < 0.3:
                children[0].props.append(("doc", f"New {entity.replace('_', ' ')}s start here"))
            dom.enums.append((name, members))
            dom.nodes.append(Node("enum", [name], children=children,
                                  inline=self.rng.random() < 0.6))

    def types(self, dom: _Domain, count: int) -> None:
        rng = self.rng
        for i in range(count):
            entity = dom.entities[i % len(dom.entities)]
            suffix = _TYPE_SUFFIXES[(i // len(dom.entities)) % len(_TYPE_SUFFIXES)]
            name = self.unique(_pascal(entity) + suffix)
            children: list[Node] = []
            if rng.random() < 0.3:
                children.append(Node("doc", [self.doc(f"One {entity.replace('_', ' ')}.")]))
            children.append(Node("field", ["id", "int64"]))
            used = {"id"}
            for fname, ftype in rng.sample(_FIELD_POOL, rng.randint(4, 9)):
                if fname in used:
                    continue
                resolved = self.resolve(dom, ftype)
                if resolved is None:
                    continue
                used.add(fname)
                props: list[tuple[str, object]] = []
                if resolved == "int" and rng.random() < 0.5:
                    props.append(("default", 0))
                elif resolved == "bool":
                    props.append(("default", True))
                elif resolved in dict(dom.enums) and rng.random() < 0.6:
                    props.append(("default", dict(dom.enums)[resolved][0]))
                if rng.random() < 0.05:
                    props.append(("doc", f"The {fname.replace('_', ' ')}"))
                children.append(Node("field", [fname, resolved], props))
            dom.types.append(name)
            dom.nodes.append(Node("type", [name], children=children))

    def resolve(self, dom: _Domain, pattern: str) -> str | None:
        """Fill `{E}` / `{T}` in a type pattern from the domain (None: nothing fits yet)."""
        if "{E}" in pattern:
            if not dom.enums:
                return None
            pattern = pattern.replace("{E}", self.rng.choice(dom.enums)[0])
        if "{T}" in pattern:
            if not dom.types:
                return None
            pattern = pattern.replace("{T}", self.rng.choice(dom.types[-6:]))
        return pattern

    def contexts(self, dom: _Domain, count: int) -> None:
        rng = self.rng
        for i in range(count):
            entity = dom.entities[i % len(dom.entities)]
            suffix = _CONTEXT_SUFFIXES[(i // len(dom.entities)) % len(_CONTEXT_SUFFIXES)]
            name = self.unique(entity + suffix)
            keys = [(f"{entity}_id", "int64")]
            if rng.random() < 0.35:
                other = rng.choice([e for e in dom.entities if e != entity] or [entity])
                second = rng.choice([(f"{other}_id", "int64"), ("locale", "str"),
                                     ("region_code", "str"), ("period", "date")])
                if second[0] != keys[0][0]:
                    keys.append(second)
            roll = rng.random()
            auth = "public" if roll < 0.2 else "staff" if roll < 0.3 else ""
            ctx = _Context(name, keys, auth or "user")
            props: list[tuple[str, object]] = [("auth", auth)] if auth else []
            children: list[Node] = []
            if rng.random() < 0.5:
                children.append(Node("doc", [self.doc(f"Everything one page needs about a "
                                                      f"{entity.replace('_', ' ')}.")]))
            children.extend(Node("param", [k, t]) for k, t in keys)
            if rng.random() < 0.6:
                vary = "public" if auth == "public" else "identity"
                children.append(Node("cache", props=[("ttl", rng.choice([30, 60, 300, 3600])),
                                                     ("vary", vary)]))
            if rng.random() < 0.5:
                children.append(Node("render", [rng.choice(["psr", "ssr", "csr"])]))
            dom.contexts.append(ctx)
            dom.nodes.append(Node("context", [name], props, children))

    def returns(self, dom: _Domain) -> str:
        rng = self.rng
        base = rng.choice(dom.types)
        return rng.choice([base, base, f"list<{base}>", f"{base}?", f"map<str,{base}>",
                           "int64", "PageInfo"])

    def with_doc(self, props: list, children: list[Node], subject: str) -> None:
        roll = self.rng.random()
        if roll < 0.15:
            children.insert(0, Node("doc", [self.doc(subject)]))
        elif roll < 0.22:
            props.append(("doc", self.doc(subject)))
        elif roll < 0.25:
            children.insert(0, Node("doc", [Multiline(self.doc(subject) + "\n\n"
                                                      + self.rng.choice(_DOC_PHRASES))]))

    def query(self, dom: _Domain) -> Node:
        rng = self.rng
        props: list[tuple[str, object]] = []
        children: list[Node] = []
        if rng.random() < 0.85:
            ctx = rng.choice(dom.contexts)
            name = self.unique(f"{rng.choice(_QUERY_VERBS)}_{ctx.name}"
                               + (f"_{n}" if (n := rng.choice(_QUERY_NOUNS)) else ""))
            props.append(("context", ctx.name))
            children.extend(Node("param", [k, t]) for k, t in ctx.keys)
            taken = {k for k, _ in ctx.keys}
        else:
            entity = rng.choice(dom.entities)
            name = self.unique(f"search_{entity}_entries")
            children.append(Node("param", ["query", "str"]))
            taken = {"query"}
            if rng.random() < 0.3:
                props.append(("auth", "public"))
        props.append(("returns", self.returns(dom)))
        for pname, ptype, default in rng.sample(_QUERY_EXTRA, rng.choice([0, 0, 0, 1, 1, 2])):
            if pname in taken:
                continue
            extra = [("default", default)] if default is not None else []
            children.append(Node("param", [pname, ptype], extra))
        if rng.random() < 0.08:
            props.append(("websocket", True))
        self.with_doc(props, children, "")
        return Node("fn", [name], props, children)

    def mutation(self, dom: _Domain) -> Node:
        rng = self.rng
        entity = rng.choice(dom.entities)
        name = self.unique(f"{rng.choice(_MUTATION_VERBS)}_{entity}"
                           + (f"_{n}" if (n := rng.choice(_MUTATION_NOUNS)) else ""))
        targets = rng.sample(dom.contexts, min(len(dom.contexts), 1 if rng.random() < 0.75 else 2))
        params: dict[str, str] = {}
        affects: list[Node] = []
        explicit = False
        for ctx in targets:
            roll = rng.random()
            if roll < 0.55:  # exact: every key
                params.update(ctx.keys)
                affects.append(Node("affects", [ctx.name]))
            elif roll < 0.7 and len(ctx.keys) == 2:  # partial: first key only
                params.update(ctx.keys[:1])
                affects.append(Node("affects", [ctx.name]))
            elif roll < 0.8:  # explicit binding to a differently named param
                explicit = True
                bindings = []
                for key, ktype in ctx.keys:
                    param = f"target_{key}"
                    params[param] = ktype
                    bindings.append(f"{key}:{param}")
                affects.append(Node("affects", [ctx.name], [("by", ",".join(bindings))]))
            elif roll < 0.85:  # forced tier
                explicit = True
                affects.append(Node("affects", [ctx.name], [("scope", "global")]))
            else:  # global: no key param (the pool has no key names)
                affects.append(Node("affects", [ctx.name]))
        for pname, ptype in rng.sample(_PARAM_POOL, rng.choice([1, 1, 2])):
            resolved = self.resolve(dom, ptype)
            if resolved is None or pname in params:
                continue
            params[pname] = resolved
        props: list[tuple[str, object]] = []
        children: list[Node] = []
        if explicit:
            children.extend(affects)
        else:
            props.append(("affects", ",".join(str(a.args[0]) for a in affects)))
        roll = rng.random()
        if roll < 0.15:
            props.append(("auth", "staff"))
        elif roll < 0.2:
            props.append(("auth", "admin"))
        elif roll < 0.25:
            props.append(("auth", "user"))
        if rng.random() < 0.4:
            props.append(("returns", rng.choice(dom.types)))
        children.extend(Node("param", [p, t]) for p, t in params.items())
        if rng.random() < 0.05:
            children.append(Node("param", ["file", "Upload"], [
                ("max-size", rng.choice([1000000, 5000000, 20000000])),
                ("content-types", rng.choice(["image/png,image/jpeg", "application/pdf",
                                              "text/csv"]))]))
        elif rng.random() < 0.08:
            props.append(("websocket", True))
        self.with_doc(props, children, "")
        return Node("fn", [name], props, children)

    def models_shapes_form(self, dom: _Domain) -> int:
        """A model pair, two shapes, and a form with its submit mutation; returns fns added."""
        rng = self.rng
        entity = dom.entities[0]
        record = self.unique(_pascal(entity) + "Record")
        label = self.unique(_pascal(entity) + "Label")
        dom.nodes.append(Node("model", [label], [("table", f"{dom.name}_{entity}_label")],
                              [Node("column", ["id", "int64"], [("primary", True)]),
                               Node("column", ["label", "str"], [("unique", True)])]))
        dom.nodes.append(Node("model", [record], [("table", f"{dom.name}_{entity}")], [
            Node("doc", [f"Rows of {entity.replace('_', ' ')}s as stored."]),
            Node("column", ["id", "int64"], [("primary", True)]),
            Node("column", ["title", "str"]),
            Node("column", ["slug", "str"], [("unique", True)]),
            Node("column", ["contact_email", "str?"]),
            Node("column", ["created_at", "datetime"]),
            Node("column", ["price", "decimal?"]),
            Node("relation", ["labels"], [("to", label), ("many", True)]),
        ]))
        label_ref = self.unique(_pascal(entity) + "LabelRef")
        card = self.unique(_pascal(entity) + "Card")
        dom.nodes.append(Node("shape", [label_ref], [("model", label)],
                              [Node("field", ["id"]), Node("field", ["label"])], inline=True))
        dom.nodes.append(Node("shape", [card], [("model", record)], [
            Node("field", ["id"]), Node("field", ["title"]), Node("field", ["created_at"]),
            Node("field", ["labels"], [("shape", label_ref)])]))
        browse = self.unique(f"browse_{entity}_cards")
        dom.nodes.append(Node("fn", [browse], [("auth", "public"), ("returns", f"list<{card}>")],
                              [Node("param", ["page", "int"], [("default", 1)])]))
        enum = dom.enums[0][0]
        submit = self.unique(f"submit_{entity}_request")
        form = self.unique(_pascal(entity) + "RequestForm")
        fields = [
            ("title", "str", "str", [("required", True), ("max-length", 120), ("min-length", 1),
                                     ("label", "Title")]),
            ("contact_email", "email", "str", [("required", True)]),
            ("quantity", "int", "int", [("required", True), ("min", 0),
                                        ("max", rng.choice([99, 999, 9999]))]),
            ("code", "str", "str", [("required", True),
                                    ("pattern", Raw("^[A-Z]{3}-[0-9]{4}$"))]),
            ("website", "url", "str?", []),
            ("status", enum, enum, [("required", True)]),
        ]
        ctx = dom.contexts[0]
        dom.nodes.append(Node("fn", [submit], [("affects", ctx.name)],
                              [Node("param", [n, ptype]) for n, _, ptype, _ in fields]))
        dom.nodes.append(Node("form", [form], [("submit", submit)],
                              [Node("field", [n, ftype], props) for n, ftype, _, props in fields]))
        return 2


def _domains(n: int) -> list[_Domain]:
    count = max(1, -(-n // FUNCTIONS_PER_DOMAIN))
    domains = []
    for i in range(count):
        base, entities = _DOMAINS[i % len(_DOMAINS)]
        suffix = "" if i < len(_DOMAINS) else str(i // len(_DOMAINS) + 1)
        budget = n // count + (1 if i < n % count else 0)
        domains.append(_Domain(base + suffix, [e + suffix for e in entities], budget))
    return domains


def generate(n_functions: int, seed: int = 0, *, split: bool = False) -> dict[str, str]:
    """A check-clean spec of about `n_functions` functions: file name -> text.

    `split=False`: {"spec.mizan": text}. `split=True`: "main.mizan" (the root,
    importing everything), "common.mizan" and one file per domain.
    """
    gen = _Generator(n_functions, seed)
    common = gen.common()
    domains = _domains(gen.n)
    for dom in domains:
        gen.domain(dom)
    header = Node("mizan", [1], comment=f"Synthetic API: {n_functions} functions, seed {seed}.")
    if not split:
        nodes = [header, *common]
        for dom in domains:
            dom.nodes[0].comment = f"--- {dom.name} ---"
            nodes.extend(dom.nodes)
        return {SINGLE_ROOT: render(nodes)}
    files = {COMMON_FILE: render([Node("mizan", [1]), *common])}
    root = [header, Node("import", [COMMON_FILE])]
    for dom in domains:
        file_name = f"{dom.name}.mizan"
        files[file_name] = render([Node("mizan", [1], comment=f"Domain {dom.name}."),
                                   Node("import", [COMMON_FILE]), *dom.nodes])
        root.append(Node("import", [file_name]))
    files[SPLIT_ROOT] = render(root)
    return dict(sorted(files.items()))


def root_file(files: dict[str, str]) -> str:
    """The root file name of a `generate` result."""
    return SPLIT_ROOT if SPLIT_ROOT in files else SINGLE_ROOT


def size_bytes(files: dict[str, str]) -> int:
    return sum(len(text.encode("utf-8")) for text in files.values())
