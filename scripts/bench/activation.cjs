// Cost of loading the extension bundle and running activate() up to the language client's start, in a
// plain Node process with a stub `vscode` module (every API a no-op proxy). Measures the extension's own
// share of activation, not the extension host's loader or real vscode API calls; activate() then awaits
// the server's start (a separate process), which is waiting, not host CPU.
// Usage: node scripts/bench/activation.cjs [dist/client.js] (run it several times; take the median)
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const bundle = path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', 'dist', 'client.js'));

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

// esbuild's and tsc's interop copy the module's own property names: give the stub every name the bundle uses.
const vscode = { version: '1.91.0' };
for (const match of fs.readFileSync(bundle, 'utf8').matchAll(/\b(?:code|vscode\d*|vscode_\d+)\.([A-Za-z_]+)/g)) {
  if (!(match[1] in vscode)) vscode[match[1]] = stub(`vscode.${match[1]}`);
}
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
let cpuStart = cpu();
const extension = require(bundle);
const requireMs = performance.now() - wall;
const requireCpuMs = cpu() - cpuStart;
wall = performance.now();
const context = { subscriptions: [], extensionPath: path.dirname(path.dirname(bundle)), asAbsolutePath: (p) => path.join(path.dirname(path.dirname(bundle)), p) };
const activation = extension.activate(context); // runs synchronously up to `await languageClient.start()`
const activateSyncMs = performance.now() - wall;
Promise.resolve(activation).catch((error) => console.error(`activate failed: ${error.message}`));
console.log(JSON.stringify({ bundle, requireMs: +requireMs.toFixed(1), requireCpuMs: +requireCpuMs.toFixed(1), activateSyncMs: +activateSyncMs.toFixed(1) }));
setTimeout(() => process.exit(0), 50);
