"""textDocument/formatting: the whole document through `mizan-lang fmt`'s formatter.

One edit replacing the whole text, [] when it is already formatted, and no
edit (None, with a log message saying why) when the file has syntax errors
or formatting would change its meaning. The canonical style has no options:
the client's tab size is ignored, as `mizan-lang fmt` would.
"""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from mizan_lang.fmt import format_source

from .. import convert

# LSP's own line breaks (KDL counts more, e.g. U+2028; the edit must use LSP's).
_LSP_NEWLINE = re.compile("\r\n|\r|\n")
from ..server import MizanServer, guarded, server


def _log(ls: MizanServer, kind: lsp.MessageType, message: str) -> None:
    ls.window_log_message(lsp.LogMessageParams(type=kind, message=message))


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
@guarded()
def formatting(ls: MizanServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
    uri = params.text_document.uri
    opened = ls.session.documents.get(convert.path_of(uri))
    text = opened.text if opened is not None else ls.workspace.get_text_document(uri).source
    result = format_source(text)
    name = convert.path_of(uri).rsplit("/", 1)[-1]
    if result.text is None:
        if result.problem:
            _log(ls, lsp.MessageType.Warning, f"mizan: {name} was not formatted: {result.problem}")
        else:
            _log(ls, lsp.MessageType.Info,
                 f"mizan: {name} was not formatted: it has syntax errors")
        return None
    if result.text == text:
        return []
    return [lsp.TextEdit(range=lsp.Range(start=lsp.Position(line=0, character=0),
                                         end=_end_of(text)),
                         new_text=result.text)]


def _end_of(text: str) -> lsp.Position:
    """The position after the last character, by LSP's rules (its line ends, and
    columns in the negotiated encoding)."""
    breaks = list(_LSP_NEWLINE.finditer(text))
    last = text[breaks[-1].end():] if breaks else text
    encoding = convert.ENCODING["value"]
    if encoding == "utf-32":
        units = len(last)
    else:
        units = len(last.encode("utf-8" if encoding == "utf-8" else "utf-16-le"))
        units //= 1 if encoding == "utf-8" else 2
    return lsp.Position(line=len(breaks), character=units)
