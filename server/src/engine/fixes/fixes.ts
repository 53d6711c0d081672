// The fixes of a finding: its rule module's (RuleModule.fixes, built from the finding's parsed nodes,
// never from message text), plus what every rule shares (suppressing the line, removing an unused
// suppression). Text fixes are offered only when verify.ts proves them safe.
import { AnalysedPiece, AnalysisCache, analyzeDetailed, analyzeText, DetailedAnalysis, DetailedFinding, FileContext } from '../analyze';
import { FileFacts, shiftKey, shiftRange } from '../workspace/facts';
import { LineIndex } from '../lineIndex';
import { applyEdits, OffsetEdit } from '../textEdits';
import { RULE_FIXES } from '../rules/registry';
import { DISABLE_NEXT_LINE, findSuppressionComments, SuppressionComment } from '../suppressions';
import { EngineOptions, Finding, Fix, RuleId, TextEdit, TextFix, UNUSED_SUPPRESSION } from '../types';
import { FixCandidate } from './fixTypes';
import { verifyEdit, verifyFix } from './verify';
import { embeddedTextFixes } from '../patches/embeddedFixes';
import { lineBreakOf } from './yamlEdits';
import { valueRemovalCandidate } from './valueRemoval';

const MAX_FIX_ALL_STEPS = 500;

/**
 * The verified fixes for the finding with `findingKey` in `text` (empty when it no longer exists). With the
 * `AnalysisCache` that analysed this text, a finding in a List item is fixed from that item alone (see
 * `fixesInPiece`), not from a parse of the whole export.
 */
export function fixesForFinding(text: string, options: EngineOptions, findingKey: string, analysed?: AnalysisCache): Fix[] {
  const piece = analysed?.pieceAt(text, options, Number(findingKey.split(':')[1]));
  const fromPiece = piece && fixesInPiece(piece, options, findingKey);
  if (fromPiece) return fromPiece;
  try {
    const analysis = analyzeDetailed(text, options);
    const finding = analysis.findings.find((candidate) => candidate.key === findingKey);
    return finding ? verifiedFixes(text, options, analysis, finding, false) : [];
  } catch {
    return [];
  }
}

/**
 * The fixes of a finding in a List item, computed and verified on the item's text (which parses as the item
 * does in its List) and moved to the item's place; undefined when an edit touches the item's first line, where
 * the item's text reads `- ` as spaces, so the caller starts from the whole text.
 */
function fixesInPiece(piece: AnalysedPiece, options: EngineOptions, findingKey: string): Fix[] | undefined {
  let fixes: Fix[];
  try {
    const analysis = analyzeDetailed(piece.text, options);
    const key = shiftKey(findingKey, -piece.start);
    const finding = analysis.findings.find((candidate) => candidate.key === key);
    // The item's findings are the whole text's there: one the item does not have (a linked finding) has no fixes.
    if (!finding) return [];
    if (finding.range.start.line === 0) return undefined;
    fixes = verifiedFixes(piece.text, options, analysis, finding, false);
  } catch {
    return undefined;
  }
  const moved: Fix[] = [];
  for (const fix of fixes) {
    if (!isTextFix(fix)) {
      moved.push(fix);
      continue;
    }
    if (fix.edits.some((edit) => edit.range.start.line === 0)) return undefined;
    moved.push({ ...fix, edits: fix.edits.map((edit) => ({ ...edit, range: shiftRange(edit.range, piece.lineBase) })) });
  }
  return moved;
}

/**
 * The fixes of a finding the link phase reported (`FileLink.added`: a binding that hands out a grant, an
 * aggregating role, a shared externalIP, a traced Helm value). Such a finding has no parsed target: a traced
 * Helm value's address can be removed from its list (valueRemoval.ts); every one gets the suppression comment
 * above its line. Both are proven like every fix (the data changed as intended, every other comment kept); the
 * comment also by covering the finding's line for its rule in the edited text's facts, since the link phase
 * judges suppressions. Locally the new mention looks unused; the link uses it.
 */
