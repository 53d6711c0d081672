// Proves a candidate fix before it is offered: the result still parses, the finding is gone, no
// new finding appears, the decoded data equals the original with exactly the intended change, and
// every comment is kept except those on the lines the fix removes.
import { Document, isMap, isPair, isSeq, Lexer, visit, YAMLMap, YAMLSeq } from 'yaml';
import { analyzeDetailed, DetailedAnalysis, DetailedFinding } from '../analyze';
import { EngineOptions, Finding } from '../types';
import { applyOffsetEdits, OffsetEdit } from '../textEdits';
import { IndexPath, IntendedChange } from './intendedChange';

function containerAt(document: Document, path: IndexPath): YAMLMap | YAMLSeq | undefined {
  let node: unknown = document.contents;
  for (const index of path) {
    if (!isMap(node) && !isSeq(node)) return undefined;
    const item = (node as YAMLMap | YAMLSeq).items[index] as unknown;
    node = isPair(item) ? item.value : item;
  }
  return isMap(node) || isSeq(node) ? node : undefined;
}

/** The data `original` decodes to with `change` made. */
export function expectedData(original: Document, change: IntendedChange): unknown {
  if (change.kind === 'none') return original.toJS({ maxAliasCount: 10_000 });
  const clone = original.clone();
  if (change.kind === 'replace-value' && change.path.length === 0) {
    clone.contents = clone.createNode(change.value);
    return clone.toJS({ maxAliasCount: 10_000 });
  }
  const parent = containerAt(clone, change.path.slice(0, -1));
  const index = change.path[change.path.length - 1];
  if (!parent) throw new Error('intended change does not match the document');
  const items = parent.items as unknown[];
  if (change.kind === 'delete') items.splice(index, 1);
  else if (change.kind === 'replace-value') {
    const item = items[index];
    if (isPair(item)) item.value = clone.createNode(change.value);
    else items[index] = clone.createNode(change.value);
  } else items.splice(index, 1, ...change.replacements.map((value) => clone.createNode(value)));
  return clone.toJS({ maxAliasCount: 10_000 });
}

/**
 * Whether the change edits a node that an alias (or a `<<` merge) also puts somewhere else: an anchor
 * on the path to the changed item, or inside what it removes. Editing the anchored text would change
 * every object that uses the alias, and the expected data (computed on a clone, where aliases follow
 * the edit too) cannot show that.
 */
function changesAliasedNode(document: Document, change: IntendedChange): boolean {
  if (change.kind === 'none') return false;
  const anchors = new Set<string>();
  const note = (node: unknown) => {
    const anchor = (node as { anchor?: unknown } | null | undefined)?.anchor;
    if (typeof anchor === 'string') anchors.add(anchor);
  };
  let node: unknown = document.contents;
  note(node);
  for (const index of change.path) {
    if (!isMap(node) && !isSeq(node)) break;
    const item = (node as YAMLMap | YAMLSeq).items[index] as unknown;
    if (isPair(item)) note(item.key);
    node = isPair(item) ? item.value : item;
    note(node);
  }
  if (node !== null && typeof node === 'object') {
    visit(node as Parameters<typeof visit>[0], (_key, child) => {
      note(child);
    });
  }
  if (anchors.size === 0) return false;
  let aliased = false;
  visit(document, {
    Alias(_key, alias) {
      if (!anchors.has(alias.source)) return undefined;
      aliased = true;
      return visit.BREAK;
    },
  });
  return aliased;
}

function commentCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of new Lexer().lex(text)) {
    if (token.startsWith('#')) counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  return counts;
}

