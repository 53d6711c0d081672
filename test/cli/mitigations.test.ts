// `check` on mitigations: an admission policy and its binding in different files are linked, the JSON
// names the binding as related, and `--fix` switches an audit-only Kyverno policy to Enforce.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli, TempDir } from './cliHarness';
import { admissionBinding, EXTERNAL_IPS_POLICY } from '../support/mitigationFixtures';

const KYVERNO = [
  'apiVersion: kyverno.io/v1',
  'kind: ClusterPolicy',
  'metadata:',
  '  name: restrict-external-ips',
  'spec:',
  '  validationFailureAction: Audit # rolled out in audit mode first',
  '  rules:',
  '  - name: check-ips',
  '    match: {any: [{resources: {kinds: [Service]}}]}',
  '    validate:',
  '      pattern: {spec: {X(externalIPs): "null"}}',
  '',
].join('\n');

interface JsonFinding {
  file: string;
  rule: string;
  severity: string;
  line: number;
  related: { file: string; line: number; message: string }[];
  fixes: { kind: string; fixAll: boolean }[];
}

describe('check: mitigations', () => {
  let dir: TempDir;

  before(() => {
    dir = new TempDir({ 'policies/vap.yaml': EXTERNAL_IPS_POLICY, 'bindings/audit.yaml': admissionBinding('Audit, Warn'), 'kyverno/restrict.yaml': KYVERNO });
  });

  after(() => dir.dispose());

  it('links the policy to its binding in another file and names the binding as related', () => {
    const result = runCli(['check', '--format', 'json', 'policies', 'bindings'], { cwd: dir.root });
    assert.equal(result.code, 1, result.stderr);
    const findings = JSON.parse(result.stdout).findings as JsonFinding[];
    assert.deepEqual(findings.map((finding) => [finding.file, finding.rule, finding.severity, finding.line]), [['policies/vap.yaml', 'mitigation-not-enforced', 'warning', 4]]);
    assert.deepEqual(findings[0].related.map((related) => [related.file, related.line]), [['bindings/audit.yaml', 4]]);
    assert.deepEqual(findings[0].fixes, []);

    // The policy checked alone has no binding at all; with a binding that denies, nothing is reported.
    const alone = JSON.parse(runCli(['check', '--format', 'json', 'policies'], { cwd: dir.root }).stdout).findings as JsonFinding[];
    assert.match(JSON.stringify(alone.map((finding) => finding.rule)), /mitigation-not-enforced/);
    dir.write('bindings/deny.yaml', admissionBinding('Deny'));
    try {
      const denied = runCli(['check', 'policies', 'bindings'], { cwd: dir.root });
      assert.equal(denied.code, 0, denied.stdout);
    } finally {
      dir.remove('bindings/deny.yaml');
    }
  });

  it('--fix switches an audit-only Kyverno policy to Enforce and keeps its comment', () => {
    const before = JSON.parse(runCli(['check', '--format', 'json', 'kyverno'], { cwd: dir.root }).stdout).findings as JsonFinding[];
    assert.deepEqual(before.map((finding) => [finding.rule, finding.line, finding.fixes.map((fix) => fix.kind)]), [['mitigation-not-enforced', 6, ['enforce-mitigation', 'suppress-line']]]);
    const fixed = runCli(['check', '--fix', 'kyverno'], { cwd: dir.root });
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.equal(dir.read('kyverno/restrict.yaml'), KYVERNO.replace('validationFailureAction: Audit #', 'validationFailureAction: Enforce #'));
  });
});
