"""The IR is byte-stable: the same meaning gives the same bytes.

Property: take the shop example's declarations, shuffle them, re-spell every
node (spacing, indentation, quoting style, numbers in other bases, comments,
slashdashed junk, `doc` as a child or a property, the auth block split up)
and spread them over several files importing each other in random ways. The
IR, as KDL and as JSON, must not change by a single byte.
"""

from __future__ import annotations

import functools
import posixpath
import random
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ir import REPO, checked, ir_of_sources, ir_texts

from mizan_lang.kdl import Node, Prop, Value, parse
from mizan_lang.kdl.chars import is_plain_identifier
from mizan_lang.kdl.printer import quote

SHOP = REPO / "examples" / "shop"
FOLDERS = ("", "lib/", "lib/deep/", "other/")


@functools.cache
def shop_declarations() -> tuple[Node, ...]:
    """Every top-level node of the shop except the version headers and imports."""
    nodes = []
    for path in sorted(SHOP.glob("*.mizan")):
        result = parse(path.read_text(encoding="utf-8"))
        assert result.ok, path
        nodes.extend(n for n in result.document.nodes if n.name not in ("mizan", "import"))
    return tuple(nodes)


@functools.cache
def baseline() -> tuple[str, str]:
    return ir_texts(checked([str(SHOP / "main.mizan")]))


# --- re-spelling one node --------------------------------------------------------


def spell_string(text: str, rnd: random.Random) -> str:
    options = [quote(text)]
    if is_plain_identifier(text):
        options += [text, text]
    if '"#' not in text and not any(ch in text for ch in "\n\r\t\\"):
        options.append(f'#"{text}"#')
    if text.strip() == text and text and not any(ch in text for ch in '\n\r\t\\"'):
        pad = rnd.choice(["", "  ", "\t"])
        options.append(f'"""\n{pad}{text}\n{pad}"""')
    if text.isascii() and any(ch.isalpha() for ch in text):
        # Some letters as \u{..} escapes.
        options.append('"' + "".join(
            f"\\u{{{ord(ch):x}}}" if ch.isalpha() and rnd.random() < 0.3 else quote(ch)[1:-1]
            for ch in text) + '"')
    return rnd.choice(options)


def spell_int(number: int, rnd: random.Random) -> str:
    options = [str(number), f"+{number}" if number >= 0 else str(number)]
    if number >= 0:
        options += [f"0x{number:X}", f"0x{number:x}", f"0o{number:o}", f"0b{number:b}"]
    digits = str(abs(number))
    if len(digits) > 3:
        grouped = f"{int(digits):_}"
        options.append(grouped if number >= 0 else "-" + grouped)
    return rnd.choice(options)


def spell_value(value: Value, rnd: random.Random) -> str:
    if value.kind == "string":
        return spell_string(value.value, rnd)
    if isinstance(value.value, bool):
        return "#true" if value.value else "#false"
    if value.value is None:
        return "#null"
    if isinstance(value.value, int):
        return spell_int(value.value, rnd)
    return value.raw


def separator(rnd: random.Random, indent: str) -> str:
    return rnd.choice([" ", " ", "  ", "\t", " /* note */ ", f" \\\n{indent}    ",
                       f" \\ // continued\n{indent}  "])


def junk_entry(rnd: random.Random) -> str:
    return rnd.choice(['/-ignored=1', '/-"dropped"', "/-#true", '/-doc="not this one"'])


def move_doc(node: Node, rnd: random.Random) -> Node:
    """Sometimes turn a `doc` child into a doc= property, or the other way round."""
    doc_child = next((c for c in node.children or [] if c.name == "doc"), None)
    doc_prop = node.prop("doc")
    if doc_child is not None and rnd.random() < 0.35:
        rest = [c for c in node.children if c is not doc_child]
        return Node(node.name, node.name_span, node.span, args=node.args,
                    props=[*node.props, Prop("doc", doc_child.span, doc_child.args[0],
                                             doc_child.span)],
                    children=rest or None)
    if doc_prop is not None and rnd.random() < 0.35:
        child = Node("doc", doc_prop.span, doc_prop.span, args=[doc_prop.value])
        return Node(node.name, node.name_span, node.span, args=node.args,
                    props=[p for p in node.props if p.key != "doc"],
                    children=[child, *(node.children or [])])
    return node


def spell_node(node: Node, rnd: random.Random, indent: str) -> str:
    node = move_doc(node, rnd)
    entries = [spell_value(arg, rnd) for arg in node.args]
    props = [f"{spell_string(p.key, rnd) if rnd.random() < 0.2 else p.key}="
             f"{spell_value(p.value, rnd)}" for p in node.props]
    rnd.shuffle(props)
    for prop in props:  # props go anywhere; arguments keep their order
        entries.insert(rnd.randint(0, len(entries)), prop)
    if rnd.random() < 0.15:
        entries.insert(rnd.randint(0, len(entries)), junk_entry(rnd))
    name = spell_string(node.name, rnd) if rnd.random() < 0.2 else node.name
    text = name + "".join(separator(rnd, indent) + entry for entry in entries)
    if node.children is not None:
        text += rnd.choice([" ", "", "  "]) + spell_block(node.children, rnd, indent)
    return text


def spell_block(children: list[Node], rnd: random.Random, indent: str) -> str:
    if not children:
        return rnd.choice(["{}", "{ }", "{\n" + indent + "}"])
    if rnd.random() < 0.25:  # all on one line
        inner = "; ".join(spell_node(c, rnd, indent) for c in children)
        return "{ " + inner + rnd.choice(["", ";"]) + " }"
    step = rnd.choice(["    ", "  ", "\t", "        "])
    lines = [spell_line(c, rnd, indent + step) for c in children]
    return "{\n" + "".join(lines) + indent + "}"


