// Rules `mitigation-not-enforced` and `mitigation-allowlist`: the CVE-2020-8554 mitigations in the
// workspace that look like protection but do not block (an audit-only Kyverno policy, a dry-run
// Gatekeeper constraint, a webhook that fails open, an admission policy nothing binds), and the
// in-cluster allowlists that allow more than the project's allowedExternalIPCidrs. One check per kind
// of mitigation, each in its own file; the link phase reports the admission policies without a binding
// that denies (workspace/admissionPolicies.ts).
import { ManifestObject } from '../manifests';
import { ADMISSION_POLICY_BINDING_KIND, ADMISSION_POLICY_KIND, EXTERNAL_IPS_WORD } from '../mitigationObjects';
import { checkAdmissionPolicy } from './mitigationAdmissionPolicy';
import { checkGatekeeperConstraint } from './mitigationGatekeeper';
import { checkKyvernoPolicy, checkKyvernoValidatingPolicy } from './mitigationKyverno';
import { mitigationFixes } from './mitigationsFix';
import { checkExternalIpWebhookFlags, checkWebhookConfiguration } from './mitigationWebhook';
import { RuleModule } from './ruleModule';
import { RuleContext, RuleFinding } from './ruleTypes';

const CHECKS = [checkKyvernoPolicy, checkKyvernoValidatingPolicy, checkGatekeeperConstraint, checkWebhookConfiguration, checkExternalIpWebhookFlags, checkAdmissionPolicy];

export function checkMitigations(context: RuleContext, object: ManifestObject): RuleFinding[] {
  return CHECKS.flatMap((check) => check(context, object));
}

export const mitigationsModule: RuleModule = {
  rules: [
    {
      id: 'mitigation-not-enforced',
      defaultSeverity: 'warning',
      shortDescription: 'CVE-2020-8554 mitigation that does not block',
      fullDescription:
        'A policy meant to stop Services from taking arbitrary externalIPs that only audits or warns (a Kyverno policy in ' +
        'Audit mode, a Gatekeeper K8sExternalIPs constraint in dryrun or warn, or whose allowedIPs hold CIDRs it compares as ' +
        'strings), fails open (a webhook with failurePolicy Ignore), never sees creates or updates, or is never bound (a ' +
        'ValidatingAdmissionPolicy without a binding that denies). Users exempted by the externalip-webhook are reported as information.',
      tags: ['CVE-2020-8554'],
    },
    {
      id: 'mitigation-allowlist',
      defaultSeverity: 'warning',
      shortDescription: 'In-cluster externalIP allowlist wider than the project allowlist',
      fullDescription:
        'An entry of an in-cluster externalIP allowlist (Gatekeeper allowedIPs, the externalip-webhook --allowed-external-ip-cidrs, ' +
        'the CIDR list of a policy kube-mitm-guard generated) that allows addresses allowedExternalIPCidrs does not: the cluster ' +
        'admits what the linter reports.',
      tags: ['CVE-2020-8554'],
    },
  ],
  // Kyverno policies (kyverno.io and policies.kyverno.io) and admission policies about externalIPs, Gatekeeper's constraint kind, webhook
  // configurations that name services, the externalip-webhook's containers, and every admission policy
  // binding (the link phase matches them to policies by name).
  triggers: [
    ['kyverno.io', EXTERNAL_IPS_WORD],
    [ADMISSION_POLICY_KIND, EXTERNAL_IPS_WORD],
    [ADMISSION_POLICY_BINDING_KIND],
    ['K8sExternalIPs'],
    ['ValidatingWebhookConfiguration', 'services'],
    ['externalip-webhook'],
    ['allowed-external-ip-cidrs'],
  ],
  check: checkMitigations,
  fixes: mitigationFixes,
};
