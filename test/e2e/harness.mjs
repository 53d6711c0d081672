// End-to-end harness: runs the packaged extension in a real VS Code (code-server 4.99.4, VS Code 1.99)
// driven by Debian's Chromium through playwright-core, and reads what the user sees from the DOM.
// See ../shared/notes/code-server.md for why code-server and not the desktop build.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test/e2e/fixtures/workspace');
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results/e2e');
export const CODE_SERVER_VERSION = '4.99.4';

const require = createRequire(path.join(REPO_ROOT, 'package.json'));

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long to wait for what the UI should show (the server scans, publishes, the panel re-renders). */
export const UI_TIMEOUT = Number(process.env.KMG_E2E_UI_TIMEOUT_MS ?? 45_000);

export function log(...args) {
  console.log('[e2e]', ...args);
}

/** Where scripts/e2e-setup.sh put code-server. */
export function codeServerEntry() {
  const root = process.env.KMG_CODE_SERVER_DIR
    ?? path.join(process.env.KMG_CACHE ?? path.join(os.homedir(), '.cache/kube-mitm-guard'), `code-server-${CODE_SERVER_VERSION}`);
  const entry = path.join(root, 'node_modules/code-server/out/node/entry.js');
  if (!fs.existsSync(entry) || !fs.existsSync(path.join(root, '.kmg-install-complete'))) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${root}: run \`npm run e2e:setup\` first`);
  }
  return entry;
}

/** The VSIX under test: $KMG_E2E_VSIX, else dist/kube-mitm-guard.vsix (built by `npm run package`). */
export function vsixPath() {
  const vsix = path.resolve(process.env.KMG_E2E_VSIX ?? path.join(REPO_ROOT, 'dist/kube-mitm-guard.vsix'));
  if (!fs.existsSync(vsix)) throw new Error(`no VSIX at ${vsix}: run \`npm run package\` (or set KMG_E2E_VSIX)`);
  return vsix;
}

/** Parsed Problems panel row (a marker). `file` is relative to the workspace, with forward slashes. */
export function formatProblem(p) {
  return `${p.file}:${p.line}:${p.col} ${p.severity} ${p.code}`;
}

export class CodeServerSession {
  /**
   * @param {{ vsix?: string | null, extraVsix?: string[], settings?: object, payload?: (session: CodeServerSession) => [string, string][], onConsole?: (message: import('playwright-core').ConsoleMessage) => void, prepareUserData?: (userDataDir: string) => void }} [options]
   *   vsix: the VSIX to install (null: install nothing); extraVsix: more VSIXs installed alongside it
   *   (e.g. a reference extension for a benchmark); payload: workbench payload entries for the
   *   page URL, computed once the port is known (e.g. extensionDevelopmentPath / extensionTestsPath
   *   as vscode-remote URIs, see remoteUri()); onConsole: receives the page's console messages (the extension host's console included);
   *   prepareUserData: called with the user data folder before code-server starts (e.g. to seed an extension's global storage).
   */
  static async start(options = {}) {
    const session = new CodeServerSession();
    try {
      await session.#start(options);
    } catch (err) {
      session.dumpLogs();
      await session.stop();
      throw err;
    }
    return session;
  }

  tmp = '';
  workspace = '';
  userData = '';
  extensionsDir = '';
  /** @type {import('node:child_process').ChildProcess | undefined} */
  proc;
  port = 0;
  /** @type {any} */ browser;
  /** @type {any} */ page;
  serverLog = '';

