// The path behind a linked RBAC finding, as data: subject ← binding ← role ← aggregated roles ← rule.
// The link phase records one per finding; its messages and related locations, and the editor's hover,
// are rendered from it, so none of them is ever parsed back out of text.
import { PolicyRule, ReachClass } from '../rbac/model';
import { Range } from '../types';

/** A place in a workspace file, named as the caller named the file to the workspace index. */
export interface Located {
  file: string;
  range: Range;
}

/** A role on a path: where the workspace defines it, and whether Kubernetes' built-in policy adds to it. */
export interface RoleOnPath {
  kind: 'Role' | 'ClusterRole';
  name: string;
  /** Each workspace definition's name (a name defined twice is judged as both). */
  definitions: Located[];
  /** The built-in role of that name is part of it (a reconciled built-in, or no workspace definition at all). */
  builtin: boolean;
}

export interface BindingOnPath {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  /** The binding's name; absent for a binding of Kubernetes' built-in policy. */
  at?: Located;
}

/** A rule that grants the permission, and the aggregation that carries it to the role held. */
export interface Grant {
  /** The role the rule is written in. */
  role: RoleOnPath;
  rule: PolicyRule;
  /** Absent for a built-in role's rule. */
  at?: Located;
  /** The aggregating ClusterRoles from the role held down to `role` (exclusive), outermost first; empty when `role` is held itself. */
  through: readonly RoleOnPath[];
}

/** Someone who holds a role, and how. */
export interface Holder {
  reach: ReachClass;
  /** `Group system:authenticated`, or `every namespace admin (built-in ClusterRole admin)`, whom no binding names. */
  subject: string;
  /** The subject's entry in its binding (absent for built-in bindings). */
  at?: Located;
  binding?: BindingOnPath;
  /** The aggregating ClusterRoles from the role bound down to the role judged (exclusive), outermost first. */
  through: readonly RoleOnPath[];
}

/** The path of a binding finding (`rbac-services-status-binding`, `rbac-endpoints-write-binding`): one subject's way to the granting rules. */
export interface SubjectPath {
  kind: 'subject';
  /** What is granted, e.g. `patch/update on services/status`. */
  permission: string;
  holder: Holder & { binding: BindingOnPath };
  /** The role the binding refers to. */
  role: RoleOnPath;
  grants: Grant[];
}

/**
 * The path of a role's finding (`rbac-services-status`, `rbac-endpoints-write`): the role, the rules that grant (the finding's own rule,
 * or what an aggregationRule collects) and everyone who holds the role (none: not bound in the workspace).
 */
export interface RolePath {
  kind: 'role';
  permission: string;
  role: RoleOnPath;
  /** Where the finding is: a rule of the role, or its aggregationRule. */
  on: 'rule' | 'aggregationRule';
  grants: Grant[];
  holders: Holder[];
}

/** One finding's path, and the range a hover shows it on (the subject entry, the whole rule, the aggregationRule key). */
export type LinkedPath = (SubjectPath | RolePath) & { findingKey: string; target: Range };

// ----- words shared by messages and hovers -------------------------------------------------------

/** `in every namespace`, or `in namespace x`. */
export function bindingScope(binding: Pick<BindingOnPath, 'kind' | 'namespace'>): string {
  return binding.kind === 'ClusterRoleBinding' ? 'in every namespace' : `in namespace ${binding.namespace ?? '(the one it is applied to)'}`;
}

/** `Group x through ClusterRoleBinding b, aggregated into ClusterRole admin`, as messages name a holder. */
export function describeHolder(holder: Holder): string {
  const binding = holder.binding ? ` through ${holder.binding.kind} ${holder.binding.name}${holder.binding.at ? '' : ' (built-in)'}` : '';
  return `${holder.subject}${binding}${holder.through.map((role) => `, aggregated into ClusterRole ${role.name}`).join('')}`;
}

export function ruleText(rule: PolicyRule): string {
  return `apiGroups ${JSON.stringify(rule.apiGroups)}, resources ${JSON.stringify(rule.resources)}, verbs ${JSON.stringify(rule.verbs)}`;
}

export const REACH_NAMES: Readonly<Record<ReachClass, string>> = {
  'control-plane': 'control plane',
  broad: 'broad',
  workload: 'workload',
  people: 'people',
};
