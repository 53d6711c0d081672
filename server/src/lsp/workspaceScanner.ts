// Scans every candidate file of every workspace folder so the Problems panel covers files that are not
// open. One scan at a time: a newer scan aborts the older one and waits for it to stop, so two scans
// never publish over each other. Files are read and analysed on worker threads (scanPool.ts) and
// published in file order; without workers the scan yields to the event loop between files. Either
// way requests (code actions, shutdown) are answered while it runs.
import { Connection } from 'vscode-languageserver/node';
import { discoverFiles, excludeGlobsOfCheckedFolder } from '../engine';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { WorkspaceLinker } from './workspaceLinker';
import { DiskCheckOutcome, FileChecker } from './fileChecker';
import { describeError, Logger } from './logger';
import { RescanResult } from './protocol';
import { createScanAnalyzer, FileAnalyzer, SharedScanAnalyzer } from './scanPool';
import { SettingsStore } from './settingsStore';
import { StatusReporter } from './statusReporter';
import { Folder, WorkspaceFolderList } from './workspaceFolders';
import { fsPathToUri, isPathInside, uriToFsPath } from './uris';

const PROGRESS_EVERY_FILES = 25;
/**
 * Files being analysed per worker while the scan waits to publish the oldest: enough that a large
 * file at the head of the line does not leave the other workers idle.
 */
const FILES_IN_FLIGHT_PER_WORKER = 16;

interface ScanProgress {
  /** `percentage` is left out while the number of files is not known yet. */
  report(percentage: number | undefined, message: string): void;
  done(): void;
}

export class WorkspaceScanner {
  private running: { abort: AbortController; finished: Promise<RescanResult> } | undefined;
  /** The worker pool, kept between scans (see SharedScanAnalyzer). */
  private readonly analyzers: SharedScanAnalyzer;

  constructor(
    private readonly connection: Connection,
    private readonly folders: WorkspaceFolderList,
    private readonly settings: SettingsStore,
    private readonly checker: FileChecker,
    private readonly publisher: DiagnosticsPublisher,
    private readonly linker: WorkspaceLinker,
    private readonly status: StatusReporter,
    private readonly logger: Logger,
    private readonly canCreateProgress: boolean,
    createAnalyzer: () => FileAnalyzer = () => createScanAnalyzer(logger),
  ) {
    this.analyzers = new SharedScanAnalyzer(createAnalyzer);
  }

  /** Starts a scan of every folder, cancelling a running one. Resolves when this scan ends. */
  scan(reason: string): Promise<RescanResult> {
    const previous = this.running;
    previous?.abort.abort();
    const abort = new AbortController();
    const finished = (async () => {
      await previous?.finished;
      return this.run(reason, abort);
    })();
    const entry = { abort, finished };
    this.running = entry;
    void finished.finally(() => {
      if (this.running === entry) this.running = undefined;
    });
    return finished;
  }

  cancel(): void {
    this.running?.abort.abort();
  }

  /** Server shutdown: cancels the running scan and ends the scan workers (later scans run on the main thread). */
  dispose(): void {
    this.cancel();
    this.analyzers.dispose();
  }

  private async run(reason: string, abort: AbortController): Promise<RescanResult> {
    const signal = abort.signal;
    const result: RescanResult = { filesScanned: 0, filesSkipped: 0, cancelled: false };
    if (signal.aborted) return { ...result, cancelled: true };
    const started = Date.now();
    this.logger.info(`Scanning the workspace (${reason}).`);
    this.status.updateScan({ scanning: true });
    const progress = await this.startProgress(abort);
    const kept = this.analyzers.alive;
    const analyzer = this.analyzers.acquire();
    if (!analyzer.onMainThread) {
      this.logger.info(`Reading and checking files on ${analyzer.parallelism} worker thread(s)${kept && !analyzer.failed ? ', kept from the last scan' : ''}.`);
    }
    this.linker.holdRelinks();
    try {
      const listedAfter = this.publisher.sequence;
      const seen = new Set<string>();
      const scannedFolders: Folder[] = [];
      for (const folder of this.folders.all()) {
        if (signal.aborted) break;
        if (await this.scanFolder(folder, signal, seen, result, progress, analyzer)) scannedFolders.push(folder);
      }
      result.cancelled = signal.aborted;
      if (!result.cancelled) this.clearVanished(scannedFolders, seen, listedAfter);
    } catch (error) {
      this.logger.error(`The workspace scan failed: ${describeError(error)}`);
    } finally {
      this.analyzers.release();
      // The scan's facts are linked once, before it reports its end: what a client sees then is final.
      this.linker.releaseRelinks();
      progress.done();
      const durationMs = Date.now() - started;
      this.logger.info(
        `Workspace scan ${result.cancelled ? 'cancelled' : 'finished'}: ${result.filesScanned} files checked, ` +
          `${result.filesSkipped} skipped, ${durationMs} ms.`,
      );
      this.status.updateScan({
        scanning: false,
        filesScanned: result.filesScanned,
        filesSkipped: result.filesSkipped,
        lastScanTime: new Date(),
        lastScanDurationMs: durationMs,
      });
    }
    return result;
  }

