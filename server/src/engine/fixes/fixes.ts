// The fixes of a finding: its rule module's (RuleModule.fixes, built from the finding's parsed nodes,
// never from message text), plus what every rule shares (suppressing the line, removing an unused
// suppression). Text fixes are offered only when verify.ts proves them safe.
import { AnalysedPiece, AnalysisCache, analyzeDetailed, analyzeText, countLineBreaks, DetailedAnalysis, DetailedFinding, FileContext, listItemsOf } from '../analyze';
import { splitListItems } from '../listSplit';
import { chunkDocumentCount, DocumentChunk, SplitMemo, splitDocuments } from '../documentSplit';
import { FileFacts, shiftKey, shiftRange } from '../workspace/facts';
import { LineIndex } from '../lineIndex';
import { applyEdits, applyOffsetEdits, OffsetEdit } from '../textEdits';
import { RULE_FIXES } from '../rules/registry';
import { DISABLE_NEXT_LINE, findSuppressionComments, SuppressionComment } from '../suppressions';
import { EngineOptions, Finding, Fix, RuleId, TextEdit, TextFix, UNUSED_SUPPRESSION } from '../types';
import { FixCandidate } from './fixTypes';
import { addsNoFinding, sameTemplateActions, verifyEdit, verifyFix } from './verify';
import { embeddedTextFixes } from '../patches/embeddedFixes';
import { lineBreakOf } from './yamlEdits';
import { valueRemovalCandidate } from './valueRemoval';
import { lastStartingAtOrBefore } from '../sortedSearch';
import { mightHaveFindings } from '../prefilter';

const MAX_FIX_ALL_STEPS = 500;

/**
 * The verified fixes for the finding with `findingKey` in `text` (empty when it no longer exists). They are
 * computed from the smallest text that parses there as the whole text does: with the `AnalysisCache` that
 * analysed this text, the List item that holds the finding (see `fixesInPiece`), else its document chunk
 * (see `chunkFixesForFinding`); the whole text only when neither applies.
 */
export function fixesForFinding(text: string, options: EngineOptions, findingKey: string, analysed?: AnalysisCache): Fix[] {
  const piece = analysed?.pieceAt(text, options, findingOffset(findingKey));
  const fromPiece = piece && fixesInPiece(piece, options, findingKey);
  if (fromPiece) return fromPiece;
  return chunkFixesForFinding(text, options, findingKey, analysed) ?? wholeTextFixesForFinding(text, options, findingKey);
}

/** @internal The fixes of a finding computed from a parse of the whole text: the fallback, and what tests compare the other paths with. */
export function wholeTextFixesForFinding(text: string, options: EngineOptions, findingKey: string): Fix[] {
  try {
    const analysis = analyzeDetailed(text, options);
    const finding = analysis.findings.find((candidate) => candidate.key === findingKey);
    return finding ? verifiedFixes(text, options, analysis, finding, false) : [];
  } catch {
    return [];
  }
}

function findingOffset(findingKey: string): number {
  return Number(findingKey.split(':')[1]);
}

/**
 * @internal The fixes of a finding computed and verified on the text of its document chunk (`splitDocuments`), which
 * analysed alone yields the whole text's findings there, and moved to the chunk's place. Undefined (the
 * caller starts from the whole text) where `chunkPlaceOf` finds no chunk, when the finding is not in the
 * chunk alone, or when a candidate edit would not keep the split (`keepsOtherChunks`).
 */
export function chunkFixesForFinding(text: string, options: EngineOptions, findingKey: string, analysed?: AnalysisCache): Fix[] | undefined {
  // The cache's memo holds the lexed tail of the text it analysed: this text, in the CLI.
  const place = chunkPlaceOf(text, findingOffset(findingKey), analysed?.splitMemo);
  if (place === undefined) return undefined;
  const { chunks, index, chunk, chunkText } = place;
  let fixes: Fix[];
  try {
    const analysis = analyzeDetailed(chunkText, options);
    const key = shiftKey(findingKey, -chunk.start);
    const finding = analysis.findings.find((candidate) => candidate.key === key);
    if (!finding) return undefined;
    const candidates = textFixCandidates(chunkText, analysis, finding);
    if (!candidates.every((candidate) => keepsOtherChunks(text, chunks, index, chunkText, candidate.edits))) return undefined;
    fixes = verifiedCandidates(chunkText, options, analysis, finding, candidates, false);
  } catch {
    return undefined;
  }
  return movedFixes(fixes, countLineBreaks(text.slice(0, chunk.start)));
}

