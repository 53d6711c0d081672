import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, applyEdits, EngineOptions, Fix, fixAll, fixesForFinding, TextFix } from '../../server/src/engine';
import { cidrs, WITHOUT_DEPRECATION_HINT } from '../support/engine';
import { checkFixProperties } from '../support/fixProperties';

const options: EngineOptions = { allowedCidrs: cidrs('10.0.0.0/8'), rules: WITHOUT_DEPRECATION_HINT };

/** Every input of this file, for the fix property check at its end (test/support/fixProperties.ts). */
const propertyInputs: { text: string; options: EngineOptions }[] = [];
function input(text: string, engineOptions = options): string {
  propertyInputs.push({ text, options: engineOptions });
  return text;
}

/** The fixes offered for the finding of `code` on 1-based `line`. */
function fixesAt(text: string, code: string, line: number, engineOptions = options): Fix[] {
  input(text, engineOptions);
  const finding = analyzeText(text, engineOptions).findings.find((f) => f.code === code && f.range.start.line === line - 1);
  assert.ok(finding, `no ${code} finding on line ${line}`);
  return fixesForFinding(text, engineOptions, finding.key);
}

function applyFix(text: string, code: string, line: number, kind: Fix['kind'], engineOptions = options): string {
  const fix = fixesAt(text, code, line, engineOptions).find((candidate) => candidate.kind === kind);
  assert.ok(fix, `no ${kind} fix for ${code} on line ${line}`);
  assert.ok('edits' in fix);
  return applyEdits(text, (fix as TextFix).edits);
}

const lines = (...parts: string[]) => parts.join('\n') + '\n';

test('removing a block externalIP keeps comments and other entries', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  # addresses', '  externalIPs:', '  - 1.2.3.4  # office', '  - 10.0.0.5', '  ports: [{port: 80}]');
  assert.equal(
    applyFix(text, 'external-ips', 6, 'remove-external-ip'),
    lines('apiVersion: v1', 'kind: Service', 'spec:', '  # addresses', '  externalIPs:', '  - 10.0.0.5', '  ports: [{port: 80}]'),
  );
});

test('removing a flow externalIP keeps the flow style and separators', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: ["8.8.8.8", 10.1.1.1, "9.9.9.9"]');
  assert.equal(applyFix(text, 'external-ips', 4, 'remove-external-ip'), lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [10.1.1.1, "9.9.9.9"]'));
  const compact = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: ["10.1.1.1","9.9.9.9"]');
  assert.equal(applyFix(compact, 'external-ips', 4, 'remove-external-ip'), lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: ["10.1.1.1"]'));
});

test('removing the last externalIP removes the key', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - 8.8.8.8', '  type: ClusterIP');
  assert.equal(applyFix(text, 'external-ips', 5, 'remove-external-ip'), lines('apiVersion: v1', 'kind: Service', 'spec:', '  type: ClusterIP'));
});

test('removing the externalIPs key in a CRLF multi-document file keeps CRLF and the other document', () => {
  const text = ['apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [8.8.8.8, 010.1.1.1]', '  type: ClusterIP', '---', 'kind: ConfigMap', ''].join('\r\n');
  const fixed = applyFix(text, 'external-ip-invalid', 4, 'remove-external-ips-key');
  assert.equal(fixed, ['apiVersion: v1', 'kind: Service', 'spec:', '  type: ClusterIP', '---', 'kind: ConfigMap', ''].join('\r\n'));
});

test('a BOM file keeps its BOM', () => {
  const text = '\uFEFF' + lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - 8.8.8.8', '  - 10.0.0.1');
  assert.equal(applyFix(text, 'external-ips', 5, 'remove-external-ip'), '\uFEFF' + lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - 10.0.0.1'));
});

test('allow-this-IP is offered for valid addresses only, as a host CIDR', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [8.8.8.8, "2001:db8::1", 010.1.1.1]');
  const allows = (code: string) => fixesAt(text, code, 4).filter((fix) => fix.kind === 'allow-external-ip');
  const findings = analyzeText(text, options).findings;
  assert.equal(findings.length, 3);
  const cidrs = findings
    .flatMap((finding) => fixesForFinding(text, options, finding.key))
    .flatMap((fix) => (fix.kind === 'allow-external-ip' ? [fix.cidr] : []));
  assert.deepEqual(cidrs, ['8.8.8.8/32', '2001:db8::1/128']);
  assert.equal(allows('external-ip-invalid').length, 0);
});

