// Sends `kubeMitmGuard/status` (counts and last scan time) for the client's language status item.
// Coalesced: a scan publishes diagnostics for many files, the status item only needs the final numbers.
import { Connection } from 'vscode-languageserver/node';
import { LinkStats } from '../engine';
import { DiagnosticsPublisher } from './diagnosticsPublisher';
import { STATUS_NOTIFICATION, StatusParams } from './protocol';

const COALESCE_MS = 150;

export interface ScanStats {
  scanning: boolean;
  filesScanned: number;
  filesSkipped: number;
  lastScanTime: Date | undefined;
  lastScanDurationMs: number | undefined;
}

export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;
  private disabled = false;
  private lastSent = '';
  private scanStats: ScanStats = {
    scanning: false,
    filesScanned: 0,
    filesSkipped: 0,
    lastScanTime: undefined,
    lastScanDurationMs: undefined,
  };

  /** Set once the publisher exists (the publisher reports changes back to us). */
  publisher: DiagnosticsPublisher | undefined;

  constructor(private readonly connection: Connection) {}

  updateScan(stats: Partial<ScanStats>): void {
    this.scanStats = { ...this.scanStats, ...stats };
    this.schedule();
  }

  private lastLink: LinkStats | undefined;

  updateLink(stats: LinkStats): void {
    this.lastLink = stats;
    this.schedule();
  }

  /** Every folder has scope `off`. */
  setDisabled(disabled: boolean): void {
    this.disabled = disabled;
    this.schedule();
  }

  schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendNow();
    }, COALESCE_MS);
  }

  sendNow(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const totals = this.publisher?.totals() ?? { errors: 0, warnings: 0, others: 0, filesWithProblems: 0 };
    const params: StatusParams = {
      state: this.disabled ? 'disabled' : this.scanStats.scanning ? 'scanning' : 'idle',
      errors: totals.errors,
      warnings: totals.warnings,
      others: totals.others,
      filesWithProblems: totals.filesWithProblems,
      filesScanned: this.scanStats.filesScanned,
      filesSkipped: this.scanStats.filesSkipped,
      lastScanTime: this.scanStats.lastScanTime?.toISOString() ?? null,
      lastScanDurationMs: this.scanStats.lastScanDurationMs ?? null,
      link: this.lastLink ? { ...this.lastLink } : null,
    };
    const serialized = JSON.stringify(params);
    if (serialized === this.lastSent) return;
    this.lastSent = serialized;
    void this.connection.sendNotification(STATUS_NOTIFICATION, params).catch(() => undefined);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
