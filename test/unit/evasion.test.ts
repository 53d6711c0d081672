// Runs the evasion corpus in test/fixtures/evasion: every manifest must yield exactly the findings its
// sibling .expected.json lists (what Kubernetes' decoder implies). See that folder's README.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, brief, loadEvasionCases } from '../support/engine';

describe('evasion corpus: the engine sees what the cluster sees', () => {
  const cases = loadEvasionCases();

  it('has cases', () => assert.ok(cases.length >= 40, `only ${cases.length} evasion cases`));

  for (const testCase of cases) {
    it(testCase.name, () => {
      // `analyze` also asserts the prefilter lets the text through whenever there is a finding.
      const result = analyze(testCase.text, { allowedCidrs: testCase.allowedCidrs }, { deprecationHint: true });
      assert.equal(result.unparsableDocuments, 0, 'every evasion case is a manifest the cluster accepts');
      assert.deepEqual(brief(result.findings), testCase.findings);
    });
  }
});
