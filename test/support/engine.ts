// Shared helpers for the engine tests. Every text linted through `lint` is also checked for
// prefilter soundness: if the engine finds anything with the text pre-check bypassed, the
// pre-check must have let the text through. So every test input doubles as a soundness case.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeDetailed, analyzeText } from '../../server/src/engine/analyze';
import { mightHaveFindings } from '../../server/src/engine/prefilter';
import { AnalysisResult, EngineOptions, Finding, FindingCode } from '../../server/src/engine/types';

/** The repository root (tests run from out/test/...). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export interface Brief {
  code: FindingCode;
  line: number;
  character: number;
}

/** Analyses with the pre-check bypassed, then asserts the pre-check would have let the text through. */
export function analyzeUnfiltered(text: string, options: EngineOptions): AnalysisResult {
  const result = analyzeDetailed(text, options, { skipPrefilter: true });
  if (result.findings.length > 0) {
    assert.ok(
      mightHaveFindings(text),
      `prefilter is unsound: it skips a text with findings ${JSON.stringify(result.findings.map((f) => f.code))}:\n${text}`,
    );
  }
  return result;
}

/** Lints a text as the public API does, checking that the pre-check never changes the result. */
export function analyze(text: string, options: Partial<EngineOptions> = {}): AnalysisResult {
  const full: EngineOptions = { allowedCidrs: [], rules: {}, ...options };
  const unfiltered = analyzeUnfiltered(text, full);
  const filtered = analyzeDetailed(text, full);
  assert.deepEqual(
    filtered.findings.map((f) => f.key),
    unfiltered.findings.map((f) => f.key),
    'the prefilter changed the findings',
  );
  // The public facade (what the server and the CLI call) is what the tests assert on.
  return analyzeText(text, full);
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

export interface EvasionCase {
  name: string;
  text: string;
  allowedCidrs: string[];
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
    return { name: file, text: fs.readFileSync(path.join(EVASION_DIR, file), 'utf8'), allowedCidrs, findings };
  });
}
