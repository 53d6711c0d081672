// One node, several objects (issue 12): a node written once under an anchor keeps its own finding, and
// each alias or merge key through which an object reaches it gets one finding per rule, with the
// anchored node as a related location in the same file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, applyLink, EngineOptions, Finding, WorkspaceIndex } from '../../server/src/engine';
import { analyzeDetailed } from '../../server/src/engine/analyze';
import { brief, cidrs, covered, lint, WITHOUT_DEPRECATION_HINT, yaml } from '../support/engine';
import { clusterRoleBinding } from '../support/rbacFixtures';

const OPTIONS: EngineOptions = { allowedCidrs: [], rules: WITHOUT_DEPRECATION_HINT };

/** A `kind: List` document with these item lines. */
const list = (...items: string[]) => yaml('apiVersion: v1', 'kind: List', 'items:', ...items);

/** A List of a ClusterRole whose rules are `rules` (line 5) and a Role whose rules are `roleRules` (line 6). */
const roleAndRole = (rules: string, roleRules: string) =>
  list('- apiVersion: rbac.authorization.k8s.io/v1', '  kind: ClusterRole', `  rules: ${rules}`, `- {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, rules: ${roleRules}}`);

/** Each finding as `line:character text-it-covers → related line:character…`. */
function placed(text: string, findings: readonly Finding[]): string[] {
  return findings.map((finding) => {
    const related = (finding.related ?? []).map((location) => `${location.range.start.line}:${location.range.start.character}`);
    const at = `${finding.code} ${finding.range.start.line}:${finding.range.start.character} ${covered(text, finding)}`;
    return related.length > 0 ? `${at} → ${related.join(' ')}` : at;
  });
}

