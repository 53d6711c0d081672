// Runs the rules over every object of every document of one file and turns rule findings into
// positioned, severity-resolved, suppression-aware findings.
import { LineIndex } from './lineIndex';
import { ManifestObject, manifestObjects } from './manifests';
import { ExcessiveNestingError } from './nestingGuard';
import { chunkDocumentCount, mightHaveFindings, SplitMemo, splitDocuments } from './prefilter';
import { DOCUMENT_CHECKS, RULES } from './rules/registry';
import { FindingTarget, RuleContext, RuleFinding } from './rules/ruleTypes';
import { findSuppressionComments, isSuppressed, keepRealComments, SuppressionComment } from './suppressions';
import { AnalysisResult, EngineOptions, Finding, RULE_IDS, RuleId, Severity, UNUSED_SUPPRESSION } from './types';
import { neutralizeTemplates } from './helmTemplates';
import { parseDocumentVariant, parseSourceDocuments, SourceDocument } from './yamlModel';
import { FactExtractor } from './workspace/extract';
import { emptyFacts, findingKey, hasFacts, RuleFact, shiftFacts, SuppressionFact } from './workspace/facts';
// Far beyond real manifests (the deepest in the shared corpus indents 72 columns), far below the
// ~1,000 levels at which the parser's recursion overflows the stack.
const MANIFEST_NESTING_LIMITS = { maxFlowDepth: 256, maxLinePrefix: 512 };
const TEMPLATE_PATTERN = /\{\{[\s\S]*?\}\}/g;

/** A finding with the parsed nodes its fixes need. */
export interface DetailedFinding extends Finding {
  target?: FindingTarget;
  /** For unused-suppression findings: the comment. */
  suppression?: SuppressionComment;
}

export interface DetailedAnalysis extends AnalysisResult {
  findings: DetailedFinding[];
  documents: SourceDocument[];
  lines: LineIndex;
}

/**
 * Lints one file's text. Never throws: unparsable documents are counted and skipped.
 *
 * Only the documents that can yield findings are parsed: the text is split at its column-0 `---`
 * markers (`splitDocuments`), each chunk is pre-checked (`mightHaveFindings`), and each kept chunk is
 * analysed on its own as if it were a file; its findings are then moved to the chunk's place (offsets,
 * lines, document index). A text the split does not model (`...` markers, directives) is parsed whole.
 * With a `cache`, chunks whose text (and options) did not change since the cache's last text are not
 * analysed again: a keystroke re-analyses only the document it edits.
 */
export function analyzeText(text: string, options: EngineOptions, cache?: AnalysisCache): AnalysisResult {
  const chunks = splitDocuments(text, cache?.splitMemo);
  if (chunks === undefined) {
    const { findings, documents: _documents, lines: _lines, failed: _failed, ...counts } = analyzeWhole(text, options);
    return { ...counts, findings: findings.map(publicFinding) };
  }
  const signature = optionsSignature(options);
  const previous = cache?.chunksFor(signature);
  const next = cache ? new Map<string, ChunkAnalysis>() : undefined;
  const result: AnalysisResult = { findings: [], documentCount: 0, unparsableDocuments: 0, templatedDocuments: 0 };
  const facts = emptyFacts();
  let lineBase = 0;
  let failure: ChunkAnalysis | undefined;
  for (const chunk of chunks) {
    const chunkText = text.slice(chunk.start, chunk.end);
    let analysis = previous?.get(chunkText);
    if (analysis === undefined) analysis = analyzeChunk(chunkText, options);
    next?.set(chunkText, analysis);
    if (analysis.skippedReason !== undefined || analysis.failed) failure ??= analysis;
    for (const finding of analysis.findings) {
      const startOffset = finding.startOffset + chunk.start;
      const endOffset = finding.endOffset + chunk.start;
      result.findings.push({
        ...finding,
        range: {
          start: { line: finding.range.start.line + lineBase, character: finding.range.start.character },
          end: { line: finding.range.end.line + lineBase, character: finding.range.end.character },
        },
        startOffset,
        endOffset,
        key: findingKey(finding.code, startOffset, endOffset),
        documentIndex: finding.documentIndex + result.documentCount,
      });
    }
    if (analysis.facts) {
      const shifted = shiftFacts(analysis.facts, chunk.start, lineBase, result.documentCount);
      for (const role of shifted.roles) facts.roles.push(role);
      for (const binding of shifted.bindings) facts.bindings.push(binding);
      for (const comment of shifted.suppressions) facts.suppressions.push(comment);
    }
    result.documentCount += analysis.documentCount;
    result.unparsableDocuments += analysis.unparsableDocuments;
    result.templatedDocuments += analysis.templatedDocuments;
    lineBase += analysis.lineBreaks;
  }
  if (cache && next) cache.replace(signature, next);
  // As for a whole text: a document the parser cannot take on leaves the file unanalysed.
  if (failure) return wholeFileFailure(failure.skippedReason);
  if (hasFacts(facts)) result.facts = facts;
  return result;
}

