-- The Mizan language server for Neovim 0.11+'s native configuration: with this folder on
-- 'runtimepath', `vim.lsp.enable('mizan')` is all that is needed, and
-- `vim.lsp.config('mizan', { cmd = {...} })` overrides any field.
--
-- The server checks every .mizan file under its root folder as one spec, so the root is the
-- folder of the file (the folder of one spec), not the repository.
return {
  cmd = { 'mizan-lang', 'lsp' },
  filetypes = { 'mizan' },
  root_dir = function(bufnr, on_dir)
    local name = vim.api.nvim_buf_get_name(bufnr)
    on_dir(name ~= '' and vim.fs.dirname(name) or vim.fn.getcwd())
  end,
}
