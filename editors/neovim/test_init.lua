-- Headless check of the Neovim setup against the real server, run by tests/test_editor_neovim.py:
--
--   MIZAN_TEST_OUT=result.json nvim --headless --clean -u editors/neovim/test_init.lua FILE.mizan
--
-- Loads this folder as a plugin, opens FILE, waits until the server has published diagnostics
-- for it (MIZAN_TEST_TIMEOUT_MS, default 20000), writes what Neovim saw as JSON to
-- MIZAN_TEST_OUT and quits. MIZAN_LSP_CMD, a JSON list, replaces the server command.

local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
vim.opt.runtimepath:prepend(here)

local out_path = os.getenv('MIZAN_TEST_OUT') or error('MIZAN_TEST_OUT is not set')
local timeout = tonumber(os.getenv('MIZAN_TEST_TIMEOUT_MS') or '') or 20000
local cmd_json = os.getenv('MIZAN_LSP_CMD')
local cmd = cmd_json and vim.fn.json_decode(cmd_json) or nil

local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients
local severity_names = { 'error', 'warning', 'info', 'hint' }

local function write_result(result)
  local file = assert(io.open(out_path, 'w'))
  file:write(vim.fn.json_encode(result))
  file:close()
end

local function report(bufnr, timed_out)
  local clients = {}
  for _, client in pairs(get_clients()) do
    local attached = client.attached_buffers and client.attached_buffers[bufnr] or false
    table.insert(clients, { name = client.name, attached = attached, root_dir = client.config.root_dir })
  end
  local diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(diagnostics, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = severity_names[d.severity],
      code = d.code or vim.NIL,
      message = d.message,
      source = d.source or vim.NIL,
    })
  end
  return {
    nvim_version = tostring(vim.version().major) .. '.' .. vim.version().minor,
    filetype = vim.bo[bufnr].filetype,
    commentstring = vim.bo[bufnr].commentstring,
    timed_out = timed_out,
    clients = clients,
    diagnostics = diagnostics,
    messages = vim.fn.execute('messages'),
  }
end

require('mizan').setup(cmd and { cmd = cmd } or {})

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    local bufnr = vim.api.nvim_get_current_buf()
    local ok, result = pcall(function()
      local arrived = vim.wait(timeout, function()
        return #vim.diagnostic.get(bufnr) > 0
      end, 50)
      return report(bufnr, not arrived)
    end)
    if not ok then
      result = { error = tostring(result) }
    end
    write_result(result)
    vim.cmd('qall!')
  end,
})
