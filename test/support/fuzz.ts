// Deterministic fuzzing helpers: a small seeded PRNG (mulberry32) and the text mutations the fuzz
// tests apply to real manifests. Everything here is a pure function of the seed, so a failing case
// is reproduced from its seed alone (and kept in test/fixtures/fuzz-regressions/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT } from './engine';

/** mulberry32: 32-bit state, fast, good enough for test input generation. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Derives the seed of case `index` of a run from the run's base seed (stable, well spread). */
export function caseSeed(baseSeed: number, index: number): number {
  return (Math.imul(baseSeed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

const YAML_NOISE = ['[', ']', '{', '}', ':', ',', '-', '?', '&a', '*a', '!!str', '!!binary', '|', '>', "'", '"', '%YAML 1.1', '@', '`', '#', '<<: ', '\\', '\\x65', '\\u0065'];
const TEMPLATES = ['{{ .Values.ip }}', '{{- if .Values.x }}', '{{ end }}', '{{', '}}', '{{ include "x" . | nindent 4 }}'];
const IPS = ['1.2.3.4', '010.1.1.1', '::ffff:1.2.3.4', 'fe80::1%eth0', ' 8.8.8.8 ', '10.0.0.1/8', '0.0.0.0', '2001:db8::1'];
const DANGEROUS_LINES = ['  externalIPs: [1.2.3.4]', 'spec:\n  externalIPs:\n  - 8.8.8.8', 'status:\n  loadBalancer:\n    ingress: [{ip: 1.2.3.4}]', 'kind: List\nitems:', '- apiGroups: [""]\n  resources: [services/status]\n  verbs: [patch]'];

export type MutationName =
  | 'byte-flip'
  | 'char-flip'
  | 'truncate'
  | 'indent'
  | 'document-marker'
  | 'template'
  | 'tab'
  | 'nul'
  | 'lone-surrogate'
  | 'yaml-noise'
  | 'delete-line'
  | 'duplicate-line'
  | 'swap-lines'
  | 'dangerous-line'
  | 'ip'
  | 'crlf'
  | 'bom'
  | 'splice';

export const MUTATIONS: readonly MutationName[] = [
  'byte-flip',
  'char-flip',
  'truncate',
  'indent',
  'document-marker',
  'template',
  'tab',
  'nul',
  'lone-surrogate',
  'yaml-noise',
  'delete-line',
  'duplicate-line',
  'swap-lines',
  'dangerous-line',
  'ip',
  'crlf',
  'bom',
  'splice',
];

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index++) if (text[index] === '\n') starts.push(index + 1);
  return starts;
}

function splitLines(text: string): string[] {
  return text.split('\n');
}

/** One mutation of `text`; `donor` is another text to splice from. */
export function mutate(text: string, name: MutationName, random: Random, donor: string): string {
  const at = random.int(text.length + 1);
  switch (name) {
    case 'byte-flip': {
      // On the UTF-8 bytes, as a corrupted file would be, decoded the way a lenient reader would.
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length === 0) return text;
      for (let flips = 1 + random.int(3); flips > 0; flips--) bytes[random.int(bytes.length)] ^= 1 << random.int(8);
      return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
    }
    case 'char-flip': {
      if (text.length === 0) return text;
      const index = random.int(text.length);
      const code = text.charCodeAt(index) ^ (1 << random.int(16));
      return text.slice(0, index) + String.fromCharCode(code) + text.slice(index + 1);
    }
    case 'truncate':
      // May cut a surrogate pair or a CRLF in half.
      return text.slice(0, at);
    case 'indent': {
      const lines = splitLines(text);
      const line = random.int(lines.length);
      const shift = random.int(9) - 4;
      lines[line] = shift >= 0 ? ' '.repeat(shift) + lines[line] : lines[line].replace(new RegExp(`^ {0,${-shift}}`), '');
      return lines.join('\n');
    }
    case 'document-marker': {
      const starts = lineStarts(text);
      const start = random.pick(starts);
      const marker = random.pick(['---\n', '...\n', '--- |\n', '---\n---\n', '--- # c\n', '--- !!map\n']);
      return text.slice(0, start) + marker + text.slice(start);
    }
    case 'template':
      return text.slice(0, at) + random.pick(TEMPLATES) + text.slice(at);
    case 'tab': {
      const lines = splitLines(text);
      const line = random.int(lines.length);
      lines[line] = random.chance(0.5) ? lines[line].replace(/^ +/, '\t') : '\t' + lines[line];
      return lines.join('\n');
    }
    case 'nul':
      return text.slice(0, at) + '\u0000'.repeat(1 + random.int(3)) + text.slice(at);
    case 'lone-surrogate':
      return text.slice(0, at) + random.pick(['\uD800', '\uDFFF', '\uDBFF', '\uDC00x', '\uFFFE', '\uFEFF']) + text.slice(at);
    case 'yaml-noise':
      return text.slice(0, at) + random.pick(YAML_NOISE) + text.slice(at);
    case 'delete-line': {
      const lines = splitLines(text);
      lines.splice(random.int(lines.length), 1 + random.int(2));
      return lines.join('\n');
    }
    case 'duplicate-line': {
      const lines = splitLines(text);
      const line = random.int(lines.length);
      lines.splice(line, 0, lines[line]);
      return lines.join('\n');
    }
    case 'swap-lines': {
      const lines = splitLines(text);
      const a = random.int(lines.length);
      const b = random.int(lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
    case 'dangerous-line': {
      const lines = splitLines(text);
      const indentation = ' '.repeat(random.int(3) * 2);
      lines.splice(random.int(lines.length + 1), 0, ...random.pick(DANGEROUS_LINES).split('\n').map((line) => indentation + line));
      return lines.join('\n');
    }
    case 'ip':
      return text.slice(0, at) + random.pick(IPS) + text.slice(at);
    case 'crlf':
      return text.replace(/\r?\n/g, '\r\n');
    case 'bom':
      return '\uFEFF' + text;
    case 'splice': {
      const from = random.int(donor.length + 1);
      const length = random.int(Math.min(400, donor.length - from) + 1);
      const end = random.chance(0.5) ? at : Math.min(text.length, at + random.int(200));
      return text.slice(0, at) + donor.slice(from, from + length) + text.slice(end);
    }
  }
}

export interface MutatedCase {
  seed: number;
  base: string;
  mutations: MutationName[];
  text: string;
}

export interface SeedText {
  name: string;
  text: string;
  /** A repository fixture (small, rich in findings) rather than a corpus file. */
  fixture: boolean;
}

/**
 * A mutated text made from one of `seeds` (chosen by the seed), with 1–4 mutations. Fixtures are
 * picked three times out of four: they carry the findings, so fixes get exercised too.
 */
export function mutatedCase(seed: number, seeds: readonly SeedText[]): MutatedCase {
  const random = new Random(seed);
  const fixtures = seeds.filter((candidate) => candidate.fixture);
  const base = random.chance(0.75) && fixtures.length > 0 ? random.pick(fixtures) : random.pick(seeds);
  const donor = random.pick(seeds).text;
  let text = base.text;
  const mutations: MutationName[] = [];
  for (let count = 1 + random.int(4); count > 0; count--) {
    const name = random.pick(MUTATIONS);
    mutations.push(name);
    text = mutate(text, name, random, donor);
  }
  return { seed, base: base.name, mutations, text };
}

export const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus');
export const FUZZ_REGRESSIONS = path.join(FIXTURES, 'fuzz-regressions');

function filesUnder(dir: string, pattern: RegExp): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesUnder(full, pattern));
    else if (entry.isFile() && pattern.test(entry.name)) files.push(full);
  }
  return files.sort();
}

