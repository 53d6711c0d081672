import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDetailed, analyzeText } from '../../server/src/engine/analyze';
import { analyze, brief, codes, covered, lint, WITHOUT_DEPRECATION_HINT, yaml } from '../support/engine';
import { cpuStopwatch } from '../support/cpuTime';

const options = { allowedCidrs: [], rules: WITHOUT_DEPRECATION_HINT };

describe('analyzeText: result shape', () => {
  it('returns only public fields, with source ranges and offsets that agree', () => {
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec: {externalIPs: [1.2.3.4]}');
    const result = analyzeText(text, options);
    assert.deepEqual(Object.keys(result).sort(), ['documentCount', 'findings', 'templatedDocuments', 'unparsableDocuments']);
    const [finding] = result.findings;
    assert.deepEqual(Object.keys(finding).sort(), ['code', 'documentIndex', 'endOffset', 'key', 'message', 'range', 'severity', 'startOffset']);
    assert.equal(finding.startOffset, text.indexOf('1.2.3.4'));
    assert.equal(finding.endOffset, finding.startOffset + 7);
    assert.deepEqual(finding.range, { start: { line: 2, character: 21 }, end: { line: 2, character: 28 } });
  });

  it('counts documents, unparsable documents and templated documents', () => {
    const text = [
      yaml('apiVersion: v1', 'kind: ConfigMap', 'data: {externalIPs: "x"}'),
      yaml('a: [unclosed'),
      yaml('{{- if .Values.x }}', 'b: {{ .Values.y | toYaml }}: [', '{{- end }}'),
      yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: {{ .Release.Name }}}', 'spec: {ports: []}'),
    ].join('---\n');
    assert.deepEqual(analyze(text).findings, []);
    // Counts are of parsed documents; a full parse (no pre-check) parses every one.
    const result = analyzeDetailed(text, { allowedCidrs: [], rules: {} });
    assert.equal(result.documentCount, 4);
    assert.equal(result.unparsableDocuments, 1);
    assert.equal(result.templatedDocuments, 1, 'only templated documents that do not parse are counted as templated');
    // Documents the pre-check rules out are counted but not parsed, so not counted as broken.
    const filtered = analyzeText(text, { allowedCidrs: [], rules: {} });
    assert.equal(filtered.documentCount, 4);
    assert.equal(filtered.unparsableDocuments + filtered.templatedDocuments, 0);
  });

  it('a node reached through several aliases is reported once where it is written, and once at each alias', () => {
    const text = yaml('ips: &ips [1.2.3.4]', 'apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: *ips', '  <<: {externalIPs: *ips}');
    const findings = lint(text);
    assert.deepEqual(brief(findings), [
      { code: 'external-ips', line: 0, character: 11 },
      { code: 'external-ips', line: 4, character: 15 },
      { code: 'external-ips', line: 5, character: 20 },
    ]);
  });

  it('reports findings in position order across documents', () => {
    const text = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'status: {loadBalancer: {ingress: [{ip: 9.9.9.9}]}}',
      'spec: {externalIPs: [1.2.3.4]}',
    );
    assert.deepEqual(lint(text).map((f) => [f.code, f.range.start.line, f.documentIndex]), [
      ['rbac-services-status', 2, 0],
      ['loadbalancer-status', 6, 1],
      ['external-ips', 7, 1],
    ]);
  });
});

