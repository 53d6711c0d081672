// RBAC matching as Kubernetes' authorizer does it (pkg/apis/rbac/v1/evaluation_helpers.go): within one
// rule, the group, the resource and the verb must each match, exactly or through `*`. Verbs, resources
// and groups of different rules never combine.
import { LabelSelector, PolicyRule } from './model';

/** A request shape to look for: one resource (`services/status`) in one API group, any of `verbs`. */
export interface ResourceAccess {
  group: string;
  /** `resource` or `resource/subresource`. */
  resource: string;
  verbs: readonly string[];
}

/** The entries of each list of `rule` that grant `permission`, or undefined when the rule does not grant it. */
export interface Grant {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * What `rule` grants of any of `accesses`: the entries of each list that grant one of them (each access
 * matched within the rule on its own, as the authorizer matches one request), or undefined when it
 * grants none.
 */
export function grantOf(rule: PolicyRule, accesses: readonly ResourceAccess[]): Grant | undefined {
  let merged: Grant | undefined;
  for (const access of accesses) {
    const grant = accessGrant(rule, access);
    if (!grant) continue;
    merged = merged
      ? { apiGroups: unique([...merged.apiGroups, ...grant.apiGroups]), resources: unique([...merged.resources, ...grant.resources]), verbs: unique([...merged.verbs, ...grant.verbs]) }
      : grant;
  }
  return merged;
}

/** The entries of each list of `rule` that grant `access`, or undefined when the rule does not grant it. */
export function accessGrant(rule: PolicyRule, access: ResourceAccess): Grant | undefined {
  const apiGroups = unique(rule.apiGroups.filter((group) => group === '*' || group === access.group));
  if (apiGroups.length === 0) return undefined;
  const resources = unique(rule.resources.filter((resource) => resourceMatches(resource, access.resource)));
  if (resources.length === 0) return undefined;
  const verbs = unique(rule.verbs.filter((verb) => verb === '*' || access.verbs.includes(verb)));
  if (verbs.length === 0) return undefined;
  return { apiGroups, resources, verbs };
}

// `*` matches every resource; `*/status` matches any resource's status; `services/*` is no wildcard.
function resourceMatches(ruleResource: string, requested: string): boolean {
  if (ruleResource === '*' || ruleResource === requested) return true;
  const slash = requested.indexOf('/');
  return slash !== -1 && ruleResource === `*/${requested.slice(slash + 1)}`;
}

/** Label selector semantics (apimachinery labels.Selector): matchLabels and every expression ANDed. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) if (labels[key] !== value) return false;
  for (const requirement of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
    const value = has ? labels[requirement.key] : undefined;
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        // A role without the key matches NotIn.
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
