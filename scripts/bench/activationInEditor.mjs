// Activation time of the extension inside a real VS Code extension host (code-server 4.99.4 = VS Code 1.99,
// through the e2e harness), as VS Code itself measures it. Each run starts a fresh code-server with fresh
// user data and extensions folders on a copy of the e2e fixture workspace (YAML manifests, so the extension
// activates at startup through `workspaceContains`, as for a user opening a folder of manifests), waits for the
// language server to have started, runs "Developer: Startup Performance" and reads its "Extension Activation
// Stats" table. No file is opened before that: opening a YAML file would race `workspaceContains` with
// `onLanguage:yaml`, and the Markdown document of the figures activates the Markdown extensions, so it is
// opened only after our activation has finished. The numbers come from the extension host
// (src/vs/workbench/api/common/extHostExtensionActivator.ts, ExtensionActivationTimesBuilder; measured with
// Date.now(), so whole milliseconds):
//   loadCode      require() of the extension's main file (plus an await for localized messages, nothing
//                 for this extension) — node/extHostExtensionService.ts _loadCommonJSModule
//   callActivate  the synchronous part of activate(), until it returns its promise
//   resolve       from activate() returning until its promise resolves: for us the language client's
//                 start, i.e. spawning the server and the initialize handshake — mostly waiting, the host
//                 runs other work meanwhile
//   sync          loadCode + callActivate: the time the extension blocks the host, what "Developer: Show
//                 Running Extensions" shows as "Startup Activation: N ms" (abstractRuntimeExtensionsEditor.ts)
//   require       the require() alone, from the extension host's performance marks in the same document
//                 (code/extHost/willLoadExtensionCode/<id> .. didLoadExtensionCode/<id>). loadCode starts
//                 before an await, so when several extensions activate at once it can also contain another
//                 extension's require(); require cannot.
// A reference extension with an empty activate() and the same activation events is installed alongside, so
// its figures show VS Code's own per-extension cost under the same conditions.
//
// The extension loads its bundle through a V8 code cache in its global storage (client/src/loader.ts), written
// after its first activation. So a first session (a user's first start after installing; printed, not counted)
// runs before the measured ones, and each measured session starts with the code cache that session wrote, as a
// user's later starts do. --cold measures every run as a first start (fresh storage, no cache).
//
// Usage: node scripts/bench/activationInEditor.mjs [--runs N] [--json FILE] [--vsix FILE] [--no-reference] [--cold]
//   Without --vsix, what dist/ holds is packaged into a temporary VSIX with vsce (through `npm run
//   bench:activation`: the `npm run build` output, not minified); `npm run package` and then
//   --vsix dist/kube-mitm-guard.vsix measures the release build. Needs `npm run e2e:setup` (code-server, Chromium).
//   --no-reference leaves out the reference extension.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CODE_SERVER_VERSION, CodeServerSession, REPO_ROOT, UI_TIMEOUT } from '../../test/e2e/harness.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    json: { type: 'string' },
    vsix: { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
    cold: { type: 'boolean', default: false },
  },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got ${args.runs}`);

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;
const REFERENCE_ID = 'kmg-bench.empty-reference';
/** Logged by the server on `initialized`, which the client sends as its start() (and so activate()) resolves. */
const SERVER_STARTED = /kube-mitm-guard language server started/;
const COLUMNS = ['loadCode', 'require', 'callActivate', 'resolve', 'sync'];

function fail(message) {
  console.error(`activationInEditor: ${message}`);
  process.exit(1);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-bench-activation-'));
const vsce = path.join(REPO_ROOT, 'node_modules/.bin/vsce');

/** The VSIX to measure: --vsix, else the current dist/ packaged as the release is (vsce, .vscodeignore). */
function extensionVsix() {
  if (args.vsix) {
    const vsix = path.resolve(args.vsix);
    if (!fs.existsSync(vsix)) throw new Error(`no VSIX at ${vsix}`);
    return vsix;
  }
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist/client.js'))) throw new Error('no dist/client.js: run `npm run build` first');
  const vsix = path.join(tmp, 'kube-mitm-guard.vsix');
  execFileSync(vsce, ['package', '--no-dependencies', '-o', vsix], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return vsix;
}

/** A VSIX of an extension whose activate() does nothing, activated by the same events as ours. */
function referenceVsix() {
  const dir = path.join(tmp, 'empty-reference');
  fs.mkdirSync(dir);
  const [publisher, name] = REFERENCE_ID.split('.');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name, publisher, version: '0.0.1', engines: manifest.engines, main: './extension.js',
    activationEvents: manifest.activationEvents,
  }, null, 2));
  fs.writeFileSync(path.join(dir, 'extension.js'), 'exports.activate = function activate() {};\n');
  fs.writeFileSync(path.join(dir, 'README.md'), 'Empty extension: the baseline of activation benchmarks.\n');
  fs.writeFileSync(path.join(dir, '.vscodeignore'), ''); // ship everything (and no vsce warning about it)
  const vsix = path.join(tmp, 'empty-reference.vsix');
  execFileSync(vsce, ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', vsix], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return vsix;
}

/**
 * Text of the "Startup Performance" document. It is a read-only markdown model; its lines are virtualised
 * in the DOM, so the whole text is taken through the clipboard (select all, copy).
 */
async function copyActiveEditorText(page) {
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+C');
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Rows of the "Extension Activation Stats" table by extension id. */
function parseActivationStats(text) {
  const section = /## Extension Activation Stats\n([\s\S]*?)(?:\n## |$)/.exec(text)?.[1] ?? '';
  const rows = new Map();
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    // | Extension | Eager | Load Code | Call Activate | Finish Activate | Event | By |
    if (cells.length !== 7 || !/^-?\d+$/.test(cells[2])) continue;
    const [id, eager, loadCode, callActivate, resolve, event, by] = cells;
    const n = { loadCode: Number(loadCode), callActivate: Number(callActivate), resolve: Number(resolve) };
    rows.set(id, { ...n, sync: n.loadCode + n.callActivate, eager: eager === 'true', event, by });
  }
  return rows;
}

/**
 * require() time per extension id from the extension host's raw performance marks (sent to the workbench
 * once the startup activations have finished; timestamps in ms).
 */
function parseRequireMarks(text) {
  const section = /## Raw Perf Marks: remoteExtHost\n([\s\S]*?)(?:\n## |$)/.exec(text)?.[1] ?? '';
  const marks = new Map();
  for (const m of section.matchAll(/^code\/extHost\/(will|did)LoadExtensionCode\/(\S+)\t([\d.]+)\t/gm)) {
    marks.set(`${m[1]}/${m[2]}`, Number(m[3]));
  }
  const requireMs = new Map();
  for (const [key, will] of marks) {
    const did = marks.get(key.replace(/^will\//, 'did/'));
    if (key.startsWith('will/') && did !== undefined) requireMs.set(key.slice('will/'.length), did - will);
  }
  return requireMs;
}

/** One fresh code-server session: activation figures of each wanted extension. */
async function measure(session, wanted) {
  const { page } = session;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${session.port}` });
  await session.waitUntil(() => SERVER_STARTED.test(session.extensionLog()), 'the language server to start (the extension log)');
  await session.runCommand('Developer: Startup Performance');
  // The document says "Loading..." until the workbench's startup has finished, and is re-rendered when an
  // extension's activation completes: poll until every wanted extension has its row and its marks.
  const deadline = Date.now() + UI_TIMEOUT;
  for (;;) {
    const text = await copyActiveEditorText(page);
    const rows = parseActivationStats(text);
    const requireMs = parseRequireMarks(text);
    const missing = wanted.filter((id) => !rows.has(id) || !requireMs.has(id));
    if (missing.length === 0) return Object.fromEntries(wanted.map((id) => [id, { ...rows.get(id), require: requireMs.get(id) }]));
    if (Date.now() > deadline) {
      throw new Error(`Developer: Startup Performance has no activation figures for ${missing.join(', ')} after ${UI_TIMEOUT} ms (activation stats for: ${[...rows.keys()].join(', ') || 'none'}; require marks for: ${[...requireMs.keys()].join(', ') || 'none'})`);
    }
    await page.waitForTimeout(500); // polling interval of the document, not a wait for an outcome
  }
}