describe('analyzeText: what go-yaml accepts is not skipped as unparsable', () => {
  it('maps ranges of under-indented flow and quoted continuations back to the original text', () => {
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [', '1.2.3.4,', '"5.6.7.8"', ']');
    const result = analyze(text);
    assert.equal(result.unparsableDocuments, 0);
    assert.deepEqual(result.findings.map((f) => [f.range, covered(text, f)]), [
      [{ start: { line: 4, character: 0 }, end: { line: 4, character: 7 } }, '1.2.3.4'],
      [{ start: { line: 5, character: 0 }, end: { line: 5, character: 9 } }, '"5.6.7.8"'],
    ]);
  });

  it('reads a quoted scalar continued at column 0 with its folded value', () => {
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - "1.2.3.4', '"');
    const [finding] = lint(text);
    // go-yaml folds the line break into a space: "1.2.3.4 " has trailing white space.
    assert.equal(finding.code, 'external-ip-invalid');
    assert.match(finding.message, /whitespace/);
    assert.deepEqual(finding.range, { start: { line: 4, character: 4 }, end: { line: 5, character: 1 } });
  });

  it('still skips what go-yaml rejects too (under-indented plain scalars, document markers in quotes, tabs)', () => {
    for (const text of [
      yaml('apiVersion: v1', 'kind: Service', 'spec:', '  type: a', ' b', '  externalIPs: [1.2.3.4]'),
      yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: "a', '---', 'b"}', 'spec: {externalIPs: [1.2.3.4]}'),
      yaml('apiVersion: v1', 'kind: Service', 'spec:', '\texternalIPs: [1.2.3.4]'),
      // An alias to an anchor defined nowhere, or only after it: go-yaml rejects "unknown anchor".
      yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [*nowhere, 1.2.3.4]'),
      yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [*later, &later 1.2.3.4]'),
      // A merge key whose value is not a map, an alias to one, or a sequence of those: go-yaml rejects
      // "map merge requires map or sequence of maps as the value".
      yaml('apiVersion: v1', 'kind: Service', 'spec:', '  <<: 1.2.3.4', '  externalIPs: [1.2.3.4]'),
      yaml('apiVersion: v1', 'kind: Service', 'spec:', '  <<:', '  externalIPs: [1.2.3.4]'),
      yaml('ips: &ips [1.2.3.4]', 'apiVersion: v1', 'kind: Service', 'spec:', '  <<: *ips', '  externalIPs: [1.2.3.4]'),
      yaml('m: &m {a: b}', 'apiVersion: v1', 'kind: Service', 'spec:', '  <<: [*m, c]', '  externalIPs: [1.2.3.4]'),
    ]) {
      const result = analyze(text);
      assert.deepEqual(result.findings, [], text);
      assert.ok(result.unparsableDocuments >= 1, text);
    }
  });

  it('merge keys go-yaml accepts still count: a map, an alias to one, a sequence of those', () => {
    for (const merge of ['{x: y}', '*m', '[*m, {x: y}]', '[*m]']) {
      const text = yaml('m: &m {x: y}', 'apiVersion: v1', 'kind: Service', 'spec:', `  <<: ${merge}`, '  externalIPs: [1.2.3.4]');
      assert.deepEqual(codes(analyze(text).findings), ['external-ips'], text);
    }
  });

  it('a quoted scalar that ends with an escaped quote is not closed (the yaml package would take it as closed)', () => {
    // The yaml Lexer cuts an unclosed quoted scalar at a marker or a line indented too little; ending
    // in `''` or `\"` it then looks closed to the yaml package, which reads the lines after it as keys.
    // go-yaml reads on inside the string: no Service spec there, and a marker in it is an error.
    const service = ['apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [1.2.3.4]'];
    for (const text of [
      yaml(...service, 'metadata:', "  name: '''", '---', "x: 'y'"),
      yaml('apiVersion: v1', 'kind: Service', 'metadata:', "  name: 'it''", 'spec:', '  externalIPs: [1.2.3.4]', '---', "x: 'y'"),
      yaml(...service, 'metadata:', '  name: "a\\"', '---', 'x: "y"'),
      yaml(...service, 'metadata:', "  name: 'it''"),
    ]) {
      const result = analyze(text); // also checks that each document parsed alone reads the same
      assert.deepEqual(result.findings, [], text);
      assert.equal(result.unparsableDocuments, 1, text);
    }
    // Properly closed ones, and one continued on a line indented too little (go-yaml reads it whole).
    for (const name of ["'it''s'", "''''", '"a\\\\"', '""', "'it''\n  more'"]) {
      const text = yaml(...service, 'metadata:', `  name: ${name}`, '---', "x: 'y'");
      assert.deepEqual(codes(analyze(text).findings), ['external-ips'], text);
    }
  });
});

