"""Lowering: the KDL tree of one file -> `decls.FileDecls`.

The schema of every node lives in the `NodeSpec` tables below (the language
reference, docs/language.md, describes the same tables in words). Lowering is
tolerant: a damaged node still yields whatever could be read, and nothing
here raises on user input. Value checks that need the whole workspace (does
`Profile` exist, is `ttl` positive, is `vary` a known policy) belong to the
checker; lowering checks only the shape of nodes and the kind of values.
"""

from __future__ import annotations

from .decls import (
    Affect,
    AuthBlock,
    CachePolicy,
    Column,
    ContextDecl,
    Doc,
    EnumDecl,
    EnumMember,
    Field,
    FileDecls,
    FormDecl,
    FormField,
    FunctionDecl,
    Guard,
    Import,
    JwtSettings,
    Literal,
    ModelDecl,
    Name,
    Param,
    Relation,
    ShapeDecl,
    ShapeField,
    TypeDecl,
    TypeRef,
)
from .diagnostics import Diagnostic
from .kdl.model import NUMBER, Document, Node, Value
from .lower_read import (
    ArgSpec,
    NodeSpec,
    Read,
    Reader,
    name_and_type,
    read_bindings,
    read_bool,
    read_bound,
    read_int,
    read_literal,
    read_name,
    read_name_list,
    read_pattern,
    read_text,
    read_type,
)
from .records import field, record
from .source import Span

SUPPORTED_VERSIONS = (1,)
_new = object.__new__  # the hottest builders make a record without `__init__` (see lower_read)


def read_version(reader: Reader, value: Value, what: str) -> Literal | None:
    if value.kind != NUMBER or not isinstance(value.value, int):
        reader.wrong(value, what, "a whole number such as 1")
        return None
    if value.value not in SUPPORTED_VERSIONS:
        reader.report("M103", value.span, version=value.raw)
    return Literal(value.value, value.span, value.raw)


NAME = ArgSpec("name", read_name)
TYPE = ArgSpec("type", read_type)

# --- the schema ----------------------------------------------------------------
MIZAN = NodeSpec("mizan", args=(ArgSpec("version", read_version, "a version number"),))
IMPORT = NodeSpec("import", args=(ArgSpec("path", read_text, "a file path"),))

JWT = NodeSpec("jwt", once=True, props={
    "algorithm": read_name, "issuer": read_name, "audience": read_name,
    "access-ttl": read_int, "refresh-ttl": read_int,
})
GUARD = NodeSpec("guard", args=(NAME,), doc=True, props={"claim": read_name, "value": read_literal})
DEFAULT = NodeSpec("default", once=True, args=(ArgSpec("auth level", read_name, "an auth level"),))
AUTH = NodeSpec("auth", children={"jwt": JWT, "guard": GUARD, "default": DEFAULT})

MEMBER = NodeSpec("member", doc=True)
ENUM = NodeSpec("enum", args=(NAME,), doc=True, other_children=MEMBER)

TYPE_FIELD = NodeSpec("field", args=(NAME, TYPE), doc=True, props={"default": read_literal})
TYPE_DECL = NodeSpec("type", args=(NAME,), doc=True, children={"field": TYPE_FIELD})

PARAM = NodeSpec("param", args=(NAME, TYPE), doc=True, props={
    "default": read_literal, "max-size": read_int, "content-types": read_name_list,
})
CACHE = NodeSpec("cache", once=True, props={"ttl": read_int, "vary": read_name})
RENDER = NodeSpec("render", once=True, args=(ArgSpec("strategy", read_name, "a render strategy"),))
CONTEXT = NodeSpec("context", args=(NAME,), doc=True, props={"auth": read_name},
                   children={"param": PARAM, "cache": CACHE, "render": RENDER})

AFFECTS = NodeSpec("affects", args=(ArgSpec("context", read_name, "a context name"),),
                   props={"by": read_bindings, "scope": read_name})
FN = NodeSpec("fn", args=(NAME,), doc=True, children={"param": PARAM, "affects": AFFECTS}, props={
    "context": read_name, "returns": read_type, "affects": read_name_list, "auth": read_name,
    "websocket": read_bool, "kind": read_name,
})