describe('a node shared through an alias or a merge key', () => {
  const shapes: { name: string; text: string; expected: string[] }[] = [
    {
      name: 'a whole object (an item of a List)',
      text: list('- &svc {apiVersion: v1, kind: Service, spec: {externalIPs: [1.2.3.4]}}', '- *svc'),
      expected: ['external-ips 3:60 1.2.3.4', 'external-ips 4:2 *svc → 3:60'],
    },
    {
      name: "a List's whole items",
      text: list('- apiVersion: v1', '  kind: List', '  items: &all [{apiVersion: v1, kind: Service, spec: {externalIPs: [1.2.3.4]}}]', '- {apiVersion: v1, kind: List, items: *all}'),
      expected: ['external-ips 5:68 1.2.3.4', 'external-ips 6:38 *all → 5:68'],
    },
    {
      name: 'spec',
      text: list('- apiVersion: v1', '  kind: Service', '  spec: &spec {externalIPs: [1.2.3.4]}', '- {apiVersion: v1, kind: Service, spec: *spec}'),
      expected: ['external-ips 5:29 1.2.3.4', 'external-ips 6:40 *spec → 5:29'],
    },
    {
      name: 'the externalIPs sequence',
      text: list('- {apiVersion: v1, kind: Service, spec: {externalIPs: &ips [1.2.3.4]}}', '- {apiVersion: v1, kind: Service, spec: {externalIPs: *ips}}'),
      expected: ['external-ips 3:60 1.2.3.4', 'external-ips 4:54 *ips → 3:60'],
    },
    {
      name: 'one externalIPs entry',
      text: list('- {apiVersion: v1, kind: Service, spec: {externalIPs: [&ip 1.2.3.4]}}', '- {apiVersion: v1, kind: Service, spec: {externalIPs: [10.0.0.1, *ip]}}'),
      expected: ['external-ips 3:59 1.2.3.4', 'external-ips 4:55 10.0.0.1', 'external-ips 4:65 *ip → 3:59'],
    },
    {
      name: 'externalIPs brought into a spec by a merge key',
      text: list('- {apiVersion: v1, kind: Service, spec: &base {externalIPs: [1.2.3.4]}}', '- apiVersion: v1', '  kind: Service', '  spec:', '    <<: *base', '    type: ClusterIP'),
      expected: ['external-ips 3:61 1.2.3.4', 'external-ips 7:4 <<: *base → 3:61'],
    },
    {
      name: 'status.loadBalancer',
      text: list('- {apiVersion: v1, kind: Service, status: {loadBalancer: &lb {ingress: [{ip: 1.2.3.4}]}}}', '- {apiVersion: v1, kind: Service, status: {loadBalancer: *lb}}'),
      expected: ['loadbalancer-status 3:72 {ip: 1.2.3.4}', 'loadbalancer-status 4:57 *lb → 3:72'],
    },
    {
      name: "a role's rules",
      text: roleAndRole('&rules [{apiGroups: [""], resources: [services/status], verbs: [patch]}]', '*rules'),
      expected: ['rbac-services-status 5:47 services/status', 'rbac-services-status 6:64 *rules → 5:47'],
    },
    {
      name: 'one role rule',
      text: roleAndRole('[&rule {apiGroups: [""], resources: [services/status], verbs: [patch]}]', '[*rule]'),
      expected: ['rbac-services-status 5:46 services/status', 'rbac-services-status 6:65 *rule → 5:46'],
    },
  ];
  for (const shape of shapes) {
    it(shape.name, () => {
      const findings = lint(shape.text);
      assert.deepEqual(placed(shape.text, findings), shape.expected);
      for (const finding of findings.filter((candidate) => candidate.related)) {
        assert.equal(finding.related![0].file, undefined, 'the anchored node is in the same file');
        assert.match(finding.message, /This object gets it through (the alias \*\w+|\*\w+ in the merge key <<); the anchored value is a related location\.$/);
        assert.match(finding.related![0].message, /^Written here, under the anchor that .* repeats: editing it changes every object that uses the anchor\.$/);
      }
    });
  }

  it('an alias gets one finding per rule however many findings are behind it, with each node as a related location', () => {
    const text = list(
      '- apiVersion: v1',
      '  kind: Service',
      '  spec: &spec {externalIPs: [1.2.3.4, 5.6.7.8, 010.0.0.1]}',
      '- {apiVersion: v1, kind: Service, spec: *spec}',
    );
    assert.deepEqual(placed(text, lint(text)), [
      'external-ips 5:29 1.2.3.4',
      'external-ips 5:38 5.6.7.8',
      'external-ip-invalid 5:47 010.0.0.1',
      'external-ip-invalid 6:40 *spec → 5:47',
      'external-ips 6:40 *spec → 5:29 5:38',
    ]);
    assert.match(lint(text)[4].message, /the anchored values are related locations\.$/);
  });

  it('every alias node gets its own finding; a node the object itself writes is not an alias', () => {
    const text = yaml('ips: &ips [1.2.3.4]', 'apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: *ips', '  <<: {externalIPs: *ips}');
    assert.deepEqual(placed(text, lint(text)), ['external-ips 0:11 1.2.3.4', 'external-ips 4:15 *ips → 0:11', 'external-ips 5:20 *ips → 0:11']);
    // A merge of a map written in place shares nothing: its values are the object's own.
    const inline = yaml('apiVersion: v1', 'kind: Service', 'spec:', '  <<: {externalIPs: [1.2.3.4]}');
    assert.deepEqual(placed(inline, lint(inline)), ['external-ips 3:21 1.2.3.4']);
  });

  it('related locations follow the document when it is not the first of its file', () => {
    const text = yaml('apiVersion: v1', 'kind: ConfigMap', '---', 'apiVersion: v1', 'kind: List', 'items:', '- &svc {apiVersion: v1, kind: Service, spec: {externalIPs: [1.2.3.4]}}', '- *svc');
    // `lint` also checks that the per-document analysis (chunks moved to their place) gives the same related ranges.
    assert.deepEqual(placed(text, lint(text)), ['external-ips 6:60 1.2.3.4', 'external-ips 7:2 *svc → 6:60']);
  });

  it('a suppression above the alias suppresses the alias finding; above the anchor, the anchored node\'s', () => {
    const atAlias = list(
      '- {apiVersion: v1, kind: Service, spec: &spec {externalIPs: [1.2.3.4]}}',
      '# kube-mitm-guard-disable-next-line external-ips',
      '- {apiVersion: v1, kind: Service, spec: *spec}',
    );
    assert.deepEqual(brief(lint(atAlias)), [{ code: 'external-ips', line: 3, character: 61 }]);
    const atAnchor = list(
      '# kube-mitm-guard-disable-next-line external-ips',
      '- {apiVersion: v1, kind: Service, spec: &spec {externalIPs: [1.2.3.4]}}',
      '- {apiVersion: v1, kind: Service, spec: *spec}',
    );
    assert.deepEqual(brief(lint(atAnchor)), [{ code: 'external-ips', line: 5, character: 40 }]);
  });

  it('a rule that is off reports at no alias either', () => {
    const text = list('- &svc {apiVersion: v1, kind: Service, spec: {externalIPs: [1.2.3.4]}}', '- *svc');
    assert.deepEqual(lint(text, { rules: { 'external-ips': 'off' } }), []);
    assert.deepEqual(lint(text, { allowedCidrs: cidrs('1.2.3.4/32') }), []);
  });
});

