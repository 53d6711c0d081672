// Keeps disk diagnostics current from workspace/didChangeWatchedFiles. Events are queued per URI,
// collected for a short pause so a burst (a `git checkout`, an unzip, `rm -r`) becomes one batch, and
// drained by one worker that yields between files: one pass over what changed instead of a storm of
// overlapping checks or full rescans.
//
// Editors report a folder created with files in it (mkdir + write, `git checkout`, unzip) as one event
// for the folder, and `rm -r` as one event for the folder, so besides manifest files we watch every
// path for creation and deletion: a created folder is walked with the workspace scan's discovery and
// excludes, and a deleted path takes the diagnostics of everything below it along.
import * as fs from 'node:fs/promises';
import { Connection, DidChangeWatchedFilesNotification, DidChangeWatchedFilesParams, FileChangeType, WatchKind } from 'vscode-languageserver/node';
import { discoverFiles, excludeGlobsOfCheckedFolder, isCandidateFileName } from '../engine';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { FileChecker } from './fileChecker';
import { FileFilter } from './fileFilter';
import { describeError, Logger } from './logger';
import { ProjectConfigStore } from './projectConfig';
import { SettingsStore } from './settingsStore';
import { Folder } from './workspaceFolders';
import { canonicalUri, fsPathToUri, isPathInside, uriToFsPath } from './uris';

/** Also matches `.kube-mitm-guard.yaml`, so the config file needs no watcher of its own. */
export const WATCHED_GLOB = '**/*.{yaml,yml,json}';
/** Every path, created or deleted only: how folders created or deleted as a whole reach us. */
export const WATCHED_PATHS_GLOB = '**/*';

/** Quiet time that ends a burst of events; the batch is processed at the latest this long after its first event. */
const BATCH_QUIET_MS = 50;
const BATCH_MAX_DELAY_MS = 500;

interface PendingChange {
  uri: string;
  type: FileChangeType;
}

export interface FileWatchDependencies {
  checker: FileChecker;
  publisher: DiagnosticsPublisher;
  projectConfigs: ProjectConfigStore;
  settings: SettingsStore;
  filter: FileFilter;
  onProjectConfigChanged: (folder: Folder) => Promise<void>;
  logger: Logger;
}

export class FileWatchHandler {
  private readonly pending = new Map<string, PendingChange>();
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt = 0;
  private readonly abort = new AbortController();

  constructor(private readonly deps: FileWatchDependencies) {}

