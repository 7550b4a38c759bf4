"""The language server's answer to `initialize`, shipped for a first start.

`lsp_boot` answers `initialize` before the server is imported, from the
answer the server recorded on an earlier start; on a first start (no record)
it answers with this one, adjusted to the client's capabilities the way
pygls adjusts it (`shipped_answer`). The server still computes its own
answer, compares, and records it; tests/lsp/test_boot.py holds this one
equal to the server's for several clients. After adding or changing a
feature, print the new answer with

    python -m mizan_lang.lsp_answer

(it starts the server without the early answer) and paste it below.
"""

from __future__ import annotations

from . import lean_json

TYPE_CHECKING = False  # typing is not imported before `initialize` is answered
if TYPE_CHECKING:
    from typing import Any

ENCODINGS = ("utf-8", "utf-16", "utf-32")  # pygls' supported position encodings

# For a client without capabilities (UTF-16, no prepareRename, no willSave).
ANSWER = r"""
{
 "capabilities": {
  "codeActionProvider": {
   "codeActionKinds": [
    "quickfix"
   ],
   "resolveProvider": false
  },
  "codeLensProvider": {
   "resolveProvider": false
  },
  "completionProvider": {
   "resolveProvider": false,
   "triggerCharacters": [
    "=",
    " ",
    "<",
    ",",
    "\"",
    ":"
   ]
  },
  "definitionProvider": true,
  "documentFormattingProvider": true,
  "documentHighlightProvider": true,
  "documentSymbolProvider": true,
  "executeCommandProvider": {
   "commands": [
    "mizan.stats",
    "mizan.bootStats",
    "mizan.quickStats"
   ]
  },
  "foldingRangeProvider": true,
  "hoverProvider": true,
  "inlayHintProvider": {
   "resolveProvider": false
  },
  "positionEncoding": "utf-16",
  "referencesProvider": true,
  "renameProvider": true,
  "semanticTokensProvider": {
   "full": true,
   "legend": {
    "tokenModifiers": [
     "declaration",
     "definition",
     "readonly",
     "documentation",
     "defaultLibrary"
    ],
    "tokenTypes": [
     "namespace",
     "type",
     "enum",
     "enumMember",
     "interface",
     "struct",
     "class",
     "function",
     "parameter",
     "property",
     "variable",
     "keyword",
     "string",
     "number",
     "comment",
     "operator",
     "decorator"
    ]
   },
   "range": true
  },
  "textDocumentSync": {
   "change": 2,
   "openClose": true,
   "save": true
  },
  "workspace": {
   "fileOperations": {},
   "workspaceFolders": {
    "changeNotifications": true,
    "supported": true
   }
  },
  "workspaceSymbolProvider": {
   "resolveProvider": false
  }
 },
 "serverInfo": {
  "name": "mizan-lang",
  "version": "0.1.0"
 }
}
"""


def _capability(capabilities: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(capabilities, dict):
            return None
        capabilities = capabilities.get(key)
    return capabilities


def shipped_answer(capabilities: Any) -> dict[str, Any] | None:
    """The server's answer for a client with these capabilities (None: a client
    this table does not cover; the server answers it after its import)."""
    if not isinstance(capabilities, dict) or capabilities.get("notebookDocument") is not None:
        return None
    answer = lean_json.loads(ANSWER)
    caps = answer["capabilities"]
    encodings = _capability(capabilities, "general", "positionEncodings")
    if encodings is not None:
        if not isinstance(encodings, list):
            return None
        for encoding in encodings:
            if encoding in ENCODINGS:
                caps["positionEncoding"] = encoding
                break
    if _capability(capabilities, "textDocument", "rename", "prepareSupport"):
        caps["renameProvider"] = {"prepareProvider": True}
    sync = caps["textDocumentSync"]
    for name in ("willSave", "willSaveWaitUntil"):
        if _capability(capabilities, "textDocument", "synchronization", name):
            sync[name] = False  # asked for, not offered
    return answer


def main() -> None:
    """Print the server's answer to a client without capabilities (for ANSWER)."""
    import json
    import os
    import subprocess
    import sys

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    exit_ = json.dumps({"jsonrpc": "2.0", "method": "exit"})
    data = "".join(f"Content-Length: {len(m)}\r\n\r\n{m}" for m in (body, exit_))
    out = subprocess.run([sys.executable, "-m", "mizan_lang", "lsp"], input=data.encode(),
                         capture_output=True, check=False,
                         env={**os.environ, "MIZAN_LSP_EARLY": "off", "MIZAN_CACHE": "off"}).stdout
    message = json.loads(out.split(b"\r\n\r\n", 1)[1])
    print(json.dumps(message["result"], indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
