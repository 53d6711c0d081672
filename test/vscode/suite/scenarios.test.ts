// The end-to-end scenarios of test/e2e, through the VS Code API inside the extension host:
// languages.getDiagnostics, vscode.executeCodeActionProvider, workspace.applyEdit, configuration updates.
// The workspace is a temporary copy of test/e2e/fixtures/workspace (see run.mjs); expectations are
// shared with the code-server suite in test/e2e/fixtures/expected-findings.json.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const SOURCE = 'kube-mitm-guard';
const EXTENSION_ID = 'kube-mitm-guard.kube-mitm-guard';
const TIMEOUT = 30_000;
// Compiled to out/vscode-test/suite/: the repo root is three levels up.
const expectedFile = process.env.KMG_EXPECTED_FINDINGS ?? path.resolve(__dirname, '../../../test/e2e/fixtures/expected-findings.json');
const BASELINE: string[] = JSON.parse(fs.readFileSync(expectedFile, 'utf8')).findings;

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is open');
  return folder.uri.fsPath;
}
const ws = (rel: string): string => path.join(workspaceRoot(), rel);
const uriOf = (rel: string): vscode.Uri => vscode.Uri.file(ws(rel));

const SEVERITY: Record<vscode.DiagnosticSeverity, string> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'info',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code ?? '');
}

