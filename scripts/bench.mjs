#!/usr/bin/env node
// Performance benchmark (issue 5): drives the bundled language server (dist/server.js) over stdio the
// way an editor does and measures, in one run, against the YAML parse floor:
//   1. parse floor   a separate process reads every file and runs yaml.parseAllDocuments once
//   2. scan          `initialized` → the end of the scan's work-done progress (nothing open)
//   3. keystroke     one-character didChange in the largest multi-document file → its diagnostics
//   4. code action   textDocument/codeAction latency while a workspace rescan runs
//   5. memory        the server's peak RSS (VmHWM) at the end
//   (the link phase's own time, as the server reports it in kubeMitmGuard/status: all links during the
//   scan, and per keystroke)
//   6. activation    the extension's own activation (client.js next to the server) in a stub vscode host,
//                    first start and later starts (--no-activation skips it; VS Code's own figures in
//                    code-server: npm run bench:activation)
//   7. cluster export a generated `kind: List` of --export-objects roles and bindings (default 20,000), as
//                    kubectl prints it, through `dist/cli.js check - --format json`: wall time and peak RSS
//                    next to the yaml parse floor of that file (--no-cluster-export skips it,
//                    --cluster-export-only runs only it)
// Usage: npm run bench -- [--folder DIR] [--scale N] [--runs K] [--json FILE] [--edits N] [--no-activation]
//                         [--edit-file PATH] [--server PATH] [--compare FILE] [--keep] [--cpu-prof DIR]
//                         [--export-objects N] [--no-cluster-export] [--cluster-export-only]
// --cpu-prof DIR writes the server's V8 CPU profiles per run, one per thread (main and scan workers), into
// DIR/server-run<N>/ (open in Chrome DevTools or summarize with `node scripts/bench/profileSummary.mjs FILE`); profiling slows the server, so its figures are not comparable.
// No pass/fail exit code: the targets are printed next to the figures (timings are not test assertions).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchClient, fileUri } from './bench/lspClient.mjs';
import { measureClusterExport } from './bench/clusterExport.mjs';
import { documentSeparators, listCandidateFiles, makeScaledCopy } from './bench/files.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(repoRoot, '..', 'shared', 'corpus', 'manifests');
const PREFERRED_EDIT_FILE = path.join('argoproj__argo-cd', 'manifests', 'install.yaml');
const MAX_FILE_BYTES = 2048 * 1024; // kubeMitmGuard.maxFileSizeKB default: larger files are skipped
const RESCAN_REQUEST = 'kubeMitmGuard/rescanWorkspace';
const CODE_ACTION_INTERVAL_MS = 20;
const EDIT_PAUSE_MS = 30;

const ACTIVATION_RUNS = 7;

const TARGETS = {
  scanRatio: 0.25, // scan ≤ 0.25 × parse floor, wall and CPU (issue 12)
  keystrokeMedianMs: 25,
  codeActionMs: 50,
  peakRssMB: 300, // shared corpus
  peakRssMBScaled: 400, // 50,000 files (issue 12; issue 5 allowed 600)
  perMBRatio: 1.2, // scaled run's per-MB scan cost within 1.2× of the corpus run
  activationMs: 50, // the extension's own activation (require + synchronous activate)
  exportTimeRatio: 2, // cluster export through check -: ≤ 2× the parse floor's time
  exportRssRatio: 1.2, // … and ≤ 1.2× the parse floor's peak RSS
};

// ---- arguments --------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { runs: 3, edits: 9, scale: 0, keep: false, activation: true, exportObjects: 20_000, clusterExport: 'yes' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--folder': args.folder = path.resolve(value()); break;
      case '--scale': args.scale = positiveInt(flag, value()); break;
      case '--runs': args.runs = positiveInt(flag, value()); break;
      case '--edits': args.edits = Math.max(7, positiveInt(flag, value())); break;
      case '--json': args.json = path.resolve(value()); break;
      case '--edit-file': args.editFile = value(); break;
      case '--server': args.server = path.resolve(value()); break;
      case '--compare': args.compare = path.resolve(value()); break;
      case '--keep': args.keep = true; break;
      case '--no-activation': args.activation = false; break;
      case '--cpu-prof': args.cpuProf = path.resolve(value()); break;
      case '--export-objects': args.exportObjects = positiveInt(flag, value()); break;
      case '--no-cluster-export': args.clusterExport = 'no'; break;
      case '--cluster-export-only': args.clusterExport = 'only'; break;
      case '-h': case '--help':
        console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 21).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
        process.exit(0);
        break;
      default: throw new Error(`Unknown flag ${flag}`);
    }
  }
  args.folder ??= fs.existsSync(CORPUS) ? CORPUS : path.join(repoRoot, 'examples');
  args.server ??= path.join(repoRoot, 'dist', 'server.js');
  return args;
}

