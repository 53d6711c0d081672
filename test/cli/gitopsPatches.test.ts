// Kustomize patches in Flux Kustomizations and Argo CD Applications through the built CLI: each finding on
// the characters of the value (inside the patch string, or on the YAML written in place), and `--fix`
// edits them so that what is left parses and holds no fixed finding.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { JsonFinding, JsonReport, runCli, TempDir } from './cliHarness';

function check(dir: TempDir, target: string): JsonReport {
  const result = runCli(['check', target, '--format', 'json'], { cwd: dir.root });
  return JSON.parse(result.stdout) as JsonReport;
}

/** Each finding as `file rule line:column-endColumn covered`. */
function placed(dir: TempDir, report: JsonReport): string[] {
  return report.findings.map((finding: JsonFinding) => {
    const line = dir.read(finding.file).split(/\r?\n/)[finding.line - 1];
    return `${finding.file} ${finding.rule} ${finding.line}:${finding.column}-${finding.endColumn} ${line.slice(finding.column - 1, finding.endColumn - 1)}`;
  });
}

describe('check: Kustomize patches in Flux Kustomizations and Argo CD Applications', () => {
  let dir: TempDir;
  before(() => {
    dir = TempDir.fromFixture('gitops');
  });
  after(() => dir.dispose());

  it('reports each form at the characters of the value, with where the patch is written', () => {
    const report = check(dir, '.');
    assert.deepEqual(placed(dir, report), [
      'argocd/web.yaml external-ips 25:29-38 "1.1.1.1"',
      'argocd/web.yaml rbac-services-status 34:29-44 services/status',
      'flux/apps.yaml external-ips 22:15-22 8.8.8.8',
      'flux/apps.yaml external-ips 46:13-20 9.9.9.9',
      'flux/apps.yaml loadbalancer-status 55:18-31 {ip: 5.5.5.5}',
    ]);
    const messages = report.findings.map((finding) => finding.message);
    assert.match(messages[0], /It is written in this Argo CD Application's spec\.source\.kustomize\.patches patch \(target: Service, name web\)\.$/);
    assert.match(messages[2], /It is written in this Flux Kustomization's spec\.patches patch \(target: Service, name web\)\.$/);
    assert.match(messages[4], /spec\.patchesJson6902 patch \(target: Service, name db\)\.$/);
    // In place (not in a string), the operation is removed; inside a string, the address.
    assert.ok(report.findings[4].fixes.some((fix) => fix.kind === 'remove-patch-operation'));
    assert.ok(report.findings[2].fixes.some((fix) => fix.kind === 'remove-external-ip'));
  });

  it('reports nothing for other kinds, remove ops, allowed addresses and path patches', () => {
    assert.deepEqual(check(dir, 'clean').findings, []);
  });

  it('check --fix removes the addresses and the operation, leaving YAML that parses', () => {
    const fixed = TempDir.fromFixture('gitops');
    try {
      runCli(['check', '.', '--fix'], { cwd: fixed.root });
      const left = placed(fixed, check(fixed, '.'));
      assert.ok(!left.some((entry) => /8\.8\.8\.8|9\.9\.9\.9|1\.1\.1\.1|5\.5\.5\.5/.test(entry)), left.join('\n'));
      for (const file of ['flux/apps.yaml', 'argocd/web.yaml']) {
        for (const document of parseAllDocuments(fixed.read(file))) assert.deepEqual(document.errors, [], file);
      }
      const flux = fixed.read('flux/apps.yaml');
      assert.match(flux, /            - 10\.0\.0\.5\n        - op: remove/);
      assert.ok(!flux.includes('/status/loadBalancer/ingress/-') && flux.includes('/metadata/labels/patched'));
    } finally {
      fixed.dispose();
    }
  });
});
