// Files that change under the reader (issue 6): a path swapped for a FIFO between the checks and the
// read must be skipped, not waited on (opening a FIFO for reading blocks until a writer appears, which
// would hang a workspace scan or the CLI forever on a thread-pool thread).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import fsPromises = require('node:fs/promises');
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readManifestFile } from '../../server/src/engine/fileDiscovery';

const canMakeFifos = process.platform !== 'win32';

function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Unblocks anything stuck opening `fifo` for reading (opens it for writing, non-blocking). */
function releaseReaders(fifo: string): void {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // ENXIO: nobody is reading, which is the expected case.
  }
}

describe('reading files that change under the reader', { skip: canMakeFifos ? false : 'no FIFOs on Windows' }, () => {
  it('a FIFO is skipped as not a regular file, at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-race-'));
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    try {
      assert.deepEqual(await withinMs(readManifestFile(fifo, 1024 * 1024), 3_000, 'reading a FIFO'), { skipped: 'not a regular file' });
    } finally {
      releaseReaders(fifo);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file swapped for a FIFO just before it is opened is skipped, not waited on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-race-'));
    const file = path.join(dir, 'svc.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Service\nspec:\n  externalIPs: [1.2.3.4]\n');
    // Every check the reader makes before opening sees a regular file; the swap happens at open().
    // The module object itself (what the reader's `fs.open` resolves to at call time).
    const promises = fsPromises as { open: typeof fsPromises.open };
    const originalOpen = promises.open;
    promises.open = (async (target: fs.PathLike, ...rest: unknown[]) => {
      if (target === file) {
        fs.rmSync(file);
        execFileSync('mkfifo', [file]);
      }
      return (originalOpen as (...args: unknown[]) => ReturnType<typeof fsPromises.open>)(target, ...rest);
    }) as typeof fsPromises.open;
    try {
      const result = await withinMs(readManifestFile(file, 1024 * 1024), 3_000, 'reading a file swapped for a FIFO');
      assert.ok('skipped' in result, JSON.stringify(result));
    } finally {
      promises.open = originalOpen;
      releaseReaders(file);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file deleted before it is read is skipped with the reason', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-race-'));
    try {
      assert.deepEqual(await readManifestFile(path.join(dir, 'gone.yaml'), 1024), { skipped: 'cannot read file: ENOENT' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
