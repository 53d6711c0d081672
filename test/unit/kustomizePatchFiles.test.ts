// Kustomize patch files (`path:`) judged with the target of the kustomizations that refer to them (issue 13):
// workspaces written to a real folder, each file analysed as the CLI and the server do and linked; where
// `kubectl kustomize` is installed, it renders the same overlay to the objects the findings describe.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { analyzeText, applyLink, EngineOptions, fileContextOf, Finding, WorkspaceIndex } from '../../server/src/engine';
import { yaml } from '../support/engine';
import { TempDir } from '../support/tempDir';

const OPTIONS: EngineOptions = { allowedCidrs: [], rules: {} };
const temps: TempDir[] = [];
after(() => {
  for (const dir of temps) dir.dispose();
});

/** Writes `files` into a fresh folder, analyses and links them; each file's findings (relative path → findings), and the folder. */
function checkTree(files: Record<string, string>, options: EngineOptions = OPTIONS): { findings: Record<string, Finding[]>; dir: TempDir } {
  const dir = new TempDir(files, 'kmg-patchfiles-');
  temps.push(dir);
  const index = new WorkspaceIndex();
  const local = new Map<string, Finding[]>();
  for (const relative of Object.keys(files)) {
    const result = analyzeText(files[relative], options, undefined, fileContextOf(dir.path(relative), files[relative]));
    local.set(relative, result.findings);
    index.set(dir.path(relative), result.facts, options);
  }
  const links = index.link();
  const findings = Object.fromEntries([...local].map(([relative, found]) => [relative, applyLink(found, links.get(dir.path(relative)))]));
  return { findings, dir };
}

/** `code line:character` of each finding (1-based lines). */
function at(findings: readonly Finding[] | undefined): string[] {
  return (findings ?? []).map((finding) => `${finding.code} ${finding.range.start.line + 1}:${finding.range.start.character}`);
}

const KUSTOMIZATION_HEAD = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources: [../base]'];
const SERVICE_OPS = yaml('- op: add', '  path: /spec/externalIPs', '  value:', '  - 8.8.8.8');
const ROLE_OPS = yaml('- op: add', '  path: /rules/-', '  value:', '    apiGroups: [""]', '    resources: [services/status]', '    verbs: [patch]');
const BASE = {
  'base/kustomization.yaml': yaml('resources: [service.yaml, role.yaml, config.yaml]'),
  'base/service.yaml': yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', '  ports: [{port: 80}]'),
  'base/role.yaml': yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata: {name: editor}', 'rules: []'),
  'base/config.yaml': yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: cfg}', 'data: {a: b}'),
};

function kustomization(...lines: string[]): string {
  return yaml(...KUSTOMIZATION_HEAD, ...lines);
}

