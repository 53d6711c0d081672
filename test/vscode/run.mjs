// `npm run test:vscode [-- --require] [-- --code-server]`: the @vscode/test-electron suite (mocha inside
// the extension host).
//
// VS Code comes from VSCODE_EXECUTABLE_PATH when set, else @vscode/test-electron downloads it
// (VSCODE_VERSION, default "stable"; cached under $KMG_CACHE/vscode-test). Where neither works (no
// network to update.code.visualstudio.com, no display), this prints ONE line saying the suite did not
// run and why, and exits 0 — or 1 with --require, for CI that must run it. It never reports a pass it
// did not run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));
const required = process.argv.includes('--require');
const cacheRoot = process.env.KMG_CACHE ?? path.join(os.homedir(), '.cache/kube-mitm-guard');

function didNotRun(reason) {
  console.log(`test:vscode: NOT RUN — ${reason}; ${required ? '--require given, so this is a failure' : 'not a failure without --require'} (the same suite runs in code-server with \`npm run test:vscode -- --code-server\`)`);
  process.exit(required ? 1 : 0);
}

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`test:vscode: \`${[cmd, ...args].join(' ')}\` failed`);
    process.exit(r.status || 1);
  }
}

// Always type-check and compile the suite, so it stays correct even where it cannot run.
sh(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'test/vscode/tsconfig.json']);

// --code-server: run the same suite in code-server's extension host (installed by `npm run e2e:setup`),
// for machines where the desktop build cannot be had. Not @vscode/test-electron, but the same mocha
// suite, the same vscode API, the same extension loaded with --extensionDevelopmentPath semantics.
if (process.argv.includes('--code-server')) {
  sh('npm', ['run', '--silent', 'build']);
  process.exit(await runInCodeServer());
}

let testElectron;
try {
  testElectron = require('@vscode/test-electron');
} catch (err) {
  didNotRun(`@vscode/test-electron cannot be loaded (${err.message.split('\n')[0]})`);
}

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH;
if (vscodeExecutablePath) {
  if (!fs.existsSync(vscodeExecutablePath)) didNotRun(`VSCODE_EXECUTABLE_PATH=${vscodeExecutablePath} does not exist`);
} else {
  try {
    vscodeExecutablePath = await testElectron.downloadAndUnzipVSCode({
      version: process.env.VSCODE_VERSION ?? 'stable',
      cachePath: path.join(cacheRoot, 'vscode-test'),
      timeout: 20_000,
      reporter: new testElectron.SilentReporter(), // keep the not-run case to one line
    });
    console.log(`test:vscode: using VS Code at ${vscodeExecutablePath}`);
  } catch (err) {
    didNotRun(`VSCODE_EXECUTABLE_PATH is not set and VS Code could not be downloaded (${String(err.message ?? err).split('\n')[0]})`);
  }
}

// A display: the desktop build is an Electron app. Without one, re-run under xvfb-run when available.
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  if (process.env.KMG_UNDER_XVFB) didNotRun('no display even under xvfb-run');
  const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).stdout.trim();
  if (!xvfb) didNotRun('no DISPLAY and xvfb-run is not installed (Debian package xvfb)');
  const r = spawnSync(xvfb, ['-a', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, KMG_UNDER_XVFB: '1', VSCODE_EXECUTABLE_PATH: vscodeExecutablePath },
  });
  process.exit(r.status ?? 1);
}

// The extension under development is this repo: build its bundles (dist/client.js, dist/server.js).
sh('npm', ['run', '--silent', 'build']);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-vscode-test-'));
const workspace = path.join(tmp, 'workspace');
fs.cpSync(path.join(root, 'test/e2e/fixtures/workspace'), workspace, { recursive: true });
const userData = path.join(tmp, 'user-data');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify({
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
}, null, 2));

let code = 1;
try {
  code = await testElectron.runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/vscode-test/suite/index.js'),
    extensionTestsEnv: { KMG_EXPECTED_FINDINGS: path.join(root, 'test/e2e/fixtures/expected-findings.json') },
    launchArgs: [workspace, '--disable-extensions', '--user-data-dir', userData, '--extensions-dir', path.join(tmp, 'extensions')],
  });
} catch (err) {
  console.error(`test:vscode: the suite failed: ${err.message ?? err}`);
  code = typeof err.code === 'number' && err.code !== 0 ? err.code : 1;
} finally {
  if (!process.env.KMG_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);

async function runInCodeServer() {
  const { CodeServerSession } = await import('../e2e/harness.mjs');
  const { format } = await import('node:util');
  const output = [];
  const session = await CodeServerSession.start({
    vsix: null,
    payload: (s) => [
      ['extensionDevelopmentPath', s.remoteUri(root)],
      ['extensionTestsPath', s.remoteUri(path.join(root, 'out/vscode-test/suite/index.js'))],
    ],
    // The extension host's console (mocha's reporter) reaches the page as console messages of the
    // form ('%c INFO', css, format, ...args); print them formatted, drop the workbench's own noise.
    onConsole: async (message) => {
      let values;
      try {
        values = await Promise.all(message.args().map((a) => a.jsonValue()));
      } catch {
        values = [message.text()];
      }
      if (typeof values[0] === 'string' && values[0].startsWith('%c')) values = values.slice(2);
      const text = values.length > 0 ? format(...values) : '';
      if (message.text().includes('%c') && !/%[sd]/.test(message.text()) && !/passing|failing|Error/.test(text)) return; // workbench log lines
      if (!text.trim() || /Failed to load resource|open-vsx|iframe|Service Worker|^Creating a socket|connection token/.test(text)) return;
      output.push(text);
      console.log(text);
    },
  });
  // The extension host exits once the suite's run() settles.
  const exitLine = () => /Extension Host Process exited with code: (\d+)/.exec(session.serverLog.split('Loading development extension')[1] ?? '');
  const deadline = Date.now() + Number(process.env.KMG_VSCODE_SUITE_TIMEOUT_MS ?? 5 * 60_000);
  while (!exitLine() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, 500)); // let the last console messages arrive
  const exit = exitLine();
  await session.stop();
  const text = output.join('\n');
  const passing = Number(/(\d+) passing/.exec(text)?.[1] ?? 0);
  const failing = Number(/(\d+) failing/.exec(text)?.[1] ?? 0);
  const ok = passing > 0 && failing === 0 && exit?.[1] === '0';
  console.log(`test:vscode (in code-server's extension host): ${passing} passing, ${failing} failing, extension host exit code ${exit?.[1] ?? '(none: timed out)'}`);
  return ok ? 0 : 1;
}
