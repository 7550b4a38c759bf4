"""Quick fixes for diagnostics: plain text changes, no editor types.

Fixes answer the diagnostics of the requested range (one fix may answer
several, e.g. a rename that clears a reserved name reported twice):
- did-you-mean: the diagnostic's `data["replace"]` takes the place of the name;
- invalid or reserved identifier (M152/M153): the suggested name is applied as
  the editor's rename would (same refusals), plus the params tied to a context
  key (its members' params, mutations bound by name) so they stay in step;
- missing key param of a member (M302): `param <key> <type>` lines go into the
  function's children block, which is created when there is none;
- unknown type (M201 outside forms): `type Name {}` after the declaration;
- missing `mizan 1` header (M101): inserted at the top.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic
from ..identifiers import is_valid_identifier
from ..kdl.chars import is_plain_identifier
from ..kdl.model import Node
from ..kdl.printer import quote
from ..source import Span
from ..typeexpr import GENERICS, PRIMITIVES
from ..workspace import SourceFile
from . import rename
from .session import Analysis

RENAME_CODES = ("M152", "M153")
DEFAULT_INDENT = "    "


@dataclass(slots=True)
class TextChange:
    path: str
    span: Span  # offsets in the file's current text; empty for an insertion
    new_text: str


@dataclass(slots=True)
class QuickFix:
    title: str
    diagnostic: Diagnostic
    changes: list[TextChange] = field(default_factory=list)
    preferred: bool = False
    # Every diagnostic the fix resolves (the first is `diagnostic`).
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.diagnostics:
            self.diagnostics = [self.diagnostic]

    def identity(self) -> tuple[object, ...]:
        return (self.title, tuple((c.path, c.span.start, c.span.end, c.new_text)
                                  for c in self.changes))


def quick_fixes(analysis: Analysis, path: str, start: int, end: int) -> list[QuickFix]:
    """Fixes for the diagnostics of `path` that touch [start, end]."""
    source = analysis.files.get(path)
    if source is None:
        return []
    diagnostics = [d for d in analysis.result.diagnostics
                   if d.path == path and d.span.start <= end and start <= d.span.end]
    fixes: dict[tuple[object, ...], QuickFix] = {}
    for diag in diagnostics:
        for fix in _fixes_for(analysis, source, diag):
            same = fixes.get(fix.identity())
            if same is None:
                fixes[fix.identity()] = fix
            elif diag not in same.diagnostics:  # one fix for several diagnostics
                same.diagnostics.append(diag)
    return list(fixes.values())


def _fixes_for(analysis: Analysis, source: SourceFile, diag: Diagnostic) -> list[QuickFix]:
    data = diag.data or {}
    if diag.code == "M101" and isinstance(data.get("insert"), str):
        return [_insert_header(source, diag, data["insert"])]
    replacement = data.get("replace")
    if diag.code in RENAME_CODES and isinstance(replacement, str):
        renamed = _rename(analysis, source, diag, replacement)
        return [renamed] if renamed is not None else []
    if diag.code == "M302":
        return _add_key_params(analysis, source, diag)
    fixes = []
    if isinstance(replacement, str) and replacement:
        fixes.append(_replace(source, diag, replacement))
    if diag.code == "M201":
        created = _create_type(source, diag, preferred=not fixes)
        if created is not None:
            fixes.append(created)
    return fixes


# --- did you mean --------------------------------------------------------------------
def spelled_like(original: str, name: str) -> str:
    """`name` written the way the replaced text was: quoted if it was (or must be)."""
    if original.startswith(('"', "#")) or not is_plain_identifier(name):
        return quote(name)
    return name


def _replace(source: SourceFile, diag: Diagnostic, replacement: str) -> QuickFix:
    original = source.text[diag.span.start:diag.span.end]
    shown = original if len(original) <= 40 else original[:37] + "..."
    return QuickFix(f"Change '{shown}' to '{replacement}'", diag,
                    [TextChange(source.path, diag.span, spelled_like(original, replacement))],
                    preferred=True)


# --- header --------------------------------------------------------------------------
def _insert_header(source: SourceFile, diag: Diagnostic, header: str) -> QuickFix:
    at = 1 if source.text.startswith("\ufeff") else 0  # the BOM must stay first
    newline = newline_of(source.text)
    text = header.replace("\n", newline) if newline != "\n" else header
    return QuickFix("Insert the 'mizan 1' header", diag,
                    [TextChange(source.path, Span(at, at), text)], preferred=True)


# --- rename a name everywhere ----------------------------------------------------------
def _rename(analysis: Analysis, source: SourceFile, diag: Diagnostic,
            new: str) -> QuickFix | None:
    """The rename the editor would do (same checks), plus the names tied to it."""
    old = source.text[diag.span.start:diag.span.end]
    here = analysis.index.at(source.path, diag.span.start)
    if here is None or here.span != diag.span:  # not a tracked name: fix this place only
        return QuickFix(f"Rename '{old}' to '{new}'", diag,
                        [TextChange(source.path, diag.span, spelled_like(old, new))],
                        preferred=True)
    planned = rename.plan(analysis, source.path, diag.span.start, new)
    if not isinstance(planned, rename.RenamePlan):
        return None  # refused (the suggestion clashes with another name, ...)
    changes: dict[tuple[str, int, int], TextChange] = {}
    for path, spans in planned.edits.items():
        for span in spans:
            changes[(path, span.start, span.end)] = TextChange(path, span, new)
    ordered = [changes[k] for k in sorted(changes)]
    return QuickFix(f"Rename '{here.key[-1]}' to '{new}'", diag, ordered, preferred=True)


# --- add the missing key params to a member --------------------------------------------
def _add_key_params(analysis: Analysis, source: SourceFile, diag: Diagnostic) -> list[QuickFix]:
    data = diag.data or {}
    param, type_text = data.get("param"), data.get("type")
    if not isinstance(param, str) or not isinstance(type_text, str):
        return []
    node = _function_node(source, diag.span)
    if node is None:
        return []
    fixes = [QuickFix(f"Add param '{param} {type_text}'", diag,
                      [add_children(source, node, [f"param {param} {type_text}"])])]
    # All keys the member lacks at once (one diagnostic each, on the same name).
    missing = [d for d in analysis.result.diagnostics
               if d.code == "M302" and d.path == source.path and d.span == diag.span
               and isinstance(d.data.get("param"), str) and isinstance(d.data.get("type"), str)]
    if len(missing) > 1:
        lines = [f"param {d.data['param']} {d.data['type']}" for d in missing]
        fixes.append(QuickFix(f"Add the {len(lines)} missing key params", diag,
                              [add_children(source, node, lines)], preferred=True))
    else:
        fixes[0].preferred = True
    return fixes


def _function_node(source: SourceFile, context_span: Span) -> Node | None:
    for fn in source.decls.functions:
        if fn.context is not None and fn.context.span == context_span:
            for node in source.parse.document.nodes:
                if node.span == fn.span:
                    return node
    return None


def add_children(source: SourceFile, node: Node, lines: list[str]) -> TextChange:
    """Append child lines to `node`'s block (creating the block), indented like the file."""
    text = source.text
    nl = newline_of(text)
    base = indent_at(text, node.span.start)
    block = node.children_span
    if node.children is None or block is None:
        inner = base + indent_unit(text)
        body = "".join(nl + inner + line for line in lines)
        return TextChange(source.path, Span(node.span.end, node.span.end),
                          " {" + body + nl + base + "}")
    opening, closing = block.start, block.end - 1  # the braces
    if text[closing:closing + 1] != "}":  # unclosed block: nothing safe to do
        return TextChange(source.path, Span(closing + 1, closing + 1), "")
    end = closing
    while end > opening + 1 and text[end - 1] in " \t":
        end -= 1
    if not _has_newline(text, opening, closing):
        return _add_to_one_line_block(source, node, lines, base, nl, opening, end, closing)
    inner = _child_indent(text, node, base)
    if text[end - 1] in "\r\n\x0b\x0c\x85\u2028\u2029":  # `}` opens its line: insert above it
        return TextChange(source.path, Span(end, end),
                          "".join(inner + line + nl for line in lines))
    body = "".join(nl + inner + line for line in lines)
    return TextChange(source.path, Span(end, closing), body + nl + base)