/** A chunk's analysis as if the chunk were a whole file (offsets, lines and document indices start at 0). */
interface ChunkAnalysis extends AnalysisResult {
  /** Line breaks in the chunk (\r\n, \n or \r each count once, as in LineIndex). */
  lineBreaks: number;
  /** The parser gave up on the chunk. */
  failed?: boolean;
}

function analyzeChunk(chunkText: string, options: EngineOptions): ChunkAnalysis {
  const lineBreaks = countLineBreaks(chunkText);
  if (!mightHaveFindings(chunkText)) {
    return { findings: [], documentCount: chunkDocumentCount(chunkText), unparsableDocuments: 0, templatedDocuments: 0, lineBreaks };
  }
  const { findings, documents: _documents, lines: _lines, ...counts } = analyzeWhole(chunkText, options);
  return { ...counts, findings: findings.map(publicFinding), lineBreaks };
}

/**
 * Per open document: the chunk analyses of its last analysed text, reused for the chunks a new
 * version leaves unchanged. Holds only the last text's chunks, so it stays as large as one analysis.
 */
export class AnalysisCache {
  private signature = '';
  private chunks = new Map<string, ChunkAnalysis>();
  /** @internal */
  readonly splitMemo: SplitMemo = { offsets: [] };

  /** @internal */
  chunksFor(signature: string): ReadonlyMap<string, ChunkAnalysis> | undefined {
    return signature === this.signature ? this.chunks : undefined;
  }

  /** @internal */
  replace(signature: string, chunks: Map<string, ChunkAnalysis>): void {
    this.signature = signature;
    this.chunks = chunks;
  }

  /** Number of chunk analyses held (for tests). */
  get size(): number {
    return this.chunks.size;
  }
}

/** What of the options a chunk's analysis depends on. */
function optionsSignature(options: EngineOptions): string {
  return JSON.stringify([options.allowedCidrs, RULE_IDS.map((id) => options.rules[id] ?? null)]);
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  // A \r counts unless it is the first half of \r\n.
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) if (text.charCodeAt(at + 1) !== 10) count++;
  return count;
}

function publicFinding(finding: DetailedFinding): Finding {
  const { target: _target, suppression: _suppression, ...rest } = finding;
  return rest;
}

export interface AnalysisControls {
  /** Kept for callers written before the split: `analyzeDetailed` always parses every document. */
  skipPrefilter?: boolean;
}

/**
 * Lints one file's text with every document parsed (no pre-check), keeping the parsed documents and
 * the findings' nodes: fixes start from this, and soundness tests compare `analyzeText` with it.
 */
export function analyzeDetailed(text: string, options: EngineOptions, _controls: AnalysisControls = {}): DetailedAnalysis {
  const { failed: _failed, ...analysis } = analyzeWhole(text, options);
  return analysis;
}

function wholeFileFailure(skippedReason?: string): AnalysisResult {
  return { findings: [], documentCount: 1, unparsableDocuments: 1, templatedDocuments: 0, ...(skippedReason === undefined ? {} : { skippedReason }) };
}