  async #start({ vsix = vsixPath(), extraVsix = [], settings = {}, payload, onConsole, prepareUserData }) {
    const entry = codeServerEntry();
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-e2e-'));
    this.workspace = path.join(this.tmp, 'workspace');
    this.userData = path.join(this.tmp, 'user-data');
    this.extensionsDir = path.join(this.tmp, 'extensions');
    fs.cpSync(FIXTURE_WORKSPACE, this.workspace, { recursive: true });
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(this.tmp, 'xdg-config'),
      XDG_DATA_HOME: path.join(this.tmp, 'xdg-data'),
      XDG_CACHE_HOME: path.join(this.tmp, 'xdg-cache'),
    };
    delete env.VSCODE_IPC_HOOK_CLI;
    const common = ['--user-data-dir', this.userData, '--extensions-dir', this.extensionsDir];

    // Install the VSIX(s) offline into the fresh extensions folder, in one CLI call.
    const vsixs = [...(vsix === null ? [] : [vsix]), ...extraVsix];
    if (vsixs.length > 0) {
      const out = execFileSync(process.execPath, [entry, ...common, ...vsixs.flatMap((v) => ['--install-extension', v])], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const installed = fs.readdirSync(this.extensionsDir).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
      if (installed.length < vsixs.length) throw new Error(`--install-extension installed ${installed.length} of ${vsixs.length} VSIXs:\n${out}`);
      log(`installed ${vsixs.map((v) => path.basename(v)).join(', ')} -> ${installed.join(', ')}`);
    }

    fs.mkdirSync(path.join(this.userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(this.userData, 'User/settings.json'), JSON.stringify({
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'editor.hover.delay': 200,
      'editor.minimap.enabled': false,
      'files.autoSave': 'off',
      'window.restoreWindows': 'none',
      'problems.sortOrder': 'position',
      'git.enabled': false,
      'chat.commandCenter.enabled': false,
      ...settings,
    }, null, 2));
    prepareUserData?.(this.userData);

    this.proc = spawn(process.execPath, [
      entry, '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--disable-getting-started-override', ...common, this.workspace,
    ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('code-server did not report its port within 120s')), 120_000);
      const onData = (chunk) => {
        this.serverLog += chunk;
        const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.serverLog);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      };
      this.proc.stdout.setEncoding('utf8').on('data', onData);
      this.proc.stderr.setEncoding('utf8').on('data', onData);
      this.proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`code-server exited with ${code}`)); });
    });
    log(`code-server pid ${this.proc.pid} on 127.0.0.1:${this.port}, workspace ${this.workspace}`);

    const { chromium } = require('playwright-core');
    this.browser = await chromium.launch({ executablePath: process.env.KMG_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const context = await this.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    this.page = await context.newPage();
    if (onConsole) this.page.on('console', onConsole);
    const entries = typeof payload === 'function' ? payload(this) : payload;
    const query = entries ? `&payload=${encodeURIComponent(JSON.stringify(entries))}` : '';
    await this.page.goto(`http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}${query}`);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    // The explorer is rendered once the folder is open: a stable sign the workbench is usable.
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 120_000 });
  }

  /** A server-side path as the URI the workbench uses for it (vscode-remote://host:port/path). */
  remoteUri(p) {
    return `vscode-remote://127.0.0.1:${this.port}${p.split(path.sep).map(encodeURIComponent).join('/')}`;
  }

  /** Path inside the temporary workspace copy. */
  ws(rel) {
    return path.join(this.workspace, rel);
  }

  async screenshot(name) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    // Let fade-in animations (hovers, menus) finish so the picture shows what the user sees.
    await this.page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity), null, { timeout: 2_000 }).catch(() => {});
    const file = path.join(RESULTS_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Runs a command from the command palette by its label. */
  async runCommand(label) {
    const page = this.page;
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: UI_TIMEOUT });
    await input.fill(`>${label}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ timeout: UI_TIMEOUT });
    await input.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
  }

  /** Shows the Problems panel (Ctrl+Shift+M toggles, so only press it when the panel is not visible). */
  async showProblems() {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.page.keyboard.press('Control+Shift+M');
      await panel.waitFor({ timeout: UI_TIMEOUT });
    }
  }

  /**
   * Reads every marker row of the Problems panel, expanding collapsed file nodes and scrolling
   * through the virtualised list. Returns markers with file (workspace-relative), line, col,
   * severity, message, source, code and the code's link.
   */
  async readProblems() {
    await this.showProblems();
    const page = this.page;
    const tree = page.locator('.markers-panel .monaco-list');
    if ((await tree.count()) === 0) return []; // "No problems have been detected in the workspace."
    // Expand collapsed file nodes.
    for (let i = 0; i < 20; i++) {
      const collapsed = page.locator('.markers-panel .monaco-list-row[aria-level="1"][aria-expanded="false"] .monaco-tl-twistie');
      if ((await collapsed.count()) === 0) break;
      await collapsed.first().click();
    }
    const rows = new Map();
    await tree.evaluate((el) => { el.querySelector('.monaco-scrollable-element')?.scrollTo?.(0, 0); });
    for (let guard = 0; guard < 50; guard++) {
      const batch = await page.$$eval('.markers-panel .monaco-list-row', (els) => els.map((el) => ({
        index: Number(el.getAttribute('data-index')),
        last: el.getAttribute('data-last-element') === 'true',
        level: el.getAttribute('aria-level'),
        ariaLabel: el.getAttribute('aria-label') ?? '',
        path: el.querySelector('.monaco-icon-label')?.getAttribute('aria-label') ?? '',
        severity: ['error', 'warning', 'info'].find((s) => el.querySelector(`.marker-icon.${s}`)) ?? '',
        message: el.querySelector('.marker-message')?.textContent ?? '',
        source: el.querySelector('.marker-source')?.textContent ?? '',
        code: el.querySelector('.marker-code')?.textContent ?? '',
        href: el.querySelector('.marker-code')?.closest('a')?.getAttribute('href') ?? '',
        position: el.querySelector('.marker-line')?.textContent ?? '',
      })));
      for (const r of batch) rows.set(r.index, r);
      if (batch.length === 0 || batch.some((r) => r.last)) break;
      await page.locator('.markers-panel .monaco-list').hover();
      await page.mouse.wheel(0, 400);
      await page.waitForFunction((n) => {
        const idx = [...document.querySelectorAll('.markers-panel .monaco-list-row')].map((e) => Number(e.getAttribute('data-index')));
        return Math.max(...idx) > n;
      }, Math.max(...rows.keys()), { timeout: 2_000 }).catch(() => {});
    }
    const problems = [];
    let file = '';
    for (const r of [...rows.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1])) {
      if (r.level === '1') {
        file = path.relative(this.workspace, r.path).split(path.sep).join('/');
        continue;
      }
      // Level 3 rows are a marker's related information (the place a linked finding points at), not markers.
      if (r.level !== '2') continue;
      const m = /Ln (\d+), Col (\d+)/.exec(r.position);
      problems.push({
        file, line: m ? Number(m[1]) : 0, col: m ? Number(m[2]) : 0, severity: r.severity,
        message: r.message, source: r.source, code: r.code, href: r.href,
      });
    }
    return problems;
  }

  /** Counts shown in the status bar's problems item. */
  async statusBarCounts() {
    const label = (await this.page.locator('[id="status.problems"]').getAttribute('aria-label')) ?? '';
    const num = (re) => Number(re.exec(label)?.[1] ?? 0);
    return { errors: num(/Errors: (\d+)/), warnings: num(/Warnings: (\d+)/), infos: num(/Infos: (\d+)/), label };
  }

  /**
   * Waits until the Problems panel shows exactly `expected` (strings as from formatProblem, any
   * order), optionally restricted to problems matching `filter`. Polls the DOM; on timeout throws an
   * error that includes what the panel showed.
   */
  async waitForProblems(expected, { filter = () => true, timeout = UI_TIMEOUT, what = 'Problems panel' } = {}) {
    const want = [...expected].sort();
    const deadline = Date.now() + timeout;
    let shown = [];
    let problems = [];
    for (;;) {
      problems = (await this.readProblems()).filter(filter);
      shown = problems.map(formatProblem).sort();
      if (JSON.stringify(shown) === JSON.stringify(want)) return problems;
      if (Date.now() > deadline) break;
      await this.page.waitForTimeout(250); // polling interval of the DOM, not a wait for an outcome
    }
    const err = new Error(`${what}: expected\n  ${want.join('\n  ') || '(nothing)'}\nbut the Problems panel showed\n  ${problems.map((p) => `${formatProblem(p)}  ${p.source}: ${p.message}`).join('\n  ') || '(nothing)'}`);
    Object.defineProperty(err, 'problems', { value: problems, enumerable: false }); // for callers, not for the report
    throw err;
  }

  /** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor. */
  async openFile(rel) {
    const page = this.page;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: UI_TIMEOUT });
    await input.fill(rel);
    // Wait for the filtered result to be the focused row (the list first shows recent files).
    const dir = path.dirname(rel);
    const focused = page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: path.basename(rel) });
    await (dir === '.' ? focused : focused.filter({ hasText: dir })).first().waitFor({ timeout: UI_TIMEOUT });
    await input.press('Enter');
    await page.locator(`.tabs-container .tab.active[data-resource-name="${path.basename(rel)}"]`).waitFor({ timeout: UI_TIMEOUT });
    await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: UI_TIMEOUT });
  }

  /** Puts the cursor at a 1-based line and column with Quick Open's go-to-line (`:line:col`). */
  async gotoPosition(line, col) {
    const page = this.page;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ timeout: UI_TIMEOUT });
    await input.fill(`:${line}:${col}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: `line ${line}` }).first().waitFor({ timeout: UI_TIMEOUT });
    await input.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await page.locator('.editor-instance .monaco-editor .cursors-layer .cursor').first().waitFor({ timeout: UI_TIMEOUT });
  }

  /**
   * Squiggles of the active editor: for each decoration, the 1-based line (from the line-number
   * gutter at the same height), severity, and the text it underlines (characters whose centre lies
   * under the squiggle).
   */
  async squiggles() {
    return this.page.evaluate(() => {
      const editor = document.querySelector('.editor-instance .monaco-editor');
      if (!editor) return [];
      const lineTops = new Map();
      for (const ln of editor.querySelectorAll('.margin-view-overlays .line-numbers')) {
        lineTops.set(Math.round(ln.getBoundingClientRect().top), Number(ln.textContent));
      }
      const viewLines = [...editor.querySelectorAll('.view-lines .view-line')];
      const out = [];
      for (const sq of editor.querySelectorAll('.view-overlays [class*="squiggly-"]')) {
        const cls = [...sq.classList].find((c) => c.startsWith('squiggly-')) ?? '';
        const box = sq.getBoundingClientRect();
        const top = Math.round(sq.parentElement.getBoundingClientRect().top);
        const line = lineTops.get(top) ?? -1;
        const vl = viewLines.find((v) => Math.round(v.getBoundingClientRect().top) === top);
        let text = '';
        if (vl) {
          const walker = document.createTreeWalker(vl, NodeFilter.SHOW_TEXT);
          const range = document.createRange();
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            for (let i = 0; i < n.textContent.length; i++) {
              range.setStart(n, i);
              range.setEnd(n, i + 1);
              const r = range.getBoundingClientRect();
              const mid = r.left + r.width / 2;
              if (mid > box.left && mid < box.right) text += n.textContent[i];
            }
          }
        }
        out.push({ line, severity: cls.replace('squiggly-', ''), text: text.replace(/\u00a0/g, ' '), x: box.left + box.width / 2, y: box.top + box.height / 2 });
      }
      return out;
    });
  }

  /** Opens the quick fix menu (Ctrl+.) at the cursor and returns the labels of its actions. */
  async openQuickFixMenu() {
    const page = this.page;
    await page.keyboard.press('Control+.');
    const rows = page.locator('.action-widget .monaco-list-row.action');
    await rows.first().waitFor({ timeout: UI_TIMEOUT });
    return (await rows.allInnerTexts()).map((t) => t.trim());
  }

  /**
   * Chooses an action in the open action menu by moving the keyboard focus to it and pressing
   * Enter (the menu blocks pointer events elsewhere, and the keyboard is how users use it).
   */
  async chooseAction(label) {
    const page = this.page;
    const labels = (await page.locator('.action-widget .monaco-list-row.action').allInnerTexts()).map((t) => t.trim());
    if (!labels.some((l) => l.startsWith(label))) throw new Error(`no action "${label}" in the menu: ${JSON.stringify(labels)}`);
    for (let i = 0; i <= labels.length; i++) {
      const focused = (await page.locator('.action-widget .monaco-list-row.action.focused').allInnerTexts()).map((t) => t.trim());
      if (focused.some((l) => l.startsWith(label))) {
        await page.keyboard.press('Enter');
        await page.locator('.action-widget').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
        return;
      }
      await page.keyboard.press('ArrowDown');
    }
    throw new Error(`could not focus the action "${label}"`);
  }

  /** Child processes of code-server whose command line contains `needle`, as pids. */
  processesMatching(needle) {
    const children = new Map();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (!children.has(ppid)) children.set(ppid, []);
        children.get(ppid).push(Number(d));
      } catch { /* exited meanwhile */ }
    }
    const found = [];
    const stack = [this.proc.pid];
    while (stack.length) {
      const pid = stack.pop();
      for (const c of children.get(pid) ?? []) {
        stack.push(c);
        try {
          const cmd = fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').join(' ');
          if (cmd.includes(needle)) found.push(c);
        } catch { /* exited meanwhile */ }
      }
    }
    return found;
  }

  /** Polls `fn` until it returns a truthy value (for state outside the UI, such as processes). */
  async waitUntil(fn, what, timeout = UI_TIMEOUT) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * The extension's output channel (client messages and the server's log lines), as VS Code writes it
   * to the log folder; '' until it exists. State outside the UI, like processesMatching().
   */
  extensionLog() {
    const logs = path.join(this.userData, 'logs');
    if (!fs.existsSync(logs)) return '';
    return fs.readdirSync(logs, { recursive: true })
      .map(String)
      .filter((f) => path.basename(f) === 'kube-mitm-guard.log')
      .sort()
      .map((f) => fs.readFileSync(path.join(logs, f), 'utf8'))
      .join('');
  }

  /** Prints the tail of code-server's log and the extension's output channel log files. */
  dumpLogs() {
    console.log('--- code-server log (tail) ---\n' + this.serverLog.split('\n').slice(-40).join('\n'));
    const logs = path.join(this.userData || '/nonexistent', 'logs');
    if (!fs.existsSync(logs)) return;
    for (const f of fs.readdirSync(logs, { recursive: true })) {
      const p = path.join(logs, String(f));
      if (/kube-mitm-guard|exthost\.log$/i.test(String(f)) && fs.statSync(p).isFile()) {
        console.log(`--- ${f} (tail) ---\n` + fs.readFileSync(p, 'utf8').split('\n').slice(-40).join('\n'));
      }
    }
  }

  async stop() {
    await this.browser?.close().catch(() => {});
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      try { process.kill(-this.proc.pid, 'SIGTERM'); } catch { /* already gone */ }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      try { process.kill(-this.proc.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    if (this.tmp && !process.env.KMG_E2E_KEEP) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/**
 * Runs a UI step; if it fails, retries it once (printing that it retried) after `recover`
 * (for example pressing Escape to close a half-open widget).
 */
export async function retryOnce(what, step, recover = async () => {}) {
  try {
    return await step();
  } catch (err) {
    log(`RETRY: "${what}" failed once (${String(err.message).split('\n')[0]}); retrying`);
    await recover();
    return step();
  }
}
