// The extension's entry (dist/client.js, client/src/loader.ts) loads dist/extension.js through a V8 code
// cache in the extension's global storage. Driven through scripts/bench/activation.cjs: the real bundles in
// a Node process with a stub `vscode` module; the extension logs how its code was loaded.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const ACTIVATE = path.join(REPO_ROOT, 'scripts', 'bench', 'activation.cjs');
/** Stay alive until the loader has written the cache (1 s after activation settles). */
const UNTIL_CACHE_WRITTEN = 'until-cache-written';
/** Longer than the loader waits before writing, for a storage it cannot write. */
const WAIT_FOR_CACHE_MS = 3_000;

const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-loader-'));
after(() => fs.rmSync(temporary, { recursive: true, force: true }));

function activate(bundle: string, storage: string, wait: number | typeof UNTIL_CACHE_WRITTEN = 50): string[] {
  const waiting = wait === UNTIL_CACHE_WRITTEN ? ['--until-cache-written'] : ['--wait', String(wait)];
  const output = execFileSync(process.execPath, [ACTIVATE, bundle, '--storage', storage, ...waiting], { encoding: 'utf8' });
  return (JSON.parse(output.trim().split('\n').pop()!) as { log: string[] }).log;
}

const cacheFiles = (storage: string): string[] => (fs.existsSync(storage) ? fs.readdirSync(storage).filter((name) => name.endsWith('.codecache')) : []);

describe('extension loader: V8 code cache', () => {
  const bundle = path.join(REPO_ROOT, 'dist', 'client.js');

  it('compiles and writes the cache on the first start, loads from it afterwards, and replaces a cache V8 rejects', () => {
    const storage = path.join(temporary, 'storage');
    assert.match(activate(bundle, storage, UNTIL_CACHE_WRITTEN)[0], /Extension code compiled \(the code cache is written/);
    const [cache] = cacheFiles(storage);
    assert.ok(cache, 'a cache file was written');
    assert.ok(fs.statSync(path.join(storage, cache)).size > 10_000);
    assert.equal(activate(bundle, storage)[0], '[client] Extension code loaded from the code cache.');

    // A damaged cache is rejected by V8 (the code compiles as usual) and written anew.
    fs.writeFileSync(path.join(storage, cache), Buffer.alloc(4096, 7));
    assert.match(activate(bundle, storage, UNTIL_CACHE_WRITTEN)[0], /V8 rejected the code cache/);
    assert.deepEqual(cacheFiles(storage), [cache]);
    assert.equal(activate(bundle, storage)[0], '[client] Extension code loaded from the code cache.');
  });

  it('never uses the cache of another build, even one of the same length', () => {
    const storage = path.join(temporary, 'rebuilt-storage');
    const copy = path.join(temporary, 'rebuilt', 'dist');
    fs.mkdirSync(copy, { recursive: true });
    for (const name of ['client.js', 'extension.js']) fs.copyFileSync(path.join(REPO_ROOT, 'dist', name), path.join(copy, name));
    activate(path.join(copy, 'client.js'), storage, UNTIL_CACHE_WRITTEN);
    assert.equal(cacheFiles(storage).length, 1);
    // Same length, one character changed: V8's own check would accept the old cache.
    const extension = path.join(copy, 'extension.js');
    const text = fs.readFileSync(extension, 'utf8');
    const at = text.lastIndexOf('kube-mitm-guard');
    fs.writeFileSync(extension, text.slice(0, at) + 'K' + text.slice(at + 1));
    assert.match(activate(path.join(copy, 'client.js'), storage, UNTIL_CACHE_WRITTEN)[0], /Extension code compiled/);
    assert.equal(cacheFiles(storage).length, 1, 'the old build’s cache was removed');
  });

  it('activates without a cache when the storage cannot be written', () => {
    const storage = path.join(temporary, 'not-a-folder');
    fs.writeFileSync(storage, 'a file where the storage folder should be');
    assert.match(activate(bundle, storage, WAIT_FOR_CACHE_MS)[0], /Extension code compiled/);
    assert.equal(fs.readFileSync(storage, 'utf8'), 'a file where the storage folder should be');
  });
});
