// Re-linking only what depends on a change must give exactly what linking everything again gives. Random
// workspaces of roles, aggregating roles, bindings, Services with externalIPs, admission policies about
// externalIPs and their bindings, Helm chart templates, values files and HelmReleases, and a kustomization
// with the patch files it refers to under random targets and the base its resources name (a small pool of names,
// labels, addresses and ports, so they refer to or collide with each other, built-ins included) go through random edits, deletions, additions and moves between
// clusters; after each step the incremental index is compared with a fresh one built from the same files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, EngineOptions, linkSignature, WorkspaceIndex } from '../../server/src/engine';
import { Linker } from '../../server/src/engine/workspace/link';
import { yaml } from '../support/engine';
import { mulberry32 } from '../support/fuzz';
import { externalIpService } from '../support/serviceFixtures';

const OPTIONS: EngineOptions = { allowedCidrs: [], rules: {} };
const ROLE_NAMES = ['lb-status', 'ops', 'view', 'edit', 'collector', 'system:controller:service-controller'];
const LABELS = ['tier: a', 'tier: b', 'rbac.authorization.k8s.io/aggregate-to-view: "true"', 'rbac.authorization.k8s.io/aggregate-to-edit: "true"'];
const SUBJECTS = [
  '{kind: Group, name: system:authenticated}',
  '{kind: ServiceAccount, name: app, namespace: team-a}',
  '{kind: ServiceAccount, name: lb, namespace: kube-system}',
  '{kind: User, name: alice}',
];
const SERVICE_NAMES = ['{name: web}', '{name: web, namespace: team-a}', '{name: api, namespace: team-b}', '{name: db}'];
const ADDRESSES = ['10.0.0.1', '10.0.0.2', '2001:db8::1', '"2001:DB8:0::1"'];
const PORTS = ['{port: 443}', '{port: 443, protocol: UDP}', '{port: 53, protocol: UDP}'];
const POLICY_NAMES = ['external-ips', 'other-policy'];
const VALIDATION_ACTIONS = ['Deny', 'Audit', 'Warn, Audit'];
const RULES = [
  '{apiGroups: [""], resources: [services/status], verbs: [patch]}',
  '{apiGroups: [""], resources: [pods], verbs: [get]}',
  '{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}',
  '{apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [create]}',
];

