// Patches over the protocol (issue 13): a Kustomize inline patch in a block scalar with CRLF line endings,
// a kubectl patch body and a JSON 6902 operation list, each diagnosed on the characters of the value;
// the operation's quick fix removes it; a non-Service target and a remove op are not diagnosed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyWorkspaceEdit, fileUri, LspTestClient, textAt } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

const KUSTOMIZATION = [
  'apiVersion: kustomize.config.k8s.io/v1beta1',
  'kind: Kustomization',
  'patches:',
  '- target: {kind: Service, name: web}',
  '  patch: |-',
  '    - op: add',
  '      path: /spec/externalIPs',
  '      value: ["8.8.8.8"]',
  '- target: {kind: ConfigMap}',
  '  patch: |-',
  '    - {op: add, path: /spec/externalIPs, value: [7.7.7.7]}',
  '',
].join('\r\n');
const PATCH_BODY = 'spec:\n  externalIPs:\n  - 9.9.9.9\n';
const OPS = '- op: remove\n  path: /spec/selector\n- op: add\n  path: /spec/externalIPs/-\n  value: 6.6.6.6\n';

describe('language server: patches', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'overlay/kustomization.yaml': KUSTOMIZATION, 'patch-body.yaml': PATCH_BODY, 'ops.yaml': OPS });
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('diagnoses the value inside a kustomization inline patch, with CRLF line endings, and not a ConfigMap target', async () => {
    const [diagnostic, ...rest] = await client.waitForDiagnostics(workspace.path('overlay/kustomization.yaml'), (list) => list.length > 0);
    assert.deepEqual(rest, []);
    assert.equal(diagnostic.code, 'external-ips');
    assert.deepEqual(diagnostic.range, { start: { line: 7, character: 14 }, end: { line: 7, character: 23 } });
    assert.equal(textAt(KUSTOMIZATION, diagnostic), '"8.8.8.8"');
  });

  it('diagnoses kubectl patch bodies and JSON patch operations, and the operation quick fix removes it', async () => {
    const [body] = await client.waitForDiagnostics(workspace.path('patch-body.yaml'), (list) => list.length > 0);
    assert.equal(textAt(PATCH_BODY, body), '9.9.9.9');
    const file = workspace.path('ops.yaml');
    const document = await client.openDocument(file, OPS);
    // The open document's own diagnostics (the workspace scan's carry no version of it).
    const [op] = await client.waitForDiagnostics(file, (list) => list.length === 1 && (list[0].data as { version: number }).version === document.version);
    assert.equal(textAt(OPS, op), '6.6.6.6');
    const actions = await client.codeActions(file, op.range, [op], ['quickfix']);
    const remove = actions.find((action) => action.title === 'Remove this patch operation');
    assert.ok(remove?.edit, `offered: ${actions.map((action) => action.title).join(' | ')}`);
    const fixed = applyWorkspaceEdit(remove.edit, { [fileUri(file)]: OPS })[fileUri(file)];
    assert.equal(fixed, '- op: remove\n  path: /spec/selector\n');
    await client.changeDocument(file, fixed);
    await client.waitForDiagnostics(file, (list) => list.length === 0, 'no findings after the fix');
  });
});
