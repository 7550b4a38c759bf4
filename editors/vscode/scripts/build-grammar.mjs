// Builds syntaxes/mizan.tmLanguage.json, the TextMate grammar of .mizan files (KDL v2 plus the
// Mizan vocabulary). The regular expressions are assembled here from named pieces so that each
// KDL rule (what an identifier is, where a value ends, ...) is written once.
//
//   node scripts/build-grammar.mjs          rewrite the JSON
//   node scripts/build-grammar.mjs --check  exit 1 if the committed JSON is stale
//
// TextMate grammars see one line at a time (with its "\n"). Three tricks follow from that:
// - A node ends before the "\n" of its line (EOL below), at `;`, or before the `}` of its
//   parent block. Anything that spans lines inside a node (block comments, multi-line strings,
//   children blocks, line continuations) is a nested begin/end rule, so the node's end is not
//   tried until that rule closes. A line continuation consumes the "\n" itself, so the node's
//   end finds none on that line.
// - A slashdashed node may start on a later line than its `/-`; the slashdash rule eats
//   blank and comment-only lines whole (pattern wins ties, applyEndPatternLast) so its end
//   only fires on the line where the commented-out node stops.
// - Slashdashed parts are scoped as comments throughout: their inner rules only follow the
//   structure (strings, braces, continuations) and add no scopes of their own.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'syntaxes', 'mizan.tmLanguage.json');

// ---------------------------------------------------------------------------------------------
// Vocabulary of the .mizan schema (docs/language.md is the normative reference).

// Node names that declare something named by their first argument, and the scope of that name.
const DECLARATIONS = [
  { words: ['fn'], nameScope: 'entity.name.function.mizan' },
  { words: ['guard'], nameScope: 'entity.name.function.guard.mizan' },
  { words: ['enum', 'form', 'model', 'shape', 'type'], nameScope: 'entity.name.type.mizan' },
  { words: ['context'], nameScope: 'entity.name.namespace.mizan' },
];
// Node names whose first argument is a member (field, parameter, column, relation) name, or a
// context that a mutation affects.
const MEMBERS = [
  { words: ['column', 'field', 'relation'], nameScope: 'variable.other.property.mizan' },
  { words: ['param'], nameScope: 'variable.parameter.mizan' },
  { words: ['affects'], nameScope: 'entity.name.namespace.mizan' },
];
const OTHER_KEYWORDS = ['auth', 'cache', 'default', 'doc', 'jwt', 'mizan', 'render'];

const KNOWN_PROPERTIES = [
  'access-ttl', 'affects', 'algorithm', 'audience', 'auth', 'by', 'claim', 'content-types',
  'context', 'default', 'doc', 'issuer', 'kind', 'label', 'many', 'max', 'max-length',
  'max-size', 'min', 'min-length', 'model', 'pattern', 'primary', 'refresh-ttl', 'required',
  'returns', 'scope', 'shape', 'submit', 'table', 'to', 'ttl', 'unique', 'value', 'vary',
  'websocket',
];

// Built-in types; `email` and `url` are form field types, `Upload` a parameter type.
const PRIMITIVE_TYPES = [
  'bool', 'bytes', 'date', 'datetime', 'decimal', 'email', 'float', 'int', 'int64', 'json',
  'str', 'url', 'uuid',
];
const SPECIAL_TYPES = ['Upload'];
const GENERIC_TYPES = ['list', 'map'];

// ---------------------------------------------------------------------------------------------
// KDL v2 lexical pieces (Oniguruma syntax).

const words = (list) =>
  [...list].sort((a, b) => b.length - a.length || a.localeCompare(b)).map(escape).join('|');
function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

// Any character that may appear in an identifier string: not whitespace, not a newline, not one
// of \ / ( ) { } [ ] ; " # =.
const IDENT_CHAR = String.raw`[^\s\\/(){}\[\];"#=]`;
// An identifier may not look like the start of a number: 1x, -1, .1, +.1.
const IDENT = String.raw`(?![+-]?\.?[0-9])${IDENT_CHAR}+`;
// Where a token (name, key or value) may end: before whitespace, a terminator, a block, a
// comment or slashdash, a line continuation, or the end of the line.
const TOKEN_END = String.raw`(?=[\s;{}/\\]|$)`;
// A quoted string on one line, and raw strings of one to three hashes, for the places where a
// string has to sit inside a single regular expression (property keys, type annotations,
// slashdashed entries). Values use begin/end rules that allow any number of hashes.
const QUOTED_ONE_LINE = String.raw`"(?:[^"\\]|\\.)*"`;
const RAW_ONE_LINE = [1, 2, 3]
  .map((n) => {
    const h = '#'.repeat(n);
    return `${h}"(?:[^"]|"(?!${h}))*"${h}`;
  })
  .join('|');
