// Patches (issue 13): kind-less patch bodies, JSON 6902 operation lists and Kustomize inline patches,
// judged with the existing rules and placed on the characters that write the value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineOptions, Finding, fixesForFinding, TextFix } from '../../server/src/engine';
import { applyEdits } from '../../server/src/engine/textEdits';
import { cidrs, covered, lint, yaml } from '../support/engine';
import { checkFixProperties } from '../support/fixProperties';

const NO_ALLOWLIST: EngineOptions = { allowedCidrs: [], rules: {} };

/** Each finding as `rule: covered text`. */
function placed(text: string, options: Partial<EngineOptions> = {}): string[] {
  return lint(text, options).map((finding) => `${finding.code}: ${covered(text, finding)}`);
}

function assertFixesHold(name: string, text: string, options: EngineOptions = NO_ALLOWLIST): number {
  const report = checkFixProperties(name, text, options);
  assert.deepEqual(report.violations, []);
  return report.fixesChecked;
}

function fixesOf(text: string, finding: Finding): TextFix[] {
  return fixesForFinding(text, NO_ALLOWLIST, finding.key).filter((fix): fix is TextFix => 'edits' in fix);
}

describe('kind-less patch bodies (kubectl patch --patch-file)', () => {
  it('judges a partial Service as a Service patch, status as Service or Ingress', () => {
    const merge = yaml('spec:', '  externalIPs:', '  - 8.8.8.8', '  - 10.0.0.1');
    assert.deepEqual(placed(merge, { allowedCidrs: cidrs('10.0.0.0/8') }), ['external-ips: 8.8.8.8']);
    const status = yaml('status:', '  loadBalancer:', '    ingress:', '    - ip: 1.2.3.4');
    const [finding] = lint(status);
    assert.equal(finding.code, 'loadbalancer-status');
    assert.match(finding.message, /could also target an Ingress/);
    assert.deepEqual(placed('{"metadata": {"name": "web"}, "spec": {"type": "ClusterIP", "externalIPs": ["8.8.8.8"], "$retainKeys": ["type"]}}\n'), ['external-ips: "8.8.8.8"']);
    assert.ok(assertFixesHold('kind-less', merge) >= 1);
    const [removal] = fixesOf(merge, lint(merge)[0]).filter((fix) => fix.kind === 'remove-external-ip');
    assert.equal(applyEdits(merge, removal.edits), yaml('spec:', '  externalIPs:', '  - 10.0.0.1'));
  });

  it('does not mistake Helm values or other kind-less YAML for a Service patch', () => {
    const notPatches = [
      yaml('service:', '  externalIPs: [8.8.8.8]'),
      yaml('replicaCount: 1', 'spec:', '  externalIPs: [8.8.8.8]'),
      yaml('spec:', '  replicas: 2', '  externalIPs: [8.8.8.8]'),
      yaml('spec:', '  externalIPs: [8.8.8.8]', 'status:', '  phase: Running'),
      yaml('metadata:', '  chart: x', 'spec:', '  externalIPs: [8.8.8.8]'),
      yaml('status:', '  loadBalancer:', '    ingress: [{ip: 1.2.3.4}]', '    other: 1'),
      yaml('spec: [externalIPs]'),
    ];
    for (const text of notPatches) assert.deepEqual(placed(text), [], text);
  });
});

