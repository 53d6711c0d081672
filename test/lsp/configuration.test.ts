// Settings (workspace/configuration per folder), the .kube-mitm-guard.yaml policy file, scope and
// exclude, all applied live without restarting the server.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { DiagnosticSeverity, FileChangeType } from 'vscode-languageserver-protocol/node';
import { fileUri, LspTestClient, StartOptions } from './lspTestClient';
import { CLEAN_SERVICE, SERVICE_WITH_EXTERNAL_IP, SERVICE_WITH_LOADBALANCER_STATUS, TempWorkspace } from './workspaceFixtures';

const RESCAN = 'kubeMitmGuard/rescanWorkspace';

describe('language server: configuration', () => {
  const workspaces: TempWorkspace[] = [];
  let client: LspTestClient | undefined;

  function workspace(files: Record<string, string>): TempWorkspace {
    const created = new TempWorkspace(files);
    workspaces.push(created);
    return created;
  }

  async function start(options: StartOptions): Promise<LspTestClient> {
    client = await LspTestClient.start(options);
    return client;
  }

  afterEach(async () => {
    await client?.dispose();
    client = undefined;
  });

  after(() => {
    for (const created of workspaces) created.dispose();
  });

  it('applies a settings change live: allowlist, then rule severity', async () => {
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP, 'open.yaml': CLEAN_SERVICE });
    const server = await start({ folders: [folder.root] });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1);
    await server.openDocument(folder.path('open.yaml'), SERVICE_WITH_EXTERNAL_IP);
    await server.waitForDiagnostics(folder.path('open.yaml'), (list) => list.length === 1);

    await server.changeSettings({ allowedExternalIPCidrs: ['1.2.3.0/24'] });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 0, 'disk file clean after allow-listing');
    await server.waitForDiagnostics(folder.path('open.yaml'), (list) => list.length === 0, 'open file clean after allow-listing');

    await server.changeSettings({ rules: { 'external-ips': 'hint' } });
    const [hint] = await server.waitForDiagnostics(
      folder.path('svc.yaml'),
      (list) => list.length === 1 && list[0].severity === DiagnosticSeverity.Hint,
    );
    assert.equal(hint.code, 'external-ips');
    // Settings are asked per folder (scopeUri), as VS Code resolves resource settings per folder.
    assert.ok(server.configurationRequests.every((request) => request.section === 'kubeMitmGuard'));
    assert.ok(server.configurationRequests.some((request) => request.scopeUri === fileUri(folder.root)));
  });

  it('reads statusWriters from workspace/configuration, logging invalid entries', async () => {
    // No rule reads statusWriters yet, so only validation is observable here; that the merged value
    // reaches EngineOptions is tested at unit level (test/unit/config.test.ts, engineOptionsFor).
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    const server = await start({ folders: [folder.root], settings: { statusWriters: ['system:serviceaccount:metallb-system:controller'] } });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1);
    assert.ok(!server.logs.some((line) => line.includes('statusWriters')), 'a valid list is not logged');

    await server.changeSettings({ statusWriters: ['lb-operators', 'system:serviceaccount:metallb-system'] });
    await server.waitForLog(/statusWriters\[1\]: "system:serviceaccount:metallb-system": a service account is written system:serviceaccount:<namespace>:<name>/);
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1, 'findings stay');
  });

  it('recognises a bare settings section holding only statusWriters (editors that cannot answer workspace/configuration)', async () => {
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    const server = await start({ folders: [folder.root], capabilities: {}, initializationOptions: { statusWriters: ['system:serviceaccount::controller'] } });
    await server.waitForLog(/statusWriters\[0\]: "system:serviceaccount::controller": a service account is written/);
    assert.equal(server.configurationRequests.length, 0);
  });

  it('resolves settings per workspace folder', async () => {
    const first = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    const second = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    const server = await start({ folders: [first.root, second.root], folderSettings: { [second.root]: { allowedExternalIPCidrs: ['1.2.3.4'] } } });
    await server.waitForScans(1);
    assert.equal(server.diagnostics.get(fileUri(first.path('svc.yaml')))?.length, 1);
    assert.equal(server.diagnostics.get(fileUri(second.path('svc.yaml'))), undefined);
  });

  it('applies .kube-mitm-guard.yaml from disk live, and reports its invalid entries on the file itself', async () => {
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP, 'lb.yaml': SERVICE_WITH_LOADBALANCER_STATUS });
    const server = await start({ folders: [folder.root] });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1);

    const config = folder.write(
      '.kube-mitm-guard.yaml',
      ['allowedExternalIPCidrs:', '  - 1.2.3.0/24', '  - not-a-cidr', 'rules:', '  loadbalancer-status: error', '  no-such-rule: off', ''].join('\n'),
    );
    await server.fileChanged(config, FileChangeType.Created);
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 0, 'allow-listed by the file');
    const [lb] = await server.waitForDiagnostics(folder.path('lb.yaml'), (list) => list[0]?.severity === DiagnosticSeverity.Error);
    assert.equal(lb.code, 'loadbalancer-status');
    const problems = await server.waitForDiagnostics(config, (list) => list.length >= 2, 'problems in the config file');
    assert.ok(problems.every((problem) => problem.source === 'kube-mitm-guard'));
    assert.ok(problems.some((problem) => problem.range.start.line === 2), 'the bad CIDR is pointed at');
    assert.ok(problems.some((problem) => problem.range.start.line === 5), 'the unknown rule is pointed at');
    await server.waitForLog(/not-a-cidr|no-such-rule/);

    folder.remove('.kube-mitm-guard.yaml');
    await server.fileChanged(config, FileChangeType.Deleted);
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1, 'flagged again without the file');
    await server.waitForDiagnostics(config, (list) => list.length === 0, 'config problems cleared with the file');
  });

  it('applies unsaved edits of an open .kube-mitm-guard.yaml, and the disk version again when it is closed', async () => {
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    const server = await start({ folders: [folder.root] });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1);
    const config = folder.path('.kube-mitm-guard.yaml');
    await server.openDocument(config, 'allowedExternalIPCidrs: []\n');
    await server.changeDocument(config, 'allowedExternalIPCidrs: [1.2.3.4/32]\n');
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 0, 'allow-listed by the buffer');
    await server.closeDocument(config);
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1, 'the buffer no longer applies');
  });

  it('scope openFiles: only open documents are checked; switching clears disk diagnostics', async () => {
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP, 'open.yaml': SERVICE_WITH_EXTERNAL_IP });
    const server = await start({ folders: [folder.root] });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1);
    await server.changeSettings({ scope: 'openFiles' });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 0, 'disk diagnostics cleared');
    await server.openDocument(folder.path('open.yaml'), SERVICE_WITH_EXTERNAL_IP);
    await server.waitForDiagnostics(folder.path('open.yaml'), (list) => list.length === 1, 'the open document is checked');
    await server.closeDocument(folder.path('open.yaml'));
    await server.waitForDiagnostics(folder.path('open.yaml'), (list) => list.length === 0, 'closed documents are not kept');
  });

  it('scope off: nothing is checked, not even open documents, and the status says so', async () => {
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    const server = await start({ folders: [folder.root], settings: { scope: 'off' } });
    await server.openDocument(folder.path('open.yaml'), SERVICE_WITH_EXTERNAL_IP);
    await server.waitFor('a disabled status', () => server.statuses.find((status) => status.state === 'disabled'));
    await server.request(RESCAN);
    assert.deepEqual(server.diagnostics.get(fileUri(folder.path('svc.yaml'))) ?? [], []);
    assert.deepEqual(server.diagnostics.get(fileUri(folder.path('open.yaml'))) ?? [], []);

    await server.changeSettings({ scope: 'workspace' });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1, 'back on');
    await server.waitForDiagnostics(folder.path('open.yaml'), (list) => list.length === 1, 'open document back on');
  });

  it('exclude globs and always-excluded folders are not checked; excluding later clears them', async () => {
    const folder = workspace({
      'svc.yaml': SERVICE_WITH_EXTERNAL_IP,
      'generated/svc.yaml': SERVICE_WITH_EXTERNAL_IP,
      'node_modules/pkg/svc.yaml': SERVICE_WITH_EXTERNAL_IP,
      'vendor/svc.yaml': SERVICE_WITH_EXTERNAL_IP,
    });
    const server = await start({ folders: [folder.root] });
    await server.waitForScans(1);
    assert.equal(server.diagnostics.get(fileUri(folder.path('svc.yaml')))?.length, 1);
    assert.equal(server.diagnostics.get(fileUri(folder.path('generated/svc.yaml')))?.length, 1);
    assert.equal(server.diagnostics.get(fileUri(folder.path('node_modules/pkg/svc.yaml'))), undefined);
    assert.equal(server.diagnostics.get(fileUri(folder.path('vendor/svc.yaml'))), undefined);

    await server.changeSettings({ exclude: ['generated'] });
    await server.waitForDiagnostics(folder.path('generated/svc.yaml'), (list) => list.length === 0, 'excluded folder cleared');
    assert.equal(server.diagnostics.get(fileUri(folder.path('svc.yaml')))?.length, 1);
  });

  it('works with editors that cannot answer workspace/configuration (initializationOptions, pushed settings)', async () => {
    const folder = workspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP, 'lb.yaml': SERVICE_WITH_LOADBALANCER_STATUS });
    const server = await start({
      folders: [folder.root],
      capabilities: {},
      initializationOptions: { settings: { kubeMitmGuard: { allowedExternalIPCidrs: ['1.2.3.4'], rules: { 'external-ips-deprecated': 'off' } } } },
    });
    // No progress capability: wait for the status the scan ends with instead.
    await server.waitFor('a finished scan', () => server.statuses.find((status) => status.lastScanTime !== null));
    assert.equal(server.configurationRequests.length, 0);
    assert.equal(server.diagnostics.get(fileUri(folder.path('svc.yaml'))), undefined);
    assert.equal(server.diagnostics.get(fileUri(folder.path('lb.yaml')))?.length, 1);

    await server.pushSettings({ kubeMitmGuard: { allowedExternalIPCidrs: [], rules: { 'loadbalancer-status': 'off', 'external-ips-deprecated': 'off' } } });
    await server.waitForDiagnostics(folder.path('svc.yaml'), (list) => list.length === 1, 'pushed allowlist applies');
    await server.waitForDiagnostics(folder.path('lb.yaml'), (list) => list.length === 0, 'pushed rule severity applies');
  });
});
