// The Mizan extension: starts `mizan-lang lsp` (or the configured command) over stdio for
// .mizan files and restarts it on request or when its settings change. Highlighting comes
// from the TextMate grammar alone and works without the server.

import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';
import { describeCommand, resolveServerCommand, ServerCommand } from './serverCommand';

const LANGUAGE_ID = 'mizan';
// The client reads `mizan.trace.server` because its id is `mizan`.
const CLIENT_ID = 'mizan';
const CLIENT_NAME = 'Mizan Language Server';

let server: ServerProcess | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel(CLIENT_NAME);
  const trace = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`);
  const status = vscode.languages.createLanguageStatusItem('mizan.server', { language: LANGUAGE_ID });
  status.name = CLIENT_NAME;
  status.command = { title: 'Restart', command: 'mizan.restartServer' };

  server = new ServerProcess(output, trace, status);
  context.subscriptions.push(
    output,
    trace,
    status,
    vscode.commands.registerCommand('mizan.restartServer', () => server?.restart()),
    vscode.commands.registerCommand('mizan.showOutput', () => output.show(true)),
    // The command of the server's context code lenses: its arguments are LSP JSON
    // (uri, position, locations), shown in VS Code's references peek.
    vscode.commands.registerCommand('mizan.showContextUsers', (uri: unknown, position: unknown, locations: unknown) =>
      server?.showReferences(uri, position, locations),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('mizan.server')) {
        void server?.restart();
      }
    }),
  );
  await server.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}

/** Owns at most one running language client; start/stop/restart run one after another. */
class ServerProcess {
  private client: LanguageClient | undefined;
  private disposables: vscode.Disposable[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly trace: vscode.OutputChannel,
    private readonly status: vscode.LanguageStatusItem,
  ) {}

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Shows LSP locations (as sent in a code lens command) in the references peek. */
  async showReferences(uri: unknown, position: unknown, locations: unknown): Promise<void> {
    const client = this.client;
    if (client === undefined || typeof uri !== 'string' || !Array.isArray(locations)) {
      return;
    }
    const convert = client.protocol2CodeConverter;
    await vscode.commands.executeCommand(
      'editor.action.showReferences',
      convert.asUri(uri),
      convert.asPosition(position as Parameters<typeof convert.asPosition>[0]),
      locations.map((location) => convert.asLocation(location as Parameters<typeof convert.asLocation>[0])),
    );
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    const command = currentServerCommand();
    this.output.appendLine(`Starting ${CLIENT_NAME}: ${describeCommand(command)}`);
    this.showStatus('Starting', vscode.LanguageStatusSeverity.Information, command);

    // The server hears about .mizan files changed on disk (imports of open files).
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.mizan');
    this.disposables.push(watcher);
    const serverOptions: ServerOptions = {
      command: command.command,
      args: command.args,
      options: command.cwd === undefined ? {} : { cwd: command.cwd },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: LANGUAGE_ID },
        { scheme: 'untitled', language: LANGUAGE_ID },
      ],
      synchronize: { fileEvents: watcher },
      outputChannel: this.output,
      traceOutputChannel: this.trace,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
    };

    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    this.disposables.push(
      client.onDidChangeState((event) => {
        if (event.newState === State.Running) {
          this.showStatus('Running', vscode.LanguageStatusSeverity.Information, command);
        } else if (event.newState === State.Stopped) {
          this.showStatus('Stopped', vscode.LanguageStatusSeverity.Warning, command);
        }
      }),
    );

    try {
      await client.start();
    } catch (error) {
      this.output.appendLine(`Could not start the server: ${errorMessage(error)}`);
      this.showStatus('Failed to start', vscode.LanguageStatusSeverity.Error, command);
      await this.doStop();
      void reportStartFailure(command, error, this.output);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      try {
        if (client.state !== State.Stopped) {
          await client.stop(2000);
        }
      } catch (error) {
        this.output.appendLine(`Stopping the server: ${errorMessage(error)}`);
      }
      try {
        await client.dispose();
      } catch {
        // Already stopped: nothing left to release.
      }
    }
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  private showStatus(text: string, severity: vscode.LanguageStatusSeverity, command: ServerCommand): void {
    this.status.text = text;
    this.status.severity = severity;
    this.status.detail = describeCommand(command);
  }
}

function currentServerCommand(): ServerCommand {
  const config = vscode.workspace.getConfiguration('mizan.server');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return resolveServerCommand(
    { path: config.get('path'), args: config.get('args') },
    folder?.scheme === 'file' ? folder.fsPath : undefined,
  );
}

async function reportStartFailure(
  command: ServerCommand,
  error: unknown,
  output: vscode.OutputChannel,
): Promise<void> {
  const openSettings = 'Open Settings';
  const showOutput = 'Show Output';
  const choice = await vscode.window.showErrorMessage(
    `Could not start the Mizan language server with \`${describeCommand(command)}\` ` +
      `(${errorMessage(error)}). Install it with \`pip install "mizan-lang[lsp]"\` ` +
      'or point the setting mizan.server.path at it.',
    openSettings,
    showOutput,
  );
  if (choice === openSettings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'mizan.server');
  } else if (choice === showOutput) {
    output.show(true);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