describe('JSON 6902 operation lists', () => {
  const ops = yaml(
    '- op: add',
    '  path: /spec/externalIPs',
    '  value: [8.8.8.8, 1.1.1.1]',
    '- op: replace',
    '  path: /spec/externalIPs/0',
    '  value: 9.9.9.9',
    '- op: add',
    '  path: /spec',
    '  value: {externalIPs: [7.7.7.7]}',
    '- op: add',
    '  path: /status/loadBalancer/ingress/-',
    '  value: {ip: 5.5.5.5}',
    '- op: copy',
    '  from: /metadata/annotations/ips',
    '  path: /spec/externalIPs',
    '- op: remove',
    '  path: /spec/externalIPs',
    '- op: test',
    '  path: /spec/externalIPs',
    '  value: [6.6.6.6]',
    '- op: add',
    '  path: /spec~1externalIPs',
    '  value: [4.4.4.4]',
    '- op: add',
    '  path: /rules/-',
    '  value: {apiGroups: [""], resources: [services/status], verbs: [patch]}',
  );

  it('judges add/replace by their paths, copy/move at the operation, and nothing else', () => {
    assert.deepEqual(placed(ops), [
      'external-ips: 8.8.8.8',
      'external-ips: 1.1.1.1',
      'external-ips: 9.9.9.9',
      'external-ips: 7.7.7.7',
      'loadbalancer-status: {ip: 5.5.5.5}',
      'external-ips: /spec/externalIPs',
    ]);
    // Seen alone, `/rules/-` may hit any kind; `~1` decodes to a `/` inside one key, not a path step.
    assert.match(lint(ops)[5].message, /copies the value at \/metadata\/annotations\/ips/);
  });

  it('reads JSON op lists and decodes ~0/~1 escapes', () => {
    const json = '[{"op": "replace", "path": "/status/loadBalancer", "value": {"ingress": [{"hostname": "x.example"}]}}, {"op": "add", "path": "/spec/external~0IPs", "value": ["1.1.1.1"]}]\n';
    assert.deepEqual(placed(json), ['loadbalancer-status: {"hostname": "x.example"}']);
  });

  it('allowlisted values and remove/test ops are no findings', () => {
    const allowed = yaml('- op: add', '  path: /spec/externalIPs', '  value: [10.1.1.1]', '- op: remove', '  path: /status/loadBalancer/ingress');
    assert.deepEqual(placed(allowed, { allowedCidrs: cidrs('10.0.0.0/8') }), []);
  });

  it('removes an entry of a value list, or the operation, and the fixes hold', () => {
    assert.ok(assertFixesHold('ops', ops) >= 6);
    const single = yaml('- op: add', '  path: /spec/externalIPs/-', '  value: 8.8.8.8', '- op: add', '  path: /metadata/labels/a', '  value: b');
    const [finding] = lint(single);
    const [removal] = fixesOf(single, finding).filter((fix) => fix.kind === 'remove-patch-operation');
    assert.equal(applyEdits(single, removal.edits), yaml('- op: add', '  path: /metadata/labels/a', '  value: b'));
    const list = yaml('- op: add', '  path: /spec/externalIPs', '  value:', '  - 8.8.8.8', '  - 10.0.0.1');
    const [entry] = fixesOf(list, lint(list)[0]).filter((fix) => fix.kind === 'remove-external-ip');
    assert.equal(applyEdits(list, entry.edits), yaml('- op: add', '  path: /spec/externalIPs', '  value:', '  - 10.0.0.1'));
  });
});