/** Where a finding sits among the text's document chunks. */
interface ChunkPlace {
  chunks: DocumentChunk[];
  index: number;
  chunk: DocumentChunk;
  chunkText: string;
}

/**
 * The chunk of the text that holds `offset`; undefined when the text has no split or only one chunk, or when
 * the chunk's line break is not the text's (lines a fix inserts take the text's).
 */
function chunkPlaceOf(text: string, offset: number, memo?: SplitMemo): ChunkPlace | undefined {
  const chunks = splitDocuments(text, memo);
  if (chunks === undefined || chunks.length < 2) return undefined;
  const index = Math.max(0, lastStartingAtOrBefore(chunks, offset));
  const chunk = chunks[index];
  const chunkText = text.slice(chunk.start, chunk.end);
  return lineBreakOf(chunkText) === lineBreakOf(text) ? { chunks, index, chunk, chunkText } : undefined;
}

/** Fixes computed on a chunk's text, moved down to the chunk's first line (a chunk starts at a line start). */
function movedFixes(fixes: readonly Fix[], lineBase: number): Fix[] {
  return fixes.map((fix) => (isTextFix(fix) ? { ...fix, edits: fix.edits.map((edit) => ({ ...edit, range: shiftRange(edit.range, lineBase) })) } : fix));
}

/**
 * Whether a candidate's edits (offsets in chunk `index`'s text) leave the whole text's split as it is outside
 * that chunk: as many chunks, those before it unchanged, those after it the same text moved by the edit's
 * change in length. Then the edited text's documents are, chunk by chunk, those of the edited chunk and
 * the unchanged others, so verifying the edit on the chunk (its parse, data, findings and comments) gives
 * the verdict verifying it on the whole text would. An edit that inserts a `---` line, a comment above the
 * chunk's `---` (it joins the chunk before), or an unclosed quote that swallows later documents fails this.
 * The `{{ … }}` action check reads across chunks (an unclosed `{{` matches into the next), so its verdict
 * must be the same on the chunk and on the whole text too.
 */
