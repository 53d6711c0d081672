// What a rule module's fixes get and give (RuleModule.fixes); fixes.ts asks the module of a finding's
// rule for them, proves each text fix with verify.ts and adds the fixes common to every rule.
import type { DetailedAnalysis, DetailedFinding } from '../analyze';
import type { FindingTarget } from '../rules/ruleTypes';
import type { OffsetEdit } from '../textEdits';
import type { AllowListFix, TextFix } from '../types';
import type { IntendedChange } from './intendedChange';

/** One finding of the module's rules, with the full parse of the text it was found in. */
export interface FixContext {
  text: string;
  analysis: DetailedAnalysis;
  finding: DetailedFinding;
  /** The finding's target: the parsed nodes its check recorded for the fix. */
  target: FindingTarget;
}

/** A fix of the text before it is proven: its edits and the data change they must make (verify.ts). */
export interface FixCandidate {
  kind: TextFix['kind'];
  title: string;
  edits: OffsetEdit[];
  change: IntendedChange;
  fixAll: boolean;
  isPreferred: boolean;
  /** Comments the fix itself writes (a suppression), which the comment check must not count as new. */
  addedComments?: string[];
}

export interface RuleFixes {
  /**
   * Fixes that edit the text, each offered only when verify.ts proves it. Not asked for a finding its object
   * reaches through an alias (`DetailedFinding.reachedThrough`): the target's containers are that object's,
   * so an edit there would not edit where the finding is.
   */
  textFixes?: (context: FixContext) => FixCandidate[];
  /** Fixes of the config file instead of the text (its allowlist), offered as they are and never in fix-all. */
  configFixes?: (context: FixContext) => AllowListFix[];
}