describe('Kustomize inline patches', () => {
  const kustomization = (...lines: string[]) => yaml('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources: [../base]', ...lines);

  it('judges every inline form and places findings on the value inside the string', () => {
    const text = kustomization(
      'patches:',
      '- target: {kind: Service, name: web.*}',
      '  patch: |-',
      '    - op: add',
      '      path: /spec/externalIPs',
      '      value:',
      '      - 8.8.8.8',
      '- patch: |',
      '    apiVersion: v1',
      '    kind: Service',
      '    metadata: {name: api}',
      '    spec:',
      '      externalIPs: [9.9.9.9]',
      '- target: {kind: Service}',
      '  patch: \'[{"op": "add", "path": "/spec/externalIPs/-", "value": "7.7.7.7"}]\'',
      '- target: {kind: Role, name: editor}',
      '  patch: "[{\\"op\\": \\"add\\", \\"path\\": \\"/rules/-\\", \\"value\\": {\\"apiGroups\\": [\\"\\"], \\"resources\\": [\\"services/status\\"], \\"verbs\\": [\\"patch\\"]}}]"',
      'patchesStrategicMerge:',
      '- |-',
      '  apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: db}',
      '  status: {loadBalancer: {ingress: [{ip: 6.6.6.6}]}}',
      '- service-patch.yaml',
      'patchesJson6902:',
      '- target: {version: v1, kind: Service, name: web}',
      '  patch: >-',
      '    [{"op": "add", "path": "/spec/externalIPs/-",',
      '    "value": "5.5.5.5"}]',
    );
    assert.deepEqual(placed(text), [
      'external-ips: 8.8.8.8',
      'external-ips: 9.9.9.9',
      'external-ips: "7.7.7.7"',
      'rbac-services-status: \\"services/status\\"',
      'loadbalancer-status: {ip: 6.6.6.6}',
      'external-ips: "5.5.5.5"',
    ]);
    const findings = lint(text);
    assert.match(findings[0].message, /inline patches patch \(target: Service, name web\.\*\)/);
    // Fixes inside the strings: built on the patch text, moved to the file only where proven.
    assert.ok(assertFixesHold('kustomization', text) >= 3);
    const removal = (finding: Finding) => fixesOf(text, finding).find((fix) => fix.kind !== 'suppress-line');
    // The only operation of its patch: kustomize rejects an empty list, so it is not removed.
    assert.equal(removal(findings[0]), undefined);
    // The strategic merge patch's only address: its key goes, as in a manifest (the spec left empty).
    assert.equal(applyEdits(text, removal(findings[1])!.edits), text.replace('      externalIPs: [9.9.9.9]\n', '      {}\n'));
  });

  it('removes an entry from an operation value list inside a block scalar, with CRLF, and the fixes hold', () => {
    for (const eol of ['\n', '\r\n']) {
      const text = ['patches:', '- target: {kind: Service}', '  patch: |', '    - op: add', '      path: /spec/externalIPs', '      value:', '      - 8.8.8.8', '      - 10.0.0.1', '    - op: remove', '      path: /spec/selector', ''].join(eol);
      const options = { allowedCidrs: cidrs('10.0.0.0/8'), rules: {} };
      const [finding] = lint(text, options);
      const fix = fixesForFinding(text, options, finding.key).find((candidate) => candidate.kind === 'remove-external-ip');
      assert.ok(fix && 'edits' in fix, JSON.stringify(eol));
      assert.equal(applyEdits(text, fix.edits), text.replace(`      - 8.8.8.8${eol}`, ''));
      assert.deepEqual(checkFixProperties('inline', text, options).violations, []);
      // Removing the operation, as fix-all does when the last address goes.
      const alone = text.replace(`      - 10.0.0.1${eol}`, '');
      const [op] = lint(alone, options);
      const removeOp = fixesForFinding(alone, options, op.key).find((candidate) => candidate.kind === 'remove-patch-operation');
      assert.ok(removeOp && 'edits' in removeOp);
      assert.equal(applyEdits(alone, removeOp.edits), ['patches:', '- target: {kind: Service}', '  patch: |', '    - op: remove', '      path: /spec/selector', ''].join(eol));
    }
  });

  it('maps CRLF, indentation indicators and kind-less kustomizations exactly', () => {
    for (const eol of ['\n', '\r\n']) {
      for (const header of ['|', '|-', '|+', '|4', '>']) {
        const text = ['patches:', '- target:', '    kind: Service', '  patch: ' + header, '      - op: add', '        path: /spec/externalIPs', '        value: ["8.8.8.8"]', ''].join(eol);
        assert.deepEqual(placed(text), ['external-ips: "8.8.8.8"'], `${header} ${JSON.stringify(eol)}`);
      }
    }
  });

  it('does not judge non-Service targets, remove ops, paths or allowlisted values', () => {
    const text = kustomization(
      'patches:',
      '- target: {kind: ConfigMap}',
      '  patch: |',
      '    - op: add',
      '      path: /spec/externalIPs',
      '      value: [8.8.8.8]',
      '- target: {kind: Deployment}',
      '  patch: |',
      '    spec:',
      '      externalIPs: [8.8.8.8]',
      '- target: {kind: Service, group: apps}',
      '  patch: |',
      '    - {op: add, path: /spec/externalIPs, value: [8.8.8.8]}',
      '- target: {kind: Service}',
      '  patch: |',
      '    - {op: remove, path: /spec/externalIPs}',
      '    - {op: add, path: /spec/externalIPs, value: [10.2.3.4]}',
      '- target: {kind: Role}',
      '  patch: |',
      '    - {op: add, path: /spec/externalIPs, value: [8.8.8.8]}',
      '- path: patch-with-ips.yaml',
      '  target: {kind: Service}',
    );
    assert.deepEqual(placed(text, { allowedCidrs: cidrs('10.0.0.0/8') }), []);
    // Not a kustomization: a ConfigMap holding the same text as data.
    const data = yaml('apiVersion: v1', 'kind: ConfigMap', 'data:', '  patches: |', '    - {op: add, path: /spec/externalIPs, value: [8.8.8.8]}');
    assert.deepEqual(placed(data), []);
  });
});
