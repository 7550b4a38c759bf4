-- The Mizan language server for Neovim 0.11+'s native configuration: with this folder on
-- 'runtimepath', `vim.lsp.enable('mizan')` is all that is needed (`vim.lsp.config('mizan', {...})`
-- overrides any field, e.g. cmd).
return {
  cmd = { 'mizan-lang', 'lsp' },
  filetypes = { 'mizan' },
  root_markers = { '.git' },
}
