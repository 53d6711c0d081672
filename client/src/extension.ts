// The VS Code extension: starts the kube-mitm-guard language server (dist/server.js) over node IPC and
// adds the commands and the language status item. All analysis happens in the server.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind } from 'vscode-languageclient/node';
import { RESCAN_REQUEST, RescanResult, SETTINGS_SECTION, STATUS_NOTIFICATION, StatusParams } from '../../server/src/lsp/protocol';
import { LanguageStatus } from './languageStatus';
import type { CodeCacheOutcome } from './loader';
import { RestartingErrorHandler } from './restartingErrorHandler';

/** The client id doubles as the settings prefix, so `kubeMitmGuard.trace.server` controls protocol tracing. */
const CLIENT_ID = SETTINGS_SECTION;
const OUTPUT_CHANNEL_NAME = 'kube-mitm-guard';

/** Plain filters: valid both as a vscode and as an LSP document selector. */
const DOCUMENT_SELECTOR: { scheme: string; language: string }[] = ['file', 'untitled'].flatMap((scheme) =>
  ['yaml', 'json', 'jsonc'].map((language) => ({ scheme, language })),
);

let client: LanguageClient | undefined;

const CODE_CACHE_MESSAGES: Record<CodeCacheOutcome, string> = {
  'from-cache': 'loaded from the code cache',
  compiled: 'compiled (the code cache is written for the next start)',
  'cache-rejected': 'compiled: V8 rejected the code cache (it is rewritten for the next start)',
};

/** `codeCache`: how loader.ts loaded this bundle (logged, so the cache's use can be seen and tested). */
export async function activate(context: vscode.ExtensionContext, codeCache?: CodeCacheOutcome): Promise<void> {
  const output = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  if (codeCache !== undefined) output.appendLine(`[client] Extension code ${CODE_CACHE_MESSAGES[codeCache]}.`);
  const status = new LanguageStatus(DOCUMENT_SELECTOR);
  const errorHandler = new RestartingErrorHandler(output);
  context.subscriptions.push(output, status);

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    // `--inspect` lets "Attach to Server" debug the bundled server (source maps sit next to it).
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    synchronize: { configurationSection: SETTINGS_SECTION },
    outputChannel: output,
    errorHandler,
    diagnosticCollectionName: OUTPUT_CHANNEL_NAME,
  };
  client = new LanguageClient(CLIENT_ID, 'kube-mitm-guard', serverOptions, clientOptions);
  const languageClient = client;

  context.subscriptions.push(
    languageClient.onNotification(STATUS_NOTIFICATION, (params: StatusParams) => status.update(params)),
    languageClient.onDidChangeState((event) => {
      if (event.newState === State.Stopped) status.stopped();
    }),
    vscode.commands.registerCommand('kubeMitmGuard.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('kubeMitmGuard.restartServer', async () => {
      errorHandler.reset();
      output.appendLine('[client] Restarting the server on request.');
      await languageClient.restart();
    }),
    vscode.commands.registerCommand('kubeMitmGuard.rescanWorkspace', async () => {
      if (!languageClient.isRunning()) {
        void vscode.window.showWarningMessage('The kube-mitm-guard server is not running.');
        return;
      }
      // The server reports progress itself (window/workDoneProgress); we only log the outcome.
      const result = await languageClient.sendRequest<RescanResult | null>(RESCAN_REQUEST);
      if (result) {
        output.appendLine(
          `[client] Rescan ${result.cancelled ? 'cancelled' : 'done'}: ${result.filesScanned} files checked, ${result.filesSkipped} skipped.`,
        );
      }
    }),
  );

  try {
    await languageClient.start();
  } catch (error) {
    output.appendLine(`[client] The server could not start: ${error instanceof Error ? error.message : String(error)}`);
    status.stopped();
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
