// The built-in RBAC policy table (server/src/engine/rbac/builtinPolicy.ts): facts about Kubernetes' bootstrap
// policy that the analysis relies on, and, when the bootstrap data sits next to the repository as
// ../shared/corpus/rbac-bootstrap, that the committed table is exactly what the generator makes of it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILTIN_BINDINGS, BUILTIN_CLUSTER_ROLES, BUILTIN_ROLES, BuiltinClusterRole } from '../../server/src/engine/rbac/builtinPolicy';
import { REPO_ROOT } from '../support/engine';
import { TempDir } from '../support/tempDir';

const DATA = path.resolve(REPO_ROOT, '../shared/corpus/rbac-bootstrap');
const TABLE = path.join(REPO_ROOT, 'server/src/engine/rbac/builtinPolicy.ts');

function clusterRole(name: string): BuiltinClusterRole {
  const role = BUILTIN_CLUSTER_ROLES.find((candidate) => candidate.name === name);
  assert.ok(role, `no built-in ClusterRole ${name}`);
  return role;
}

describe('built-in RBAC policy: generated from the bootstrap data', () => {
  it('the committed table is what scripts/generate-builtin-rbac.mjs makes of the data', (t) => {
    if (!fs.existsSync(DATA)) {
      t.skip(`bootstrap RBAC data not found at ${DATA} (it sits next to the repository as ../shared/corpus/rbac-bootstrap)`);
      return;
    }
    const temp = new TempDir();
    try {
      const out = temp.path('builtinPolicy.ts');
      const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/generate-builtin-rbac.mjs'), DATA, '--out', out], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(run.status, 0, `the generator failed:\n${run.stderr}`);
      assert.ok(fs.readFileSync(out).equals(fs.readFileSync(TABLE)), 'builtinPolicy.ts differs from the data: run `npm run generate:builtin-rbac` and commit the result');
    } finally {
      temp.dispose();
    }
  });
});

describe('built-in RBAC policy: facts', () => {
  it('admin, edit and view aggregate on their aggregate-to labels', () => {
    for (const name of ['admin', 'edit', 'view']) {
      assert.deepEqual(clusterRole(name).aggregationSelectors, [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${name}`]: 'true' }, matchExpressions: [] }], name);
    }
  });

  it('edit aggregates into admin and view into edit', () => {
    assert.equal(clusterRole('edit').labels['rbac.authorization.k8s.io/aggregate-to-admin'], 'true');
    assert.equal(clusterRole('view').labels['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
  });

  it('only roles with an aggregationRule carry aggregationSelectors', () => {
    for (const role of BUILTIN_CLUSTER_ROLES) {
      if (role.aggregationSelectors === undefined) assert.ok(!('aggregationSelectors' in role), role.name);
      else assert.ok(role.aggregationSelectors.length > 0, role.name);
    }
  });

  it('cluster-admin grants every verb on every resource of every group', () => {
    assert.ok(clusterRole('cluster-admin').rules.some((rule) => rule.apiGroups.includes('*') && rule.resources.includes('*') && rule.verbs.includes('*')));
  });

  it('the service controller may patch and update services/status in the core group', () => {
    const rules = clusterRole('system:controller:service-controller').rules.filter((rule) => rule.apiGroups.includes('') && rule.resources.includes('services/status'));
    const verbs = new Set(rules.flatMap((rule) => rule.verbs));
    assert.ok(verbs.has('patch') && verbs.has('update'), `verbs on services/status: ${[...verbs].join(', ')}`);
  });

  it('the service controller role is bound to the kube-system service-controller ServiceAccount', () => {
    const bindings = BUILTIN_BINDINGS.filter((binding) => binding.kind === 'ClusterRoleBinding' && binding.roleRef.kind === 'ClusterRole' && binding.roleRef.name === 'system:controller:service-controller');
    assert.ok(bindings.some((binding) => binding.subjects.some((subject) => subject.kind === 'ServiceAccount' && subject.name === 'service-controller' && subject.namespace === 'kube-system')));
  });

  it('cluster-admin is bound to the system:masters group', () => {
    const bindings = BUILTIN_BINDINGS.filter((binding) => binding.kind === 'ClusterRoleBinding' && binding.roleRef.name === 'cluster-admin');
    assert.ok(bindings.some((binding) => binding.subjects.some((subject) => subject.kind === 'Group' && subject.name === 'system:masters')));
  });

  it('there are RoleBindings in kube-system, and every RoleBinding has a namespace and every ClusterRoleBinding none', () => {
    assert.ok(BUILTIN_BINDINGS.some((binding) => binding.kind === 'RoleBinding' && binding.namespace === 'kube-system'));
    for (const binding of BUILTIN_BINDINGS) assert.equal(binding.namespace !== undefined, binding.kind === 'RoleBinding', binding.name);
    assert.ok(BUILTIN_ROLES.some((role) => role.namespace === 'kube-system'));
  });

  it('no rule has an empty verbs, apiGroups or resources list', () => {
    for (const role of [...BUILTIN_CLUSTER_ROLES, ...BUILTIN_ROLES]) {
      for (const rule of role.rules) {
        assert.ok(rule.verbs.length > 0, `${role.name}: a rule without verbs`);
        assert.ok(rule.apiGroups.length > 0 && rule.resources.length > 0, `${role.name}: a rule without groups or resources`);
      }
    }
  });
});
