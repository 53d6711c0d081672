// Rule `rbac-services-status`: a Role or ClusterRole rule that lets its holder patch or update
// services/status, judged as Kubernetes' RBAC authorizer does (pkg/apis/rbac/v1/evaluation_helpers.go):
// within one rule, the group, the resource and the verb must each match, exactly or by `*`.
import { isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { isObjectOf, ManifestObject } from '../manifests';
import { childMaps, isNullScalar, Located, mapValues, nodeSpan, scalarString, sequenceItems } from '../yamlModel';
import { RuleContext, RuleFinding, ServicesStatusGrant } from './ruleTypes';

const GRANTING_GROUPS = new Set(['', '*']);
const GRANTING_RESOURCES = new Set(['services/status', '*/status', '*']);
const GRANTING_VERBS = new Set(['patch', 'update', '*']);
const AGGREGATION_LABELS = ['rbac.authorization.k8s.io/aggregate-to-admin', 'rbac.authorization.k8s.io/aggregate-to-edit'];

export function checkRbacServicesStatus(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOf(object, 'rbac.authorization.k8s.io/v1', ['Role', 'ClusterRole'])) return [];
  const { document } = context;
  const aggregatedTo = object.kinds.includes('ClusterRole') ? aggregationTargets(context, object) : [];
  const findings: RuleFinding[] = [];
  for (const rules of mapValues(document, object.map, 'rules')) {
    if (!isSeq(rules.node)) continue;
    for (const rule of sequenceItems(document, rules as Located<YAMLSeq>)) {
      if (!isMap(rule.node)) continue;
      const located = rule as Located<YAMLMap>;
      const grant = servicesStatusGrant(context, located);
      if (!grant) continue;
      const anchor = grantingEntry(context, located, grant) ?? rule.written;
      const span = nodeSpan(anchor);
      const kindName = object.kinds.includes('ClusterRole') ? 'ClusterRole' : 'Role';
      const aggregation = aggregatedTo.length
        ? ` This ClusterRole is labelled ${aggregatedTo.join(' and ')}, so the built-in roles aggregate it and every namespace admin or editor gets this grant.`
        : '';
      findings.push({
        ruleId: 'rbac-services-status',
        message:
          `This ${kindName} rule grants ${grant.verbs.map(quote).join(', ')} on services/status ` +
          `(resources ${grant.resources.map(quote).join(', ')}, apiGroups ${grant.apiGroups.map(quote).join(', ')}). ` +
          'Whoever holds it can write status.loadBalancer.ingress of Services and intercept their traffic (CVE-2020-8554).' +
          aggregation,
        start: span.start,
        end: span.end,
        defaultSeverity: aggregatedTo.length ? 'error' : undefined,
        target: { kind: 'rbac-rule', rule: located, rules: rules as Located<YAMLSeq>, grant },
      });
    }
  }
  return findings;
}

/** The matching entries of one rule, or undefined when the rule does not grant the write. */
function servicesStatusGrant(context: RuleContext, rule: Located<YAMLMap>): ServicesStatusGrant | undefined {
  const apiGroups = listStrings(context, rule, 'apiGroups').filter((group) => GRANTING_GROUPS.has(group));
  const resources = listStrings(context, rule, 'resources').filter((resource) => GRANTING_RESOURCES.has(resource));
  const verbs = listStrings(context, rule, 'verbs').filter((verb) => GRANTING_VERBS.has(verb));
  if (!apiGroups.length || !resources.length || !verbs.length) return undefined;
  return { apiGroups: unique(apiGroups), resources: unique(resources), verbs: unique(verbs) };
}

/** Strings of every candidate list for `key` (duplicate keys: all of them, as any decoder might pick one). */
function listStrings(context: RuleContext, rule: Located<YAMLMap>, key: string): string[] {
  const strings: string[] = [];
  for (const list of mapValues(context.document, rule, key)) {
    if (!isSeq(list.node)) continue;
    for (const item of sequenceItems(context.document, list as Located<YAMLSeq>)) {
      // A null item (`- ~`, `-`, JSON null) decodes into a Go []string as "": `apiGroups: [~]` is the core group.
      const text = isNullScalar(item.node) ? '' : scalarString(item.node);
      if (text !== undefined) strings.push(text);
    }
  }
  return strings;
}

/** The most specific resource entry that grants the write: where a reader should look. */
function grantingEntry(context: RuleContext, rule: Located<YAMLMap>, grant: ServicesStatusGrant) {
  for (const list of mapValues(context.document, rule, 'resources')) {
    if (!isSeq(list.node)) continue;
    const items = sequenceItems(context.document, list as Located<YAMLSeq>);
    for (const wanted of ['services/status', '*/status', '*']) {
      if (!grant.resources.includes(wanted)) continue;
      const item = items.find((candidate) => scalarString(candidate.node) === wanted);
      if (item) return item.written;
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

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function quote(value: string): string {
  return JSON.stringify(value);
}
