// `kube-mitm-guard lsp --stdio`: the editor extension's language server, for any LSP client. The same
// connection setup and server as dist/server.js (server/src/lsp/main.ts); nothing is duplicated.
import { UsageError } from './args';

export const LSP_HELP = `Usage: kube-mitm-guard lsp --stdio

Runs the kube-mitm-guard language server (the one the VS Code extension uses) over standard input and
output, for Neovim, Helix, Emacs, Zed, Sublime Text and other LSP clients. --node-ipc, --socket=PORT
and --pipe=NAME are accepted too.
`;

const TRANSPORTS = ['--stdio', '--node-ipc', '--socket', '--pipe'];

export async function runLsp(argv: readonly string[], writeHelp: (text: string) => void): Promise<number | 'running'> {
  if (argv.includes('--help') || argv.includes('-h')) {
    writeHelp(LSP_HELP);
    return 0;
  }
  const hasTransport = argv.some((arg) => TRANSPORTS.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
  if (!hasTransport) throw new UsageError('lsp needs a transport: kube-mitm-guard lsp --stdio');
  // Loaded only here, so `check` does not pay for the language server's start-up.
  const { createServerConnection, installCrashGuards } = await import('../lsp/connection.js');
  const { startServer } = await import('../lsp/server.js');
  const connection = createServerConnection();
  installCrashGuards(connection);
  startServer(connection);
  return 'running';
}