function findingCounts(findings: readonly Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const finding of findings) {
    const key = `${finding.code}\u0000${finding.message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Whether the text's `{{ … }}` actions are the same, in the same order, after an edit. */
export function sameTemplateActions(before: string, after: string): boolean {
  if (!before.includes('{{') && !after.includes('{{')) return true;
  const actions = (text: string) => text.match(/\{\{[\s\S]*?\}\}/g) ?? [];
  return actions(before).join('\u0000') === actions(after).join('\u0000');
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Returns the edited text when the edits are proven safe for `finding`, else undefined.
 * `addedComments` are comments the fix itself writes (a suppression).
 */
export function verifyFix(
  text: string,
  options: EngineOptions,
  before: AnalysisBefore,
  finding: DetailedFinding,
  edits: readonly OffsetEdit[],
  change: IntendedChange,
  addedComments: readonly string[] = [],
): string | undefined {
  return verifyEdit(text, options, before, edits, change, addedComments, (after) => {
    const targeted = (findings: readonly Finding[]) => findings.filter((other) => other.code === finding.code && other.message === finding.message).length;
    return addsNoFinding(before.findings, after.findings) && targeted(after.findings) < targeted(before.findings);
  });
}

/** No finding (of a rule and message) is there more often after an edit than before it. */
export function addsNoFinding(before: readonly Finding[], after: readonly Finding[]): boolean {
  const beforeCounts = findingCounts(before);
  for (const [key, count] of findingCounts(after)) if (count > (beforeCounts.get(key) ?? 0)) return false;
  return true;
}

/** What verification needs of the analysis of the text before the edit. */
export type AnalysisBefore = { findings: DetailedFinding[]; documents: { document: Document; parsed: boolean; start: number; end: number }[] };

/**
 * Returns the edited text when the edits keep every document parsing as before, change the decoded data by
 * exactly `change`, add no comment but `addedComments` and remove none but what they replace, and the
 * analysis of the edited text (and the edited text) satisfy `findingsAsIntended` (the finding is gone, nothing new appears).
 */
export function verifyEdit(
  text: string,
  options: EngineOptions,
  before: AnalysisBefore,
  edits: readonly OffsetEdit[],
  change: IntendedChange,
  addedComments: readonly string[],
  findingsAsIntended: (after: DetailedAnalysis, edited: string) => boolean,
): string | undefined {
  const edited = applyOffsetEdits(text, edits);
  if (edited === undefined || edited === text) return undefined;
  // A Helm template keeps every `{{ … }}` action verbatim and in order: a fix never edits what only
  // rendering decides (an `{{- end }}` removed with a block would break the chart).
  if (!sameTemplateActions(text, edited)) return undefined;
  try {
    const after = analyzeDetailed(edited, options);
    if (after.documents.length !== before.documents.length) return undefined;
    if (after.documents.some((document, index) => document.parsed !== before.documents[index].parsed)) return undefined;
    if (!findingsAsIntended(after, edited)) return undefined;

    if (change.kind !== 'none' && changesAliasedNode(before.documents[change.documentIndex].document, change)) return undefined;

    for (let index = 0; index < before.documents.length; index++) {
      const old = before.documents[index];
      const now = after.documents[index];
      if (!old.parsed) continue;
      const unchangedText = text.slice(old.start, old.end) === edited.slice(now.start, now.end);
      if (unchangedText) continue;
      const expected = change.kind !== 'none' && change.documentIndex === index ? expectedData(old.document, change) : expectedData(old.document, { kind: 'none' });
      if (!isDeepEqual(expected, now.document.toJS({ maxAliasCount: 10_000 }))) return undefined;
    }

    const removedText = edits.map((edit) => text.slice(edit.start, edit.end)).join('\n');
    const removedComments = commentCounts(removedText);
    const oldComments = commentCounts(text);
    const newComments = commentCounts(edited);
    for (const comment of addedComments) newComments.set(comment, (newComments.get(comment) ?? 0) - 1);
    for (const [comment, count] of oldComments) {
      const now = newComments.get(comment) ?? 0;
      if (now > count || count - now > (removedComments.get(comment) ?? 0)) return undefined;
    }
    for (const [comment, count] of newComments) if (count > (oldComments.get(comment) ?? 0)) return undefined;
    return edited;
  } catch {
    return undefined;
  }
}
