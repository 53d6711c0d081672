// Bad input and load: the server must keep checking the other files, keep answering requests during a
// scan, cancel superseded scans, and shut down cleanly.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FileChangeType, WorkDoneProgressCancelNotification } from 'vscode-languageserver-protocol/node';
import { fileUri, LspTestClient } from './lspTestClient';
import { useServerWithOneFinding } from './serverFixture';
import { EXTERNAL_IP_RANGE, SERVICE_WITH_EXTERNAL_IP, TempWorkspace } from './workspaceFixtures';

const RESCAN = 'kubeMitmGuard/rescanWorkspace';

interface RescanResult {
  filesScanned: number;
  filesSkipped: number;
  cancelled: boolean;
}

describe('language server: bad input', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((name, index) => {
      const previous = index === 0 ? 'a' : 'bcdefghij'[index - 1];
      return `${name}: &${name} [*${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}]`;
    })].join('\n');
    workspace = new TempWorkspace({
      'good.yaml': SERVICE_WITH_EXTERNAL_IP,
      'binary.yaml': Buffer.from([0x61, 0x3a, 0x20, 0x00, 0x01, 0x02, 0xff, 0xfe, 0x00]),
      'huge.yaml': SERVICE_WITH_EXTERNAL_IP + `# ${'x'.repeat(4096)}\n`,
      'empty.yaml': '',
      'malformed.yaml': ['apiVersion: v1', 'kind: Service', 'spec: {externalIPs: [1.2.3.4', '---', SERVICE_WITH_EXTERNAL_IP].join('\n'),
      'deep.json': '['.repeat(20_000) + ']'.repeat(20_000),
      'deep.yaml': 'a:\n' + Array.from({ length: 3000 }, (_, depth) => `${'  '.repeat(depth + 1)}k:`).join('\n') + ' 1\n',
      'bomb.yaml': aliasBomb,
      'latin1.yaml': Buffer.from('name: caf\xe9\n', 'latin1'),
      'not-json.json': '{"apiVersion": "v1", "kind": "Service", "spec": {"externalIPs": ["1.2.3.4"',
    });
    fs.symlinkSync(workspace.root, workspace.path('loop'));
    client = await LspTestClient.start({ folders: [workspace.root], settings: { maxFileSizeKB: 2 } });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('still checks the good files', () => {
    assert.equal(client.diagnostics.get(fileUri(workspace.path('good.yaml')))?.length, 1);
    // The document after a malformed one in the same file is still checked.
    const malformed = client.diagnostics.get(fileUri(workspace.path('malformed.yaml'))) ?? [];
    assert.equal(malformed.length, 1);
    assert.equal(malformed[0].range.start.line, 10);
  });

  it('skips binary and oversized files with a reason in the log, and publishes nothing for bad files', async () => {
    await client.waitForLog(/Skipped .*binary\.yaml: binary/);
    await client.waitForLog(/Skipped .*huge\.yaml: .*size limit/);
    for (const name of ['binary.yaml', 'huge.yaml', 'empty.yaml', 'deep.json', 'deep.yaml', 'bomb.yaml', 'latin1.yaml', 'not-json.json']) {
      assert.deepEqual(client.diagnostics.get(fileUri(workspace.path(name))) ?? [], [], name);
    }
    const status = await client.waitFor('a status after the scan', () => [...client.statuses].reverse().find((candidate) => candidate.lastScanTime !== null));
    assert.ok(Number(status.filesSkipped) >= 3, `skipped: ${String(status.filesSkipped)}`);
  });

  it('follows the symlink loop only once', () => {
    assert.equal(client.diagnostics.get(fileUri(workspace.path('loop/good.yaml'))), undefined);
  });

  it('handles bad open documents and events for files that do not exist', async () => {
    await client.openDocument(workspace.path('deep.yaml'), '{'.repeat(50_000));
    await client.openDocument(workspace.path('scratch.json'), '\u0000\u0001 not json at all', 'json');
    await client.fileChanged(workspace.path('missing.yaml'), FileChangeType.Changed);
    await client.fileChanged(workspace.path('missing.yaml'), FileChangeType.Deleted);
    const result = await client.request<RescanResult>(RESCAN);
    assert.equal(result.cancelled, false);
    assert.equal(client.diagnostics.get(fileUri(workspace.path('good.yaml')))?.length, 1);
    assert.equal(client.serverStderr(), '');
    assert.ok(!client.logs.some((line) => /Unhandled|Uncaught/.test(line)), 'no unhandled errors logged');
  });
});

