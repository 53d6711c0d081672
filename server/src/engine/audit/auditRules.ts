// The rules of `kube-mitm-guard audit-log`. They judge API requests in kube-apiserver audit logs, not
// manifests: no document check, no fixes, no editor settings, so they are not rule modules
// (rules/registry.ts) and their ids are not in RULE_IDS. They are stable ids all the same, documented in
// the README under `rule-<id>` anchors (test/unit/ruleRegistry.test.ts checks both lists).
import { Severity } from '../types';

export const AUDIT_RULE_IDS = [
  'audit-services-status-write',
  'audit-external-ips',
  'audit-rbac-grant',
] as const;
export type AuditRuleId = (typeof AUDIT_RULE_IDS)[number];

export interface AuditRuleDescription {
  id: AuditRuleId;
  /** For a request that succeeded; a refused one is a warning, a dry run information. */
  severity: Severity;
  shortDescription: string;
}

export const AUDIT_RULES: Readonly<Record<AuditRuleId, AuditRuleDescription>> = {
  'audit-services-status-write': {
    id: 'audit-services-status-write',
    severity: 'error',
    shortDescription: 'patch or update of services/status by a user who is not an allowed status writer',
  },
  'audit-external-ips': {
    id: 'audit-external-ips',
    severity: 'error',
    shortDescription: 'a Service write whose body sets externalIPs outside the allowlist, or invalid ones',
  },
  'audit-rbac-grant': {
    id: 'audit-rbac-grant',
    severity: 'error',
    shortDescription: 'a role write that grants patch/update on services/status, or a binding to such a role',
  },
};
