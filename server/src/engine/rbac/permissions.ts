// The RBAC permissions the project reports, as data: what each matches, which rules report it, how
// the reach of its holders sets the severity, and how messages and the narrowing fix name it. The rule
// modules, the link phase and the fix read this list; a new permission is one entry here and a module.
import type { RuleId, Severity, TextFix } from '../types';
import { ResourceAccess } from './matching';
import { ReachClass } from './model';

export interface Permission {
  /** The rule of a Role or ClusterRole rule that grants it (per document, re-judged by the link phase). */
  ruleId: RuleId;
  /** The link-phase rule of a binding that hands it to a subject. */
  bindingRuleId: RuleId;
  /** The request shapes that count: a rule grants the permission when it grants any of them. */
  accesses: readonly ResourceAccess[];
  /** How messages name it, e.g. `patch/update on services/status`. */
  description: string;
  /** What a holder can do with it, ending with the CVE, after `whoever holds it can`. */
  consequence: string;
  /** A role's severity by the widest reach among its holders (`unbound`: nothing in the workspace binds it). */
  roleSeverity: Readonly<Record<ReachClass | 'unbound', Severity>>;
  /** A binding subject's severity by its reach; a reach not listed is not reported on the binding. */
  bindingSeverity: Readonly<Partial<Record<ReachClass, Severity>>>;
  /**
   * Whether `statusWriters` (subjects trusted to write Service status) count as control plane for it.
   * Only for services/status: trusting a load-balancer controller with status says nothing about Endpoints.
   */
  trustsStatusWriters: boolean;
  /** The narrowing fix of a rule that grants it. */
  fix: { kind: TextFix['kind']; title: string };
}

export const SERVICES_STATUS_WRITE: Permission = {
  ruleId: 'rbac-services-status',
  bindingRuleId: 'rbac-services-status-binding',
  accesses: [{ group: '', resource: 'services/status', verbs: ['patch', 'update'] }],
  description: 'patch/update on services/status',
  consequence: 'write status.loadBalancer.ingress of Services and intercept their traffic (CVE-2020-8554)',
  roleSeverity: { people: 'error', broad: 'error', workload: 'warning', unbound: 'warning', 'control-plane': 'information' },
  bindingSeverity: { people: 'error', broad: 'error', workload: 'warning' },
  trustsStatusWriters: true,
  fix: { kind: 'remove-services-status-write', title: 'Remove patch/update on services/status from this rule' },
};

const ENDPOINTS_WRITE_VERBS = ['create', 'update', 'patch'];

// Controllers write Endpoints by design (ingress controllers, operators, old leader election), so only a
// grant that reaches tenants (people, a broad group, every namespace admin or editor) is an error.
export const ENDPOINTS_WRITE: Permission = {
  ruleId: 'rbac-endpoints-write',
  bindingRuleId: 'rbac-endpoints-write-binding',
  accesses: [
    { group: '', resource: 'endpoints', verbs: ENDPOINTS_WRITE_VERBS },
    { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ENDPOINTS_WRITE_VERBS },
  ],
  description: 'create/update/patch on endpoints or endpointslices',
  consequence: 'point Services, and the LoadBalancers or Ingresses in front of them, at pods in other namespaces and intercept their traffic (CVE-2021-25740)',
  roleSeverity: { people: 'error', broad: 'error', workload: 'information', unbound: 'information', 'control-plane': 'information' },
  bindingSeverity: { people: 'error', broad: 'error' },
  trustsStatusWriters: false,
  fix: { kind: 'remove-endpoints-write', title: 'Remove create/update/patch on endpoints and endpointslices from this rule' },
};

/** Every permission the link phase judges, in registry order of their rules. */
export const RBAC_PERMISSIONS: readonly Permission[] = [SERVICES_STATUS_WRITE, ENDPOINTS_WRITE];
