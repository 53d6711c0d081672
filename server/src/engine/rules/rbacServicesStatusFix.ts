// The fix of `rbac-services-status`: narrow the RBAC rule so it no longer grants patch/update on
// services/status while every other permission stays exactly as it was. RBAC has no deny, so the rule
// is split into parts that each keep a slice of the original grant:
//   1. every resource but services/status, with all groups and verbs;
//   2. services/status in the other API groups, with all verbs;
//   3. services/status in the core group, with the verbs that are not writes.
// Wildcards (`*` groups or verbs, `*` or `*/status` resources) cannot be narrowed exactly and get no fix.
import { Document, isScalar, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { RbacRuleTarget } from './ruleTypes';
import { Located, mapValues, scalarString } from '../yamlModel';
import { FixCandidate, FixContext, RuleFixes } from '../fixes/fixTypes';
import { removePatchOperation } from '../patches/patchOperationFix';
import { IntendedChange, indexPathTo } from '../fixes/intendedChange';
import { applyOffsetEdits, OffsetEdit } from '../textEdits';
import { lineBreakOf, lineStartOf, nodeTextSpan, onlySpaceBefore, removeSequenceItems } from '../fixes/yamlEdits';

const WRITE_VERBS = new Set(['patch', 'update']);
const RESOURCE = 'services/status';

interface RuleList {
  seq: YAMLSeq;
  values: string[];
}

function ruleList(document: Document, rule: Located<YAMLMap>, key: string): RuleList | undefined {
  const candidates = mapValues(document, rule, key);
  if (candidates.length !== 1 || candidates[0].shared || !isSeq(candidates[0].node)) return undefined;
  const seq = candidates[0].node;
  const values: string[] = [];
  for (const item of seq.items) {
    if (!isScalar(item)) return undefined;
    const value = scalarString(item);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return { seq, values };
}

function indicesWhere(list: RuleList, predicate: (value: string) => boolean): Set<number> {
  return new Set(list.values.flatMap((value, index) => (predicate(value) ? [index] : [])));
}

interface RbacFixPlan {
  edits: OffsetEdit[];
  change: IntendedChange;
}

function planServicesStatusFix(text: string, document: Document, documentIndex: number, target: RbacRuleTarget): RbacFixPlan | undefined {
  const { rule, rules, grant } = target;
  if (rule.shared || rules.shared) return undefined;
  if (grant.apiGroups.includes('*') || grant.verbs.includes('*') || grant.resources.some((r) => r !== RESOURCE)) return undefined;
  const groups = ruleList(document, rule, 'apiGroups');
  const resources = ruleList(document, rule, 'resources');
  const verbs = ruleList(document, rule, 'verbs');
  if (!groups || !resources || !verbs) return undefined;
  const ruleSpan = nodeTextSpan(text, rule.node);
  const rulePath = indexPathTo(document, rule.written);
  if (!ruleSpan || !rulePath) return undefined;

  const ruleData = rule.node.toJS(document) as Record<string, unknown>;
  const parts: { removals: [RuleList, Set<number>][]; data: Record<string, unknown> }[] = [];
  const isOtherResource = (value: string) => value !== RESOURCE;
  if (resources.values.some(isOtherResource)) {
    parts.push({
      removals: [[resources, indicesWhere(resources, (value) => value === RESOURCE)]],
      data: { ...ruleData, resources: resources.values.filter(isOtherResource) },
    });
  }
  if (groups.values.some((value) => value !== '')) {
    parts.push({
      removals: [
        [groups, indicesWhere(groups, (value) => value === '')],
        [resources, indicesWhere(resources, isOtherResource)],
      ],
      data: { ...ruleData, apiGroups: groups.values.filter((value) => value !== ''), resources: resources.values.filter((value) => value === RESOURCE) },
    });
  }
  if (verbs.values.some((value) => !WRITE_VERBS.has(value))) {
    parts.push({
      removals: [
        [groups, indicesWhere(groups, (value) => value !== '')],
        [resources, indicesWhere(resources, isOtherResource)],
        [verbs, indicesWhere(verbs, (value) => WRITE_VERBS.has(value))],
      ],
      data: {
        ...ruleData,
        apiGroups: groups.values.filter((value) => value === ''),
        resources: resources.values.filter((value) => value === RESOURCE),
        verbs: verbs.values.filter((value) => !WRITE_VERBS.has(value)),
      },
    });
  }

  const change: IntendedChange = { kind: 'replace-items', documentIndex, path: rulePath, replacements: parts.map((part) => part.data) };
  if (parts.length === 0) {
    const index = rules.node.items.indexOf(rule.written as never);
    const edits = index === -1 ? undefined : removeSequenceItems(text, rules.node, new Set([index]));
    return edits ? { edits, change } : undefined;
  }
  const partTexts: string[] = [];
  for (const part of parts) {
    const edits: OffsetEdit[] = [];
    for (const [list, remove] of part.removals) {
      if (remove.size === 0) continue;
      const listEdits = removeSequenceItems(text, list.seq, remove);
      if (!listEdits) return undefined;
      edits.push(...listEdits);
    }
    const edited = applyOffsetEdits(text.slice(ruleSpan[0], ruleSpan[1]), edits.map((edit) => ({ ...edit, start: edit.start - ruleSpan[0], end: edit.end - ruleSpan[0] })));
    if (edited === undefined) return undefined;
    // Removing the rule's last line takes its line break; the rule's own span ends before it.
    partTexts.push(edited.trimEnd());
  }
  const separator = itemSeparator(text, rules.node, ruleSpan[0]);
  if (separator === undefined) return undefined;
  return { edits: [{ start: ruleSpan[0], end: ruleSpan[1], newText: partTexts.join(separator) }], change };
}

/** How a new item follows the rule: `, ` in a flow sequence, a new `- ` line at the same indentation in a block one. */
function itemSeparator(text: string, rules: YAMLSeq, ruleStart: number): string | undefined {
  if (rules.flow) return ', ';
  let dash = ruleStart - 1;
  while (text[dash] === ' ' || text[dash] === '\t') dash--;
  if (text[dash] !== '-' || !onlySpaceBefore(text, dash)) return undefined;
  return lineBreakOf(text) + text.slice(lineStartOf(text, dash), ruleStart);
}

function narrowingFixes(context: FixContext): FixCandidate[] {
  const { text, analysis, finding, target } = context;
  if (target.kind === 'patch-op') return removePatchOperation(context, target);
  if (target.kind !== 'rbac-rule') return [];
  const plan = planServicesStatusFix(text, analysis.documents[finding.documentIndex].document, finding.documentIndex, target);
  if (!plan) return [];
  return [{ kind: 'remove-services-status-write', title: 'Remove patch/update on services/status from this rule', ...plan, fixAll: true, isPreferred: true }];
}

export const rbacServicesStatusFixes: RuleFixes = { textFixes: narrowingFixes };
