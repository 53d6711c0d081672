// What the RBAC rule modules share: a check that reports each Role or ClusterRole rule granting one
// permission (rbac/permissions.ts), judged as Kubernetes' RBAC authorizer does
// (pkg/apis/rbac/v1/evaluation_helpers.go: within one rule, the group, the resource and the verb must
// each match, exactly or by `*`), and the trigger words of the roles and bindings the link phase needs.
import { isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { isObjectOf, ManifestObject } from '../manifests';
import { childMaps, Located, mapValues, scalarString, sequenceItems, stringListValues } from '../yamlModel';
import { BUILTIN_CLUSTER_ROLES } from '../rbac/builtinPolicy';
import { accessGrant, Grant, grantOf } from '../rbac/matching';
import { PolicyRule } from '../rbac/model';
import { Permission } from '../rbac/permissions';
import { RBAC_API_VERSION } from '../workspace/facts';
import { FindingTarget, placeOf, Rule, RuleContext, RuleFinding } from './ruleTypes';

// The built-in admin, edit and view aggregate these labels; view carries aggregate-to-edit and edit
// carries aggregate-to-admin, so each of them reaches every namespace admin.
const AGGREGATION_LABELS = [
  'rbac.authorization.k8s.io/aggregate-to-admin',
  'rbac.authorization.k8s.io/aggregate-to-edit',
  'rbac.authorization.k8s.io/aggregate-to-view',
];

/** The check of one permission: a finding on each rule of a Role or ClusterRole that grants it. */
export function rbacPermissionCheck(permission: Permission): Rule {
  return (context, object) => checkRoleRules(context, object, permission);
}

function checkRoleRules(context: RuleContext, object: ManifestObject, permission: Permission): RuleFinding[] {
  if (!isObjectOf(object, RBAC_API_VERSION, ['Role', 'ClusterRole'])) return [];
  const { document } = context;
  const aggregatedTo = object.kinds.includes('ClusterRole') ? aggregationTargets(context, object) : [];
  const findings: RuleFinding[] = [];
  for (const rules of mapValues(document, object.map, 'rules')) {
    if (!isSeq(rules.node)) continue;
    for (const rule of sequenceItems(document, rules as Located<YAMLSeq>)) {
      if (!isMap(rule.node)) continue;
      const located = rule as Located<YAMLMap>;
      const kindName = object.kinds.includes('ClusterRole') ? 'ClusterRole' : 'Role';
      const finding = checkRbacRule(context, located, kindName, aggregatedTo, permission, (grant) => ({
        kind: 'rbac-rule',
        rule: located,
        rules: rules as Located<YAMLSeq>,
        permission,
        grant,
      }));
      if (finding) findings.push(finding);
    }
  }
  return findings;
}

/**
 * The finding of one RBAC rule map of a `kindName` (a role's rule, or one a patch adds to a role) when it
 * grants `permission`; `targetOf` gives the fix's target.
 */
export function checkRbacRule(
  context: RuleContext,
  rule: Located<YAMLMap>,
  kindName: string,
  aggregatedTo: readonly string[],
  permission: Permission,
  targetOf: (grant: Grant) => FindingTarget,
): RuleFinding | undefined {
  const policyRule = readRule(context, rule);
  const grant = grantOf(policyRule, permission.accesses);
  if (!grant) return undefined;
  const place = placeOf(grantingEntry(context, rule, policyRule, permission) ?? rule);
  const aggregation = aggregatedTo.length
    ? ` This ClusterRole is labelled ${aggregatedTo.join(' and ')}, so the built-in admin/edit/view roles aggregate it and every namespace admin or editor gets this grant.`
    : '';
  return {
    ruleId: permission.ruleId,
    message:
      `This ${kindName} rule grants ${grant.verbs.map(quote).join(', ')} on ${grantedResources(policyRule, permission).join(' and ')} ` +
      `(resources ${grant.resources.map(quote).join(', ')}, apiGroups ${grant.apiGroups.map(quote).join(', ')}). ` +
      `Whoever holds it can ${permission.consequence}.` +
      aggregation,
    ...place,
    defaultSeverity: aggregatedTo.length ? 'error' : undefined,
    target: targetOf(grant),
  };
}

/** The rule's lists, every reading of each (as the link phase's facts read them). */
function readRule(context: RuleContext, rule: Located<YAMLMap>): PolicyRule {
  return {
    apiGroups: stringListValues(context.document, rule, 'apiGroups'),
    resources: stringListValues(context.document, rule, 'resources'),
    verbs: stringListValues(context.document, rule, 'verbs'),
  };
}

/** The resources of the permission the rule grants (`endpoints`, `endpointslices`), in the permission's order. */
function grantedResources(rule: PolicyRule, permission: Permission): string[] {
  return permission.accesses.filter((access) => accessGrant(rule, access) !== undefined).map((access) => access.resource);
}

/** The most specific resource entry that grants the permission: where a reader should look. */
function grantingEntry(context: RuleContext, rule: Located<YAMLMap>, policyRule: PolicyRule, permission: Permission): Located | undefined {
  const granting = new Set(permission.accesses.flatMap((access) => accessGrant(policyRule, access)?.resources ?? []));
  const wanted = [
    ...permission.accesses.map((access) => access.resource),
    ...permission.accesses.flatMap((access) => (access.resource.includes('/') ? [`*/${access.resource.slice(access.resource.indexOf('/') + 1)}`] : [])),
    '*',
  ].filter((resource) => granting.has(resource));
  for (const list of mapValues(context.document, rule, 'resources')) {
    if (!isSeq(list.node)) continue;
    const items = sequenceItems(context.document, list as Located<YAMLSeq>);
    for (const resource of wanted) {
      const item = items.find((candidate) => scalarString(candidate.node) === resource);
      if (item) return item;
    }
  }
  return undefined;
}

/** Aggregation labels set to "true" on a ClusterRole's metadata. */
function aggregationTargets(context: RuleContext, object: ManifestObject): string[] {
  const found = new Set<string>();
  for (const metadata of childMaps(context.document, object.map, 'metadata')) {
    for (const labels of childMaps(context.document, metadata, 'labels')) {
      for (const label of AGGREGATION_LABELS) {
        for (const value of mapValues(context.document, labels, label)) {
          if (scalarString(value.node) === 'true') found.add(`${label}: "true"`);
        }
      }
    }
  }
  return [...found];
}

function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * The trigger words of a module reporting `permission` (see RuleModule.triggers). Every binding (its
 * kind contains `Binding`): any of them may hand out a granting role. A Role or ClusterRole matters to
 * the link phase only when it can change who gets the grant: one of its rules grants it (`grantWords`,
 * or a resource or verb `*`), it aggregates other roles (the key `aggregationRule`), it opts out of the
 * API server's reconciling of a built-in (`rbac.authorization.kubernetes.io/autoupdate`), or it has the
 * name of a built-in that grants or aggregates (its labels then hand that built-in's grant to whichever
 * role selects them). Any other role grants nothing, and who holds it or selects it changes no finding.
 */
export function rbacTriggers(permission: Permission, grantWords: readonly (readonly string[])[]): string[][] {
  return [
    ['Binding', RBAC_API_VERSION],
    ...grantWords.map((words) => ['Role', RBAC_API_VERSION, ...words]),
    ['Role', RBAC_API_VERSION, '*'],
    ['Role', RBAC_API_VERSION, 'aggregationRule'],
    ['Role', RBAC_API_VERSION, 'autoupdate'],
    ...builtinNamesThatMatter(permission).map((name) => ['Role', RBAC_API_VERSION, name]),
  ];
}

/** Built-in ClusterRoles that grant the permission or aggregate other roles. */
function builtinNamesThatMatter(permission: Permission): string[] {
  return BUILTIN_CLUSTER_ROLES.filter(
    (role) => role.aggregationSelectors !== undefined || role.rules.some((rule) => grantOf(rule, permission.accesses) !== undefined),
  ).map((role) => role.name);
}

