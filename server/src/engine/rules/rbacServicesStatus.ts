// Rule `rbac-services-status`: a Role or ClusterRole rule that lets its holder patch or update
// services/status (CVE-2020-8554); `rbac-services-status-binding` is reported by the link phase
// (workspace/link.ts) on the binding subjects that get it. The check is rbacPermission.ts's.
import { SERVICES_STATUS_WRITE } from '../rbac/permissions';
import { RBAC_API_VERSION } from '../workspace/facts';
import { rbacNarrowingFixes } from './rbacNarrowingFix';
import { rbacPermissionCheck, rbacTriggers } from './rbacPermission';
import { RuleModule } from './ruleModule';

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
  // A rule grants the write only through a resource `services/status`, `*/status` or `*`. A Helm template of a
  // role may also render rules from values (helm/templateRenders.ts), and a Kustomize patch (a kustomization's,
  // a Flux Kustomization's `patches…` or an Argo CD Application's) may write a granting rule into a role (a
  // `/rules…` operation or a `rules:` key).
  triggers: [
    ...rbacTriggers(SERVICES_STATUS_WRITE, [['services/status']]),
    ['Role', RBAC_API_VERSION, '.Values'],
    ['patches', 'rules', 'services/status'],
    ['patches', 'rules', '*'],
    // Also a patch file that a kustomization's Role or ClusterRole target may apply (patches/patchFiles.ts):
    // operations on `/rules`, or a kind-less strategic merge patch, which names what it patches (`metadata`).
    ['/rules', 'services/status'],
    ['/rules', '*'],
    ['rules', 'services/status', 'metadata'],
  ],
  check: rbacPermissionCheck(SERVICES_STATUS_WRITE),
  fixes: rbacNarrowingFixes,
};
