// ValidatingAdmissionPolicy (admissionregistration.k8s.io) about Service externalIPs, as far as one
// document tells: `mitigation-not-enforced` when its matchConstraints leave out CREATE or UPDATE on core
// Services (such requests are never validated), and `mitigation-allowlist` for each range of the
// `allowedCIDRs` variable that `kube-mitm-guard policy` writes which the project's allowedExternalIPCidrs
// does not cover. Whether a binding puts the policy to work is the link phase's
// (workspace/admissionPolicies.ts).
import { Document, isMap, YAMLMap } from 'yaml';
import { parseAllowedCidr } from '../ipAddresses';
import { ManifestObject } from '../manifests';
import { ADMISSION_POLICY_KIND, allowedByProject, isAdmissionObject, mentionsExternalIps, substringSpan } from '../mitigationObjects';
import { childMaps, listItems, Located, mapValues, scalarString, scalarValues, stringListValues } from '../yamlModel';
import { describeObject, keyPlace, reportOnly } from './mitigationFindings';
import { RuleContext, RuleFinding } from './ruleTypes';

const REQUIRED_OPERATIONS = ['CREATE', 'UPDATE'];
/** The variable `kube-mitm-guard policy` puts its CIDR list in, as a CEL list of string literals. */
export const ALLOWED_CIDRS_VARIABLE = 'allowedCIDRs';
const CEL_STRING_LIST = /^\s*\[\s*(?:'[^'\\]*'\s*(?:,\s*'[^'\\]*'\s*)*)?\]\s*$/;

export function checkAdmissionPolicy(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isAdmissionObject(object, [ADMISSION_POLICY_KIND])) return [];
  const { document } = context;
  const policy = describeObject(document, object, ADMISSION_POLICY_KIND);
  const findings: RuleFinding[] = [];
  for (const spec of childMaps(document, object.map, 'spec')) {
    if (!mentionsExternalIps(document, spec.node)) continue;
    findings.push(
      ...missingOperationFindings(document, spec, policy, (missing) => `, so a Service can take any externalIP (CVE-2020-8554). Add a resourceRule with operations ${missing.join(', ')} on services.`),
    );
    for (const variable of listItems(document, spec, 'variables')) {
      if (!isMap(variable.node) || scalarValues(document, variable as Located<YAMLMap>, 'name')[0] !== ALLOWED_CIDRS_VARIABLE) continue;
      for (const expression of mapValues(document, variable as Located<YAMLMap>, 'expression')) findings.push(...checkCidrList(context, expression, policy));
    }
  }
  return findings;
}

/** CREATE and UPDATE unless some resourceRule matches them on core-group services (`*` operations, resources and groups included). */
/**
 * `mitigation-not-enforced` on each `matchConstraints` of a policy's spec that leaves out CREATE or UPDATE on
 * core Services (a ValidatingAdmissionPolicy's, or a Kyverno ValidatingPolicy's); `advice` ends the message.
 */
export function missingOperationFindings(document: Document, spec: Located<YAMLMap>, policy: string, advice: (missing: string[]) => string): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const constraints of childMaps(document, spec, 'matchConstraints')) {
    const missing = missingOperations(document, constraints);
    if (missing.length === 0) continue;
    findings.push(
      reportOnly(
        'mitigation-not-enforced',
        keyPlace(constraints),
        `${policy} is about Service externalIPs, but its matchConstraints do not match ${missing.join(' or ')} of services (core group): such requests are never validated${advice(missing)}`,
      ),
    );
  }
  return findings;
}

function missingOperations(document: Document, constraints: Located<YAMLMap>): string[] {
  const operations = new Set<string>();
  for (const rule of listItems(document, constraints, 'resourceRules')) {
    if (!isMap(rule.node)) continue;
    const located = rule as Located<YAMLMap>;
    const groups = stringListValues(document, located, 'apiGroups');
    const resources = stringListValues(document, located, 'resources');
    const matchesServices = (groups.includes('') || groups.includes('*')) && resources.some((resource) => resource === 'services' || resource === '*' || resource === '*/*');
    if (matchesServices) for (const operation of stringListValues(document, located, 'operations')) operations.add(operation);
  }
  return operations.has('*') ? [] : REQUIRED_OPERATIONS.filter((operation) => !operations.has(operation));
}

function checkCidrList(context: RuleContext, expression: Located, policy: string): RuleFinding[] {
  const text = scalarString(expression.node);
  if (text === undefined || !CEL_STRING_LIST.test(text)) return [];
  const findings: RuleFinding[] = [];
  for (const match of text.matchAll(/'([^'\\]*)'/g)) {
    const cidr = parseAllowedCidr(match[1]);
    if ('error' in cidr || allowedByProject(cidr, context.allowedCidrs)) continue;
    const from = (match.index ?? 0) + 1;
    const place = expression.via ? expression : substringSpan(context.text, expression.node, from, from + match[1].length);
    findings.push(
      reportOnly(
        'mitigation-allowlist',
        place,
        `${policy} allows externalIPs in ${match[1]}, which allowedExternalIPCidrs in .kube-mitm-guard.yaml does not cover: the cluster admits what the linter reports. ` +
          'Regenerate the policy from the config file (kube-mitm-guard policy), or widen the allowlist if these addresses are yours.',
      ),
    );
  }
  return findings;
}
