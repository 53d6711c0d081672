// The --fix-dry-run diff generator, checked against GNU diff -u and patch on many edit shapes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { unifiedDiff } from '../../server/src/cli/unifiedDiff';
import { TempDir } from './cliHarness';

function gnuDiff(dir: TempDir, a: string, b: string): string {
  fs.writeFileSync(dir.path('a.txt'), a);
  fs.writeFileSync(dir.path('b.txt'), b);
  const result = spawnSync('diff', ['-u', '--label', 'a/x', '--label', 'b/x', 'a.txt', 'b.txt'], { cwd: dir.root, encoding: 'utf8' });
  return result.stdout;
}

function roundTrips(dir: TempDir, a: string, b: string, patchText: string): void {
  fs.writeFileSync(dir.path('x'), a);
  const applied = spawnSync('patch', ['--no-backup-if-mismatch', 'x'], { cwd: dir.root, input: patchText, encoding: 'utf8' });
  assert.equal(applied.status, 0, applied.stdout + applied.stderr);
  assert.equal(fs.readFileSync(dir.path('x'), 'utf8'), b);
}

describe('unifiedDiff', () => {
  const lines = (count: number, prefix = 'line') => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
  const cases: [string, string, string][] = [
    ['one line removed', [...lines(10), ''].join('\n'), [...lines(10).filter((_, i) => i !== 4), ''].join('\n')],
    ['one line changed at the start', ['a', 'b', 'c', ''].join('\n'), ['A', 'b', 'c', ''].join('\n')],
    ['lines added at the end', ['a', 'b', ''].join('\n'), ['a', 'b', 'c', 'd', ''].join('\n')],
    ['two far-apart hunks', [...lines(30), ''].join('\n'), [...lines(30).map((line, i) => (i === 2 || i === 25 ? `${line}!` : line)), ''].join('\n')],
    ['two close changes in one hunk', [...lines(12), ''].join('\n'), [...lines(12).filter((_, i) => i !== 3 && i !== 8), ''].join('\n')],
    ['no newline at end, last line changed', 'a\nb\nc', 'a\nb\nC'],
    ['newline added at end', 'a\nb', 'a\nb\n'],
    ['everything removed', 'a\nb\n', ''],
    ['from empty', '', 'a\nb\n'],
    ['repeated lines', ['x', 'y', 'x', 'y', 'x', ''].join('\n'), ['x', 'x', 'y', 'x', ''].join('\n')],
    ['CRLF lines', 'a\r\nb\r\nc\r\n', 'a\r\nc\r\n'],
  ];

  for (const [name, a, b] of cases) {
    it(`matches diff -u and applies with patch: ${name}`, () => {
      const dir = new TempDir();
      try {
        const ours = unifiedDiff('a/x', 'b/x', a, b);
        // Several minimal diffs can exist for repeated lines; there, only the round trip must hold.
        if (name !== 'repeated lines') assert.equal(ours, gnuDiff(dir, a, b));
        roundTrips(dir, a, b, ours);
      } finally {
        dir.dispose();
      }
    });
  }

  it('is empty for equal texts', () => {
    assert.equal(unifiedDiff('a/x', 'b/x', 'same\n', 'same\n'), '');
  });
});
