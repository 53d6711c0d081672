// Owns what has been published per URI (push model: textDocument/publishDiagnostics). Remembering it
// lets us clear files that disappear or become excluded, skip pointless empty publishes for the
// thousands of clean files a workspace scan sees, and total the counts for the status item.
import { Connection, Diagnostic } from 'vscode-languageserver/node';
import { countBySeverity, DiagnosticCounts } from './diagnostics';
import { canonicalUri } from './uris';

/** Where the diagnostics came from: an open editor buffer, a file read from disk, or a project config file. */
export type DiagnosticOrigin = 'document' | 'disk' | 'config';

export interface PublishedDiagnostics {
  /** The URI as it was published (the editor's spelling for open documents). */
  uri: string;
  origin: DiagnosticOrigin;
  diagnostics: Diagnostic[];
  /** Publish order (see `sequence`): tells a workspace scan which entries are newer than its file listing. */
  sequence: number;
}

export interface DiagnosticTotals extends DiagnosticCounts {
  filesWithProblems: number;
}

export class DiagnosticsPublisher {
  private readonly published = new Map<string, PublishedDiagnostics>();
  private lastSequence = 0;
  private readonly clearedListeners: ((canonical: string) => void)[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly onChange: () => void,
  ) {}

  /**
   * `retain`: keep the entry even when it has no diagnostics, so that clearing the file (deleted,
   * excluded, its folder removed) reaches the listeners: a clean file can still hold facts other files'
   * findings depend on.
   */
  publish(uri: string, origin: DiagnosticOrigin, diagnostics: Diagnostic[], version?: number, retain = false): void {
    const key = canonicalUri(uri);
    const previous = this.published.get(key);
    if (diagnostics.length === 0 && !retain) this.published.delete(key);
    else this.published.set(key, { uri, origin, diagnostics, sequence: ++this.lastSequence });
    // Clean files read from disk are the common case; only tell the client when something changes.
    if (diagnostics.length === 0 && origin === 'disk' && (previous === undefined || previous.diagnostics.length === 0)) return;
    // When the editor spells the URI differently from us, clear the old spelling too.
    if (previous !== undefined && previous.uri !== uri) {
      void this.connection.sendDiagnostics({ uri: previous.uri, diagnostics: [] });
    }
    void this.connection.sendDiagnostics({ uri, diagnostics, version });
    this.onChange();
  }

  clear(uri: string): void {
    const key = canonicalUri(uri);
    const previous = this.published.get(key);
    if (previous === undefined) return;
    this.published.delete(key);
    this.notifyCleared(key);
    if (previous.diagnostics.length === 0) return;
    void this.connection.sendDiagnostics({ uri: previous.uri, diagnostics: [] });
    this.onChange();
  }

  /** Called with the canonical URI of every entry cleared (by `clear` or `clearWhere`). */
  onCleared(listener: (canonical: string) => void): void {
    this.clearedListeners.push(listener);
  }

  private notifyCleared(key: string): void {
    for (const listener of this.clearedListeners) listener(key);
  }

  /** Clears every published entry the predicate selects (by canonical URI). */
  clearWhere(predicate: (canonical: string, entry: PublishedDiagnostics) => boolean): void {
    for (const [key, entry] of [...this.published]) {
      if (predicate(key, entry)) this.clear(entry.uri);
    }
  }

  /** The sequence number of the latest publish; entries published later have a higher one. */
  get sequence(): number {
    return this.lastSequence;
  }

  get(uri: string): PublishedDiagnostics | undefined {
    return this.published.get(canonicalUri(uri));
  }

  totals(): DiagnosticTotals {
    const totals: DiagnosticTotals = { errors: 0, warnings: 0, others: 0, filesWithProblems: 0 };
    for (const entry of this.published.values()) {
      const counts = countBySeverity(entry.diagnostics);
      totals.errors += counts.errors;
      totals.warnings += counts.warnings;
      totals.others += counts.others;
      if (entry.diagnostics.length > 0) totals.filesWithProblems++;
    }
    return totals;
  }
}
