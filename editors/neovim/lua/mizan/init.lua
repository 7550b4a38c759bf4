-- Starts the Mizan language server (`mizan-lang lsp`, over stdio) for .mizan buffers.
--
--   vim.opt.runtimepath:append('/path/to/mizan-lang/editors/neovim')
--   require('mizan').setup({ cmd = { 'mizan-lang', 'lsp' } })
--
-- Works on Neovim 0.7 and later: vim.lsp.start where it exists (0.8+), otherwise
-- vim.lsp.start_client and vim.lsp.buf_attach_client with one client per root folder.

local M = {}

local defaults = {
  -- The command that runs the server. A list, so no shell quoting is involved.
  cmd = { 'mizan-lang', 'lsp' },
  -- Files or folders that mark a project root; the nearest ancestor holding one is the
  -- server's root. Without any, the root is the folder of the file.
  root_markers = { '.git' },
  -- Passed through to the client config as they are.
  on_attach = nil,
  capabilities = nil,
  settings = nil,
  init_options = nil,
}

M.config = vim.deepcopy(defaults)

-- Clients started through vim.lsp.start_client (Neovim 0.7), by root folder.
local clients_by_root = {}
-- The client each buffer was attached to, by buffer number.
local client_of_buffer = {}

local uv = vim.loop
-- vim.lsp.get_clients replaced vim.lsp.get_active_clients in 0.10.
local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

local function parent(path)
  local up = vim.fn.fnamemodify(path, ':h')
  if up == path then
    return nil
  end
  return up
end

--- The root folder for a buffer: the nearest ancestor of its file that holds a root marker,
--- else the file's own folder (the current directory for a buffer without a file).
function M.root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return vim.fn.getcwd()
  end
  local start = vim.fn.fnamemodify(name, ':p:h')
  local dir = start
  while dir do
    for _, marker in ipairs(M.config.root_markers) do
      if exists(dir .. '/' .. marker) then
        return dir
      end
    end
    dir = parent(dir)
  end
  return start
end

local function client_config(root)
  return {
    name = 'mizan',
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = {
      { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') },
    },
    on_attach = M.config.on_attach,
    capabilities = M.config.capabilities or vim.lsp.protocol.make_client_capabilities(),
    settings = M.config.settings,
    init_options = M.config.init_options,
  }
end

local function is_running(client_id)
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  return client ~= nil and not client.is_stopped()
end

--- Starts the server for a buffer (or attaches the buffer to the one already running for its
--- root). Returns the client id, or nil if the server could not be started.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  if vim.fn.executable(M.config.cmd[1]) ~= 1 then
    vim.notify_once(
      ('mizan: cannot run %q; install it with `pip install "mizan-lang[lsp]"` or set cmd in '
        .. "require('mizan').setup()"):format(M.config.cmd[1]),
      vim.log.levels.ERROR
    )
    return nil
  end
  local root = M.root_dir(bufnr)

  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(client_config(root), { bufnr = bufnr })
  else
    client_id = clients_by_root[root]
    if not is_running(client_id) then
      client_id = vim.lsp.start_client(client_config(root))
      clients_by_root[root] = client_id
    end
    if client_id then
      vim.lsp.buf_attach_client(bufnr, client_id)
    end
  end
  client_of_buffer[bufnr] = client_id
  return client_id
end

--- The client (vim.lsp.client) serving a buffer, while it is starting or running; nil if the
--- server was never started for it or has exited.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client_id = client_of_buffer[bufnr]
  return client_id and vim.lsp.get_client_by_id(client_id) or nil
end

--- Stops every running Mizan client; the next .mizan buffer opened (or :MizanRestart) starts
--- a fresh one.
function M.stop()
  for _, client in pairs(get_clients()) do
    if client.name == 'mizan' then
      vim.lsp.stop_client(client.id)
    end
  end
  clients_by_root = {}
  client_of_buffer = {}
end

--- Stops the server and starts it again for every loaded .mizan buffer.
function M.restart()
  M.stop()
  -- The old process needs a moment to exit before a new one takes its place.
  vim.defer_fn(function()
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'mizan' then
        M.start(bufnr)
      end
    end
  end, 500)
end

--- Configures the client and starts it for .mizan buffers, now and from then on.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if type(M.config.cmd) == 'string' then
    M.config.cmd = { M.config.cmd }
  end

  local group = vim.api.nvim_create_augroup('mizan_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'mizan',
    callback = function(args)
      M.start(args.buf)
    end,
  })
  vim.api.nvim_create_user_command('MizanRestart', M.restart, { desc = 'Restart the Mizan language server' })
  vim.api.nvim_create_user_command('MizanStop', M.stop, { desc = 'Stop the Mizan language server' })

  -- Buffers that were already open when setup ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'mizan' then
      M.start(bufnr)
    end
  end
end

return M
