// The nesting guard runs inside the parse's own lexer pass (one lex per analysed text instead of two).
// These tests check that this is exactly the old two-pass behaviour: the guarded parse throws iff the
// standalone guard (`findExcessiveNesting`, a lexer pass of its own) reports a problem, with the same
// offset and message, and otherwise yields the same documents as an unguarded parse.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer } from 'yaml';
import { analyzeText } from '../../server/src/engine/analyze';
import { ExcessiveNestingError, findExcessiveNesting, NestingLimits } from '../../server/src/engine/nestingGuard';
import { parseSourceDocuments, SourceDocument } from '../../server/src/engine/yamlParse';
import { caseSeed, mulberry32, mutatedCase, seedManifests } from '../support/fuzz';
import { loadEvasionCases, WITHOUT_DEPRECATION_HINT, yaml } from '../support/engine';

const MANIFEST_LIMITS: NestingLimits = { maxFlowDepth: 256, maxLinePrefix: 512 };
const SMALL_LIMITS: NestingLimits = { maxFlowDepth: 3, maxLinePrefix: 8 };

/** A parsed document as plain data: ranges, errors and every node's type, range and scalar value. */
function describeDocuments(documents: SourceDocument[]): unknown {
  const node = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object' || depth > 64) return value ?? null;
    const item = value as { constructor: { name: string }; range?: unknown; items?: unknown[]; key?: unknown; value?: unknown; source?: unknown };
    if (Array.isArray(item.items)) return [item.constructor.name, item.range, item.items.map((child) => node(child, depth + 1))];
    if ('key' in item) return ['Pair', node(item.key, depth + 1), node(item.value, depth + 1)];
    return [item.constructor.name, item.range, item.value ?? item.source ?? null];
  };
  return documents.map((source) => ({
    start: source.start,
    end: source.end,
    parsed: source.parsed,
    errors: source.document.errors.map((error) => [error.code, error.pos]),
    contents: node(source.document.contents, 0),
  }));
}

/** The guarded parse must behave exactly as the standalone guard followed by an unguarded parse. */
function assertSameAsTwoPasses(text: string, limits: NestingLimits): 'tripped' | 'parsed' {
  const expected = findExcessiveNesting(text, limits);
  let guarded: SourceDocument[] | undefined;
  try {
    guarded = parseSourceDocuments(text, limits);
  } catch (error) {
    if (!(error instanceof ExcessiveNestingError)) throw error;
    assert.deepEqual(error.problem, expected, `the guarded parse tripped differently on ${JSON.stringify(text.slice(0, 300))}`);
    return 'tripped';
  }
  assert.equal(expected, undefined, `the guarded parse missed ${JSON.stringify(expected)} in ${JSON.stringify(text.slice(0, 300))}`);
  assert.deepEqual(describeDocuments(guarded), describeDocuments(parseSourceDocuments(text)), 'the guarded parse changed the documents');
  return 'parsed';
}

/** Texts nesting near given limits: flow brackets, indentation, indicators, anchors, tags, in any document. */
function nestingTexts(limits: NestingLimits, random: () => number, count: number): string[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const depth = limits.maxFlowDepth - 2 + Math.floor(random() * 5);
    const prefix = limits.maxLinePrefix - 3 + Math.floor(random() * 7);
    const open = Array.from({ length: depth }, () => pick(['[', '{', '[ ', '{a: ', '[x, '])).join('');
    const close = Array.from({ length: Math.floor(random() * (depth + 2)) }, () => pick([']', '}'])).join('');
    const prefixLine = (): string => {
      let line = '';
      while (line.length < prefix) line += pick([' ', ' ', '- ', '? ', ': ', '&a ', '!t ', '!<x>&b ', '\t']);
      return line.slice(0, prefix) + pick(['x', 'key: v', '# comment', '', '[1]', '"q"', '|\n  block']);
    };
    const parts = [
      'apiVersion: v1\nkind: Service\nspec: {externalIPs: [1.2.3.4]}',
      `externalIPs: ${open}${close}`,
      prefixLine(),
      `a: |\n${' '.repeat(prefix + 2)}${'['.repeat(depth + 1)}\nb: c`,
      `# ${'['.repeat(depth + 2)}`,
      `"${'{'.repeat(depth + 2)}"`,
      `\uFEFF${prefixLine()}`,
      `- ${'- '.repeat(Math.floor(prefix / 2))}x`,
      `${' '.repeat(prefix + 1)}\n${' '.repeat(prefix - 1)}# indented comment`,
    ];
    const documents = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(parts));
    texts.push(documents.join(pick(['\n---\n', '\n', '\r\n---\r\n', '\n...\n', '\n--- '])));
  }
  return texts;
}

describe('nesting guard in the parse pass', () => {
  it('trips and parses exactly as the standalone guard and an unguarded parse, near the limits', () => {
    const random = mulberry32(5);
    const outcomes = { tripped: 0, parsed: 0 };
    for (const limits of [SMALL_LIMITS, MANIFEST_LIMITS]) {
      for (const text of nestingTexts(limits, random, 400)) outcomes[assertSameAsTwoPasses(text, limits)]++;
    }
    // Both outcomes are well represented, so the comparison has teeth either way.
    assert.ok(outcomes.tripped > 150 && outcomes.parsed > 150, JSON.stringify(outcomes));
  });

  it('agrees on every evasion fixture and on mutated corpus manifests', () => {
    for (const testCase of loadEvasionCases()) {
      assertSameAsTwoPasses(testCase.text, MANIFEST_LIMITS);
      assertSameAsTwoPasses(testCase.text, SMALL_LIMITS);
    }
    const seeds = seedManifests(40);
    for (let index = 0; index < 150; index++) {
      const { text } = mutatedCase(caseSeed(11, index), seeds);
      assertSameAsTwoPasses(text, MANIFEST_LIMITS);
      assertSameAsTwoPasses(text, SMALL_LIMITS);
    }
  });

  it('stops before composing a document nested deeper than the parser can take, after good documents', () => {
    const deep = 'externalIPs: ' + '['.repeat(100000) + ']'.repeat(100000);
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec: {externalIPs: [1.2.3.4]}', '---', deep, '---', 'a: b');
    assert.throws(() => parseSourceDocuments(text, MANIFEST_LIMITS), ExcessiveNestingError);
    const result = analyzeText(text, { allowedCidrs: [], rules: {} });
    assert.deepEqual(result.findings, []);
    assert.match(result.skippedReason ?? '', /^Brackets nest more than 256 levels deep; not analysed$/);
  });

  it('lexes an analysed document once', () => {
    const lex = Lexer.prototype.lex;
    let passes = 0;
    Lexer.prototype.lex = function (this: Lexer, ...args: Parameters<Lexer['lex']>) {
      passes++;
      return lex.apply(this, args);
    };
    try {
      const text = yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', '  externalIPs: [1.2.3.4]');
      assert.equal(analyzeText(text, { allowedCidrs: [], rules: WITHOUT_DEPRECATION_HINT }).findings.length, 1);
      assert.equal(passes, 1);
    } finally {
      Lexer.prototype.lex = lex;
    }
  });
});
