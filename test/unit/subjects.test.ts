import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReachClass, Subject } from '../../server/src/engine/rbac/model';
import { BindingKind, classifySubject, describeSubject, parseServiceAccountUsername } from '../../server/src/engine/rbac/subjects';

const user = (name: string): Subject => ({ kind: 'User', name });
const group = (name: string): Subject => ({ kind: 'Group', name });
const serviceAccount = (name: string, namespace?: string): Subject => (namespace === undefined ? { kind: 'ServiceAccount', name } : { kind: 'ServiceAccount', name, namespace });

type Case = [subject: Subject, expected: ReachClass, bindingNamespace?: string, bindingKind?: BindingKind];

function check(cases: Case[], statusWriters: readonly string[] = []): void {
  for (const [subject, expected, bindingNamespace = 'team-a', bindingKind = 'RoleBinding'] of cases) {
    const label = `${describeSubject(subject, bindingNamespace, bindingKind)} in a ${bindingKind}${bindingKind === 'RoleBinding' ? ` of ${bindingNamespace}` : ''} is ${expected}`;
    it(label, () => assert.equal(classifySubject(subject, bindingNamespace, bindingKind, statusWriters), expected));
  }
}

describe('classifySubject: control plane', () => {
  check([
    [group('system:masters'), 'control-plane'],
    [group('system:nodes'), 'control-plane'],
    [group('system:serviceaccounts:kube-system'), 'control-plane'],
    [user('system:kube-controller-manager'), 'control-plane'],
    [user('system:kube-scheduler'), 'control-plane'],
    [user('system:kube-proxy'), 'control-plane', undefined, 'ClusterRoleBinding'],
    [user('system:apiserver'), 'control-plane'],
    [user('system:node:worker-1'), 'control-plane'],
    [serviceAccount('service-controller', 'kube-system'), 'control-plane', undefined, 'ClusterRoleBinding'],
    [serviceAccount('service-controller', 'kube-system'), 'control-plane', 'team-a'],
    // No namespace in a RoleBinding: the binding's.
    [serviceAccount('service-controller'), 'control-plane', 'kube-system'],
    [{ kind: 'ServiceAccount', name: 'service-controller', namespace: '' }, 'control-plane', 'kube-system'],
    [user('system:serviceaccount:kube-system:service-controller'), 'control-plane'],
  ]);
});

describe('classifySubject: statusWriters', () => {
  const writers = ['system:serviceaccount:metallb-system:controller', 'lb-operators', 'alice'];
  check(
    [
      [serviceAccount('controller', 'metallb-system'), 'control-plane', undefined, 'ClusterRoleBinding'],
      // The effective namespace is the binding's when the subject has none.
      [serviceAccount('controller'), 'control-plane', 'metallb-system'],
      [user('system:serviceaccount:metallb-system:controller'), 'control-plane'],
      [group('lb-operators'), 'control-plane'],
      [user('alice'), 'control-plane'],
      // A user and a group match by name, whichever kind the subject is.
      [user('lb-operators'), 'control-plane'],
      [group('alice'), 'control-plane'],
      // Other service accounts, namespaces and names are not trusted.
      [serviceAccount('controller', 'team-a'), 'workload'],
      [serviceAccount('controller'), 'workload', 'team-a'],
      [serviceAccount('speaker', 'metallb-system'), 'workload'],
      // A ServiceAccount is matched by its user name only, never by its bare name.
      [serviceAccount('alice', 'team-a'), 'workload'],
      [serviceAccount('controller'), 'workload', undefined, 'ClusterRoleBinding'],
      [user('Alice'), 'people'],
      [group('system:serviceaccounts:metallb-system'), 'broad'],
    ],
    writers,
  );

  it('vouches only for User, Group and ServiceAccount subjects', () => {
    assert.equal(classifySubject({ kind: 'user', name: 'alice' }, 'team-a', 'RoleBinding', writers), 'people');
  });

  it('an empty list trusts nobody extra', () => {
    assert.equal(classifySubject(serviceAccount('controller', 'metallb-system'), undefined, 'ClusterRoleBinding', []), 'workload');
  });
});

