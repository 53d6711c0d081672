import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brief, codes, covered, lint, yaml } from '../support/engine';
import { findSuppressionComments } from '../../server/src/engine/suppressions';
import { LineIndex } from '../../server/src/engine/lineIndex';

const head = ['apiVersion: v1', 'kind: Service', 'spec:'];

describe('suppression comments: parsing', () => {
  it('reads scope, ids, reason and positions', () => {
    const text = yaml('  # kube-mitm-guard-disable-next-line external-ips, external-ip-invalid  -- reviewed by sec', '#kube-mitm-guard-disable-file foo');
    const [next, file] = findSuppressionComments(text, new LineIndex(text));
    assert.equal(next.scope, 'next-line');
    assert.equal(next.indentation, '  ');
    assert.equal(next.line, 0);
    assert.deepEqual(next.rules.map((r) => [r.ruleId, r.known]), [
      ['external-ips', true],
      ['external-ip-invalid', true],
    ]);
    assert.equal(next.reason, 'reviewed by sec');
    assert.equal(text.slice(next.rules[1].start, next.rules[1].end), 'external-ip-invalid');
    assert.equal(file.scope, 'file');
    assert.deepEqual(file.rules.map((r) => [r.ruleId, r.known]), [['foo', false]]);
  });

  it('ignores look-alikes that are not whole directives', () => {
    const text = yaml('# kube-mitm-guard-disable-next-linex external-ips', '# kube-mitm-guard-disable external-ips', 'a: b # kube-mitm-guard-disable-next-line external-ips');
    assert.deepEqual(findSuppressionComments(text, new LineIndex(text)), []);
  });
});

