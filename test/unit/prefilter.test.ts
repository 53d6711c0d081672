// The text pre-check may skip a text only when the engine could not find anything in it. Every text
// linted through test/support/engine.ts (every input of rules, suppressions, analyze and evasion tests)
// already asserts this; here the evasion corpus is checked explicitly, along with the checks' teeth.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mightHaveFindings } from '../../server/src/engine/prefilter';
import { analyzeUnfiltered, lint, loadEvasionCases, yaml } from '../support/engine';

const options = { allowedCidrs: [], rules: {} };

describe('prefilter soundness', () => {
  const cases = loadEvasionCases();

  for (const testCase of cases) {
    it(`lets ${testCase.name} through whenever the unfiltered engine finds something`, () => {
      const found = analyzeUnfiltered(testCase.text, { ...options, allowedCidrs: testCase.allowedCidrs }).findings;
      if (found.length > 0) assert.ok(mightHaveFindings(testCase.text), `skipped ${testCase.name}, which has ${found.length} findings`);
    });
  }

  it('a words-only shortcut would be caught: escapes and tags reach the decoder without the words', () => {
    const wordsOnly = (text: string) => ['externalIPs', 'loadBalancer', 'kube-mitm-guard-disable', 'services/status'].some((w) => text.includes(w));
    const missed = cases.filter((c) => c.findings.length > 0 && !wordsOnly(c.text)).map((c) => c.name);
    assert.ok(missed.includes('escaped-key-yaml-x65.yaml'), `missed: ${missed.join(', ')}`);
    assert.ok(missed.includes('binary-key.yaml'));
    assert.ok(missed.includes('escaped-line-break-in-key.yaml'));
    assert.ok(missed.includes('rbac-escaped-resources.yaml'));
  });

  it('keys and values spelled every way the decoder accepts still pass', () => {
    const spellings = {
      externalIPs: ['"\\x65xternalIPs"', '"\\u0065xternalIPs"', '"\\U00000065xternalIPs"', '!!binary ZXh0ZXJuYWxJUHM='],
      Service: ['"\\x53ervice"', '!!binary U2VydmljZQ=='],
    };
    for (const key of spellings.externalIPs) {
      for (const kind of [...spellings.Service, 'Service']) {
        const text = yaml('apiVersion: v1', `kind: ${kind}`, 'spec:', `  ${key}: [1.2.3.4]`);
        assert.equal(lint(text).length, 1, text);
      }
    }
    for (const resource of ['"services\\x2fstatus"', '"\\x2a"', '"\\x2a/status"', '!!binary c2VydmljZXMvc3RhdHVz']) {
      for (const kind of ['"\\x52ole"', '"Cluster\\x52ole"', 'Role']) {
        const text = yaml('apiVersion: rbac.authorization.k8s.io/v1', `kind: ${kind}`, 'rules:', `- {apiGroups: [""], resources: [${resource}], verbs: [patch]}`);
        assert.equal(lint(text).length, 1, text);
      }
    }
  });

  it('skips texts that cannot have findings', () => {
    for (const text of [
      '',
      yaml('apiVersion: v1', 'kind: ConfigMap', 'data: {a: b}'),
      yaml('apiVersion: apps/v1', 'kind: Deployment', 'spec: {replicas: 2}'),
      yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]'),
      yaml('apiVersion: v1', 'kind: Service', 'spec: {type: LoadBalancer, ports: [{port: 80}]}'),
    ]) {
      assert.equal(mightHaveFindings(text), false, text);
    }
  });

  it('lets every trigger through', () => {
    for (const text of [
      'externalIPs',
      'status: {loadBalancer: {}}',
      '# kube-mitm-guard-disable-file external-ips',
      'kind: Role\nresources: [services/status]',
      'kind: ClusterRole\nresources: ["*"]',
      'key: "\\x65"',
      'key: !!binary AA==',
    ]) {
      assert.equal(mightHaveFindings(text), true, text);
    }
  });
});
