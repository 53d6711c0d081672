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

describe('check: Kustomize patch files judged with their kustomization target', () => {
  const ROLE_OPS = '- op: add\n  path: /rules/-\n  value: {apiGroups: [""], resources: [services/status], verbs: [patch]}\n';
  const files = {
    'base/kustomization.yaml': 'resources: [service.yaml, role.yaml, config.yaml]\n',
    'base/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n',
    'base/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: editor}\nrules: []\n',
    'base/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n',
    'overlay/kustomization.yaml': [
      'resources: [../base]',
      'patches:',
      '- path: service-ops.yaml',
      '  target: {kind: Service, name: web}',
      '- path: role-ops.yaml',
      '  target: {kind: Role, name: editor}',
      '- path: config-ops.yaml',
      '  target: {kind: ConfigMap, name: cfg}',
      '',
    ].join('\n'),
    'overlay/service-ops.yaml': '- op: add\n  path: /spec/externalIPs\n  value: [8.8.8.8]\n',
    'overlay/role-ops.yaml': ROLE_OPS,
    // Alone, an operation on /spec is judged as a Service's; its target here is a ConfigMap.
    'overlay/config-ops.yaml': '- op: add\n  path: /spec\n  value: {externalIPs: [7.7.7.7]}\n',
  };
  let dir: TempDir;
  before(() => {
    dir = new TempDir(files);
  });
  after(() => dir.dispose());

  it('judges each patch file with its target, the patched object in the resources as related location', () => {
    const report = check(dir, '.');
    assert.deepEqual(about(dir, report), ['external-ips: 8.8.8.8', 'rbac-services-status: services/status']);
    const external = report.findings.find((finding) => finding.rule === 'external-ips')!;
    assert.equal(external.file, 'overlay/service-ops.yaml');
    assert.deepEqual(
      external.related.map((related) => [related.file, related.line]),
      [
        ['overlay/kustomization.yaml', 3],
        ['base/service.yaml', 3],
      ],
    );
    // Checked alone, the operation files are judged by their paths.
    assert.deepEqual(about(dir, check(dir, 'overlay/config-ops.yaml')), ['external-ips: 7.7.7.7']);
  });

  const skip = kubectlWorks() ? false : 'kubectl is not installed or does not run here: the comparison with `kubectl kustomize` is skipped';
  it('finds in the patch files what it finds on the overlay rendered by kubectl kustomize', { skip }, () => {
    const rendered = spawnSync('kubectl', ['kustomize', 'overlay'], { cwd: dir.root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(rendered.status, 0, rendered.stderr);
    const renderedDir = new TempDir({ 'rendered.yaml': rendered.stdout });
    try {
      assert.deepEqual(about(renderedDir, check(renderedDir, 'rendered.yaml')), about(dir, check(dir, '.')));
    } finally {
      renderedDir.dispose();
    }
  });
});