function keepsOtherChunks(text: string, chunks: readonly DocumentChunk[], index: number, chunkText: string, edits: readonly OffsetEdit[]): boolean {
  const chunk = chunks[index];
  const edited = applyOffsetEdits(text, edits.map((edit) => ({ ...edit, start: edit.start + chunk.start, end: edit.end + chunk.start })));
  const editedChunk = applyOffsetEdits(chunkText, edits);
  if (edited === undefined || editedChunk === undefined) return false;
  if (sameTemplateActions(text, edited) !== sameTemplateActions(chunkText, editedChunk)) return false;
  const after = splitDocuments(edited);
  if (after === undefined || after.length !== chunks.length) return false;
  const delta = edited.length - text.length;
  return chunks.every((before, at) => after[at].start === before.start + (at > index ? delta : 0) && after[at].end === before.end + (at >= index ? delta : 0));
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
 * judges suppressions. Locally the new mention looks unused; the link uses it. Like `fixesForFinding`, it
 * starts from the finding's document chunk (`chunkLinkedFindingFixes`).
 */
export function linkedFindingFixes(text: string, options: EngineOptions, finding: Finding, file: FileContext = {}): Fix[] {
  return chunkLinkedFindingFixes(text, options, finding, file) ?? wholeTextLinkedFindingFixes(text, options, finding, file);
}

/** @internal `linkedFindingFixes` from a parse of the whole text: the fallback, and what tests compare the chunk path with. */
export function wholeTextLinkedFindingFixes(text: string, options: EngineOptions, finding: Finding, file: FileContext = {}): Fix[] {
  try {
    const analysis = analyzeDetailed(text, options);
    return analysis.documents[finding.documentIndex] ? verifiedLinkedFixes(text, options, analysis, finding, file) : [];
  } catch {
    return [];
  }
}

/**
 * @internal `linkedFindingFixes` computed on the finding's document chunk, as `chunkFixesForFinding` does, or
 * undefined where that does not apply. A Helm values file's facts are read from the whole file, so it never does.
 */
export function chunkLinkedFindingFixes(text: string, options: EngineOptions, finding: Finding, file: FileContext = {}): Fix[] | undefined {
  if (file.helmValues) return undefined;
  const place = chunkPlaceOf(text, finding.startOffset);
  if (place === undefined) return undefined;
  const { chunks, index, chunk, chunkText } = place;
  let documentBase = 0;
  for (let at = 0; at < index; at++) documentBase += chunkDocumentCount(text.slice(chunks[at].start, chunks[at].end));
  const lineBase = countLineBreaks(text.slice(0, chunk.start));
  let fixes: Fix[];
  try {
    const analysis = analyzeDetailed(chunkText, options);
    const local: Finding = {
      ...finding,
      startOffset: finding.startOffset - chunk.start,
      endOffset: finding.endOffset - chunk.start,
      range: shiftRange(finding.range, -lineBase),
      documentIndex: finding.documentIndex - documentBase,
    };
    if (!analysis.documents[local.documentIndex]) return undefined;
    const candidates = linkedCandidates(chunkText, analysis, local);
    if (candidates.some((candidate) => !keepsOtherChunks(text, chunks, index, chunkText, candidate.edits))) return undefined;
    fixes = verifiedLinkedFixes(chunkText, options, analysis, local, file, candidates);
  } catch {
    return undefined;
  }
  return movedFixes(fixes, lineBase);
}

/** A linked finding's candidate fixes: a traced value's removal, the suppression comment. */
function linkedCandidates(text: string, analysis: DetailedAnalysis, finding: Finding): FixCandidate[] {
  return [valueRemovalCandidate(text, analysis, finding), suppressCandidate(text, analysis, finding)].filter((candidate) => candidate !== undefined);
}

/** The fixes of a linked finding in `text` that verify (see `linkedFindingFixes`). */
function verifiedLinkedFixes(
  text: string,
  options: EngineOptions,
  analysis: DetailedAnalysis,
  finding: Finding,
  file: FileContext,
  candidates = linkedCandidates(text, analysis, finding),
): Fix[] {
  const verified = (candidate: FixCandidate): boolean => {
    // A removal changes data, which the link judges again; a suppression must cover the line as the link reads it.
    if (candidate.kind !== 'suppress-line') return verifyEdit(text, options, analysis, candidate.edits, candidate.change, [], (after) => addsNoFinding(analysis.findings, after.findings)) !== undefined;
    const lineAfterEdit = finding.range.start.line + linesAddedBefore(text, candidate.edits, finding.startOffset);
    // The facts the link reads are the file's as its caller analyses it (a Helm values file's comments too).
    return (
      verifyEdit(text, options, analysis, candidate.edits, candidate.change, candidate.addedComments ?? [], (after, edited) =>
        onlyNewUnusedSuppression(analysis.findings, after.findings) && suppressesLinked(analyzeText(edited, options, undefined, file).facts, finding.code, lineAfterEdit),
      ) !== undefined
    );
  };
  return candidates.filter(verified).map((candidate) => ({
    kind: candidate.kind,
    title: candidate.title,
    edits: candidate.edits.map((edit) => ({ range: analysis.lines.rangeOf(edit.start, edit.end), newText: edit.newText })),
    fixAll: false,
    isPreferred: candidate.kind !== 'suppress-line' && candidate.isPreferred,
  }));
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

/** What fix-all returns: minimal edits, how many fixes were applied, and the new text. */
export interface FixAllResult {
  edits: TextEdit[];
  fixedCount: number;
  text: string;
}

/**
 * Applies every fix-all fix to `text`, one verified fix at a time, first finding first; returns minimal edits
 * and the new text. Works document chunk by document chunk (`chunkFixAll`) where it can.
 */
export function fixAll(text: string, options: EngineOptions): FixAllResult {
  return chunkFixAll(text, options) ?? wholeTextFixAll(text, options);
}

/** @internal Fix-all with every step a parse of the whole text: the fallback, and what tests compare `chunkFixAll` with. */
export function wholeTextFixAll(text: string, options: EngineOptions): FixAllResult {
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
    const fix = firstFixAllFix(current, options, analysis, unfixable);
    if (fix === undefined || fix === NOT_HERE) break;
    current = applyEdits(current, fix.edits);
    fixedCount++;
  }
  return fixAllResult(text, current, fixedCount);
}

/** `firstFixAllFix`'s answer when a candidate's edits are not allowed where the text is (see `allowed`). */
const NOT_HERE = 'not-here';

/**
 * The fix-all fix of the text's first finding that has one, in text order; on the way, each finding without one
 * makes fix-all give up on its rule and message (`unfixable`, shared by the steps of one fix-all). `allowed`
 * vets each finding's fix-all candidates before they are verified (a chunk's must keep the whole text's split):
 * NOT_HERE when it refuses one.
 */
function firstFixAllFix(
  text: string,
  options: EngineOptions,
  analysis: DetailedAnalysis,
  unfixable: Set<string>,
  allowed: (edits: readonly OffsetEdit[]) => boolean = () => true,
): TextFix | typeof NOT_HERE | undefined {
  for (const finding of analysis.findings) {
    const identity = fixAllIdentity(finding);
    if (unfixable.has(identity)) continue;
    const candidates = textFixCandidates(text, analysis, finding).filter((candidate) => candidate.fixAll);
    if (!candidates.every((candidate) => allowed(candidate.edits))) return NOT_HERE;
    const fix = verifiedCandidates(text, options, analysis, finding, candidates, true).find(isTextFix);
    if (fix) return fix;
    unfixable.add(identity);
  }
  return undefined;
}

/**
 * @internal Fix-all chunk by chunk, in order: the whole-text loop fixes the first fixable finding each step, and
 * once a chunk has none left, every finding in it has an identity fix-all gave up on (shared, as there), so the
 * loop never returns to it. Each fix is verified on its chunk, as `chunkFixesForFinding` does, when every
 * fix-all candidate keeps the split (`keepsOtherChunks`); otherwise (and where the split does not apply) undefined:
 * the caller runs the whole-text loop from the start. Chunks the pre-check lets go hold no finding to fix.
 */
export function chunkFixAll(text: string, options: EngineOptions): FixAllResult | undefined {
  const split = splitDocuments(text);
  // One chunk is the whole text, unless it is a List, fixed item by item.
  if (split === undefined || (split.length < 2 && splitListItems(text) === undefined)) return undefined;
  let chunks: DocumentChunk[] = split;
  let current = text;
  let fixedCount = 0;
  const unfixable = new Set<string>();
  /** Replaces chunk `index` with `fixed`, which keepsOtherChunks proved splits into these chunks, the edited one longer by the edit. */
  const replaceChunk = (index: number, chunkText: string, fixed: string): void => {
    const chunk = chunks[index];
    const delta = fixed.length - chunkText.length;
    current = current.slice(0, chunk.start) + fixed + current.slice(chunk.end);
    chunks = chunks.map((other, at) => (at < index ? other : { start: other.start + (at > index ? delta : 0), end: other.end + delta }));
  };
  for (let index = 0; index < chunks.length && fixedCount < MAX_FIX_ALL_STEPS; index++) {
    if (!mightHaveFindings(current.slice(chunks[index].start, chunks[index].end))) continue;
    const listText = current.slice(chunks[index].start, chunks[index].end);
    // What the List's items gave up on counts only when the List was fixed item by item.
    const listUnfixable = new Set(unfixable);
    const list = lineBreakOf(listText) === lineBreakOf(current) ? listFixAll(listText, options, listUnfixable, MAX_FIX_ALL_STEPS - fixedCount) : undefined;
    if (list !== undefined) {
      if (list.fixedCount > 0) {
        if (!keepsOtherChunks(current, chunks, index, listText, [{ start: 0, end: listText.length, newText: list.text }])) return undefined;
        replaceChunk(index, listText, list.text);
      }
      fixedCount += list.fixedCount;
      for (const identity of listUnfixable) unfixable.add(identity);
      continue;
    }
    while (fixedCount < MAX_FIX_ALL_STEPS) {
      const chunk = chunks[index];
      const chunkText = current.slice(chunk.start, chunk.end);
      if (lineBreakOf(chunkText) !== lineBreakOf(current)) return undefined;
      let fix: ReturnType<typeof firstFixAllFix>;
      try {
        const keepsSplit = (edits: readonly OffsetEdit[]) => keepsOtherChunks(current, chunks, index, chunkText, edits);
        fix = firstFixAllFix(chunkText, options, analyzeDetailed(chunkText, options), unfixable, keepsSplit);
      } catch {
        return undefined;
      }
      if (fix === NOT_HERE) return undefined;
      if (fix === undefined) break;
      replaceChunk(index, chunkText, applyEdits(chunkText, fix.edits));
      fixedCount++;
    }
  }
  return fixAllResult(text, current, fixedCount);
}

/**
 * Fix-all inside one `kind: List` document (listSplit.ts), item by item, as `chunkFixAll` goes chunk by chunk: a
 * List's findings are its items', each found on the item's text alone, so each fix is computed and verified
 * there. A fixed item must still be one item of the same shape (its first line, where the item's text reads
 * `- ` as spaces, untouched), and the fixed List must still split into items that parse as they stand; else,
 * or when the document is no such List, undefined (the caller fixes the document whole). Editing a
 * 10,000-item export this way costs each fix an item's analysis instead of the whole List's. @internal
 */
export function listFixAll(documentText: string, options: EngineOptions, unfixable = new Set<string>(), budget = MAX_FIX_ALL_STEPS): { text: string; fixedCount: number } | undefined {
  const items = listItemsOf(documentText, options);
  if (items === undefined) return undefined;
  let text = documentText;
  let delta = 0;
  let fixedCount = 0;
  for (const item of items) {
    if (item.findings.length === 0) continue;
    let itemText = item.text;
    while (fixedCount < budget) {
      const fixed = fixListItemOnce(itemText, options, unfixable);
      if (fixed === undefined) return undefined;
      if (fixed === null) break;
      itemText = fixed;
      fixedCount++;
    }
    if (itemText === item.text) continue;
    const start = item.start + delta;
    text = `${text.slice(0, start)}- ${itemText.slice(2)}${text.slice(start + item.text.length)}`;
    delta += itemText.length - item.text.length;
  }
  return fixedCount === 0 || listItemsOf(text, options) !== undefined ? { text, fixedCount } : undefined;
}

/** The item's text with its first fixable finding fixed; null when none is left; undefined when the fix would not be its List's. */
function fixListItemOnce(itemText: string, options: EngineOptions, unfixable: Set<string>): string | null | undefined {
  try {
    const fix = firstFixAllFix(itemText, options, analyzeDetailed(itemText, options), unfixable);
    if (fix === undefined) return null;
    if (fix === NOT_HERE || fix.edits.some((edit) => edit.range.start.line === 0)) return undefined;
    const fixed = applyEdits(itemText, fix.edits);
    return isOneListItem(fixed) ? fixed : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an item's text (its `- ` read as spaces) is, written back with its `- `, exactly one List item. */
function isOneListItem(itemText: string): boolean {
  const head = 'items:\n';
  const split = splitListItems(`${head}- ${itemText.slice(2)}`);
  return split?.items.length === 1 && split.tailStart === head.length + itemText.length;
}

/** Fix-all gives up on every finding of a rule and message once one of them has no verified fix. */
function fixAllIdentity(finding: Finding): string {
  return `${finding.code}\u0000${finding.message}`;
}

function fixAllResult(text: string, current: string, fixedCount: number): FixAllResult {
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
  return verifiedCandidates(text, options, analysis, finding, textFixCandidates(text, analysis, finding), fixAllOnly);
}

/** The finding's text fix candidates, none when decoding refuses the document. */
function textFixCandidates(text: string, analysis: DetailedAnalysis, finding: DetailedFinding): FixCandidate[] {
  try {
    return candidatesFor(text, analysis, finding);
  } catch {
    // A document the parser accepted can still hold what decoding refuses (an alias to a missing
    // anchor): such a finding gets no fix rather than an exception.
    return [];
  }
}

/** The candidates verify.ts proves, as fixes, then the rule's config fixes. */
function verifiedCandidates(
  text: string,
  options: EngineOptions,
  analysis: DetailedAnalysis,
  finding: DetailedFinding,
  candidates: readonly FixCandidate[],
  fixAllOnly: boolean,
): Fix[] {
  const fixes: Fix[] = [];
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
