// Fixes lose nothing (issue 6): the fix property of test/support/fixProperties.ts over every evasion
// fixture and every document of ../shared/corpus with a finding (when the corpus is present). The
// inputs of test/unit/fixes.test.ts are checked at the end of that file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { analyzeText, EngineOptions } from '../../server/src/engine';
import { cidrs, FIXTURES, loadEvasionCases, WITHOUT_DEPRECATION_HINT } from '../support/engine';
import { checkFixProperties, checkTextFix } from '../support/fixProperties';
import { CORPUS } from '../support/fuzz';

describe('fix property: every offered fix and fix-all lose nothing', () => {
  it('the checker itself rejects bad fixes', () => {
    const text = ['# top', 'apiVersion: v1', 'kind: Service', 'spec:', '  type: ClusterIP  # keep', '  externalIPs:', '  - 1.2.3.4', '  - 5.6.7.8', ''].join('\n');
    const options: EngineOptions = { allowedCidrs: [], rules: WITHOUT_DEPRECATION_HINT };
    const [finding] = analyzeText(text, options).findings;
    const at = (line: number, character: number) => ({ line, character });
    const removeEntry = { range: { start: at(6, 0), end: at(7, 0) }, newText: '' };
    const good = checkTextFix(text, options, finding, 'remove-external-ip', [removeEntry]);
    assert.deepEqual(good, []);
    const expectations: [string, { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[], RegExp][] = [
      ['drops a comment line', [removeEntry, { range: { start: at(0, 0), end: at(1, 0) }, newText: '' }], /comment lost: # top/],
      ['drops a trailing comment', [removeEntry, { range: { start: at(4, 15), end: at(4, 23) }, newText: '' }], /comment lost: # keep/],
      ['changes other data', [removeEntry, { range: { start: at(4, 8), end: at(4, 17) }, newText: 'NodePort' }], /not the original minus removed paths: 0\.spec\.type/],
      ['removes the wrong entry', [{ range: { start: at(7, 0), end: at(8, 0) }, newText: '' }], /targeted finding is still there/],
      ['removes other data', [removeEntry, { range: { start: at(4, 0), end: at(5, 0) }, newText: '' }], /removed 0\.spec\.type, outside the finding's container/],
      ['breaks the YAML', [{ range: { start: at(6, 0), end: at(6, 3) }, newText: '  [' }], /YAML errors|documents became/],
      ['adds a finding', [{ range: { start: at(6, 4), end: at(6, 11) }, newText: '9.9.9.9, 8.8.8.8' }], /new finding|targeted finding/],
    ];
    for (const [what, edits, expected] of expectations) {
      const problems = checkTextFix(text, options, finding, 'remove-external-ip', edits);
      assert.ok(problems.some((problem) => expected.test(problem)), `a fix that ${what} was not caught: ${JSON.stringify(problems)}`);
    }
  });

  it('the checker holds each RBAC fix to its own permission', () => {
    const text = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules:', '- apiGroups: [""]', '  resources: [endpoints]', '  verbs: [get, create]', ''].join('\n');
    const options: EngineOptions = { allowedCidrs: [], rules: {} };
    const [finding] = analyzeText(text, options).findings;
    assert.equal(finding.code, 'rbac-endpoints-write');
    const at = (line: number, character: number) => ({ line, character });
    const keepGet = { range: { start: at(5, 10), end: at(5, 22) }, newText: 'get]' };
    assert.deepEqual(checkTextFix(text, options, finding, 'remove-endpoints-write', [keepGet]), []);
    const dropAll = { range: { start: at(5, 10), end: at(5, 22) }, newText: 'list]' };
    assert.ok(checkTextFix(text, options, finding, 'remove-endpoints-write', [dropAll]).some((problem) => /grants \|endpoints\|list/.test(problem)));
    const dropGet = { range: { start: at(3, 0), end: at(6, 0) }, newText: '' };
    assert.ok(checkTextFix(text, options, finding, 'remove-endpoints-write', [dropGet]).some((problem) => /lost \|endpoints\|get\|\*, which the fix of rbac-endpoints-write may not remove/.test(problem)));
    // The services/status fix may not take an endpoints write away.
    const both = text.replace('[endpoints]', '[endpoints, services/status]').replace('[get, create]', '[create, patch]');
    const status = analyzeText(both, options).findings.find((candidate) => candidate.code === 'rbac-services-status')!;
    const problems = checkTextFix(both, options, status, 'remove-services-status-write', [{ range: { start: at(3, 0), end: at(6, 0) }, newText: '' }]);
    assert.ok(problems.some((problem) => /lost \|endpoints\|create\|\*, which the fix of rbac-services-status may not remove/.test(problem)), JSON.stringify(problems));
  });

  it('every evasion fixture', () => {
    let fixes = 0;
    let withFindings = 0;
    const violations: string[] = [];
    for (const testCase of loadEvasionCases()) {
      const options: EngineOptions = { allowedCidrs: testCase.allowedCidrs, rules: {} };
      const report = checkFixProperties(testCase.name, testCase.text, options);
      fixes += report.fixesChecked;
      if (testCase.findings.length > 0) withFindings++;
      violations.push(...report.violations);
    }
    assert.deepEqual(violations, []);
    assert.ok(withFindings >= 30 && fixes >= withFindings, `${fixes} fixes checked over ${withFindings} fixtures with findings`);
  });

  it('fix-all over JSON patch operations whose first lines repeat: a comment inside a removed operation goes with it', () => {
    // Found by the fuzzer (seed 2267670619): fix-all's one minimal edit starts after the first `- op: add`,
    // which equals the next operation's first line, so the comment inside the removed operation sits at the
    // edge of the edit; the checker counts the equal line just outside as removed data.
    const text = [
      '# A JSON 6902 operation list',
      '- op: add',
      '# a comment inside the first operation',
      '  path: /spec/externalIPs/-',
      '  value: 8.8.8.8',
      '- op: add',
      '  path: /spec/externalIPs/-',
      '  value: 203.0.113.9',
      '',
    ].join('\n');
    const options: EngineOptions = { allowedCidrs: cidrs('203.0.113.0/24'), rules: {} };
    const report = checkFixProperties('repeated operation lines', text, options);
    assert.ok(report.fixesChecked > 0);
    assert.deepEqual(report.violations, []);
  });

  const present = fs.existsSync(path.join(CORPUS, 'manifests'));
  it('every corpus document with a finding', { skip: present ? false : `corpus not found at ${CORPUS}` }, () => {
    const expected = (JSON.parse(fs.readFileSync(path.join(FIXTURES, 'corpus-expected.json'), 'utf8')) as { findings: { file: string }[] }).findings;
    const options: EngineOptions = { allowedCidrs: [], rules: {} };
    const documents = new Map<string, string>();
    for (const file of new Set(expected.map((finding) => finding.file))) {
      const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
      const findings = analyzeText(text, options).findings;
      // Each document holding a finding, cut out on its own (a 2 MB file's other 58 documents add nothing).
      const parsed = parseAllDocuments(text);
      for (const document of Array.isArray(parsed) ? parsed : []) {
        const [start, , end] = document.range;
        if (findings.some((finding) => finding.startOffset >= start && finding.startOffset < end)) documents.set(text.slice(start, end), `${file}@${start}`);
      }
    }
    assert.ok(documents.size >= 5, `only ${documents.size} corpus documents with findings`);
    const violations: string[] = [];
    let fixes = 0;
    for (const [text, label] of documents) {
      assert.ok(analyzeText(text, options).findings.length > 0, `${label} keeps its finding when cut out`);
      const report = checkFixProperties(label, text, options);
      fixes += report.fixesChecked;
      violations.push(...report.violations);
    }
    assert.deepEqual(violations, []);
    assert.ok(fixes >= documents.size, `${fixes} fixes checked`);
  });
});