function generator(next: () => number) {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
  const clusterRole = (): string => {
    const aggregates = next() < 0.3;
    return yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      `  name: ${pick(ROLE_NAMES)}`,
      '  labels:',
      `    ${pick(LABELS)}`,
      ...(next() < 0.15 ? ['  annotations:', '    rbac.authorization.k8s.io/autoupdate: "false"'] : []),
      ...(aggregates ? ['aggregationRule:', '  clusterRoleSelectors:', `  - matchLabels: {${pick(LABELS)}}`, 'rules: []'] : ['rules:', `- ${pick(RULES)}`]),
    );
  };
  const role = (): string =>
    yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata:', `  name: ${pick(ROLE_NAMES)}`, `  namespace: ${pick(['team-a', 'team-b'])}`, 'rules:', `- ${pick(RULES)}`);
  const binding = (): string => {
    const cluster = next() < 0.5;
    return yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      `kind: ${cluster ? 'ClusterRoleBinding' : 'RoleBinding'}`,
      'metadata:',
      '  name: bind',
      ...(cluster ? [] : [`  namespace: ${pick(['team-a', 'team-b'])}`]),
      `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${cluster || next() < 0.5 ? 'ClusterRole' : 'Role'}, name: ${pick(ROLE_NAMES)}}`,
      'subjects:',
      `- ${pick(SUBJECTS)}`,
      ...(next() < 0.5 ? [`- ${pick(SUBJECTS)}`] : []),
    );
  };
  const service = (): string =>
    yaml('apiVersion: v1', 'kind: Service', `metadata: ${pick(SERVICE_NAMES)}`, 'spec:', `  ports: [${pick(PORTS)}]`, `  externalIPs: [${pick(ADDRESSES)}, ${pick(ADDRESSES)}]`);
  const admissionPolicy = (): string =>
    yaml(
      'apiVersion: admissionregistration.k8s.io/v1',
      'kind: ValidatingAdmissionPolicy',
      `metadata: {name: ${pick(POLICY_NAMES)}}`,
      'spec:',
      '  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [services]}]}',
      '  validations: [{expression: "!has(object.spec.externalIPs)"}]',
    );
  const admissionBinding = (): string =>
    yaml(
      'apiVersion: admissionregistration.k8s.io/v1',
      'kind: ValidatingAdmissionPolicyBinding',
      `metadata: {name: ${pick(['a', 'b'])}}`,
      `spec: {policyName: ${pick(POLICY_NAMES)}, validationActions: [${pick(VALIDATION_ACTIONS)}]}`,
    );
  const file = (): string => {
    const documents = 1 + Math.floor(next() * 3);
    return Array.from({ length: documents }, () => pick([clusterRole, clusterRole, role, binding, binding, service, service, admissionPolicy, admissionBinding])()).join('---\n');
  };
  // Helm: templates rendering a values path into externalIPs, values files and HelmReleases of two charts (or of none).
  const helmTemplate = (): string =>
    yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', `  externalIPs: {{ toYaml .Values.${pick(VALUES_PATHS)} | nindent 4 }}`);
  const valuesFile = (): string => yaml(...(next() < 0.2 ? ['# padding'] : []), 'svc:', `  ips: [${pick(ADDRESSES)}]`, `  other: [${pick(ADDRESSES)}]`);
  const release = (): string =>
    yaml(
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: app}',
      `spec: {chart: {spec: {chart: ${pick(['./c1', './c2', 'remote'])}}}, values: {svc: {ips: [${pick(ADDRESSES)}], externalIPs: [${pick(ADDRESSES)}]}}}`,
    );
  // Kustomize: a kustomization referring to patch files with a random target (or none), and the patch files.
  const kustomization = (): string =>
    yaml(
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      ...(next() < 0.7 ? ['resources: [../b]'] : []),
      'patches:',
      ...['ops.yaml', 'rules.yaml'].filter(() => next() < 0.7).flatMap((patchFile) => [`- path: ${patchFile}`, ...(next() < 0.8 ? [`  target: {kind: ${pick(PATCH_TARGET_KINDS)}${next() < 0.8 ? `, name: ${pick(PATCHED_ROLES)}` : ''}}`] : [])]),
      // An inline patch adding a rule to a named role.
      ...(next() < 0.5 ? [`- target: {kind: ${pick(['Role', 'ClusterRole'])}, name: ${pick(PATCHED_ROLES)}}`, `  patch: '[{"op": "add", "path": "/rules/-", "value": ${pick(RULES)}}]'`] : []),
      // An inline patch adding an externalIP to a named Service (related to the Service of the base).
      ...(next() < 0.5 ? [`- target: {kind: Service, name: ${pick(PATCHED_ROLES)}}`, `  patch: '[{"op": "add", "path": "/spec/externalIPs/-", "value": "${ADDRESSES[0]}"}]'`] : []),
    );
  // The base the kustomization's resources name: a kustomization of its own, a Service and a Role a target may select.
  const baseFile = (name: string): string =>
    name.endsWith('kustomization.yaml')
      ? yaml(`resources: [${['svc.yaml', 'role.yaml', '../k'].filter(() => next() < 0.7).join(', ')}]`)
      : name.endsWith('svc.yaml')
        ? yaml('apiVersion: v1', 'kind: Service', `metadata: {name: ${pick(PATCHED_ROLES)}}`, 'spec: {ports: [{port: 80}]}')
        : yaml('apiVersion: rbac.authorization.k8s.io/v1', `kind: ${pick(['Role', 'ClusterRole'])}`, `metadata: {name: ${pick(PATCHED_ROLES)}}`, 'rules: []');
  const patchFile = (name: string): string => {
    if (name.endsWith('binding.yaml')) {
      const kind = pick(['Role', 'ClusterRole']);
      return yaml('apiVersion: rbac.authorization.k8s.io/v1', `kind: ${kind}Binding`, 'metadata: {name: patched, namespace: team-a}', `roleRef: {kind: ${kind}, name: ${pick(PATCHED_ROLES)}}`, 'subjects:', `- ${pick(SUBJECTS)}`);
    }
    if (name.endsWith('rules.yaml')) return yaml('metadata: {name: ops}', 'rules:', `- ${pick(RULES)}`);
    const rules = next() < 0.5;
    return yaml('- op: add', `  path: ${rules ? '/rules' : '/spec/externalIPs'}`, `  value: [${rules ? pick(RULES) : pick(ADDRESSES)}]`);
  };
  /** A text for the file `name`: Helm files by their place in a chart, Kustomize files by their names. */
  const fileFor = (name: string): string =>
    name.includes('/templates/')
      ? helmTemplate()
      : name.endsWith('values.yaml')
        ? valuesFile()
        : name.startsWith('release')
          ? release()
          : name.startsWith('b/')
            ? baseFile(name)
            : name.endsWith('kustomization.yaml')
            ? kustomization()
            : name.startsWith('k/')
              ? patchFile(name)
              : file();
  return { pick, fileFor };
}

