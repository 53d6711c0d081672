#!/usr/bin/env node
// Benchmark of `kube-mitm-guard audit-log` (issue 15): generates an audit log of --size-mb megabytes in a
// temporary folder (events shaped as kube-apiserver writes them, by the tests' generator, in a busy
// cluster's mix: mostly reads and writes of other resources, some Service traffic, a few findings) and
// measures, in the same run and alternating, the floor (scripts/bench/auditFloor.mjs: readline +
// JSON.parse of every line) and `dist/cli.js audit-log --format json` on the same file: wall time
// (medians over --runs) and peak RSS. Not part of npm test.
// Usage: npm run bench:audit -- [--size-mb N] [--runs K] [--gzip] [--keep]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { auditEvents, goJson, service } = require(path.join(repoRoot, 'out', 'test', 'support', 'auditEvents.js'));
const PEAK_RSS_PRELOAD = path.join(repoRoot, 'scripts', 'bench', 'peakRss.cjs');
const FLOOR = path.join(repoRoot, 'scripts', 'bench', 'auditFloor.mjs');
const CLI = path.join(repoRoot, 'dist', 'cli.js');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}
const sizeMB = option('size-mb', 100);
const runs = option('runs', 3);
const gzip = process.argv.includes('--gzip');
const keep = process.argv.includes('--keep');

const NAMESPACES = ['default', 'payments', 'web', 'monitoring', 'batch', 'kube-system'];
const KUBELET = { username: 'system:node:worker-3', groups: ['system:nodes', 'system:authenticated'], userAgent: 'kubelet/v1.30.2 (linux/amd64) kubernetes/3968350', sourceIP: '10.0.1.13' };
const CONTROLLER = { username: 'system:kube-controller-manager', groups: ['system:authenticated'], userAgent: 'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/leader-election', sourceIP: '10.0.0.2' };
const SERVICE_CONTROLLER = { username: 'system:serviceaccount:kube-system:service-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], userAgent: 'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/system:serviceaccount:kube-system:service-controller', sourceIP: '10.0.0.2' };

function configMap(name, namespace, i) {
  return { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace, resourceVersion: String(100000 + i) }, data: { 'app.properties': `feature.flag=${i % 2 === 0}\nthreads=${i % 16}\nendpoint=https://api.internal.example:8443/v2\n`, 'release': `r${i}` } };
}

