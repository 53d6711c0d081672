// Rule `external-ips-deprecated`: spec.externalIPs is deprecated from Kubernetes 1.36 (KEP-5707), and
// kube-proxy is planned to stop honouring it by default around 1.40. Reported once per Service that uses
// it, allowlisted or not, with the way out.
import { isAlias, isSeq, YAMLSeq } from 'yaml';
import { isObjectOf, ManifestObject } from '../manifests';
import { externalIpsIgnoredReason, IGNORED_EXTERNAL_IPS_WARNING } from '../serviceSpec';
import { childMaps, Located, mapValues, nodeSpan } from '../yamlModel';
import { externalIpFixes } from './externalIpsFix';
import { RuleModule } from './ruleModule';
import { RuleContext, RuleFinding } from './ruleTypes';

const DEPRECATION =
  'spec.externalIPs is deprecated from Kubernetes 1.36 (KEP-5707; the API server warns when a Service uses it), and ' +
  "kube-proxy's AllowServiceExternalIPs feature gate is planned to default to off around 1.40.";

const MIGRATION =
  'Migrate to a LoadBalancer Service with a spec.loadBalancerClass that a load balancer controller serves (it assigns the ' +
  'address through services/status); never let a person patch services/status to set the address, which is the other ' +
  'CVE-2020-8554 path.';

export function checkExternalIpsDeprecated(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOf(object, 'v1', ['Service'])) return [];
  // Once per Service: the first non-empty list among every reading of spec.externalIPs.
  for (const spec of childMaps(context.document, object.map, 'spec')) {
    for (const value of mapValues(context.document, spec, 'externalIPs')) {
      if (!value.pair || !isSeq(value.node) || value.node.items.length === 0) continue;
      const ignored = externalIpsIgnoredReason(context.document, spec);
      return [
        {
          ruleId: 'external-ips-deprecated',
          message: ignored
            ? `${DEPRECATION} Here it does nothing already (the API server warns "${IGNORED_EXTERNAL_IPS_WARNING[ignored]}"): remove it.`
            : `${DEPRECATION} ${MIGRATION}`,
          ...keyPlace(value),
          target: { kind: 'external-ip', list: value as Located<YAMLSeq>, listPair: value.pair, spec: spec.node },
        },
      ];
    }
  }
  return [];
}

/**
 * The `externalIPs` key: written in this object unless a `<<` merge key brought the pair (a value written
 * as an alias, `externalIPs: *ips`, shares only the value).
 */
function keyPlace(value: Located): Pick<RuleFinding, 'start' | 'end' | 'via'> {
  const key = nodeSpan(value.pair?.key as Parameters<typeof nodeSpan>[0]);
  const valueAlias = isAlias(value.written) && value.via?.start === nodeSpan(value.written).start;
  return value.via && !valueAlias ? { ...key, via: value.via } : key;
}

export const externalIpsDeprecatedModule: RuleModule = {
  rules: [
    {
      id: 'external-ips-deprecated',
      defaultSeverity: 'hint',
      shortDescription: 'Service uses the deprecated spec.externalIPs',
      fullDescription:
        'spec.externalIPs is deprecated from Kubernetes 1.36 (KEP-5707) and kube-proxy is planned to stop honouring it by ' +
        'default around 1.40. Reported once per Service that uses it, allowlisted addresses included: migrate to a ' +
        'LoadBalancer Service with a loadBalancerClass served by a controller.',
      tags: ['deprecation'],
    },
  ],
  // The key `externalIPs` in one decoded scalar.
  triggers: [['externalIPs']],
  check: checkExternalIpsDeprecated,
  // Removing the key is the only edit a fix can make; the migration itself is the user's.
  fixes: { textFixes: externalIpFixes.textFixes },
};
