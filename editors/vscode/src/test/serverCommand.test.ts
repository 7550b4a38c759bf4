// Plain Node tests (node --test) of how settings become the server's command line.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { describeCommand, resolveServerCommand } from '../serverCommand';

const FOLDER = path.resolve('/work/shop');
const HOME = path.resolve('/home/ada');

test('defaults to `mizan-lang lsp` in the workspace folder', () => {
  const server = resolveServerCommand({}, FOLDER, HOME);
  assert.deepEqual(server, { command: 'mizan-lang', args: ['lsp'], cwd: FOLDER });
  assert.equal(describeCommand(server), 'mizan-lang lsp');
});

test('an empty path falls back to the default command', () => {
  assert.equal(resolveServerCommand({ path: '  ' }, undefined, HOME).command, 'mizan-lang');
});

test('a relative path with a folder is taken from the workspace folder', () => {
  const server = resolveServerCommand({ path: '.venv/bin/mizan-lang' }, FOLDER, HOME);
  assert.equal(server.command, path.join(FOLDER, '.venv', 'bin', 'mizan-lang'));
});

test('a bare name is left for PATH lookup', () => {
  assert.equal(resolveServerCommand({ path: 'python3' }, FOLDER, HOME).command, 'python3');
});

test('variables and ~ are expanded in the path and the arguments', () => {
  const server = resolveServerCommand(
    { path: '~/venvs/mizan/bin/python', args: ['-m', 'mizan_lang', 'lsp', '--log=${workspaceFolder}/lsp.log'] },
    FOLDER,
    HOME,
  );
  assert.equal(server.command, `${HOME}/venvs/mizan/bin/python`);
  assert.deepEqual(server.args, ['-m', 'mizan_lang', 'lsp', `--log=${FOLDER}/lsp.log`]);
});

test('arguments that are not a list of strings are ignored', () => {
  assert.deepEqual(resolveServerCommand({ args: 'lsp' }, FOLDER, HOME).args, ['lsp']);
  assert.deepEqual(resolveServerCommand({ args: ['lsp', 3] }, FOLDER, HOME).args, ['lsp']);
});

test('an explicit empty argument list is kept', () => {
  assert.deepEqual(resolveServerCommand({ path: 'mizan-lsp', args: [] }, FOLDER, HOME).args, []);
});

test('parts with spaces are quoted when described', () => {
  const server = resolveServerCommand({ path: '/opt/My Tools/mizan-lang' }, undefined, HOME);
  assert.equal(describeCommand(server), '"/opt/My Tools/mizan-lang" lsp');
});