/** One batch of 100 requests in a busy cluster's proportions; `i` numbers the batch. */
function batch(i) {
  const ns = NAMESPACES[i % NAMESPACES.length];
  const specs = [];
  for (let k = 0; k < 40; k++) specs.push({ ...KUBELET, verb: ['get', 'list', 'watch'][k % 3], resource: ['pods', 'configmaps', 'secrets', 'nodes'][k % 4], namespace: ns, name: `app-${i}-${k}`, level: 'Metadata' });
  for (let k = 0; k < 30; k++) specs.push({ ...CONTROLLER, verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: `lease-${k}`, level: 'Request', requestObject: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: `lease-${k}`, namespace: 'kube-system' }, spec: { holderIdentity: `worker-${k}`, leaseDurationSeconds: 40, renewTime: '2026-03-02T10:15:42.123456Z' } } });
  for (let k = 0; k < 15; k++) specs.push({ verb: 'patch', resource: 'configmaps', namespace: ns, name: `cfg-${k}`, level: 'Request', requestObject: configMap(`cfg-${k}`, ns, i * 100 + k) });
  for (let k = 0; k < 11; k++) specs.push({ ...CONTROLLER, verb: 'create', resource: 'events', apiGroup: 'events.k8s.io', namespace: ns, name: `app-${i}.${k}`, level: 'Request', requestObject: { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: { name: `app-${i}.${k}`, namespace: ns }, reason: 'Pulled', note: 'Successfully pulled image "registry.example/app:1.4.2" in 1.2s', type: 'Normal', regarding: { kind: 'Pod', namespace: ns, name: `app-${i}-${k}` } } });
  for (let k = 0; k < 3; k++) specs.push({ ...KUBELET, verb: ['get', 'list', 'watch'][k], resource: 'services', namespace: ns, name: k === 0 ? 'web' : undefined, level: 'Metadata' });
  specs.push({ ...SERVICE_CONTROLLER, verb: 'update', resource: 'services', subresource: 'status', namespace: ns, name: 'web', level: 'Request', requestObject: service('web', ns, undefined, ['192.0.2.10']) });
  if (i % 50 === 0) specs.push({ verb: 'patch', resource: 'services', subresource: 'status', namespace: ns, name: 'web', username: 'mallory', requestObject: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.66' }] } } } });
  if (i % 50 === 25) specs.push({ verb: 'create', resource: 'services', namespace: ns, name: `svc-${i}`, level: 'Request', requestObject: service(`svc-${i}`, ns, ['198.51.100.23']) });
  return specs.flatMap((spec) => auditEvents({ username: spec.username, groups: spec.groups, userAgent: spec.userAgent, sourceIP: spec.sourceIP, ...spec })).map((event) => `${goJson(event)}\n`).join('');
}

function generate(file, bytes) {
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let batches = 0;
  let expectedFindings = 0;
  while (written < bytes) {
    const text = batch(batches);
    if (batches % 50 === 0 || batches % 50 === 25) expectedFindings++;
    fs.writeSync(fd, text);
    written += Buffer.byteLength(text);
    batches++;
  }
  fs.closeSync(fd);
  return { written, expectedFindings };
}

function run(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', PEAK_RSS_PRELOAD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const errors = Buffer.concat(stderr).toString('utf8');
      const rss = Number(/KMG_PEAK_RSS_KB=(\d+)/.exec(errors)?.[1] ?? NaN) / 1024;
      const cpuSeconds = Number(/KMG_CPU_MS=(\d+)/.exec(errors)?.[1] ?? NaN) / 1000;
      resolve({ code, seconds, cpuSeconds, rssMB: rss, stdout: Buffer.concat(stdout).toString('utf8'), stderr: errors });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-audit-bench-'));
const file = path.join(folder, 'audit.log');
try {
  const { written, expectedFindings } = generate(file, sizeMB * 1024 * 1024);
  let input = file;
  if (gzip) {
    input = path.join(folder, 'audit.log.1');
    fs.writeFileSync(input, gzipSync(fs.readFileSync(file)));
  }
  console.log(`generated ${(written / 1024 / 1024).toFixed(0)} MB (${input === file ? 'plain' : `gzip, ${(fs.statSync(input).size / 1024 / 1024).toFixed(0)} MB on disk`}), ${expectedFindings} findings expected; ${runs} runs each, alternating`);
  const floor = [];
  const ours = [];
  for (let r = 0; r < runs; r++) {
    if (!gzip) floor.push(await run([FLOOR, file]));
    const result = await run([CLI, 'audit-log', '--format', 'json', '--fail-on', 'never', input]);
    if (result.code !== 0) throw new Error(`audit-log exited ${result.code}: ${result.stderr}`);
    const summary = JSON.parse(result.stdout).summary;
    if (summary.errors + summary.warnings !== expectedFindings) throw new Error(`expected ${expectedFindings} findings, got ${summary.errors + summary.warnings}`);
    result.summary = summary;
    ours.push(result);
    const figures = (measured) => `${measured.seconds.toFixed(2)} s wall, ${measured.cpuSeconds.toFixed(2)} s CPU, ${measured.rssMB.toFixed(0)} MB RSS`;
    console.log(`  run ${r + 1}: ${gzip ? '' : `floor ${figures(floor[r])}; `}audit-log ${figures(result)}`);
  }
  const oursSeconds = median(ours.map((r) => r.seconds));
  const oursCpu = median(ours.map((r) => r.cpuSeconds));
  const mb = written / 1024 / 1024;
  const summary = ours[0].summary;
  console.log(`audit-log: median ${oursSeconds.toFixed(2)} s wall = ${(mb / oursSeconds).toFixed(0)} MB/s, ${oursCpu.toFixed(2)} s CPU, peak RSS max ${Math.max(...ours.map((r) => r.rssMB)).toFixed(0)} MB`);
  console.log(`  ${summary.linesRead} lines, ${summary.linesPassedOver} passed over by the pre-check (${((100 * summary.linesPassedOver) / summary.linesRead).toFixed(1)}%), ${summary.requestsJudged} requests judged`);
  if (!gzip) {
    const floorSeconds = median(floor.map((r) => r.seconds));
    const floorCpu = median(floor.map((r) => r.cpuSeconds));
    console.log(`floor:     median ${floorSeconds.toFixed(2)} s wall = ${(mb / floorSeconds).toFixed(0)} MB/s, ${floorCpu.toFixed(2)} s CPU, peak RSS max ${Math.max(...floor.map((r) => r.rssMB)).toFixed(0)} MB`);
    console.log(`throughput: ${(floorSeconds / oursSeconds).toFixed(2)}× the floor by wall time, ${(floorCpu / oursCpu).toFixed(2)}× by CPU time (target ≥ 0.7×)`);
  }
} finally {
  if (keep) console.log(`kept ${folder}`);
  else fs.rmSync(folder, { recursive: true, force: true });
}