describe('analyzeText: Helm templates', () => {
  it('drops findings that overlap a template expression, keeps literal ones', () => {
    const text = yaml(
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  externalIPs: {{ .Values.ips }}',
      'status:',
      '  loadBalancer:',
      '    ingress:',
      '    - ip: {{ .Values.ip }}',
      '    - ip: 1.2.3.4',
    );
    const result = analyze(text);
    assert.deepEqual(brief(result.findings), [{ code: 'loadbalancer-status', line: 8, character: 6 }]);
  });

  it('a template without {{ }} is plain YAML and is checked', () => {
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec: {externalIPs: [1.2.3.4]}');
    assert.deepEqual(brief(lint(text)), [{ code: 'external-ips', line: 2, character: 21 }]);
  });
});

describe('analyzeText: hostile input never throws and finishes quickly', () => {
  const cases: [string, string][] = [
    ['10,000-deep flow nesting', 'externalIPs: ' + '['.repeat(10000) + ']'.repeat(10000)],
    ['deep block nesting', 'externalIPs:\n' + Array.from({ length: 2000 }, (_, i) => ' '.repeat(i) + '- ').join('\n')],
    ['alias bomb', 'a0: &a0 [externalIPs]\n' + Array.from({ length: 20 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`).join('\n') + '\napiVersion: v1\nkind: Service\nspec: {externalIPs: *a20}\n'],
    ['alias bomb over kind: List', 'x0: &x0 {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Service, spec: {externalIPs: [1.2.3.4]}}]}\n' + Array.from({ length: 16 }, (_, i) => `x${i + 1}: &x${i + 1} {apiVersion: v1, kind: List, items: [${Array(8).fill(`*x${i}`).join(', ')}]}`).join('\n') + '\napiVersion: v1\nkind: List\nitems: [*x16, *x16]\n'],
    ['merge bomb', 'm0: &m0 {externalIPs: [1.2.3.4]}\n' + Array.from({ length: 40 }, (_, i) => `m${i + 1}: &m${i + 1} {<<: [*m${i}, *m${i}, *m${i}]}`).join('\n') + '\napiVersion: v1\nkind: Service\nspec: {<<: *m40}\n'],
    ['self-referencing anchors', 'a: &a [*a]\napiVersion: v1\nkind: List\nitems: &b [*b]\nspec: &s {<<: *s, externalIPs: [1.2.3.4]}\n'],
    ['unbalanced quotes on a long line after an error', 'a: [\n' + 'x "'.repeat(100000) + '\nexternalIPs'],
    ['binary garbage', Array.from({ length: 5000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join('') + '\nexternalIPs: !'],
    ['lone surrogates', 'apiVersion: v1\nkind: Service\nspec: {externalIPs: ["\uD800", "\uDC00\\x65"]}\n'],
    ['NUL bytes', 'apiVersion: v1\0\nkind: Service\nspec: {externalIPs: [1.2.3.4]}\0\n'],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const cpuMs = cpuStopwatch();
      const result = analyze(text);
      const used = cpuMs();
      assert.ok(used < 5000, `${name} took ${used} ms of CPU`);
      assert.ok(result.documentCount >= 1);
    });
  }
  it('more findings in one document than a spread call takes (130,000 unused suppressions, 130,000 externalIPs)', () => {
    // push(...findings) overflows the stack past about 125,000 arguments: findings are added one at a time.
    const count = 130_000;
    const suppressions = analyzeText('# kube-mitm-guard-disable-file\n'.repeat(count) + 'a: b\n', options);
    assert.equal(suppressions.findings.length, count);
    const entries = analyzeText(yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:') + '  - 1.2.3.4\n'.repeat(count), options);
    assert.equal(entries.findings.length, count);
  });
});
