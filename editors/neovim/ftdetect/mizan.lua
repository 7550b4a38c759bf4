-- *.mizan files are Mizan API specs (KDL v2). An autocommand rather than vim.filetype.add so
-- that Neovim 0.7, whose default detection is still filetype.vim, recognises them too.
vim.cmd([[autocmd BufRead,BufNewFile *.mizan setfiletype mizan]])
