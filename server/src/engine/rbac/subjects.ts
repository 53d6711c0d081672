// Who a binding subject is, for CVE-2020-8554: the control plane (writes Service status by design),
// a whole population, one workload's ServiceAccount, or people. Names are compared exactly, as the
// API server's RBAC authorizer compares them (case-sensitive, no normalisation).
import { ReachClass, Subject } from './model';

export type BindingKind = 'RoleBinding' | 'ClusterRoleBinding';

const KUBE_SYSTEM = 'kube-system';
const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';
const NODE_USER_PREFIX = 'system:node:';

const CONTROL_PLANE_GROUPS: ReadonlySet<string> = new Set([
  'system:masters',
  'system:nodes',
  `${SERVICE_ACCOUNT_GROUP_PREFIX}${KUBE_SYSTEM}`,
]);
const CONTROL_PLANE_USERS: ReadonlySet<string> = new Set([
  'system:kube-controller-manager',
  'system:kube-scheduler',
  'system:kube-proxy',
  'system:apiserver',
]);
const BROAD_GROUPS: ReadonlySet<string> = new Set(['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts']);
const ANONYMOUS_USER = 'system:anonymous';

/**
 * The namespace and name in a ServiceAccount's user name `system:serviceaccount:<namespace>:<name>`,
 * or undefined when `username` is not one (as the API server splits it: exactly two non-empty parts).
 */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/**
 * Whether `name` is a whole population of the cluster (every authenticated or unauthenticated user, every
 * service account, the anonymous user): never a status writer a team can trust.
 */
export function isClusterWidePopulation(name: string): boolean {
  return BROAD_GROUPS.has(name) || name === ANONYMOUS_USER;
}

/** Whether `text` claims to be a ServiceAccount user name (starts with `system:serviceaccount:`). */
export function isServiceAccountUsername(text: string): boolean {
  return text.startsWith(SERVICE_ACCOUNT_USER_PREFIX);
}

/**
 * A ServiceAccount subject's namespace: its own, else (in a RoleBinding only) the binding's. An empty
 * string counts as omitted, as the authorizer reads it. A ClusterRoleBinding gives none.
 */
function serviceAccountNamespace(subject: Subject, bindingNamespace: string | undefined, bindingKind: BindingKind): string | undefined {
  if (subject.namespace) return subject.namespace;
  return bindingKind === 'RoleBinding' && bindingNamespace ? bindingNamespace : undefined;
}

/**
 * Classifies one subject of a RoleBinding or ClusterRoleBinding. `statusWriters` (config key
 * `statusWriters`) are user and group names and `system:serviceaccount:<namespace>:<name>` names the
 * team trusts to write Service status; a subject they name is control plane.
 */
export function classifySubject(
  subject: Subject,
  bindingNamespace: string | undefined,
  bindingKind: BindingKind,
  statusWriters: readonly string[],
): ReachClass {
  const { kind, name } = subject;
  if (kind === 'ServiceAccount') {
    const namespace = serviceAccountNamespace(subject, bindingNamespace, bindingKind);
    if (namespace === undefined) return 'workload';
    if (namespace === KUBE_SYSTEM || statusWriters.includes(`${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`)) return 'control-plane';
    return 'workload';
  }
  if (kind === 'Group') {
    if (CONTROL_PLANE_GROUPS.has(name) || statusWriters.includes(name)) return 'control-plane';
    if (BROAD_GROUPS.has(name)) return 'broad';
    // One namespace's service accounts (kube-system's is control plane, above).
    if (name.startsWith(SERVICE_ACCOUNT_GROUP_PREFIX) && name.length > SERVICE_ACCOUNT_GROUP_PREFIX.length) return 'broad';
    return 'people';
  }
  if (kind === 'User') {
    if (CONTROL_PLANE_USERS.has(name) || statusWriters.includes(name)) return 'control-plane';
    if (name.startsWith(NODE_USER_PREFIX) && name.length > NODE_USER_PREFIX.length) return 'control-plane';
    if (name === ANONYMOUS_USER) return 'broad';
    const serviceAccount = parseServiceAccountUsername(name);
    if (serviceAccount) return serviceAccount.namespace === KUBE_SYSTEM ? 'control-plane' : 'workload';
    return 'people';
  }
  // Any other kind (a typo such as `user`, or a kind of the future): the API server's validation rejects
  // it and its authorizer matches no request to it, but a manifest is no proof of what a cluster
  // accepted. Conservatively it is people, so a grant to it is still reported, and statusWriters
  // (names of users, groups and service accounts) does not vouch for it.
  return 'people';
}

/** The subject for messages: `ServiceAccount kube-system/service-controller`, `Group system:authenticated`, `User alice`. */
export function describeSubject(subject: Subject, bindingNamespace: string | undefined, bindingKind: BindingKind): string {
  if (subject.kind === 'ServiceAccount') {
    const namespace = serviceAccountNamespace(subject, bindingNamespace, bindingKind);
    return namespace === undefined ? `ServiceAccount ${subject.name} (no namespace)` : `ServiceAccount ${namespace}/${subject.name}`;
  }
  return `${subject.kind || 'subject'} ${subject.name}`;
}

/**
 * The class of the user who made an API request (an audit event's `user`, or its `impersonatedUser`): the
 * class of its user name as a User subject, or control plane when one of its groups is. The same table as
 * for binding subjects, so the audit-log reader and the editor trust the same status writers.
 */
export function classifyRequestUser(username: string, groups: readonly string[], statusWriters: readonly string[]): ReachClass {
  const asUser = classifySubject({ kind: 'User', name: username }, undefined, 'ClusterRoleBinding', statusWriters);
  if (asUser === 'control-plane') return asUser;
  const viaGroup = groups.some((group) => classifySubject({ kind: 'Group', name: group }, undefined, 'ClusterRoleBinding', statusWriters) === 'control-plane');
  return viaGroup ? 'control-plane' : asUser;
}
