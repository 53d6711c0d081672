// The language server checks a JSON manifest with invalid UTF-8 on disk as Kubernetes reads it (each
// invalid byte sequence replaced by U+FFFD), on scan workers and on the main thread alike, and logs
// that it did; YAML with invalid UTF-8 is still skipped with a logged reason.
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

describe('language server: JSON with invalid UTF-8 on disk', () => {
  let workspace: TempWorkspace;

  before(() => {
    workspace = new TempWorkspace({ 'svc.json': LOSSY_JSON, 'svc.yaml': YAML_WITH_INVALID_BYTE });
  });

  after(() => workspace?.dispose());

  for (const workers of ['1', '0']) {
    it(`flags the externalIP and logs the lossy read; skips the YAML (${workers === '0' ? 'main thread' : 'scan worker'})`, async () => {
      const client = await LspTestClient.start({ folders: [workspace.root], env: { KUBE_MITM_GUARD_SCAN_WORKERS: workers } });
      try {
        await client.waitForScans(1, 60_000);
        const diagnostics = client.diagnostics.get(fileUri(workspace.path('svc.json')));
        assert.equal(diagnostics?.length, 1);
        assert.equal(diagnostics[0].code, 'external-ips');
        assert.deepEqual(diagnostics[0].range, { start: { line: 4, character: 27 }, end: { line: 4, character: 36 } });
        await client.waitForLog(/Read .*svc\.json as JSON with its invalid UTF-8 bytes replaced by U\+FFFD/);
        await client.waitForLog(/Skipped .*svc\.yaml: not valid UTF-8 text/);
        assert.equal(client.diagnostics.get(fileUri(workspace.path('svc.yaml'))), undefined);
      } finally {
        await client.dispose();
      }
    });
  }
});
