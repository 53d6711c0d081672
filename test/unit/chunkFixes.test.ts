// Fixes computed from a finding's document chunk (fixes.ts chunkFixesForFinding) are exactly the fixes a
// parse of the whole text gives (wholeTextFixesForFinding): over every finding of test/fixtures and
// examples/, on its own and inside a multi-document text, and over a sample of big multi-document corpus
// files when ../shared/corpus is present. No timings here: scripts/bench.mjs and the CLI measure those.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AnalysisCache, analyzeText, EngineOptions, Fix } from '../../server/src/engine';
import { splitDocuments } from '../../server/src/engine/documentSplit';
import {
  chunkFixAll,
  chunkFixesForFinding,
  chunkLinkedFindingFixes,
  fixesForFinding,
  linkedFindingFixes,
  fixAll,
  listFixAll,
  wholeTextFixAll,
  wholeTextFixesForFinding,
  wholeTextLinkedFindingFixes,
} from '../../server/src/engine/fixes/fixes';
import { cidrs, FIXTURES, REPO_ROOT } from '../support/engine';
import { CORPUS, mulberry32 } from '../support/fuzz';
import { BASE_OPTIONS, linkFiles } from '../support/linking';
import { clusterRoleBinding, STATUS_WRITER_ROLE } from '../support/rbacFixtures';

const options: EngineOptions = { allowedCidrs: cidrs('10.0.0.0/8'), rules: {} };

function manifestFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...manifestFiles(full));
    else if (/\.(ya?ml|json)$/.test(entry.name) && entry.name !== 'corpus-expected.json') files.push(full);
  }
  return files;
}

