" Syntax highlighting for Mizan API specs (.mizan, KDL v2). A lighter cousin of the VS Code
" TextMate grammar in editors/vscode: comments, strings, numbers, keywords, properties and the
" Mizan vocabulary. Slashdash (/-) is shown on the marker only.
if exists('b:current_syntax')
  finish
endif

syntax sync minlines=200

" KDL values.
syntax match mizanNumber /\v[+-]?<0x[0-9a-fA-F][0-9a-fA-F_]*>/
syntax match mizanNumber /\v[+-]?<0o[0-7][0-7_]*>/
syntax match mizanNumber /\v[+-]?<0b[01][01_]*>/
syntax match mizanNumber /\v[+-]?<\d[0-9_]*(\.\d[0-9_]*)?([eE][+-]?\d[0-9_]*)?>/
syntax match mizanKeyword /\v#(true|false|null|inf|-inf|nan)>/
syntax match mizanProperty /\v[^ \t\\/(){}\[\];"#=]+\ze\s*\=/
syntax match mizanAnnotation /\v\(\s*[^ \t\\/(){}\[\];"#=]+\s*\)/

syntax match mizanEscape contained /\v\\[nrtbfs"\\]/
syntax match mizanEscape contained /\v\\u\{[0-9a-fA-F]{1,6}\}/
syntax match mizanEscape contained /\v\\\s+/
syntax region mizanString start=/"/ skip=/\\\\\|\\"/ end=/"/ contains=mizanEscape
syntax region mizanString start=/"""/ end=/"""/ contains=mizanEscape
syntax region mizanRawString start=/\z(#\+\)"/ end=/"\z1/
syntax region mizanRawString start=/\z(#\+\)"""/ end=/"""\z1/

" Mizan node names, at the start of a node (line start, after `{` or `;`).
syntax match mizanDeclaration /\v(^|[{;])\s*\zs<(fn|type|enum|context|model|shape|form|guard)>\ze(\s|$)/
syntax match mizanStatement /\v(^|[{;])\s*\zs<(mizan|import|auth|jwt|default|field|param|cache|render|affects|doc|column|relation)>\ze(\s|$)/
syntax match mizanType /\v(^|[ \t=<,])\zs<(bool|int|int64|float|decimal|str|date|datetime|uuid|bytes|json|email|url|Upload|list|map)>\ze([ \t>,?]|$)/
syntax match mizanOptional /\v\?/

syntax match mizanContinuation /\v\\\ze\s*(\/\/.*)?$/
syntax match mizanSlashdash /\/-/

syntax keyword mizanTodo contained TODO FIXME XXX NOTE
syntax region mizanComment start=+//+ end=/$/ contains=mizanTodo,@Spell
syntax region mizanBlockComment start=+/\*+ end=+\*/+ contains=mizanBlockComment,mizanTodo,@Spell

highlight default link mizanNumber Number
highlight default link mizanKeyword Boolean
highlight default link mizanProperty Identifier
highlight default link mizanAnnotation Type
highlight default link mizanEscape SpecialChar
highlight default link mizanString String
highlight default link mizanRawString String
highlight default link mizanDeclaration Structure
highlight default link mizanStatement Keyword
highlight default link mizanType Type
highlight default link mizanOptional Operator
highlight default link mizanContinuation Special
highlight default link mizanSlashdash Comment
highlight default link mizanTodo Todo
highlight default link mizanComment Comment
highlight default link mizanBlockComment Comment

let b:current_syntax = 'mizan'