export function linkedFindingFixes(text: string, options: EngineOptions, finding: Finding, file: FileContext = {}): Fix[] {
  try {
    const analysis = analyzeDetailed(text, options);
    if (!analysis.documents[finding.documentIndex]) return [];
    const fixes: Fix[] = [];
    const offer = (candidate: FixCandidate) => {
      fixes.push({
        kind: candidate.kind,
        title: candidate.title,
        edits: candidate.edits.map((edit) => ({ range: analysis.lines.rangeOf(edit.start, edit.end), newText: edit.newText })),
        fixAll: false,
        isPreferred: candidate.isPreferred,
      });
    };
    // A traced Helm value: remove the address from its list (the data change is proven; the link judges the rest).
    const removal = valueRemovalCandidate(text, analysis, finding);
    if (removal && verifyEdit(text, options, analysis, removal.edits, removal.change, [], (after) => noNewFinding(analysis.findings, after.findings))) offer(removal);
    const candidate = suppressCandidate(text, analysis, finding);
    if (candidate === undefined) return fixes;
    const lineAfterEdit = finding.range.start.line + linesAddedBefore(text, candidate.edits, finding.startOffset);
    // The facts the link reads are the file's as its caller analyses it (a Helm values file's comments too).
    const verified = verifyEdit(text, options, analysis, candidate.edits, candidate.change, candidate.addedComments ?? [], (after, edited) =>
      onlyNewUnusedSuppression(analysis.findings, after.findings) && suppressesLinked(analyzeText(edited, options, undefined, file).facts, finding.code, lineAfterEdit),
    );
    if (verified !== undefined) offer({ ...candidate, isPreferred: false });
    return fixes;
  } catch {
    return [];
  }
}

/** No rule (unused suppressions included) has more findings than before. */
function noNewFinding(before: readonly Finding[], after: readonly Finding[]): boolean {
  const count = (findings: readonly Finding[]) => {
    const byCode = new Map<string, number>();
    for (const finding of findings) byCode.set(finding.code, (byCode.get(finding.code) ?? 0) + 1);
    return byCode;
  };
  const was = count(before);
  return [...count(after)].every(([code, now]) => now <= (was.get(code) ?? 0));
}

/** Line breaks the edits add before `offset`. */
function linesAddedBefore(text: string, edits: readonly OffsetEdit[], offset: number): number {
  const lineBreaks = (value: string) => value.match(/\r\n|\r|\n/g)?.length ?? 0;
  let added = 0;
  for (const edit of edits) if (edit.end <= offset) added += lineBreaks(edit.newText) - lineBreaks(text.slice(edit.start, edit.end));
  return added;
}

/** No finding is new after the edit but at most one unused-suppression (the mention the fix adds). */
function onlyNewUnusedSuppression(before: readonly Finding[], after: readonly Finding[]): boolean {
  const count = (findings: readonly Finding[], unused: boolean) => findings.filter((finding) => (finding.code === UNUSED_SUPPRESSION) === unused).length;
  return count(after, false) <= count(before, false) && count(after, true) <= count(before, true) + 1;
}

/** Whether the facts hold a comment that suppresses a linked finding of `ruleId` on `line` (as Linker.suppressed reads them). */
function suppressesLinked(facts: FileFacts | undefined, ruleId: string, line: number): boolean {
  return (facts?.suppressions ?? []).some(
    (comment) => comment.scope === 'next-line' && comment.line === line - 1 && comment.mentions.some((mention) => mention.ruleId === ruleId),
  );
}

