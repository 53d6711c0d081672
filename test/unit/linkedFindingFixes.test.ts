// The suppression fix of findings the link phase adds (bindings, aggregation, shared externalIPs): offered
// through linkedFindingFixes, proven, and effective once the file is linked again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits, Finding, linkedFindingFixes, TextFix } from '../../server/src/engine';
import { yaml } from '../support/engine';
import { BASE_OPTIONS, linkFiles } from '../support/linking';
import { clusterRoleBinding, STATUS_WRITER_ROLE } from '../support/rbacFixtures';
import { externalIpService } from '../support/serviceFixtures';

function onlyFinding(findings: readonly Finding[], code: string): Finding {
  const matching = findings.filter((finding) => finding.code === code);
  assert.equal(matching.length, 1, `one ${code} finding, got ${JSON.stringify(findings.map((f) => f.code))}`);
  return matching[0];
}

describe('fixes of linked findings', () => {
  it('suppresses a binding finding: the comment goes above the subject, and the relinked file has no finding and no unused suppression', () => {
    const binding = clusterRoleBinding('lb-status', '{kind: User, name: alice}');
    const finding = onlyFinding(linkFiles({ 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': binding })['b.yaml'], 'rbac-services-status-binding');
    const fixes = linkedFindingFixes(binding, BASE_OPTIONS, finding);
    assert.deepEqual(fixes.map((fix) => [fix.kind, fix.title]), [['suppress-line', 'Suppress rbac-services-status-binding for this line']]);
    const fixed = applyEdits(binding, (fixes[0] as TextFix).edits);
    const lines = fixed.split('\n');
    assert.equal(lines[finding.range.start.line], '# kube-mitm-guard-disable-next-line rbac-services-status-binding');
    assert.equal(lines.filter((line, index) => index !== finding.range.start.line).join('\n'), binding);
    assert.deepEqual(linkFiles({ 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': fixed })['b.yaml'], []);
  });

  it('adds the rule to a suppression comment already above the line', () => {
    const binding = clusterRoleBinding('lb-status', '{kind: User, name: alice}').replace(
      '- {kind: User',
      '# kube-mitm-guard-disable-next-line external-ips -- reviewed\n- {kind: User',
    );
    const findings = linkFiles({ 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': binding })['b.yaml'];
    const finding = onlyFinding(findings, 'rbac-services-status-binding');
    const [fix] = linkedFindingFixes(binding, BASE_OPTIONS, finding) as TextFix[];
    const fixed = applyEdits(binding, fix.edits);
    assert.match(fixed, /# kube-mitm-guard-disable-next-line external-ips, rbac-services-status-binding -- reviewed\n- \{kind: User/);
    // external-ips stays named and unused; the binding finding is gone.
    assert.deepEqual(
      linkFiles({ 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': fixed })['b.yaml'].map((f) => f.code),
      findings.filter((f) => f.code !== 'rbac-services-status-binding').map((f) => f.code),
    );
  });

  it('suppresses a shared externalIP', () => {
    const files = { 'a.yaml': externalIpService('{name: a}', '[{port: 80}]', '10.0.0.1'), 'b.yaml': externalIpService('{name: b}', '[{port: 80}]', '10.0.0.1') };
    const options = { allowedCidrs: [] };
    const finding = onlyFinding(linkFiles(files, options)['a.yaml'], 'external-ip-conflict');
    const [fix] = linkedFindingFixes(files['a.yaml'], BASE_OPTIONS, finding) as TextFix[];
    const fixed = applyEdits(files['a.yaml'], fix.edits);
    assert.deepEqual(linkFiles({ ...files, 'a.yaml': fixed })['a.yaml'].filter((f) => f.code === 'external-ip-conflict'), []);
  });

  it('offers nothing in JSON, which has no comments, and nothing for a finding whose document is gone', () => {
    const json = JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'lb-status' },
      subjects: [{ kind: 'User', name: 'alice' }],
    }, null, 2);
    const finding = onlyFinding(linkFiles({ 'role.yaml': STATUS_WRITER_ROLE, 'b.json': json })['b.json'], 'rbac-services-status-binding');
    assert.deepEqual(linkedFindingFixes(json, BASE_OPTIONS, finding), []);
    assert.deepEqual(linkedFindingFixes(yaml('a: 1'), BASE_OPTIONS, { ...finding, documentIndex: 3 }), []);
  });
});