describe('suppression comments: effect', () => {
  it('next-line suppresses the named rules on the next line only, with several ids and a reason', () => {
    const text = yaml(
      ...head,
      '  externalIPs:',
      '  # kube-mitm-guard-disable-next-line external-ips, external-ip-invalid -- owned by the edge team',
      '  - 1.2.3.4',
      '  - 5.6.7.8',
    );
    // external-ip-invalid is named but suppresses nothing on that line: reported as unused.
    assert.deepEqual(brief(lint(text)), [
      { code: 'unused-suppression', line: 4, character: 52 },
      { code: 'external-ips', line: 6, character: 4 },
    ]);
  });

  it('next-line suppresses every finding that starts on that line', () => {
    const text = yaml(...head, '  # kube-mitm-guard-disable-next-line external-ips, external-ip-invalid', '  externalIPs: [1.2.3.4, 127.0.0.1]');
    assert.deepEqual(lint(text), []);
  });

  it('works in CRLF files', () => {
    const text = [...head, '  # kube-mitm-guard-disable-next-line external-ips', '  externalIPs: [1.2.3.4]', ''].join('\r\n');
    assert.deepEqual(lint(text), []);
  });

  it('does not suppress other rules', () => {
    const text = yaml(...head, '  # kube-mitm-guard-disable-next-line loadbalancer-status', '  externalIPs: [1.2.3.4]');
    assert.deepEqual(codes(lint(text)), ['unused-suppression', 'external-ips']);
  });

  it('file-level suppresses the rule in its document, wherever it is (top, middle, end)', () => {
    for (const at of [0, 3, 5]) {
      const lines = [...head, '  externalIPs:', '  - 1.2.3.4'];
      lines.splice(at, 0, '# kube-mitm-guard-disable-file external-ips');
      assert.deepEqual(lint(yaml(...lines)), [], `comment at line ${at}`);
    }
  });

  it('file-level applies to its own document only', () => {
    const text = yaml(
      '# kube-mitm-guard-disable-file external-ips',
      ...head,
      '  externalIPs: [1.2.3.4]',
      '---',
      ...head,
      '  externalIPs: [5.6.7.8]',
    );
    assert.deepEqual(brief(lint(text)), [{ code: 'external-ips', line: 9, character: 16 }]);
  });

  it('file-level right after a --- belongs to the document after it', () => {
    const text = yaml('a: 1', '---', '# kube-mitm-guard-disable-file external-ips', ...head, '  externalIPs: [1.2.3.4]');
    assert.deepEqual(lint(text), []);
  });

  it('an unused suppression is a hint with code unused-suppression, at the rule id', () => {
    const text = yaml(...head, '  # kube-mitm-guard-disable-next-line external-ips', '  ports: []');
    const findings = lint(text);
    assert.deepEqual(brief(findings), [{ code: 'unused-suppression', line: 3, character: 38 }]);
    assert.equal(findings[0].severity, 'hint');
    assert.equal(covered(text, findings[0]), 'external-ips');
    assert.match(findings[0].message, /suppresses no external-ips finding/);
  });

  it('an unknown rule id is a hint naming the known ids; the known ids still suppress', () => {
    const text = yaml(...head, '  # kube-mitm-guard-disable-next-line external-ips, externalips', '  externalIPs: [1.2.3.4]');
    const findings = lint(text);
    assert.deepEqual(codes(findings), ['unused-suppression']);
    assert.equal(covered(text, findings[0]), 'externalips');
    assert.match(findings[0].message, /Unknown rule id "externalips"/);
    assert.match(findings[0].message, /external-ips, external-ip-invalid, external-ip-conflict, loadbalancer-status, rbac-services-status/);
  });

  it('a suppression naming no rule is reported', () => {
    const text = yaml(...head, '  # kube-mitm-guard-disable-next-line', '  externalIPs: [1.2.3.4]');
    assert.deepEqual(codes(lint(text)), ['unused-suppression', 'external-ips']);
  });

  it('an unused file-level suppression is reported', () => {
    const text = yaml('# kube-mitm-guard-disable-file loadbalancer-status', ...head, '  ports: []');
    const findings = lint(text);
    assert.deepEqual(brief(findings), [{ code: 'unused-suppression', line: 0, character: 31 }]);
    assert.match(findings[0].message, /kube-mitm-guard-disable-file/);
  });

  it('a suppression for a rule that is off is not reported as unused', () => {
    const text = yaml(...head, '  # kube-mitm-guard-disable-next-line external-ips', '  externalIPs: [1.2.3.4]');
    assert.deepEqual(lint(text, { rules: { 'external-ips': 'off' } }), []);
  });

  it('look-alike text inside a block scalar does NOT suppress (and is not reported)', () => {
    for (const style of ['|', '>', '|-', '|+']) {
      const text = yaml(
        ...head,
        `  description: ${style}`,
        '    # kube-mitm-guard-disable-next-line external-ips',
        '    # kube-mitm-guard-disable-file external-ips',
        '  externalIPs: [1.2.3.4]',
      );
      assert.deepEqual(codes(lint(text)), ['external-ips'], style);
    }
  });

  it('look-alike text inside a multi-line quoted scalar does NOT suppress', () => {
    for (const quote of ['"', "'"]) {
      const text = yaml(
        ...head,
        `  description: ${quote}first line`,
        `# kube-mitm-guard-disable-file external-ips${quote}`,
        '  externalIPs: [1.2.3.4]',
      );
      assert.deepEqual(codes(lint(text)), ['external-ips'], quote);
    }
  });

  it('a real comment right after a block scalar does suppress', () => {
    const text = yaml(...head, '  description: |+', '    text', '', '  # kube-mitm-guard-disable-next-line external-ips', '  externalIPs: [1.2.3.4]');
    assert.deepEqual(lint(text), []);
  });

  it('a trailing comment on a value line is not a directive', () => {
    const text = yaml(...head, '  ports: [] # kube-mitm-guard-disable-next-line external-ips', '  externalIPs: [1.2.3.4]');
    assert.deepEqual(codes(lint(text)), ['external-ips']);
  });

  it('suppresses rbac and loadbalancer findings too', () => {
    const text = yaml(
      'apiVersion: v1',
      'kind: Service',
      'status:',
      '  loadBalancer:',
      '    ingress:',
      '    # kube-mitm-guard-disable-next-line loadbalancer-status -- set by MetalLB in this snapshot',
      '    - ip: 1.2.3.4',
      '---',
      '# kube-mitm-guard-disable-file rbac-services-status',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]',
    );
    assert.deepEqual(lint(text), []);
  });
});
