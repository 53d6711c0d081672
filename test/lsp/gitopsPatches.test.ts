// Kustomize patches in GitOps objects over the protocol (issue 13): a Flux Kustomization's patch string (CRLF
// line endings) and its patchesJson6902 operation objects, an Argo CD Application's patch string; each
// diagnosed on the characters of the value, and their quick fixes edit the right characters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyWorkspaceEdit, fileUri, LspTestClient, textAt } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

const FLUX = [
  'apiVersion: kustomize.toolkit.fluxcd.io/v1beta2',
  'kind: Kustomization',
  'metadata: {name: apps, namespace: flux-system}',
  'spec:',
  '  interval: 10m',
  '  prune: true',
  '  sourceRef: {kind: GitRepository, name: flux-system}',
  '  patches:',
  '    - target: {kind: Service, name: web}',
  '      patch: |-',
  '        - op: add',
  '          path: /spec/externalIPs',
  '          value: ["8.8.8.8"]',
  '    - target: {kind: ConfigMap}',
  '      patch: |-',
  '        - {op: add, path: /spec/externalIPs, value: [7.7.7.7]}',
  '',
].join('\r\n');
const FLUX_OPS = [
  'apiVersion: kustomize.toolkit.fluxcd.io/v1beta1',
  'kind: Kustomization',
  'metadata: {name: db, namespace: flux-system}',
  'spec:',
  '  patchesJson6902:',
  '    - target: {version: v1, kind: Service, name: db}',
  '      patch:',
  '        - op: add',
  '          path: /spec/externalIPs/-',
  '          value: 6.6.6.6',
  '        - op: add',
  '          path: /metadata/labels/patched',
  '          value: "true"',
  '',
].join('\n');
const ARGO = [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata: {name: web, namespace: argocd}',
  'spec:',
  '  sources:',
  '    - repoURL: https://git.example.com/apps.git',
  '      kustomize:',
  '        patches:',
  '          - target: {kind: Service, name: web}',
  '            patch: |',
  '              spec:',
  '                externalIPs: [9.9.9.9, 1.1.1.1]',
  '',
].join('\n');

describe('language server: patches in Flux Kustomizations and Argo CD Applications', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'flux/apps.yaml': FLUX, 'flux/db.yaml': FLUX_OPS, 'argocd/web.yaml': ARGO });
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it("diagnoses the value inside a Flux Kustomization's patch string, with CRLF line endings, and not a ConfigMap target", async () => {
    const [diagnostic, ...rest] = await client.waitForDiagnostics(workspace.path('flux/apps.yaml'), (list) => list.length > 0);
    assert.deepEqual(rest, []);
    assert.equal(diagnostic.code, 'external-ips');
    assert.deepEqual(diagnostic.range, { start: { line: 12, character: 18 }, end: { line: 12, character: 27 } });
    assert.equal(textAt(FLUX, diagnostic), '"8.8.8.8"');
    assert.match(String(diagnostic.message), /this Flux Kustomization's spec\.patches patch \(target: Service, name web\)/);
  });

  it('removes a Flux patchesJson6902 operation written as YAML with its quick fix', async () => {
    const file = workspace.path('flux/db.yaml');
    const document = await client.openDocument(file, FLUX_OPS);
    const [op] = await client.waitForDiagnostics(file, (list) => list.length === 1 && (list[0].data as { version: number }).version === document.version);
    assert.equal(textAt(FLUX_OPS, op), '6.6.6.6');
    const actions = await client.codeActions(file, op.range, [op], ['quickfix']);
    const remove = actions.find((action) => action.title === 'Remove this patch operation');
    assert.ok(remove?.edit, `offered: ${actions.map((action) => action.title).join(' | ')}`);
    const fixed = applyWorkspaceEdit(remove.edit, { [fileUri(file)]: FLUX_OPS })[fileUri(file)];
    assert.equal(fixed, FLUX_OPS.replace('        - op: add\n          path: /spec/externalIPs/-\n          value: 6.6.6.6\n', ''));
    await client.changeDocument(file, fixed);
    await client.waitForDiagnostics(file, (list) => list.length === 0, 'no findings after the fix');
  });

  it("removes an address inside an Argo CD Application's patch string with its quick fix", async () => {
    const file = workspace.path('argocd/web.yaml');
    const document = await client.openDocument(file, ARGO);
    const diagnostics = await client.waitForDiagnostics(file, (list) => list.length === 2 && (list[0].data as { version: number }).version === document.version);
    assert.deepEqual(diagnostics.map((diagnostic) => textAt(ARGO, diagnostic)), ['9.9.9.9', '1.1.1.1']);
    assert.match(String(diagnostics[0].message), /this Argo CD Application's spec\.sources\[0\]\.kustomize\.patches patch/);
    const actions = await client.codeActions(file, diagnostics[0].range, [diagnostics[0]], ['quickfix']);
    const remove = actions.find((action) => action.title === 'Remove this external IP');
    assert.ok(remove?.edit, `offered: ${actions.map((action) => action.title).join(' | ')}`);
    const fixed = applyWorkspaceEdit(remove.edit, { [fileUri(file)]: ARGO })[fileUri(file)];
    assert.equal(fixed, ARGO.replace('[9.9.9.9, 1.1.1.1]', '[1.1.1.1]'));
  });
});
