// A kind-less document that is a partial Service: the body of `kubectl patch --patch-file` (a JSON merge
// patch or a strategic merge patch) or of a Kustomize strategic merge patch without `kind`. Only the exact
// shape counts (every key a Service's, spec.externalIPs or status.loadBalancer.ingress present), so that
// Helm values files and other kind-less YAML with a `spec:` are not mistaken for one.
import { Document, isMap, YAMLMap } from 'yaml';
import { ManifestObject } from '../manifests';
import { childMaps, Located, mapKeys, mapValues } from '../yamlModel';

// core/v1 ServiceSpec's fields (ipFamily and topologyKeys: older releases').
const SERVICE_SPEC_FIELDS = new Set([
  'ports', 'selector', 'clusterIP', 'clusterIPs', 'type', 'externalIPs', 'sessionAffinity', 'loadBalancerIP',
  'loadBalancerSourceRanges', 'externalName', 'externalTrafficPolicy', 'healthCheckNodePort', 'publishNotReadyAddresses',
  'sessionAffinityConfig', 'ipFamilies', 'ipFamilyPolicy', 'allocateLoadBalancerNodePorts', 'loadBalancerClass',
  'internalTrafficPolicy', 'trafficDistribution', 'ipFamily', 'topologyKeys',
]);
const OBJECT_META_FIELDS = new Set(['name', 'namespace', 'labels', 'annotations', 'generateName', 'finalizers', 'ownerReferences', 'resourceVersion', 'uid']);
const TOP_LEVEL_FIELDS = new Set(['metadata', 'spec', 'status']);

/** Strategic merge patch directives (`$patch`, `$retainKeys`, `$setElementOrder/ports`, …) may sit beside any field. */
function isDirective(key: string): boolean {
  return key.startsWith('$');
}

function keysWithin(document: Document, map: Located<YAMLMap>, allowed: ReadonlySet<string>): boolean {
  return mapKeys(document, map).every((key) => allowed.has(key) || isDirective(key));
}

/** What a kind-less map writes as a partial Service, or undefined when it is not exactly that shape. */
export function servicePatchShape(document: Document, map: Located<YAMLMap>): { externalIps: boolean; loadBalancerIngress: boolean } | undefined {
  const keys = mapKeys(document, map);
  if (keys.includes('apiVersion') || keys.includes('kind') || !keys.every((key) => TOP_LEVEL_FIELDS.has(key))) return undefined;
  const specs = mapValues(document, map, 'spec');
  const statuses = mapValues(document, map, 'status');
  const metadatas = mapValues(document, map, 'metadata');
  if (![...specs, ...statuses, ...metadatas].every((value) => isMap(value.node))) return undefined;
  if (!metadatas.every((metadata) => keysWithin(document, metadata as Located<YAMLMap>, OBJECT_META_FIELDS))) return undefined;
  if (!specs.every((spec) => keysWithin(document, spec as Located<YAMLMap>, SERVICE_SPEC_FIELDS))) return undefined;
  let loadBalancerIngress = false;
  for (const status of statuses as Located<YAMLMap>[]) {
    if (!keysWithin(document, status, new Set(['loadBalancer', 'conditions']))) return undefined;
    const loadBalancers = mapValues(document, status, 'loadBalancer');
    if (!loadBalancers.every((value) => isMap(value.node) && keysWithin(document, value as Located<YAMLMap>, new Set(['ingress'])))) return undefined;
    if (childMaps(document, status, 'loadBalancer').some((loadBalancer) => mapValues(document, loadBalancer, 'ingress').length > 0)) loadBalancerIngress = true;
  }
  const externalIps = specs.some((spec) => mapValues(document, spec as Located<YAMLMap>, 'externalIPs').length > 0);
  return externalIps || loadBalancerIngress ? { externalIps, loadBalancerIngress } : undefined;
}

/** The object as the rules judge it: a kind-less partial Service as a core v1 Service, any other as written. */
export function judgedAsPatch(document: Document, object: ManifestObject): ManifestObject {
  if (object.kinds.length > 0 || object.apiVersions.length > 0) return object;
  if (!servicePatchShape(document, object.map)) return object;
  return { ...object, apiVersions: ['v1'], kinds: ['Service'], patch: 'kind-less' };
}
