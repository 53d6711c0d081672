// Output of `audit-log`: text (`file:line:1 severity rule message`, then the summary) and JSON with the
// top level of `check --format json` (version, tool, summary, findings, skipped), audit fields added.
import { AuditFinding, AuditReport, Severity } from '../engine';
import { JSON_FORMAT_VERSION } from './formatJson';
import { plural } from './formatText';
import { portablePath } from './report';

export interface AuditRun {
  report: AuditReport;
  /** Inputs in the order read, as shown (relative path or `<stdin>`). */
  files: string[];
  /** Findings in file order, then line order. */
  findings: AuditFinding[];
}

export function formatAuditText(run: AuditRun): string {
  const out: string[] = [];
  for (const finding of run.findings) out.push(`${finding.file}:${finding.line + 1}:1 ${finding.severity} ${finding.rule} ${finding.message}`);
  const { summary, counts } = run.report;
  if (summary.externalIPs.size > 0) {
    out.push('', 'externalIPs written by successful requests, per Service:');
    for (const [service, addresses] of sorted(summary.externalIPs)) {
      out.push(`  ${service}: ${sorted(addresses).map(([address, requests]) => `${address} (${plural(requests, 'request')})`).join(', ')}`);
    }
  }
  if (summary.statusWriters.size > 0) {
    out.push('', 'services/status writers (patch, update):');
    for (const [user, count] of sorted(summary.statusWriters)) {
      const parts = [count.succeeded > 0 ? `${count.succeeded} succeeded` : '', count.refused > 0 ? `${count.refused} refused` : ''].filter(Boolean);
      out.push(`  ${user || '(no user name)'} (${count.reach === 'control-plane' ? 'control plane, allowed' : count.reach}): ${parts.join(', ') || 'outcome not logged'}`);
    }
  }
  if (out.length > 0) out.push('');
  const read = `${plural(run.files.length, 'file')}, ${plural(counts.linesRead, 'event line')} read, ${counts.linesPassedOver} passed over by the pre-check, ${counts.unreadableLines} unreadable`;
  const total = run.findings.length;
  const judged = plural(counts.requestsJudged, 'request');
  out.push(
    total === 0
      ? `No problems found (${judged} judged; ${read}).`
      : `${plural(total, 'problem')} (${severityParts(run.findings).join(', ')}) in ${judged} judged (${read}).`,
  );
  return out.join('\n') + '\n';
}

export function formatAuditJson(run: AuditRun, toolVersion: string): string {
  const { summary, counts } = run.report;
  const bySeverity = countSeverities(run.findings);
  const output = {
    version: JSON_FORMAT_VERSION,
    tool: { name: 'kube-mitm-guard', version: toolVersion },
    summary: {
      filesChecked: run.files.length,
      filesWithFindings: new Set(run.findings.map((finding) => finding.file)).size,
      errors: bySeverity.error,
      warnings: bySeverity.warning,
      information: bySeverity.information,
      hints: bySeverity.hint,
      linesRead: counts.linesRead,
      eventsRead: counts.eventsRead,
      linesPassedOver: counts.linesPassedOver,
      unreadableLines: counts.unreadableLines,
      requestsJudged: counts.requestsJudged,
      serviceWritesWithoutBody: summary.serviceWritesWithoutBody,
      rbacWritesWithoutResult: summary.rbacWritesWithoutResult,
      externalIPs: sorted(summary.externalIPs).map(([service, addresses]) => {
        const slash = service.indexOf('/');
        return {
          namespace: service.slice(0, slash),
          name: service.slice(slash + 1),
          addresses: sorted(addresses).map(([address, requests]) => ({ address, requests })),
        };
      }),
      statusWriters: sorted(summary.statusWriters).map(([user, count]) => ({ user, class: count.reach, succeeded: count.succeeded, refused: count.refused })),
    },
    findings: run.findings.map((finding) => ({
      file: portablePath(finding.file),
      rule: finding.rule,
      severity: finding.severity,
      message: finding.message,
      // 0-based, as check's ranges: the event's line.
      range: { start: { line: finding.line, character: 0 }, end: { line: finding.line, character: finding.lineLength } },
      line: finding.line + 1,
      column: 1,
      endLine: finding.line + 1,
      endColumn: finding.lineLength + 1,
      ...finding.request,
    })),
    skipped: run.report.inputProblems.map((problem) => ({ file: portablePath(problem.file), reason: problem.reason })),
  };
  return JSON.stringify(output, null, 2) + '\n';
}

function countSeverities(findings: readonly AuditFinding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

function severityParts(findings: readonly AuditFinding[]): string[] {
  const counts = countSeverities(findings);
  return [
    counts.error > 0 ? plural(counts.error, 'error') : '',
    counts.warning > 0 ? plural(counts.warning, 'warning') : '',
    counts.information > 0 ? `${counts.information} information` : '',
    counts.hint > 0 ? plural(counts.hint, 'hint') : '',
  ].filter((part) => part !== '');
}

function sorted<V>(map: ReadonlyMap<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