/** Waits for the extension to write its code cache, then copies its global storage out of the session. */
async function keepCodeCache(session) {
  const storage = path.join(session.userData, 'User', 'globalStorage', EXTENSION_ID);
  const hasCache = () => fs.existsSync(storage) && fs.readdirSync(storage).some((name) => name.endsWith('.codecache'));
  await session.waitUntil(hasCache, `the extension's code cache in ${storage}`);
  const kept = path.join(tmp, 'global-storage');
  fs.cpSync(storage, kept, { recursive: true });
  return kept;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const format = (r) => COLUMNS.map((c) => `${c} ${String(r[c]).padStart(4)} ms`).join('  ');

let current; // the running session, stopped on Ctrl+C (code-server runs in its own process group)
process.once('SIGINT', async () => {
  await current?.stop();
  process.exit(130);
});

const wanted = args['no-reference'] ? [EXTENSION_ID] : [EXTENSION_ID, REFERENCE_ID];
const results = [];
let mainBytes = 0; // size of the installed main file, which tells a minified build (`npm run package`) from `npm run build`
try {
  const vsix = extensionVsix();
  const extraVsix = args['no-reference'] ? [] : [referenceVsix()];
  const loadBefore = os.loadavg();
  console.log(`activation in code-server ${CODE_SERVER_VERSION} (VS Code's own figures), ${runs} run(s), ${os.cpus().length} CPUs, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`extension ${EXTENSION_ID} from ${args.vsix ? vsix : 'the current dist/ (packaged with vsce)'}`);
  // The extension's global storage after the first session (its code cache), seeded into each later one.
  let storageAfterFirstStart;
  const seedStorage = (userData) => {
    if (storageAfterFirstStart) fs.cpSync(storageAfterFirstStart, path.join(userData, 'User', 'globalStorage', EXTENSION_ID), { recursive: true });
  };
  for (let run = args.cold ? 1 : 0; run <= runs; run++) {
    current = await CodeServerSession.start({ vsix, extraVsix, prepareUserData: seedStorage });
    try {
      if (run <= 1 && mainBytes === 0) {
        const dir = fs.readdirSync(current.extensionsDir).find((d) => d.startsWith(`${EXTENSION_ID}-`));
        if (!dir) throw new Error(`${path.basename(vsix)} did not install ${EXTENSION_ID}`);
        const installed = path.join(current.extensionsDir, dir);
        mainBytes = fs.statSync(path.join(installed, manifest.main)).size;
        const loaded = path.join(path.dirname(path.join(installed, manifest.main)), 'extension.js');
        const loadedNote = fs.existsSync(loaded) ? `, which loads extension.js ${(fs.statSync(loaded).size / 1024).toFixed(0)} KB` : '';
        console.log(`installed ${dir}, ${manifest.main} ${(mainBytes / 1024).toFixed(0)} KB${loadedNote}`);
      }
      const figures = await measure(current, wanted);
      const cacheLine = /\[client\] Extension code [^\n]*/.exec(current.extensionLog())?.[0] ?? '(no code cache line in the log)';
      if (run === 0) {
        storageAfterFirstStart = await keepCodeCache(current);
        console.log(`first start  ${EXTENSION_ID.padEnd(32)} ${format(figures[EXTENSION_ID])}  (not counted; ${cacheLine})`);
        continue;
      }
      results.push(figures);
      for (const id of wanted) {
        const r = figures[id];
        console.log(`run ${run}  ${id.padEnd(32)} ${format(r)}  (${r.eager ? 'startup' : 'later'}, ${r.event}${id === EXTENSION_ID ? `; ${cacheLine}` : ''})`);
      }
    } catch (err) {
      current.dumpLogs();
      throw err;
    } finally {
      await current.stop();
      current = undefined;
    }
  }
  const medians = Object.fromEntries(wanted.map((id) => [id, Object.fromEntries(COLUMNS.map((c) => [c, median(results.map((r) => r[id][c]))]))]));
  console.log(`median of ${runs}:`);
  for (const id of wanted) console.log(`        ${id.padEnd(32)} ${format(medians[id])}`);
  const loadAfter = os.loadavg();
  console.log(`load average after: ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`);
  if (args.json) {
    fs.writeFileSync(args.json, JSON.stringify({
      codeServer: CODE_SERVER_VERSION, vsix: args.vsix ? vsix : 'dist/ (packaged)', mainBytes, cpus: os.cpus().length, codeCache: args.cold ? 'none (every run a first start)' : 'from the first session',
      loadAverage: { before: loadBefore, after: loadAfter }, units: 'ms', runs: results, median: medians,
    }, null, 2) + '\n');
    console.log(`wrote ${args.json}`);
  }
} catch (err) {
  console.error(`activationInEditor: ${err.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
