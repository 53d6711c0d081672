// Rewrites a file for --fix without ever leaving it half-written: the new text goes to a temporary
// file in the same folder (same file system, so rename is atomic), gets the original's permission
// bits, and replaces the original by rename — unless the original changed since it was read, in
// which case it is left alone. Symbolic links are followed, so the link stays a link.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export type WriteOutcome = { written: true } | { written: false; reason: string };

/** Test-only: pauses between writing the temporary file and the final check (see test/cli). */
const PAUSE_ENV = 'KUBE_MITM_GUARD_TEST_PAUSE_BEFORE_REPLACE';

export async function replaceFileAtomically(filePath: string, expectedText: string, newText: string): Promise<WriteOutcome> {
  const target = await fs.realpath(filePath);
  const stat = await fs.stat(target);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.kube-mitm-guard-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temporary, 'wx', 0o600);
  let renamed = false;
  try {
    try {
      await handle.writeFile(newText, 'utf8');
      // chmod after creation: the umask must not narrow the original's permissions.
      await handle.chmod(stat.mode & 0o7777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await pauseForTests(filePath);
    const current = await fs.readFile(target);
    if (!current.equals(Buffer.from(expectedText, 'utf8'))) {
      return { written: false, reason: 'the file changed on disk while it was being fixed; it was left alone' };
    }
    await fs.rename(temporary, target);
    renamed = true;
    return { written: true };
  } finally {
    if (!renamed) await fs.rm(temporary, { force: true });
  }
}

async function pauseForTests(filePath: string): Promise<void> {
  const marker = process.env[PAUSE_ENV];
  if (!marker) return;
  // The test waits for `<marker>.ready`, changes the file, then creates `<marker>.go`.
  await fs.writeFile(`${marker}.ready`, filePath);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      await fs.access(`${marker}.go`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