def _add_to_one_line_block(source: SourceFile, node: Node, lines: list[str], base: str,
                           nl: str, opening: int, end: int, closing: int) -> TextChange:
    text = source.text
    children = node.children or []
    inside = [c for c in source.parse.document.comments if opening < c.span.start < closing]
    if inside:  # keep the comments where they are: add the lines on the same line
        sep = "" if text[end - 1] in "{;" else ";"
        return TextChange(source.path, Span(end, closing),
                          sep + " " + "; ".join(lines) + " ")
    inner = base + indent_unit(text)
    kept = [text[c.span.start:c.span.end] for c in children]
    body = "".join(nl + inner + line for line in [*kept, *lines])
    return TextChange(source.path, Span(opening + 1, closing), body + nl + base)


def _child_indent(text: str, node: Node, base: str) -> str:
    for child in node.children or ():
        line_start = _line_start(text, child.span.start)
        lead = text[line_start:child.span.start]
        if lead.strip(" \t") == "":
            return lead
    return base + indent_unit(text)


# --- create a missing type -------------------------------------------------------------
def _create_type(source: SourceFile, diag: Diagnostic, preferred: bool) -> QuickFix | None:
    name = source.text[diag.span.start:diag.span.end]
    if (not is_valid_identifier(name) or name in PRIMITIVES or name in GENERICS
            or name == "Upload" or _in_form(source, diag.span)):
        return None  # form fields take enums and form types only; no record helps there
    nl = newline_of(source.text)
    at, lead = _after_declaration(source, diag.span.start)
    declaration = f"type {name} {{}}"
    return QuickFix(f"Create type '{name}'", diag,
                    [TextChange(source.path, Span(at, at), lead + nl + declaration + nl)],
                    preferred=preferred)


