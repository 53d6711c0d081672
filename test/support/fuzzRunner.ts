// Parent side of the fuzz worker: starts it with a memory cap, watches for hangs (no case finished
// within the hang bound), and collects failures. Failing inputs are written to
// test/fixtures/fuzz-regressions/ so they become regression cases once the bug is fixed.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TimeBounds } from './engineFuzz';
import { FUZZ_REGRESSIONS } from './fuzz';
import type { FuzzJob, WorkerMessage } from './fuzzWorker';

export interface FuzzFailureReport {
  label: string;
  seed: number;
  origin: string;
  reason: string;
  savedAs?: string;
}

export interface FuzzRunResult {
  cases: number;
  findings: number;
  fixes: number;
  fixAllFixed: number;
  slowestCallMs: number;
  /** Cases the fix property was checked on. */
  propertyChecked: number;
  failures: FuzzFailureReport[];
  elapsedMs: number;
}

export interface FuzzRunOptions {
  bounds?: TimeBounds;
  /** A case that has not finished after this long is a hang: the worker is stopped. */
  hangMs?: number;
  /** Heap cap for the worker: an input that makes the engine allocate without bound fails the run. */
  maxHeapMb?: number;
  /** Write failing inputs to test/fixtures/fuzz-regressions/. */
  saveFailures?: boolean;
}

/** Where failing inputs go: named by seed (mutations) or content hash, so reruns do not duplicate. */
export function saveRegression(text: string, seed: number, origin: string): string {
  fs.mkdirSync(FUZZ_REGRESSIONS, { recursive: true });
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const name = `${origin === 'yaml-test-suite' ? 'suite' : `seed-${seed}`}-${hash}.yaml`;
  const file = path.join(FUZZ_REGRESSIONS, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, text);
  return path.relative(path.resolve(FUZZ_REGRESSIONS, '..', '..', '..'), file);
}

export function runFuzzJob(job: FuzzJob, options: FuzzRunOptions = {}): Promise<FuzzRunResult> {
  const hangMs = options.hangMs ?? 20_000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'fuzzWorker.js'), {
      workerData: { job, bounds: options.bounds },
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 },
    });
    const failures: FuzzFailureReport[] = [];
    let current: Extract<WorkerMessage, { type: 'case' }> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const record = (failure: { label: string; seed: number; origin: string; text: string; reason: string }) => {
      const savedAs = options.saveFailures ? saveRegression(failure.text, failure.seed, failure.origin) : undefined;
      failures.push({ label: failure.label, seed: failure.seed, origin: failure.origin, reason: failure.reason, savedAs });
    };
    const finish = (result: Omit<FuzzRunResult, 'failures' | 'elapsedMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, failures, elapsedMs: Date.now() - started });
    };
    const armHangTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (current) record({ ...current, reason: `no result after ${hangMs} ms: the engine hangs on this input` });
        void worker.terminate();
        finish({ cases: (current?.index ?? 0) + 1, findings: 0, fixes: 0, fixAllFixed: 0, slowestCallMs: hangMs, propertyChecked: 0 });
      }, hangMs);
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'case') {
        current = message;
        armHangTimer();
      } else if (message.type === 'failure') {
        record(message);
      } else {
        void worker.terminate();
        finish(message);
      }
    });
    worker.on('error', (error) => {
      // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or an uncaught error: blame the current case.
      if (current) record({ ...current, reason: `worker died: ${String(error)}` });
      finish({ cases: (current?.index ?? 0) + 1, findings: 0, fixes: 0, fixAllFixed: 0, slowestCallMs: 0, propertyChecked: 0 });
    });
    worker.on('exit', (code) => {
      if (!settled) {
        if (current) record({ ...current, reason: `worker exited with code ${code}` });
        else reject(new Error(`fuzz worker exited with code ${code} before running a case`));
        finish({ cases: (current?.index ?? 0) + 1, findings: 0, fixes: 0, fixAllFixed: 0, slowestCallMs: 0, propertyChecked: 0 });
      }
    });
  });
}

export function describeFailures(failures: readonly FuzzFailureReport[]): string {
  return failures
    .slice(0, 20)
    .map((failure) => `- ${failure.label} (${failure.origin})${failure.savedAs ? ` saved as ${failure.savedAs}` : ''}:\n    ${failure.reason.split('\n').slice(0, 6).join('\n    ')}`)
    .join('\n');
}

/** Fuzz scale: bounded in CI and `npm test`; `npm run fuzz` sets KMG_FUZZ=long (and optionally a count and seed). */
export const LONG_FUZZ = process.env.KMG_FUZZ === 'long';
export function fuzzCount(ciDefault: number, longDefault: number, override = process.env.KMG_FUZZ_COUNT): number {
  const count = Number(override);
  if (override && Number.isInteger(count) && count > 0) return count;
  return LONG_FUZZ ? longDefault : ciDefault;
}
export const FUZZ_SEED = Number.isFinite(Number(process.env.KMG_FUZZ_SEED)) && process.env.KMG_FUZZ_SEED ? Number(process.env.KMG_FUZZ_SEED) : 20_240_601;
