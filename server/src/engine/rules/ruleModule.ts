// What a rule module exports: everything about its rules in one place, its fixes included. The catalog,
// the pre-check's trigger words, SARIF descriptors and the rule lists in package.json and the schema
// derive from the list in registry.ts (test/unit/ruleRegistry.test.ts fails when they drift).
import { RuleId, Severity } from '../types';
import { RuleFixes } from '../fixes/fixTypes';
import { Rule } from './ruleTypes';

export interface RuleDescription {
  id: RuleId;
  defaultSeverity: Severity;
  shortDescription: string;
  fullDescription: string;
  /** SARIF tags besides the common `security` and `kubernetes`. */
  tags: readonly string[];
}

/**
 * One module: one check and the rules it reports (external-ips and external-ip-invalid come from one
 * look at each entry, so they share a module).
 */
export interface RuleModule {
  rules: readonly RuleDescription[];
  /**
   * The words a YAML document must contain (every word of at least one set, after decoding escapes) to
   * yield this module's findings or facts; documents with none are not parsed (prefilter.ts explains
   * why that is sound). A module that reports from the link phase lists the words of the objects its
   * facts come from.
   */
  triggers: readonly (readonly string[])[];
  /** Judges one object of one document; absent for rules reported only by the link phase. */
  check?: Rule;
  /**
   * The fixes this module offers for the findings of its check, built from their targets (fixes/fixTypes.ts);
   * absent when it offers none. The fixes common to every rule (suppressing) are fixes.ts's.
   */
  fixes?: RuleFixes;
}
