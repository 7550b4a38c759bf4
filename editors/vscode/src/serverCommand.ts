// Turns the `mizan.server.*` settings into the command line that starts the language server.
// Kept free of the `vscode` module so it can be tested with plain Node.

import * as os from 'node:os';
import * as path from 'node:path';

export const DEFAULT_COMMAND = 'mizan-lang';
export const DEFAULT_ARGS: readonly string[] = ['lsp'];

export interface ServerCommand {
  command: string;
  args: string[];
  /** Working directory for the server: the first workspace folder, if any. */
  cwd: string | undefined;
}

export interface ServerSettings {
  path?: unknown;
  args?: unknown;
}

/**
 * Builds the server command line from the user's settings.
 *
 * `${workspaceFolder}`, `${userHome}` and a leading `~` are expanded in the path and the
 * arguments. A relative path that names a file in a folder (`.venv/bin/mizan-lang`) is taken
 * relative to the workspace folder; a bare name (`mizan-lang`, `python3`) is looked up on PATH
 * by the operating system.
 */
export function resolveServerCommand(
  settings: ServerSettings,
  workspaceFolder: string | undefined,
  home: string = os.homedir(),
): ServerCommand {
  const expand = (text: string): string => expandVariables(text, workspaceFolder, home);

  const rawPath = typeof settings.path === 'string' ? settings.path.trim() : '';
  let command = expand(rawPath === '' ? DEFAULT_COMMAND : rawPath);
  if (!path.isAbsolute(command) && hasDirectory(command) && workspaceFolder !== undefined) {
    command = path.resolve(workspaceFolder, command);
  }

  const args = isStringArray(settings.args) ? settings.args.map(expand) : [...DEFAULT_ARGS];
  return { command, args, cwd: workspaceFolder };
}

export function expandVariables(text: string, workspaceFolder: string | undefined, home: string): string {
  let result = text;
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = home + result.slice(1);
  }
  result = result.split('${userHome}').join(home);
  if (workspaceFolder !== undefined) {
    result = result.split('${workspaceFolder}').join(workspaceFolder);
  }
  return result;
}

function hasDirectory(command: string): boolean {
  return command.includes('/') || command.includes('\\');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** The command line as one string, for messages and logs. */
export function describeCommand(server: ServerCommand): string {
  return [server.command, ...server.args].map(quoteIfNeeded).join(' ');
}

function quoteIfNeeded(part: string): string {
  return /^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part);
}
