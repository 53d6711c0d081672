// Rule `rbac-services-status`: a Role or ClusterRole rule that lets its holder patch or update
// services/status, judged as Kubernetes' RBAC authorizer does (pkg/apis/rbac/v1/evaluation_helpers.go):
// within one rule, the group, the resource and the verb must each match, exactly or by `*`.
import { isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { isObjectOf, ManifestObject } from '../manifests';
import { childMaps, Located, mapValues, scalarString, sequenceItems, stringListValues } from '../yamlModel';
import { BUILTIN_CLUSTER_ROLES } from '../rbac/builtinPolicy';
import { grantOf, SERVICES_STATUS_WRITE } from '../rbac/matching';
import { RBAC_API_VERSION } from '../workspace/facts';
import { rbacServicesStatusFixes } from './rbacServicesStatusFix';
import { RuleModule } from './ruleModule';
import { FindingTarget, placeOf, RuleContext, RuleFinding, ServicesStatusGrant } from './ruleTypes';

// Built-in ClusterRoles that grant the write or aggregate other roles (see the module's triggers).
const BUILTIN_NAMES_THAT_MATTER = BUILTIN_CLUSTER_ROLES.filter(
  (role) => role.aggregationSelectors !== undefined || role.rules.some((rule) => grantOf(rule, SERVICES_STATUS_WRITE) !== undefined),
).map((role) => role.name);

// The built-in admin, edit and view aggregate these labels; view carries aggregate-to-edit and edit
// carries aggregate-to-admin, so each of them reaches every namespace admin.
const AGGREGATION_LABELS = [
  'rbac.authorization.k8s.io/aggregate-to-admin',
  'rbac.authorization.k8s.io/aggregate-to-edit',
  'rbac.authorization.k8s.io/aggregate-to-view',
];

export function checkRbacServicesStatus(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOf(object, RBAC_API_VERSION, ['Role', 'ClusterRole'])) return [];
  const { document } = context;
  const aggregatedTo = object.kinds.includes('ClusterRole') ? aggregationTargets(context, object) : [];
  const findings: RuleFinding[] = [];
  for (const rules of mapValues(document, object.map, 'rules')) {
    if (!isSeq(rules.node)) continue;
    for (const rule of sequenceItems(document, rules as Located<YAMLSeq>)) {
      if (!isMap(rule.node)) continue;
      const kindName = object.kinds.includes('ClusterRole') ? 'ClusterRole' : 'Role';
      const finding = checkRbacRule(context, rule as Located<YAMLMap>, kindName, aggregatedTo, (grant) => ({
        kind: 'rbac-rule',
        rule: rule as Located<YAMLMap>,
        rules: rules as Located<YAMLSeq>,
        grant,
      }));
      if (finding) findings.push(finding);
    }
  }
  return findings;
}

/**
 * The finding of one RBAC rule map of a `kindName` (a role's rule, or one a patch adds to a role), when it
 * grants the write; `targetOf` gives the fix's target.
 */
export function checkRbacRule(
  context: RuleContext,
  rule: Located<YAMLMap>,
  kindName: string,
  aggregatedTo: readonly string[],
  targetOf: (grant: ServicesStatusGrant) => FindingTarget,
): RuleFinding | undefined {
  const grant = servicesStatusGrant(context, rule);
  if (!grant) return undefined;
  const place = placeOf(grantingEntry(context, rule, grant) ?? rule);
  const aggregation = aggregatedTo.length
    ? ` This ClusterRole is labelled ${aggregatedTo.join(' and ')}, so the built-in admin/edit/view roles aggregate it and every namespace admin or editor gets this grant.`
    : '';
  return {
    ruleId: 'rbac-services-status',
    message:
      `This ${kindName} rule grants ${grant.verbs.map(quote).join(', ')} on services/status ` +
      `(resources ${grant.resources.map(quote).join(', ')}, apiGroups ${grant.apiGroups.map(quote).join(', ')}). ` +
      'Whoever holds it can write status.loadBalancer.ingress of Services and intercept their traffic (CVE-2020-8554).' +
      aggregation,
    ...place,
    defaultSeverity: aggregatedTo.length ? 'error' : undefined,
    target: targetOf(grant),
  };
}

