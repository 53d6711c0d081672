// Shared helpers for the engine tests. Every text linted through `lint` is also checked for
// prefilter soundness: if the engine finds anything with the text pre-check bypassed, the
// pre-check must have let the text through. So every test input doubles as a soundness case.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CST, Lexer } from 'yaml';
import { AnalysisCache, analyzeDetailed, analyzeText } from '../../server/src/engine/analyze';
import { splitDocuments } from '../../server/src/engine/documentSplit';
import { mightHaveFindings } from '../../server/src/engine/prefilter';
import { mergeSettings } from '../../server/src/engine/config';
import { AnalysisResult, EngineOptions, Finding, FindingCode, ParsedCidr } from '../../server/src/engine/types';

/** The repository root (tests run from out/test/...). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export interface Brief {
  code: FindingCode;
  line: number;
  character: number;
}

/**
 * `external-ips-deprecated` comes once with every Service that uses externalIPs: tests about the other
 * rules leave it out unless they name it (its own tests and the evasion corpus turn it on).
 */
export const WITHOUT_DEPRECATION_HINT: EngineOptions['rules'] = { 'external-ips-deprecated': 'off' };

/** Analyses with the pre-check bypassed, then asserts the pre-check would have let the text through. */
export function analyzeUnfiltered(text: string, options: EngineOptions): AnalysisResult {
  const result = analyzeDetailed(text, options);
  if (result.findings.length > 0) {
    assert.ok(
      mightHaveFindings(text),
      `prefilter is unsound: it skips a text with findings ${JSON.stringify(result.findings.map((f) => f.code))}:\n${text}`,
    );
  }
  return result;
}

/**
 * Lints a text as the public API does (split into documents, pre-checked per document, parsed per
 * document), checking that this never changes the result of parsing the whole text: the same
 * findings at the same places in the same documents, the same document count. Also checks the split
 * against the yaml Lexer, and that the per-document cache reproduces the same result when it reuses
 * documents at other offsets.
 */
export function analyze(text: string, options: Partial<EngineOptions> = {}, { deprecationHint = false } = {}): AnalysisResult {
  const full: EngineOptions = { allowedCidrs: [], ...options, rules: deprecationHint ? (options.rules ?? {}) : { ...WITHOUT_DEPRECATION_HINT, ...options.rules } };
  const unfiltered = analyzeUnfiltered(text, full);
  const filtered = analyzeText(text, full);
  assert.deepEqual(comparable(filtered), comparable(unfiltered), `analysing per document changed the result of ${JSON.stringify(text)}`);
  assertSplitMatchesLexer(text);
  // A cache primed with the text shifted by one empty document reuses every chunk at another offset.
  const cache = new AnalysisCache();
  analyzeText(`---\n${text}`, full, cache);
  assert.deepEqual(analyzeText(text, full, cache), filtered, 'the chunk cache changed the result');
  assert.deepEqual(analyzeText(text, full, cache), filtered, 'the chunk cache changed the result on a second pass');
  return filtered;
}

/** What must not depend on how the text was analysed. */
function comparable(result: AnalysisResult): unknown {
  const findings = result.findings.map(({ code, severity, message, range, startOffset, endOffset, key, documentIndex, related }) => ({
    code, severity, message, range, startOffset, endOffset, key, documentIndex, related,
  }));
  return { findings, documentCount: result.documentCount };
}

/** Where the yaml Lexer puts `---` markers, and whether it sees `...` markers or directives. */
export function lexerDocumentMarkers(text: string): { starts: number[]; endMarkers: number; directives: number } {
  const markers = { starts: [] as number[], endMarkers: 0, directives: 0 };
  let offset = 0;
  let scalarSource = false;
  for (const token of new Lexer().lex(text)) {
    // After the scalar control token comes a scalar's source (which may read `---` or `...`).
    const type: string | null = scalarSource ? 'scalar source' : CST.tokenType(token);
    scalarSource = type === 'scalar';
    if (type === 'doc-start') markers.starts.push(offset);
    else if (type === 'doc-end') markers.endMarkers++;
    else if (type === 'directive-line') markers.directives++;
    // As the yaml Parser counts offsets: these control tokens stand for no source text.
    if (type !== 'doc-mode' && type !== 'flow-error-end' && type !== 'scalar') offset += token.length;
  }
  return markers;
}