COLUMN = NodeSpec("column", args=(NAME, TYPE), doc=True,
                  props={"primary": read_bool, "unique": read_bool, "scale": read_int,
                         "max-length": read_int})
RELATION = NodeSpec("relation", args=(NAME,), doc=True, required_props=("to",),
                    props={"to": read_name, "many": read_bool, "on-delete": read_name})
MODEL = NodeSpec("model", args=(NAME,), doc=True, props={"table": read_name},
                 children={"column": COLUMN, "relation": RELATION})

SHAPE_FIELD = NodeSpec("field", args=(NAME,), props={"shape": read_name})
SHAPE = NodeSpec("shape", args=(NAME,), doc=True, required_props=("model",),
                 props={"model": read_name}, children={"field": SHAPE_FIELD})

FORM_VALIDATORS = {
    "required": read_bool, "min": read_bound, "max": read_bound, "min-length": read_int,
    "max-length": read_int, "pattern": read_pattern,
}
FORM_FIELD = NodeSpec("field", args=(NAME, TYPE), doc=True,
                      props={**FORM_VALIDATORS, "label": read_text})
FORM = NodeSpec("form", args=(NAME,), doc=True, required_props=("submit",),
                props={"submit": read_name}, children={"field": FORM_FIELD})

TOP_LEVEL = ("mizan", "import", "auth", "enum", "type", "context", "fn", "model", "shape", "form")


# --- builders --------------------------------------------------------------------
# A Read of a spec with arguments has one entry per argument (None if missing).
def _name(read: Read) -> Name | None:
    name = read.args[0]
    return name if isinstance(name, Name) else None


def _type(read: Read, node: Node) -> TypeRef:
    """The type argument; a placeholder (expr None, already reported) when missing."""
    ref = read.args[1]
    if isinstance(ref, TypeRef):
        return ref
    end = node.args[0].span.end if node.args else node.name_span.end
    return TypeRef("", Span(end, end), None)


def _param(reader: Reader, node: Node, spec: NodeSpec) -> Param | None:
    plain = name_and_type(reader, node)
    if plain is not None:
        param = _new(Param)  # Param(*plain, node.span, None, None, None, []), without `__init__`
        param.name, param.type = plain
        param.span, param.default, param.doc = node.span, None, None
        param.max_size, param.content_types = None, []
        return param
    read = reader.read(node, spec)
    name = _name(read)
    if name is None:
        return None
    props = read.props
    return Param(name, _type(read, node), node.span, props.get("default"), read.doc,
                 props.get("max-size"), props.get("content-types") or [])


def _auth(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, AUTH)
    block = AuthBlock(node.span)
    for child, spec in read.children:
        sub = reader.read(child, spec)
        if spec is JWT:
            p = sub.props
            block.jwt = JwtSettings(child.span, p.get("algorithm"), p.get("issuer"),
                                    p.get("audience"), p.get("access-ttl"), p.get("refresh-ttl"))
        elif spec is GUARD and (name := _name(sub)) is not None:
            block.guards.append(Guard(name, child.span, sub.props.get("claim"),
                                      sub.props.get("value"), sub.doc))
        elif spec is DEFAULT and isinstance(level := sub.arg(0), Name):
            block.default = level
    out.auth.append(block)


def _enum(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, ENUM)
    members = []
    for child, spec in read.children:
        member = reader.read(child, spec)
        members.append(EnumMember(Name(child.name, child.name_span), member.doc))
    if (name := _name(read)) is not None:
        out.enums.append(EnumDecl(name, node.span, members, read.doc))


def _type_decl(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, TYPE_DECL)
    fields = []
    for child, spec in read.children:
        plain = name_and_type(reader, child)
        if plain is not None:
            fields.append(Field(plain[0], plain[1], child.span))
            continue
        sub = reader.read(child, spec)
        if (name := _name(sub)) is not None:
            fields.append(Field(name, _type(sub, child), child.span,
                                sub.props.get("default"), sub.doc))
    if (name := _name(read)) is not None:
        out.types.append(TypeDecl(name, node.span, fields, read.doc))


