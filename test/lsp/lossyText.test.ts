// The language server checks files on disk as kubectl reads them: invalid UTF-8 replaced by U+FFFD (YAML
// and JSON alike) and UTF-16 transcoded by its byte order mark, on scan workers and on the main thread
// alike, and logs that it did.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileUri, LspTestClient } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

const LOSSY_JSON = Buffer.concat([
  Buffer.from('{\n  "apiVersion": "v1",\n  "kind": "Service",\n  "metadata": {"name": "caf'),
  Buffer.from([0xe9]),
  Buffer.from('"},\n  "spec": {"externalIPs": ["8.8.8.8"]}\n}\n'),
]);
const YAML_WITH_INVALID_BYTE = Buffer.concat([Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: caf'), Buffer.from([0xe9]), Buffer.from('}\nspec: {externalIPs: [8.8.8.8]}\n')]);
/** What Windows PowerShell 5 writes for `kubectl get svc -o yaml > svc.yaml`: UTF-16LE with a byte order mark. */
const UTF16_YAML = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('apiVersion: v1\r\nkind: Service\r\nspec:\r\n  externalIPs: [8.8.8.8]\r\n', 'utf16le')]);

describe('language server: files read as kubectl reads them (invalid UTF-8, UTF-16)', () => {
  let workspace: TempWorkspace;

  before(() => {
    workspace = new TempWorkspace({ 'svc.json': LOSSY_JSON, 'svc.yaml': YAML_WITH_INVALID_BYTE, 'utf16.yaml': UTF16_YAML });
  });

  after(() => workspace?.dispose());

  for (const workers of ['1', '0']) {
    it(`flags the externalIPs and logs each lossy read (${workers === '0' ? 'main thread' : 'scan worker'})`, async () => {
      const client = await LspTestClient.start({ folders: [workspace.root], env: { KUBE_MITM_GUARD_SCAN_WORKERS: workers } });
      try {
        await client.waitForScans(1, 60_000);
        const expected: [string, { line: number; character: number }][] = [
          ['svc.json', { line: 4, character: 27 }],
          ['svc.yaml', { line: 3, character: 21 }],
          // The byte order mark is not part of the text (as an editor shows the file): line 3, column 16.
          ['utf16.yaml', { line: 3, character: 16 }],
        ];
        for (const [name, start] of expected) {
          const diagnostics = client.diagnostics.get(fileUri(workspace.path(name)));
          assert.equal(diagnostics?.length, 1, name);
          assert.equal(diagnostics[0].code, 'external-ips', name);
          assert.deepEqual(diagnostics[0].range.start, start, name);
        }
        await client.waitForLog(/Read .*svc\.json with its invalid UTF-8 bytes replaced by U\+FFFD, as kubectl reads it\./);
        await client.waitForLog(/Read .*svc\.yaml with its invalid UTF-8 bytes replaced by U\+FFFD, as kubectl reads it\./);
        await client.waitForLog(/Read .*utf16\.yaml transcoded from UTF-16, as kubectl reads it\./);
      } finally {
        await client.dispose();
      }
    });
  }
});