/**
 * The split is exact: its chunks start at the Lexer's `---` markers (all but one merged into the
 * first chunk after leading comments), and it declines texts where the Lexer sees `...` or directives.
 */
export function assertSplitMatchesLexer(text: string): void {
  const markers = lexerDocumentMarkers(text);
  const chunks = splitDocuments(text);
  if (markers.endMarkers > 0 || markers.directives > 0) {
    assert.equal(chunks, undefined, `the split must decline a text with ... markers or directives:\n${text}`);
    return;
  }
  if (chunks === undefined) return; // declined for a construct the Lexer does not mark here (always allowed)
  assert.equal(chunks[0].start, 0);
  for (let i = 1; i < chunks.length; i++) assert.equal(chunks[i].start, chunks[i - 1].end);
  assert.equal(chunks[chunks.length - 1].end, text.length);
  // The split is at line-start markers. A `---` after indentation that ends an unclosed flow collection
  // also starts a document, inside a chunk: the chunk's own parse sees it (and `analyze` compares the
  // document counts).
  const lineStartMarkers = markers.starts.filter((start) => start === 0 || text[start - 1] === '\n' || text[start - 1] === '\uFEFF');
  const splitStarts = chunks.slice(1).map((chunk) => chunk.start);
  const lexerStarts = lineStartMarkers.filter((start) => start >= chunks[0].end);
  assert.deepEqual(splitStarts, lexerStarts, `the split disagrees with the Lexer's --- markers:\n${JSON.stringify(text)}`);
  // Markers the split leaves inside the first chunk: only the first document's own `---`.
  assert.ok(lineStartMarkers.filter((start) => start < chunks[0].end).length <= 1, `two documents in the first chunk:\n${JSON.stringify(text)}`);
}

export function lint(text: string, options: Partial<EngineOptions> = {}): Finding[] {
  return analyze(text, options).findings;
}

export function brief(findings: readonly Finding[]): Brief[] {
  return findings.map((f) => ({ code: f.code, line: f.range.start.line, character: f.range.start.character }));
}

export function codes(findings: readonly Finding[]): FindingCode[] {
  return findings.map((f) => f.code);
}

/** The source text a finding covers. */
export function covered(text: string, finding: Finding): string {
  return text.slice(finding.startOffset, finding.endOffset);
}

/** Builds a text from lines joined by \n (with a final newline). */
export function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** A core Service whose spec.externalIPs is written as `entries` (a YAML value, flow or block). */
export function service(externalIPs: string): string {
  return yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', `  externalIPs: ${externalIPs}`);
}

/** A core Service with a block list of externalIPs, one line per entry (entries written as-is). */
export function serviceBlock(...entries: string[]): string {
  return yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', '  externalIPs:', ...entries.map((e) => `  - ${e}`));
}

export const EVASION_DIR = path.join(FIXTURES, 'evasion');

/** An allowlist as the engine gets it: through the settings layer, which parses it (and drops invalid entries). */
export function cidrs(...texts: string[]): ParsedCidr[] {
  return [...mergeSettings([{ settings: { allowedExternalIPCidrs: texts } }]).engine.allowedCidrs];
}

export interface EvasionCase {
  name: string;
  text: string;
  allowedCidrs: ParsedCidr[];
  findings: Brief[];
}

/** The cases of test/fixtures/evasion: each manifest with its sibling .expected.json. */
export function loadEvasionCases(): EvasionCase[] {
  const manifests = fs.readdirSync(EVASION_DIR).filter((file) => /\.(ya?ml|json)$/.test(file) && !file.endsWith('.expected.json'));
  return manifests.sort().map((file) => {
    const expectedPath = path.join(EVASION_DIR, file.replace(/\.(ya?ml|json)$/, '.expected.json'));
    assert.ok(fs.existsSync(expectedPath), `${file} has no sibling .expected.json`);
    const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8')) as Brief[] | { allowedCidrs: string[]; findings: Brief[] };
    const { allowedCidrs, findings } = Array.isArray(expected) ? { allowedCidrs: [], findings: expected } : expected;
    return { name: file, text: fs.readFileSync(path.join(EVASION_DIR, file), 'utf8'), allowedCidrs: cidrs(...allowedCidrs), findings };
  });
}