/** The matching entries of one rule (every reading of each list), or undefined when it does not grant the write. */
function servicesStatusGrant(context: RuleContext, rule: Located<YAMLMap>): ServicesStatusGrant | undefined {
  const policyRule = {
    apiGroups: stringListValues(context.document, rule, 'apiGroups'),
    resources: stringListValues(context.document, rule, 'resources'),
    verbs: stringListValues(context.document, rule, 'verbs'),
  };
  return grantOf(policyRule, SERVICES_STATUS_WRITE);
}

/** The most specific resource entry that grants the write: where a reader should look. */
function grantingEntry(context: RuleContext, rule: Located<YAMLMap>, grant: ServicesStatusGrant): Located | undefined {
  for (const list of mapValues(context.document, rule, 'resources')) {
    if (!isSeq(list.node)) continue;
    const items = sequenceItems(context.document, list as Located<YAMLSeq>);
    for (const wanted of ['services/status', '*/status', '*']) {
      if (!grant.resources.includes(wanted)) continue;
      const item = items.find((candidate) => scalarString(candidate.node) === wanted);
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

export const rbacServicesStatusModule: RuleModule = {
  rules: [
    {
      id: 'rbac-services-status',
      defaultSeverity: 'warning',
      shortDescription: 'Role grants patch or update on services/status',
      fullDescription:
        'A Role or ClusterRole rule that grants patch or update on services/status (directly, through * or through ' +
        'aggregation) lets its holder set status.loadBalancer.ingress and intercept traffic (CVE-2020-8554). The ' +
        'severity follows who holds the role in the workspace: an error when it reaches every namespace admin or ' +
        'editor, a broad group or people; a warning for workloads or when nothing binds it; information when only ' +
        'the control plane holds it.',
      tags: ['CVE-2020-8554', 'rbac'],
    },
    {
      id: 'rbac-services-status-binding',
      defaultSeverity: 'error',
      shortDescription: 'Binding gives a subject patch or update on services/status',
      fullDescription:
        'A RoleBinding or ClusterRoleBinding hands a role that grants patch or update on services/status to a subject ' +
        'outside the control plane: a broad group or people (error) or a workload service account (warning). That ' +
        'subject can set status.loadBalancer.ingress and intercept traffic (CVE-2020-8554).',
      tags: ['CVE-2020-8554', 'rbac'],
    },
  ],
  triggers: [
    // Every binding (its kind contains `Binding`): any of them may hand out a granting role.
    ['Binding', RBAC_API_VERSION],
    // A Role or ClusterRole matters to the link phase only when it can change who gets the grant: one
    // of its rules grants it (a resource `services/status`, `*/status` or `*`), it aggregates other roles
    // (the key `aggregationRule`), it opts out of the API server's reconciling of a built-in
    // (`rbac.authorization.kubernetes.io/autoupdate`), or it has the name of a built-in that grants or
    // aggregates (its labels then hand that built-in's grant to whichever role selects them). Any other
    // role grants nothing, and who holds it or selects it changes no finding.
    ['Role', RBAC_API_VERSION, 'services/status'],
    ['Role', RBAC_API_VERSION, '*'],
    ['Role', RBAC_API_VERSION, 'aggregationRule'],
    ['Role', RBAC_API_VERSION, 'autoupdate'],
    ...BUILTIN_NAMES_THAT_MATTER.map((name) => ['Role', RBAC_API_VERSION, name]),
    // A kustomization's patch that writes a granting rule into a role (a `/rules…` operation or a `rules:` key).
    ['patches', 'rules', 'services/status'],
    ['patches', 'rules', '*'],
  ],
  check: checkRbacServicesStatus,
  fixes: rbacServicesStatusFixes,
};
