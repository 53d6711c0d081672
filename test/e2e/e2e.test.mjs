// The packaged extension in a real VS Code (code-server) driven through Chromium: every assertion is
// on what the workbench shows (Problems panel, status bar, squiggles, hovers, the quick fix menu).
// Run with `npm run test:e2e` (setup + package + this file), or directly with
// `KMG_E2E_VSIX=path/to.vsix node --test --test-reporter=spec test/e2e/e2e.test.mjs`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CodeServerSession, formatProblem, log, RESULTS_DIR, retryOnce, UI_TIMEOUT } from './harness.mjs';

const RULE_LINK = /#rule-(external-ips|external-ip-invalid|loadbalancer-status|rbac-services-status)$/;

/** What the Problems panel must list for the fixture workspace (see the file's comment). */
const BASELINE = JSON.parse(fs.readFileSync(new URL('./fixtures/expected-findings.json', import.meta.url), 'utf8')).findings;

/** The state the Problems panel should be in; each scenario updates it as it changes the workspace. */
let expected = [...BASELINE];
/** @type {CodeServerSession} */
let s;

const counts = (list) => ({
  errors: list.filter((p) => p.includes(' error ')).length,
  warnings: list.filter((p) => p.includes(' warning ')).length,
});

/** A Service manifest with these externalIPs (the first entry is on line 7). */
const manifest = (ips) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: added\nspec:\n  externalIPs:\n${ips.map((ip) => `    - ${ip}\n`).join('')}`;

/** Runs a scenario body; on failure saves a screenshot and prints what the Problems panel showed. */
async function scenario(name, body) {
  try {
    await body();
    await s.screenshot(`${name}-end`);
  } catch (err) {
    await s.page.keyboard.press('Escape').catch(() => {});
    const shot = await s.screenshot(`${name}-FAILED`).catch(() => '(no screenshot)');
    let panel = '(could not read the Problems panel)';
    try {
      panel = (await s.readProblems()).map((p) => `${formatProblem(p)}  ${p.message}`).join('\n  ') || '(empty)';
    } catch { /* keep the placeholder */ }
    console.log(`[e2e] ${name} failed; screenshot ${shot}\n[e2e] the Problems panel showed:\n  ${panel}`);
    console.log(`[e2e] expected:\n  ${expected.join('\n  ')}`);
    s.dumpLogs();
    throw err;
  }
}

async function waitForStatusBar(want) {
  await s.waitUntil(async () => {
    const c = await s.statusBarCounts();
    return c.errors === want.errors && c.warnings === want.warnings;
  }, `status bar counts ${JSON.stringify(want)} (shows "${(await s.statusBarCounts()).label}")`);
}

/** Waits until the active editor shows exactly these squiggles (line, severity, underlined text). */
/**
 * Waits until the open editor shows exactly `want` squiggles. Hints (external-ips-deprecated, drawn as dots
 * under the first characters) are compared only with `{ hints: true }`.
 */
async function waitForSquiggles(want, what, { hints = false } = {}) {
  let got = [];
  try {
    await s.waitUntil(async () => {
      got = (await s.squiggles()).filter((q) => hints || q.severity !== 'hint').map((q) => `${q.line} ${q.severity} ${q.text}`).sort();
      return JSON.stringify(got) === JSON.stringify([...want].sort());
    }, what);
  } catch (err) {
    throw new Error(`${what}: expected squiggles ${JSON.stringify(want)}, the editor shows ${JSON.stringify(got)}`);
  }
}

describe('kube-mitm-guard in code-server', { timeout: 20 * 60_000 }, () => {
  before(async () => {
    fs.rmSync(RESULTS_DIR, { recursive: true, force: true }); // screenshots of this run only
    const t0 = Date.now();
    s = await CodeServerSession.start();
    log(`workbench ready in ${Date.now() - t0} ms`);
  });

  after(async () => {
    await s?.stop();
  });

  it('1. lists every finding of the workspace in the Problems panel without opening a file', { timeout: 240_000 }, () =>
    scenario('01-problems-panel', async () => {
      assert.equal(await s.page.locator('.editor-instance .monaco-editor').count(), 0, 'no editor should be open');
      const problems = await s.waitForProblems(expected, { timeout: 120_000, what: 'initial workspace scan' });
      for (const p of problems) {
        assert.equal(p.source, 'kube-mitm-guard', `source of ${formatProblem(p)}`);
        assert.match(p.href, RULE_LINK, `rule link of ${formatProblem(p)}`);
        assert.ok(p.href.endsWith(`#rule-${p.code}`), `${p.href} links to the rule ${p.code}`);
      }
      const byKey = Object.fromEntries(problems.map((p) => [formatProblem(p), p.message]));
      assert.match(byKey['services.yaml:13:7 error external-ips'], /198\.51\.100\.7/);
      assert.match(byKey['services.yaml:13:7 error external-ips'], /allowedExternalIPCidrs|\.kube-mitm-guard\.yaml/, 'says how to allow it');
      assert.match(byKey['api-service.json:9:21 error external-ips'], /198\.51\.100\.20/);
      assert.match(byKey['services.yaml:23:7 error external-ip-invalid'], /010\.1\.2\.3/);
      assert.match(byKey['list.yaml:15:13 warning loadbalancer-status'], /status/);
      assert.match(byKey['rbac.yaml:10:17 warning rbac-services-status'], /patch/);
      await waitForStatusBar(counts(expected));
      assert.equal(await s.page.locator('.editor-instance .monaco-editor').count(), 0, 'still no editor open');
      await s.screenshot('01-problems-panel');
    }));

  it('2. squiggles at the findings of an open file; the hover shows the message and the rule link', { timeout: 240_000 }, () =>
    scenario('02-squiggle-hover', async () => {
      await retryOnce('open services.yaml', () => s.openFile('services.yaml'), () => s.page.keyboard.press('Escape'));
      // The two Services using externalIPs also get the deprecation hint on their externalIPs key.
      await waitForSquiggles(['11 hint ex', '13 error 198.51.100.7', '22 hint ex', '23 error 010.1.2.3'], 'services.yaml', { hints: true });

      // The language status item (next to the language mode) reports the workspace counts.
      const want = counts(expected);
      const statusText = await retryOnce('read the language status item', async () => {
        await s.page.locator('[id="status.languageStatus"]').hover();
        const item = s.page.locator('.hover-language-status', { hasText: 'error' }).first();
        await item.waitFor({ timeout: UI_TIMEOUT });
        await s.waitUntil(async () => (await item.innerText()).includes(`${want.errors} error`), 'language status counts');
        return item.evaluate((el) => {
          const parts = [];
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.textContent.trim()) parts.push(n.textContent.trim());
          return parts.join(' | ');
        });
      }, () => s.page.mouse.move(800, 300));
      assert.match(statusText, new RegExp(`${want.errors} errors?, ${want.warnings} warnings?`));
      log(`language status item: ${statusText}`);
      await s.screenshot('02-language-status');
      await s.page.mouse.move(800, 300);

      const hover = await retryOnce('hover the squiggle under 198.51.100.7', async () => {
        const sq = (await s.squiggles()).find((q) => q.text === '198.51.100.7');
        assert.ok(sq, 'squiggle under 198.51.100.7');
        await s.page.mouse.move(sq.x - 30, sq.y - 30);
        await s.page.mouse.move(sq.x, sq.y, { steps: 4 });
        const h = s.page.locator('.monaco-hover:visible', { hasText: '198.51.100.7' }).first();
        await h.waitFor({ timeout: 20_000 });
        return h;
      }, () => s.page.keyboard.press('Escape'));
      const hoverText = await hover.innerText();
      assert.match(hoverText, /externalIP 198\.51\.100\.7/);
      assert.match(hoverText, /kube-mitm-guard/);
      const links = await hover.locator('a').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href') ?? a.getAttribute('data-href') ?? '', text: a.textContent })));
      const ruleLink = links.find((l) => l.text === 'external-ips');
      assert.ok(ruleLink, `hover has a link "external-ips": ${JSON.stringify(links)}`);
      assert.match(ruleLink.href, /#rule-external-ips$/);
      await s.screenshot('02-squiggle-hover');
      await s.page.keyboard.press('Escape');
      await s.page.mouse.move(800, 300);

      // A warning in another file: squiggly-warning under the ingress entry.
      await retryOnce('open list.yaml', () => s.openFile('list.yaml'), () => s.page.keyboard.press('Escape'));
      await s.waitUntil(async () => (await s.squiggles()).some((q) => q.line === 15 && q.severity === 'warning' && q.text.includes('192.0.2.50')),
        'a warning squiggle on line 15 of list.yaml');
      assert.equal((await s.squiggles()).length, 1, JSON.stringify(await s.squiggles()));
    }));

  it('3. the quick fix menu removes the external IP; the file has exactly the expected text', { timeout: 240_000 }, () =>
    scenario('03-quick-fix', async () => {
      const file = s.ws('services.yaml');
      const original = fs.readFileSync(file, 'utf8');
      await retryOnce('open services.yaml', () => s.openFile('services.yaml'), () => s.page.keyboard.press('Escape'));
      await waitForSquiggles(['13 error 198.51.100.7', '23 error 010.1.2.3'], 'services.yaml before the fix');
      const labels = await retryOnce('open the quick fix menu at 198.51.100.7', async () => {
        await s.gotoPosition(13, 9);
        return s.openQuickFixMenu();
      }, () => s.page.keyboard.press('Escape'));
      log(`quick fix menu: ${JSON.stringify(labels)}`);
      assert.ok(labels.some((l) => l.startsWith('Remove this external IP')), `menu offers "Remove this external IP": ${JSON.stringify(labels)}`);
      assert.ok(labels.some((l) => /allow/i.test(l) && l.includes('198.51.100.7')), `menu offers allowing the IP: ${JSON.stringify(labels)}`);
      await s.screenshot('03-quick-fix-menu');
      await s.chooseAction('Remove this external IP');

      // The unsaved buffer is what the server checks: the finding goes away before saving, and the
      // invalid entry below moves up one line.
      expected = expected.filter((p) => !p.startsWith('services.yaml:')).concat('services.yaml:22:7 error external-ip-invalid');
      await waitForSquiggles(['22 error 010.1.2.3'], 'services.yaml after the fix');
      await s.waitForProblems(expected, { what: 'after the quick fix (unsaved)' });
      await s.page.keyboard.press('Control+S');
      const want = original.replace('    - 198.51.100.7\n', '');
      assert.notEqual(want, original);
      await s.waitUntil(() => fs.readFileSync(file, 'utf8') === want, 'the saved file to have the fixed text', UI_TIMEOUT)
        .catch(() => assert.equal(fs.readFileSync(file, 'utf8'), want, 'services.yaml on disk after the fix'));
      await s.page.locator('.tabs-container .tab.active.dirty').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
      await s.waitForProblems(expected, { what: 'after the quick fix (saved)' });
      await waitForStatusBar(counts(expected));
    }));

  it('4. allowing the IP in .kube-mitm-guard.yaml and changing kubeMitmGuard.rules apply live', { timeout: 240_000 }, () =>
    scenario('04-config-live', async () => {
      // The project file, edited on disk: 198.51.100.20 (api-service.json) becomes allowed.
      fs.appendFileSync(s.ws('.kube-mitm-guard.yaml'), '  - 198.51.100.20/32\n');
      expected = expected.filter((p) => !p.startsWith('api-service.json:'));
      await s.waitForProblems(expected, { what: 'after allowing 198.51.100.20 in .kube-mitm-guard.yaml' });

      // Workspace settings: loadbalancer-status becomes an error, rbac-services-status is turned off.
      fs.mkdirSync(s.ws('.vscode'), { recursive: true });
      fs.writeFileSync(s.ws('.vscode/settings.json'), JSON.stringify({ 'kubeMitmGuard.rules': { 'loadbalancer-status': 'error' } }, null, 2));
      expected = expected.map((p) => p.replace('list.yaml:15:13 warning loadbalancer-status', 'list.yaml:15:13 error loadbalancer-status'));
      await s.waitForProblems(expected, { what: 'after kubeMitmGuard.rules loadbalancer-status=error' });
      await waitForStatusBar(counts(expected));

      fs.writeFileSync(s.ws('.vscode/settings.json'), JSON.stringify({ 'kubeMitmGuard.rules': { 'loadbalancer-status': 'error', 'rbac-services-status': 'off' } }, null, 2));
      expected = expected.filter((p) => !p.startsWith('rbac.yaml:'));
      await s.waitForProblems(expected, { what: 'after kubeMitmGuard.rules rbac-services-status=off' });
      await waitForStatusBar(counts(expected));
    }));

  it('5. creating, changing and deleting a manifest on disk updates the Problems panel', { timeout: 240_000 }, () =>
    scenario('05-disk-changes', async () => {
      const file = s.ws('new-service.yaml');
      try {
        fs.writeFileSync(file, manifest(['192.0.2.10']));
        await s.waitForProblems([...expected, 'new-service.yaml:7:7 error external-ips'], { what: 'after creating new-service.yaml' });

        fs.writeFileSync(file, manifest(['203.0.113.7', '192.0.2.11', 'not-an-ip']));
        await s.waitForProblems([...expected, 'new-service.yaml:8:7 error external-ips', 'new-service.yaml:9:7 error external-ip-invalid'],
          { what: 'after changing new-service.yaml' });
        await s.screenshot('05-disk-changes');

        fs.rmSync(file);
        await s.waitForProblems(expected, { what: 'after deleting new-service.yaml' });
      } finally {
        fs.rmSync(file, { force: true }); // never leave it behind for the next scenario
      }
    }));

  // VS Code reports a folder created or deleted on disk (mkdir + write, `rm -r`, `git checkout` of
  // another branch, unzip) as one event for the folder only (verified in this code-server with a probe
  // extension). The server watches every path for creation and deletion besides manifest files, walks
  // a created folder and clears everything below a deleted one (server/src/lsp/fileWatcher.ts).
  it('5b. a manifest in a folder created on disk shows up', { timeout: 240_000 }, () =>
    scenario('05b-new-folder', async () => {
      const dir = s.ws('added');
      try {
        fs.mkdirSync(path.join(dir, 'deeper'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'svc.yaml'), manifest(['192.0.2.12']));
        fs.writeFileSync(path.join(dir, 'deeper/svc.yaml'), manifest(['192.0.2.14']));
        await s.waitForProblems([...expected, 'added/svc.yaml:7:7 error external-ips', 'added/deeper/svc.yaml:7:7 error external-ips'],
          { what: 'after creating added/svc.yaml and added/deeper/svc.yaml' });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      await s.waitForProblems(expected, { what: 'after rm -r added/' });
    }));

  it('5c. deleting a folder of manifests on disk clears its findings', { timeout: 240_000 }, () =>
    scenario('05c-deleted-folder', async () => {
      const dir = s.ws('removed');
      try {
        fs.mkdirSync(path.join(dir, 'deeper'), { recursive: true });
        fs.writeFileSync(path.join(dir, 'svc.yaml'), manifest(['192.0.2.13']));
        fs.writeFileSync(path.join(dir, 'deeper/svc.yaml'), manifest(['192.0.2.15']));
        await s.waitForProblems([...expected, 'removed/svc.yaml:7:7 error external-ips', 'removed/deeper/svc.yaml:7:7 error external-ips'],
          { what: 'after creating removed/' });
        fs.rmSync(dir, { recursive: true });
        await s.waitForProblems(expected, { what: 'after rm -r removed/' });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }));

  it('6. after the language server process is killed, the client restarts it and findings come back', { timeout: 240_000 }, () =>
    scenario('06-server-restart', async () => {
      const STARTED = /kube-mitm-guard language server started/g;
      const startsBefore = (s.extensionLog().match(STARTED) ?? []).length;
      assert.ok(startsBefore >= 1, 'the extension log shows the first server start');
      const [oldPid, ...others] = s.processesMatching('dist/server.js');
      assert.ok(oldPid, 'a dist/server.js process under code-server');
      assert.equal(others.length, 0, 'one language server process');
      process.kill(oldPid, 'SIGKILL');
      log(`killed the language server (pid ${oldPid})`);
      const newPid = await s.waitUntil(() => s.processesMatching('dist/server.js').find((p) => p !== oldPid), 'a new dist/server.js process', 60_000);
      log(`new language server pid ${newPid}`);
      // The client cleared the old process's diagnostics; the new process registers file watching and
      // then scans the workspace. Wait for that scan to end before judging the Problems panel, so a
      // stale panel cannot pass and the file written below cannot come before the watcher.
      await s.waitUntil(() => {
        const text = s.extensionLog();
        const starts = [...text.matchAll(STARTED)];
        return starts.length > startsBefore && /Workspace scan finished/.test(text.slice(starts.at(-1).index));
      }, 'the new server to log its start and a finished workspace scan', 90_000);
      await s.waitForProblems(expected, { what: 'after the server restart' });
      // Prove the new process is the one publishing: a new file's finding shows up, then goes away.
      const file = s.ws('after-restart.yaml');
      try {
        fs.writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: r\nspec:\n  externalIPs: [192.0.2.77]\n');
        await s.waitForProblems([...expected, 'after-restart.yaml:6:17 error external-ips'], { what: 'a new finding after the restart' });
        await s.screenshot('06-server-restarted');
        fs.rmSync(file);
        await s.waitForProblems(expected, { what: 'after deleting after-restart.yaml' });
      } finally {
        fs.rmSync(file, { force: true });
      }
      await waitForStatusBar(counts(expected));
    }));
});