describe('Kustomize patch files judged with their kustomization target', () => {
  it('judges an operation list alone by its paths, and under a ConfigMap target not at all', () => {
    const alone = checkTree({ 'overlay/ops.yaml': SERVICE_OPS }).findings;
    assert.deepEqual(at(alone['overlay/ops.yaml']), ['external-ips 4:4']);
    const { findings } = checkTree({ ...BASE, 'overlay/kustomization.yaml': kustomization('patches:', '- path: ops.yaml', '  target: {kind: ConfigMap, name: cfg}'), 'overlay/ops.yaml': SERVICE_OPS });
    assert.deepEqual(at(findings['overlay/ops.yaml']), []);
  });

  it('keeps a Service target\'s finding, naming the kustomization, with the path entry related', () => {
    const { findings, dir } = checkTree({
      ...BASE,
      'overlay/kustomization.yaml': kustomization('patches:', '- path: patches/ops.yaml', '  target:', '    kind: Service', '    name: web'),
      'overlay/patches/ops.yaml': SERVICE_OPS,
    });
    const [finding] = findings['overlay/patches/ops.yaml'];
    assert.deepEqual(at([finding]), ['external-ips 4:4']);
    assert.match(finding.message, /applied by the kustomization \.\.\/kustomization\.yaml through its patches entry \(target: Service, name web\)/);
    // The path entry, then the Service the target selects in the overlay's resources chain (../base, a folder with its kustomization).
    assert.deepEqual(
      finding.related?.map((related) => [related.file, related.range.start.line, related.message]),
      [
        [dir.path('overlay/kustomization.yaml'), 4, 'applies this patch file (target: Service, name web)'],
        [dir.path('base/service.yaml'), 2, 'the Service web this patch file is applied to (in the resources of ../overlay/kustomization.yaml)'],
      ],
    );
    assert.deepEqual(at(findings['overlay/kustomization.yaml']), []);
  });

  it('relates an inline patch\'s findings to the object its target selects in the resources chain', () => {
    const { findings, dir } = checkTree({
      ...BASE,
      'overlay/kustomization.yaml': kustomization('patches:', '- target: {kind: Service, name: web}', '  patch: |-', '    - op: add', '      path: /spec/externalIPs/-', '      value: 8.8.8.8'),
    });
    const [finding] = findings['overlay/kustomization.yaml'];
    assert.deepEqual(at([finding]), ['external-ips 9:13']);
    assert.doesNotMatch(finding.message, /applied by/);
    assert.deepEqual(
      finding.related?.map((related) => [related.file, related.range.start.line, related.message]),
      [[dir.path('base/service.yaml'), 2, 'the Service web this patch is applied to (in the resources of ../overlay/kustomization.yaml)']],
    );
  });

  it('finds the patched object through the resources chain by kind, name and namespace, and ends on cycles', () => {
    const role = (name: string, namespace: string) => yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', `metadata: {name: ${name}, namespace: ${namespace}}`, 'rules: []');
    const relatedOf = (target: string) => {
      const { findings, dir } = checkTree({
        'base/kustomization.yml': yaml('resources: [roles/, ../overlay]'),
        'base/roles/Kustomization': yaml('resources:', '- editor.yaml', '- viewer.yaml'),
        'base/roles/editor.yaml': role('editor', 'team-a'),
        'base/roles/viewer.yaml': role('viewer', 'team-b'),
        'overlay/kustomization.yaml': kustomization('patches:', '- path: role-ops.yaml', `  target: ${target}`),
        'overlay/role-ops.yaml': ROLE_OPS,
      });
      return (findings['overlay/role-ops.yaml'][0]?.related ?? []).slice(1).map((related) => `${(related.file ?? '').slice(dir.root.length + 1)}:${related.range.start.line}`);
    };
    assert.deepEqual(relatedOf('{kind: Role, name: editor}'), ['base/roles/editor.yaml:2']);
    assert.deepEqual(relatedOf('{kind: Role, name: "e.*|viewer"}'), ['base/roles/editor.yaml:2', 'base/roles/viewer.yaml:2']);
    assert.deepEqual(relatedOf('{kind: Role, namespace: team-b}'), ['base/roles/viewer.yaml:2']);
    assert.deepEqual(relatedOf('{kind: ClusterRole, name: editor}'), []);
    // A pattern that could backtrack for long is compared as written.
    assert.deepEqual(relatedOf('{kind: Role, name: "(e+)+"}'), []);
  });

  it('judges `/rules` operations under a Role or ClusterRole target, which the file alone does not', () => {
    assert.deepEqual(at(checkTree({ 'overlay/role-ops.yaml': ROLE_OPS }).findings['overlay/role-ops.yaml']), []);
    const { findings } = checkTree({
      ...BASE,
      'overlay/kustomization.yaml': kustomization('patchesJson6902:', '- target: {group: rbac.authorization.k8s.io, version: v1, kind: Role, name: editor}', '  path: role-ops.yaml'),
      'overlay/role-ops.yaml': ROLE_OPS,
    });
    const [finding] = findings['overlay/role-ops.yaml'];
    assert.deepEqual(at([finding]), ['rbac-services-status 5:16']);
    assert.match(finding.message, /adds to a Role/);
    assert.match(finding.message, /patchesJson6902 entry \(target: Role, name editor\)/);
    // A Role of another group is not a role.
    const other = checkTree({
      'overlay/kustomization.yaml': kustomization('patches:', '- path: role-ops.yaml', '  target: {group: example.com, kind: Role}'),
      'overlay/role-ops.yaml': ROLE_OPS,
    }).findings;
    assert.deepEqual(at(other['overlay/role-ops.yaml']), []);
  });

  it('judges a strategic merge patch file as its target\'s kind, and as written without one', () => {
    const rules = yaml('metadata: {name: editor}', 'rules:', '- apiGroups: [""]', '  resources: [services/status]', '  verbs: [update]');
    const partialService = yaml('metadata: {name: web}', 'spec:', '  externalIPs: [8.8.8.8]');
    const { findings } = checkTree({
      ...BASE,
      'overlay/kustomization.yaml': kustomization(
        'patches:',
        '- path: rules.yaml',
        '  target: {kind: ClusterRole}',
        '- path: deployment.yaml',
        '  target: {kind: Deployment}',
        'patchesStrategicMerge:',
        '- service.yaml',
      ),
      'overlay/rules.yaml': rules,
      'overlay/deployment.yaml': partialService,
      'overlay/service.yaml': partialService,
    });
    assert.deepEqual(at(findings['overlay/rules.yaml']), ['rbac-services-status 4:14']);
    assert.deepEqual(at(findings['overlay/deployment.yaml']), []);
    assert.deepEqual(at(findings['overlay/service.yaml']), ['external-ips-deprecated 3:2', 'external-ips 3:16']);
    for (const kept of findings['overlay/service.yaml']) assert.match(kept.message, /patchesStrategicMerge entry\./);
  });

  it('judges a file two kustomizations refer to under each target, each finding once; only non-matching targets give nothing', () => {
    const both = checkTree({
      'a/kustomization.yaml': kustomization('patches:', '- path: ../shared/ops.yaml', '  target: {kind: ConfigMap}'),
      'b/kustomization.yaml': kustomization('patches:', '- path: ../shared/ops.yaml', '  target: {kind: Service}', '- path: ../shared/ops.yaml', '  target: {name: web}'),
      'shared/ops.yaml': SERVICE_OPS,
    });
    const [finding, ...rest] = both.findings['shared/ops.yaml'];
    assert.equal(rest.length, 0);
    assert.match(finding.message, /\.\.\/b\/kustomization\.yaml through its patches entry \(target: Service\) and 1 other reference\./);
    assert.deepEqual(finding.related?.map((related) => related.range.start.line), [4, 6]);
    const none = checkTree({
      'a/kustomization.yaml': kustomization('patches:', '- path: ../shared/ops.yaml', '  target: {kind: ConfigMap}'),
      'b/kustomization.yaml': kustomization('patches:', '- path: ../shared/ops.yaml', '  target: {kind: Deployment}'),
      'shared/ops.yaml': SERVICE_OPS,
    });
    assert.deepEqual(at(none.findings['shared/ops.yaml']), []);
  });

  it('follows the patch file\'s own suppression comments and configured severities', () => {
    const suppressed = yaml('# kube-mitm-guard-disable-file rbac-services-status', ...ROLE_OPS.trimEnd().split('\n'));
    const { findings } = checkTree({ 'k/kustomization.yaml': kustomization('patches:', '- path: ops.yaml', '  target: {kind: Role}'), 'k/ops.yaml': suppressed });
    assert.deepEqual(at(findings['k/ops.yaml']), []);
    const configured = checkTree(
      { 'k/kustomization.yaml': kustomization('patches:', '- path: ops.yaml', '  target: {kind: Role}'), 'k/ops.yaml': ROLE_OPS },
      { allowedCidrs: [], rules: { 'rbac-services-status': 'information' } },
    ).findings;
    assert.deepEqual(configured['k/ops.yaml'].map((finding) => finding.severity), ['information']);
  });

  it('re-judges the patch file when its kustomization\'s target changes, and the kustomization when it appears', () => {
    const dir = new TempDir({}, 'kmg-patchfiles-');
    temps.push(dir);
    const index = new WorkspaceIndex();
    const set = (relative: string, text: string) => index.set(dir.path(relative), analyzeText(text, OPTIONS).facts, OPTIONS);
    const ops = analyzeText(ROLE_OPS, OPTIONS);
    set('k/ops.yaml', ROLE_OPS);
    assert.deepEqual(at(applyLink(ops.findings, index.link().get(dir.path('k/ops.yaml')))), []);
    set('k/kustomization.yaml', kustomization('patches:', '- path: ops.yaml', '  target: {kind: ClusterRole}'));
    const judged = index.relink();
    assert.ok(judged.has(dir.path('k/ops.yaml')));
    assert.deepEqual(at(applyLink(ops.findings, judged.get(dir.path('k/ops.yaml')))), ['rbac-services-status 5:16']);
    set('k/kustomization.yaml', kustomization('patches:', '- path: ops.yaml', '  target: {kind: ConfigMap}'));
    const again = index.relink();
    assert.ok(again.has(dir.path('k/ops.yaml')));
    assert.deepEqual(at(applyLink(ops.findings, again.get(dir.path('k/ops.yaml')))), []);
  });

  it('adds the rules a patch file writes into a role to that role\'s grants: its bindings are judged with them', () => {
    const binding = (kind: string, role: string) =>
      yaml(
        'apiVersion: rbac.authorization.k8s.io/v1',
        `kind: ${kind}Binding`,
        'metadata: {name: b, namespace: team-a}',
        `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${kind}, name: ${role}}`,
        'subjects:',
        '- {kind: Group, name: system:authenticated}',
      );
    const { findings, dir } = checkTree({
      ...BASE,
      'overlay/kustomization.yaml': kustomization(
        'patches:',
        '- path: role-ops.yaml',
        '  target: {kind: Role, name: editor}',
        '- path: cluster-rules.yaml',
        '  target: {kind: ClusterRole, name: lb-writer}',
        '- path: role-ops.yaml',
        '  target: {kind: Role, name: "ed.*"}',
      ),
      'overlay/role-ops.yaml': ROLE_OPS,
      'overlay/cluster-rules.yaml': yaml('metadata: {name: lb-writer}', 'rules:', '- apiGroups: [""]', '  resources: [services/status]', '  verbs: [update]'),
      'rbac/editor-binding.yaml': binding('Role', 'editor'),
      'rbac/lb-binding.yaml': binding('ClusterRole', 'lb-writer'),
      'rbac/other-binding.yaml': binding('Role', 'other'),
    });
    const [onRole] = findings['rbac/editor-binding.yaml'];
    assert.deepEqual(at([onRole]), ['rbac-services-status-binding 6:2']);
    assert.match(onRole.message, /Group system:authenticated gets patch\/update on services\/status in namespace team-a through RoleBinding b → Role editor\./);
    assert.deepEqual(onRole.related?.map((related) => [related.file, related.range.start.line]), [[dir.path('overlay/role-ops.yaml'), 3]]);
    assert.deepEqual(at(findings['rbac/lb-binding.yaml']), ['rbac-services-status-binding 6:2']);
    assert.deepEqual(at(findings['rbac/other-binding.yaml']), []);
  });

  it('adds the rules an inline patch writes into a role to that role\'s grants', () => {
    const { findings, dir } = checkTree({
      'overlay/kustomization.yaml': kustomization(
        'patches:',
        '- target: {kind: ClusterRole, name: lb-writer}',
        '  patch: |-',
        '    - op: add',
        '      path: /rules/-',
        '      value: {apiGroups: [""], resources: ["*"], verbs: ["*"]}',
      ),
      'rbac/binding.yaml': yaml(
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRoleBinding',
        'metadata: {name: b}',
        'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: lb-writer}',
        'subjects:',
        '- {kind: User, name: alice}',
      ),
    });
    assert.deepEqual(at(findings['overlay/kustomization.yaml']), ['rbac-services-status 9:43']);
    // `*` grants both permissions the link judges.
    assert.deepEqual(at(findings['rbac/binding.yaml']), ['rbac-endpoints-write-binding 6:2', 'rbac-services-status-binding 6:2']);
    const onBinding = findings['rbac/binding.yaml'][1];
    const [related] = onBinding.related ?? [];
    assert.equal(related.file, dir.path('overlay/kustomization.yaml'));
    assert.deepEqual(related.range.start, { line: 8, character: 13 });
  });

  it('reads a kustomization without apiVersion by its file name, past the pre-check', () => {
    const kindless = yaml('resources: [../base]', 'patches:', '- path: ops.yaml', '  target:', '    kind: ConfigMap');
    assert.deepEqual(at(checkTree({ 'k/kustomization.yaml': kindless, 'k/ops.yaml': SERVICE_OPS }).findings['k/ops.yaml']), []);
    assert.deepEqual(at(checkTree({ 'k/Kustomization': kindless, 'k/ops.yaml': SERVICE_OPS }).findings['k/ops.yaml']), []);
    // Named otherwise it is no kustomization to kustomize, and the pre-check lets it go.
    assert.deepEqual(at(checkTree({ 'k/other.yaml': kindless, 'k/ops.yaml': SERVICE_OPS }).findings['k/ops.yaml']), ['external-ips 4:4']);
  });

  it('names files by URI as the server does', () => {
    const index = new WorkspaceIndex();
    const kustomizationUri = 'file:///work/repo/overlay/kustomization.yaml';
    const opsUri = 'file:///work/repo/overlay/patch%20files/ops.yaml';
    const text = kustomization('patches:', '- path: patch files/ops.yaml', '  target: {kind: ConfigMap}');
    index.set(kustomizationUri, analyzeText(text, OPTIONS).facts, OPTIONS);
    const ops = analyzeText(SERVICE_OPS, OPTIONS);
    index.set(opsUri, ops.facts, OPTIONS);
    assert.deepEqual(at(applyLink(ops.findings, index.link().get(opsUri))), []);
  });
});