test('removing LoadBalancer status removes only ingress when status has more', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec: {type: LoadBalancer}', 'status:', '  conditions: []', '  loadBalancer:', '    ingress:', '    - ip: 1.2.3.4');
  assert.equal(
    applyFix(text, 'loadbalancer-status', 8, 'remove-loadbalancer-ingress'),
    lines('apiVersion: v1', 'kind: Service', 'spec: {type: LoadBalancer}', 'status:', '  conditions: []'),
  );
  const only = lines('apiVersion: v1', 'kind: Service', 'spec: {type: LoadBalancer}', 'status:', '  loadBalancer:', '    ingress:', '    - ip: 1.2.3.4', '---', 'kind: Other');
  assert.equal(applyFix(only, 'loadbalancer-status', 7, 'remove-loadbalancer-ingress'), lines('apiVersion: v1', 'kind: Service', 'spec: {type: LoadBalancer}', '---', 'kind: Other'));
});

test('RBAC: write verbs are removed when the rule only covers services/status', () => {
  const text = lines(
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'rules:',
    '- apiGroups: [""]',
    '  resources: ["services/status"]',
    '  verbs: ["get", "patch", "update"]  # status access',
  );
  assert.equal(
    applyFix(text, 'rbac-services-status', 5, 'remove-services-status-write'),
    lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules:', '- apiGroups: [""]', '  resources: ["services/status"]', '  verbs: ["get"]  # status access'),
  );
});

test('RBAC: a rule that also grants other resources is split, other permissions unchanged', () => {
  const text = lines(
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRole',
    'rules:',
    '  - apiGroups:',
    '      - ""',
    '    resources:',
    '      - services',
    '      - services/status',
    '    verbs:',
    '      - get',
    '      - patch',
    '  - apiGroups: ["apps"]',
    '    resources: ["deployments"]',
    '    verbs: ["get"]',
  );
  assert.equal(
    applyFix(text, 'rbac-services-status', 8, 'remove-services-status-write'),
    lines(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'rules:',
      '  - apiGroups:',
      '      - ""',
      '    resources:',
      '      - services',
      '    verbs:',
      '      - get',
      '      - patch',
      '  - apiGroups:',
      '      - ""',
      '    resources:',
      '      - services/status',
      '    verbs:',
      '      - get',
      '  - apiGroups: ["apps"]',
      '    resources: ["deployments"]',
      '    verbs: ["get"]',
    ),
  );
});

test('RBAC: a rule left with no permission is dropped; the only rule becomes []', () => {
  const text = lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules:', '- apiGroups: [""]', '  resources: [services/status]', '  verbs: [patch, update]');
  assert.equal(applyFix(text, 'rbac-services-status', 5, 'remove-services-status-write'), lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules: []'));
});

test('RBAC: wildcards cannot be narrowed exactly, so no removal fix is offered', () => {
  for (const rule of ['{apiGroups: ["*"], resources: [services/status], verbs: [patch]}', '{apiGroups: [""], resources: ["*"], verbs: [patch]}', '{apiGroups: [""], resources: [services/status], verbs: ["*"]}']) {
    const text = lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', `rules: [${rule}]`);
    const kinds = fixesAt(text, 'rbac-services-status', 3).map((fix) => fix.kind);
    assert.deepEqual(kinds, ['suppress-line'], rule);
  }
});

test('RBAC: endpoints writes are removed as for services/status, keeping delete (the docs\' endpoints-aggregated.yaml)', () => {
  const text = lines(
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRole',
    'rules:',
    '  - apiGroups: [""]',
    '    resources: ["endpoints"]',
    '    verbs: ["create", "delete", "deletecollection", "patch", "update"]',
  );
  assert.equal(
    applyFix(text, 'rbac-endpoints-write', 5, 'remove-endpoints-write'),
    lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'rules:', '  - apiGroups: [""]', '    resources: ["endpoints"]', '    verbs: ["delete", "deletecollection"]'),
  );
});

test('RBAC: a rule granting both endpoints and endpointslices is split once per (group, resource), every other permission kept', () => {
  const text = lines(
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'rules:',
    '- apiGroups: ["", discovery.k8s.io]',
    '  resources: [configmaps, endpoints, endpointslices]',
    '  verbs: [get, update]',
  );
  // What remains: configmaps in both groups; endpointslices in the core group and endpoints in
  // discovery.k8s.io (neither exists, but RBAC grants what it is given); get on the real pairs.
  assert.equal(
    applyFix(text, 'rbac-endpoints-write', 5, 'remove-endpoints-write'),
    lines(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'rules:',
      '- apiGroups: ["", discovery.k8s.io]',
      '  resources: [configmaps]',
      '  verbs: [get, update]',
      '- apiGroups: [""]',
      '  resources: [endpointslices]',
      '  verbs: [get, update]',
      '- apiGroups: [discovery.k8s.io]',
      '  resources: [endpointslices]',
      '  verbs: [get]',
      '- apiGroups: [discovery.k8s.io]',
      '  resources: [endpoints]',
      '  verbs: [get, update]',
      '- apiGroups: [""]',
      '  resources: [endpoints]',
      '  verbs: [get]',
    ),
  );
});

