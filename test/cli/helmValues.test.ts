// `check` traces Helm values through a chart in the checked tree, run as the built dist/cli.js on real files:
// the finding is on the values file's line, in text and JSON output, and a value nothing renders is none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, TempDir } from './cliHarness';

const SERVICE_TEMPLATE = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: {{ include "app.fullname" . }}',
  'spec:',
  '  ports:',
  '  - port: 443',
  '{{- if .Values.service.externalIPs }}',
  '  externalIPs: {{ toYaml .Values.service.externalIPs | nindent 4 }}',
  '{{- end }}',
  '',
].join('\n');

function findingLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^\S+:\d+:\d+ /.test(line))
    .map((line) => line.replace(/ (error|warning|information|hint) (\S+) .*$/, ' $1 $2'));
}

describe('check: Helm values', () => {
  let dir: TempDir;

  before(() => {
    dir = new TempDir({
      'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
      'charts/app/templates/service.yaml': SERVICE_TEMPLATE,
      'charts/app/values.yaml': 'service:\n  externalIPs: []\n',
      'charts/app/values-prod.yaml': 'service:\n  externalIPs:\n    - 203.0.113.7\nmetrics:\n  externalIPs: [198.51.100.1]\n',
      'releases/app.yaml': [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: app}',
        'spec:',
        '  chart:',
        '    spec: {chart: ./charts/app, sourceRef: {kind: GitRepository, name: repo}}',
        '  values:',
        '    service:',
        '      externalIPs: ["192.0.2.10"]',
        '',
      ].join('\n'),
      'releases/remote.yaml': [
        'apiVersion: helm.toolkit.fluxcd.io/v2',
        'kind: HelmRelease',
        'metadata: {name: remote}',
        'spec:',
        '  chart:',
        '    spec: {chart: podinfo, sourceRef: {kind: HelmRepository, name: podinfo}}',
        '  values:',
        '    service:',
        '      externalIPs: [192.0.2.20]',
        '',
      ].join('\n'),
    });
  });

  after(() => dir.dispose());

  it('reports the values a template renders into spec.externalIPs on their own lines, and an untraced chart at information', () => {
    const result = runCli(['check', '--no-color'], { cwd: dir.root });
    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(findingLines(result.stdout), [
      'charts/app/values-prod.yaml:3:7 error external-ips',
      'releases/app.yaml:9:21 error external-ips',
      'releases/remote.yaml:9:21 information external-ips',
    ]);
  });

  it('gives JSON the template as a related location, and allowlisted values are no finding', () => {
    const json = runCli(['check', '--format', 'json'], { cwd: dir.root });
    const report = JSON.parse(json.stdout) as { findings: { file: string; rule: string; fixes: unknown[]; related: { file: string; line: number }[] }[] };
    const values = report.findings.filter((finding) => finding.file === 'charts/app/values-prod.yaml');
    assert.equal(values.length, 1);
    assert.deepEqual(values[0].related.map((related) => [related.file, related.line]), [['charts/app/templates/service.yaml', 9]]);
    // Findings the link adds have no fixes (docs/architecture.md).
    assert.deepEqual(values[0].fixes, []);
    dir.write('.kube-mitm-guard.yaml', 'allowedExternalIPCidrs: [203.0.113.0/24, 192.0.2.0/24]\n');
    try {
      const allowed = runCli(['check', '--no-color'], { cwd: dir.root });
      assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
      assert.deepEqual(findingLines(allowed.stdout), []);
    } finally {
      dir.remove('.kube-mitm-guard.yaml');
    }
  });

  it('checks a values file named on the command line through its chart only when the chart is checked too', () => {
    // Named alone, the templates are not in the run: nothing renders the value, so nothing is reported.
    assert.deepEqual(findingLines(runCli(['check', '--no-color', 'charts/app/values-prod.yaml'], { cwd: dir.root }).stdout), []);
    assert.deepEqual(findingLines(runCli(['check', '--no-color', 'charts/app'], { cwd: dir.root }).stdout), ['charts/app/values-prod.yaml:3:7 error external-ips']);
  });
});