describe('alias bombs stay linear: at most one finding per alias node and rule', () => {
  it('a List of Lists of aliases, nine levels of nine', () => {
    // Expanded, this is 9^9 (387 million) Services.
    const levels = Array.from({ length: 9 }, (_, i) => `x${i + 1}: &x${i + 1} {apiVersion: v1, kind: List, items: [${Array(9).fill(`*x${i}`).join(', ')}]}`);
    const text = yaml('x0: &x0 {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Service, spec: {externalIPs: [1.2.3.4]}}]}', ...levels, 'apiVersion: v1', 'kind: List', 'items: [*x9, *x9, *x9]');
    const findings = analyzeText(text, OPTIONS).findings;
    // The Service's own entry, and each of the three aliases the document's List is written with.
    assert.deepEqual(brief(findings).map((finding) => `${finding.line}:${finding.character}`), ['0:98', '12:8', '12:13', '12:18']);
    assert.deepEqual(findings[1].related?.map((related) => related.range.start.line), [0]);
  });

  it('a spec aliased by many Services, each with several bad entries', () => {
    const services = Array.from({ length: 2000 }, () => '- {apiVersion: v1, kind: Service, spec: *spec}');
    const text = list('- {apiVersion: v1, kind: Service, spec: &spec {externalIPs: [1.2.3.4, 5.6.7.8, 9.9.9.9, "1.2.3.04"]}}', ...services);
    const findings = analyzeText(text, OPTIONS).findings;
    const counts = (line: number) => findings.filter((finding) => finding.range.start.line === line).map((finding) => finding.code);
    assert.deepEqual(counts(3), ['external-ips', 'external-ips', 'external-ips', 'external-ip-invalid']);
    for (let line = 4; line < 4 + services.length; line++) assert.deepEqual(counts(line), ['external-ip-invalid', 'external-ips']);
    assert.equal(findings.length, 4 + 2 * services.length);
  });

  it('merge keys nested thirty deep, each merging the level below three times', () => {
    // Expanded, 3^30 merged maps; each distinct map is read once.
    const merges = Array.from({ length: 30 }, (_, i) => `m${i + 1}: &m${i + 1} {<<: [*m${i}, *m${i}, *m${i}]}`);
    const text = yaml('m0: &m0 {externalIPs: [1.2.3.4]}', ...merges, 'apiVersion: v1', 'kind: Service', 'spec: {<<: *m30}');
    assert.deepEqual(placed(text, analyzeText(text, OPTIONS).findings), ['external-ips 0:23 1.2.3.4', 'external-ips 33:7 <<: *m30 → 0:23']);
  });

  it('a merge chain two thousand deep is read to its end, as go-yaml reads it (no depth cap to hide behind)', () => {
    const merges = Array.from({ length: 2000 }, (_, i) => `m${i + 1}: &m${i + 1} {<<: *m${i}}`);
    const text = yaml('m0: &m0 {externalIPs: [1.2.3.4]}', ...merges, 'apiVersion: v1', 'kind: Service', 'spec: {<<: *m2000}');
    assert.deepEqual(placed(text, analyzeText(text, OPTIONS).findings), ['external-ips 0:23 1.2.3.4', 'external-ips 2003:7 <<: *m2000 → 0:23']);
  });

  it('an alias to a sequence of aliases used as externalIPs', () => {
    const levels = Array.from({ length: 20 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`);
    const text = yaml('a0: &a0 [externalIPs]', ...levels, 'apiVersion: v1', 'kind: Service', 'spec: {externalIPs: *a20}');
    // The items of a20 are one node (a19, not an address) written once, and reached through one alias.
    assert.deepEqual(placed(text, analyzeText(text, OPTIONS).findings), ['external-ip-invalid 19:10 [*a18, *a18, *a18, *a18, *a18, *a18, *a18, *a18, *a18]', 'external-ip-invalid 23:20 *a20 → 19:10']);
  });
});

describe('RBAC: a rule shared by several roles', () => {
  const roles = list(
    '- apiVersion: rbac.authorization.k8s.io/v1',
    '  kind: ClusterRole',
    '  metadata: {name: controller-status}',
    '  rules: [&rule {apiGroups: [""], resources: [services/status], verbs: [patch]}]',
    '- apiVersion: rbac.authorization.k8s.io/v1',
    '  kind: ClusterRole',
    '  metadata: {name: everyone-status}',
    '  rules: [*rule]',
  );

  it('each role has the rule as a fact, tied to its own finding', () => {
    const result = analyzeDetailed(roles, OPTIONS);
    const keys = Object.fromEntries(result.facts!.roles.map((role) => [role.name, role.rules.map((rule) => rule.findingKeys)]));
    const findings = result.findings.map((finding) => finding.key);
    assert.equal(findings.length, 2);
    assert.deepEqual(keys, { 'controller-status': [[findings[0]]], 'everyone-status': [[findings[1]]] });
  });

  it('the link phase judges each finding by the role it belongs to', () => {
    const index = new WorkspaceIndex();
    // After another document: the keys the facts carry move with the document.
    const local = analyzeText(yaml('apiVersion: v1', 'kind: ConfigMap', '---') + roles, OPTIONS);
    index.set('roles.yaml', local.facts, OPTIONS);
    const bindings = {
      'controller.yaml': clusterRoleBinding('controller-status', '{kind: ServiceAccount, name: lb, namespace: kube-system}'),
      'everyone.yaml': clusterRoleBinding('everyone-status', '{kind: Group, name: system:authenticated}'),
    };
    for (const [name, text] of Object.entries(bindings)) index.set(name, analyzeText(text, OPTIONS).facts, OPTIONS);
    const linked = applyLink(local.findings, index.link().get('roles.yaml'));
    assert.deepEqual(
      linked.map((finding) => [finding.range.start.line, finding.severity]),
      [
        [9, 'information'],
        [13, 'error'],
      ],
    );
    // The alias finding keeps the anchored rule as its first related location, then the holders.
    assert.deepEqual(linked[1].related?.map((related) => [related.file, related.range.start.line]), [
      [undefined, 9],
      ['everyone.yaml', 6],
    ]);
  });

  it('a whole role aliased in a List is that role again: its alias finding is judged by that role', () => {
    const text = list(
      '- &role {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: everyone-status}, rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]}',
      '- *role',
    );
    const index = new WorkspaceIndex();
    const local = analyzeText(text, OPTIONS);
    index.set('roles.yaml', local.facts, OPTIONS);
    index.set('everyone.yaml', analyzeText(clusterRoleBinding('everyone-status', '{kind: Group, name: system:authenticated}'), OPTIONS).facts, OPTIONS);
    const linked = applyLink(local.findings, index.link().get('roles.yaml'));
    assert.deepEqual(
      linked.map((finding) => [finding.range.start.line, finding.severity]),
      [
        [3, 'error'],
        [4, 'error'],
      ],
    );
  });
});