test('RBAC: a rule granting services/status and endpoints write gets each fix for its own finding, and fix-all removes both', () => {
  const text = input(lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules:', '- apiGroups: [""]', '  resources: [services/status, endpoints]', '  verbs: [get, patch]'));
  const status = applyFix(text, 'rbac-services-status', 5, 'remove-services-status-write');
  assert.deepEqual(analyzeText(status, options).findings.map((finding) => finding.code), ['rbac-endpoints-write']);
  const endpoints = applyFix(text, 'rbac-endpoints-write', 5, 'remove-endpoints-write');
  assert.deepEqual(analyzeText(endpoints, options).findings.map((finding) => finding.code), ['rbac-services-status']);
  const all = fixAll(text, options);
  assert.equal(all.fixedCount, 2);
  // One fix at a time: the first split leaves one rule per resource, each keeping get.
  assert.equal(
    all.text,
    lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules:', '- apiGroups: [""]', '  resources: [endpoints]', '  verbs: [get]', '- apiGroups: [""]', '  resources: [services/status]', '  verbs: [get]'),
  );
});

test('RBAC: an endpoints grant through a wildcard gets no removal fix', () => {
  for (const rule of ['{apiGroups: ["*"], resources: [endpoints], verbs: [create]}', '{apiGroups: [discovery.k8s.io], resources: ["*"], verbs: [patch]}', '{apiGroups: [""], resources: [endpoints], verbs: ["*"]}']) {
    const text = lines('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', `rules: [${rule}]`);
    const kinds = fixesAt(text, 'rbac-endpoints-write', 3).map((fix) => fix.kind);
    assert.deepEqual(kinds, ['suppress-line'], rule);
  }
});

test('suppress fix inserts a comment with the line indentation, and merges into an existing one', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '    - 8.8.8.8');
  const suppressed = applyFix(text, 'external-ips', 5, 'suppress-line');
  assert.equal(suppressed, lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '    # kube-mitm-guard-disable-next-line external-ips', '    - 8.8.8.8'));
  assert.equal(analyzeText(suppressed, options).findings.length, 0);

  const existing = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '    # kube-mitm-guard-disable-next-line external-ips -- ours', '    - 010.1.1.1');
  assert.equal(
    applyFix(existing, 'external-ip-invalid', 6, 'suppress-line'),
    lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '    # kube-mitm-guard-disable-next-line external-ips, external-ip-invalid -- ours', '    - 010.1.1.1'),
  );
});

test('JSON manifests get no suppression fix (JSON has no comments)', () => {
  const text = '{"apiVersion": "v1", "kind": "Service", "spec": {"externalIPs": ["8.8.8.8", "10.0.0.1"]}}\n';
  const kinds = fixesAt(text, 'external-ips', 1).map((fix) => fix.kind);
  assert.ok(!kinds.includes('suppress-line'));
  assert.equal(applyFix(text, 'external-ips', 1, 'remove-external-ip'), '{"apiVersion": "v1", "kind": "Service", "spec": {"externalIPs": ["10.0.0.1"]}}\n');
});

test('an unused suppression can be removed', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  # kube-mitm-guard-disable-next-line external-ips', '  type: ClusterIP');
  assert.equal(applyFix(text, 'unused-suppression', 4, 'remove-suppression'), lines('apiVersion: v1', 'kind: Service', 'spec:', '  type: ClusterIP'));
});

test('entries shared through an anchor get no removal fix', () => {
  const text = input(lines('apiVersion: v1', 'kind: Service', 'x-ips: &ips [8.8.8.8]', 'spec:', '  externalIPs: *ips'));
  const kinds = analyzeText(text, options).findings.flatMap((finding) => fixesForFinding(text, options, finding.key).map((fix) => fix.kind));
  assert.ok(!kinds.includes('remove-external-ip'), kinds.join());
});

