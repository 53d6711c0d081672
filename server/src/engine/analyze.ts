// Runs the rules over every object of every document of one file and turns rule findings into
// positioned, severity-resolved, suppression-aware findings.
import { isMap } from 'yaml';
import { LineIndex } from './lineIndex';
import { AliasFindingGroups, FindingsBehindObjects } from './aliasFindings';
import { manifestObjects } from './manifests';
import { ExcessiveNestingError, MANIFEST_NESTING_LIMITS } from './nestingGuard';
import { chunkDocumentCount, SplitMemo, splitDocuments } from './documentSplit';
import { mightHaveFindings } from './prefilter';
import { DOCUMENT_CHECKS, RULES } from './rules/registry';
import { EmbeddedSource, FindingTarget, RuleContext, RuleFinding } from './rules/ruleTypes';
import { findSuppressionComments, isSuppressed, keepRealComments, SuppressionComment } from './suppressions';
import { AnalysisResult, EngineOptions, Finding, RelatedLocation, RULE_IDS, RuleId, Severity, SEVERITY_RANK, UNUSED_SUPPRESSION } from './types';
import { nodeSpan, resolveNode, Via } from './yamlModel';
import { neutralizeTemplates } from './helmTemplates';
import { parseDocumentVariant, parseSourceDocuments, SourceDocument } from './yamlParse';
import { FactExtractor, policyRuleOf } from './workspace/extract';
import { addPatchFile, emptyFacts, FileFacts, findingKey, hasFacts, PatchFindingFact, RuleFact, shiftFacts, shiftRange, SuppressionFact } from './workspace/facts';
import { listItemText, splitListItems } from './listSplit';
import { addHelmFacts, emptyHelmFacts, HelmFacts } from './helm/helmFacts';
import { templateRenders } from './helm/templateRenders';
import { valuesDocumentFacts } from './helm/valuesTree';
import { documentPatchFindings } from './patches/documentPatches';
import { judgedAsPatch } from './patches/servicePatchShape';
import { JudgedVariant, readPatchFile } from './patches/patchFiles';
import { firstIndexWhere, lastStartingAtOrBefore } from './sortedSearch';
const TEMPLATE_PATTERN = /\{\{[\s\S]*?\}\}/g;

