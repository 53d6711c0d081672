// Quick fixes and fix-all over the protocol: request, apply the WorkspaceEdit like an editor, re-check.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CodeAction, CreateFile, Diagnostic, FileChangeType, TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { applyWorkspaceEdit, fileUri, LspTestClient } from './lspTestClient';
import { EXTERNAL_IP_RANGE, SERVICE_WITH_EXTERNAL_IP, SERVICE_WITH_LOADBALANCER_STATUS, SERVICE_WITH_TWO_EXTERNAL_IPS, TempWorkspace } from './workspaceFixtures';

describe('language server: code actions', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP, 'lb.yaml': SERVICE_WITH_LOADBALANCER_STATUS });
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  /** Opens `file` with `text` and returns its diagnostics once the server has checked this version. */
  async function openAndCheck(file: string, text: string, expectedCount: number): Promise<Diagnostic[]> {
    const document = await client.openDocument(file, text);
    return client.waitForDiagnostics(
      file,
      (list) => list.length === expectedCount && list.every((diagnostic) => (diagnostic.data as { version: number }).version === document.version),
    );
  }

  function applyToDocument(file: string, action: CodeAction): string {
    assert.ok(action.edit, `"${action.title}" has an edit`);
    const uri = fileUri(file);
    return applyWorkspaceEdit(action.edit, { [uri]: client.document(file).getText() })[uri];
  }

  it('offers "Remove this external IP" as the preferred quick fix, and applying it removes the finding', async () => {
    const file = workspace.path('svc.yaml');
    const diagnostics = await openAndCheck(file, SERVICE_WITH_EXTERNAL_IP, 1);
    const actions = await client.codeActions(file, EXTERNAL_IP_RANGE, diagnostics);
    const remove = actions.find((action) => action.title === 'Remove this external IP');
    assert.ok(remove, `offered: ${actions.map((action) => action.title).join(' | ')}`);
    assert.equal(remove.kind, 'quickfix');
    assert.equal(remove.isPreferred, true);
    assert.deepEqual(remove.diagnostics, diagnostics);
    // Versioned edits: the editor rejects them if the document changed in between.
    const change = remove.edit?.documentChanges?.[0];
    assert.ok(change !== undefined && TextDocumentEdit.is(change));
    assert.equal(change.textDocument.version, 1);

    const fixed = applyToDocument(file, remove);
    assert.doesNotMatch(fixed, /1\.2\.3\.4/);
    await client.changeDocument(file, fixed);
    await client.waitForDiagnostics(file, (list) => list.length === 0, 'no findings after the fix');
    await client.closeDocument(file);
  });

  it('refuses fixes for diagnostics computed for another document version', async () => {
    const file = workspace.path('svc.yaml');
    const diagnostics = await openAndCheck(file, SERVICE_WITH_EXTERNAL_IP, 1);
    // Same text, newer version: the old diagnostics' data no longer matches the document.
    await client.changeDocument(file, SERVICE_WITH_EXTERNAL_IP);
    const stale = await client.codeActions(file, EXTERNAL_IP_RANGE, diagnostics, ['quickfix']);
    assert.deepEqual(stale, []);

    const fresh = await client.waitForDiagnostics(file, (list) => list.length === 1 && (list[0].data as { version: number }).version === 2);
    const actions = await client.codeActions(file, EXTERNAL_IP_RANGE, fresh, ['quickfix']);
    assert.ok(actions.some((action) => action.title === 'Remove this external IP'));
    await client.closeDocument(file);
  });

  it('ignores diagnostics from other sources', async () => {
    const file = workspace.path('svc.yaml');
    const [ours] = await openAndCheck(file, SERVICE_WITH_EXTERNAL_IP, 1);
    const foreign: Diagnostic = { ...ours, source: 'yaml', code: 'x' };
    assert.deepEqual(await client.codeActions(file, EXTERNAL_IP_RANGE, [foreign], ['quickfix']), []);
    await client.closeDocument(file);
  });

  it('offers source.fixAll.kubeMitmGuard only when asked for it, and it fixes the file', async () => {
    const file = workspace.path('svc.yaml');
    const diagnostics = await openAndCheck(file, SERVICE_WITH_TWO_EXTERNAL_IPS, 2);
    const quickFixesOnly = await client.codeActions(file, EXTERNAL_IP_RANGE, diagnostics, ['quickfix']);
    assert.ok(quickFixesOnly.every((action) => action.kind === 'quickfix'));

    const [fixAll, ...rest] = await client.codeActions(file, EXTERNAL_IP_RANGE, [], ['source.fixAll']);
    assert.equal(rest.length, 0);
    assert.equal(fixAll.kind, 'source.fixAll.kubeMitmGuard');
    const fixed = applyToDocument(file, fixAll);
    await client.changeDocument(file, fixed);
    await client.waitForDiagnostics(file, (list) => list.length === 0, 'no findings after fix-all');
    await client.closeDocument(file);
  });

  it('fixes a LoadBalancer status finding', async () => {
    const file = workspace.path('lb.yaml');
    const [diagnostic] = await openAndCheck(file, SERVICE_WITH_LOADBALANCER_STATUS, 1);
    const actions = await client.codeActions(file, diagnostic.range, [diagnostic], ['quickfix']);
    const remove = actions.find((action) => action.isPreferred) ?? actions[0];
    assert.ok(remove, 'a fix is offered');
    await client.changeDocument(file, applyToDocument(file, remove));
    await client.waitForDiagnostics(file, (list) => list.length === 0);
    await client.closeDocument(file);
  });

  it('fixes a finding deep in a big kind: List (an export opened in the editor) on its item, changing only that line', async () => {
    // As `kubectl get services -A -o yaml` prints it: one List. The fix starts from the finding's item.
    const items = Array.from({ length: 1500 }, (_, index) =>
      ['- apiVersion: v1', '  kind: Service', '  metadata:', `    name: web-${index}`, '    namespace: team', '  spec:', '    ports: [{port: 80}]', `    externalIPs: [203.0.113.${index % 250}, 198.51.100.${index % 250}]`].join('\n'),
    );
    const text = ['apiVersion: v1', 'kind: List', 'items:', ...items, ''].join('\n');
    const file = workspace.path('export.yaml');
    const document = await client.openDocument(file, text);
    const diagnostics = await client.waitForDiagnostics(
      file,
      (list) => list.filter((diagnostic) => diagnostic.code === 'external-ips').length === 3000 && list.every((diagnostic) => (diagnostic.data as { version: number }).version === document.version),
    );
    const line = 3 + 1200 * 8 + 7;
    assert.equal(text.split('\n')[line], '    externalIPs: [203.0.113.200, 198.51.100.200]');
    const target = diagnostics.find((diagnostic) => diagnostic.code === 'external-ips' && diagnostic.range.start.line === line && diagnostic.range.start.character > 30);
    assert.ok(target, 'the finding on the second address of item 1200');
    const actions = await client.codeActions(file, target.range, [target], ['quickfix']);
    const remove = actions.find((action) => action.title === 'Remove this external IP');
    assert.ok(remove, `offered: ${actions.map((action) => action.title).join(' | ')}`);
    const fixed = applyToDocument(file, remove).split('\n');
    const lines = text.split('\n');
    assert.equal(fixed.length, lines.length);
    assert.deepEqual(
      lines.flatMap((each, index) => (each === fixed[index] ? [] : [index])),
      [line],
    );
    assert.equal(fixed[line], '    externalIPs: [203.0.113.200]');
    await client.closeDocument(file);
  });

  it('allow-lists the IP by creating .kube-mitm-guard.yaml, which then applies live', async () => {
    const file = workspace.path('svc.yaml');
    const diagnostics = await openAndCheck(file, SERVICE_WITH_EXTERNAL_IP, 1);
    const actions = await client.codeActions(file, EXTERNAL_IP_RANGE, diagnostics, ['quickfix']);
    const allow = actions.find((action) => /Allow .*1\.2\.3\.4\/32.*\.kube-mitm-guard\.yaml/.test(action.title));
    assert.ok(allow?.edit?.documentChanges, `offered: ${actions.map((action) => action.title).join(' | ')}`);
    const configUri = fileUri(workspace.path('.kube-mitm-guard.yaml'));
    const [create] = allow.edit.documentChanges;
    assert.ok(CreateFile.is(create));
    assert.equal(create.uri, configUri);

    // Apply as the editor would (write the file) and report the watcher event.
    const configText = applyWorkspaceEdit(allow.edit, {})[configUri];
    assert.match(configText, /1\.2\.3\.4\/32/);
    fs.writeFileSync(workspace.path('.kube-mitm-guard.yaml'), configText);
    await client.fileChanged(workspace.path('.kube-mitm-guard.yaml'), FileChangeType.Created);
    await client.waitForDiagnostics(file, (list) => list.length === 0, 'the open document clean after allow-listing');
    await client.closeDocument(file);
    // The rescan request resolves when its scan has finished, so the diagnostics below are final.
    await client.request('kubeMitmGuard/rescanWorkspace');
    assert.deepEqual(client.diagnostics.get(fileUri(file)) ?? [], [], 'the file on disk is clean too');
  });

  it('adds to an existing .kube-mitm-guard.yaml with a full-text edit', async () => {
    const file = workspace.path('other.yaml');
    const text = SERVICE_WITH_EXTERNAL_IP.replace('1.2.3.4', '7.7.7.7');
    const diagnostics = await openAndCheck(file, text, 1);
    const actions = await client.codeActions(file, diagnostics[0].range, diagnostics, ['quickfix']);
    const allow = actions.find((action) => action.title.includes('7.7.7.7/32'));
    assert.ok(allow?.edit);
    const configUri = fileUri(workspace.path('.kube-mitm-guard.yaml'));
    const before = workspace.read('.kube-mitm-guard.yaml');
    const after = applyWorkspaceEdit(allow.edit, { [configUri]: before })[configUri];
    assert.match(after, /1\.2\.3\.4\/32/);
    assert.match(after, /7\.7\.7\.7\/32/);
    await client.closeDocument(file);
  });
});
