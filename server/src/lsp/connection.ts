// Creates the server's connection for the transport the editor asked for, and keeps the process alive
// through bugs: a failed promise or a thrown exception in one handler is logged, not fatal, because a
// dead server loses every diagnostic in the workspace.
import { Connection, createConnection, IPCMessageReader, IPCMessageWriter, ProposedFeatures } from 'vscode-languageserver/node';
import { describeError } from './logger';

/**
 * `--stdio` (other editors, `kube-mitm-guard lsp --stdio`), `--node-ipc` (the VS Code client), or
 * `--socket=N`/`--pipe=N` are read from argv by vscode-languageserver; with no flag but an IPC channel
 * (forked by VS Code without arguments) we use node IPC.
 */
export function createServerConnection(argv: readonly string[] = process.argv): Connection {
  const transportFlags = ['--stdio', '--node-ipc', '--socket', '--pipe'];
  const hasTransportFlag = argv.some((arg) => transportFlags.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
  if (!hasTransportFlag && typeof process.send === 'function') {
    return createConnection(ProposedFeatures.all, new IPCMessageReader(process), new IPCMessageWriter(process));
  }
  // With --stdio this also redirects console.log to the client, so a stray log cannot corrupt the stream.
  return createConnection(ProposedFeatures.all);
}

export function installCrashGuards(connection: Connection): void {
  let reporting = false;
  const report = (what: string, error: unknown) => {
    // Logging itself can fail (e.g. EPIPE once the client is gone); never let that recurse.
    if (reporting) return;
    reporting = true;
    try {
      connection.console.error(`${what} (the server keeps running): ${describeError(error)}`);
    } catch {
      // Nowhere left to report to.
    } finally {
      reporting = false;
    }
  };
  process.on('unhandledRejection', (reason) => report('Unhandled promise rejection', reason));
  process.on('uncaughtException', (error) => report('Uncaught exception', error));
}
