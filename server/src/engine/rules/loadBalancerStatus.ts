// Rule `loadbalancer-status`: a Service manifest that carries status.loadBalancer.ingress. The API
// server ignores status on create/update, so it only takes effect when written through the
// services/status subresource, which is exactly the CVE-2020-8554 LoadBalancer attack path.
import { Document, isMap, isSeq, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { isObjectOf, ManifestObject } from '../manifests';
import { childMaps, Located, mapValues, scalarValues, sequenceItems } from '../yamlModel';
import { loadBalancerStatusFixes } from './loadBalancerStatusFix';
import { RuleModule } from './ruleModule';
import { placeOf, RuleContext, RuleFinding } from './ruleTypes';

export function checkLoadBalancerStatus(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOf(object, 'v1', ['Service'])) return [];
  const findings: RuleFinding[] = [];
  const { document } = context;
  // Read back from a live cluster (`kubectl get -o yaml`): its status was written by a controller, not
  // by this manifest.
  if (isReadFromCluster(document, object)) return [];
  for (const status of childMaps(document, object.map, 'status')) {
    for (const loadBalancer of childMaps(document, status, 'loadBalancer')) {
      for (const ingress of mapValues(document, loadBalancer, 'ingress')) {
        if (!isSeq(ingress.node) || !ingress.pair || !status.pair || !loadBalancer.pair) continue;
        const chain = [
          { map: object.map.node, pair: status.pair },
          { map: status.node, pair: loadBalancer.pair },
        ];
        const shared = status.shared || loadBalancer.shared || ingress.shared;
        for (const entry of sequenceItems(document, ingress as Located<YAMLSeq>)) {
          findings.push({
            ruleId: 'loadbalancer-status',
            message: object.patch === 'kind-less' ? kindlessPatchMessage(context, entry) : manifestMessage(context, entry),
            ...placeOf(entry),
            target: { kind: 'loadbalancer-ingress', chain: chain as { map: YAMLMap; pair: Pair }[], ingressPair: ingress.pair, shared },
          });
        }
      }
    }
  }
  return findings;
}

function manifestMessage(context: RuleContext, entry: Located): string {
  return (
    `This Service manifest sets status.loadBalancer.ingress${describeIngress(context, entry)}. ` +
    'The API server ignores status here; it only takes effect when written through the services/status ' +
    'subresource, which is the CVE-2020-8554 path to intercept traffic for that address. Manifests should not carry it.'
  );
}

function kindlessPatchMessage(context: RuleContext, entry: Located): string {
  return (
    `This patch body without apiVersion/kind sets status.loadBalancer.ingress${describeIngress(context, entry)}; it is judged as a ` +
    'Service patch (`kubectl patch --subresource=status`), the CVE-2020-8554 path to intercept traffic for that address. ' +
    'It could also target an Ingress, whose status DNS controllers publish as its address.'
  );
}

/** An object the API server returned carries `metadata.uid` or `metadata.resourceVersion`. */
function isReadFromCluster(document: Document, object: ManifestObject): boolean {
  return childMaps(document, object.map, 'metadata').some((metadata) => mapValues(document, metadata, 'uid').length > 0 || mapValues(document, metadata, 'resourceVersion').length > 0);
}

/** ` (<ip or hostname>)` of a status.loadBalancer.ingress entry, or nothing. */
export function describeIngress(context: RuleContext, entry: Located): string {
  if (!isMap(entry.node)) return '';
  const map = entry as Located<YAMLMap>;
  const ip = scalarValues(context.document, map, 'ip')[0];
  const hostname = scalarValues(context.document, map, 'hostname')[0];
  const shown = ip ?? hostname;
  return shown === undefined ? '' : ` (${shown})`;
}

export const loadBalancerStatusModule: RuleModule = {
  rules: [
    {
      id: 'loadbalancer-status',
      defaultSeverity: 'warning',
      shortDescription: 'Service manifest carries status.loadBalancer.ingress',
      fullDescription:
        'status.loadBalancer.ingress only takes effect when written through the services/status subresource, which ' +
        'is the CVE-2020-8554 LoadBalancer attack path. Manifests should not carry it.',
      tags: ['CVE-2020-8554'],
    },
  ],
  // A finding needs the keys `status`, `loadBalancer` and `ingress` (keys are compared exactly), or a JSON patch
  // path that names all three (`/status/loadBalancer/ingress`); a Service patch may have no kind (kubectl patch
  // bodies). `loadBalancer` alone also kept CRDs and ConfigMaps that describe a load balancer (Istio's traffic
  // policies: 1 MB of the corpus parsed for nothing).
  triggers: [['loadBalancer', 'ingress', 'status']],
  check: checkLoadBalancerStatus,
  fixes: loadBalancerStatusFixes,
};
