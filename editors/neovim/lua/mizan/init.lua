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
  -- The server checks every .mizan file under its root folder as one spec (like
  -- `mizan-lang check FOLDER`), so the root should be the folder of one spec: by default the
  -- folder of the file. Markers (e.g. { '.git' }) make it the nearest ancestor holding one.
  root_markers = {},
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
--- a fresh one. Returns the ids of the clients it stopped.
function M.stop()
  -- Running clients, and ours that are still starting (0.7 does not list those).
  local ids = {}
  for _, client in pairs(get_clients()) do
    if client.name == 'mizan' then
      ids[client.id] = true
    end
  end
  for _, id in pairs(client_of_buffer) do
    ids[id] = true
  end
  local stopped = {}
  for id in pairs(ids) do
    if vim.lsp.get_client_by_id(id) ~= nil then
      vim.lsp.stop_client(id)
      table.insert(stopped, id)
    end
  end
  table.sort(stopped)
  clients_by_root = {}
  client_of_buffer = {}
  return stopped
end

local function start_loaded_buffers()
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.bo[bufnr].filetype == 'mizan' then
      M.start(bufnr)
    end
  end
end

--- Stops the server and, once the old process has exited (forced after 5 s), starts a new
--- one for every loaded .mizan buffer.
function M.restart()
  local old = M.stop()
  local waited = 0
  local timer = uv.new_timer()
  timer:start(100, 100, vim.schedule_wrap(function()
    waited = waited + 100
    local alive = vim.tbl_filter(function(id)
      return vim.lsp.get_client_by_id(id) ~= nil
    end, old)
    if #alive > 0 and waited < 5000 then
      return
    end
    timer:stop()
    timer:close()
    for _, id in ipairs(old) do
      if vim.lsp.get_client_by_id(id) ~= nil then
        vim.lsp.stop_client(id, true)
      end
      -- Neovim 0.7 keeps an exited client's diagnostics on screen; drop them.
      vim.diagnostic.reset(vim.lsp.diagnostic.get_namespace(id))
    end
    start_loaded_buffers()
  end))
end

--- Configures the client and starts it for .mizan buffers, now and from then on.
function M.setup(opts)
  -- Shallow: a list given by the user (cmd, root_markers) replaces the default whole.
  M.config = vim.tbl_extend('force', vim.deepcopy(defaults), opts or {})
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
  vim.api.nvim_create_user_command('MizanRestart', function()
    M.restart()
  end, { desc = 'Restart the Mizan language server' })
  vim.api.nvim_create_user_command('MizanStop', function()
    M.stop()
  end, { desc = 'Stop the Mizan language server' })

  -- Buffers that were already open when setup ran.
  start_loaded_buffers()
end

return M