  /** Returns whether the folder was scanned (scope `workspace`); other folders lose their disk diagnostics. */
  private async scanFolder(
    folder: Folder,
    signal: AbortSignal,
    seen: Set<string>,
    result: RescanResult,
    progress: ScanProgress,
    analyzer: FileAnalyzer,
  ): Promise<boolean> {
    if (folder.fsPath === undefined) return false;
    const { settings } = await this.settings.resolve(folder.uri);
    if (settings.scope !== 'workspace') {
      this.clearDiskDiagnosticsUnder(folder.fsPath);
      return false;
    }
    progress.report(0, `Listing files in ${folder.name}`);
    const onSkip = (fsPath: string, why: string) => {
      this.logger.info(`Skipped ${fsPath}: ${why}`);
      result.filesSkipped++;
    };
    // Files are handed to the analyzer as the listing finds them (the workers start on the first
    // files while the folder is still being walked), several at once; results are published in file
    // order, so the outcome does not depend on which worker finishes first.
    const inFlight: { index: number; publish: Promise<() => DiskCheckOutcome> }[] = [];
    const window = analyzer.onMainThread ? 1 : analyzer.parallelism * FILES_IN_FLIGHT_PER_WORKER;
    let listed: number | undefined; // the folder's file count, once the listing has ended
    const publishOldest = async () => {
      const { index, publish } = inFlight.shift()!;
      const outcome = (await publish)();
      if (outcome === 'checked') result.filesScanned++;
      else if (outcome === 'skipped') result.filesSkipped++;
      if (index % PROGRESS_EVERY_FILES === 0) {
        const done = `${folder.name}: ${index}/${listed ?? '…'} files`;
        progress.report(listed === undefined ? undefined : Math.floor((index / listed) * 100), done);
      }
    };
    let index = 0;
    for await (const fsPath of discoverFiles(folder.fsPath, { exclude: excludeGlobsOfCheckedFolder(settings), signal, onSkip })) {
      const uri = fsPathToUri(fsPath);
      index++;
      if (seen.has(uri)) continue; // nested workspace folders list the same file twice
      seen.add(uri);
      inFlight.push({ index, publish: this.checker.analyzeDiskFile(uri, analyzer) });
      if (inFlight.length >= window) await publishOldest();
      // On the main thread (no workers) the analysis itself ran here: let requests through between files.
      if (analyzer.onMainThread) await yieldToEventLoop();
    }
    listed = index;
    while (inFlight.length > 0) await publishOldest();
    return true;
  }

  /**
   * Files deleted, renamed away or newly excluded since the last scan keep no stale diagnostics. Files
   * published after the scan started listing (a file created meanwhile, reported by file watching) are
   * newer than what the scan saw and stay.
   */
  private clearVanished(scannedFolders: readonly Folder[], seen: ReadonlySet<string>, listedAfter: number): void {
    this.publisher.clearWhere((canonical, entry) => {
      if (entry.origin !== 'disk' || seen.has(canonical) || entry.sequence > listedAfter) return false;
      const fsPath = uriToFsPath(entry.uri);
      if (fsPath === undefined) return true;
      const folder = this.folders.folderFor(entry.uri);
      // Outside every folder (a removed folder) or in a folder we just scanned without seeing it.
      return folder === undefined || scannedFolders.includes(folder);
    });
  }

  private clearDiskDiagnosticsUnder(folderPath: string): void {
    this.publisher.clearWhere((_canonical, entry) => {
      const fsPath = uriToFsPath(entry.uri);
      return entry.origin === 'disk' && fsPath !== undefined && isPathInside(folderPath, fsPath);
    });
  }

  /** Progress for one scan; cancelling it in the editor aborts that scan only, never a newer one. */
  private async startProgress(abort: AbortController): Promise<ScanProgress> {
    if (!this.canCreateProgress) return { report: () => undefined, done: () => undefined };
    try {
      const reporter = await this.connection.window.createWorkDoneProgress();
      reporter.begin('kube-mitm-guard: checking workspace manifests', 0, undefined, true);
      const cancellation = reporter.token.onCancellationRequested(() => {
        this.logger.info('Workspace scan cancelled from the editor.');
        abort.abort();
      });
      return {
        report: (percentage, message) => (percentage === undefined ? reporter.report(message) : reporter.report(percentage, message)),
        done: () => {
          cancellation.dispose();
          reporter.done();
        },
      };
    } catch (error) {
      // The client refused the progress token: scan without progress rather than not at all.
      this.logger.warn(`Could not create scan progress: ${String(error)}`);
      return { report: () => undefined, done: () => undefined };
    }
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
