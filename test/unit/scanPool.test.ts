// The scan's worker pool (server/src/lsp/scanPool.ts) gives the same results as analysing on the main
// thread, and falls back to the main thread when workers are missing or fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createScanAnalyzer, DiskFileAnalysis, FileAnalyzer, IN_PROCESS_ANALYZER, SCAN_WORKER_SCRIPT, SharedScanAnalyzer } from '../../server/src/lsp/scanPool';
import { TempDir } from '../support/tempDir';
import { EVASION_DIR, loadEvasionCases } from '../support/engine';

const options = { allowedCidrs: [], rules: {} };

function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { info: () => undefined, warn: (message: string) => warnings.push(message), error: (message: string) => warnings.push(message) } };
}

async function analyzeAll(analyzer: FileAnalyzer, files: string[]): Promise<DiskFileAnalysis[]> {
  return Promise.all(files.map((file) => analyzer.analyze(file, 2048 * 1024, options)));
}

describe('scan worker pool', () => {
  const files = loadEvasionCases().map((testCase) => path.join(EVASION_DIR, testCase.name));

  it('workers give what the main thread gives, file by file', async () => {
    const { logger, warnings } = recordingLogger();
    const pool = createScanAnalyzer(logger, 2, SCAN_WORKER_SCRIPT);
    try {
      assert.equal(pool.onMainThread, false);
      assert.deepEqual(await analyzeAll(pool, files), await analyzeAll(IN_PROCESS_ANALYZER, files));
      assert.deepEqual(warnings, []);
    } finally {
      pool.dispose();
    }
  });

  it('without a worker script, or with no workers asked for, analyses on the main thread', () => {
    const { logger } = recordingLogger();
    assert.equal(createScanAnalyzer(logger, 2, path.join(EVASION_DIR, 'no-such-worker.js')), IN_PROCESS_ANALYZER);
    assert.equal(createScanAnalyzer(logger, 0), IN_PROCESS_ANALYZER);
  });

  it('workers that fail hand their files to the main thread', async () => {
    const dir = new TempDir({ 'crash.js': "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n" });
    const { logger, warnings } = recordingLogger();
    const pool = createScanAnalyzer(logger, 2, dir.path('crash.js'));
    try {
      assert.deepEqual(await analyzeAll(pool, files), await analyzeAll(IN_PROCESS_ANALYZER, files));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0], /main thread/);
      // Later files go straight to the main thread.
      assert.deepEqual(await pool.analyze(files[0], 2048 * 1024, options), await IN_PROCESS_ANALYZER.analyze(files[0], 2048 * 1024, options));
    } finally {
      pool.dispose();
      dir.dispose();
    }
  });

  it('answers for missing and oversized files as the main thread does', async () => {
    const { logger } = recordingLogger();
    const pool = createScanAnalyzer(logger, 1, SCAN_WORKER_SCRIPT);
    try {
      for (const [file, maxBytes] of [[path.join(EVASION_DIR, 'missing.yaml'), 1024], [files[0], 10]] as const) {
        const answer = await pool.analyze(file, maxBytes, options);
        assert.ok('skipped' in answer);
        assert.deepEqual(answer, await IN_PROCESS_ANALYZER.analyze(file, maxBytes, options));
      }
    } finally {
      pool.dispose();
    }
  });

  it('keeps one analyzer between scans, replaces a failed one, ends it when idle or disposed', async () => {
    const made: { failed: boolean; disposed: boolean }[] = [];
    const create = (): FileAnalyzer => {
      const state = { failed: false, disposed: false };
      made.push(state);
      return { ...IN_PROCESS_ANALYZER, onMainThread: false, get failed() { return state.failed; }, dispose: () => { state.disposed = true; } };
    };
    const shared = new SharedScanAnalyzer(create, 50);
    const first = shared.acquire();
    shared.release();
    assert.equal(shared.acquire(), first, 'a scan right after another reuses its analyzer');
    shared.release();
    made[0].failed = true;
    assert.notEqual(shared.acquire(), first, 'a failed analyzer is replaced');
    assert.deepEqual(made.map((state) => state.disposed), [true, false]);
    shared.release();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(made[1].disposed, true, 'idle for longer than idleMs: ended');
    assert.equal(shared.alive, false);
    shared.acquire();
    shared.dispose();
    assert.equal(made[2].disposed, true, 'disposed with the server');
    assert.equal(shared.acquire(), IN_PROCESS_ANALYZER, 'after shutdown, no new workers');
    assert.equal(made.length, 3);
  });

  it('a real pool kept between scans answers as before and its idle workers end', async () => {
    const { logger, warnings } = recordingLogger();
    const shared = new SharedScanAnalyzer(() => createScanAnalyzer(logger, 2, SCAN_WORKER_SCRIPT), 100);
    try {
      const expected = await analyzeAll(IN_PROCESS_ANALYZER, files);
      const pool = shared.acquire();
      assert.deepEqual(await analyzeAll(pool, files), expected);
      shared.release();
      assert.equal(shared.acquire(), pool);
      assert.deepEqual(await analyzeAll(pool, files), expected);
      shared.release();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(shared.alive, false);
      assert.deepEqual(warnings, [], 'ending idle workers is not a failure');
    } finally {
      shared.dispose();
    }
  });
});