function positiveInt(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${text}`);
  return n;
}

// ---- statistics and formatting ----------------------------------------------------------------

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percentile(values, p) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ms = (v) => (Number.isFinite(v) ? (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`) : 'n/a');
const ratio = (v) => (Number.isFinite(v) ? `${v < 0.01 ? v.toFixed(4) : v.toFixed(3)}×` : 'n/a');
const mb = (v) => (Number.isFinite(v) ? `${v.toFixed(0)} MB` : 'n/a');
const verdict = (ok, value = 0) => (!Number.isFinite(value) ? 'no sample' : ok === undefined ? '' : ok ? 'meets target' : 'MISSES target');

const sleep = (delay) => new Promise((resolve) => setTimeout(resolve, delay));

// ---- machine ----------------------------------------------------------------------------------

function machineInfo() {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit,
    date: new Date().toISOString(),
  };
}

// ---- the measurements -------------------------------------------------------------------------

function runParseFloor(folder, singleFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'bench', 'parseFloor.mjs'), folder, singleFile ?? ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`parse floor process failed (${code}): ${err}`));
      else resolve(JSON.parse(out));
    });
  });
}

/** The position just after the value of a `name:` line nearest the middle of the file. */
function editPosition(text) {
  const lines = text.split(/\r?\n/);
  const middle = lines.length >> 1;
  for (let distance = 0; distance < lines.length; distance++) {
    for (const line of [middle + distance, middle - distance]) {
      if (line >= 0 && line < lines.length && /^\s+name: [A-Za-z0-9._-]+$/.test(lines[line])) {
        return { line, character: lines[line].length };
      }
    }
  }
  const line = Math.max(0, lines.length - 1);
  return { line, character: lines[line].length };
}