def spell_line(node: Node, rnd: random.Random, indent: str) -> str:
    before = rnd.choice(["", "", "", "\n", f"{indent}// a comment\n",
                         f"{indent}/* a\n   block */\n", f"{indent}/-skipped 1 {{ x }}\n"])
    ending = rnd.choice(["\n", "\n", ";\n", " // trailing\n", ";  /* x */\n"])
    return before + indent + spell_node(node, rnd, indent) + ending


# --- spreading declarations over files -----------------------------------------------


@dataclass
class Layout:
    """Where each declaration goes and who imports whom."""

    order: list[int]  # permutation of the declarations
    file_of: list[int]  # declaration -> file index (0 is the root)
    folders: list[str]  # file index -> folder
    imports: set[tuple[int, int]]  # (importer, imported), importer < imported: no cycles
    split_auth: bool
    seed: int

    def file_name(self, index: int) -> str:
        return "main.mizan" if index == 0 else f"{self.folders[index]}part{index}.mizan"

    def render(self) -> dict[str, str]:
        rnd = random.Random(self.seed)
        declarations = list(shop_declarations())
        if self.split_auth:
            declarations = split_auth(declarations)
        count = len(self.folders)
        bodies: list[list[str]] = [[] for _ in range(count)]
        for position, index in enumerate(self.order):
            if index < len(declarations):
                target = self.file_of[position % len(self.file_of)]
                bodies[target].append(spell_line(declarations[index], rnd, ""))
        for importer, imported in sorted(self.imports):
            here = posixpath.dirname(self.file_name(importer)) or "."
            relative = posixpath.relpath(self.file_name(imported), here)
            line = f"import {spell_string(relative, rnd)}\n"
            bodies[importer].insert(rnd.randint(0, len(bodies[importer])), line)
        files = {}
        for index, body in enumerate(bodies):
            header = rnd.choice(["", "// header comment\n", "\n"]) + f"mizan {spell_int(1, rnd)}\n"
            files[self.file_name(index)] = header + "".join(body)
        return files


def split_auth(declarations: list[Node]) -> list[Node]:
    """`auth { a; b; c }` as three `auth { a }` blocks: the meaning is the same."""
    out = []
    for node in declarations:
        if node.name == "auth" and node.children:
            out.extend(Node("auth", node.name_span, node.span, children=[child])
                       for child in node.children)
        else:
            out.append(node)
    return out


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    count = draw(st.integers(1, 6))
    total = len(split_auth(list(shop_declarations())))
    order = draw(st.permutations(range(total)))
    file_of = draw(st.lists(st.integers(0, count - 1), min_size=total, max_size=total))
    folders = [""] + [draw(st.sampled_from(FOLDERS)) for _ in range(count - 1)]
    # Every file is imported by one earlier file (a tree), plus some extra
    # forward edges (diamonds); edges only go forward, so never a cycle.
    imports = {(draw(st.integers(0, index - 1)), index) for index in range(1, count)}
    if count > 2:
        extra = st.tuples(st.integers(0, count - 2), st.integers(1, count - 1))
        imports |= {(a, b) for a, b in draw(st.sets(extra, max_size=4)) if a < b}
    return Layout(order=list(order), file_of=file_of, folders=folders, imports=imports,
                  split_auth=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts())
def test_order_format_and_file_split_do_not_change_the_ir(layout: Layout) -> None:
    files = layout.render()
    assert ir_of_sources(files) == baseline(), "\n\n".join(
        f"--- {name}\n{text}" for name, text in files.items())


# --- fixed layouts, so the extremes are always covered ------------------------------


def test_one_file_in_reverse_order() -> None:
    rnd = random.Random(7)
    body = "".join(spell_line(node, rnd, "") for node in reversed(shop_declarations()))
    assert ir_of_sources({"main.mizan": "mizan 1\n" + body}) == baseline()


def test_one_file_per_declaration() -> None:
    rnd = random.Random(11)
    declarations = split_auth(list(shop_declarations()))
    files = {"main.mizan": "mizan 1\n" + "".join(
        f'import "decl{index}.mizan"\n' for index in range(len(declarations)))}
    for index, node in enumerate(declarations):
        files[f"decl{index}.mizan"] = "mizan 1\n" + spell_line(node, rnd, "")
    assert ir_of_sources(files) == baseline()


def test_canonical_spelling_is_its_own_fixed_point() -> None:
    """The shop printed canonically (plain spelling, one file) gives the same IR."""
    kdl, _ = baseline()
    assert ir_of_sources({"main.mizan": kdl}) == baseline()



BASE_SPEC = """mizan 1
enum Size { small; large }
fn resize auth=public kind=mutation { param width int; param height int default=1 }
"""
MEANINGFUL_CHANGES = {
    "enum members swapped": BASE_SPEC.replace("small; large", "large; small"),
    "params swapped": BASE_SPEC.replace("param width int; param height int default=1",
                                        "param height int default=1; param width int"),
    "default changed": BASE_SPEC.replace("default=1", "default=2"),
    "default dropped": BASE_SPEC.replace(" default=1", ""),
    "auth changed": BASE_SPEC.replace("auth=public", "auth=user"),
    "doc added": BASE_SPEC.replace("enum Size {", "enum Size doc=\"Sizes\" {"),
}


def test_meaningful_changes_do_change_the_ir() -> None:
    """The property above would pass for an IR that ignores too much; it does not."""
    base = ir_of_sources({"main.mizan": BASE_SPEC})
    for what, changed in MEANINGFUL_CHANGES.items():
        kdl, json_text = ir_of_sources({"main.mizan": changed})
        assert kdl != base[0] and json_text != base[1], what