const STRING_ONE_LINE = `(?:${QUOTED_ONE_LINE}|${RAW_ONE_LINE}|${IDENT})`;
// Whitespace and one-line block comments, allowed around `=` and inside `( )`.
const SPACE = String.raw`(?:\s|/\*.*?\*/)*`;
const TYPE_ANNOTATION_ONE_LINE = String.raw`\(${SPACE}${STRING_ONE_LINE}${SPACE}\)`;
// Anything a value can be spelled as, in one regular expression (used to skip it).
const VALUE_TOKEN = `(?:${QUOTED_ONE_LINE}|${RAW_ONE_LINE}|#?${IDENT_CHAR}+)`;
const BARE_KEYWORDS = ['true', 'false', 'null', 'inf', '-inf', 'nan'];

// The end of a line. Not `$`: that also matches after a consumed "\n" (at the very end of the
// line's text), which would end a node right after its line continuation.
const EOL = String.raw`(?=\n)`;
const NODE_END = String.raw`(?=[;}])|${EOL}`;

// ---------------------------------------------------------------------------------------------
// Grammar rules.

const p = (name) => ({ include: `#${name}` });
const c = (name) => ({ name });
// A SPACE caught inside a larger match: its block comments still look like comments.
const SPACE_CAPTURE = { patterns: [p('block-comment')] };

