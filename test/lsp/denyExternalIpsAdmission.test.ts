// deny-external-ips-admission over the protocol: a static kube-apiserver Pod that disables
// DenyServiceExternalIPs is a Warning on the disabling value, and its quick fix (not in fix-all) enables it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { applyWorkspaceEdit, fileUri, LspTestClient } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

const POD = [
  'apiVersion: v1',
  'kind: Pod',
  'metadata: {name: kube-apiserver, namespace: kube-system}',
  'spec:',
  '  containers:',
  '  - name: kube-apiserver',
  '    command:',
  '    - kube-apiserver',
  '    - --etcd-servers=https://127.0.0.1:2379',
  '    - --enable-admission-plugins=NodeRestriction',
  '    - --disable-admission-plugins=DenyServiceExternalIPs',
  '',
].join('\n');

describe('language server: deny-external-ips-admission', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'kube-apiserver.yaml': POD });
    client = await LspTestClient.start({ folders: [workspace.root] });
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('publishes a Warning on the disabling flag with its docs link, and offers the quick fix only as a quick fix', async () => {
    const file = workspace.path('kube-apiserver.yaml');
    // Found by the workspace scan, fixed in the open document (code actions are for open documents).
    await client.waitForDiagnostics(file, (diagnostics) => diagnostics.length === 1);
    const document = await client.openDocument(file, POD);
    const [diagnostic] = await client.waitForDiagnostics(
      file,
      (diagnostics) => diagnostics.length === 1 && (diagnostics[0].data as { version?: number } | undefined)?.version === document.version,
    );
    assert.equal(diagnostic.code, 'deny-external-ips-admission');
    assert.equal(diagnostic.severity, DiagnosticSeverity.Warning);
    assert.deepEqual(diagnostic.range, { start: { line: 10, character: 6 }, end: { line: 10, character: 56 } });
    assert.equal(diagnostic.codeDescription?.href, 'https://github.com/kube-mitm-guard/kube-mitm-guard#rule-deny-external-ips-admission');

    const actions = await client.codeActions(file, diagnostic.range, [diagnostic]);
    const enable = actions.find((action) => action.title === 'Enable the DenyServiceExternalIPs admission plugin');
    assert.ok(enable, JSON.stringify(actions.map((action) => action.title)));
    assert.equal(enable.isPreferred, true);
    assert.ok(enable.edit);
    const fixed = applyWorkspaceEdit(enable.edit, { [fileUri(file)]: POD })[fileUri(file)];
    assert.equal(fixed, POD.replace('NodeRestriction\n', 'NodeRestriction,DenyServiceExternalIPs\n').replace('    - --disable-admission-plugins=DenyServiceExternalIPs\n', ''));

    const fixAll = await client.codeActions(file, diagnostic.range, [], ['source.fixAll']);
    assert.ok(fixAll.every((action) => JSON.stringify(action.edit ?? {}).indexOf('DenyServiceExternalIPs') === -1), 'fix-all must not enable the plugin');
  });
});