describe('classifySubject: broad', () => {
  check([
    [group('system:authenticated'), 'broad'],
    [group('system:unauthenticated'), 'broad', undefined, 'ClusterRoleBinding'],
    [group('system:serviceaccounts'), 'broad'],
    [group('system:serviceaccounts:team-a'), 'broad'],
    [group('system:serviceaccounts:default'), 'broad'],
    [user('system:anonymous'), 'broad'],
  ]);
});

describe('classifySubject: workload', () => {
  check([
    [serviceAccount('deployer', 'team-a'), 'workload'],
    [serviceAccount('deployer', 'team-b'), 'workload', 'kube-system'],
    [serviceAccount('deployer'), 'workload', 'team-a'],
    // A ClusterRoleBinding gives no namespace: the subject is not kube-system's.
    [serviceAccount('service-controller'), 'workload', undefined, 'ClusterRoleBinding'],
    [serviceAccount('service-controller'), 'workload', 'kube-system', 'ClusterRoleBinding'],
    [user('system:serviceaccount:team-a:deployer'), 'workload'],
  ]);
});

describe('classifySubject: people', () => {
  check([
    [user('alice'), 'people'],
    [group('developers'), 'people'],
    [group('system:monitoring'), 'people'],
    [user('system:admin'), 'people'],
    // Names are exact: case, empty node names and malformed service account user names do not count.
    [group('System:Masters'), 'people'],
    [user('system:node:'), 'people'],
    [group('system:serviceaccounts:'), 'people'],
    [user('system:serviceaccount:kube-system'), 'people'],
    [user('system:serviceaccount:kube-system:'), 'people'],
    [user('system:serviceaccount:kube-system:a:b'), 'people'],
    // A user or group that happens to be named like a ServiceAccount's group or a control-plane user.
    [group('system:kube-controller-manager'), 'people'],
    [user('system:masters'), 'people'],
    [user('system:authenticated'), 'people'],
    [group('system:anonymous'), 'people'],
    // Unknown kinds: conservative.
    [{ kind: 'user', name: 'system:kube-controller-manager' }, 'people'],
    [{ kind: 'serviceaccount', name: 'service-controller', namespace: 'kube-system' }, 'people'],
    [{ kind: '', name: 'system:masters' }, 'people'],
  ]);
});

describe('describeSubject', () => {
  it('names the kind, and the namespace of a ServiceAccount', () => {
    assert.equal(describeSubject(serviceAccount('service-controller', 'kube-system'), 'team-a', 'RoleBinding'), 'ServiceAccount kube-system/service-controller');
    assert.equal(describeSubject(serviceAccount('deployer'), 'team-a', 'RoleBinding'), 'ServiceAccount team-a/deployer');
    assert.equal(describeSubject(serviceAccount('deployer'), undefined, 'ClusterRoleBinding'), 'ServiceAccount deployer (no namespace)');
    assert.equal(describeSubject(group('system:authenticated'), undefined, 'ClusterRoleBinding'), 'Group system:authenticated');
    assert.equal(describeSubject(user('alice'), 'team-a', 'RoleBinding'), 'User alice');
    assert.equal(describeSubject({ kind: '', name: 'x' }, 'team-a', 'RoleBinding'), 'subject x');
  });
});

describe('parseServiceAccountUsername', () => {
  it('splits exactly a namespace and a name, both non-empty', () => {
    assert.deepEqual(parseServiceAccountUsername('system:serviceaccount:metallb-system:controller'), { namespace: 'metallb-system', name: 'controller' });
    for (const bad of ['system:serviceaccount:', 'system:serviceaccount:ns', 'system:serviceaccount::name', 'system:serviceaccount:ns:', 'system:serviceaccount:a:b:c', 'system:serviceaccounts:ns', 'alice']) {
      assert.equal(parseServiceAccountUsername(bad), undefined, bad);
    }
  });
});
