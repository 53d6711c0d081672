// Restarts a crashed server, the way vscode-languageclient's default handler does, but logs each crash
// once to our output channel instead of popping a notification per crash, and gives up (loudly) when
// the server keeps crashing, so a broken build cannot restart forever.
import { OutputChannel } from 'vscode';
import { CloseAction, CloseHandlerResult, ErrorAction, ErrorHandler, ErrorHandlerResult, Message } from 'vscode-languageclient/node';

const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

export class RestartingErrorHandler implements ErrorHandler {
  private readonly recentRestarts: number[] = [];

  constructor(private readonly output: OutputChannel) {}

  error(error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
    // A few transport errors are usually a dying process; closed() decides about restarting.
    if (count !== undefined && count <= 3) return { action: ErrorAction.Continue, handled: true };
    this.output.appendLine(`[client] Connection to the server failed repeatedly: ${error.message}`);
    return { action: ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    while (this.recentRestarts.length > 0 && now - this.recentRestarts[0] > RESTART_WINDOW_MS) this.recentRestarts.shift();
    if (this.recentRestarts.length >= MAX_RESTARTS) {
      const message = `The kube-mitm-guard server crashed ${MAX_RESTARTS + 1} times in 3 minutes and will not be restarted. Run "kube-mitm-guard: Restart Server" after fixing the cause (see the output).`;
      this.output.appendLine(`[client] ${message}`);
      return { action: CloseAction.DoNotRestart, message };
    }
    this.recentRestarts.push(now);
    this.output.appendLine(`[client] The kube-mitm-guard server stopped unexpectedly; restarting it.`);
    return { action: CloseAction.Restart, handled: true };
  }

  /** A manual restart starts a fresh budget. */
  reset(): void {
    this.recentRestarts.length = 0;
  }
}
