-- Buffer options for .mizan files.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = true

vim.bo.commentstring = '// %s'
vim.bo.comments = 's1:/*,mb:*,ex:*/,://'
-- `gf` on `import "common.mizan"` opens the imported file (paths are relative to the file).
vim.bo.suffixesadd = '.mizan'
vim.bo.autoindent = true
vim.bo.smartindent = true

vim.b.undo_ftplugin = 'setlocal commentstring< comments< suffixesadd< autoindent< smartindent<'