/** A text with the given one after a first document and again after it: its findings sit in later chunks. */
function amongOtherDocuments(text: string): string {
  const ended = text.endsWith('\n') ? text : `${text}\n`;
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n${ended}---\n${text}`;
}

interface Comparison {
  findings: number;
  /** Findings whose fixes the chunk path computed (the others fell back to the whole text). */
  fromChunk: number;
  mismatches: string[];
}

/** Compares, for every finding of `text`, the fixes of each path (with and without a cache) with the whole text's. */
function compareFixes(label: string, text: string, engineOptions: EngineOptions, comparison: Comparison, limit = Number.POSITIVE_INFINITY): void {
  const cache = new AnalysisCache();
  const findings = analyzeText(text, engineOptions, cache).findings.slice(0, limit);
  for (const finding of findings) {
    comparison.findings++;
    const whole = wholeTextFixesForFinding(text, engineOptions, finding.key);
    const fromChunk = chunkFixesForFinding(text, engineOptions, finding.key);
    if (fromChunk !== undefined) comparison.fromChunk++;
    const paths: [string, Fix[] | undefined][] = [
      ['chunk', fromChunk],
      ['fixesForFinding', fixesForFinding(text, engineOptions, finding.key)],
      ['fixesForFinding with its cache', fixesForFinding(text, engineOptions, finding.key, cache)],
    ];
    for (const [name, fixes] of paths) {
      if (fixes !== undefined && !isDeepEqual(fixes, whole)) {
        comparison.mismatches.push(`${label} ${finding.key} (${name}): ${JSON.stringify(fixes)} != ${JSON.stringify(whole)}`);
      }
    }
  }
}

/** The same for the findings the link phase adds to each file of `files` linked together (their suppression fix). */
function compareLinkedFixes(files: Record<string, string>, comparison: Comparison): void {
  const linked = linkFiles(files);
  for (const [name, text] of Object.entries(files)) {
    const local = new Set(analyzeText(text, BASE_OPTIONS).findings.map((finding) => finding.key));
    for (const finding of linked[name].filter((candidate) => !local.has(candidate.key))) {
      comparison.findings++;
      const whole = wholeTextLinkedFindingFixes(text, BASE_OPTIONS, finding);
      const fromChunk = chunkLinkedFindingFixes(text, BASE_OPTIONS, finding);
      if (fromChunk !== undefined) comparison.fromChunk++;
      for (const [path, fixes] of [['chunk', fromChunk], ['linkedFindingFixes', linkedFindingFixes(text, BASE_OPTIONS, finding)]] as const) {
        if (fixes !== undefined && !isDeepEqual(fixes, whole)) comparison.mismatches.push(`${name} ${finding.key} (${path}): ${JSON.stringify(fixes)} != ${JSON.stringify(whole)}`);
      }
    }
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

describe('fixes from the finding\'s document chunk equal the whole text\'s', () => {
  it('every finding of test/fixtures and examples/, alone and among other documents', () => {
    const comparison: Comparison = { findings: 0, fromChunk: 0, mismatches: [] };
    const files = [...manifestFiles(FIXTURES), ...manifestFiles(path.join(REPO_ROOT, 'examples'))];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const label = path.relative(REPO_ROOT, file);
      compareFixes(label, text, options, comparison);
      compareFixes(`${label} among other documents`, amongOtherDocuments(text), options, comparison);
    }
    assert.deepEqual(comparison.mismatches, []);
    // The chunk path must do the work for most findings, or this compares the fallback with itself.
    assert.ok(comparison.findings > 300 && comparison.fromChunk > comparison.findings / 2, `${comparison.fromChunk} of ${comparison.findings} findings fixed from their chunk`);
  });

  it('fix-all chunk by chunk gives the whole-text loop\'s text and count, for every fixture alone and among other documents', () => {
    const service = (name: string, ips: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec:\n  externalIPs: [${ips}]\n  ports: [{port: 80}]\n`;
    // Fixable entries in several chunks, and one the fix-all cannot fix (an alias) before others of its rule.
    const crafted = [
      service('a', '1.2.3.4, 10.0.0.1'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
      'apiVersion: v1\nkind: Service\nmetadata: {name: anchored}\nspec:\n  externalIPs: &ips [5.6.7.8]\n  clusterIP: None\n  loadBalancerSourceRanges: *ips\n',
      service('b', '9.9.9.9'),
      service('d', '10.0.0.2, 8.8.8.8'),
    ].join('---\n');
    let fromChunk = 0;
    let fixed = 0;
    const mismatches: string[] = [];
    const texts: [string, string][] = [['crafted', crafted]];
    for (const file of [...manifestFiles(FIXTURES), ...manifestFiles(path.join(REPO_ROOT, 'examples'))]) {
      const text = fs.readFileSync(file, 'utf8');
      texts.push([path.relative(REPO_ROOT, file), text], [`${path.relative(REPO_ROOT, file)} among other documents`, amongOtherDocuments(text)]);
    }
    for (const [label, text] of texts) {
      const whole = wholeTextFixAll(text, options);
      const chunked = chunkFixAll(text, options);
      if (chunked !== undefined) {
        fromChunk++;
        fixed += chunked.fixedCount;
        if (!isDeepEqual(chunked, whole)) mismatches.push(`${label}: ${JSON.stringify(chunked)} != ${JSON.stringify(whole)}`);
      }
      if (!isDeepEqual(fixAll(text, options), whole)) mismatches.push(`${label}: fixAll differs from the whole-text loop`);
    }
    assert.deepEqual(mismatches, []);
    assert.ok(wholeTextFixAll(crafted, options).fixedCount >= 3, 'the crafted text has fix-all fixes in several chunks');
    assert.ok(fromChunk > texts.length / 2 && fixed > 50, `${fromChunk} of ${texts.length} texts fixed chunk by chunk, ${fixed} fixes`);
  });

  it('fix-all in a kind: List goes item by item and gives the whole-text loop\'s text and count', () => {
    const next = mulberry32(7);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)];
    const item = (index: number): string[] =>
      pick<() => string[]>([
        () => ['- apiVersion: v1', '  kind: Service', '  metadata:', `    name: s${index}`, '  spec:', '    externalIPs:', ...Array.from({ length: 1 + Math.floor(next() * 3) }, () => `    - ${pick(['1.2.3.4', '10.0.0.7', '8.8.8.8', '2001:db8::1'])}`), '    ports:', '    - port: 80'],
        () => ['- apiVersion: v1', '  kind: Service', '  metadata:', `    name: s${index}`, '  spec:', `    externalIPs: [${pick(['5.6.7.8', '10.1.1.1'])}, 9.9.9.9]`],
        () => ['- apiVersion: v1', '  kind: Service', '  metadata:', `    name: lb${index}`, '  spec:', '    type: LoadBalancer', '  status:', '    loadBalancer:', '      ingress:', '      - ip: 4.4.4.4'],
        () => ['- apiVersion: v1', '  kind: ConfigMap', '  metadata:', `    name: c${index}`, '  data:', '    a: "1"'],
        // Its finding on the item's first line, where the item's text reads `- ` as spaces.
        () => [`- spec: {externalIPs: [${pick(['1.2.3.4', '10.2.2.2'])}]}`, '  apiVersion: v1', '  kind: Service', `  metadata: {name: f${index}}`],
        () => ['- externalIPs: [1.2.3.4]', '  apiVersion: v1', '  kind: ConfigMap', `  metadata: {name: k${index}}`],
        () => ['- apiVersion: rbac.authorization.k8s.io/v1', '  kind: ClusterRole', '  metadata:', `    name: r${index}`, '  rules:', '  - apiGroups: [""]', '    resources: [services/status]', '    verbs: [patch]'],
      ])();
    const list = (count: number, first = 0) => ['apiVersion: v1', 'kind: List', 'items:', ...Array.from({ length: count }, (_, index) => item(first + index)).flat(), 'metadata:', '  resourceVersion: ""', ''].join('\n');
    const mismatches: string[] = [];
    const paths = { itemByItem: 0, whole: 0 };
    for (let round = 0; round < 30; round++) {
      const alone = list(3 + Math.floor(next() * 8));
      // A fix on an item's first line is not made on the item: the List is then fixed whole.
      const onFirstLine = /^- spec: \{externalIPs: \[1\.2\.3\.4\]\}$/m.test(alone);
      const byItem = listFixAll(alone, options);
      const whole = wholeTextFixAll(alone, options);
      if (onFirstLine) {
        paths.whole++;
        if (byItem !== undefined) mismatches.push(`fixed item by item despite a first-line fix:\n${alone}`);
      } else {
        paths.itemByItem++;
        if (byItem?.text !== whole.text || byItem.fixedCount !== whole.fixedCount) mismatches.push(`${alone}\n${JSON.stringify(byItem)} != ${JSON.stringify(whole)}`);
      }
      for (const text of [alone, `${list(4, 100)}---\n${alone}`, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n${alone}`]) {
        const expected = text === alone ? whole : wholeTextFixAll(text, options);
        if (!isDeepEqual(fixAll(text, options), expected)) mismatches.push(`${text}\n${JSON.stringify(fixAll(text, options))} != ${JSON.stringify(expected)}`);
      }
    }
    assert.deepEqual(mismatches, []);
    assert.ok(paths.itemByItem >= 4 && paths.whole >= 2, JSON.stringify(paths));
    // An item whose finding sits on its first line (a flow item) is fixed from the whole List.
    const flow = ['apiVersion: v1', 'kind: List', 'items:', '- {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {externalIPs: [1.2.3.4]}}', ''].join('\n');
    assert.equal(chunkFixAll(flow, options), undefined);
    assert.deepEqual(fixAll(flow, options), wholeTextFixAll(flow, options));
    assert.equal(fixAll(flow, options).fixedCount, 1);
  });

  it('a finding in a later document: the fixes are moved to its lines', () => {
    const text = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', '---', 'apiVersion: v1', 'kind: Service', 'metadata: {name: a}', 'spec:', '  externalIPs:', '  - 1.2.3.4', ''].join('\n');
    const finding = analyzeText(text, options).findings.find((candidate) => candidate.code === 'external-ips')!;
    const fixes = chunkFixesForFinding(text, options, finding.key);
    assert.ok(fixes);
    assert.deepEqual(fixes, wholeTextFixesForFinding(text, options, finding.key));
    const suppress = fixes.find((fix) => fix.kind === 'suppress-line');
    assert.ok(suppress && 'edits' in suppress);
    assert.equal(suppress.edits[0].range.start.line, 9);
  });

  it('findings the link phase adds: bindings among other documents, with and without a suppression above them', () => {
    const binding = clusterRoleBinding('lb-status', '{kind: User, name: alice}');
    const commented = binding.replace('- {kind: User', '# kube-mitm-guard-disable-next-line external-ips -- reviewed\n- {kind: User');
    const json = JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'j' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'lb-status' },
      subjects: [{ kind: 'User', name: 'bob' }],
    });
    const comparison: Comparison = { findings: 0, fromChunk: 0, mismatches: [] };
    compareLinkedFixes({ 'all.yaml': [STATUS_WRITER_ROLE, binding, commented, json, binding.replace('name: alice', 'name: carol')].join('---\n') }, comparison);
    compareLinkedFixes({ 'role.yaml': STATUS_WRITER_ROLE, 'bindings.yaml': amongOtherDocuments([binding, commented].join('---\n')) }, comparison);
    assert.deepEqual(comparison.mismatches, []);
    assert.ok(comparison.findings >= 6 && comparison.fromChunk >= 4, `${comparison.fromChunk} of ${comparison.findings} linked findings fixed from their chunk`);
  });

  // Each of these starts from the whole text: the chunk alone would not give the same fixes.
  const fallbacks: [string, string[]][] = [
    [
      // The suppression comment would go above the `---` line, where it joins the document before.
      'a finding on a `---` line',
      ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: c}', '--- {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {externalIPs: [1.2.3.4]}}', ''],
    ],
    [
      // The chunk's lines end in \n, the text's in \r\n: an inserted line takes the text's.
      'a document with other line breaks than the text',
      ['apiVersion: v1\r', 'kind: ConfigMap\r', 'metadata: {name: c}\r', '---', 'apiVersion: v1', 'kind: Service', 'metadata: {name: a}', 'spec:', '  externalIPs:', '  - 1.2.3.4', ''],
    ],
  ];
  for (const [what, lines] of fallbacks) {
    it(`${what}: fixed from the whole text`, () => {
      const text = lines.join('\n');
      const finding = analyzeText(text, options).findings.find((candidate) => candidate.code === 'external-ips');
      assert.ok(finding);
      assert.equal(chunkFixesForFinding(text, options, finding.key), undefined);
      const whole = wholeTextFixesForFinding(text, options, finding.key);
      assert.ok(whole.length > 0);
      assert.deepEqual(fixesForFinding(text, options, finding.key), whole);
    });
  }

  const present = fs.existsSync(path.join(CORPUS, 'manifests'));
  it('a sample of big multi-document corpus files', { skip: present ? false : `corpus not found at ${CORPUS}` }, () => {
    const expected = (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'corpus-expected.json'), 'utf8')) as { findings: { file: string }[] }).findings;
    const corpusOptions: EngineOptions = { allowedCidrs: [], rules: {} };
    const multiDocument = [...new Set(expected.map((finding) => finding.file))]
      .map((file) => ({ file, text: fs.readFileSync(path.join(CORPUS, file), 'utf8') }))
      .filter(({ text }) => (splitDocuments(text)?.length ?? 0) > 1)
      .sort((a, b) => b.text.length - a.text.length);
    // The largest file (a 2 MB install.yaml, the case this path is for) and the next ones under 500 kB:
    // the whole-text path the fixes are compared with takes a second per finding on the largest.
    const sample = [multiDocument[0], ...multiDocument.slice(1).filter(({ text }) => text.length < 500_000).slice(0, 6)].filter((entry) => entry !== undefined);
    assert.ok(sample.length >= 3, `only ${sample.length} multi-document corpus files with findings`);
    const comparison: Comparison = { findings: 0, fromChunk: 0, mismatches: [] };
    for (const { file, text } of sample) compareFixes(file, text, corpusOptions, comparison, 4);
    // Its bindings' findings are added by the link phase (argo-cd's install.yaml binds a role that writes services/status).
    compareLinkedFixes({ [sample[0].file]: sample[0].text }, comparison);
    assert.deepEqual(comparison.mismatches, []);
    assert.ok(comparison.fromChunk >= sample.length, `${comparison.fromChunk} of ${comparison.findings} corpus findings fixed from their chunk`);
  });
});