test('a node shared by several objects: each fix offered at the anchor or at an alias is right for every object that shares it', () => {
  const kindsAt = (text: string, line: number) => fixesAt(text, 'external-ips', line).map((fix) => fix.kind).sort();
  // One spec, four Services (the evasion fixture list-anchors-reused): removing the entry from the
  // anchored spec would be right for all four, but the anchor is also what the aliases stand for, so
  // no removal is offered anywhere; allowing the address is right for every Service that has it.
  const spec = input(
    lines('apiVersion: v1', 'kind: List', 'items:', '- {apiVersion: v1, kind: Service, spec: &spec {externalIPs: [8.8.8.8]}}', '- {apiVersion: v1, kind: Service, spec: *spec}', '- apiVersion: v1', '  kind: Service', '  spec: {<<: *spec, type: ClusterIP}'),
  );
  for (const line of [4, 5, 8]) assert.deepEqual(kindsAt(spec, line), ['allow-external-ip', 'suppress-line'], `line ${line}`);
  const allow = fixesAt(spec, 'external-ips', 5).find((fix) => fix.kind === 'allow-external-ip');
  assert.equal(allow && 'cidr' in allow ? allow.cidr : undefined, '8.8.8.8/32');
  assert.deepEqual(analyzeText(spec, { ...options, allowedCidrs: [...options.allowedCidrs, ...cidrs('8.8.8.8/32')] }).findings, []);
  // Suppressing at an alias silences that alias's finding only.
  const suppressed = applyFix(spec, 'external-ips', 5, 'suppress-line');
  assert.deepEqual(analyzeText(suppressed, options).findings.map((finding) => finding.range.start.line + 1), [4, 9]);

  // One entry, two Services: at the alias, removing the alias item changes only the Service that
  // writes it; at the anchor, removing the entry would leave the alias without its anchor.
  const entry = input(lines('apiVersion: v1', 'kind: List', 'items:', '- {apiVersion: v1, kind: Service, spec: {externalIPs: [&ip 8.8.8.8]}}', '- {apiVersion: v1, kind: Service, spec: {externalIPs: [10.0.0.1, *ip]}}'));
  assert.deepEqual(kindsAt(entry, 4), ['allow-external-ip', 'suppress-line']);
  assert.equal(
    applyFix(entry, 'external-ips', 5, 'remove-external-ip'),
    lines('apiVersion: v1', 'kind: List', 'items:', '- {apiVersion: v1, kind: Service, spec: {externalIPs: [&ip 8.8.8.8]}}', '- {apiVersion: v1, kind: Service, spec: {externalIPs: [10.0.0.1]}}'),
  );

  // An anchor outside every object, reached through one alias: the anchored node's finding offers no
  // removal (it would edit the alias, elsewhere); the alias's finding removes the alias.
  const template = input(lines('apiVersion: v1', 'kind: Service', 'x-ip: &ip 8.8.8.8', 'spec:', '  externalIPs: [10.0.0.1, *ip]'));
  assert.deepEqual(kindsAt(template, 3), ['allow-external-ip', 'suppress-line']);
  assert.equal(applyFix(template, 'external-ips', 5, 'remove-external-ip'), lines('apiVersion: v1', 'kind: Service', 'x-ip: &ip 8.8.8.8', 'spec:', '  externalIPs: [10.0.0.1]'));

  // A role's rules shared with another role: no narrowing at the anchor or at the alias.
  const rules = input(
    lines(
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, rules: &r [{apiGroups: [""], resources: [services, services/status], verbs: [get, patch]}]}',
      '- {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, rules: *r}',
    ),
  );
  for (const line of [4, 5]) assert.deepEqual(fixesAt(rules, 'rbac-services-status', line).map((fix) => fix.kind), ['suppress-line'], `line ${line}`);
  assert.equal(fixAll(spec, options).fixedCount + fixAll(rules, options).fixedCount, 0);
});

test('fix-all applies every safe fix and leaves the rest of the file alone', () => {
  const text = lines(
    '# header comment',
    'apiVersion: v1',
    'kind: Service',
    'spec:',
    '  externalIPs: [8.8.8.8, 10.0.0.1, 010.0.0.1]',
    'status:',
    '  loadBalancer:',
    '    ingress: [{ip: 1.2.3.4}]',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'rules:',
    '- apiGroups: [""]',
    '  resources: [services, services/status]',
    '  verbs: [get, patch]',
  );
  const result = fixAll(input(text), options);
  assert.equal(result.fixedCount, 4);
  assert.equal(
    result.text,
    lines(
      '# header comment',
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  externalIPs: [10.0.0.1]',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'rules:',
      '- apiGroups: [""]',
      '  resources: [services]',
      '  verbs: [get, patch]',
      '- apiGroups: [""]',
      '  resources: [services/status]',
      '  verbs: [get]',
    ),
  );
  assert.equal(applyEdits(text, result.edits), result.text);
  assert.equal(analyzeText(result.text, options).findings.length, 0);
});

