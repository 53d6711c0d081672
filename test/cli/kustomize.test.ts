// Kustomize inline patches through the built CLI, checked against the real renderer: the findings on an
// overlay's kustomization name the same addresses as the findings on `kubectl kustomize`'s output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { JsonFinding, JsonReport, runCli, TempDir } from './cliHarness';

/** Whether `kubectl` with its built-in Kustomize runs here (CI machines may lack it). */
function kubectlWorks(): boolean {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 20_000 });
  return result.status === 0;
}

/** Each finding as `rule: what it is about` (the address, or the granted resource), sorted. */
function about(dir: TempDir, report: JsonReport): string[] {
  return report.findings
    .map((finding: JsonFinding) => {
      const text = dir.read(finding.file);
      const lines = text.split(/\r?\n/);
      const covered = lines[finding.line - 1].slice(finding.column - 1, finding.endLine === finding.line ? finding.endColumn - 1 : undefined);
      return `${finding.rule}: ${/\d+\.\d+\.\d+\.\d+|services\/status/.exec(covered)?.[0] ?? covered}`;
    })
    .sort();
}

function check(dir: TempDir, target: string): JsonReport {
  const result = runCli(['check', target, '--format', 'json'], { cwd: dir.root });
  return JSON.parse(result.stdout) as JsonReport;
}

describe('check: Kustomize inline patches', () => {
  let dir: TempDir;
  before(() => {
    dir = TempDir.fromFixture('kustomize');
  });
  after(() => dir.dispose());

  it('reports every inline form at the characters of the value, CRLF line endings included', () => {
    const report = check(dir, 'overlay');
    assert.deepEqual(about(dir, report), [
      'external-ips: 1.1.1.1',
      'external-ips: 3.3.3.3',
      'external-ips: 4.4.4.4',
      'external-ips: 8.8.8.8',
      'external-ips: 9.9.9.9',
      'loadbalancer-status: 5.5.5.5',
      'rbac-services-status: services/status',
    ]);
    const eight = report.findings.find((finding) => finding.message.startsWith('externalIP 8.8.8.8'))!;
    assert.deepEqual([eight.line, eight.column, eight.endColumn], [13, 9, 16]);
    assert.match(eight.message, /inline patches patch \(target: Service, name web\)/);
    assert.ok(report.findings.every((finding) => finding.file === 'overlay/kustomization.yaml'));
  });

  it('reports nothing for non-Service targets, remove ops and allowed addresses', () => {
    assert.deepEqual(check(dir, 'clean').findings, []);
  });

  const skip = kubectlWorks() ? false : 'kubectl is not installed or does not run here: the comparison with `kubectl kustomize` is skipped';
  it('finds on the overlay what it finds on the overlay rendered by kubectl kustomize', { skip }, () => {
    for (const overlay of ['overlay', 'clean']) {
      const rendered = spawnSync('kubectl', ['kustomize', overlay], { cwd: dir.root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(rendered.status, 0, rendered.stderr);
      dir.write(`${overlay}-rendered.yaml`, rendered.stdout);
      assert.deepEqual(about(dir, check(dir, overlay)), about(dir, check(dir, `${overlay}-rendered.yaml`)), overlay);
    }
  });

  it('check --fix edits inside the inline patches so that kubectl kustomize still renders what is left', { skip }, () => {
    const fixed = TempDir.fromFixture('kustomize');
    try {
      runCli(['check', 'overlay', '--fix'], { cwd: fixed.root });
      const left = about(fixed, check(fixed, 'overlay'));
      assert.ok(left.length < 7 && !left.includes('external-ips: 8.8.8.8') && !left.includes('external-ips: 9.9.9.9'), left.join());
      assert.match(fixed.read('overlay/kustomization.yaml'), /\r\n/);
      const rendered = spawnSync('kubectl', ['kustomize', 'overlay'], { cwd: fixed.root, encoding: 'utf8', timeout: 60_000 });
      assert.equal(rendered.status, 0, rendered.stderr);
      fixed.write('rendered.yaml', rendered.stdout);
      assert.deepEqual(left, about(fixed, check(fixed, 'rendered.yaml')));
    } finally {
      fixed.dispose();
    }
  });
});
