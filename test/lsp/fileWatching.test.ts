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

  it('checks the manifests of a folder created on disk when only the folder event arrives', async () => {
    // mkdir + writes, `git checkout`, unzip: VS Code reports only `created <folder>`.
    const one = workspace.write('created/one.yaml', SERVICE_WITH_EXTERNAL_IP);
    const two = workspace.write('created/deeper/two.yml', SERVICE_WITH_LOADBALANCER_STATUS);
    const clean = workspace.write('created/clean.json', JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'c' } }));
    const skipped = workspace.write('created/node_modules/pkg/svc.yaml', SERVICE_WITH_EXTERNAL_IP);
    workspace.write('created/notes.txt', 'not a manifest');
    const before = client.publishLog.length;
    await client.fileChanged(workspace.path('created'), FileChangeType.Created);
    await client.waitForDiagnostics(one, (list) => list.length === 1 && list[0].code === 'external-ips', 'a file in the new folder');
    await client.waitForDiagnostics(two, (list) => list.length === 1 && list[0].code === 'loadbalancer-status', 'a file in a nested folder');
    await client.waitForLog(/Checked 3 file\(s\) in .*created, created on disk/);
    const published = client.publishLog.slice(before).map((entry) => entry.uri);
    assert.ok(!published.includes(fileUri(clean)), 'a clean file publishes nothing');
    assert.ok(!published.includes(fileUri(skipped)), 'node_modules stays excluded');
    assert.equal(published.filter((uri) => uri === fileUri(one)).length, 1, 'checked once');

    workspace.remove('created');
    await client.fileChanged(workspace.path('created'), FileChangeType.Deleted);
  });

  it('clears the findings of a folder deleted on disk when only the folder event arrives', async () => {
    const one = workspace.write('doomed/one.yaml', SERVICE_WITH_EXTERNAL_IP);
    const two = workspace.write('doomed/deeper/two.yaml', SERVICE_WITH_EXTERNAL_IP);
    const neighbour = workspace.write('doomed-not/svc.yaml', SERVICE_WITH_EXTERNAL_IP);
    await client.fileChanged(workspace.path('doomed'), FileChangeType.Created);
    await client.fileChanged(workspace.path('doomed-not'), FileChangeType.Created);
    await client.waitForDiagnostics(one, (list) => list.length === 1);
    await client.waitForDiagnostics(two, (list) => list.length === 1);
    await client.waitForDiagnostics(neighbour, (list) => list.length === 1);

    workspace.remove('doomed'); // rm -r: VS Code reports only `deleted <folder>`
    await client.fileChanged(workspace.path('doomed'), FileChangeType.Deleted);
    await client.waitForDiagnostics(one, (list) => list.length === 0, 'a file of the deleted folder cleared');
    await client.waitForDiagnostics(two, (list) => list.length === 0, 'a nested file of the deleted folder cleared');
    assert.equal(client.diagnostics.get(fileUri(neighbour))?.length, 1, 'a folder whose name starts the same keeps its findings');
    workspace.remove('doomed-not');
    await client.fileChanged(workspace.path('doomed-not'), FileChangeType.Deleted);
    await client.waitForDiagnostics(neighbour, (list) => list.length === 0);
  });

  it('walks a created folder with the workspace excludes and coalesces a burst of events', async () => {
    await client.changeSettings({ exclude: ['/burst/generated'] });
    await client.waitForScans(client.finishedScans() + 1);
    try {
      const files = Array.from({ length: 20 }, (_, index) => workspace.write(`burst/svc-${index}.yaml`, SERVICE_WITH_EXTERNAL_IP));
      const generated = workspace.write('burst/generated/svc.yaml', SERVICE_WITH_EXTERNAL_IP);
      const before = client.publishLog.length;
      // A watcher that reports the folder and each file: one walk, one check per file.
      const changes = [workspace.path('burst'), ...files, generated].map((file) => ({ uri: fileUri(file), type: FileChangeType.Created }));
      await client.notify('workspace/didChangeWatchedFiles', { changes });
      for (const file of files) await client.waitForDiagnostics(file, (list) => list.length === 1);
      await client.waitForLog(/Checked 20 file\(s\) in .*burst, created on disk/);
      const published = client.publishLog.slice(before).map((entry) => entry.uri);
      for (const file of files) assert.equal(published.filter((uri) => uri === fileUri(file)).length, 1, `${file} published once`);
      assert.ok(!published.includes(fileUri(generated)), 'an excluded subfolder (anchored at the workspace folder) is not checked');

      workspace.remove('burst');
      await client.fileChanged(workspace.path('burst'), FileChangeType.Deleted);
      for (const file of files) await client.waitForDiagnostics(file, (list) => list.length === 0);
    } finally {
      await client.changeSettings({});
      await client.waitForScans(client.finishedScans() + 1);
    }
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