  /** Asks the client to watch manifest files and folders; only possible when it supports dynamic registration. */
  async register(connection: Connection): Promise<void> {
    try {
      await connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: WATCHED_GLOB }, { globPattern: WATCHED_PATHS_GLOB, kind: WatchKind.Create | WatchKind.Delete }],
      });
    } catch (error) {
      this.deps.logger.warn(`Could not register file watching; changes on disk are seen on the next rescan: ${String(error)}`);
    }
  }

  onDidChangeWatchedFiles(params: DidChangeWatchedFilesParams): void {
    if (this.abort.signal.aborted) return;
    if (this.pending.size === 0) this.firstPendingAt = Date.now();
    for (const change of params.changes) {
      // Only the latest event per path matters (create + change + delete = delete); the disk is read
      // when the batch runs, so the outcome follows what is there then.
      const key = canonicalUri(change.uri);
      this.pending.delete(key); // re-inserted last: the map keeps the order of the latest events
      this.pending.set(key, { uri: change.uri, type: change.type });
    }
    clearTimeout(this.timer);
    const delay = Math.max(0, Math.min(BATCH_QUIET_MS, this.firstPendingAt + BATCH_MAX_DELAY_MS - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delay);
  }

  /** Stops pending and running work (shutdown). */
  dispose(): void {
    clearTimeout(this.timer);
    this.pending.clear();
    this.abort.abort();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.size > 0 && !this.abort.signal.aborted) {
        const batch = [...this.pending.values()];
        this.pending.clear();
        try {
          await this.handleBatch(batch);
        } catch (error) {
          this.deps.logger.error(`Could not handle changes on disk: ${describeError(error)}`);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async handleBatch(batch: readonly PendingChange[]): Promise<void> {
    const { checker, projectConfigs, logger } = this.deps;
    const configFolders = new Set<Folder>();
    const gone: string[] = [];
    const folders: string[] = [];
    const files: string[] = [];
    for (const { uri, type } of batch) {
      const configFolder = projectConfigs.folderOfConfigFile(uri);
      if (configFolder !== undefined) {
        configFolders.add(configFolder);
        continue;
      }
      const fsPath = uriToFsPath(uri);
      if (fsPath === undefined) continue;
      // An open document's buffer is the truth until it is closed.
      if (checker.isOpen(uri)) continue;
      const kind = await pathKind(fsPath);
      if (kind === 'missing') gone.push(fsPath);
      else if (kind === 'directory') folders.push(fsPath);
      else if (kind === 'file' && (isCandidateFileName(fsPath) || type !== FileChangeType.Created)) files.push(fsPath);
      // Other created files (README.md, build output) are none of our business.
    }

    for (const folder of configFolders) {
      try {
        await this.deps.onProjectConfigChanged(folder); // rescans the workspace under the new policy
      } catch (error) {
        logger.error(`Could not reload the project config of ${folder.name}: ${describeError(error)}`);
      }
    }
    for (const fsPath of gone) this.clearUnder(fsPath);
    // A folder inside another created folder is walked with it; so are files reported inside one.
    const roots = outermost(folders);
    for (const fsPath of roots) {
      if (this.abort.signal.aborted) return;
      await this.checkFolder(fsPath);
    }
    for (const fsPath of files) {
      if (this.abort.signal.aborted) return;
      if (roots.some((root) => isPathInside(root, fsPath))) continue;
      await checker.checkDiskFile(fsPathToUri(fsPath));
      await yieldToEventLoop();
    }
  }

  /**
   * A folder appeared (or was replaced): check every candidate file below it with the discovery and
   * excludes of the workspace scan, and drop diagnostics of files below it that are no longer there.
   */
  private async checkFolder(folderPath: string): Promise<void> {
    const { checker, settings: settingsStore, filter, logger } = this.deps;
    const folderUri = fsPathToUri(folderPath);
    const { settings, folder } = await settingsStore.resolve(folderUri);
    const seen = new Set<string>();
    const started = Date.now();
    let checked = 0;
    if (folder?.fsPath !== undefined && settings.scope === 'workspace' && !filter.isExcluded(folder, folderUri, settings)) {
      const signal = this.abort.signal;
      const onSkip = (fsPath: string, why: string) => logger.info(`Skipped ${fsPath}: ${why}`);
      for await (const fsPath of discoverFiles(folderPath, { exclude: excludeGlobsOfCheckedFolder(settings), excludeBase: folder.fsPath, signal, onSkip })) {
        const uri = fsPathToUri(fsPath);
        seen.add(canonicalUri(uri));
        if ((await checker.checkDiskFile(uri)) === 'checked') checked++;
        await yieldToEventLoop();
      }
      if (signal.aborted) return;
      logger.info(`Checked ${checked} file(s) in ${folderPath}, created on disk (${Date.now() - started} ms).`);
    }
    this.clearUnder(folderPath, seen);
  }

  /** Clears the disk diagnostics of a path and of everything below it (a deleted folder arrives as one event). */
  private clearUnder(deletedPath: string, keep: ReadonlySet<string> = new Set()): void {
    this.deps.publisher.clearWhere((canonical, entry) => {
      if (entry.origin !== 'disk' || keep.has(canonical)) return false;
      const fsPath = uriToFsPath(entry.uri);
      return fsPath !== undefined && isPathInside(deletedPath, fsPath);
    });
  }
}

async function pathKind(fsPath: string): Promise<'missing' | 'directory' | 'file' | 'other'> {
  try {
    const stat = await fs.stat(fsPath);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/** The paths not inside another path of the list. */
function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => a.length - b.length);
  const result: string[] = [];
  for (const candidate of sorted) {
    if (!result.some((root) => isPathInside(root, candidate))) result.push(candidate);
  }
  return result;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
