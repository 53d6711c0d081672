// What kube-proxy does with a Service spec's externalIPs: nothing for a headless Service (clusterIP: None)
// or an ExternalName Service, which the API server warns about (pkg/api/service/warnings.go).
import { Document, YAMLMap } from 'yaml';
import { Located, mapValues, scalarString } from './yamlModel';

export type ExternalIpsIgnoredReason = 'headless' | 'ExternalName';

/** The API server's warning for each reason, word for word. */
export const IGNORED_EXTERNAL_IPS_WARNING: Record<ExternalIpsIgnoredReason, string> = {
  headless: 'spec.externalIPs is ignored for headless services',
  ExternalName: 'spec.externalIPs is ignored when spec.type is "ExternalName"',
};

/**
 * Why kube-proxy ignores this spec's externalIPs, when every reading of the spec says so: a duplicate key
 * whose other reading is a normal Service must not make an intercepting Service look harmless.
 */
export function externalIpsIgnoredReason(document: Document, spec: Located<YAMLMap>): ExternalIpsIgnoredReason | undefined {
  if (everyReadingIs(document, spec, 'type', 'ExternalName')) return 'ExternalName';
  // A headless Service is a ClusterIP one (the API server rejects clusterIP None for NodePort and LoadBalancer).
  if (everyReadingIs(document, spec, 'clusterIP', 'None')) return 'headless';
  return undefined;
}

function everyReadingIs(document: Document, map: Located<YAMLMap>, key: string, expected: string): boolean {
  const readings = mapValues(document, map, key);
  return readings.length > 0 && readings.every((reading) => scalarString(reading.node) === expected);
}