/** Our diagnostics, formatted like the Problems panel shows them (1-based line and column). */
function shown(): string[] {
  const root = workspaceRoot();
  const out: string[] = [];
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const d of diagnostics) {
      // As the Problems panel, which does not list hints (external-ips-deprecated).
      if (d.source !== SOURCE || d.severity === vscode.DiagnosticSeverity.Hint) continue;
      const file = path.relative(root, uri.fsPath).split(path.sep).join('/');
      out.push(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1} ${SEVERITY[d.severity]} ${codeOf(d)}`);
    }
  }
  return out.sort();
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeout = TIMEOUT): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForDiagnostics(expected: string[], what: string): Promise<void> {
  const want = [...expected].sort();
  try {
    await waitFor(what, () => JSON.stringify(shown()) === JSON.stringify(want));
  } catch {
    assert.deepEqual(shown(), want, `${what}: diagnostics`);
  }
}

function diagnosticAt(rel: string, line: number, code: string): vscode.Diagnostic {
  const d = vscode.languages.getDiagnostics(uriOf(rel)).find((x) => x.source === SOURCE && x.range.start.line === line - 1 && codeOf(x) === code);
  assert.ok(d, `${code} diagnostic at ${rel}:${line}`);
  return d;
}

/** Language server processes (children of this extension host) running dist/server.js. */
function serverPids(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === process.pid && cmd.includes('dist/server.js')) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

let expected = [...BASELINE];

suite('kube-mitm-guard in VS Code (extension host)', () => {
  suiteSetup(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded`);
    await extension.activate();
  });

  test('1. every finding of the workspace is reported without opening a file', async () => {
    assert.equal(vscode.window.visibleTextEditors.length, 0, 'no editor is open');
    await waitForDiagnostics(expected, 'initial workspace scan');
    for (const [, diagnostics] of vscode.languages.getDiagnostics()) {
      for (const d of diagnostics.filter((x) => x.source === SOURCE)) {
        assert.ok(typeof d.code === 'object' && d.code !== null, 'code carries a link');
        assert.match(d.code.target.toString(), new RegExp(`#rule-${codeOf(d)}$`));
      }
    }
    assert.match(diagnosticAt('services.yaml', 13, 'external-ips').message, /198\.51\.100\.7/);
    assert.match(diagnosticAt('services.yaml', 13, 'external-ips').message, /allowedExternalIPCidrs|\.kube-mitm-guard\.yaml/);
    assert.match(diagnosticAt('api-service.json', 9, 'external-ips').message, /198\.51\.100\.20/);
    assert.match(diagnosticAt('services.yaml', 23, 'external-ip-invalid').message, /010\.1\.2\.3/);
  });

  test('2. an open file\'s diagnostics cover the offending text', async () => {
    const document = await vscode.workspace.openTextDocument(uriOf('services.yaml'));
    await vscode.window.showTextDocument(document);
    await waitForDiagnostics(expected, 'after opening services.yaml');
    assert.equal(document.getText(diagnosticAt('services.yaml', 13, 'external-ips').range), '198.51.100.7');
    assert.equal(document.getText(diagnosticAt('services.yaml', 23, 'external-ip-invalid').range), '010.1.2.3');
    const list = await vscode.workspace.openTextDocument(uriOf('list.yaml'));
    assert.match(list.getText(diagnosticAt('list.yaml', 15, 'loadbalancer-status').range), /192\.0\.2\.50/);
  });

  test('3. "Remove this external IP" changes the file to exactly the expected text', async () => {
    const uri = uriOf('services.yaml');
    const document = await vscode.workspace.openTextDocument(uri);
    const original = document.getText();
    const diagnostic = diagnosticAt('services.yaml', 13, 'external-ips');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    const remove = actions.find((a) => a.title === 'Remove this external IP');
    assert.ok(remove, `offered: ${JSON.stringify(titles)}`);
    assert.ok(titles.some((t) => /allow/i.test(t) && t.includes('198.51.100.7')), `offered: ${JSON.stringify(titles)}`);
    if (remove.edit) assert.ok(await vscode.workspace.applyEdit(remove.edit), 'edit applied');
    if (remove.command) await vscode.commands.executeCommand(remove.command.command, ...(remove.command.arguments ?? []));
    assert.equal(document.getText(), original.replace('    - 198.51.100.7\n', ''));
    expected = expected.filter((p) => !p.startsWith('services.yaml:')).concat('services.yaml:22:7 error external-ip-invalid');
    await waitForDiagnostics(expected, 'after the quick fix (unsaved)');
    assert.ok(await document.save(), 'saved');
    assert.equal(fs.readFileSync(uri.fsPath, 'utf8'), original.replace('    - 198.51.100.7\n', ''));
    await waitForDiagnostics(expected, 'after the quick fix (saved)');
  });

  test('4. .kube-mitm-guard.yaml and kubeMitmGuard.rules apply live', async () => {
    fs.appendFileSync(ws('.kube-mitm-guard.yaml'), '  - 198.51.100.20/32\n');
    expected = expected.filter((p) => !p.startsWith('api-service.json:'));
    await waitForDiagnostics(expected, 'after allowing 198.51.100.20 in .kube-mitm-guard.yaml');

    const config = vscode.workspace.getConfiguration('kubeMitmGuard', vscode.workspace.workspaceFolders?.[0]);
    await config.update('rules', { 'loadbalancer-status': 'error' }, vscode.ConfigurationTarget.Workspace);
    expected = expected.map((p) => p.replace(' warning loadbalancer-status', ' error loadbalancer-status'));
    await waitForDiagnostics(expected, 'after kubeMitmGuard.rules loadbalancer-status=error');

    await config.update('rules', { 'loadbalancer-status': 'error', 'rbac-services-status': 'off' }, vscode.ConfigurationTarget.Workspace);
    expected = expected.filter((p) => !p.startsWith('rbac.yaml:'));
    await waitForDiagnostics(expected, 'after kubeMitmGuard.rules rbac-services-status=off');
  });

  test('5. creating, changing and deleting a manifest on disk updates the diagnostics', async () => {
    // In an existing folder: files created together with a new folder are a known gap of the server's
    // file watching (see test/e2e/e2e.test.mjs, scenario 5b).
    const file = ws('new-service.yaml');
    const manifest = (ips: string[]): string =>
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: added\nspec:\n  externalIPs:\n${ips.map((ip) => `    - ${ip}\n`).join('')}`;
    fs.writeFileSync(file, manifest(['192.0.2.10']));
    await waitForDiagnostics([...expected, 'new-service.yaml:7:7 error external-ips'], 'after creating a manifest');
    fs.writeFileSync(file, manifest(['203.0.113.7', '192.0.2.11', 'not-an-ip']));
    await waitForDiagnostics(
      [...expected, 'new-service.yaml:8:7 error external-ips', 'new-service.yaml:9:7 error external-ip-invalid'],
      'after changing the manifest',
    );
    fs.rmSync(file);
    await waitForDiagnostics(expected, 'after deleting the manifest');
  });

  test('6. the client restarts a killed language server and the findings come back', async () => {
    const [oldPid, ...others] = await waitFor('a dist/server.js process', () => (serverPids().length > 0 ? serverPids() : undefined));
    assert.equal(others.length, 0, 'one language server process');
    process.kill(oldPid, 'SIGKILL');
    await waitFor('a new dist/server.js process', () => serverPids().find((p) => p !== oldPid));
    await waitForDiagnostics(expected, 'after the restart');
    const file = ws('after-restart.yaml');
    fs.writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: r\nspec:\n  externalIPs: [192.0.2.77]\n');
    await waitForDiagnostics([...expected, 'after-restart.yaml:6:17 error external-ips'], 'a new finding after the restart');
    fs.rmSync(file);
    await waitForDiagnostics(expected, 'after deleting after-restart.yaml');
  });
});