/** A finding with the parsed nodes its fixes need. */
export interface DetailedFinding extends Finding {
  target?: FindingTarget;
  /**
   * On a node's finding judged for an object that reaches the node only through this alias or merge
   * key: the target's containers are that object's, so fixes that edit them would not edit here.
   */
  reachedThrough?: Via;
  /** For unused-suppression findings: the comment. */
  suppression?: SuppressionComment;
  /**
   * Set when the finding is in text embedded in a string scalar (a Kustomize inline patch): the target's
   * nodes are the embedded text's, whose fixes are built there and mapped (patches/embeddedFixes.ts).
   */
  embedded?: EmbeddedSource;
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
 * analysed again: a keystroke re-analyses only the document it edits. `file` says what the text is by
 * where it is written: a Helm chart's values file is read whole into values facts (helm/valuesTree.ts).
 */
export function analyzeText(text: string, options: EngineOptions, cache?: AnalysisCache, file: FileContext = {}): AnalysisResult {
  const analysed = analyzeTextAlone(text, options, cache, pastPrecheckOf(file));
  const result = file.kustomizeResource ? analysed : withoutServiceObjects(analysed);
  return file.helmValues && result.skippedReason === undefined ? withValuesFileFacts(text, result) : result;
}

/** Only a kustomization's resource can be a patch's target: elsewhere a Service that cannot conflict keeps no facts. */
function withoutServiceObjects(result: AnalysisResult): AnalysisResult {
  if (!result.facts?.serviceObjects) return result;
  const { serviceObjects: _serviceObjects, ...facts } = result.facts;
  const { facts: _facts, ...rest } = result;
  return hasFacts(facts) ? { ...rest, facts } : rest;
}

/** What the caller knows of the analysed text from where it is written. */
export interface FileContext {
  /** The text is a values file of a Helm chart (`helm/chartFiles.ts isHelmValuesFile`): its values are facts, traced through the chart's templates. */
  helmValues?: boolean;
  /**
   * The text is named as a kustomization (`patches/patchFiles.ts isKustomizationFileName`): it is analysed past
   * the pre-check, as one without apiVersion may refer to patch files with no word the pre-check knows.
   */
  kustomization?: boolean;
  /**
   * A kustomization is in the file's folder, so it may be one of its `resources`: its Services, Roles and
   * ClusterRoles are analysed past the pre-check, so the link knows the objects a kustomization's patches target.
   */
  kustomizeResource?: boolean;
}

// A document whose top-level kind is one a patch's target can name (read from the text: the pre-check let it go).
const PATCHABLE_KIND = /^kind:[ \t]*["']?(?:Service|Role|ClusterRole)["']?[ \t]*\r?$/m;

/** Whether a text may hold an object a Kustomize patch's target selects (a Service, Role or ClusterRole at the top level). */
export function mayHoldPatchTarget(text: string): boolean {
  return PATCHABLE_KIND.test(text);
}

/** Which documents of a text are analysed even though the pre-check lets them go. */
function pastPrecheckOf(file: FileContext): (chunkText: string) => boolean {
  if (file.kustomization) return () => true;
  if (file.kustomizeResource) return mayHoldPatchTarget;
  return () => false;
}

/**
 * A values file's result with its values among its facts (so it is linked even when it holds nothing to
 * trace), and its suppression comments, which the link's findings on its values follow.
 */
function withValuesFileFacts(text: string, result: AnalysisResult): AnalysisResult {
  const lines = new LineIndex(text);
  let documents: SourceDocument[];
  try {
    documents = parseSourceDocuments(text, MANIFEST_NESTING_LIMITS);
  } catch {
    return result;
  }
  const placeOf = (span: { start: number; end: number }) => {
    const end = trimTrailingSpace(text, span.start, span.end);
    return { start: span.start, end, range: lines.rangeOf(span.start, end) };
  };
  const comments = findSuppressionComments(text, lines);
  const values: NonNullable<HelmFacts['valuesFile']> = [];
  const suppressions: SuppressionFact[] = [];
  for (const source of documents) {
    for (const fact of valuesDocumentFacts(source, placeOf)) values.push(fact);
    if (!source.parsed) continue;
    const own = keepRealComments(comments.filter((comment) => comment.start >= source.start && comment.start < source.end), source.document);
    for (const comment of own) suppressions.push(suppressionFact(comment, lines, source));
  }
  const facts = result.facts ?? emptyFacts();
  return { ...result, facts: { ...facts, suppressions, helm: { ...(facts.helm ?? emptyHelmFacts()), valuesFile: values } } };
}

function analyzeTextAlone(text: string, options: EngineOptions, cache: AnalysisCache | undefined, pastPrecheck: (chunkText: string) => boolean): AnalysisResult {
  const chunks = splitDocuments(text, cache?.splitMemo);
  if (chunks === undefined) {
    const { findings, documents: _documents, lines: _lines, failed: _failed, lenient: _lenient, ...counts } = analyzeWhole(text, options);
    return { ...counts, findings: findings.map(publicFinding) };
  }
  const signature = optionsSignature(options);
  const previous = cache?.chunksFor(signature);
  const next = cache ? new Map<string, ChunkAnalysis>() : undefined;
  const pieces: AnalysedPiece[] = [];
  const result: AnalysisResult = { findings: [], documentCount: 0, unparsableDocuments: 0, templatedDocuments: 0 };
  const facts = emptyFacts();
  let lineBase = 0;
  let failure: ChunkAnalysis | undefined;
  /** Moves a piece's findings and facts to where it starts in the text. */
  const add = (analysis: ChunkAnalysis, offset: number, pieceLineBase: number, documentBase: number): void => {
    for (const finding of analysis.findings) {
      const startOffset = finding.startOffset + offset;
      const endOffset = finding.endOffset + offset;
      result.findings.push({
        ...finding,
        range: shiftRange(finding.range, pieceLineBase),
        ...(finding.related ? { related: finding.related.map((related) => ({ ...related, range: shiftRange(related.range, pieceLineBase) })) } : {}),
        startOffset,
        endOffset,
        key: findingKey(finding.code, startOffset, endOffset),
        documentIndex: finding.documentIndex + documentBase,
      });
    }
    if (analysis.facts) {
      const shifted = shiftFacts(analysis.facts, offset, pieceLineBase, documentBase);
      for (const role of shifted.roles) facts.roles.push(role);
      for (const binding of shifted.bindings) facts.bindings.push(binding);
      for (const service of shifted.services) facts.services.push(service);
      for (const comment of shifted.suppressions) facts.suppressions.push(comment);
      for (const policy of shifted.admissionPolicies) facts.admissionPolicies.push(policy);
      for (const binding of shifted.admissionBindings) facts.admissionBindings.push(binding);
      if (shifted.helm) addHelmFacts((facts.helm ??= emptyHelmFacts()), shifted.helm);
      if (shifted.patchFile) addPatchFile(facts, shifted.patchFile);
      if (shifted.patchReferences) (facts.patchReferences ??= []).push(...shifted.patchReferences);
      if (shifted.inlinePatches) (facts.inlinePatches ??= []).push(...shifted.inlinePatches);
      if (shifted.kustomizeResources) (facts.kustomizeResources ??= []).push(...shifted.kustomizeResources);
      if (shifted.serviceObjects) (facts.serviceObjects ??= []).push(...shifted.serviceObjects);
    }
  };
  for (const chunk of chunks) {
    const chunkText = text.slice(chunk.start, chunk.end);
    const mayHaveFindings = mightHaveFindings(chunkText) || pastPrecheck(chunkText);
    const list = mayHaveFindings ? analyzeListItems(chunkText, options, previous) : undefined;
    if (list !== undefined) {
      // One document: every item's findings and facts are in it.
      let itemLineBase = lineBase + list.headLineBreaks;
      for (const item of list.items) {
        next?.set(item.text, item.analysis);
        add(item.analysis, chunk.start + item.start, itemLineBase, result.documentCount);
        pieces.push({ start: chunk.start + item.start, lineBase: itemLineBase, text: item.text });
        itemLineBase += item.analysis.lineBreaks;
      }
      result.documentCount += 1;
      lineBase += countLineBreaks(chunkText);
      continue;
    }
    let analysis = previous?.get(chunkText);
    if (analysis === undefined) analysis = mayHaveFindings ? analyzeChunk(chunkText, options) : unparsedChunk(chunkText);
    next?.set(chunkText, analysis);
    if (analysis.skippedReason !== undefined || analysis.failed) failure ??= analysis;
    add(analysis, chunk.start, lineBase, result.documentCount);
    result.documentCount += analysis.documentCount;
    result.unparsableDocuments += analysis.unparsableDocuments;
    result.templatedDocuments += analysis.templatedDocuments;
    lineBase += analysis.lineBreaks;
  }
  if (cache && next) cache.replace(signature, next, { text, pieces });
  // As for a whole text: a document the parser cannot take on leaves the file unanalysed.
  if (failure) return wholeFileFailure(failure.skippedReason);
  if (hasFacts(facts)) result.facts = facts;
  return result;
}

/** A List item analysed on its own (listSplit.ts): where it starts in the text, the text analysed, and what it found. */
export interface AnalysedPiece {
  start: number;
  lineBase: number;
  text: string;
}

interface ListItemsAnalysis {
  headLineBreaks: number;
  /** `start`: offset in the document's text. */
  items: { start: number; text: string; analysis: ChunkAnalysis }[];
}

/**
 * A List document (`splitListItems`) analysed item by item, or undefined when the split does not apply or a
 * part does not parse cleanly on its own: the head, the tail and every item are parsed (see listSplit.ts), and
 * the document without its items must be a List that yields nothing itself.
 */
function analyzeListItems(
  documentText: string,
  options: EngineOptions,
  previous: ReadonlyMap<string, ChunkAnalysis> | undefined,
): ListItemsAnalysis | undefined {
  const split = splitListItems(documentText);
  if (split === undefined) return undefined;
  const head = documentText.slice(0, split.headEnd);
  const tail = documentText.slice(split.tailStart);
  if (!parsesCleanly(head, 1) || !parsesCleanly(tail, tail === '' ? 0 : 1)) return undefined;
  if (!isBareList(head + tail, options)) return undefined;
  const items: ListItemsAnalysis['items'] = [];
  for (const item of split.items) {
    const text = listItemText(documentText, item);
    let analysis = previous?.get(text);
    if (analysis?.parsedCleanly === undefined) analysis = analyzeListItem(text, options);
    if (!analysis.parsedCleanly) return undefined;
    items.push({ start: item.start, text, analysis });
  }
  return { headLineBreaks: countLineBreaks(head), items };
}

/**
 * A List document's items, each analysed on its own, or undefined where the split does not apply (see
 * `analyzeListItems`): fix-all fixes such a List item by item.
 */
export function listItemsOf(documentText: string, options: EngineOptions): { start: number; text: string; findings: readonly Finding[] }[] | undefined {
  return analyzeListItems(documentText, options, undefined)?.items.map(({ start, text, analysis }) => ({ start, text, findings: analysis.findings }));
}

/** Whether the text parses, as it stands (no go-yaml leniency), to `documents` documents without error. */
function parsesCleanly(text: string, documents: number): boolean {
  try {
    const parsed = parseSourceDocuments(text, MANIFEST_NESTING_LIMITS);
    return parsed.length === documents && parsed.every((source) => source.parsed && source.lenient !== true);
  } catch {
    return false;
  }
}

/** Whether a List's text without its items is one List whose items the objects would be, and that yields nothing itself. */
function isBareList(text: string, options: EngineOptions): boolean {
  const analysis = analyzeWhole(text, options);
  if (!isCleanParse(analysis) || analysis.findings.length > 0 || analysis.facts !== undefined) return false;
  const { objects } = manifestObjects(analysis.documents[0].document);
  return objects.length === 1 && objects[0].kinds.some((kind) => kind.endsWith('List'));
}

/** One document, parsed as it stands: no error, no go-yaml leniency, no template reading, no limit hit. */
function isCleanParse(analysis: DetailedAnalysis & { failed?: boolean; lenient?: boolean }): boolean {
  const [document] = analysis.documents;
  return (
    analysis.documents.length === 1 &&
    document.parsed &&
    document.templated !== true &&
    analysis.lenient !== true &&
    analysis.failed !== true &&
    analysis.skippedReason === undefined &&
    analysis.unparsableDocuments === 0 &&
    analysis.templatedDocuments === 0
  );
}

/** A List item's analysis: always parsed (an error in any item makes the whole List unparsable), never pre-checked. */
function analyzeListItem(itemText: string, options: EngineOptions): ChunkAnalysis {
  const analysis = analyzeWhole(itemText, options);
  const { findings, documents: _documents, lines: _lines, failed: _failed, lenient: _lenient, ...counts } = analysis;
  return { ...counts, findings: findings.map(publicFinding), lineBreaks: countLineBreaks(itemText), parsedCleanly: isCleanParse(analysis) };
}

/** A chunk's analysis as if the chunk were a whole file (offsets, lines and document indices start at 0). */
interface ChunkAnalysis extends AnalysisResult {
  /** Line breaks in the chunk (\r\n, \n or \r each count once, as in LineIndex). */
  lineBreaks: number;
  /** The parser gave up on the chunk. */
  failed?: boolean;
  /** Set only for a List item (`analyzeListItem`): it parsed as one document without error or leniency. */
  parsedCleanly?: boolean;
}

/** A chunk the pre-check kept, parsed and analysed. */
function analyzeChunk(chunkText: string, options: EngineOptions): ChunkAnalysis {
  const { findings, documents: _documents, lines: _lines, ...counts } = analyzeWhole(chunkText, options);
  return { ...counts, findings: findings.map(publicFinding), lineBreaks: countLineBreaks(chunkText) };
}

/** A chunk the pre-check let go: nothing to find, so it is only counted, never parsed. */
function unparsedChunk(chunkText: string): ChunkAnalysis {
  return { findings: [], documentCount: chunkDocumentCount(chunkText), unparsableDocuments: 0, templatedDocuments: 0, lineBreaks: countLineBreaks(chunkText) };
}

/**
 * Per open document: the chunk analyses of its last analysed text, reused for the chunks a new
 * version leaves unchanged. Holds only the last text's chunks, so it stays as large as one analysis.
 */
export class AnalysisCache {
  private signature = '';
  private chunks = new Map<string, ChunkAnalysis>();
  private analysed: { text: string; pieces: AnalysedPiece[] } = { text: '', pieces: [] };
  /** @internal */
  readonly splitMemo: SplitMemo = { offsets: [] };

  /**
   * @internal The List item of the last analysed text, with these options, that holds `offset` (fixes start
   * from it instead of the whole text), or undefined.
   */
  pieceAt(text: string, options: EngineOptions, offset: number): AnalysedPiece | undefined {
    if (text !== this.analysed.text || optionsSignature(options) !== this.signature) return undefined;
    const pieces = this.analysed.pieces;
    const piece = pieces[lastStartingAtOrBefore(pieces, offset)];
    return piece !== undefined && offset < piece.start + piece.text.length ? piece : undefined;
  }

  /** @internal */
  chunksFor(signature: string): ReadonlyMap<string, ChunkAnalysis> | undefined {
    return signature === this.signature ? this.chunks : undefined;
  }

  /** @internal */
  replace(signature: string, chunks: Map<string, ChunkAnalysis>, analysed: { text: string; pieces: AnalysedPiece[] }): void {
    this.signature = signature;
    this.chunks = chunks;
    this.analysed = analysed;
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

/** Line breaks in the text (\r\n, \n or \r each count once, as in LineIndex). */
export function countLineBreaks(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  // A \r counts unless it is the first half of \r\n.
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) if (text.charCodeAt(at + 1) !== 10) count++;
  return count;
}

function publicFinding(finding: DetailedFinding): Finding {
  const { target: _target, suppression: _suppression, reachedThrough: _reachedThrough, embedded: _embedded, ...rest } = finding;
  return rest;
}

/**
 * Lints one file's text with every document parsed (no pre-check), keeping the parsed documents and
 * the findings' nodes: fixes start from this, and soundness tests compare `analyzeText` with it.
 */
export function analyzeDetailed(text: string, options: EngineOptions): DetailedAnalysis {
  const { failed: _failed, lenient: _lenient, ...analysis } = analyzeWhole(text, options);
  return analysis;
}

function wholeFileFailure(skippedReason?: string): AnalysisResult {
  return { findings: [], documentCount: 1, unparsableDocuments: 1, templatedDocuments: 0, ...(skippedReason === undefined ? {} : { skippedReason }) };
}

/** `failed`: the parser gave up on the text; `lenient`: a document parsed only as go-yaml reads it. */
function analyzeWhole(text: string, options: EngineOptions): DetailedAnalysis & { failed?: boolean; lenient?: boolean } {
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
  const result: DetailedAnalysis & { lenient?: boolean } = { ...empty, documentCount: documents.length, documents };
  if (documents.some((source) => source.lenient === true)) result.lenient = true;
  const seenKeys = new Set<string>();
  const facts = emptyFacts();
  for (let index = 0; index < documents.length; index++) {
    let source = documents[index];
    const documentText = text.slice(source.start, source.end);
    const hasTemplates = documentText.includes('{{');
    if (hasTemplates) {
      // Read from the text as written, whether or not its variant reads as YAML.
      const renders = templateRenders(text, source.start, source.end, lines, source.index);
      if (renders.length > 0) (facts.helm ??= emptyHelmFacts()).renders.push(...renders);
    }
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
    const context: RuleContext = { text, document: source.document, allowedCidrs: options.allowedCidrs };
    const ruleNodes = new Map<unknown, RuleFact>();
    const inlinePatchSpans: { start: number; end: number }[] = [];
    const firstInlinePatch = facts.inlinePatches?.length ?? 0;
    const extractor = new FactExtractor(text, lines, {
      document: source.document,
      documentIndex: source.index,
      facts,
      ruleNodes,
      renderedOnly: (start, end) => overlapsSpan(templateSpans, start, end),
      inlinePatchSpans,
    });
    const firstFinding = result.findings.length;
    reportDocumentFindings({ text, lines, options, comments, templateSpans, seenKeys, documentIndex: source.index, findings: result.findings }, context, extractor, ruleNodes);
    if (inlinePatchSpans.length > 0) addInlinePatchKeys(facts, firstInlinePatch, inlinePatchSpans, result.findings.slice(firstFinding));
    addPatchFileFacts(facts, context, result.findings.slice(firstFinding), { lines, options, templateSpans, documentIndex: source.index });
    // One at a time: spreading a very long array into push() overflows the stack.
    for (const finding of unusedSuppressions(comments, options, lines, source.index)) result.findings.push(finding);
    for (const comment of comments) facts.suppressions.push(suppressionFact(comment, lines, source));
  }
  result.findings.sort((a, b) => a.startOffset - b.startOffset || a.code.localeCompare(b.code));
  if (hasFacts(facts)) result.facts = facts;
  return result;
}

/** Where one document's findings go, and what decides whether each is reported. */
interface DocumentReport {
  text: string;
  lines: LineIndex;
  options: EngineOptions;
  comments: SuppressionComment[];
  templateSpans: [number, number][];
  /** Keys reported so far in the text: a node reached again is reported once. */
  seenKeys: Set<string>;
  documentIndex: number;
  findings: DetailedFinding[];
}

/**
 * Runs every document check on every object of the document (fact extraction first), and reports each
 * finding at its node, and also at the alias or merge key through which its object reaches that node
 * when the node is shared (aliasFindings.ts).
 */
function reportDocumentFindings(report: DocumentReport, context: RuleContext, extractor: FactExtractor, ruleNodes: Map<unknown, RuleFact>): void {
  const { text, lines, options, comments, templateSpans } = report;
  const aliasGroups = new AliasFindingGroups();
  const { objects, aliasedItems } = manifestObjects(context.document);
  const behindObjects = new FindingsBehindObjects(context.document);
  const factOf = new Map<RuleFinding, RuleFact>();
  /** Groups `raw` at `via`; returns the key of the alias finding when it will be reported. */
  const addAtAlias = (via: Via, raw: RuleFinding): string | undefined => {
    const trimmed = { ...via, end: trimTrailingSpace(text, via.start, via.end) };
    if (overlapsSpan(templateSpans, trimmed.start, trimmed.end)) return undefined;
    aliasGroups.add(trimmed, raw);
    if (isSuppressed(comments, raw.ruleId, lines.positionAt(trimmed.start).line)) return undefined;
    return findingKey(raw.ruleId, trimmed.start, trimmed.end);
  };
  /** Reports one finding of a check at its node (and its alias); false when it is not reported. */
  const reportRaw = (raw: RuleFinding): boolean => {
    raw.end = trimTrailingSpace(text, raw.start, raw.end);
    if (overlapsSpan(templateSpans, raw.start, raw.end)) return false;
    const severity = severityOf(raw, options);
    if (severity === 'off') return false;
    const keys: string[] = [];
    const extra = { ...(raw.via ? { reachedThrough: raw.via } : {}), ...(raw.embedded ? { embedded: raw.embedded } : {}) };
    const nodeKey = reportFinding(report, raw, severity, { start: raw.start, end: raw.end, message: raw.message }, extra);
    if (nodeKey) keys.push(nodeKey);
    const aliasKey = raw.via && addAtAlias(raw.via, raw);
    if (aliasKey) keys.push(aliasKey);
    // The link phase judges these findings' severity by who holds the role.
    const ruleFact = raw.target.kind === 'rbac-rule' ? ruleNodes.get(raw.target.rule.node) : undefined;
    if (ruleFact) {
      factOf.set(raw, ruleFact);
      addFindingKeys(ruleFact, keys);
    }
    return true;
  };
  for (const object of objects) {
    // Rule nodes map to this object's facts: a rule written once under an anchor is in several roles.
    ruleNodes.clear();
    extractor.extract(object);
    const reported: RuleFinding[] = [];
    // Facts are of objects as written; a patch body is judged as the kind it patches.
    const judged = judgedAsPatch(context.document, object);
    for (const check of DOCUMENT_CHECKS) {
      for (const raw of check(context, judged)) if (reportRaw(raw)) reported.push(raw);
    }
    behindObjects.addObject(object, reported);
  }
  ruleNodes.clear();
  // The root object is first (manifests.ts); a kustomization is judged only there.
  const root = isMap(resolveNode(context.document, context.document.contents)) ? objects[0] : undefined;
  for (const raw of documentPatchFindings(context, text, root)) reportRaw(raw);
  for (const items of aliasedItems) {
    // An alias to one role is that role applied again: its finding goes with the role. Behind an alias
    // to several objects (a List's items), it belongs to no single role and keeps its own severity.
    const oneObject = behindObjects.isSingleObject(items.node);
    for (const raw of behindObjects.behind(items)) {
      const key = addAtAlias(items.via, raw);
      const ruleFact = oneObject ? factOf.get(raw) : undefined;
      if (ruleFact && key) addFindingKeys(ruleFact, [key]);
    }
  }
  for (const group of aliasGroups.all()) {
    const severity = severityOf(group.first, options);
    if (severity === 'off') continue;
    const through = group.via.merge ? `*${group.via.anchor} in the merge key <<` : `the alias *${group.via.anchor}`;
    const behind = group.nodes.length > 1 ? 'the anchored values are related locations' : 'the anchored value is a related location';
    reportFinding(report, group.first, severity, {
      start: group.via.start,
      end: group.via.end,
      message: `${group.first.message} This object gets it through ${through}; ${behind}.`,
      related: group.nodes.map((node) => ({
        range: lines.rangeOf(node.start, node.end),
        message: `Written here, under the anchor that ${through} repeats: editing it changes every object that uses the anchor.`,
      })),
    });
  }
}

/**
 * The keys of the findings inside each of a document's inline patches (those from `first` on in
 * `facts.inlinePatches`, whose strings are at `spans`); an inline patch with neither findings nor rules is dropped.
 */
function addInlinePatchKeys(facts: FileFacts, first: number, spans: readonly { start: number; end: number }[], documentFindings: readonly DetailedFinding[]): void {
  const patches = facts.inlinePatches ?? [];
  const added = patches.splice(first);
  added.forEach((patch, index) => {
    const { start, end } = spans[index];
    patch.findingKeys = documentFindings.filter((finding) => finding.code !== UNUSED_SUPPRESSION && finding.startOffset >= start && finding.endOffset <= end).map((finding) => finding.key);
    if (patch.findingKeys.length > 0 || patch.rules.length > 0) patches.push(patch);
  });
  if (patches.length === 0) delete facts.inlinePatches;
}

/**
 * A document that may be a Kustomize patch file: the keys of its findings (all of them are as a patch: a
 * kind-less document yields nothing else) and its findings under each kind a kustomization's target can
 * name, placed and with their severity, for the link phase. Suppression comments are applied there.
 */
function addPatchFileFacts(
  facts: FileFacts,
  context: RuleContext,
  documentFindings: readonly DetailedFinding[],
  where: { lines: LineIndex; options: EngineOptions; templateSpans: [number, number][]; documentIndex: number },
): void {
  const reading = readPatchFile(context);
  if (!reading) return;
  const judged: Partial<Record<JudgedVariant, PatchFindingFact[]>> = {};
  let any = false;
  for (const [variant, raws] of reading.variants) {
    const found: PatchFindingFact[] = [];
    const seen = new Set<string>();
    for (const raw of raws) {
      const end = trimTrailingSpace(context.text, raw.start, raw.end);
      const severity = severityOf(raw, where.options);
      if (severity === 'off' || overlapsSpan(where.templateSpans, raw.start, end)) continue;
      const key = findingKey(raw.ruleId, raw.start, end);
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ code: raw.ruleId, message: raw.message, place: { start: raw.start, end, range: where.lines.rangeOf(raw.start, end) }, severity, documentIndex: where.documentIndex });
    }
    if (found.length > 0) {
      judged[variant] = found;
      any = true;
    }
  }
  const localKeys = documentFindings.filter((finding) => finding.code !== UNUSED_SUPPRESSION).map((finding) => finding.key);
  const rules = reading.rules.map((rule) => {
    const span = nodeSpan(rule.written);
    const end = trimTrailingSpace(context.text, span.start, span.end);
    return { ...policyRuleOf(context.document, rule), place: { start: span.start, end, range: where.lines.rangeOf(span.start, end) } };
  });
  if (any || localKeys.length > 0 || rules.length > 0) addPatchFile(facts, { localKeys, variants: judged, rules });
}

function addFindingKeys(ruleFact: RuleFact, keys: readonly string[]): void {
  if (keys.length > 0) ruleFact.findingKeys = [...new Set([...(ruleFact.findingKeys ?? []), ...keys])];
}

/** Reports one finding at `place` unless a finding with its key was reported or it is suppressed; returns its key then. */
function reportFinding(
  report: DocumentReport,
  raw: RuleFinding,
  severity: Severity,
  place: { start: number; end: number; message: string; related?: RelatedLocation[] },
  extra: Pick<DetailedFinding, 'reachedThrough' | 'embedded'> = {},
): string | undefined {
  const key = findingKey(raw.ruleId, place.start, place.end);
  if (report.seenKeys.has(key)) return undefined;
  report.seenKeys.add(key);
  const range = report.lines.rangeOf(place.start, place.end);
  if (isSuppressed(report.comments, raw.ruleId, range.start.line)) return undefined;
  report.findings.push({
    code: raw.ruleId,
    severity,
    message: place.message,
    range,
    startOffset: place.start,
    endOffset: place.end,
    key,
    documentIndex: report.documentIndex,
    ...(place.related ? { related: place.related } : {}),
    target: raw.target,
    ...extra,
  });
  return key;
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
  const severity = options.rules[finding.ruleId] ?? finding.defaultSeverity ?? RULES[finding.ruleId].defaultSeverity;
  return severity !== 'off' && finding.severityCap && SEVERITY_RANK[severity] > SEVERITY_RANK[finding.severityCap] ? finding.severityCap : severity;
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
  const first = firstIndexWhere(spans.length, (index) => spans[index][1] > start); // the first span that ends after `start`
  return first < spans.length && spans[first][0] < end;
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
