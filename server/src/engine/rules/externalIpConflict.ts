// Rule `external-ip-conflict`: two Services of one cluster claim the same externalIP, port and
// protocol. Only the link phase sees both; it reports the rule (workspace/serviceConflicts.ts).
import { RuleModule } from './ruleModule';

export const externalIpConflictModule: RuleModule = {
  rules: [
    {
      id: 'external-ip-conflict',
      defaultSeverity: 'warning',
      shortDescription: 'Two Services claim the same externalIP and port',
      fullDescription:
        'Two different Services in the workspace list the same address in spec.externalIPs with a port of the same ' +
        'protocol. kube-proxy sends that traffic to only one of them, so the owner of either can take the other\'s ' +
        'traffic, even when the address is inside the externalIP allowlist (kubernetes/kubernetes#97110).',
      tags: ['CVE-2020-8554'],
    },
  ],
  // Its facts come from Services with `externalIPs`, the documents the external-ips module lets through.
  triggers: [['externalIPs']],
};