def _in_form(source: SourceFile, span: Span) -> bool:
    return any(form.span.start <= span.start <= form.span.end for form in source.decls.forms)


def _after_declaration(source: SourceFile, offset: int) -> tuple[int, str]:
    """Where a new top-level declaration goes: after the line that ends the one at `offset`.

    Returns the insertion offset and what must come first (a newline when the
    file does not end with one)."""
    text = source.text
    nl = newline_of(text)
    end = len(text)
    for node in source.parse.document.nodes:
        if node.span.start <= offset <= node.span.end:
            end = node.span.end
            break
    match = _NEWLINE_AT.search(text, end)
    if match is None:
        return len(text), nl
    return match.end(), ""


# --- text helpers ----------------------------------------------------------------------
_NEWLINE_AT = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")


def newline_of(text: str) -> str:
    """The file's line ending: CRLF when its first line ends so, else LF."""
    match = _NEWLINE_AT.search(text)
    return "\r\n" if match is not None and match.group() == "\r\n" else "\n"


def _line_start(text: str, offset: int) -> int:
    pos = offset
    while pos > 0 and text[pos - 1] not in "\r\n\x0b\x0c\x85\u2028\u2029":
        pos -= 1
    return pos


def indent_at(text: str, offset: int) -> str:
    """The leading whitespace of the line holding `offset`."""
    start = _line_start(text, offset)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def indent_unit(text: str) -> str:
    """One level of indentation as the file writes it (a tab, or its first indent)."""
    for match in _INDENTED.finditer(text):
        lead = match.group(1)
        return "\t" if lead.startswith("\t") else lead
    return DEFAULT_INDENT


_INDENTED = re.compile(r"(?:^|\n)([ \t]+)[^ \t\r\n]")


def _has_newline(text: str, start: int, end: int) -> bool:
    return _NEWLINE_AT.search(text, start, end) is not None
