// RBAC manifests the link-phase tests share: a ClusterRole that grants patch on services/status, and
// ClusterRoleBindings of a role to some subjects (each written as a flow map).
import { yaml } from './engine';

export const STATUS_WRITER_ROLE = yaml(
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: ClusterRole',
  'metadata:',
  '  name: lb-status',
  'rules:',
  '- apiGroups: [""]',
  '  resources: [services/status]',
  '  verbs: [patch]',
);

/** A ClusterRoleBinding named `bind`; its subjects start on line 6 (0-based). */
export function clusterRoleBinding(role: string, ...subjects: string[]): string {
  return yaml(
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: ClusterRoleBinding',
    'metadata:',
    '  name: bind',
    'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ' + role + '}',
    'subjects:',
    ...subjects.map((subject) => `- ${subject}`),
  );
}
