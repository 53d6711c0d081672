// Names and payloads shared by the language server and the VS Code client (the client bundles this
// file too), so the two sides cannot drift apart.

/** Settings section the client synchronises and the server pulls with workspace/configuration. */
export const SETTINGS_SECTION = 'kubeMitmGuard';

/** `source` of every diagnostic we publish. */
export const DIAGNOSTIC_SOURCE = 'kube-mitm-guard';

/** Code action kind of our fix-all; `source.fixAll.kubeMitmGuard` lets users opt in via codeActionsOnSave. */
export const FIX_ALL_CODE_ACTION_KIND = 'source.fixAll.kubeMitmGuard';

/** Server → client: counts for the language status item. */
export const STATUS_NOTIFICATION = 'kubeMitmGuard/status';

/** Client → server: rescan every workspace folder now. Resolves when the scan has finished. */
export const RESCAN_REQUEST = 'kubeMitmGuard/rescanWorkspace';

export interface StatusParams {
  state: 'idle' | 'scanning' | 'disabled';
  errors: number;
  warnings: number;
  /** Information and hint diagnostics together. */
  others: number;
  /** Files with at least one diagnostic. */
  filesWithProblems: number;
  /** Files checked by the most recent workspace scan (open documents excluded). */
  filesScanned: number;
  /** Files the most recent scan skipped (too large, binary, unreadable...). */
  filesSkipped: number;
  /** ISO 8601 time the most recent scan finished, or null before the first one. */
  lastScanTime: string | null;
  /** How long the most recent scan took. */
  lastScanDurationMs: number | null;
  /**
   * The link phase (roles and bindings across files): the last link's time and the files it judged again,
   * the files with roles or bindings, and all links so far; null before the first one.
   */
  link: { lastMs: number; lastFilesJudged: number; filesIndexed: number; links: number; totalMs: number } | null;
}

export interface RescanResult {
  filesScanned: number;
  filesSkipped: number;
  cancelled: boolean;
}
