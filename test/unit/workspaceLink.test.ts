// The link phase on real texts: roles, bindings and aggregation across files, judged with
// Kubernetes' built-in policy, through the same analyzeText + WorkspaceIndex + applyLink path the CLI
// and the language server use.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AnalysisResult, analyzeText, applyLink, EngineOptions, Finding, WorkspaceIndex } from '../../server/src/engine';
import { analyzeDetailed } from '../../server/src/engine/analyze';
import { LinkedPath, RoleOnPath } from '../../server/src/engine/workspace/paths';
import { REPO_ROOT, yaml } from '../support/engine';
import { BASE_OPTIONS, linkFiles } from '../support/linking';
import { clusterRoleBinding, STATUS_WRITER_ROLE } from '../support/rbacFixtures';
import { externalIpService } from '../support/serviceFixtures';

const summary = (findings: readonly Finding[]) => findings.map((finding) => `${finding.code} ${finding.severity} ${finding.range.start.line}`);

describe('link phase: who holds a services/status grant', () => {
  it('reports each subject a binding in another file hands the grant to, by reach', () => {
    const result = linkFiles({
      'role.yaml': STATUS_WRITER_ROLE,
      'binding.yaml': clusterRoleBinding(
        'lb-status',
        '{kind: Group, name: system:authenticated}',
        '{kind: ServiceAccount, name: app, namespace: team-a}',
        '{kind: ServiceAccount, name: lb, namespace: kube-system}',
        '{kind: User, name: alice}',
      ),
    });
    // Subjects are lines 6-9; the kube-system ServiceAccount (line 8) is control plane and not reported.
    assert.deepEqual(summary(result['binding.yaml']), [
      'rbac-services-status-binding error 6',
      'rbac-services-status-binding warning 7',
      'rbac-services-status-binding error 9',
    ]);
    const [broad] = result['binding.yaml'];
    assert.match(broad.message, /^Group system:authenticated gets patch\/update on services\/status in every namespace through ClusterRoleBinding bind → ClusterRole lb-status\./);
    assert.deepEqual(broad.related?.map((related) => [related.file, related.range.start.line]), [['role.yaml', 5]]);
    assert.match(broad.related![0].message, /grants it: apiGroups \[""\], resources \["services\/status"\], verbs \["patch"\] in ClusterRole lb-status/);
    // The role takes the widest reach as its severity, with the holders as related locations.
    const [roleFinding] = result['role.yaml'];
    assert.equal(roleFinding.code, 'rbac-services-status');
    assert.equal(roleFinding.severity, 'error');
    assert.match(roleFinding.message, /Held by User alice through ClusterRoleBinding bind and 3 other holders\.$/);
    assert.deepEqual(
      roleFinding.related?.map((related) => [related.file, related.range.start.line]),
      [6, 7, 8, 9].map((line) => ['binding.yaml', line]),
    );
  });

  it('keeps an unbound role a warning, a workload-only role a warning, and a control-plane-only role information', () => {
    assert.deepEqual(summary(linkFiles({ 'role.yaml': STATUS_WRITER_ROLE })['role.yaml']), ['rbac-services-status warning 6']);
    assert.match(linkFiles({ 'role.yaml': STATUS_WRITER_ROLE })['role.yaml'][0].message, /Nothing in the workspace binds this role/);
    const workload = linkFiles({ 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': clusterRoleBinding('lb-status', '{kind: ServiceAccount, name: x, namespace: apps}') });
    assert.deepEqual(summary(workload['role.yaml']), ['rbac-services-status warning 6']);
    const controlPlane = linkFiles({
      'role.yaml': STATUS_WRITER_ROLE,
      'b.yaml': clusterRoleBinding('lb-status', '{kind: ServiceAccount, name: x, namespace: kube-system}', '{kind: User, name: "system:serviceaccount:kube-system:y"}'),
    });
    assert.deepEqual(summary(controlPlane['role.yaml']), ['rbac-services-status information 6']);
    assert.deepEqual(controlPlane['b.yaml'], []);
  });

  it('treats statusWriters as control plane', () => {
    const files = { 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': clusterRoleBinding('lb-status', '{kind: ServiceAccount, name: controller, namespace: metallb-system}') };
    assert.equal(linkFiles(files)['b.yaml'].length, 1);
    const trusted = linkFiles(files, { statusWriters: ['system:serviceaccount:metallb-system:controller'] });
    assert.deepEqual(trusted['b.yaml'], []);
    assert.deepEqual(summary(trusted['role.yaml']), ['rbac-services-status information 6']);
  });

  it('follows a binding to a built-in role (cluster-admin grants everything)', () => {
    const result = linkFiles({ 'b.yaml': clusterRoleBinding('cluster-admin', '{kind: User, name: bob}', '{kind: Group, name: system:masters}') });
    // `*` on `*` grants the Endpoints write too.
    assert.deepEqual(summary(result['b.yaml']), ['rbac-endpoints-write-binding error 6', 'rbac-services-status-binding error 6']);
    assert.match(result['b.yaml'][1].message, /ClusterRole cluster-admin \(built-in\)/);
    // The built-in view role grants no write: nothing to report.
    assert.deepEqual(linkFiles({ 'b.yaml': clusterRoleBinding('view', '{kind: User, name: bob}') })['b.yaml'], []);
  });

  it('resolves a RoleBinding to a Role of its own namespace only', () => {
    const role = (namespace: string) =>
      yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata: {name: writer, namespace: ' + namespace + '}', 'rules: [{apiGroups: [""], resources: [services/status], verbs: [update]}]');
    const binding = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: RoleBinding',
      'metadata: {name: b, namespace: team-a}',
      'roleRef: {kind: Role, name: writer}',
      'subjects: [{kind: User, name: carol}]',
    );
    const same = linkFiles({ 'role.yaml': role('team-a'), 'b.yaml': binding });
    assert.deepEqual(summary(same['b.yaml']), ['rbac-services-status-binding error 4']);
    assert.match(same['b.yaml'][0].message, /in namespace team-a through RoleBinding b → Role writer/);
    assert.deepEqual(linkFiles({ 'role.yaml': role('team-b'), 'b.yaml': binding })['b.yaml'], []);
  });

  it('reports what reaches the built-in view, edit or admin roles as an error, aggregate-to-view included', () => {
    const labelled = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: view-extra',
      '  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}',
      'rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]',
    );
    const [finding] = linkFiles({ 'role.yaml': labelled })['role.yaml'];
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /every namespace viewer \(built-in ClusterRole view\)/);
  });

  it('reports an aggregating ClusterRole at its aggregationRule, with the contributing rules as related locations', () => {
    const contributor = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: piece, labels: {example.com/lb: "yes"}}',
      'rules: [{apiGroups: ["*"], resources: ["*/status"], verbs: [update]}]',
    );
    const aggregator = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: lb-ops}',
      'aggregationRule:',
      '  clusterRoleSelectors:',
      '  - matchExpressions: [{key: example.com/lb, operator: In, values: ["yes"]}]',
      'rules: []',
    );
    const result = linkFiles({
      'piece.yaml': contributor,
      'aggregator.yaml': aggregator,
      'binding.yaml': clusterRoleBinding('lb-ops', '{kind: Group, name: ops-team}'),
    });
    assert.deepEqual(summary(result['aggregator.yaml']), ['rbac-services-status error 3']);
    assert.match(result['aggregator.yaml'][0].message, /aggregates ClusterRole piece/);
    assert.deepEqual(result['aggregator.yaml'][0].related?.[0].file, 'piece.yaml');
    // The contributor is held by whoever holds the aggregating role.
    assert.match(result['piece.yaml'][0].message, /Held by Group ops-team through ClusterRoleBinding bind, aggregated into ClusterRole lb-ops\./);
    assert.equal(result['piece.yaml'][0].severity, 'error');
    assert.deepEqual(summary(result['binding.yaml']), ['rbac-services-status-binding error 6']);
    assert.match(result['binding.yaml'][0].message, /\(aggregating ClusterRole piece\)/);
  });

  it('follows ClusterRoles that aggregate each other, whichever is judged first', () => {
    const clusterRole = (name: string, labels: string, selectors: string) =>
      yaml(
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        `metadata: {name: ${name}, labels: {${labels}}}`,
        `aggregationRule: {clusterRoleSelectors: [${selectors}]}`,
      );
    const files = {
      // Judged first: a binding of a (to the control plane, so it reports nothing) asks what a grants.
      'binding-a.yaml': clusterRoleBinding('a', '{kind: Group, name: system:masters}'),
      // a picks b and d; b picks a: b gets d's grant through a.
      'a.yaml': clusterRole('a', 'example.com/y: "1"', '{matchLabels: {example.com/x: "1"}}, {matchLabels: {example.com/d: "1"}}'),
      'b.yaml': clusterRole('b', 'example.com/x: "1"', '{matchLabels: {example.com/y: "1"}}'),
      'd.yaml': yaml(
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata: {name: d, labels: {example.com/d: "1"}}',
        'rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]',
      ),
      'binding.yaml': clusterRoleBinding('b', '{kind: User, name: eve}'),
    };
    const result = linkFiles(files);
    assert.deepEqual(summary(result['binding.yaml']), ['rbac-services-status-binding error 6']);
    assert.match(result['binding.yaml'][0].message, /\(aggregating ClusterRole d\)/);
    assert.equal(result['d.yaml'][0].severity, 'error');
    assert.deepEqual(summary(result['b.yaml']), ['rbac-services-status error 3']);
  });

  it('unites a workspace role named like a built-in with the built-in, unless autoupdate is "false"', () => {
    const viewOverride = (annotation: string) =>
      yaml(
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata:',
        '  name: view',
        `  annotations: {rbac.authorization.kubernetes.io/autoupdate: "${annotation}"}`,
        'rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]',
      );
    // Reconciled, it keeps the built-in's aggregationRule, so the controller overwrites these rules: the
    // grant is gone, but the role still reaches every viewer.
    assert.equal(linkFiles({ 'view.yaml': viewOverride('true') })['view.yaml'][0].severity, 'error');
    // Not reconciled: the rules stand and nothing in the workspace binds it.
    assert.equal(linkFiles({ 'view.yaml': viewOverride('false') })['view.yaml'][0].severity, 'warning');
  });

  it('lets a suppression comment hide a binding finding, which then does not count as unused', () => {
    const binding = clusterRoleBinding('lb-status', '{kind: User, name: alice}').replace(
      '- {kind: User',
      '# kube-mitm-guard-disable-next-line rbac-services-status-binding -- reviewed\n- {kind: User',
    );
    const result = linkFiles({ 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': binding });
    assert.deepEqual(result['b.yaml'], []);
  });

  it('applies rule severities from the settings to linked findings', () => {
    const files = { 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': clusterRoleBinding('lb-status', '{kind: User, name: alice}') };
    assert.deepEqual(linkFiles(files, { rules: { 'rbac-services-status-binding': 'off' } })['b.yaml'], []);
    const configured = linkFiles(files, { rules: { 'rbac-services-status': 'hint', 'rbac-services-status-binding': 'warning' } });
    assert.equal(configured['role.yaml'][0].severity, 'hint');
    assert.equal(configured['b.yaml'][0].severity, 'warning');
  });
});

describe('link phase: the path behind each finding', () => {
  /** Each file's linked paths (the structure hovers render). */
  function pathsOf(files: Record<string, string>, options: Partial<EngineOptions> = {}): Record<string, LinkedPath[]> {
    const engineOptions = { ...BASE_OPTIONS, ...options };
    const index = new WorkspaceIndex();
    for (const [name, text] of Object.entries(files)) index.set(name, analyzeText(text, engineOptions).facts, engineOptions);
    const links = index.link();
    return Object.fromEntries(Object.keys(files).map((name) => [name, links.get(name)?.paths ?? []]));
  }
  const where = (at: { file: string; range: { start: { line: number } } } | undefined) => (at ? `${at.file}:${at.range.start.line}` : 'built-in');
  const roleStep = (role: RoleOnPath) => `${role.kind} ${role.name} [${[...role.definitions.map(where), ...(role.builtin ? ['built-in'] : [])].join(' ')}]`;

  // binding.yaml binds lb-ops; lb-ops aggregates middle; middle aggregates piece, whose rule grants.
  const clusterRole = (name: string, labels: string, ...rest: string[]) =>
    yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', `metadata: {name: ${name}, labels: {${labels}}}`, ...rest);
  const chain = {
    'aggregator.yaml': clusterRole('lb-ops', '', 'aggregationRule: {clusterRoleSelectors: [{matchLabels: {example.com/ops: "1"}}]}'),
    'middle.yaml': clusterRole('middle', 'example.com/ops: "1"', 'aggregationRule: {clusterRoleSelectors: [{matchLabels: {example.com/lb: "1"}}]}'),
    'piece.yaml': clusterRole('piece', 'example.com/lb: "1"', 'rules:', '- apiGroups: [""]', '  resources: [services/status]', '  verbs: [patch]'),
    'binding.yaml': clusterRoleBinding('lb-ops', '{kind: Group, name: ops-team}', '{kind: ServiceAccount, name: lb, namespace: kube-system}'),
  };

  it('records for a subject its binding, the role bound, and each granting rule with the aggregation that carries it', () => {
    const paths = pathsOf(chain)['binding.yaml'];
    // Only the reported subject (line 6) has a path: the kube-system ServiceAccount is control plane.
    assert.equal(paths.length, 1);
    const [path] = paths;
    assert.equal(path.kind, 'subject');
    if (path.kind !== 'subject') return;
    assert.deepEqual(path.target.start, { line: 6, character: 2 });
    assert.equal(path.permission, 'patch/update on services/status');
    assert.deepEqual([path.holder.subject, path.holder.reach, where(path.holder.at)], ['Group ops-team', 'people', 'binding.yaml:6']);
    assert.deepEqual([path.holder.binding.kind, path.holder.binding.name, where(path.holder.binding.at)], ['ClusterRoleBinding', 'bind', 'binding.yaml:3']);
    assert.equal(roleStep(path.role), 'ClusterRole lb-ops [aggregator.yaml:2]');
    assert.deepEqual(
      path.grants.map((grant) => [roleStep(grant.role), where(grant.at), grant.rule.verbs, grant.through.map(roleStep)]),
      [['ClusterRole piece [piece.yaml:2]', 'piece.yaml:4', ['patch'], ['ClusterRole lb-ops [aggregator.yaml:2]', 'ClusterRole middle [middle.yaml:2]']]],
    );
    // The finding the path belongs to.
    const [finding] = linkFiles(chain)['binding.yaml'];
    assert.equal(path.findingKey, finding.key);
  });

  it('records for a granting rule everyone who holds its role, through which aggregation; for an aggregationRule, what it collects', () => {
    const paths = pathsOf(chain);
    const [rule] = paths['piece.yaml'];
    assert.equal(rule.kind, 'role');
    if (rule.kind !== 'role') return;
    assert.equal(rule.on, 'rule');
    // The hover target is the whole rule (lines 4-6), wider than the finding on `services/status`.
    assert.deepEqual([rule.target.start.line, rule.target.end.line], [4, 6]);
    assert.deepEqual(rule.grants.map((grant) => where(grant.at)), ['piece.yaml:4']);
    assert.deepEqual(
      rule.holders.map((holder) => [holder.subject, holder.reach, where(holder.at), holder.through.map((role) => role.name)]),
      [
        ['Group ops-team', 'people', 'binding.yaml:6', ['lb-ops', 'middle']],
        ['ServiceAccount kube-system/lb', 'control-plane', 'binding.yaml:7', ['lb-ops', 'middle']],
      ],
    );
    const aggregations = paths['middle.yaml'];
    assert.deepEqual(aggregations.map((path) => path.kind === 'role' && [path.on, path.target.start.line, path.grants.map((grant) => grant.through.map((role) => role.name))]), [
      ['aggregationRule', 3, [['middle']]],
    ]);
  });

  it('records a role nothing binds with no holders, a built-in role as built-in, and no path for a finding that is off or suppressed', () => {
    const [unbound] = pathsOf({ 'role.yaml': STATUS_WRITER_ROLE })['role.yaml'];
    assert.ok(unbound.kind === 'role' && unbound.holders.length === 0);
    const [builtin] = pathsOf({ 'b.yaml': clusterRoleBinding('cluster-admin', '{kind: User, name: alice}') })['b.yaml'];
    assert.ok(builtin.kind === 'subject');
    if (builtin.kind !== 'subject') return;
    assert.equal(roleStep(builtin.role), 'ClusterRole cluster-admin [built-in]');
    assert.deepEqual(builtin.grants.map((grant) => where(grant.at)), ['built-in']);
    const files = { 'role.yaml': STATUS_WRITER_ROLE, 'b.yaml': clusterRoleBinding('lb-status', '{kind: User, name: alice}') };
    assert.deepEqual(pathsOf(files, { rules: { 'rbac-services-status-binding': 'off', 'rbac-services-status': 'off' } }), { 'role.yaml': [], 'b.yaml': [] });
    const suppressed = { ...files, 'b.yaml': files['b.yaml'].replace('- {kind: User', '# kube-mitm-guard-disable-next-line rbac-services-status-binding\n- {kind: User') };
    assert.deepEqual(pathsOf(suppressed)['b.yaml'], []);
  });
});

describe('link phase: the pre-check keeps every fact that matters', () => {
  /** Each file's linked findings, from facts of `analyse` (the pre-checked analysis, or every document parsed). */
  function linkedWith(files: Record<string, string>, analyse: (text: string, options: EngineOptions) => AnalysisResult): string[] {
    const index = new WorkspaceIndex();
    const local = new Map<string, Finding[]>();
    for (const [name, text] of Object.entries(files)) {
      const result = analyse(text, BASE_OPTIONS);
      local.set(name, result.findings.map(({ code, severity, message, range, startOffset, endOffset, key, documentIndex }) => ({ code, severity, message, range, startOffset, endOffset, key, documentIndex })));
      index.set(name, result.facts, BASE_OPTIONS);
    }
    const links = index.link();
    return [...local].flatMap(([name, findings]) => applyLink(findings, links.get(name)).map((finding) => `${name} ${JSON.stringify(finding)}`));
  }

  const assertSameLinks = (files: Record<string, string>) => {
    const everything = linkedWith(files, (text, options) => analyzeDetailed(text, options));
    assert.deepEqual(linkedWith(files, analyzeText), everything);
    return everything;
  };

  it('links crafted workspaces the same with and without it', () => {
    const role = (metadata: string, ...rest: string[]) => yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', `metadata: ${metadata}`, ...rest);
    const findings = assertSameLinks({
      // Named like a built-in that grants: reconciled, its labels carry cluster-admin's rules to `ops`.
      'admin-copy.yaml': role('{name: cluster-admin, labels: {team/lb: "true"}}', 'rules: [{apiGroups: [apps], resources: [deployments], verbs: [get]}]'),
      'plain.yaml': role('{name: reader, labels: {team/lb: "true"}}', 'rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]'),
      'aggregator.yaml': role('{name: ops}', 'aggregationRule: {clusterRoleSelectors: [{matchLabels: {team/lb: "true"}}]}'),
      'opt-out.yaml': role('{name: edit, annotations: {rbac.authorization.kubernetes.io/autoupdate: "false"}}', 'rules: []'),
      'bind.yaml': clusterRoleBinding('ops', '{kind: User, name: x}'),
    });
    assert.ok(findings.some((finding) => finding.startsWith('bind.yaml') && finding.includes('rbac-services-status-binding')));
    assert.ok(findings.some((finding) => finding.startsWith('aggregator.yaml')));
  });

  it('links Services that share an externalIP the same with and without it', () => {
    const findings = assertSameLinks({
      // Escaped key and value, a merge key and a Service after an unrelated document.
      'escaped.yaml': yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: a}', 'spec: {ports: [{port: 80}], "external\\x49Ps": ["\\x31.2.3.4"]}'),
      'merged.yaml': yaml('notAService: {externalIPs: [1.2.3.4]}', '---', 'apiVersion: v1', 'kind: Service', 'metadata: {name: b}', 'spec: {<<: {externalIPs: [1.2.3.4]}, ports: [{port: 80}]}'),
      'second.yaml': yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: x}', '---', externalIpService('{name: c}', '[{port: 80, protocol: TCP}]', '1.2.3.4')),
    });
    for (const file of ['escaped.yaml', 'merged.yaml', 'second.yaml']) {
      assert.ok(findings.some((finding) => finding.startsWith(file) && finding.includes('external-ip-conflict')), file);
    }
  });

  it('links the bootstrap policy and the RBAC and Services of each corpus project the same with and without it', (t) => {
    const corpus = path.resolve(REPO_ROOT, '..', 'shared', 'corpus');
    if (!fs.existsSync(corpus)) {
      t.skip(`${corpus} is not here (it comes with ../shared)`);
      return;
    }
    const projects = [path.join(corpus, 'rbac-bootstrap'), ...fs.readdirSync(path.join(corpus, 'manifests')).map((name) => path.join(corpus, 'manifests', name))];
    for (const project of projects) {
      const files: Record<string, string> = {};
      for (const name of fs.readdirSync(project, { recursive: true }) as string[]) {
        if (!/\.ya?ml$/.test(name)) continue;
        const text = fs.readFileSync(path.join(project, name), 'utf8');
        if (text.includes('rbac.authorization.k8s.io/v1') || text.includes('externalIPs')) files[name] = text;
      }
      assertSameLinks(files);
    }
  });
});

