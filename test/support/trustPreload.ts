// Preloaded into the server or CLI process (`node --require`) by test/lsp/trustBoundaries.test.ts:
// records, and refuses, every attempt to open a network connection, resolve a name or run a program,
// to the file named by KMG_TRUST_LOG. Its first line says it was loaded, so a test can tell "nothing
// happened" from "the preload never ran".
import childProcess = require('node:child_process');
import dgram = require('node:dgram');
import dns = require('node:dns');
import fs = require('node:fs');
import http = require('node:http');
import http2 = require('node:http2');
import https = require('node:https');
import net = require('node:net');
import tls = require('node:tls');
import { isMainThread } from 'node:worker_threads';

// `import x = require()`: the module objects themselves, so the patches are what everyone else gets.

const logFile = process.env.KMG_TRUST_LOG;

function record(event: string, detail: unknown): void {
  if (logFile) fs.appendFileSync(logFile, JSON.stringify({ event, detail: String(detail).slice(0, 200), pid: process.pid }) + '\n');
}

function guard(target: object, name: string, label: string): void {
  const holder = target as Record<string, unknown>;
  if (typeof holder[name] !== 'function') return;
  Object.defineProperty(holder, name, {
    configurable: true,
    writable: true,
    value: function guarded(...args: unknown[]) {
      record(label, args[0] && typeof args[0] === 'object' ? JSON.stringify(args[0]) : args[0]);
      throw new Error(`kube-mitm-guard trust test: ${label} is not allowed`);
    },
  });
}

record('loaded', isMainThread ? 'main thread' : 'worker thread');
guard(net.Socket.prototype, 'connect', 'net.Socket.connect');
for (const name of ['connect', 'createConnection']) guard(net, name, `net.${name}`);
guard(tls, 'connect', 'tls.connect');
guard(dgram, 'createSocket', 'dgram.createSocket');
for (const name of ['request', 'get']) {
  guard(http, name, `http.${name}`);
  guard(https, name, `https.${name}`);
}
guard(http2, 'connect', 'http2.connect');
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) guard(dns, name, `dns.${name}`);
for (const name of ['lookup', 'resolve']) guard(dns.promises, name, `dns.promises.${name}`);
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) guard(childProcess, name, `child_process.${name}`);
if (typeof globalThis.fetch === 'function') guard(globalThis, 'fetch', 'fetch');
