// One place for what each rule is: its default severity and the words the README, SARIF and the
// editor show for it.
import { RuleId, Severity, UNUSED_SUPPRESSION } from '../types';

export interface RuleDescription {
  id: RuleId;
  defaultSeverity: Severity;
  shortDescription: string;
  fullDescription: string;
}

export const DOCS_BASE_URL = 'https://github.com/kube-mitm-guard/kube-mitm-guard#';

export const RULES: Record<RuleId, RuleDescription> = {
  'external-ips': {
    id: 'external-ips',
    defaultSeverity: 'error',
    shortDescription: 'Service externalIP outside the allowed CIDRs',
    fullDescription:
      'A Service with spec.externalIPs receives traffic addressed to those IPs from every pod and node. Whoever can ' +
      'create such a Service can intercept traffic meant for other destinations (CVE-2020-8554). Only addresses in ' +
      'allowedExternalIPCidrs are accepted.',
  },
  'external-ip-invalid': {
    id: 'external-ip-invalid',
    defaultSeverity: 'error',
    shortDescription: 'Service externalIP that is invalid, special or ambiguous',
    fullDescription:
      'An externalIPs entry that the API server rejects, or that different parsers read differently (IPv4 with ' +
      'leading zeros, IPv4-mapped IPv6), special addresses (unspecified, loopback, link-local) and non-IP values. ' +
      'Such entries are never matched against the allowlist.',
  },
  'loadbalancer-status': {
    id: 'loadbalancer-status',
    defaultSeverity: 'warning',
    shortDescription: 'Service manifest carries status.loadBalancer.ingress',
    fullDescription:
      'status.loadBalancer.ingress only takes effect when written through the services/status subresource, which ' +
      'is the CVE-2020-8554 LoadBalancer attack path. Manifests should not carry it.',
  },
  'rbac-services-status': {
    id: 'rbac-services-status',
    defaultSeverity: 'warning',
    shortDescription: 'Role grants patch or update on services/status',
    fullDescription:
      'A Role or ClusterRole rule that grants patch or update on services/status (directly or through *) lets its ' +
      'holder set status.loadBalancer.ingress and intercept traffic (CVE-2020-8554). It is an error when the ' +
      'ClusterRole is aggregated into the built-in admin or edit roles.',
  },
};

/** README anchors are `#rule-<rule-id>`; unused suppressions are explained with the suppression comments. */
export function ruleDocsUrl(id: string): string {
  if (id === UNUSED_SUPPRESSION) return `${DOCS_BASE_URL}suppression-comments`;
  return `${DOCS_BASE_URL}rule-${id}`;
}