def _context(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, CONTEXT)
    decl = ContextDecl(Name("", node.name_span), node.span, auth=read.props.get("auth"),
                       doc=read.doc)
    for child, spec in read.children:
        if spec is PARAM:
            if (param := _param(reader, child, spec)) is not None:
                decl.params.append(param)
            continue
        sub = reader.read(child, spec)
        if spec is CACHE:
            decl.cache = CachePolicy(child.span, sub.props.get("ttl"), sub.props.get("vary"))
        elif spec is RENDER and isinstance(strategy := sub.arg(0), Name):
            decl.render = strategy
    if (name := _name(read)) is not None:
        decl.name = name
        out.contexts.append(decl)


def _function(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, FN)
    p = read.props
    named = p.get("affects")  # (most functions affect nothing: no comprehension then)
    affects = [Affect(name, name.span) for name in named] if named else []
    params = []
    for child, spec in read.children:
        if spec is PARAM:
            if (param := _param(reader, child, spec)) is not None:
                params.append(param)
            continue
        sub = reader.read(child, spec)
        if isinstance(context := sub.arg(0), Name):
            affects.append(Affect(context, child.span, sub.props.get("by"),
                                  sub.props.get("scope")))
    if (name := _name(read)) is not None:
        out.functions.append(FunctionDecl(
            name, node.span, params, p.get("returns"), p.get("context"), affects, p.get("auth"),
            p.get("websocket"), p.get("kind"), read.doc,
        ))


def _model(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, MODEL)
    decl = ModelDecl(Name("", node.name_span), node.span, read.props.get("table"), doc=read.doc)
    for child, spec in read.children:
        sub = reader.read(child, spec)
        name = _name(sub)
        if name is None:
            continue
        if spec is COLUMN:
            decl.columns.append(Column(name, _type(sub, child), child.span,
                                       sub.props.get("primary"), sub.props.get("unique"), sub.doc,
                                       sub.props.get("scale"), sub.props.get("max-length")))
        elif isinstance(target := sub.props.get("to"), Name):
            decl.relations.append(Relation(name, target, child.span, sub.props.get("many"),
                                           sub.doc, sub.props.get("on-delete")))
    if (name := _name(read)) is not None:
        decl.name = name
        out.models.append(decl)


def _shape(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, SHAPE)
    fields = []
    for child, spec in read.children:
        sub = reader.read(child, spec)
        if (name := _name(sub)) is not None:
            fields.append(ShapeField(name, child.span, sub.props.get("shape")))
    if (name := _name(read)) is not None:
        out.shapes.append(ShapeDecl(name, node.span, read.props.get("model"), fields, read.doc))


def _form(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, FORM)
    fields = []
    for child, spec in read.children:
        sub = reader.read(child, spec)
        if (name := _name(sub)) is None:
            continue
        # Validators in source order, as written (rightmost of a repeated key).
        validators = {prop.key: sub.props[prop.key] for prop in child.props
                      if prop.key in FORM_VALIDATORS and prop.key in sub.props}
        label = sub.props.get("label")
        fields.append(FormField(name, _type(sub, child), child.span, validators,
                                label if isinstance(label, Doc) else None, sub.doc))
    if (name := _name(read)) is not None:
        out.forms.append(FormDecl(name, node.span, read.props.get("submit"), fields, read.doc))


def _import(reader: Reader, node: Node, out: FileDecls) -> None:
    read = reader.read(node, IMPORT)
    path = read.arg(0)
    if isinstance(path, Doc):
        out.imports.append(Import(path.text, node.span, path.span))


_BUILDERS = {
    "import": _import, "auth": _auth, "enum": _enum, "type": _type_decl, "context": _context,
    "fn": _function, "model": _model, "shape": _shape, "form": _form,
}


def _check_version_position(reader: Reader, nodes: list[Node]) -> None:
    if not nodes:
        reader.report("M101", Span(0, 0), data={"insert": "mizan 1\n"})
    elif nodes[0].name != "mizan":
        later = next((node for node in nodes if node.name == "mizan"), None)
        if later is not None:
            reader.report("M102", later.name_span)
        else:
            reader.report("M101", nodes[0].name_span, data={"insert": "mizan 1\n"})