/** One server session: scan, keystrokes, code actions during a rescan, memory. */
async function runServer(args, folder, editFile, run) {
  // One folder per run and Node's own file names (they carry the thread id): a name given with
  // --cpu-prof-name is shared by the scan workers, and the last thread to exit overwrote the others.
  const nodeArgs = args.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(args.cpuProf, `server-run${run}`)] : [];
  const client = new BenchClient(args.server, { nodeArgs });
  const result = { run };
  try {
    await client.initialize([folder]);
    const sync = client.capabilities.textDocumentSync;
    const syncKind = typeof sync === 'number' ? sync : sync?.change ?? 1;

    // (2) workspace scan: `initialized` → progress end, nothing open.
    const scanEnd = client.waitForNotification((m) => m.method === '$/progress' && m.params.value?.kind === 'end', 1_800_000, 'the scan to end');
    const cpuBefore = client.cpuMs();
    const scanStart = performance.now();
    client.notify('initialized', {});
    const { at: scanEndAt } = await scanEnd;
    result.scanMs = scanEndAt - scanStart;
    result.scanCpuMs = client.cpuMs() - cpuBefore;
    await sleep(200); // the last diagnostics are sent before `end`; let stragglers arrive anyway
    let diagnostics = 0;
    let filesWithDiagnostics = 0;
    for (const list of client.latestDiagnostics.values()) {
      diagnostics += list.length;
      if (list.length > 0) filesWithDiagnostics++;
    }
    result.diagnostics = diagnostics;
    result.filesWithDiagnostics = filesWithDiagnostics;
    result.publishes = client.publishes.length;
    result.rssAfterScanMB = client.memory().rssMB;
    const linkAfterScan = await linkStats(client);
    result.scanLinkMs = linkAfterScan?.totalMs;
    result.scanLinks = linkAfterScan?.links;
    result.filesLinked = linkAfterScan?.filesIndexed;

    // (3) keystroke latency in the big file.
    const uri = fileUri(editFile);
    const opened = client.waitForNotification((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri, 120_000, 'diagnostics of the opened file');
    const openStart = performance.now();
    const document = client.openDocument(editFile);
    result.openMs = (await opened).at - openStart;
    const position = editPosition(document.text);
    let text = document.text;
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
    const offset = lineStarts[position.line] + position.character;
    const keystrokes = [];
    let versionSeen = true;
    for (let edit = 0; edit < args.edits; edit++) {
      const version = edit + 2;
      const insert = edit % 2 === 0;
      const change = insert
        ? { range: { start: position, end: position }, text: 'x' }
        : { range: { start: position, end: { line: position.line, character: position.character + 1 } }, text: '' };
      text = insert ? text.slice(0, offset) + 'x' + text.slice(offset) : text.slice(0, offset) + text.slice(offset + 1);
      const published = client.waitForNotification(
        (m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && (m.params.version === undefined || m.params.version === null || m.params.version === version),
        120_000,
        `diagnostics for version ${version}`,
      );
      const sentAt = performance.now();
      client.notify('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [syncKind === 2 ? change : { text }],
      });
      const { message, at } = await published;
      if (message.params.version !== version) versionSeen = false;
      keystrokes.push(at - sentAt);
      await sleep(EDIT_PAUSE_MS);
    }
    const linkAfterEdits = await linkStats(client);
    if (linkAfterScan && linkAfterEdits && linkAfterEdits.links > linkAfterScan.links) {
      result.keystrokeLinkMs = (linkAfterEdits.totalMs - linkAfterScan.totalMs) / (linkAfterEdits.links - linkAfterScan.links);
      result.keystrokeLinkFiles = linkAfterEdits.lastFilesJudged;
    }
    result.keystrokeMs = keystrokes;
    result.keystrokeMedianMs = median(keystrokes);
    result.keystrokeMaxMs = Math.max(...keystrokes);
    result.versionMatched = versionSeen;
    result.sync = syncKind === 2 ? 'incremental' : 'full';

    // (4) code actions while a rescan runs, on the smallest file with findings (its quick fixes).
    const target = smallestFileWithDiagnostics(client, uri);
    result.codeActionTarget = target?.path;
    if (target !== undefined) {
      const targetUri = fileUri(target.path);
      const targetOpened = client.waitForNotification((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === targetUri && m.params.version === 1, 60_000, 'diagnostics of the code action file');
      client.openDocument(target.path);
      const targetDiagnostics = (await targetOpened).message.params.diagnostics;
      const latencies = [];
      let actions = 0;
      let scanning = true;
      const rescanStart = performance.now();
      const rescan = client.request(RESCAN_REQUEST, null).then(({ at }) => {
        scanning = false;
        result.rescanMs = at - rescanStart;
      });
      while (scanning) {
        const response = await client.request('textDocument/codeAction', {
          textDocument: { uri: targetUri },
          range: targetDiagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          context: { diagnostics: targetDiagnostics, triggerKind: 1 },
        });
        // Only requests answered while the scan still ran count.
        if (scanning) latencies.push(response.latencyMs);
        actions = Array.isArray(response.result) ? response.result.length : 0;
        await sleep(CODE_ACTION_INTERVAL_MS);
      }
      await rescan;
      result.codeActionMs = latencies;
      result.codeActionCount = latencies.length;
      result.codeActionMedianMs = median(latencies);
      result.codeActionP95Ms = percentile(latencies, 95);
      result.codeActionMaxMs = latencies.length ? Math.max(...latencies) : NaN;
      result.codeActionsOffered = actions;
    }

    // (5) memory: the peak over the whole session.
    const memory = client.memory();
    result.peakRssMB = memory.peakRssMB;
    result.rssMB = memory.rssMB;
  } finally {
    await client.shutdown();
  }
  return result;
}

/** The server's link figures once its status notification (coalesced, 150 ms) has caught up. */
async function linkStats(client) {
  await sleep(250);
  return client.lastStatus?.link ?? undefined;
}

function smallestFileWithDiagnostics(client, exceptUri) {
  let best;
  for (const [uri, list] of client.latestDiagnostics) {
    if (uri === exceptUri || list.length === 0 || !list.some((d) => d.data?.key)) continue;
    const fsPath = fileURLToPath(uri);
    let bytes;
    try {
      bytes = fs.statSync(fsPath).size;
    } catch {
      continue;
    }
    if (best === undefined || bytes < best.bytes) best = { path: fsPath, bytes };
  }
  return best;
}

// ---- main -------------------------------------------------------------------------------------

function chooseEditFile(folder, files, requested) {
  if (requested) return path.resolve(folder, requested);
  const preferred = path.join(folder, PREFERRED_EDIT_FILE);
  if (fs.existsSync(preferred)) return preferred;
  // The largest multi-document file the server does not skip as too large.
  const bySize = [...files].filter((f) => f.bytes <= MAX_FILE_BYTES).sort((a, b) => b.bytes - a.bytes);
  for (const file of bySize) {
    if (documentSeparators(fs.readFileSync(file.path, 'utf8')) >= 1) return file.path;
  }
  return bySize[0]?.path;
}

function summarize(runs, floors) {
  const pick = (key) => median(runs.map((r) => r[key]));
  const floorMs = median(floors.map((f) => f.floorMs));
  const singleMs = median(floors.map((f) => f.single?.medianMs));
  const perRun = runs.map((r, i) => ({
    scanRatio: r.scanMs / floors[i].floorMs,
    scanCpuRatio: r.scanCpuMs / floors[i].floorCpuMs,
    keystrokeRatio: r.keystrokeMedianMs / floors[i].floorMs,
    keystrokeFileRatio: r.keystrokeMedianMs / floors[i].single?.medianMs,
    codeActionRatio: r.codeActionMaxMs / floors[i].floorMs,
  }));
  return {
    floorMs,
    floorPeakRssMB: median(floors.map((f) => f.peakRssMB)),
    editFileParseMs: singleMs,
    scanMs: pick('scanMs'),
    scanRatio: median(perRun.map((r) => r.scanRatio)),
    floorCpuMs: median(floors.map((f) => f.floorCpuMs)),
    scanCpuMs: pick('scanCpuMs'),
    scanCpuRatio: median(perRun.map((r) => r.scanCpuRatio)),
    openMs: pick('openMs'),
    keystrokeMedianMs: pick('keystrokeMedianMs'),
    keystrokeMaxMs: pick('keystrokeMaxMs'),
    keystrokeRatio: median(perRun.map((r) => r.keystrokeRatio)),
    keystrokeFileRatio: median(perRun.map((r) => r.keystrokeFileRatio)),
    rescanMs: pick('rescanMs'),
    codeActionMedianMs: pick('codeActionMedianMs'),
    codeActionP95Ms: pick('codeActionP95Ms'),
    codeActionMaxMs: pick('codeActionMaxMs'),
    codeActionRatio: median(perRun.map((r) => r.codeActionRatio)),
    peakRssMB: pick('peakRssMB'),
    scanLinkMs: pick('scanLinkMs'),
    scanLinks: pick('scanLinks'),
    filesLinked: pick('filesLinked'),
    keystrokeLinkMs: pick('keystrokeLinkMs'),
    keystrokeLinkFiles: pick('keystrokeLinkFiles'),
    diagnostics: pick('diagnostics'),
    filesWithDiagnostics: pick('filesWithDiagnostics'),
  };
}

function report(args, setup, summary, baseline, activation) {
  const { files, bytes } = setup;
  const megabytes = bytes / 1e6;
  const scaled = args.scale > 0;
  const rssTarget = scaled ? TARGETS.peakRssMBScaled : TARGETS.peakRssMB;
  const perMB = summary.scanMs / megabytes;
  const lines = [];
  const row = (label, value, vsFloor, note = '') => lines.push(`  ${label.padEnd(34)} ${value.padStart(10)}  ${vsFloor.padStart(12)}  ${note}`);
  lines.push('');
  lines.push(`Medians of ${args.runs} run(s); ratios are to the parse floor of the same run.`);
  row('figure', 'value', '× floor', 'target');
  row('yaml parse floor (all files)', ms(summary.floorMs), ratio(1), `${(megabytes / (summary.floorMs / 1000)).toFixed(1)} MB/s`);
  row('workspace scan (initialized→end)', ms(summary.scanMs), ratio(summary.scanRatio), `≤ ${TARGETS.scanRatio}×: ${verdict(summary.scanRatio <= TARGETS.scanRatio)}`);
  row('  server CPU time during scan', ms(summary.scanCpuMs), ratio(summary.scanCpuRatio), `≤ ${TARGETS.scanRatio}× the floor's CPU time ${ms(summary.floorCpuMs)}: ${verdict(summary.scanCpuRatio <= TARGETS.scanRatio)}`);
  if (baseline && Number.isFinite(baseline.cpuPerMB)) {
    const cpuPerMB = summary.scanCpuMs / megabytes;
    row('  CPU per MB', ms(cpuPerMB), '', `corpus ${ms(baseline.cpuPerMB)}/MB → ${ratio(cpuPerMB / baseline.cpuPerMB)} (≤ ${TARGETS.perMBRatio}×: ${verdict(cpuPerMB / baseline.cpuPerMB <= TARGETS.perMBRatio)})`);
  }
  row('  per MB', ms(perMB), '', baseline ? `corpus ${ms(baseline.perMB)}/MB → ${ratio(perMB / baseline.perMB)} (≤ ${TARGETS.perMBRatio}×: ${verdict(perMB / baseline.perMB <= TARGETS.perMBRatio)})` : '');
  row('  diagnostics published', `${summary.diagnostics}`, '', `in ${summary.filesWithDiagnostics} files`);
  row('  link phase during scan', ms(summary.scanLinkMs), ratio(summary.scanLinkMs / summary.floorMs), `${summary.scanLinks} links over ${summary.filesLinked} files with roles or bindings`);
  row('open big file → diagnostics', ms(summary.openMs), '', `parse of that file alone: ${ms(summary.editFileParseMs)}`);
  // The 25 ms target is the corpus file's (issue 12); a scaled copy has none of its own.
  const keystrokeTarget = scaled
    ? `no target at this scale (the corpus's is ≤ ${TARGETS.keystrokeMedianMs} ms)`
    : `≤ ${TARGETS.keystrokeMedianMs} ms: ${verdict(summary.keystrokeMedianMs <= TARGETS.keystrokeMedianMs)}`;
  row('keystroke → diagnostics, median', ms(summary.keystrokeMedianMs), ratio(summary.keystrokeRatio), `${keystrokeTarget}; ${ratio(summary.keystrokeFileRatio)} the file's own parse`);
  row('keystroke → diagnostics, max', ms(summary.keystrokeMaxMs), '', '');
  row('  link phase per keystroke', ms(summary.keystrokeLinkMs), '', Number.isFinite(summary.keystrokeLinkMs) ? `re-judged ${summary.keystrokeLinkFiles} files (the edited one and its dependents)` : 'the edits changed no roles or bindings');
  row('code action during scan, median', ms(summary.codeActionMedianMs), '', `rescan took ${ms(summary.rescanMs)}`);
  row('code action during scan, p95', ms(summary.codeActionP95Ms), '', '');
  row('code action during scan, max', ms(summary.codeActionMaxMs), ratio(summary.codeActionRatio), `≤ ${TARGETS.codeActionMs} ms: ${verdict(summary.codeActionMaxMs <= TARGETS.codeActionMs, summary.codeActionMaxMs)}${Number.isFinite(summary.codeActionMaxMs) ? '' : ' (the scan ended before a request was answered)'}`);
  row('server peak RSS (VmHWM)', mb(summary.peakRssMB), '', `≤ ${rssTarget} MB: ${verdict(summary.peakRssMB <= rssTarget)}; parse-floor process ${mb(summary.floorPeakRssMB)}`);
  if (activation) {
    row('extension activation, later starts', ms(activation.laterStartMs), '', `≤ ${TARGETS.activationMs} ms: ${verdict(activation.laterStartMs <= TARGETS.activationMs)}; median of ${activation.later.length}, with the code cache (stub vscode host)`);
    row('extension activation, first start', ms(activation.firstStartMs), '', 'after installing or updating: no code cache yet');
    lines.push('  (VS Code\'s own activation figures, in code-server: npm run bench:activation)');
  }
  lines.push('');
  lines.push(`Workspace: ${files} files, ${megabytes.toFixed(1)} MB${scaled ? ` (scaled copy of ${args.folder})` : ''}.`);
  return lines.join('\n');
}

/**
 * The extension's activation in a plain Node process with a stub `vscode` (scripts/bench/activation.cjs):
 * require + the synchronous part of activate(), first with fresh storage (the loader compiles and
 * writes its code cache), then ACTIVATION_RUNS times with that cache, as every later start is.
 */
function measureActivation(clientBundle) {
  if (!fs.existsSync(clientBundle)) return undefined;
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-bench-activation-'));
  const activate = (...extra) => {
    const output = execFileSync(process.execPath, [path.join(repoRoot, 'scripts/bench/activation.cjs'), clientBundle, '--storage', storage, ...extra], { encoding: 'utf8' });
    const result = JSON.parse(output.trim().split('\n').pop());
    return result.requireMs + result.activateSyncMs;
  };
  try {
    const firstStartMs = activate('--until-cache-written');
    const later = Array.from({ length: ACTIVATION_RUNS }, () => activate());
    return { firstStartMs, laterStartMs: median(later), later };
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
}

/** The cluster export case (see the header): medians of the runs, and the ratios to the floor. */
async function runClusterExport(args) {
  const cli = path.join(path.dirname(args.server), 'cli.js');
  const result = await measureClusterExport({ cli, objectCount: args.exportObjects, runs: args.runs, runParseFloor, tmpdir: os.tmpdir() });
  const pick = (key) => median(result.samples.map((sample) => sample[key]));
  const summary = {
    objects: result.objects,
    bytes: result.bytes,
    floorMs: pick('floorMs'),
    floorPeakRssMB: pick('floorPeakRssMB'),
    checkMs: pick('checkMs'),
    checkPeakRssMB: pick('checkPeakRssMB'),
    timeRatio: median(result.samples.map((sample) => sample.checkMs / sample.floorMs)),
    rssRatio: median(result.samples.map((sample) => sample.checkPeakRssMB / sample.floorPeakRssMB)),
    findings: pick('findings'),
  };
  const lines = ['', `Cluster export: ${summary.objects} roles and bindings in one kind: List, ${(summary.bytes / 1e6).toFixed(1)} MB; medians of ${args.runs} run(s).`];
  const row = (label, value, vsFloor, note = '') => lines.push(`  ${label.padEnd(34)} ${value.padStart(10)}  ${vsFloor.padStart(12)}  ${note}`);
  row('figure', 'value', '× floor', 'target');
  row('yaml parse floor (the file)', ms(summary.floorMs), ratio(1), `peak RSS ${mb(summary.floorPeakRssMB)}`);
  row('check - --format json, wall', ms(summary.checkMs), ratio(summary.timeRatio), `≤ ${TARGETS.exportTimeRatio}×: ${verdict(summary.timeRatio <= TARGETS.exportTimeRatio)}; ${summary.findings} findings`);
  row('check - --format json, peak RSS', mb(summary.checkPeakRssMB), ratio(summary.rssRatio), `≤ ${TARGETS.exportRssRatio}×: ${verdict(summary.rssRatio <= TARGETS.exportRssRatio)}`);
  console.log(lines.join('\n'));
  return { summary, samples: result.samples };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.server)) throw new Error(`${args.server} does not exist: run \`npm run build\` first.`);
  const machine = machineInfo();
  console.log(`kube-mitm-guard bench — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, Node ${machine.node}, commit ${machine.commit}`);
  if (args.clusterExport === 'only') {
    const clusterExport = await runClusterExport(args);
    if (args.json) {
      fs.mkdirSync(path.dirname(args.json), { recursive: true });
      fs.writeFileSync(args.json, `${JSON.stringify({ machine, targets: TARGETS, clusterExport }, null, 2)}\n`);
      console.log(`Wrote ${args.json}`);
    }
    return;
  }

  const sourceFiles = listCandidateFiles(args.folder);
  if (sourceFiles.length === 0) throw new Error(`No .yaml/.yml/.json files under ${args.folder}`);
  let folder = args.folder;
  let editFile = chooseEditFile(args.folder, sourceFiles, args.editFile);
  let scaledDir;
  if (args.scale > 0) {
    const started = performance.now();
    const copy = makeScaledCopy(sourceFiles, args.scale, os.tmpdir());
    scaledDir = copy.dir;
    folder = copy.dir;
    editFile = copy.firstCopy.get(editFile) ?? chooseEditFile(folder, listCandidateFiles(folder));
    console.log(`Copied ${args.scale} files round-robin into ${folder} (${ms(performance.now() - started)}).`);
  }
  const cleanup = () => {
    if (scaledDir && !args.keep) fs.rmSync(scaledDir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
    const files = listCandidateFiles(folder);
    const bytes = files.reduce((sum, file) => sum + file.bytes, 0);
    const editText = fs.readFileSync(editFile, 'utf8');
    console.log(`Folder ${folder}: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB.`);
    console.log(`Keystroke file ${path.relative(folder, editFile)}: ${(Buffer.byteLength(editText) / 1e6).toFixed(2)} MB, ${editText.split('\n').length} lines, ${documentSeparators(editText) + 1} documents (approx.).`);

    const floors = [];
    const runs = [];
    for (let run = 1; run <= args.runs; run++) {
      const floor = await runParseFloor(folder, editFile);
      floors.push(floor);
      const result = await runServer(args, folder, editFile, run);
      runs.push(result);
      console.log(
        `run ${run}/${args.runs}: floor ${ms(floor.floorMs)}, scan ${ms(result.scanMs)} (${ratio(result.scanMs / floor.floorMs)}; CPU ${ratio(result.scanCpuMs / floor.floorCpuMs)}), ` +
          `${result.diagnostics} diagnostics; keystroke median ${ms(result.keystrokeMedianMs)} max ${ms(result.keystrokeMaxMs)} (${result.sync}${result.versionMatched ? ', version-matched' : ''}); ` +
          `code action during scan median ${ms(result.codeActionMedianMs)} max ${ms(result.codeActionMaxMs)} (${result.codeActionCount} requests); peak RSS ${mb(result.peakRssMB)}`,
      );
    }

    const summary = summarize(runs, floors);
    let baseline;
    if (args.compare) {
      const previous = JSON.parse(fs.readFileSync(args.compare, 'utf8'));
      const previousMB = previous.workspace.bytes / 1e6;
      baseline = { perMB: previous.summary.scanMs / previousMB, cpuPerMB: previous.summary.scanCpuMs / previousMB };
    }
    const activation = args.activation ? measureActivation(path.join(path.dirname(args.server), 'client.js')) : undefined;
    console.log(report(args, { files: files.length, bytes }, summary, baseline, activation));
    const clusterExport = args.clusterExport === 'yes' ? await runClusterExport(args) : undefined;

    if (args.json) {
      const output = {
        machine,
        args: { folder: args.folder, scale: args.scale, runs: args.runs, edits: args.edits, server: args.server },
        workspace: { folder: scaledDir ? '(temporary scaled copy)' : folder, files: files.length, bytes, editFile: path.relative(folder, editFile), editFileBytes: Buffer.byteLength(editText) },
        targets: TARGETS,
        summary: {
          ...summary,
          scanMsPerMB: summary.scanMs / (bytes / 1e6),
          scanCpuMsPerMB: summary.scanCpuMs / (bytes / 1e6),
          scanPerMBVsBaseline: baseline ? summary.scanMs / (bytes / 1e6) / baseline.perMB : undefined,
          scanCpuPerMBVsBaseline: baseline ? summary.scanCpuMs / (bytes / 1e6) / baseline.cpuPerMB : undefined,
        },
        activation,
        clusterExport,
        floors,
        runs,
      };
      fs.mkdirSync(path.dirname(args.json), { recursive: true });
      fs.writeFileSync(args.json, `${JSON.stringify(output, null, 2)}\n`);
      console.log(`Wrote ${args.json}`);
    }
  } finally {
    cleanup();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