/** `failed`: the parser gave up on the text. */
function analyzeWhole(text: string, options: EngineOptions): DetailedAnalysis & { failed?: boolean } {
  const lines = new LineIndex(text);
  const empty: DetailedAnalysis = { findings: [], documentCount: 0, unparsableDocuments: 0, templatedDocuments: 0, documents: [], lines };
  let documents: SourceDocument[];
  try {
    // The nesting guard checks each token in the parse's own lexer pass, before anything is composed.
    documents = parseSourceDocuments(text, MANIFEST_NESTING_LIMITS);
  } catch (error) {
    if (error instanceof ExcessiveNestingError) {
      return { ...empty, ...wholeFileFailure(`${error.problem.message}; not analysed`), findings: [] };
    }
    // The parser gave up on the whole text (e.g. nesting too deep for the stack): nothing to report.
    return { ...empty, ...wholeFileFailure(), findings: [], failed: true };
  }
  const suppressionComments = findSuppressionComments(text, lines);
  const result: DetailedAnalysis = { ...empty, documentCount: documents.length, documents };
  const seenKeys = new Set<string>();
  const facts = emptyFacts();
  for (let index = 0; index < documents.length; index++) {
    let source = documents[index];
    const documentText = text.slice(source.start, source.end);
    const hasTemplates = documentText.includes('{{');
    let templateSpans: [number, number][];
    if (!source.parsed) {
      // A Helm template that is not YAML as it stands is read through its same-length variant with
      // template actions neutralised; its template spans cover what only rendering would tell.
      const read = hasTemplates ? readTemplatedDocument(documentText, source) : undefined;
      if (read === undefined) {
        if (hasTemplates) result.templatedDocuments++;
        else result.unparsableDocuments++;
        continue;
      }
      source = documents[index] = read.source;
      templateSpans = read.spans;
    } else {
      templateSpans = hasTemplates ? templateSpansOf(documentText, source.start) : [];
    }
    const comments = keepRealComments(
      suppressionComments.filter((comment) => comment.start >= source.start && comment.start < source.end),
      source.document,
    );
    const context: RuleContext = { document: source.document, allowedCidrs: options.allowedCidrs };
    const ruleNodes = new Map<unknown, RuleFact>();
    const extractor = new FactExtractor(text, lines, {
      document: source.document,
      documentIndex: source.index,
      facts,
      ruleNodes,
      renderedOnly: (start, end) => overlapsSpan(templateSpans, start, end),
    });
    for (const raw of runRules(context, (object) => extractor.extract(object))) {
      raw.end = trimTrailingSpace(text, raw.start, raw.end);
      if (overlapsSpan(templateSpans, raw.start, raw.end)) continue;
      const severity = severityOf(raw, options);
      if (severity === 'off') continue;
      const key = findingKey(raw.ruleId, raw.start, raw.end);
      if (seenKeys.has(key)) continue;
      seenKeys.add(key);
      const range = lines.rangeOf(raw.start, raw.end);
      if (isSuppressed(comments, raw.ruleId, range.start.line)) continue;
      // The link phase judges this finding's severity by who holds the role.
      if (raw.target.kind === 'rbac-rule') {
        const ruleFact = ruleNodes.get(raw.target.rule.node);
        if (ruleFact) ruleFact.findingKey = key;
      }
      result.findings.push({
        code: raw.ruleId,
        severity,
        message: raw.message,
        range,
        startOffset: raw.start,
        endOffset: raw.end,
        key,
        documentIndex: source.index,
        target: raw.target,
      });
    }
    // One at a time: spreading a very long array into push() overflows the stack.
    for (const finding of unusedSuppressions(comments, options, lines, source.index)) result.findings.push(finding);
    for (const comment of comments) facts.suppressions.push(suppressionFact(comment, lines, source));
  }
  result.findings.sort((a, b) => a.startOffset - b.startOffset || a.code.localeCompare(b.code));
  if (hasFacts(facts)) result.facts = facts;
  return result;
}

/** Runs every document check on every object of the document; `visit` sees each object first (fact extraction). */
function runRules(context: RuleContext, visit: (object: ManifestObject) => void): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const object of manifestObjects(context.document)) {
    visit(object);
    for (const check of DOCUMENT_CHECKS) for (const finding of check(context, object)) findings.push(finding);
  }
  return findings;
}