describe("link phase: Kubernetes' own bootstrap policy", () => {
  const bootstrap = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'rbac-bootstrap');
  it('produces no warning or error with the default config', (t) => {
    if (!fs.existsSync(bootstrap)) {
      t.skip(`${bootstrap} is not here (it comes with ../shared)`);
      return;
    }
    const files = Object.fromEntries(
      fs.readdirSync(bootstrap).filter((name) => name.endsWith('.yaml')).map((name) => [name, fs.readFileSync(path.join(bootstrap, name), 'utf8')]),
    );
    const findings = Object.values(linkFiles(files)).flat();
    assert.deepEqual(findings.filter((finding) => finding.severity === 'error' || finding.severity === 'warning').map((finding) => finding.message), []);
    // The three roles that can write Service status, and the five that can write Endpoints (the endpoint,
    // endpointslice and mirroring controllers, the garbage collector, cluster-admin), are all held by the
    // control plane only: information.
    const count = (code: string) => findings.filter((finding) => finding.code === code && finding.severity === 'information').length;
    assert.equal(findings.length, 8);
    assert.equal(count('rbac-services-status'), 3);
    assert.equal(count('rbac-endpoints-write'), 5);
    for (const finding of findings.filter((each) => each.code === 'rbac-endpoints-write')) assert.match(finding.message, /Held only by the control plane \(/);
  });
});