@record
class LoweredPart:
    """The declarations of some consecutive top-level nodes of one file.

    The language server lowers each top-level chunk of a file on its own and
    keeps the result until the chunk changes; `assemble` then adds what needs
    the whole file (where the version node is, repeated version nodes).
    """

    decls: FileDecls
    diagnostics: list[Diagnostic]
    versions: list[tuple[Node, Literal | None]] = field(default_factory=list)
    _filled: list[tuple[str, list]] | None = None

    def filled(self) -> list[tuple[str, list]]:
        """The non-empty declaration lists (a chunk usually holds one declaration)."""
        if self._filled is None:
            self._filled = [(name, items) for name in _LISTS
                            if (items := getattr(self.decls, name))]
        return self._filled


class KeptPart:
    """What `merge_parts` reads of a LoweredPart, as the language server keeps it
    for each top-level chunk of an open file: the non-empty declaration lists
    (a chunk usually holds one declaration), the diagnostics and the version
    nodes. A LoweredPart's nine lists, mostly empty, cost ~0.7 KiB a chunk."""

    __slots__ = ("_filled", "diagnostics", "versions")

    def __init__(self, part: LoweredPart) -> None:
        self._filled = tuple((name, tuple(items)) for name, items in part.filled())
        self.diagnostics = part.diagnostics or ()
        self.versions = part.versions or ()

    def filled(self) -> tuple[tuple[str, tuple], ...]:
        return self._filled


def lower_part(nodes: list[Node], path: str) -> LoweredPart:
    reader = Reader(path)
    part = LoweredPart(FileDecls(path), reader.diagnostics)
    lower_nodes(reader, part, nodes)
    return part


def lower_nodes(reader: Reader, part: LoweredPart, nodes: list[Node]) -> None:
    """Lower top-level `nodes` into `part` (its declarations, versions), reporting to `reader`."""
    out = part.decls
    for node in nodes:
        if node.name == "mizan":
            version = reader.read(node, MIZAN).arg(0)
            part.versions.append((node, version if isinstance(version, Literal) else None))
            continue
        builder = _BUILDERS.get(node.name)
        if builder is None:
            reader.unknown_node(node, "at the top level", list(TOP_LEVEL))
        else:
            builder(reader, node, out)


_LISTS = ("imports", "auth", "enums", "types", "contexts", "functions", "models", "shapes",
          "forms")


def merge_parts(parts: list[LoweredPart] | list[KeptPart], path: str) -> LoweredPart:
    """Consecutive parts as one (a run of a file's chunks: see `kdl.incremental.Segment`)."""
    out = FileDecls(path)
    merged = LoweredPart(out, [])
    targets = {name: getattr(out, name) for name in _LISTS}
    for part in parts:
        for name, items in part.filled():
            targets[name].extend(items)
        merged.diagnostics.extend(part.diagnostics)
        merged.versions.extend(part.versions)
    return merged


def assemble(parts: list[LoweredPart], nodes: list[Node], path: str
             ) -> tuple[FileDecls, list[Diagnostic]]:
    """One file's declarations from its parts (in file order) and its top-level nodes."""
    reader = Reader(path)
    _check_version_position(reader, nodes)
    out = FileDecls(path)
    found = reader.diagnostics
    versions = [version for part in parts for version in part.versions]
    for index, (node, version) in enumerate(versions):
        if index == 0:
            out.version = version
        else:
            reader.report("M110", node.name_span, what="the version ('mizan')")
    targets = {name: getattr(out, name) for name in _LISTS}
    for part in parts:
        for name, items in part.filled():
            targets[name].extend(items)
        if part.diagnostics:
            found.extend(part.diagnostics)
    return out, sorted(found, key=Diagnostic.sort_key)


def lower(document: Document, path: str) -> tuple[FileDecls, list[Diagnostic]]:
    """The declarations of one file and the problems found on the way."""
    return assemble([lower_part(document.nodes, path)], document.nodes, path)
