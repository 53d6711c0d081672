// Cost of loading the extension (dist/client.js, which loads dist/extension.js through its code cache) and
// running activate() up to the language client's start, in a plain Node process with a stub `vscode` module
// (every API a no-op proxy; output channels print into the result). Measures the extension's own share of
// activation, not the extension host's loader or real vscode API calls; activate() then awaits the server's
// start (a separate process), which is waiting, not host CPU. `npm run bench:activation` measures the same
// inside a real VS Code (code-server). Also used by test/unit/clientLoader.test.ts.
// Usage: node scripts/bench/activation.cjs [dist/client.js] [--storage DIR] [--wait MS] [--until-cache-written]
//   --storage DIR  the extension's global storage (where the code cache lives); default: a new temp folder
//   --wait MS      stay alive this long after activating (default 50 ms)
//   --until-cache-written  stay alive until the loader has written a code cache (at most 15 s)
// Prints one JSON line: requireMs, requireCpuMs, activateSyncMs and the output channel's lines.
const Module = require('node:module');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const [, value] = args.splice(index, 2);
  return value;
};
const flag = (name) => {
  const index = args.indexOf(name);
  if (index !== -1) args.splice(index, 1);
  return index !== -1;
};
const storage = option('--storage') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-activation-'));
const waitMs = Number(option('--wait') ?? 50);
const untilCacheWritten = flag('--until-cache-written');
const bundle = path.resolve(args[0] ?? path.join(__dirname, '..', '..', 'dist', 'client.js'));
const extensionRoot = path.dirname(path.dirname(bundle));

function stub(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_target, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'prototype') return {};
      return stub(`${name}.${String(prop)}`);
    },
    set: () => true,
    defineProperty: () => true,
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

const log = [];
const outputChannel = new Proxy(
  { appendLine: (line) => log.push(line) },
  { get: (target, prop) => (prop in target ? target[prop] : stub(`outputChannel.${String(prop)}`)) },
);
// esbuild's and tsc's interop copy the module's own property names: give the stub every name the bundles use.
const vscode = { version: '1.91.0' };
const sources = [bundle, path.join(path.dirname(bundle), 'extension.js')].filter((file) => fs.existsSync(file));
for (const source of sources) {
  for (const match of fs.readFileSync(source, 'utf8').matchAll(/\b(?:code|vscode\d*|vscode_\d+)\.([A-Za-z_]+)/g)) {
    if (!(match[1] in vscode)) vscode[match[1]] = stub(`vscode.${match[1]}`);
  }
}
vscode.window = new Proxy(
  { createOutputChannel: () => outputChannel },
  {
    get(target, prop) {
      if (prop in target) return target[prop];
      // showErrorMessage and friends: a message nobody answers (the client calls .then on it).
      if (String(prop).startsWith('show')) return () => Promise.resolve(undefined);
      return stub(`vscode.window.${String(prop)}`);
    },
  },
);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

const cpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
let wall = performance.now();
const cpuStart = cpu();
const extension = require(bundle);
const requireMs = performance.now() - wall;
const requireCpuMs = cpu() - cpuStart;
wall = performance.now();
const context = {
  subscriptions: [],
  extensionPath: extensionRoot,
  asAbsolutePath: (p) => path.join(extensionRoot, p),
  globalStorageUri: { fsPath: storage },
};
const activation = extension.activate(context); // runs synchronously up to `await languageClient.start()`
const activateSyncMs = performance.now() - wall;
Promise.resolve(activation).catch((error) => console.error(`activate failed: ${error.message}`));
console.log(
  JSON.stringify({ bundle, requireMs: +requireMs.toFixed(1), requireCpuMs: +requireCpuMs.toFixed(1), activateSyncMs: +activateSyncMs.toFixed(1), log }),
);
if (untilCacheWritten) {
  const started = Date.now(); // a cache written after this is the loader's (an older one may already be there)
  const written = () =>
    fs.existsSync(storage) &&
    fs.readdirSync(storage).some((name) => name.endsWith('.codecache') && fs.statSync(path.join(storage, name)).mtimeMs > started);
  const poll = setInterval(() => {
    if (written() || Date.now() - started > 15_000) process.exit(0);
  }, 50);
  void poll;
} else {
  setTimeout(() => process.exit(0), waitMs);
}
