// The list of rule modules. Adding a rule: a module in this folder, one line here, docs and tests.
import { RuleFixes } from '../fixes/fixTypes';
import { RuleId } from '../types';
import { denyExternalIpsAdmissionModule } from './denyExternalIpsAdmission';
import { externalIpConflictModule } from './externalIpConflict';
import { externalIpsModule } from './externalIps';
import { externalIpsDeprecatedModule } from './externalIpsDeprecated';
import { loadBalancerStatusModule } from './loadBalancerStatus';
import { rbacEndpointsWriteModule } from './rbacEndpointsWrite';
import { mitigationsModule } from './mitigations';
import { rbacServicesStatusModule } from './rbacServicesStatus';
import { RuleDescription, RuleModule } from './ruleModule';
import { Rule } from './ruleTypes';

export const RULE_MODULES: readonly RuleModule[] = [
  externalIpsModule,
  externalIpConflictModule,
  loadBalancerStatusModule,
  rbacServicesStatusModule,
  rbacEndpointsWriteModule,
  mitigationsModule,
  externalIpsDeprecatedModule,
  denyExternalIpsAdmissionModule,
];

export const RULES: Readonly<Record<RuleId, RuleDescription>> = Object.fromEntries(
  RULE_MODULES.flatMap((module) => module.rules.map((rule) => [rule.id, rule])),
) as Record<RuleId, RuleDescription>;

/** The per-document checks, in registry order. */
export const DOCUMENT_CHECKS: readonly Rule[] = RULE_MODULES.flatMap((module) => (module.check ? [module.check] : []));

/** Every trigger word set of every module (see RuleModule.triggers), each once: the RBAC modules share their binding and role sets. */
export const TRIGGER_WORD_SETS: readonly (readonly string[])[] = [
  ...new Map(RULE_MODULES.flatMap((module) => module.triggers).map((words) => [words.join('\n'), words])).values(),
];

/** The fixes of each rule that has some, from the module that reports it. */
export const RULE_FIXES: ReadonlyMap<string, RuleFixes> = new Map(
  RULE_MODULES.flatMap(({ rules, fixes }) => (fixes ? rules.map((rule): [string, RuleFixes] => [rule.id, fixes]) : [])),
);