/**
 * Real manifests to mutate: the repository's test fixtures, plus a deterministic sample of
 * ../shared/corpus when it is there (`corpusSample` files of at most `maxBytes` each).
 */
export function seedManifests(corpusSample: number, maxBytes = 64 * 1024): SeedText[] {
  const seeds: SeedText[] = [];
  const fixtureFiles = [
    ...filesUnder(path.join(FIXTURES, 'evasion'), /\.(ya?ml|json)$/).filter((file) => !file.endsWith('.expected.json')),
    ...filesUnder(path.join(FIXTURES, 'cli'), /\.(ya?ml|json)$/),
    ...filesUnder(path.join(REPO_ROOT, 'examples'), /\.(ya?ml|json)$/),
  ];
  for (const file of fixtureFiles) seeds.push({ name: path.relative(REPO_ROOT, file), text: fs.readFileSync(file, 'utf8'), fixture: true });
  if (corpusSample > 0 && fs.existsSync(CORPUS)) {
    const candidates = filesUnder(CORPUS, /\.(ya?ml|json|tpl)$/).filter((file) => fs.statSync(file).size <= maxBytes);
    const random = new Random(0x5eed);
    const chosen = new Set<number>();
    while (chosen.size < Math.min(corpusSample, candidates.length)) chosen.add(random.int(candidates.length));
    for (const index of [...chosen].sort((a, b) => a - b)) {
      seeds.push({ name: path.relative(CORPUS, candidates[index]), text: fs.readFileSync(candidates[index], 'utf8'), fixture: false });
    }
  }
  return seeds;
}
