// `--format json`: a stable, documented shape (docs/cli.md). `version` is the shape's version and
// changes only when a field changes meaning or disappears; new fields may be added.
import { displayPath } from './configResolver';
import { countBySeverity, fileId, portablePath, RunReport } from './report';

export const JSON_FORMAT_VERSION = 1;

export function formatJson(report: RunReport, toolVersion: string): string {
  const counts = countBySeverity(report);
  const shownById = new Map(report.files.map((file) => [fileId(file), file.displayPath]));
  const findings = report.files.flatMap((file) =>
    file.findings.map((finding) => ({
      file: portablePath(file.displayPath),
      rule: finding.code,
      severity: finding.severity,
      message: finding.message,
      // 0-based, UTF-16 code units: exactly the LSP range the editor shows.
      range: finding.range,
      // 1-based, for humans and tools that count from one (columns still in UTF-16 code units).
      line: finding.range.start.line + 1,
      column: finding.range.start.character + 1,
      endLine: finding.range.end.line + 1,
      endColumn: finding.range.end.character + 1,
      documentIndex: finding.documentIndex,
      fixes: file.fixes?.get(finding.key) ?? [],
      // The path behind a workspace finding: where the grant is written, who holds it.
      related: (finding.related ?? []).map((related) => ({
        file: portablePath(related.file === undefined ? file.displayPath : (shownById.get(related.file) ?? displayPath(related.file))),
        message: related.message,
        range: related.range,
        line: related.range.start.line + 1,
        column: related.range.start.character + 1,
      })),
    })),
  );
  const output = {
    version: JSON_FORMAT_VERSION,
    tool: { name: 'kube-mitm-guard', version: toolVersion },
    summary: {
      filesChecked: report.filesChecked,
      filesWithFindings: report.files.filter((file) => file.findings.length > 0).length,
      errors: counts.error,
      warnings: counts.warning,
      information: counts.information,
      hints: counts.hint,
    },
    findings,
    skipped: report.skipped.map((skipped) => ({ file: portablePath(skipped.displayPath), reason: skipped.reason })),
  };
  return JSON.stringify(output, null, 2) + '\n';
}
