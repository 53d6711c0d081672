// The RBAC vocabulary shared by the built-in policy table, the facts extracted from manifests and the
// link phase: plain data, no YAML nodes, so it crosses worker threads and is easy to test.

/** One rule of a Role or ClusterRole (resource rules only: non-resource URLs never reach a Service). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Narrows the grant to these names but still grants it. */
  resourceNames?: string[];
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** A `clusterRoleSelectors` entry: `matchLabels` and every `matchExpressions` entry are ANDed. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

/** A binding subject as written (`kind` is `User`, `Group` or `ServiceAccount` in valid objects). */
export interface Subject {
  kind: string;
  name: string;
  /** ServiceAccounts only; a RoleBinding's own namespace when omitted. */
  namespace?: string;
}

export interface RoleRef {
  kind: string;
  name: string;
}

/**
 * Who a subject is, for CVE-2020-8554: `control-plane` subjects write Service status by design and are
 * not reported; `broad` subjects are whole populations (every authenticated user, every service
 * account); `workload` is one ServiceAccount outside kube-system; `people` is every other User or Group.
 */
export type ReachClass = 'control-plane' | 'broad' | 'workload' | 'people';

/** The annotation that stops the API server from reconciling a built-in role back to its defaults. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
