-- Headless check of the Neovim setup against the real server, run by tests/test_editor_neovim.py:
--
--   MIZAN_TEST_OUT=result.json nvim --headless --clean -u editors/neovim/test_init.lua FILE.mizan
--
-- Loads this folder as a plugin, opens FILE, waits until the server has published diagnostics
-- for it (MIZAN_TEST_TIMEOUT_MS, default 20000), writes what Neovim saw as JSON to
-- MIZAN_TEST_OUT and quits. MIZAN_LSP_CMD, a JSON list, replaces the server command;
-- MIZAN_TEST_RESTART=1 restarts the server once diagnostics arrived and reports the new ones.

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

-- Waits until the buffer has diagnostics from its Mizan client (one other than old_client_id,
-- if given) or that client has exited. True if diagnostics arrived.
local function wait_for_diagnostics(bufnr, old_client_id)
  local arrived = vim.wait(timeout, function()
    local client = mizan.client(bufnr)
    if old_client_id ~= nil and (client == nil or client.id == old_client_id) then
      return false -- the restart has not brought up the new client yet
    end
    if client == nil then
      return true -- exited: nothing more will come
    end
    local namespace = vim.lsp.diagnostic.get_namespace(client.id)
    return #vim.diagnostic.get(bufnr, { namespace = namespace }) > 0
  end, 50)
  if mizan.client(bufnr) == nil then
    vim.wait(500) -- let the server's last stderr reach the log
    return false
  end
  return arrived
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  callback = function()
    local bufnr = vim.api.nvim_get_current_buf()
    local ok, result = pcall(function()
      local arrived = wait_for_diagnostics(bufnr, nil)
      local restarted = vim.NIL
      -- MIZAN_TEST_RESTART=1: then :MizanRestart, and report what the new server shows.
      if arrived and os.getenv('MIZAN_TEST_RESTART') == '1' then
        local old_id = mizan.client(bufnr).id
        vim.cmd('MizanRestart')
        arrived = wait_for_diagnostics(bufnr, old_id)
        local client = mizan.client(bufnr)
        restarted = { old_client = old_id, new_client = client and client.id or vim.NIL }
      end
      local result = report(bufnr, not arrived)
      result.restarted = restarted
      return result
    end)
    if not ok then
      result = { error = tostring(result) }
    end
    write_result(result)
    vim.cmd('qall!')
  end,
})