test('no removal fix edits an anchored node that an alias or merge also puts into another object', () => {
  // Removing externalIPs from the anchored spec would silently change the Backup's spec too (issue 6
  // fix property); the same for RBAC rules shared with another kind through an alias.
  const item = (...parts: string[]) => parts.map((part) => `  ${part}`);
  const shared = [
    lines('apiVersion: v1', 'kind: List', 'items:', '- apiVersion: v1', ...item('kind: Service', 'spec: &spec', '  externalIPs: [1.2.3.4]', '  type: ClusterIP'), '- apiVersion: example.com/v1', ...item('kind: Backup', 'spec: *spec')),
    lines('apiVersion: v1', 'kind: List', 'items:', '- apiVersion: v1', ...item('kind: Service', 'spec: &spec', '  externalIPs: [1.2.3.4]'), '- apiVersion: example.com/v1', ...item('kind: Backup', 'spec: {<<: *spec, x: 1}')),
    lines('apiVersion: v1', 'kind: List', 'items:', '- apiVersion: rbac.authorization.k8s.io/v1', ...item('kind: Role', 'rules: &r', '- {apiGroups: [""], resources: [services, services/status], verbs: [get, patch]}'), '- apiVersion: example.com/v1', ...item('kind: Policy', 'rules: *r')),
  ];
  for (const text of shared) {
    const kinds = analyzeText(input(text), options).findings.flatMap((finding) => fixesForFinding(text, options, finding.key).map((fix) => fix.kind));
    assert.ok(kinds.length > 0 && kinds.every((kind) => kind === 'suppress-line' || kind === 'allow-external-ip'), `${kinds.join()}\n${text}`);
    assert.equal(fixAll(text, options).fixedCount, 0);
  }
});

test('a comment after the removed block, introducing the next key, is kept (found by npm run fuzz)', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - 8.8.8.8', '  # the LB controller writes this', 'status:', '  phase: x');
  const expected = lines('apiVersion: v1', 'kind: Service', 'spec:', '  {}', '  # the LB controller writes this', 'status:', '  phase: x');
  assert.equal(applyFix(text, 'external-ips', 5, 'remove-external-ip'), expected);
  const twoKeys = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - 8.8.8.8', '  # about type', '  type: ClusterIP');
  assert.equal(applyFix(twoKeys, 'external-ips', 5, 'remove-external-ips-key'), lines('apiVersion: v1', 'kind: Service', 'spec:', '  # about type', '  type: ClusterIP'));
});

test('a finding key that no longer exists yields no fixes', () => {
  const text = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [8.8.8.8]');
  assert.deepEqual(fixesForFinding(text, options, 'external-ips:0:1'), []);
});

// Runs last: node:test runs a file's tests in order, so every input above has been collected.
test('fix property over every input of this file: parses, finding gone, nothing new, data and untouched lines kept', () => {
  assert.ok(propertyInputs.length >= 15, `only ${propertyInputs.length} inputs collected`);
  const violations: string[] = [];
  let fixes = 0;
  for (const [index, { text, options: engineOptions }] of propertyInputs.entries()) {
    const report = checkFixProperties(`input ${index + 1}`, text, engineOptions);
    fixes += report.fixesChecked;
    violations.push(...report.violations);
  }
  assert.deepEqual(violations, []);
  assert.ok(fixes >= propertyInputs.length, `${fixes} fixes checked`);
});

test('a key also set by a merge (or a duplicate) is never removed: the decoder would fall back to the other value', () => {
  const text = lines('x: &x {externalIPs: [9.9.9.9]}', 'apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [8.8.8.8]', '  <<: *x');
  const kinds = fixesAt(text, 'external-ips', 5).map((fix) => fix.kind);
  assert.ok(!kinds.includes('remove-external-ips-key'), kinds.join());
  assert.ok(!kinds.includes('remove-external-ip'), 'removing the last entry removes the key');
  const duplicate = lines('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [8.8.8.8, 10.0.0.1]', '  externalIPs: [9.9.9.9]');
  const duplicateKinds = fixesAt(duplicate, 'external-ips', 4).map((fix) => fix.kind);
  assert.ok(duplicateKinds.includes('remove-external-ip'), 'removing one entry of a longer list is still exact');
  assert.ok(!duplicateKinds.includes('remove-external-ips-key'), duplicateKinds.join());
});
