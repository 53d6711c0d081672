// Rule external-ips-deprecated, and what kube-proxy ignores: the externalIPs of headless and ExternalName
// Services intercept nothing, so their external-ips findings are information at most.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixAll, fixesForFinding } from '../../server/src/engine';
import { analyze, brief, cidrs, covered, yaml } from '../support/engine';
import { linkFiles } from '../support/linking';

const withHint = (text: string, options: Parameters<typeof analyze>[1] = {}) => analyze(text, options, { deprecationHint: true }).findings;

const svc = (...specLines: string[]) => yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', ...specLines.map((line) => `  ${line}`));

describe('external-ips-deprecated', () => {
  it('is reported once per Service that uses externalIPs, on the key, as a hint with the migration advice', () => {
    const text = svc('type: NodePort', 'ports: [{port: 443}]', 'externalIPs: [203.0.113.10, 203.0.113.11]');
    const findings = withHint(text);
    const hints = findings.filter((finding) => finding.code === 'external-ips-deprecated');
    assert.equal(hints.length, 1);
    assert.equal(hints[0].severity, 'hint');
    assert.equal(covered(text, hints[0]), 'externalIPs');
    assert.match(hints[0].message, /deprecated from Kubernetes 1\.36 \(KEP-5707/);
    assert.match(hints[0].message, /AllowServiceExternalIPs feature gate is planned to default to off around 1\.40/);
    assert.match(hints[0].message, /LoadBalancer Service with a spec\.loadBalancerClass/);
    assert.match(hints[0].message, /never let a person patch services\/status/);
    assert.equal(findings.filter((finding) => finding.code === 'external-ips').length, 2);
  });

  it('includes allowlisted addresses; an empty, null or non-list externalIPs and other kinds get none', () => {
    assert.deepEqual(brief(withHint(svc('externalIPs: [10.0.0.1]'), { allowedCidrs: cidrs('10.0.0.0/8') })), [{ code: 'external-ips-deprecated', line: 4, character: 2 }]);
    for (const value of ['[]', '~', '"10.0.0.1"']) {
      assert.ok(!withHint(svc(`externalIPs: ${value}`)).some((finding) => finding.code === 'external-ips-deprecated'), value);
    }
    const knative = yaml('apiVersion: serving.knative.dev/v1', 'kind: Service', 'spec: {externalIPs: [10.0.0.1]}');
    assert.deepEqual(withHint(knative), []);
  });

  it('follows the configured severity and can be turned off', () => {
    const text = svc('externalIPs: [10.0.0.1]');
    const severityOf = (setting: 'warning' | 'off') =>
      withHint(text, { rules: { 'external-ips-deprecated': setting } }).filter((finding) => finding.code === 'external-ips-deprecated').map((finding) => finding.severity);
    assert.deepEqual(severityOf('warning'), ['warning']);
    assert.deepEqual(severityOf('off'), []);
  });

  it('offers removing the externalIPs key, never in fix-all', () => {
    const text = svc('ports: [{port: 443}]', 'externalIPs: [10.0.0.1]');
    const options = { allowedCidrs: cidrs('10.0.0.0/8'), rules: {} };
    const [hint] = withHint(text, options);
    const fixes = fixesForFinding(text, options, hint.key);
    assert.deepEqual(fixes.map((fix) => fix.kind), ['remove-external-ips-key', 'suppress-line']);
    assert.equal(fixAll(text, options).fixedCount, 0);
  });

  it('says a headless or ExternalName Service does nothing with the list', () => {
    const [headless] = withHint(svc('clusterIP: None', 'externalIPs: [10.0.0.1]'), { allowedCidrs: cidrs('10.0.0.0/8') });
    assert.match(headless.message, /does nothing already \(the API server warns "spec\.externalIPs is ignored for headless services"\): remove it\.$/);
    const [externalName] = withHint(svc('type: ExternalName', 'externalName: db.example.com', 'externalIPs: [10.0.0.1]'), { allowedCidrs: cidrs('10.0.0.0/8') });
    assert.ok(externalName.message.includes('(the API server warns "spec.externalIPs is ignored when spec.type is "ExternalName""): remove it.'), externalName.message);
  });
});

describe('external-ips on a Service whose externalIPs kube-proxy ignores', () => {
  const headless = svc('clusterIP: None', 'ports: [{port: 80}]', 'externalIPs: [8.8.8.8]');
  const externalName = svc('type: ExternalName', 'externalName: db.example.com', 'externalIPs: [8.8.8.8]');

  it('is information, and says why, quoting the API server', () => {
    const [finding] = analyze(headless).findings;
    assert.equal(finding.code, 'external-ips');
    assert.equal(finding.severity, 'information');
    assert.match(finding.message, /intercepts nothing: kube-proxy ignores the externalIPs of a headless Service \(the API server warns "spec\.externalIPs is ignored for headless services"\)/);
    const [other] = analyze(externalName).findings;
    assert.equal(other.severity, 'information');
    assert.ok(other.message.includes('(the API server warns "spec.externalIPs is ignored when spec.type is "ExternalName"")'), other.message);
  });

  it('a configured severity is capped at information; hint and off still apply', () => {
    const severities = (setting: 'error' | 'warning' | 'information' | 'hint' | 'off') =>
      analyze(headless, { rules: { 'external-ips': setting } }).findings.map((finding) => finding.severity);
    assert.deepEqual(severities('error'), ['information']);
    assert.deepEqual(severities('warning'), ['information']);
    assert.deepEqual(severities('information'), ['information']);
    assert.deepEqual(severities('hint'), ['hint']);
    assert.deepEqual(severities('off'), []);
  });

  it('a spec that only some reading makes headless keeps its severity (duplicate keys)', () => {
    const text = svc('clusterIP: None', 'clusterIP: 10.96.0.10', 'externalIPs: [8.8.8.8]');
    assert.deepEqual(
      analyze(text).findings.map((finding) => finding.severity),
      ['error'],
    );
    // A NodePort Service (not ExternalName) with an externalName set is a normal Service.
    assert.deepEqual(analyze(svc('type: NodePort', 'externalName: x.example.com', 'externalIPs: [8.8.8.8]')).findings.map((finding) => finding.severity), ['error']);
  });

  it('takes no part in external-ip-conflict, as before', () => {
    const other = svc('ports: [{port: 80}]', 'externalIPs: [8.8.8.8]').replace('{name: web}', '{name: api}');
    const linked = linkFiles({ 'a.yaml': headless, 'b.yaml': other });
    assert.ok(!Object.values(linked).flat().some((finding) => finding.code === 'external-ip-conflict'));
  });
});
