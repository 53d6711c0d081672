// Files created, changed, renamed and deleted on disk, reported with workspace/didChangeWatchedFiles.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileChangeType } from 'vscode-languageserver-protocol/node';
import { fileUri, LspTestClient } from './lspTestClient';
import { CLEAN_SERVICE, SERVICE_WITH_EXTERNAL_IP, SERVICE_WITH_LOADBALANCER_STATUS, TempWorkspace } from './workspaceFixtures';

describe('language server: file watching', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'existing.yaml': CLEAN_SERVICE });
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('checks a created file and clears a deleted one', async () => {
    const created = workspace.write('new/svc.yaml', SERVICE_WITH_EXTERNAL_IP);
    await client.fileChanged(created, FileChangeType.Created);
    await client.waitForDiagnostics(created, (list) => list.length === 1, 'the new file checked');

    workspace.remove('new/svc.yaml');
    await client.fileChanged(created, FileChangeType.Deleted);
    await client.waitForDiagnostics(created, (list) => list.length === 0, 'the deleted file cleared');
  });

  it('re-checks a changed file', async () => {
    const file = workspace.write('existing.yaml', SERVICE_WITH_LOADBALANCER_STATUS);
    await client.fileChanged(file, FileChangeType.Changed);
    await client.waitForDiagnostics(file, (list) => list.length === 1 && list[0].code === 'loadbalancer-status');
    workspace.write('existing.yaml', CLEAN_SERVICE);
    await client.fileChanged(file, FileChangeType.Changed);
    await client.waitForDiagnostics(file, (list) => list.length === 0);
  });

  it('follows a rename (delete + create)', async () => {
    const from = workspace.write('a.yaml', SERVICE_WITH_EXTERNAL_IP);
    await client.fileChanged(from, FileChangeType.Created);
    await client.waitForDiagnostics(from, (list) => list.length === 1);
    workspace.remove('a.yaml');
    const to = workspace.write('b.yaml', SERVICE_WITH_EXTERNAL_IP);
    await client.fileChanged(from, FileChangeType.Deleted);
    await client.fileChanged(to, FileChangeType.Created);
    await client.waitForDiagnostics(to, (list) => list.length === 1, 'the new name reported');
    await client.waitForDiagnostics(from, (list) => list.length === 0, 'the old name cleared');
    workspace.remove('b.yaml');
    await client.fileChanged(to, FileChangeType.Deleted);
    await client.waitForDiagnostics(to, (list) => list.length === 0);
  });

  it('clears every file below a deleted folder', async () => {
    const one = workspace.write('gone/one.yaml', SERVICE_WITH_EXTERNAL_IP);
    const two = workspace.write('gone/deeper/two.yaml', SERVICE_WITH_EXTERNAL_IP);
    await client.fileChanged(one, FileChangeType.Created);
    await client.fileChanged(two, FileChangeType.Created);
    await client.waitForDiagnostics(two, (list) => list.length === 1);
    await client.waitForDiagnostics(one, (list) => list.length === 1);
    workspace.remove('gone');
    await client.fileChanged(workspace.path('gone'), FileChangeType.Deleted);
    await client.waitForDiagnostics(one, (list) => list.length === 0);
    await client.waitForDiagnostics(two, (list) => list.length === 0);
  });

  it('leaves open documents alone: the buffer wins over disk events', async () => {
    const file = workspace.write('open.yaml', CLEAN_SERVICE);
    await client.openDocument(file, SERVICE_WITH_EXTERNAL_IP);
    await client.waitForDiagnostics(file, (list) => list.length === 1);
    workspace.write('open.yaml', SERVICE_WITH_LOADBALANCER_STATUS);
    await client.fileChanged(file, FileChangeType.Changed);
    workspace.remove('open.yaml');
    await client.fileChanged(file, FileChangeType.Deleted);
    // Neither the watcher events nor a full rescan may replace the open buffer's diagnostics.
    await client.request('kubeMitmGuard/rescanWorkspace');
    const diagnostics = client.diagnostics.get(fileUri(file)) ?? [];
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, 'external-ips');
    await client.closeDocument(file);
  });

  it('a full rescan clears files that vanished without an event', async () => {
    const file = workspace.write('silent.yaml', SERVICE_WITH_EXTERNAL_IP);
    await client.fileChanged(file, FileChangeType.Created);
    await client.waitForDiagnostics(file, (list) => list.length === 1);
    workspace.remove('silent.yaml');
    await client.request('kubeMitmGuard/rescanWorkspace');
    assert.deepEqual(client.diagnostics.get(fileUri(file)) ?? [], []);
  });

  it('scans an added workspace folder and clears a removed one', async () => {
    const extra = new TempWorkspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    try {
      await client.changeWorkspaceFolders([extra.root], []);
      await client.waitForDiagnostics(extra.path('svc.yaml'), (list) => list.length === 1, 'the added folder scanned');
      await client.changeWorkspaceFolders([], [extra.root]);
      await client.waitForDiagnostics(extra.path('svc.yaml'), (list) => list.length === 0, 'the removed folder cleared');
    } finally {
      extra.dispose();
    }
  });
});