const VALUES_PATHS = ['svc.ips', 'svc.other', 'none'];
const HELM_NAMES = ['c1/templates/svc.yaml', 'c1/values.yaml', 'c2/templates/svc.yaml', 'c2/values.yaml', 'release-a.yaml', 'release-b.yaml'];
const PATCH_TARGET_KINDS = ['Service', 'ConfigMap', 'Role', 'ClusterRole'];
const KUSTOMIZE_NAMES = ['k/kustomization.yaml', 'k/ops.yaml', 'k/rules.yaml', 'k/binding.yaml', 'b/kustomization.yaml', 'b/svc.yaml', 'b/role.yaml'];
const PATCHED_ROLES = ['ops', 'lb-status'];

/** The facts of `name` as the CLI and the server analyse it (a values file by its place in a chart: here, its name). */
function factsOf(name: string, text: string) {
  const kustomization = name.endsWith('kustomization.yaml');
  return analyzeText(text, OPTIONS, undefined, { helmValues: name.endsWith('values.yaml'), kustomization, kustomizeResource: !kustomization && name.startsWith('b/') }).facts;
}

/**
 * Each file's linked findings, and the paths behind them (what hovers show must be as fresh), readable (the
 * counters below look into them); `linkSignature` (a digest) must agree with them.
 */
function linkedSignatures(index: WorkspaceIndex): Map<string, string> {
  return new Map(
    [...index.link()].map(([file, link]) => {
      const updated = [...link.updated].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return [file, `${linkSignature(link)} ${JSON.stringify([link.added, updated, [...link.removed].sort(), link.paths])}`];
    }),
  );
}

let helmFindingsSeen = 0;
let patchFileLinksSeen = 0;
let patchedGrantsSeen = 0;
let patchedObjectsSeen = 0;

