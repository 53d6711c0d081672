// One fuzz case through the engine's public API, the way the server and the CLI call it: analyzeText,
// fixesForFinding for every finding (each TextFix applied), fixAll. Nothing may throw, every call must
// finish within its time bound, and the results must be well-formed.
import { analyzeText, applyEdits, EngineOptions, fixAll, fixesForFinding, Fix } from '../../server/src/engine';
import { cidrs } from './engine';

export interface TimeBounds {
  /** analyzeText, and fixesForFinding for one finding. */
  callMs: number;
  /** fixAll (it re-analyses once per applied fix). */
  fixAllMs: number;
}

/** Far above what any case takes (a few ms), far below "hangs": a loaded CI machine still passes. */
export const DEFAULT_BOUNDS: TimeBounds = { callMs: 3_000, fixAllMs: 10_000 };

export interface CaseStats {
  findings: number;
  fixes: number;
  fixAllFixed: number;
  slowestCallMs: number;
}

export class FuzzFailure extends Error {}

function timed<T>(what: string, boundMs: number, stats: CaseStats, call: () => T): T {
  const started = performance.now();
  let result: T;
  try {
    result = call();
  } catch (error) {
    throw new FuzzFailure(`${what} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  const elapsed = performance.now() - started;
  stats.slowestCallMs = Math.max(stats.slowestCallMs, elapsed);
  if (elapsed > boundMs) throw new FuzzFailure(`${what} took ${Math.round(elapsed)} ms (bound ${boundMs} ms)`);
  return result;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new FuzzFailure(message);
}

/** Runs one text through the engine; throws FuzzFailure with the reason when a property is violated. */
export function fuzzEngine(text: string, options: EngineOptions, bounds: TimeBounds = DEFAULT_BOUNDS, maxFindings = 50): CaseStats {
  const stats: CaseStats = { findings: 0, fixes: 0, fixAllFixed: 0, slowestCallMs: 0 };
  const result = timed('analyzeText', bounds.callMs, stats, () => analyzeText(text, options));
  check(Array.isArray(result.findings), 'analyzeText returned no findings array');
  stats.findings = result.findings.length;
  for (const finding of result.findings) {
    check(
      finding.startOffset >= 0 && finding.startOffset <= finding.endOffset && finding.endOffset <= text.length,
      `finding ${finding.key} has offsets outside the text`,
    );
    check(finding.range.start.line <= finding.range.end.line, `finding ${finding.key} has an inverted range`);
  }
  for (const finding of result.findings.slice(0, maxFindings)) {
    const fixes: Fix[] = timed(`fixesForFinding(${finding.key})`, bounds.callMs, stats, () => fixesForFinding(text, options, finding.key));
    for (const fix of fixes) {
      stats.fixes++;
      if (fix.kind === 'allow-external-ip') {
        check(/\/(32|128)$/.test(fix.cidr), `allow fix with a non-host CIDR ${fix.cidr}`);
        continue;
      }
      timed(`applying "${fix.title}" for ${finding.key}`, bounds.callMs, stats, () => applyEdits(text, fix.edits));
    }
  }
  const all = timed('fixAll', bounds.fixAllMs, stats, () => fixAll(text, options));
  stats.fixAllFixed = all.fixedCount;
  const viaEdits = timed('applying the fixAll edits', bounds.callMs, stats, () => applyEdits(text, all.edits));
  check(viaEdits === all.text, 'fixAll edits do not produce fixAll text');
  if (all.fixedCount > 0) {
    const after = timed('analyzeText after fixAll', bounds.callMs, stats, () => analyzeText(all.text, options));
    check(after.findings.length <= result.findings.length, 'fixAll added findings');
  }
  return stats;
}

/** The engine options a fuzz case runs with, varied by seed so allowlists and Helm paths are exercised. */
export function fuzzOptions(seed: number): EngineOptions {
  const variants: EngineOptions[] = [
    { allowedCidrs: [], rules: {} },
    { allowedCidrs: cidrs('10.0.0.0/8', '2001:db8::/32'), rules: {} },
    { allowedCidrs: [], rules: { 'loadbalancer-status': 'off', 'external-ips': 'hint' } },
  ];
  return variants[seed % variants.length];
}
