// What one `check` run found, independent of the output format.
import { EngineOptions, FileFacts, Finding, FixKind, Severity, SEVERITY_RANK } from '../engine';

export interface FixSummary {
  kind: FixKind;
  title: string;
  /** Applied by --fix (the editor's "fix all"); the others are quick fixes to choose in the editor. */
  fixAll: boolean;
}

export interface FileReport {
  /** Absolute path on disk; undefined for standard input. */
  absolutePath?: string;
  /** Relative to the current folder when inside it (OS separators); `<stdin>` for standard input. */
  displayPath: string;
  /** The text the findings' positions refer to (after --fix when it rewrote the file). */
  text: string;
  findings: Finding[];
  /** Fixes available per finding key (only computed for --format json). */
  fixes?: Map<string, FixSummary[]>;
  /** What the link phase needs of the file, and the options it was checked with. */
  facts?: FileFacts;
  options: EngineOptions;
  /** The cluster the file is linked in (see `clusterOf` in check.ts). */
  cluster: string;
}

export interface SkippedFile {
  displayPath: string;
  reason: string;
}

export interface RunReport {
  files: FileReport[];
  /** Files read and analysed. */
  filesChecked: number;
  skipped: SkippedFile[];
}

/** How a file is named to the workspace index and in related locations: its absolute path, or `<stdin>`. */
export function fileId(file: Pick<FileReport, 'absolutePath' | 'displayPath'>): string {
  return file.absolutePath ?? file.displayPath;
}

/** `--fail-on`: the least severe finding that fails the run (exit 1), or never. */
export type FailOn = Severity | 'never';
export const FAIL_ON_VALUES: readonly FailOn[] = ['error', 'warning', 'information', 'hint', 'never'];
export const DEFAULT_FAIL_ON: FailOn = 'warning';

/** The exit code for findings of these severities: 1 when one is at least as severe as `failOn`, else 0. */
export function exitCodeFor(severities: Iterable<Severity>, failOn: FailOn): 0 | 1 {
  if (failOn === 'never') return 0;
  const threshold = SEVERITY_RANK[failOn];
  for (const severity of severities) if (SEVERITY_RANK[severity] >= threshold) return 1;
  return 0;
}
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

export function countBySeverity(report: RunReport): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const file of report.files) for (const finding of file.findings) counts[finding.severity]++;
  return counts;
}

/** Forward slashes, for JSON and SARIF whatever the OS. */
export function portablePath(displayPath: string): string {
  return displayPath.split('\\').join('/');
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    a.range.end.line - b.range.end.line ||
    a.range.end.character - b.range.end.character ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}
