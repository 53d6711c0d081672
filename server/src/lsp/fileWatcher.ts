// Keeps disk diagnostics current from workspace/didChangeWatchedFiles. Events are queued per URI and
// drained by one worker that yields between files, so a `git checkout` touching thousands of files is
// one pass over the changed files instead of a storm of overlapping checks or full rescans.
import { Connection, DidChangeWatchedFilesNotification, DidChangeWatchedFilesParams, FileChangeType } from 'vscode-languageserver/node';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { FileChecker } from './fileChecker';
import { describeError, Logger } from './logger';
import { ProjectConfigStore } from './projectConfig';
import { Folder } from './workspaceFolders';
import { canonicalUri, isPathInside, uriToFsPath } from './uris';

/** Also matches `.kube-mitm-guard.yaml`, so the config file needs no watcher of its own. */
export const WATCHED_GLOB = '**/*.{yaml,yml,json}';

export class FileWatchHandler {
  private readonly pending = new Map<string, { uri: string; type: FileChangeType }>();
  private draining = false;

  constructor(
    private readonly checker: FileChecker,
    private readonly publisher: DiagnosticsPublisher,
    private readonly projectConfigs: ProjectConfigStore,
    private readonly onProjectConfigChanged: (folder: Folder) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Asks the client to watch manifest files; only possible when it supports dynamic registration. */
  async register(connection: Connection): Promise<void> {
    try {
      await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: WATCHED_GLOB }] });
    } catch (error) {
      this.logger.warn(`Could not register file watching; changes on disk are seen on the next rescan: ${String(error)}`);
    }
  }

  onDidChangeWatchedFiles(params: DidChangeWatchedFilesParams): void {
    for (const change of params.changes) {
      // Only the latest event per file matters (create + change + delete = delete).
      this.pending.set(canonicalUri(change.uri), { uri: change.uri, type: change.type });
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.size > 0) {
        const [key, change] = this.pending.entries().next().value as [string, { uri: string; type: FileChangeType }];
        this.pending.delete(key);
        try {
          await this.handle(change.uri, change.type);
        } catch (error) {
          this.logger.error(`Could not handle a change of ${change.uri}: ${describeError(error)}`);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.draining = false;
    }
  }

  private async handle(uri: string, type: FileChangeType): Promise<void> {
    const configFolder = this.projectConfigs.folderOfConfigFile(uri);
    if (configFolder !== undefined) {
      await this.onProjectConfigChanged(configFolder);
      return;
    }
    // An open document's buffer is the truth until it is closed.
    if (this.checker.isOpen(uri)) return;
    if (type === FileChangeType.Deleted) {
      this.clearUnder(uri);
      return;
    }
    await this.checker.checkDiskFile(uri);
  }

  /** A deleted folder arrives as a single event for the folder: clear everything below it too. */
  private clearUnder(uri: string): void {
    this.publisher.clear(uri);
    const deletedPath = uriToFsPath(uri);
    if (deletedPath === undefined) return;
    this.publisher.clearWhere((_canonical, entry) => {
      const fsPath = uriToFsPath(entry.uri);
      return entry.origin === 'disk' && fsPath !== undefined && isPathInside(deletedPath, fsPath);
    });
  }
}