function kubectlWorks(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe('patch files rendered by kubectl kustomize', { skip: kubectlWorks() ? false : 'kubectl is not installed: the comparison with the real renderer is skipped' }, () => {
  it('renders the rule a Role target\'s operation file adds and the externalIPs a Service target\'s file adds', () => {
    const { findings, dir } = checkTree({
      ...BASE,
      'overlay/kustomization.yaml': kustomization('patches:', '- path: role-ops.yaml', '  target: {kind: Role, name: editor}', '- path: ops.yaml', '  target: {kind: Service, name: web}'),
      'overlay/role-ops.yaml': ROLE_OPS,
      'overlay/ops.yaml': SERVICE_OPS,
    });
    const rendered = execFileSync('kubectl', ['kustomize', dir.path('overlay')], { encoding: 'utf8', timeout: 60_000 });
    assert.match(rendered, /kind: Role\nmetadata:\n  name: editor\nrules:\n- apiGroups:\n  - ""\n  resources:\n  - services\/status\n  verbs:\n  - patch\n/);
    assert.match(rendered, /externalIPs:\n  - 8\.8\.8\.8\n/);
    assert.deepEqual(at(findings['overlay/role-ops.yaml']), ['rbac-services-status 5:16']);
    assert.deepEqual(at(findings['overlay/ops.yaml']), ['external-ips 4:4']);
  });
});
