// `--format gitlab`: a GitLab code quality report (`artifacts: reports: codequality`). GitLab does not read
// SARIF; it reads the CodeClimate issue format, of which it uses `description`, `check_name`,
// `fingerprint`, `severity` and `location.path` with `location.lines.begin`. `type` and `categories` are
// added so the report is also valid CodeClimate. Fingerprints are the SARIF ones (fingerprints.ts): GitLab
// compares them between the merge request and its target branch to tell new findings from old ones.
import { Severity, UNUSED_SUPPRESSION } from '../engine';
import { findingFingerprints } from './fingerprints';
import { portablePath, RunReport } from './report';

type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

const SEVERITY: Record<Severity, CodeQualitySeverity> = { error: 'critical', warning: 'major', information: 'minor', hint: 'info' };

export interface CodeQualityIssue {
  type: 'issue';
  check_name: string;
  description: string;
  categories: string[];
  severity: CodeQualitySeverity;
  fingerprint: string;
  location: { path: string; lines: { begin: number; end: number } };
}

export function formatGitlab(report: RunReport): string {
  const issues: CodeQualityIssue[] = report.files.flatMap((file) => {
    const fingerprints = findingFingerprints(file);
    return file.findings.map((finding, index) => ({
      type: 'issue' as const,
      check_name: finding.code,
      description: finding.message,
      // An unused suppression is about the comment, not about the cluster's security.
      categories: [finding.code === UNUSED_SUPPRESSION ? 'Clarity' : 'Security'],
      severity: SEVERITY[finding.severity],
      fingerprint: fingerprints[index],
      // Relative to the current folder (run it from the repository root, where GitLab's paths start).
      location: { path: portablePath(file.displayPath), lines: { begin: finding.range.start.line + 1, end: finding.range.end.line + 1 } },
    }));
  });
  return JSON.stringify(issues, null, 2) + '\n';
}
