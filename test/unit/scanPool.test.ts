// The scan's worker pool (server/src/lsp/scanPool.ts) gives the same results as analysing on the main
// thread, and falls back to the main thread when workers are missing or fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createScanAnalyzer, DiskFileAnalysis, FileAnalyzer, IN_PROCESS_ANALYZER, SCAN_WORKER_SCRIPT } from '../../server/src/lsp/scanPool';
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
});