describe('incremental link', () => {
  // Seeds past 12 draw from the Kustomize files alone (and one other file), so their cross-file links are frequent.
  for (let seed = 1; seed <= 18; seed++) {
    it(`equals a full link after every change (seed ${seed})`, () => {
      const next = mulberry32(seed);
      const { pick, fileFor } = generator(next);
      const incremental = new WorkspaceIndex();
      const texts = new Map<string, { text: string; cluster: string }>();
      const names = seed > 12 ? [...KUSTOMIZE_NAMES, 'f0.yaml'] : [...Array.from({ length: 8 }, (_, i) => `f${i}.yaml`), ...HELM_NAMES, ...KUSTOMIZE_NAMES];
      let judgedFewer = 0;
      for (let step = 0; step < 40; step++) {
        const name = pick(names);
        const action = next();
        const existing = texts.get(name);
        if (action < 0.15) texts.delete(name);
        else if (action < 0.35 && existing) {
          // Typing that moves only offsets: trailing spaces on the first line (no range changes).
          texts.set(name, { ...existing, text: existing.text.replace('\n', '   \n') });
        } else texts.set(name, { text: action < 0.45 ? existing?.text ?? fileFor(name) : fileFor(name), cluster: next() < 0.2 ? 'other' : '' });
        const entry = texts.get(name);
        if (entry) incremental.set(name, factsOf(name, entry.text), OPTIONS, entry.cluster);
        else incremental.delete(name);

        const full = new WorkspaceIndex();
        for (const [file, { text, cluster }] of texts) full.set(file, factsOf(file, text), OPTIONS, cluster);
        const signatures = linkedSignatures(incremental);
        assert.deepEqual(signatures, linkedSignatures(full), `seed ${seed}, step ${step}`);
        for (const helmFile of HELM_NAMES) if (signatures.get(helmFile)?.includes('external-ip')) helmFindingsSeen++;
        for (const patchFile of KUSTOMIZE_NAMES) if (signatures.get(patchFile)?.includes('applied by the kustomization')) patchFileLinksSeen++;
        if (/"file":"k\/(ops|rules|kustomization)\.yaml"/.test(signatures.get('k/binding.yaml') ?? '')) patchedGrantsSeen++;
        if (/"file":"b\/(svc|role)\.yaml"/.test(['k/ops.yaml', 'k/rules.yaml', 'k/kustomization.yaml'].map((file) => signatures.get(file) ?? '').join())) patchedObjectsSeen++;
        if (incremental.stats.lastFilesJudged < full.stats.lastFilesJudged) judgedFewer++;
      }
      // Not a correctness condition, but the point of the exercise: some steps re-judged fewer files.
      assert.ok(judgedFewer > 0, 'no step re-judged fewer files than a full link');
    });
  }

  it('saw Helm values traced (or untraced) into findings in the random workspaces', () => {
    assert.ok(helmFindingsSeen > 0);
  });

  it('saw patch files judged with their kustomization target, and their rules granting through bindings, in the random workspaces', () => {
    assert.ok(patchFileLinksSeen > 0);
    assert.ok(patchedGrantsSeen > 0);
    assert.ok(patchedObjectsSeen > 0);
  });

  it('re-judges only the files that depend on the edited role', () => {
    const index = new WorkspaceIndex();
    const role = (name: string, resource: string) =>
      yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata:', `  name: ${name}`, 'rules:', `- {apiGroups: [""], resources: [${resource}], verbs: [patch]}`);
    const binding = (name: string) =>
      yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata:', '  name: b', `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${name}}`, 'subjects:', '- {kind: User, name: alice}');
    const put = (file: string, text: string) => index.set(file, analyzeText(text, OPTIONS).facts, OPTIONS);
    put('a-role.yaml', role('a', 'services/status'));
    put('a-binding.yaml', binding('a'));
    put('b-role.yaml', role('b', 'services/status'));
    put('b-binding.yaml', binding('b'));
    assert.equal(index.relink().size, 4);
    put('a-role.yaml', role('a', 'pods'));
    assert.deepEqual([...index.relink().keys()].sort(), ['a-binding.yaml', 'a-role.yaml']);
    assert.equal(put('b-binding.yaml', binding('b')), false, 'the same facts again change nothing');
    assert.equal(index.relink().size, 0);
  });

  it('after a link that failed half way, the next one judges every file afresh', () => {
    const index = new WorkspaceIndex();
    const put = (file: string, text: string) => index.set(file, analyzeText(text, OPTIONS).facts, OPTIONS);
    const collected = (labelled: boolean) =>
      yaml(
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata:',
        '  name: collected',
        ...(labelled ? ['  labels: {tier: a}'] : []),
        'rules:',
        '- {apiGroups: [""], resources: [services/status], verbs: [patch]}',
      );
    put('r.yaml', collected(true));
    put('g.yaml', yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata:', '  name: agg', 'aggregationRule:', '  clusterRoleSelectors:', '  - matchLabels: {tier: a}', 'rules: []'));
    put('b.yaml', yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata:', '  name: b', 'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agg}', 'subjects:', '- {kind: User, name: alice}'));
    assert.ok(index.link().get('b.yaml')?.added.length, 'alice gets services/status through agg');
    // The role leaves the aggregation; the link fails after its indexes were updated, before judging.
    put('r.yaml', collected(false));
    const judge = Linker.prototype.judge;
    Linker.prototype.judge = () => {
      throw new Error('judging failed');
    };
    try {
      assert.throws(() => index.relink(), /judging failed/);
    } finally {
      Linker.prototype.judge = judge;
    }
    assert.equal(index.link().get('b.yaml')?.added.length ?? 0, 0, 'the binding no longer hands out the grant');
    assert.equal(index.link().get('g.yaml')?.added.length ?? 0, 0, 'the aggregating role no longer gets it');
  });

  it('re-judges the files that define or bind the admission policy the edited file binds', () => {
    const index = new WorkspaceIndex();
    const policy = (name: string) =>
      yaml('apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicy', `metadata: {name: ${name}}`, 'spec:', '  validations: [{expression: "!has(object.spec.externalIPs)"}]');
    const binding = (name: string, actions: string) =>
      yaml('apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingAdmissionPolicyBinding', 'metadata: {name: b}', `spec: {policyName: ${name}, validationActions: [${actions}]}`);
    const put = (file: string, text: string) => index.set(file, analyzeText(text, OPTIONS).facts, OPTIONS);
    put('a-policy.yaml', policy('a'));
    put('a-binding.yaml', binding('a', 'Deny'));
    put('b-policy.yaml', policy('b'));
    assert.equal(index.relink().get('a-policy.yaml'), undefined);
    // The binding turns to Audit: the policy it binds is judged again and reported, b's files are not touched.
    put('a-binding.yaml', binding('a', 'Audit'));
    const judged = index.relink();
    assert.deepEqual([...judged.keys()].sort(), ['a-binding.yaml', 'a-policy.yaml']);
    assert.deepEqual(judged.get('a-policy.yaml')?.added.map((finding) => finding.code), ['mitigation-not-enforced']);
    // The binding moves to b: a loses its binding (still reported, now as unbound), b gets one that only audits.
    put('a-binding.yaml', binding('b', 'Audit'));
    assert.deepEqual([...index.relink().keys()].sort(), ['a-binding.yaml', 'a-policy.yaml', 'b-policy.yaml']);
  });

  it('re-judges the files whose Services claimed or claim the addresses of the edited Service', () => {
    const index = new WorkspaceIndex();
    const put = (file: string, name: string, address: string) => index.set(file, analyzeText(externalIpService(`{name: ${name}}`, '[{port: 443}]', address), OPTIONS).facts, OPTIONS);
    put('a.yaml', 'a', '10.0.0.1');
    put('b.yaml', 'b', '10.0.0.1');
    put('c.yaml', 'c', '10.0.0.2');
    put('d.yaml', 'd', '10.0.0.3');
    assert.equal(index.relink().size, 4);
    // b moves from a's address to c's: a loses its conflict, c gets one; d is not judged again.
    put('b.yaml', 'b', '10.0.0.2');
    const judged = index.relink();
    assert.deepEqual([...judged.keys()].sort(), ['a.yaml', 'b.yaml', 'c.yaml']);
    assert.equal(judged.get('a.yaml'), undefined);
    assert.deepEqual(judged.get('c.yaml')?.added.map((finding) => finding.code), ['external-ip-conflict']);
  });
});
