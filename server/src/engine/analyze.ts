// Runs the rules over every object of every document of one file and turns rule findings into
// positioned, severity-resolved, suppression-aware findings.
import { LineIndex } from './lineIndex';
import { manifestObjects } from './manifests';
import { ParsedCidr, parseAllowedCidr } from './ipAddresses';
import { findExcessiveNesting } from './nestingGuard';
import { maskDocumentsWithoutFindings } from './prefilter';
import { checkExternalIps } from './rules/externalIps';
import { checkLoadBalancerStatus } from './rules/loadBalancerStatus';
import { checkRbacServicesStatus } from './rules/rbacServicesStatus';
import { RULES } from './rules/catalog';
import { FindingTarget, Rule, RuleContext, RuleFinding } from './rules/ruleTypes';
import { findSuppressionComments, isSuppressed, keepRealComments, SuppressionComment } from './suppressions';
import { AnalysisResult, EngineOptions, Finding, RuleId, Severity, UNUSED_SUPPRESSION } from './types';
import { parseSourceDocuments, SourceDocument } from './yamlModel';

const RULE_CHECKS: Rule[] = [checkExternalIps, checkLoadBalancerStatus, checkRbacServicesStatus];
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

/** Lints one file's text. Never throws: unparsable documents are counted and skipped. */
export function analyzeText(text: string, options: EngineOptions): AnalysisResult {
  const { findings, documents: _documents, lines: _lines, ...counts } = analyzeDetailed(text, options);
  return { ...counts, findings: findings.map(publicFinding) };
}

function publicFinding(finding: DetailedFinding): Finding {
  const { target: _target, suppression: _suppression, ...rest } = finding;
  return rest;
}

export interface AnalysisControls {
  /**
   * Parse every document, even those the text pre-check rules out (fix verification compares the
   * parse of every document before and after an edit; soundness tests compare both paths).
   */
  skipPrefilter?: boolean;
}

export function analyzeDetailed(text: string, options: EngineOptions, controls: AnalysisControls = {}): DetailedAnalysis {
  const lines = new LineIndex(text);
  const empty: DetailedAnalysis = { findings: [], documentCount: 0, unparsableDocuments: 0, templatedDocuments: 0, documents: [], lines };
  const parsedText = controls.skipPrefilter ? text : maskDocumentsWithoutFindings(text);
  if (parsedText === undefined) return empty;
  const nesting = findExcessiveNesting(parsedText, MANIFEST_NESTING_LIMITS);
  if (nesting) return { ...empty, documentCount: 1, unparsableDocuments: 1, skippedReason: `${nesting.message}; not analysed` };
  let documents: SourceDocument[];
  try {
    documents = parseSourceDocuments(parsedText);
  } catch {
    // The parser gave up on the whole text (e.g. nesting too deep for the stack): nothing to report.
    return { ...empty, documentCount: 1, unparsableDocuments: 1 };
  }
  const allowedCidrs = parseCidrs(options.allowedCidrs);
  const suppressionComments = findSuppressionComments(text, lines);
  const result: DetailedAnalysis = { ...empty, documentCount: documents.length, documents };
  const seenKeys = new Set<string>();
  for (const source of documents) {
    const documentText = text.slice(source.start, source.end);
    const hasTemplates = documentText.includes('{{');
    if (!source.parsed) {
      if (hasTemplates) result.templatedDocuments++;
      else result.unparsableDocuments++;
      continue;
    }
    const templateSpans = hasTemplates ? templateSpansOf(documentText, source.start) : [];
    const comments = keepRealComments(
      suppressionComments.filter((comment) => comment.start >= source.start && comment.start < source.end),
      source.document,
    );
    const context: RuleContext = { document: source.document, allowedCidrs };
    for (const raw of runRules(context)) {
      raw.end = trimTrailingSpace(text, raw.start, raw.end);
      if (templateSpans.some(([start, end]) => raw.start < end && start < raw.end)) continue;
      const severity = severityOf(raw, options);
      if (severity === 'off') continue;
      const key = `${raw.ruleId}:${raw.start}:${raw.end}`;
      if (seenKeys.has(key)) continue;
      seenKeys.add(key);
      const range = lines.rangeOf(raw.start, raw.end);
      if (isSuppressed(comments, raw.ruleId, range.start.line)) continue;
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
    result.findings.push(...unusedSuppressions(comments, options, lines, source.index));
  }
  result.findings.sort((a, b) => a.startOffset - b.startOffset || a.code.localeCompare(b.code));
  return result;
}

function runRules(context: RuleContext): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const object of manifestObjects(context.document)) {
    for (const check of RULE_CHECKS) findings.push(...check(context, object));
  }
  return findings;
}

function severityOf(finding: RuleFinding, options: EngineOptions): Severity | 'off' {
  const configured = options.rules[finding.ruleId];
  if (configured) return configured;
  return finding.defaultSeverity ?? RULES[finding.ruleId].defaultSeverity;
}

/** Invalid allowlist entries are reported by the config layer; here they simply allow nothing. */
function parseCidrs(entries: readonly string[]): ParsedCidr[] {
  const parsed: ParsedCidr[] = [];
  for (const entry of entries) {
    const cidr = parseAllowedCidr(entry);
    if (!('error' in cidr)) parsed.push(cidr);
  }
  return parsed;
}

/** Block nodes' ranges run to the next line; a squiggle should end at the last visible character. */
function trimTrailingSpace(text: string, start: number, end: number): number {
  let trimmed = end;
  while (trimmed > start && /\s/.test(text[trimmed - 1])) trimmed--;
  return trimmed;
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
        key: `${UNUSED_SUPPRESSION}:${mention.start}:${mention.end}`,
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
        key: `${UNUSED_SUPPRESSION}:${comment.start}:${comment.end}`,
        documentIndex,
        suppression: comment,
      });
    }
  }
  return findings;
}
