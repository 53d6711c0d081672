// Workspace-wide diagnostics and open documents, driven over stdio like an editor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { fileUri, LspTestClient } from './lspTestClient';
import {
  CLEAN_SERVICE,
  EXTERNAL_IP_RANGE,
  SERVICE_WITH_EXTERNAL_IP,
  SERVICE_WITH_LOADBALANCER_STATUS,
  SERVICE_WITH_TWO_EXTERNAL_IPS,
  TempWorkspace,
} from './workspaceFixtures';

describe('language server: diagnostics', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({
      'svc.yaml': SERVICE_WITH_EXTERNAL_IP,
      'nested/deeper/lb.yml': SERVICE_WITH_LOADBALANCER_STATUS,
      'clean.yaml': CLEAN_SERVICE,
      'notes.txt': SERVICE_WITH_EXTERNAL_IP,
    });
    client = await LspTestClient.start({ folders: [workspace.root] });
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('advertises quick fixes and fix-all, with incremental sync', () => {
    const capabilities = client.initializeResult?.capabilities;
    assert.deepEqual(capabilities?.codeActionProvider, {
      codeActionKinds: ['quickfix', 'source.fixAll.kubeMitmGuard'],
      resolveProvider: false,
    });
    assert.deepEqual(capabilities?.textDocumentSync, { openClose: true, change: 2 });
  });

  it('reports findings of files that are not open after the initial scan', async () => {
    const [finding] = await client.waitForDiagnostics(workspace.path('svc.yaml'), (list) => list.length > 0);
    assert.equal(client.diagnostics.get(fileUri(workspace.path('svc.yaml')))?.length, 1);
    assert.equal(finding.code, 'external-ips');
    assert.equal(finding.source, 'kube-mitm-guard');
    assert.equal(finding.severity, DiagnosticSeverity.Error);
    assert.deepEqual(finding.range, EXTERNAL_IP_RANGE);
    assert.equal(finding.codeDescription?.href, 'https://github.com/kube-mitm-guard/kube-mitm-guard#rule-external-ips');
    assert.match(String(finding.message), /1\.2\.3\.4/);
    assert.deepEqual(Object.keys(finding.data as object).sort(), ['key', 'uri', 'version']);

    const [lbFinding] = await client.waitForDiagnostics(workspace.path('nested/deeper/lb.yml'), (list) => list.length > 0);
    assert.equal(lbFinding.code, 'loadbalancer-status');
    assert.equal(lbFinding.severity, DiagnosticSeverity.Warning);
  });

  it('does not publish for clean files or files that are not YAML/JSON', async () => {
    await client.waitForScans(1);
    assert.equal(client.diagnostics.get(fileUri(workspace.path('clean.yaml'))), undefined);
    assert.equal(client.diagnostics.get(fileUri(workspace.path('notes.txt'))), undefined);
  });

  it('reports scan progress (begin, end) and a status notification with the counts', async () => {
    await client.waitForScans(1);
    const kinds = client.progress.map((event) => event.kind);
    assert.equal(kinds[0], 'begin');
    const begin = client.progress[0];
    assert.ok(begin.kind === 'begin' && begin.cancellable === true);
    const status = await client.waitFor('an idle status after the scan', () =>
      client.statuses.find((candidate) => candidate.state === 'idle' && candidate.lastScanTime !== null),
    );
    assert.equal(status.errors, 1);
    assert.equal(status.warnings, 1);
    assert.equal(status.filesScanned, 3);
    assert.ok(!Number.isNaN(Date.parse(String(status.lastScanTime))));
  });

  it('registers file watching dynamically', async () => {
    const registration = await client.waitFor('a didChangeWatchedFiles registration', () =>
      client.registrations.find((candidate) => candidate.method === 'workspace/didChangeWatchedFiles'),
    );
    // Manifest files in every way, and every path created or deleted (WatchKind Create | Delete = 5):
    // editors report a folder created or deleted as a whole with one event for the folder only.
    assert.deepEqual(registration.registerOptions, {
      watchers: [{ globPattern: '**/*.{yaml,yml,json}' }, { globPattern: '**/*', kind: 5 }],
    });
  });

  it('checks the unsaved text of an open document, versioned, and follows edits', async () => {
    const file = workspace.path('svc.yaml');
    await client.openDocument(file, SERVICE_WITH_TWO_EXTERNAL_IPS);
    await client.waitForDiagnostics(file, (list) => list.length === 2, 'two findings from the buffer');
    assert.equal(client.publishLog.at(-1)?.version, 1);
    for (const diagnostic of client.diagnostics.get(fileUri(file)) ?? []) assert.equal((diagnostic.data as { version: number }).version, 1);

    await client.changeDocument(file, CLEAN_SERVICE);
    await client.waitForDiagnostics(file, (list) => list.length === 0, 'no findings after the edit');

    await client.changeDocument(file, SERVICE_WITH_LOADBALANCER_STATUS);
    const [finding] = await client.waitForDiagnostics(file, (list) => list.length === 1 && list[0].code === 'loadbalancer-status');
    assert.equal((finding.data as { version: number }).version, 3);
  });

  it('points a finding at an alias to the anchored node in the same document', async () => {
    const file = workspace.path('shared.yaml');
    const text = ['apiVersion: v1', 'kind: List', 'items:', '- {apiVersion: v1, kind: Service, spec: &spec {externalIPs: [1.2.3.4]}}', '- {apiVersion: v1, kind: Service, spec: *spec}', ''].join('\n');
    await client.openDocument(file, text);
    const findings = await client.waitForDiagnostics(file, (list) => list.length === 2, 'the anchored entry and the alias');
    const atAlias = findings.find((finding) => finding.range.start.line === 4);
    assert.deepEqual(
      atAlias?.relatedInformation?.map((related) => [related.location.uri, related.location.range.start]),
      [[fileUri(file), { line: 3, character: 61 }]],
    );
    await client.closeDocument(file);
  });

  it('falls back to the file on disk when the document is closed', async () => {
    const file = workspace.path('svc.yaml');
    await client.closeDocument(file);
    const [finding] = await client.waitForDiagnostics(file, (list) => list.length === 1 && list[0].code === 'external-ips');
    assert.equal((finding.data as { version: null }).version, null);
  });

  it('checks untitled documents too', async () => {
    const uri = 'untitled:Untitled-1';
    await client.openUri(uri, SERVICE_WITH_EXTERNAL_IP, 'yaml');
    const diagnostics = await client.waitFor('diagnostics for the untitled document', () => {
      const list = client.diagnostics.get(uri);
      return list !== undefined && list.length > 0 ? list : undefined;
    });
    // An untitled document has no folder settings: every rule at its default, the deprecation hint included.
    assert.deepEqual(diagnostics.map((diagnostic) => diagnostic.code), ['external-ips-deprecated', 'external-ips']);
  });

  it('honours suppression comments and greys out unused ones', async () => {
    const file = workspace.path('suppressed.yaml');
    const suppressed = SERVICE_WITH_EXTERNAL_IP.replace('    - 1.2.3.4', '    # kube-mitm-guard-disable-next-line external-ips -- ours\n    - 1.2.3.4');
    await client.openDocument(file, suppressed);
    await client.waitForDiagnostics(file, (list) => list.length === 0, 'the finding suppressed');
    await client.changeDocument(file, '# kube-mitm-guard-disable-next-line external-ips\n' + CLEAN_SERVICE);
    const [unused] = await client.waitForDiagnostics(file, (list) => list.length === 1, 'an unused suppression');
    assert.equal(unused.severity, DiagnosticSeverity.Hint);
    assert.deepEqual(unused.tags, [1]);
    assert.equal(unused.codeDescription?.href, 'https://github.com/kube-mitm-guard/kube-mitm-guard#suppression-comments');
    await client.closeDocument(file);
  });
});
