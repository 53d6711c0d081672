// The fix of the RBAC rules (rbacPermission.ts): narrow the RBAC rule so it no longer grants the
// finding's permission while every other permission stays exactly as it was. RBAC has no deny, so for
// each (group, resource, verbs) access of the permission the rule is split into parts that each keep a
// slice of what it granted:
//   1. every resource but the access's, with all groups and verbs;
//   2. the access's resource in the other API groups, with all verbs;
//   3. the access's resource in its group, with the verbs that are not the access's.
// The next access splits each part again (a part that does not grant it stays whole); no part is left
// when the rule granted nothing else, and the rule is removed. Wildcards (`*` groups or verbs, `*` or
// `*/subresource` resources) cannot be narrowed exactly and get no fix.
import { Document, isScalar, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { ResourceAccess } from '../rbac/matching';
import { RbacRuleTarget } from './ruleTypes';
import { Located, mapValues, scalarString } from '../yamlModel';
import { FixCandidate, FixContext, RuleFixes } from '../fixes/fixTypes';
import { removePatchOperation } from '../patches/patchOperationFix';
import { IntendedChange, indexPathTo } from '../fixes/intendedChange';
import { applyOffsetEdits, OffsetEdit } from '../textEdits';
import { lineBreakOf, lineStartOf, nodeTextSpan, onlySpaceBefore, removeSequenceItems } from '../fixes/yamlEdits';

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

/** The three lists of a rule. */
interface RuleLists {
  apiGroups: RuleList;
  resources: RuleList;
  verbs: RuleList;
}

type ListName = keyof RuleLists;
const LIST_NAMES: readonly ListName[] = ['apiGroups', 'resources', 'verbs'];

/** A part of the narrowed rule: the indices it keeps of each list (every other key stays as written). */
type Part = Record<ListName, number[]>;

/** `part` split so that no piece grants `access` and together they grant everything else it granted. */
function narrow(part: Part, lists: RuleLists, access: ResourceAccess): Part[] {
  const where = (name: ListName, predicate: (value: string) => boolean) => part[name].filter((index) => predicate(lists[name].values[index]));
  const theGroup = where('apiGroups', (group) => group === access.group);
  const theResource = where('resources', (resource) => resource === access.resource);
  const writes = where('verbs', (verb) => access.verbs.includes(verb));
  if (theGroup.length === 0 || theResource.length === 0 || writes.length === 0) return [part];
  const otherResources = where('resources', (resource) => resource !== access.resource);
  const otherGroups = where('apiGroups', (group) => group !== access.group);
  const otherVerbs = where('verbs', (verb) => !access.verbs.includes(verb));
  const parts: Part[] = [];
  if (otherResources.length > 0) parts.push({ ...part, resources: otherResources });
  if (otherGroups.length > 0) parts.push({ ...part, apiGroups: otherGroups, resources: theResource });
  if (otherVerbs.length > 0) parts.push({ apiGroups: theGroup, resources: theResource, verbs: otherVerbs });
  return parts;
}

interface RbacFixPlan {
  edits: OffsetEdit[];
  change: IntendedChange;
}

function planNarrowingFix(text: string, document: Document, documentIndex: number, target: RbacRuleTarget): RbacFixPlan | undefined {
  const { rule, rules, grant, permission } = target;
  if (rule.shared || rules.shared) return undefined;
  const exactResources = new Set(permission.accesses.map((access) => access.resource));
  if (grant.apiGroups.includes('*') || grant.verbs.includes('*') || grant.resources.some((resource) => !exactResources.has(resource))) return undefined;
  const [apiGroups, resources, verbs] = LIST_NAMES.map((name) => ruleList(document, rule, name));
  if (!apiGroups || !resources || !verbs) return undefined;
  const lists: RuleLists = { apiGroups, resources, verbs };
  const ruleSpan = nodeTextSpan(text, rule.node);
  const rulePath = indexPathTo(document, rule.written);
  if (!ruleSpan || !rulePath) return undefined;

  const whole: Part = { apiGroups: allIndices(apiGroups), resources: allIndices(resources), verbs: allIndices(verbs) };
  let parts: Part[] = [whole];
  for (const access of permission.accesses) parts = parts.flatMap((part) => narrow(part, lists, access));

  const ruleData = rule.node.toJS(document) as Record<string, unknown>;
  const keepsAll = (part: Part, name: ListName) => part[name].length === lists[name].values.length;
  const partData = (part: Part) => {
    const data = { ...ruleData };
    for (const name of LIST_NAMES) if (!keepsAll(part, name)) data[name] = part[name].map((index) => lists[name].values[index]);
    return data;
  };
  const change: IntendedChange = { kind: 'replace-items', documentIndex, path: rulePath, replacements: parts.map(partData) };
  if (parts.length === 0) {
    const index = rules.node.items.indexOf(rule.written as never);
    const edits = index === -1 ? undefined : removeSequenceItems(text, rules.node, new Set([index]));
    return edits ? { edits, change } : undefined;
  }
  const partTexts: string[] = [];
  for (const part of parts) {
    const edits: OffsetEdit[] = [];
    for (const name of LIST_NAMES) {
      if (keepsAll(part, name)) continue;
      const kept = new Set(part[name]);
      const listEdits = removeSequenceItems(text, lists[name].seq, new Set(allIndices(lists[name]).filter((index) => !kept.has(index))));
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

function allIndices(list: RuleList): number[] {
  return list.values.map((_, index) => index);
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
  // A rule a JSON patch operation adds: the fix removes the operation (or its entry).
  if (target.kind === 'patch-op') return removePatchOperation(context, target);
  if (target.kind !== 'rbac-rule') return [];
  const plan = planNarrowingFix(text, analysis.documents[finding.documentIndex].document, finding.documentIndex, target);
  if (!plan) return [];
  const { kind, title } = target.permission.fix;
  return [{ kind, title, ...plan, fixAll: true, isPreferred: true }];
}

export const rbacNarrowingFixes: RuleFixes = { textFixes: narrowingFixes };
