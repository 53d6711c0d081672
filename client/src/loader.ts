// Entry point of the extension (dist/client.js). It loads the extension proper (dist/extension.js) through
// a V8 code cache kept in the extension's global storage: compiling that 1 MB bundle (mostly
// vscode-languageclient) is about half of what activation costs the extension host, and with the cache V8
// deserializes the compiled functions instead. Without a usable cache (first start, a new build, another
// V8, storage that cannot be read) the bundle is compiled as `require` would, and a cache is written for
// the next start. The cache only ever holds V8's compilation of this exact bundle: V8 checks it against
// the source and its own version and flags, and rejects it otherwise.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Module = require('node:module');
import type * as vscode from 'vscode';

type ExtensionModule = typeof import('./extension');

/** How the extension's code was loaded this time (logged by the extension, checked by tests). */
export type CodeCacheOutcome = 'from-cache' | 'compiled' | 'cache-rejected';

const EXTENSION_BUNDLE = path.join(__dirname, 'extension.js');
const CACHE_SUFFIX = '.codecache';
/**
 * The cache is written this long after activation has finished (the language client started), so it
 * also holds what activation compiled, and the host is past its busiest moment.
 */
const CACHE_WRITE_DELAY_MS = 1_000;

let extension: ExtensionModule | undefined;

export function activate(context: vscode.ExtensionContext): Promise<void> {
  const storageFolder = context.globalStorageUri.fsPath;
  const loaded = loadExtension(storageFolder);
  extension = loaded.extension;
  const activation = extension.activate(context, loaded.outcome);
  if (loaded.outcome !== 'from-cache') {
    const scheduleWrite = () => void setTimeout(() => writeCache(loaded.script, storageFolder, loaded.cacheFile), CACHE_WRITE_DELAY_MS).unref();
    activation.then(scheduleWrite, scheduleWrite);
  }
  return activation;
}

export function deactivate(): Promise<void> | undefined {
  return extension?.deactivate();
}

interface LoadedExtension {
  extension: ExtensionModule;
  outcome: CodeCacheOutcome;
  script: vm.Script;
  cacheFile: string;
}

function loadExtension(storageFolder: string): LoadedExtension {
  const bytes = fs.readFileSync(EXTENSION_BUNDLE);
  const source = bytes.toString('utf8');
  const cacheFile = path.join(storageFolder, cacheFileName(bytes));
  const cachedData = readIfPresent(cacheFile);
  const script = new vm.Script(Module.wrap(source), { filename: EXTENSION_BUNDLE, cachedData });
  const module = { exports: {} as ExtensionModule };
  // The bundle needs only Node's modules and `vscode`: this module's require resolves both as the
  // extension host expects (it hands out the vscode API by the requiring file's extension).
  script.runInThisContext()(module.exports, require, module, EXTENSION_BUNDLE, __dirname);
  const outcome: CodeCacheOutcome = cachedData === undefined ? 'compiled' : script.cachedDataRejected ? 'cache-rejected' : 'from-cache';
  return { extension: module.exports, outcome, script, cacheFile };
}

/**
 * One cache file per bundle and V8 version. V8's own check of the source compares only its length, so
 * the name carries a hash of the bundle (about 1 ms for 1 MB): a rebuilt bundle never meets an old cache.
 */
function cacheFileName(bundle: Buffer): string {
  const hash = createHash('sha1').update(bundle).digest('hex').slice(0, 16);
  return `extension-${process.versions.v8}-${hash}${CACHE_SUFFIX}`;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined; // none yet, or unreadable: compile as usual
  }
}

/** Writes the cache atomically (another window may be starting) and removes caches of older builds. */
function writeCache(script: vm.Script, storageFolder: string, cacheFile: string): void {
  try {
    fs.mkdirSync(storageFolder, { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, cacheFile);
    for (const name of fs.readdirSync(storageFolder)) {
      if (name.endsWith(CACHE_SUFFIX) && name !== path.basename(cacheFile)) fs.rmSync(path.join(storageFolder, name), { force: true });
    }
  } catch {
    // Storage not writable: every start compiles, as without the cache.
  }
}
