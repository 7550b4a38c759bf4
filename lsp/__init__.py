"""The mizan language server (pygls): `mizan-lang lsp` speaks LSP over stdio.

Only this package knows LSP types; it converts to and from the editor-neutral
core in `mizan_lang.ide` at the edge (including UTF-16 columns).
"""
