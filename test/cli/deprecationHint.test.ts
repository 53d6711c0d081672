// `check` and the deprecation hint (external-ips-deprecated): printed and counted like information, never
// failing a run unless --fail-on hint; JSON and SARIF carry it (SARIF level note).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JsonReport, runCli, TempDir } from './cliHarness';

const SERVICE = ['apiVersion: v1', 'kind: Service', 'metadata: {name: edge}', 'spec:', '  ports: [{port: 443}]', '  externalIPs: [203.0.113.10]', ''].join('\n');

describe('check: the external-ips-deprecated hint', () => {
  let workspace: TempDir;
  before(() => {
    workspace = new TempDir({ '.kube-mitm-guard.yaml': 'allowedExternalIPCidrs: [203.0.113.0/24]\n', 'edge.yaml': SERVICE });
  });
  after(() => workspace.dispose());

  it('prints the hint on the externalIPs key and does not fail the default run', () => {
    const result = runCli(['check'], { cwd: workspace.root, deprecationHint: true });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^edge\.yaml:6:3 hint external-ips-deprecated spec\.externalIPs is deprecated from Kubernetes 1\.36 \(KEP-5707;/m);
    assert.match(result.stdout, /^1 problem \(1 hint\) in 1 file \(1 file checked\)\.$/m);
  });

  it('fails with --fail-on hint, and is gone with --rule external-ips-deprecated=off', () => {
    assert.equal(runCli(['check', '--fail-on', 'hint'], { cwd: workspace.root, deprecationHint: true }).code, 1);
    const off = runCli(['check', '--rule', 'external-ips-deprecated=off'], { cwd: workspace.root, deprecationHint: true });
    assert.match(off.stdout, /^No problems found \(1 file checked\)\.$/m);
  });

  it('is in JSON as a hint and in SARIF as a note', () => {
    const json = JSON.parse(runCli(['check', '--format', 'json'], { cwd: workspace.root, deprecationHint: true }).stdout) as JsonReport;
    assert.deepEqual(json.findings.map((finding) => [finding.rule, finding.severity, finding.fixes.map((fix) => fix.kind).join()]), [['external-ips-deprecated', 'hint', 'remove-external-ips-key,suppress-line']]);
    assert.equal(json.summary.hints, 1);
    const sarif = JSON.parse(runCli(['check', '--format', 'sarif'], { cwd: workspace.root, deprecationHint: true }).stdout) as { runs: { results: { ruleId: string; level: string }[] }[] };
    assert.deepEqual(sarif.runs[0].results.map((result) => [result.ruleId, result.level]), [['external-ips-deprecated', 'note']]);
  });
});
