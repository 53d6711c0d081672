// `check --format gitlab`: the GitLab code quality report (the CodeClimate subset GitLab reads), with the
// same findings, lines and fingerprints as the JSON and SARIF reports of the same run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JsonReport, runCli, TempDir } from './cliHarness';

interface CodeQualityIssue {
  type: string;
  check_name: string;
  description: string;
  categories: string[];
  severity: string;
  fingerprint: string;
  location: { path: string; lines: { begin: number; end: number } };
}

const SERVICE = ['apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', '  externalIPs:', '    - 8.8.8.8', ''].join('\n');

describe('check --format gitlab', () => {
  let workspace: TempDir;
  let issues: CodeQualityIssue[];
  let json: JsonReport;

  before(() => {
    workspace = TempDir.workspace();
    const result = runCli(['check', '--format', 'gitlab'], { cwd: workspace.root });
    assert.equal(result.code, 1, result.stderr);
    issues = JSON.parse(result.stdout) as CodeQualityIssue[];
    json = JSON.parse(runCli(['check', '--format', 'json'], { cwd: workspace.root }).stdout) as JsonReport;
  });

  after(() => workspace.dispose());

  it('is an array of issues with every field GitLab requires', () => {
    assert.ok(Array.isArray(issues) && issues.length > 0);
    for (const issue of issues) {
      assert.deepEqual(Object.keys(issue).sort(), ['categories', 'check_name', 'description', 'fingerprint', 'location', 'severity', 'type']);
      assert.equal(issue.type, 'issue');
      assert.ok(issue.description.length > 0);
      assert.ok(['info', 'minor', 'major', 'critical', 'blocker'].includes(issue.severity), issue.severity);
      assert.match(issue.fingerprint, /^[0-9a-f]{32}:\d+$/);
      assert.ok(Number.isInteger(issue.location.lines.begin) && issue.location.lines.begin >= 1);
      assert.ok(issue.location.lines.end >= issue.location.lines.begin);
      assert.equal(issue.location.path.startsWith('/'), false, 'relative to the repository root');
    }
    assert.equal(new Set(issues.map((issue) => issue.fingerprint)).size, issues.length, 'fingerprints are unique');
  });

  it('reports what --format json reports, at the same 1-based lines, with mapped severities', () => {
    const severity: Record<string, string> = { error: 'critical', warning: 'major', information: 'minor', hint: 'info' };
    assert.deepEqual(
      issues.map((issue) => [issue.location.path, issue.check_name, issue.severity, issue.description, issue.location.lines.begin, issue.location.lines.end]),
      json.findings.map((finding) => [finding.file, finding.rule, severity[finding.severity], finding.message, finding.line, finding.endLine]),
    );
    assert.deepEqual(
      [...new Set(issues.map((issue) => `${issue.check_name} ${issue.categories.join()}`))].sort(),
      ['external-ip-invalid Security', 'external-ips Security', 'loadbalancer-status Security', 'rbac-services-status Security', 'unused-suppression Clarity'],
    );
  });

  it('uses the SARIF partial fingerprints, which survive moved lines', () => {
    const sarif = JSON.parse(runCli(['check', '--format', 'sarif'], { cwd: workspace.root }).stdout) as {
      runs: { results: { partialFingerprints: Record<string, string> }[] }[];
    };
    assert.deepEqual(issues.map((issue) => issue.fingerprint), sarif.runs[0].results.map((result) => result.partialFingerprints['kubeMitmGuard/v1']));
    const dir = new TempDir({ 'svc.yaml': SERVICE });
    try {
      const before = JSON.parse(runCli(['check', '--format', 'gitlab'], { cwd: dir.root }).stdout) as CodeQualityIssue[];
      dir.write('svc.yaml', `# moved down\n\n${SERVICE}`);
      const moved = JSON.parse(runCli(['check', '--format', 'gitlab'], { cwd: dir.root }).stdout) as CodeQualityIssue[];
      assert.equal(moved[0].fingerprint, before[0].fingerprint);
      assert.equal(moved[0].location.lines.begin, before[0].location.lines.begin + 2);
      dir.write('svc.yaml', SERVICE.replace('8.8.8.8', '8.8.4.4'));
      const changed = JSON.parse(runCli(['check', '--format', 'gitlab'], { cwd: dir.root }).stdout) as CodeQualityIssue[];
      assert.notEqual(changed[0].fingerprint, before[0].fingerprint);
    } finally {
      dir.dispose();
    }
  });

  it('prints [] for a clean run, reads standard input, and refuses --fix-dry-run', () => {
    const dir = new TempDir();
    try {
      const clean = runCli(['check', '--format', 'gitlab'], { cwd: dir.root });
      assert.equal(clean.code, 0, clean.stderr);
      assert.deepEqual(JSON.parse(clean.stdout), []);
      const stdin = runCli(['check', '--format', 'gitlab', '-'], { cwd: dir.root, stdin: SERVICE });
      assert.equal(stdin.code, 1);
      assert.equal((JSON.parse(stdin.stdout) as CodeQualityIssue[])[0].location.path, '<stdin>');
      const dryRun = runCli(['check', '--format', 'gitlab', '--fix-dry-run'], { cwd: dir.root });
      assert.equal(dryRun.code, 2);
      assert.match(dryRun.stderr, /--fix-dry-run prints a diff; it cannot be combined with --format gitlab/);
    } finally {
      dir.dispose();
    }
  });
});
