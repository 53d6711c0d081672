// Resource attacks on the command line tool (issue 6), each with an expected outcome and a time bound:
// a 100 MB file in a folder (skipped over maxFileSizeKB), 100 MB on standard input or named (refused over
// --max-input-mb, never read whole; exit 2 when nothing else was checked), many tiny files (all checked),
// invalid UTF-8 (checked as kubectl reads it), files vanishing while it runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { LONG_FUZZ } from '../support/fuzzRunner';
import { writeBigFile, writeTinyFiles } from '../support/resourceFiles';
import { SERVICE_WITH_EXTERNAL_IP, TempWorkspace } from '../lsp/workspaceFixtures';
import { CLI, JsonReport, runCli, startCli } from './cliHarness';

const TINY_FILES = LONG_FUZZ ? 100_000 : 5_000;

describe('check: resource attacks', { timeout: LONG_FUZZ ? Infinity : 120_000 }, () => {
  let dir: TempWorkspace;

  before(() => {
    dir = new TempWorkspace({
      'good.yaml': SERVICE_WITH_EXTERNAL_IP,
      'bad-utf8.yaml': Buffer.concat([Buffer.from(SERVICE_WITH_EXTERNAL_IP), Buffer.from([0x23, 0xff, 0x0a])]),
    });
    writeBigFile(dir.path('big.yaml'), 100 * 1024 * 1024);
    writeTinyFiles(dir, 'tiny', TINY_FILES);
  });

  after(() => dir?.dispose());

  it(`a 100 MB file and invalid UTF-8 are skipped with their reasons; ${TINY_FILES} tiny files are all checked`, () => {
    const started = Date.now();
    const result = runCli(['check', '--format', 'json', '.'], { cwd: dir.root });
    const elapsed = Date.now() - started;
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    // bad-utf8.yaml is checked as kubectl reads it (its invalid byte, in a comment, becomes U+FFFD).
    assert.equal(report.summary.filesChecked, TINY_FILES + 2);
    assert.equal(report.findings.length, Math.ceil(TINY_FILES / 1000) + 2);
    assert.ok(report.findings.some((finding) => finding.file === 'bad-utf8.yaml'));
    assert.deepEqual(
      report.skipped.map((skipped) => skipped.file),
      ['big.yaml'],
    );
    assert.match(report.skipped.find((skipped) => skipped.file === 'big.yaml')!.reason, /over the size limit/);
    assert.ok(elapsed < (LONG_FUZZ ? 600_000 : 30_000), `took ${elapsed} ms`);
  });

  it('100 MB on standard input and a 100 MB named file are refused over --max-input-mb without reading them; nothing checked exits 2', () => {
    const input = fs.openSync(dir.path('big.yaml'), 'r');
    try {
      const started = Date.now();
      const result = spawnSync(process.execPath, [CLI, 'check', '--max-input-mb', '64', '-'], { cwd: dir.root, stdio: [input, 'pipe', 'pipe'], encoding: 'utf8', timeout: 30_000 });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /^warning: <stdin>: not checked: input is over the size limit of 64 MB \(--max-input-mb\)$/m);
      assert.match(result.stderr, /^kube-mitm-guard: nothing was checked: <stdin> could not be checked/m);
      assert.ok(Date.now() - started < 15_000);
    } finally {
      fs.closeSync(input);
    }
    const named = runCli(['check', '--max-input-mb', '64', 'big.yaml'], { cwd: dir.root });
    assert.equal(named.code, 2, named.stderr);
    assert.match(named.stderr, /^warning: big\.yaml: not checked: file is 100 MB \(104857600 bytes\), over the size limit of 64 MB \(--max-input-mb\)$/m);
    // Named with a file that is checked: a warning, and the other file's findings decide the exit code.
    const mixed = runCli(['check', '--max-input-mb', '64', 'big.yaml', 'good.yaml'], { cwd: dir.root });
    assert.equal(mixed.code, 1, mixed.stderr);
    assert.doesNotMatch(mixed.stderr, /nothing was checked/);
  });

  it('files deleted while the check runs: it finishes, reports what it read, no crash', async () => {
    const vanish = new TempWorkspace();
    try {
      for (let index = 0; index < 2_000; index++) vanish.write(`v/f${index}.yaml`, SERVICE_WITH_EXTERNAL_IP);
      const run = startCli(['check', '--format', 'json', '.'], { cwd: vanish.root });
      for (let index = 1_999; index >= 0; index -= 2) fs.rmSync(vanish.path(`v/f${index}.yaml`), { force: true });
      const result = await run;
      assert.ok(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr}`);
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.ok(report.summary.filesChecked >= 1_000, `checked ${report.summary.filesChecked}`);
      assert.equal(report.summary.filesChecked + report.skipped.length >= 1_000, true);
      for (const skipped of report.skipped) assert.match(skipped.reason, /ENOENT|cannot read/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      vanish.dispose();
    }
  });
});
