// Rule `rbac-endpoints-write` (CVE-2021-25740): a Role or ClusterRole rule that lets its holder create,
// update or patch Endpoints or EndpointSlices, and so point a Service (and the LoadBalancer or Ingress in
// front of it) at pods in other namespaces; `rbac-endpoints-write-binding` is reported by the link phase
// (workspace/link.ts) on the binding subjects that get it. The check is rbacPermission.ts's.
import { ENDPOINTS_WRITE } from '../rbac/permissions';
import { rbacNarrowingFixes } from './rbacNarrowingFix';
import { rbacPermissionCheck, rbacTriggers } from './rbacPermission';
import { RuleModule } from './ruleModule';

export const rbacEndpointsWriteModule: RuleModule = {
  rules: [
    {
      id: 'rbac-endpoints-write',
      defaultSeverity: 'information',
      shortDescription: 'Role grants create, update or patch on endpoints or endpointslices',
      fullDescription:
        'A Role or ClusterRole rule that grants create, update or patch on endpoints (core group) or endpointslices ' +
        '(discovery.k8s.io), directly, through * or through aggregation, lets its holder point a Service, and the ' +
        'LoadBalancer or Ingress in front of it, at pods in other namespaces (CVE-2021-25740). Controllers write ' +
        'Endpoints by design, so the severity is information unless the grant reaches tenants: an error when it ' +
        'reaches every namespace admin or editor, a broad group or people.',
      tags: ['CVE-2021-25740', 'rbac'],
    },
    {
      id: 'rbac-endpoints-write-binding',
      defaultSeverity: 'error',
      shortDescription: 'Binding gives people or a broad group write access to endpoints or endpointslices',
      fullDescription:
        'A RoleBinding or ClusterRoleBinding hands a role that grants create, update or patch on endpoints or ' +
        'endpointslices to people or a broad group (every authenticated user, every service account). They can point ' +
        'a Service, and the LoadBalancer or Ingress in front of it, at pods in other namespaces (CVE-2021-25740). ' +
        'Workload service accounts and the control plane are not reported here.',
      tags: ['CVE-2021-25740', 'rbac'],
    },
  ],
  // A rule grants the write only through a resource `endpoints` (which `endpointslices` contains) or `*`,
  // with a verb create, update, patch or `*`. A Kustomize patch (a kustomization's, a Flux Kustomization's
  // or an Argo CD Application's `patches…` field) may write such a rule into a role its target names
  // without the RBAC apiVersion in the text (a resource `*` there: rbacServicesStatus.ts's patch set).
  triggers: [
    ...rbacTriggers(ENDPOINTS_WRITE, [
      ['endpoints', 'create'],
      ['endpoints', 'update'],
      ['endpoints', 'patch'],
    ]),
    ['patches', 'rules', 'endpoints'],
  ],
  check: rbacPermissionCheck(ENDPOINTS_WRITE),
  fixes: rbacNarrowingFixes,
};
