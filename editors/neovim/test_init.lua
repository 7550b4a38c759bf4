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

local mizan = require('mizan')
local severity_names = { 'error', 'warning', 'info', 'hint' }

-- The end of Neovim's LSP log: the server's stderr lands there.
local function log_tail()
  local file = io.open(vim.lsp.get_log_path(), 'r')
  if not file then
    return ''
  end
  local text = file:read('*a')
  file:close()
  return text:sub(-4000)
end

local function write_result(result)
  local file = assert(io.open(out_path, 'w'))
  file:write(vim.fn.json_encode(result))
  file:close()
end

local function report(bufnr, timed_out)
  local client = mizan.client(bufnr)
  local client_info = vim.NIL
  if client then
    client_info = {
      name = client.name,
      root_dir = client.config.root_dir,
      attached = vim.lsp.buf_is_attached(bufnr, client.id),
    }
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
    client = client_info,
    diagnostics = diagnostics,
    messages = vim.fn.execute('messages'),
    lsp_log = log_tail(),
  }
end

mizan.setup(cmd and { cmd = cmd } or {})

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    local bufnr = vim.api.nvim_get_current_buf()
    local ok, result = pcall(function()
      -- Stop early if the server has exited: there is nothing more to wait for.
      local arrived = vim.wait(timeout, function()
        return #vim.diagnostic.get(bufnr) > 0 or mizan.client(bufnr) == nil
      end, 50)
      if mizan.client(bufnr) == nil then
        vim.wait(500) -- let the server's last stderr reach the log
      end
      return report(bufnr, not arrived)
    end)
    if not ok then
      result = { error = tostring(result) }
    end
    write_result(result)
    vim.cmd('qall!')
  end,
})
