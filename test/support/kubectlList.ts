// Cluster exports as `kubectl get … -o yaml` prints them (one `kind: List`), built from the same objects the
// tests also write one per file, and the positions that relate the two.
import { Range } from '../../server/src/engine/types';
import { yaml } from './engine';

/** The objects (each a block-style YAML text) as the items of one `kind: List`, as kubectl prints it. */
export function kubectlList(objects: readonly string[]): string {
  const items = objects.map((object) =>
    object
      .replace(/\n$/, '')
      .split('\n')
      .map((line, index) => (index === 0 ? `- ${line}` : line === '' ? '' : `  ${line}`))
      .join('\n'),
  );
  return `apiVersion: v1\nitems:\n${items.join('\n')}\nkind: List\nmetadata:\n  resourceVersion: ""\n`;
}

/** Where a range of `kubectlList(objects)` is in the object it belongs to: its index and the range in its own text. */
export function objectRange(objects: readonly string[], range: Range): { object: number; range: Range } {
  let firstLine = 2; // after `apiVersion: v1` and `items:`
  for (let object = 0; object < objects.length; object++) {
    const lines = objects[object].replace(/\n$/, '').split('\n').length;
    if (range.start.line < firstLine + lines) {
      const move = (position: Range['start']) => ({ line: position.line - firstLine, character: position.character - 2 });
      return { object, range: { start: move(range.start), end: move(range.end) } };
    }
    firstLine += lines;
  }
  throw new Error(`line ${range.start.line} is after the items`);
}

/** What a live object carries besides its manifest (kubectl prints keys sorted; these come first in `metadata`). */
function liveMetadata(name: string, namespace: string | undefined, index: number): string[] {
  return [
    'metadata:',
    '  creationTimestamp: "2025-03-14T09:26:53Z"',
    '  managedFields:',
    '  - apiVersion: v1',
    '    fieldsType: FieldsV1',
    '    fieldsV1:',
    '      f:metadata:',
    '        f:labels:',
    '          .: {}',
    '    manager: kubectl-client-side-apply',
    '    operation: Update',
    '    time: "2025-03-14T09:26:53Z"',
    `  name: ${name}`,
    ...(namespace === undefined ? [] : [`  namespace: ${namespace}`]),
    `  resourceVersion: "${4000 + index}"`,
    `  uid: 3f6d2a1c-0000-4000-8000-${String(index).padStart(12, '0')}`,
  ];
}

/** A Service as kubectl prints it; `live: false` leaves out uid and resourceVersion (a manifest, not a read-back). */
export function kubectlService(index: number, options: { externalIPs?: string[]; ingress?: string; live?: boolean }): string {
  const metadata = liveMetadata(`svc-${index}`, 'team-a', index).filter((line) => options.live !== false || !/^ {2}(resourceVersion|uid):/.test(line));
  return yaml(
    'apiVersion: v1',
    'kind: Service',
    ...metadata,
    'spec:',
    '  clusterIP: 10.96.0.10',
    ...(options.externalIPs ? ['  externalIPs:', ...options.externalIPs.map((ip) => `  - ${ip}`)] : []),
    '  ports:',
    '  - port: 443',
    '    protocol: TCP',
    '    targetPort: 8443',
    `  type: ${options.ingress ? 'LoadBalancer' : 'ClusterIP'}`,
    'status:',
    '  loadBalancer:',
    ...(options.ingress ? ['    ingress:', `    - ip: ${options.ingress}`] : ['    {}']),
  );
}

/** A ClusterRole or Role as kubectl prints it; `grantsStatus` adds a rule with patch on services/status. */
export function kubectlRole(index: number, options: { namespace?: string; grantsStatus?: boolean; aggregateToView?: boolean }): string {
  const metadata = liveMetadata(`role-${index}`, options.namespace, index);
  if (options.aggregateToView) metadata.splice(1, 0, '  labels:', '    rbac.authorization.k8s.io/aggregate-to-view: "true"');
  return yaml(
    'apiVersion: rbac.authorization.k8s.io/v1',
    `kind: ${options.namespace === undefined ? 'ClusterRole' : 'Role'}`,
    ...metadata,
    'rules:',
    '- apiGroups:',
    '  - ""',
    '  resources:',
    '  - configmaps',
    '  verbs:',
    '  - get',
    ...(options.grantsStatus ? ['- apiGroups:', '  - ""', '  resources:', '  - services/status', '  verbs:', '  - patch'] : []),
  );
}

/** A ClusterRoleBinding or RoleBinding of `role-<roleIndex>` to the subjects (each a block-style mapping's lines). */
export function kubectlBinding(index: number, roleIndex: number, subjects: string[][], namespace?: string): string {
  const cluster = namespace === undefined;
  return yaml(
    'apiVersion: rbac.authorization.k8s.io/v1',
    `kind: ${cluster ? 'ClusterRoleBinding' : 'RoleBinding'}`,
    ...liveMetadata(`binding-${index}`, namespace, index),
    'roleRef:',
    '  apiGroup: rbac.authorization.k8s.io',
    `  kind: ${cluster ? 'ClusterRole' : 'Role'}`,
    `  name: role-${roleIndex}`,
    'subjects:',
    ...subjects.flatMap((subject) => subject.map((line, at) => `${at === 0 ? '- ' : '  '}${line}`)),
  );
}

export const USER_ALICE = ['apiGroup: rbac.authorization.k8s.io', 'kind: User', 'name: alice'];
export const ALL_AUTHENTICATED = ['apiGroup: rbac.authorization.k8s.io', 'kind: Group', 'name: system:authenticated'];
export const WORKLOAD = ['kind: ServiceAccount', 'name: app', 'namespace: team-a'];
export const CONTROLLER = ['kind: ServiceAccount', 'name: service-controller', 'namespace: kube-system'];

/** The objects of `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml` for the tests. */
export function rbacExportObjects(): string[] {
  return [
    kubectlRole(0, { grantsStatus: true }),
    kubectlRole(1, { grantsStatus: true, aggregateToView: true }),
    kubectlRole(2, {}),
    kubectlRole(3, { grantsStatus: true }),
    kubectlRole(4, { namespace: 'team-a', grantsStatus: true }),
    kubectlBinding(5, 0, [USER_ALICE, WORKLOAD]),
    kubectlBinding(6, 2, [ALL_AUTHENTICATED]),
    kubectlBinding(7, 3, [CONTROLLER]),
    kubectlBinding(8, 4, [WORKLOAD], 'team-a'),
    kubectlBinding(9, 0, [ALL_AUTHENTICATED]),
  ];
}

/** The objects of `kubectl get services -A -o yaml` for the tests: live ones, and one manifest-like one. */
export function serviceExportObjects(): string[] {
  return [
    kubectlService(0, {}),
    kubectlService(1, { externalIPs: ['8.8.8.8', '10.0.0.1'] }),
    kubectlService(2, { ingress: '203.0.113.7' }),
    kubectlService(3, { ingress: '203.0.113.8', live: false }),
    kubectlService(4, { externalIPs: ['010.1.1.1'], ingress: '203.0.113.9', live: false }),
  ];
}