/** Applies every fix-all fix to `text`, one verified fix at a time; returns minimal edits and the new text. */
export function fixAll(text: string, options: EngineOptions): { edits: TextEdit[]; fixedCount: number; text: string } {
  let current = text;
  let fixedCount = 0;
  const unfixable = new Set<string>();
  for (let step = 0; step < MAX_FIX_ALL_STEPS; step++) {
    let analysis: DetailedAnalysis;
    try {
      analysis = analyzeDetailed(current, options);
    } catch {
      break;
    }
    let applied = false;
    for (const finding of analysis.findings) {
      const identity = `${finding.code}\u0000${finding.message}`;
      if (unfixable.has(identity)) continue;
      const fix = verifiedFixes(current, options, analysis, finding, true).find(isTextFix);
      if (!fix) {
        unfixable.add(identity);
        continue;
      }
      current = applyEdits(current, fix.edits);
      fixedCount++;
      applied = true;
      break;
    }
    if (!applied) break;
  }
  return { edits: current === text ? [] : [minimalEdit(text, current)], fixedCount, text: current };
}

/** A fix of the text itself, not of the config file. */
function isTextFix(fix: Fix): fix is TextFix {
  return 'edits' in fix;
}

/** One edit covering only what changed between two texts. */
function minimalEdit(before: string, after: string): TextEdit {
  let prefix = 0;
  const shorter = Math.min(before.length, after.length);
  while (prefix < shorter && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  const lines = new LineIndex(before);
  return { range: lines.rangeOf(prefix, before.length - suffix), newText: after.slice(prefix, after.length - suffix) };
}

function verifiedFixes(text: string, options: EngineOptions, analysis: DetailedAnalysis, finding: DetailedFinding, fixAllOnly: boolean): Fix[] {
  const fixes: Fix[] = [];
  let candidates: FixCandidate[];
  try {
    candidates = candidatesFor(text, analysis, finding);
  } catch {
    // A document the parser accepted can still hold what decoding refuses (an alias to a missing
    // anchor): such a finding gets no fix rather than an exception.
    candidates = [];
  }
  for (const candidate of candidates) {
    if (fixAllOnly && !candidate.fixAll) continue;
    const verified = verifyFix(text, options, analysis, finding, candidate.edits, candidate.change, candidate.addedComments);
    if (verified === undefined) continue;
    fixes.push({
      kind: candidate.kind,
      title: candidate.title,
      edits: candidate.edits.map((edit) => ({ range: analysis.lines.rangeOf(edit.start, edit.end), newText: edit.newText })),
      fixAll: candidate.fixAll,
      isPreferred: candidate.isPreferred,
    });
  }
  const configFixes = RULE_FIXES.get(finding.code)?.configFixes;
  if (!fixAllOnly && configFixes && finding.target) fixes.push(...configFixes({ text, analysis, finding, target: finding.target }));
  return fixes;
}

/** The text fixes to verify: the rule module's, then suppressing the line. */
function candidatesFor(text: string, analysis: DetailedAnalysis, finding: DetailedFinding): FixCandidate[] {
  const document = analysis.documents[finding.documentIndex];
  if (!document) return [];
  if (finding.code === UNUSED_SUPPRESSION) return finding.suppression ? removeSuppressionCandidates(text, finding, finding.suppression) : [];
  const candidates: FixCandidate[] = [];
  // An anchored node's finding judged for an object that reaches it through an alias: the target's
  // containers are that object's, and its fixes are offered at the alias's own finding.
  const textFixes = RULE_FIXES.get(finding.code)?.textFixes;
  // In embedded text (an inline patch) the target's nodes are the embedded text's: its fixes are built there.
  if (textFixes && finding.target && !finding.reachedThrough) {
    candidates.push(...(finding.embedded ? embeddedTextFixes(document.document, finding, finding.embedded, finding.target, textFixes) : textFixes({ text, analysis, finding, target: finding.target })));
  }
  const suppress = suppressCandidate(text, analysis, finding);
  if (suppress) candidates.push(suppress);
  return candidates;
}

/** JSON has no comments, so JSON documents get no suppression fix (a Helm template opening with `{{` is not JSON). */
function isJsonDocument(text: string, start: number, end: number): boolean {
  return /^\s*(?:\{(?!\{)|\[)/.test(text.slice(start, Math.min(end, start + 4096)).replace(/^\uFEFF/, ''));
}

function suppressCandidate(text: string, analysis: DetailedAnalysis, finding: DetailedFinding): FixCandidate | undefined {
  const document = analysis.documents[finding.documentIndex];
  if (isJsonDocument(text, document.start, document.end)) return undefined;
  const ruleId = finding.code as RuleId;
  const line = finding.range.start.line;
  const lineStart = analysis.lines.lineStart(line);
  const previous = line > 0 ? existingSuppression(text, analysis, line - 1) : undefined;
  const title = `Suppress ${ruleId} for this line`;
  if (previous) {
    if (previous.rules.some((mention) => mention.ruleId === ruleId)) return undefined;
    const lastMention = previous.rules[previous.rules.length - 1];
    const oldComment = text.slice(previous.start, previous.end);
    const insertAt = (lastMention ? lastMention.end : previous.start + `#${DISABLE_NEXT_LINE}`.length + 1) - previous.start;
    const separator = lastMention ? ', ' : ' ';
    const newComment = oldComment.slice(0, insertAt) + separator + ruleId + oldComment.slice(insertAt);
    return {
      kind: 'suppress-line',
      title,
      edits: [{ start: previous.start, end: previous.end, newText: newComment }],
      change: { kind: 'none' },
      fixAll: false,
      isPreferred: false,
      addedComments: [newComment.trimEnd()],
    };
  }
  const indentation = /^[ \t]*/.exec(text.slice(lineStart, lineStart + 200))?.[0] ?? '';
  const comment = `# ${DISABLE_NEXT_LINE} ${ruleId}`;
  return {
    kind: 'suppress-line',
    title,
    edits: [{ start: lineStart, end: lineStart, newText: indentation + comment + lineBreakOf(text) }],
    change: { kind: 'none' },
    fixAll: false,
    isPreferred: false,
    addedComments: [comment],
  };
}

function existingSuppression(text: string, analysis: DetailedAnalysis, line: number): SuppressionComment | undefined {
  const lineText = text.slice(analysis.lines.lineStart(line), analysis.lines.lineEndWithBreak(line));
  if (!lineText.includes(DISABLE_NEXT_LINE)) return undefined;
  const comment = findSuppressionComments(text, analysis.lines).find((candidate) => candidate.line === line && candidate.scope === 'next-line');
  return comment;
}

function removeSuppressionCandidates(text: string, finding: DetailedFinding, comment: SuppressionComment): FixCandidate[] {
  const others = comment.rules.filter((mention) => mention.start !== finding.startOffset);
  const oldComment = text.slice(comment.start, comment.end);
  let edit: OffsetEdit;
  let addedComments: string[] = [];
  if (others.length === 0) {
    // The whole comment line goes, line break included.
    let end = comment.end;
    if (text[end] === '\r') end++;
    if (text[end] === '\n') end++;
    edit = { start: comment.start - comment.indentation.length, end, newText: '' };
  } else {
    const mentionIndex = comment.rules.findIndex((mention) => mention.start === finding.startOffset);
    const mention = comment.rules[mentionIndex];
    // Remove the id with the separator that joins it to its neighbour.
    const from = mentionIndex === 0 ? mention.start : comment.rules[mentionIndex - 1].end;
    const to = mentionIndex === 0 ? comment.rules[1].start : mention.end;
    const newComment = oldComment.slice(0, from - comment.start) + oldComment.slice(to - comment.start);
    edit = { start: comment.start, end: comment.end, newText: newComment };
    addedComments = [newComment.trimEnd()];
  }
  return [{ kind: 'remove-suppression', title: 'Remove this unused suppression', edits: [edit], change: { kind: 'none' }, fixAll: false, isPreferred: true, addedComments }];
}
