// Logging to the client's output channel (window/logMessage via connection.console), with a time stamp
// so scans and skipped files can be correlated when users paste logs into issues.
import { RemoteConsole } from 'vscode-languageserver/node';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(console: RemoteConsole): Logger {
  const stamp = (message: string) => `[${new Date().toISOString().slice(11, 23)}] ${message}`;
  return {
    info: (message) => console.info(stamp(message)),
    warn: (message) => console.warn(stamp(message)),
    error: (message) => console.error(stamp(message)),
  };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