describe('language server: broken clients', () => {
  const server = useServerWithOneFinding();

  it('survives a message that is not JSON and requests for documents it never saw', async () => {
    const garbage = '{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {not json';
    server.client.writeRaw(`Content-Length: ${Buffer.byteLength(garbage)}\r\n\r\n${garbage}`);
    const unknown = fileUri(server.workspace.path('never-opened.yaml'));
    await server.client.notify('textDocument/didChange', { textDocument: { uri: unknown, version: 2 }, contentChanges: [{ text: 'kind: Service' }] });
    await server.client.notify('textDocument/didClose', { textDocument: { uri: unknown } });
    const actions = await server.client.request<unknown[] | null>('textDocument/codeAction', {
      textDocument: { uri: unknown },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      context: { diagnostics: [{ range: EXTERNAL_IP_RANGE, message: 'x', source: 'kube-mitm-guard', code: 'external-ips', data: { key: 'external-ips:1:2', uri: unknown, version: 1 } }] },
    });
    assert.ok(actions === null || actions.length === 0, JSON.stringify(actions));
    // Still alive and still checking: a rescan answers and the good file keeps its finding.
    const result = await server.client.request<RescanResult>(RESCAN);
    assert.equal(result.cancelled, false);
    assert.equal(server.client.diagnostics.get(fileUri(server.workspace.path('good.yaml')))?.length, 1);
    assert.ok(!server.client.logs.some((line) => /Unhandled|Uncaught/.test(line)), 'no unhandled errors logged');
  });
});

describe('language server: load and lifecycle', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;
  const FILE_COUNT = 1500;

  before(async () => {
    workspace = new TempWorkspace();
    for (let index = 0; index < FILE_COUNT; index++) {
      workspace.write(`many/dir${index % 30}/svc${index}.yaml`, SERVICE_WITH_EXTERNAL_IP.replace('1.2.3.4', `10.0.${index % 250}.${1 + (index % 200)}`));
    }
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1, 60_000);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('reports every file of a large workspace', () => {
    const published = [...client.diagnostics.values()].filter((list) => list.length > 0).length;
    assert.equal(published, FILE_COUNT);
  });

  it('answers requests while a scan is running', async () => {
    const file = workspace.path('open.yaml');
    await client.openDocument(file, SERVICE_WITH_EXTERNAL_IP);
    const [diagnostic] = await client.waitForDiagnostics(file, (list) => list.length === 1);
    const scansBefore = client.finishedScans();
    const reportsBefore = client.progress.filter((event) => event.kind === 'report').length;
    const scan = client.request<RescanResult>(RESCAN);
    // Wait until the scan is visibly under way (it reported progress), then ask for code actions.
    await client.waitFor('the scan to report progress', () =>
      client.progress.filter((event) => event.kind === 'report').length > reportsBefore + 1 || undefined,
    );
    const actions = await client.codeActions(file, EXTERNAL_IP_RANGE, [diagnostic], ['quickfix']);
    const scanStillRunning = client.finishedScans() === scansBefore;
    assert.ok(actions.length > 0);
    assert.ok(scanStillRunning, 'the code actions came back before the scan ended');
    assert.equal((await scan).cancelled, false);
    await client.closeDocument(file);
  });

  it('a file created while a scan runs keeps the findings file watching published for it', async () => {
    const scansBefore = client.finishedScans();
    const reportsBefore = client.progress.filter((event) => event.kind === 'report').length;
    const scan = client.request<RescanResult>(RESCAN);
    // The scan has listed the files (it reports progress while checking them); now a file appears.
    await client.waitFor('the scan to report progress', () =>
      client.progress.filter((event) => event.kind === 'report').length > reportsBefore + 1 || undefined,
    );
    const file = workspace.write('created-during-scan.yaml', SERVICE_WITH_EXTERNAL_IP);
    try {
      await client.fileChanged(file, FileChangeType.Created);
      await client.waitForDiagnostics(file, (list) => list.length === 1, 'the new file checked during the scan');
      assert.equal(client.finishedScans(), scansBefore, 'file watching published before the scan ended');
      assert.equal((await scan).cancelled, false);
      // The scan did not list the file, but must not take it for vanished.
      assert.equal(client.diagnostics.get(fileUri(file))?.length, 1);
    } finally {
      fs.rmSync(file, { force: true });
      await client.fileChanged(file, FileChangeType.Deleted);
      await client.waitForDiagnostics(file, (list) => list.length === 0);
    }
  });

  it('a newer scan cancels the older one', async () => {
    const first = client.request<RescanResult>(RESCAN);
    const second = client.request<RescanResult>(RESCAN);
    const [older, newer] = await Promise.all([first, second]);
    assert.equal(older.cancelled, true);
    assert.equal(newer.cancelled, false);
    assert.equal(newer.filesScanned, FILE_COUNT);
  });

  it('the editor can cancel a scan through its progress', async () => {
    const beginsBefore = client.progress.filter((event) => event.kind === 'begin').length;
    const scan = client.request<RescanResult>(RESCAN);
    const begin = await client.waitFor('the scan to begin', () => client.progress.filter((event) => event.kind === 'begin')[beginsBefore]);
    await client.notify(WorkDoneProgressCancelNotification.method, { token: begin.token });
    assert.equal((await scan).cancelled, true);
  });

  it('shuts down cleanly on shutdown + exit', async () => {
    assert.equal(await client.shutdown(), 0);
  });
});

describe('language server: exit without shutdown', () => {
  it('exits with code 1, as the protocol says', async () => {
    const workspace = new TempWorkspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP });
    const client = await LspTestClient.start({ folders: [workspace.root] });
    try {
      await client.notify('exit');
      assert.equal(await client.waitForExit(), 1);
    } finally {
      await client.dispose();
      workspace.dispose();
    }
  });
});