describe('link phase: who holds an endpoints write (CVE-2021-25740)', () => {
  const writer = (name: string, labels: string[] = []) =>
    yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      `  name: ${name}`,
      ...(labels.length > 0 ? ['  labels:', ...labels.map((label) => `    ${label}`)] : []),
      'rules:',
      '- apiGroups: [""]',
      '  resources: [endpoints]',
      '  verbs: [create, delete]',
    );
  const endpointsOnly = (findings: readonly Finding[]) => findings.filter((finding) => finding.code.startsWith('rbac-endpoints-write'));

  it('is information while only workloads or nothing hold it: controllers write Endpoints by design', () => {
    assert.deepEqual(summary(linkFiles({ 'role.yaml': writer('ep') })['role.yaml']), ['rbac-endpoints-write information 6']);
    const result = linkFiles({ 'role.yaml': writer('ep'), 'b.yaml': clusterRoleBinding('ep', '{kind: ServiceAccount, name: ingress, namespace: team-a}') });
    assert.deepEqual(summary(result['role.yaml']), ['rbac-endpoints-write information 6']);
    assert.match(result['role.yaml'][0].message, /CVE-2021-25740\). Held by ServiceAccount team-a\/ingress through ClusterRoleBinding bind\.$/);
    // A workload gets no binding finding.
    assert.deepEqual(result['b.yaml'], []);
  });

  it('is an error on the role and on each people or broad subject of a binding, with the granting rule as related location', () => {
    const result = linkFiles({
      'role.yaml': writer('ep'),
      'b.yaml': clusterRoleBinding(
        'ep',
        '{kind: Group, name: system:authenticated}',
        '{kind: ServiceAccount, name: app, namespace: team-a}',
        '{kind: ServiceAccount, name: endpoint-controller, namespace: kube-system}',
        '{kind: User, name: alice}',
      ),
    });
    assert.deepEqual(summary(result['b.yaml']), ['rbac-endpoints-write-binding error 6', 'rbac-endpoints-write-binding error 9']);
    const [broad] = result['b.yaml'];
    assert.equal(
      broad.message,
      'Group system:authenticated gets create/update/patch on endpoints or endpointslices in every namespace through ClusterRoleBinding bind → ' +
        'ClusterRole ep. It can point Services, and the LoadBalancers or Ingresses in front of them, at pods in other namespaces and intercept ' +
        'their traffic (CVE-2021-25740).',
    );
    assert.deepEqual(broad.related?.map((related) => [related.file, related.range.start.line, related.message]), [
      ['role.yaml', 5, 'grants it: apiGroups [""], resources ["endpoints"], verbs ["create","delete"] in ClusterRole ep'],
    ]);
    assert.deepEqual(summary(result['role.yaml']), ['rbac-endpoints-write error 6']);
    assert.deepEqual(result['role.yaml'][0].related?.map((related) => related.range.start.line), [6, 7, 8, 9]);
  });

  it('is an error when aggregated into edit (the docs\' endpoints-aggregated.yaml), and reported at an aggregationRule that collects it', () => {
    const aggregated = linkFiles({ 'role.yaml': writer('custom:aggregate-to-edit:endpoints', ['rbac.authorization.k8s.io/aggregate-to-edit: "true"']) });
    assert.deepEqual(summary(aggregated['role.yaml']), ['rbac-endpoints-write error 8']);
    assert.match(aggregated['role.yaml'][0].message, /every namespace admin or editor gets this grant\. Held by every namespace editor \(built-in ClusterRole edit\)/);
    const collector = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: collector}',
      'aggregationRule:',
      '  clusterRoleSelectors: [{matchLabels: {team: net}}]',
    );
    const collected = linkFiles({ 'piece.yaml': writer('piece', ['team: net']), 'collector.yaml': collector });
    assert.deepEqual(summary(collected['collector.yaml']), ['rbac-endpoints-write information 3']);
    assert.match(collected['collector.yaml'][0].message, /^This ClusterRole aggregates ClusterRole piece, so it grants create\/update\/patch on endpoints or endpointslices;/);
  });

  it('statusWriters do not vouch for an endpoints writer', () => {
    const files = { 'role.yaml': writer('ep'), 'b.yaml': clusterRoleBinding('ep', '{kind: Group, name: lb-operators}') };
    const result = linkFiles(files, { statusWriters: ['lb-operators'] });
    assert.deepEqual(summary(result['b.yaml']), ['rbac-endpoints-write-binding error 6']);
    assert.deepEqual(summary(result['role.yaml']), ['rbac-endpoints-write error 6']);
  });

  it('judges each permission of a rule that grants both on its own', () => {
    const both = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: both}',
      'rules:',
      '- apiGroups: ["", discovery.k8s.io]',
      '  resources: [services/status, endpointslices]',
      '  verbs: [patch]',
    );
    const result = linkFiles({ 'role.yaml': both, 'b.yaml': clusterRoleBinding('both', '{kind: ServiceAccount, name: app, namespace: team-a}') });
    // The workload makes the services/status grant a warning and the endpointslices one information.
    assert.deepEqual(summary(result['role.yaml']), ['rbac-services-status warning 5', 'rbac-endpoints-write information 5']);
    assert.deepEqual(summary(result['b.yaml']), ['rbac-services-status-binding warning 6']);
    const off = linkFiles({ 'role.yaml': both, 'b.yaml': clusterRoleBinding('both', '{kind: User, name: bob}') }, { rules: { 'rbac-endpoints-write-binding': 'off' } });
    assert.deepEqual(summary(off['b.yaml']), ['rbac-services-status-binding error 6']);
    assert.deepEqual(endpointsOnly(off['role.yaml']).map((finding) => finding.severity), ['error']);
  });

  it('records the path hovers show, naming the permission', () => {
    const index = new WorkspaceIndex();
    const files = { 'role.yaml': writer('ep'), 'b.yaml': clusterRoleBinding('ep', '{kind: User, name: alice}') };
    for (const [name, text] of Object.entries(files)) index.set(name, analyzeText(text, BASE_OPTIONS).facts, BASE_OPTIONS);
    const links = index.link();
    const [subject] = links.get('b.yaml')?.paths ?? [];
    assert.equal(subject.kind, 'subject');
    assert.equal(subject.permission, 'create/update/patch on endpoints or endpointslices');
    assert.ok(subject.findingKey.startsWith('rbac-endpoints-write-binding:'));
    const [role] = links.get('role.yaml')?.paths ?? [];
    assert.equal(role.kind === 'role' && role.holders.map((holder) => holder.subject).join(), 'User alice');
  });
});