const repository = {
  // Between nodes: at the top level and inside children blocks.
  nodes: {
    patterns: [
      p('comments'),
      p('slashdash-node'),
      { name: 'punctuation.terminator.node.mizan', match: ';' },
      p('node'),
    ],
  },

  comments: { patterns: [p('line-comment'), p('block-comment')] },
  'line-comment': {
    name: 'comment.line.double-slash.mizan',
    match: '(//).*',
    captures: { 1: c('punctuation.definition.comment.mizan') },
  },
  'block-comment': {
    name: 'comment.block.mizan',
    begin: String.raw`/\*`,
    end: String.raw`\*/`,
    beginCaptures: { 0: c('punctuation.definition.comment.begin.mizan') },
    endCaptures: { 0: c('punctuation.definition.comment.end.mizan') },
    patterns: [p('block-comment')],
  },

  // A node: its name (with an optional type annotation), its entries and children.
  node: {
    name: 'meta.node.mizan',
    begin: String.raw`(?=[^\s;{}])`,
    end: NODE_END,
    patterns: [p('node-name'), p('entries')],
  },
  'node-name': {
    patterns: [
      ...DECLARATIONS.map(({ words: list, nameScope }) => ({
        match: String.raw`\G(${words(list)})${TOKEN_END}(?:\s+(${IDENT})${TOKEN_END})?`,
        captures: { 1: c('storage.type.mizan'), 2: c(nameScope) },
      })),
      ...MEMBERS.map(({ words: list, nameScope }) => ({
        match: String.raw`\G(${words(list)})${TOKEN_END}(?:\s+(${IDENT})${TOKEN_END})?`,
        captures: { 1: c('keyword.other.mizan'), 2: c(nameScope) },
      })),
      {
        match: String.raw`\G(import)${TOKEN_END}`,
        captures: { 1: c('keyword.control.import.mizan') },
      },
      {
        match: String.raw`\G(${words(OTHER_KEYWORDS)})${TOKEN_END}`,
        captures: { 1: c('keyword.other.mizan') },
      },
      {
        name: 'invalid.illegal.bare-keyword.mizan',
        match: String.raw`\G(?:${words(BARE_KEYWORDS)})${TOKEN_END}`,
      },
      {
        match: String.raw`\G(?:(\()(${SPACE})(${STRING_ONE_LINE})(${SPACE})(\))(${SPACE}))?(${IDENT})`,
        captures: {
          1: c('punctuation.definition.annotation.begin.mizan'),
          2: SPACE_CAPTURE,
          3: c('entity.name.type.annotation.mizan'),
          4: SPACE_CAPTURE,
          5: c('punctuation.definition.annotation.end.mizan'),
          6: SPACE_CAPTURE,
          7: c('entity.name.tag.mizan'),
        },
      },
      {
        name: 'string.quoted.double.mizan entity.name.tag.mizan',
        begin: String.raw`\G"(?!"")`,
        end: `"|${EOL}`,
        beginCaptures: { 0: c('punctuation.definition.string.begin.mizan') },
        endCaptures: { 0: c('punctuation.definition.string.end.mizan') },
        patterns: [p('escapes')],
      },
      {
        name: 'string.quoted.raw.mizan entity.name.tag.mizan',
        begin: String.raw`\G(#+)"(?!"")`,
        end: String.raw`"\1|${EOL}`,
        beginCaptures: { 0: c('punctuation.definition.string.begin.mizan') },
        endCaptures: { 0: c('punctuation.definition.string.end.mizan') },
      },
      {
        // A number, a keyword or a stray character cannot name a node.
        name: 'invalid.illegal.node-name.mizan',
        match: String.raw`\G(?:[+-]?\.?[0-9]${IDENT_CHAR}*|#(?![#"])${IDENT_CHAR}*|[=)\[\]])`,
      },
    ],
  },

  // What may follow a node name, up to the end of the node.
  entries: {
    patterns: [
      p('comments'),
      p('line-continuation'),
      p('slashdash-children'),
      p('slashdash-entry'),
      p('children'),
      p('property-key'),
      p('type-annotation'),
      p('value'),
      { name: 'invalid.illegal.character.mizan', match: String.raw`[=()\[\]]` },
    ],
  },

  'line-continuation': {
    // `\`, optional whitespace and comments, then the newline, which is consumed so the node
    // goes on to the next line. Anything else after `\` ends the continuation.
    begin: String.raw`(\\)`,
    end: String.raw`\n|(?=(?!/[/*])\S)`,
    beginCaptures: { 1: c('punctuation.separator.continuation.mizan') },
    patterns: [p('comments')],
  },

  children: {
    name: 'meta.block.mizan',
    begin: String.raw`\{`,
    end: String.raw`\}`,
    beginCaptures: { 0: c('punctuation.section.block.begin.mizan') },
    endCaptures: { 0: c('punctuation.section.block.end.mizan') },
    patterns: [p('nodes')],
  },

  'property-key': {
    patterns: [
      {
        match: String.raw`(?<!${IDENT_CHAR})(${words(KNOWN_PROPERTIES)})(${SPACE})(=)`,
        captures: {
          1: c('support.type.property-name.mizan'),
          2: SPACE_CAPTURE,
          3: c('keyword.operator.assignment.mizan'),
        },
      },
      {
        match: String.raw`(?<!${IDENT_CHAR})(${IDENT}|${QUOTED_ONE_LINE}|${RAW_ONE_LINE})(${SPACE})(=)`,
        captures: {
          1: c('entity.other.attribute-name.mizan'),
          2: SPACE_CAPTURE,
          3: c('keyword.operator.assignment.mizan'),
        },
      },
    ],
  },

  'type-annotation': {
    match: String.raw`(\()(${SPACE})(${STRING_ONE_LINE})(${SPACE})(\))`,
    captures: {
      1: c('punctuation.definition.annotation.begin.mizan'),
      2: SPACE_CAPTURE,
      3: c('entity.name.type.annotation.mizan'),
      4: SPACE_CAPTURE,
      5: c('punctuation.definition.annotation.end.mizan'),
    },
  },

  value: {
    patterns: [
      p('strings'),
      p('keywords'),
      p('numbers'),
      {
        name: 'invalid.illegal.bare-keyword.mizan',
        match: String.raw`(?:${words(BARE_KEYWORDS)})${TOKEN_END}`,
      },
      {
        // A bare identifier; mizan type expressions (list<str>?, Upload) are picked out of it.
        match: IDENT,
        captures: { 0: { name: 'string.unquoted.mizan', patterns: [p('type-expression')] } },
      },
    ],
  },

  'type-expression': {
    patterns: [
      {
        match: String.raw`(?<![^\s=<,:])(${words(GENERIC_TYPES)})(<)`,
        captures: {
          1: c('support.type.builtin.mizan'),
          2: c('punctuation.definition.typeparameters.begin.mizan'),
        },
      },
      {
        name: 'support.type.primitive.mizan',
        match: String.raw`(?<![^\s=<,:])(?:${words(PRIMITIVE_TYPES)})(?=[>,?\s]|$)`,
      },
      {
        name: 'support.type.upload.mizan',
        match: String.raw`(?<![^\s=<,:])(?:${words(SPECIAL_TYPES)})(?=[>,?\s]|$)`,
      },
      { name: 'punctuation.definition.typeparameters.end.mizan', match: '>' },
      { name: 'keyword.operator.optional.mizan', match: String.raw`\?` },
      { name: 'punctuation.separator.comma.mizan', match: ',' },
      { name: 'punctuation.separator.key-value.mizan', match: ':' },
    ],
  },

  strings: {
    patterns: [
      {
        name: 'string.quoted.raw.triple.mizan',
        begin: String.raw`(#+)"""`,
        end: String.raw`"""\1`,
        beginCaptures: { 0: c('punctuation.definition.string.begin.mizan') },
        endCaptures: { 0: c('punctuation.definition.string.end.mizan') },
      },
      {
        name: 'string.quoted.raw.mizan',
        begin: String.raw`(#+)"`,
        end: String.raw`"\1|${EOL}`,
        beginCaptures: { 0: c('punctuation.definition.string.begin.mizan') },
        endCaptures: { 0: c('punctuation.definition.string.end.mizan') },
      },
      {
        name: 'string.quoted.triple.mizan',
        begin: '"""',
        end: '"""',
        beginCaptures: { 0: c('punctuation.definition.string.begin.mizan') },
        endCaptures: { 0: c('punctuation.definition.string.end.mizan') },
        patterns: [p('escapes')],
      },
      {
        // Ends at the line's end when unterminated, so a missing quote colours one line only.
        name: 'string.quoted.double.mizan',
        begin: '"',
        end: `"|${EOL}`,
        beginCaptures: { 0: c('punctuation.definition.string.begin.mizan') },
        endCaptures: { 0: c('punctuation.definition.string.end.mizan') },
        patterns: [p('escapes')],
      },
    ],
  },
  escapes: {
    patterns: [
      { name: 'constant.character.escape.mizan', match: String.raw`\\[nrtbfs"\\]` },
      {
        name: 'constant.character.escape.unicode.mizan',
        match: String.raw`\\u\{[0-9a-fA-F]{1,6}\}`,
      },
      {
        // `\` and the whitespace after it, newlines and blank lines included, are dropped
        // from the value; the escape lasts until the next non-space character.
        name: 'constant.character.escape.whitespace.mizan',
        begin: String.raw`\\(?=\s)`,
        end: String.raw`(?=\S)`,
      },
      { name: 'invalid.illegal.escape.mizan', match: String.raw`\\.?` },
    ],
  },

  keywords: {
    patterns: [
      { name: 'constant.language.boolean.mizan', match: `#(?:true|false)${TOKEN_END}` },
      { name: 'constant.language.null.mizan', match: `#null${TOKEN_END}` },
      { name: 'constant.numeric.keyword.mizan', match: `#(?:inf|-inf|nan)${TOKEN_END}` },
      { name: 'invalid.illegal.keyword.mizan', match: `#(?![#"])${IDENT_CHAR}*` },
    ],
  },

  numbers: {
    patterns: [
      {
        name: 'constant.numeric.hex.mizan',
        match: String.raw`[+-]?0x[0-9a-fA-F][0-9a-fA-F_]*${TOKEN_END}`,
      },
      { name: 'constant.numeric.octal.mizan', match: String.raw`[+-]?0o[0-7][0-7_]*${TOKEN_END}` },
      { name: 'constant.numeric.binary.mizan', match: String.raw`[+-]?0b[01][01_]*${TOKEN_END}` },
      {
        name: 'constant.numeric.decimal.mizan',
        match: String.raw`[+-]?[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9][0-9_]*)?${TOKEN_END}`,
      },
      // Looks like a number but is not one (1em, 0x, .5, 1.2.3).
      { name: 'invalid.illegal.number.mizan', match: String.raw`[+-]?\.?[0-9]${IDENT_CHAR}*` },
    ],
  },

  // -------------------------------------------------------------------------------------------
  // Slashdash comments: `/-` before a node, an entry or a children block.

  'slashdash-node': {
    name: 'comment.block.slashdash.mizan',
    // `/-` alone on its line (maybe with a comment) takes the whole line.
    begin: String.raw`(/-)(?:\s*(?://.*)?\n)?`,
    end: NODE_END,
    applyEndPatternLast: true,
    beginCaptures: { 1: c('punctuation.definition.comment.slashdash.mizan') },
    patterns: [
      { match: String.raw`^\s*(?://.*)?\n` },
      p('slashdash-block-comment'),
      {
        begin: String.raw`(?=[^\s;}])`,
        end: NODE_END,
        patterns: [p('slashdash-body')],
      },
    ],
  },
  'slashdash-entry': {
    patterns: [
      {
        // An entry that is a multi-line string: commented out to its closing quotes.
        name: 'comment.block.slashdash.mizan',
        begin: String.raw`(/-)\s*(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?(?:${STRING_ONE_LINE}\s*=\s*(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?)?(#*)"""`,
        end: String.raw`"""\2`,
        beginCaptures: { 1: c('punctuation.definition.comment.slashdash.mizan') },
      },
      {
        name: 'comment.block.slashdash.mizan',
        match: String.raw`(/-)\s*(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?(?:${STRING_ONE_LINE}\s*=\s*(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?)?${VALUE_TOKEN}`,
        captures: { 1: c('punctuation.definition.comment.slashdash.mizan') },
      },
      {
        // `/-` ending its line: the entry it comments out is the next token on a later line.
        // The rule ends right after that token (the first position that follows a
        // non-space); blank and comment-only lines are eaten whole, newline included.
        name: 'comment.block.slashdash.mizan',
        begin: String.raw`(/-)\s*(?://.*)?\n`,
        end: String.raw`(?<=\S)`,
        beginCaptures: { 1: c('punctuation.definition.comment.slashdash.mizan') },
        patterns: [
          { match: String.raw`^\s*(?://.*)?\n` },
          p('slashdash-block-comment'),
          {
            begin: String.raw`(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?(?:${STRING_ONE_LINE}\s*=\s*(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?)?(#*)"""`,
            end: String.raw`"""\1`,
          },
          {
            match: String.raw`(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?(?:${STRING_ONE_LINE}\s*=\s*(?:${TYPE_ANNOTATION_ONE_LINE}\s*)?)?${VALUE_TOKEN}`,
          },
          { begin: String.raw`\{`, end: String.raw`\}`, patterns: [p('slashdash-body')] },
        ],
      },
      {
        // `/-` followed by something that cannot be commented out.
        name: 'comment.block.slashdash.mizan punctuation.definition.comment.slashdash.mizan',
        match: '/-',
      },
    ],
  },
  'slashdash-children': {
    name: 'comment.block.slashdash.mizan',
    begin: String.raw`(/-)\s*(\{)`,
    end: String.raw`\}`,
    beginCaptures: { 1: c('punctuation.definition.comment.slashdash.mizan') },
    patterns: [p('slashdash-body')],
  },
  // Inside a slashdashed part: follow strings, comments, braces and continuations, add nothing.
  'slashdash-body': {
    patterns: [
      p('slashdash-block-comment'),
      { match: '//.*' },
      { begin: String.raw`\\`, end: String.raw`\n|(?=(?!/[/*])\S)`, patterns: [p('comments')] },
      { begin: String.raw`(#+)"""`, end: String.raw`"""\1` },
      { begin: String.raw`(#+)"`, end: String.raw`"\1|${EOL}` },
      { begin: '"""', end: '"""', patterns: [{ match: String.raw`\\.` }] },
      { begin: '"', end: `"|${EOL}`, patterns: [{ match: String.raw`\\(?:\s+|.)` }] },
      { begin: String.raw`\{`, end: String.raw`\}`, patterns: [p('slashdash-body')] },
    ],
  },
  'slashdash-block-comment': {
    // Like a block comment, but one that ends its line also takes the newline, so that a
    // slashdash stays open across a comment-only line.
    begin: String.raw`/\*`,
    end: String.raw`\*/(?:\s*(?://.*)?\n)?`,
    patterns: [p('slashdash-block-comment')],
  },
};

const grammar = {
  $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
  name: 'Mizan',
  scopeName: 'source.mizan',
  fileTypes: ['mizan'],
  comment: 'Generated by scripts/build-grammar.mjs; edit that file, not this one.',
  patterns: [
    p('nodes'),
    // A closing brace with no block open.
    { name: 'invalid.illegal.unmatched-brace.mizan', match: String.raw`\}` },
  ],
  repository,
};

const text = JSON.stringify(grammar, null, 2) + '\n';
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUT, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${OUT} is stale: run \`npm run build:grammar\``);
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
}