/** What the link phase needs of a suppression comment to suppress the findings it reports. */
function suppressionFact(comment: SuppressionComment, lines: LineIndex, source: SourceDocument): SuppressionFact {
  return {
    scope: comment.scope,
    line: comment.line,
    firstLine: lines.positionAt(source.start).line,
    lastLine: lines.positionAt(Math.max(source.start, source.end - 1)).line,
    mentions: comment.rules.map((mention) => ({ ruleId: mention.ruleId, unusedKey: findingKey(UNUSED_SUPPRESSION, mention.start, mention.end) })),
  };
}

function severityOf(finding: RuleFinding, options: EngineOptions): Severity | 'off' {
  const configured = options.rules[finding.ruleId];
  if (configured) return configured;
  return finding.defaultSeverity ?? RULES[finding.ruleId].defaultSeverity;
}

/** Block nodes' ranges run to the next line; a squiggle should end at the last visible character. */
function trimTrailingSpace(text: string, start: number, end: number): number {
  let trimmed = end;
  while (trimmed > start && /\s/.test(text[trimmed - 1])) trimmed--;
  return trimmed;
}

function readTemplatedDocument(documentText: string, source: SourceDocument): { source: SourceDocument; spans: [number, number][] } | undefined {
  const variant = neutralizeTemplates(documentText);
  if (variant === undefined || variant.spans.length === 0) return undefined;
  let document;
  try {
    // Neutralising can open what a quote kept closed, so the variant is guarded like the text.
    document = parseDocumentVariant(variant.text, source.start, MANIFEST_NESTING_LIMITS);
  } catch {
    return undefined;
  }
  if (document === undefined) return undefined;
  const spans = variant.spans.map(([start, end]): [number, number] => [start + source.start, end + source.start]);
  return { source: { ...source, document, parsed: true, templated: true }, spans: mergeSpans(spans) };
}

/** Sorted, disjoint spans covering the same offsets. */
function mergeSpans(spans: [number, number][]): [number, number][] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** Whether [start, end) overlaps one of `spans` (sorted and disjoint): a binary search, as a document may hold many. */
function overlapsSpan(spans: readonly [number, number][], start: number, end: number): boolean {
  let low = 0;
  let high = spans.length;
  // The first span that ends after `start`.
  while (low < high) {
    const middle = (low + high) >> 1;
    if (spans[middle][1] <= start) low = middle + 1;
    else high = middle;
  }
  return low < spans.length && spans[low][0] < end;
}

function templateSpansOf(documentText: string, offset: number): [number, number][] {
  const spans: [number, number][] = [];
  for (const match of documentText.matchAll(TEMPLATE_PATTERN)) {
    const start = offset + (match.index ?? 0);
    spans.push([start, start + match[0].length]);
  }
  return spans;
}

function unusedSuppressions(comments: SuppressionComment[], options: EngineOptions, lines: LineIndex, documentIndex: number): DetailedFinding[] {
  const findings: DetailedFinding[] = [];
  for (const comment of comments) {
    for (const mention of comment.rules) {
      if (mention.used) continue;
      if (mention.known && options.rules[mention.ruleId as RuleId] === 'off') continue;
      const message = mention.known
        ? `This ${comment.scope === 'file' ? 'kube-mitm-guard-disable-file' : 'kube-mitm-guard-disable-next-line'} comment suppresses no ${mention.ruleId} finding; remove it.`
        : `Unknown rule id "${mention.ruleId}" in a kube-mitm-guard suppression comment (known: ${Object.keys(RULES).join(', ')}).`;
      findings.push({
        code: UNUSED_SUPPRESSION,
        severity: 'hint',
        message,
        range: lines.rangeOf(mention.start, mention.end),
        startOffset: mention.start,
        endOffset: mention.end,
        key: findingKey(UNUSED_SUPPRESSION, mention.start, mention.end),
        documentIndex,
        suppression: comment,
      });
    }
    if (comment.rules.length === 0) {
      findings.push({
        code: UNUSED_SUPPRESSION,
        severity: 'hint',
        message: 'This kube-mitm-guard suppression comment names no rule id, so it suppresses nothing.',
        range: lines.rangeOf(comment.start, comment.end),
        startOffset: comment.start,
        endOffset: comment.end,
        key: findingKey(UNUSED_SUPPRESSION, comment.start, comment.end),
        documentIndex,
        suppression: comment,
      });
    }
  }
  return findings;
}
