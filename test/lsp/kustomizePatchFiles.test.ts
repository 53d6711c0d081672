// Kustomize patch files judged with their kustomization's target, live in the language server: the workspace
// scan judges an operation file with the target that refers to it; editing the target in the open
// kustomization re-publishes the patch file (not open) without a rescan, with the patched Service of its
// resources as related information; a kept finding keeps its fixes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileUri, LspTestClient } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

const kustomization = (kind: string) =>
  ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources: [base.yaml]', 'patches:', '- path: patches/ops.yaml', '  target:', `    kind: ${kind}`, ''].join('\n');

const OPS = ['- op: add', '  path: /spec/externalIPs', '  value:', '  - 8.8.8.8', '- op: add', '  path: /rules/-', '  value: {apiGroups: [""], resources: [services/status], verbs: [patch]}', ''].join('\n');

describe('language server: Kustomize patch files', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;
  let kustomizationPath: string;
  let opsPath: string;

  before(async () => {
    workspace = new TempWorkspace({
      // No apiVersion: read as a kustomization by its name.
      'overlay/kustomization.yaml': kustomization('ConfigMap').split('\n').slice(2).join('\n'),
      // A Service the kustomization's resources hold (no word the pre-check knows: read because a kustomization is beside it).
      'overlay/base.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n',
      'overlay/patches/ops.yaml': OPS,
    });
    kustomizationPath = workspace.path('overlay/kustomization.yaml');
    opsPath = workspace.path('overlay/patches/ops.yaml');
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('judges the patch file with the target after the scan: a ConfigMap target makes nothing of it', async () => {
    await client.waitForDiagnostics(opsPath, (list) => list.length === 0, 'no finding under a ConfigMap target');
  });

  it('editing the target in the open kustomization re-publishes the patch file', async () => {
    await client.openDocument(kustomizationPath, kustomization('ConfigMap'));
    await client.changeDocument(kustomizationPath, kustomization('Role'));
    const [rule] = await client.waitForDiagnostics(opsPath, (list) => list.length === 1 && list[0].code === 'rbac-services-status', 'the Role target');
    assert.deepEqual(rule.range.start, { line: 6, character: 39 });
    assert.match(String(rule.message), /applied by the kustomization \.\.\/kustomization\.yaml through its patches entry \(target: Role\)/);
    assert.deepEqual(
      rule.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line]),
      [[fileUri(kustomizationPath), 4]],
    );
    // A finding only the target gives offers the suppression comment.
    const openedRules = await client.openDocument(opsPath, OPS);
    const ruleDiagnostics = await client.waitForDiagnostics(
      opsPath,
      (list) => list.length === 1 && (list[0].data as { version?: number }).version === openedRules.version,
      'the open patch file under the Role target',
    );
    const ruleActions = await client.codeActions(opsPath, ruleDiagnostics[0].range, ruleDiagnostics, ['quickfix']);
    assert.deepEqual(ruleActions.map((action) => action.title), ['Suppress rbac-services-status for this line']);
    await client.closeDocument(opsPath);
    await client.changeDocument(kustomizationPath, kustomization('Service'));
    const [external] = await client.waitForDiagnostics(opsPath, (list) => list.length === 1 && list[0].code === 'external-ips', 'the Service target');
    assert.deepEqual(external.range.start, { line: 3, character: 4 });
    // The patched Service, found through the kustomization's resources.
    assert.deepEqual(
      external.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line]),
      [
        [fileUri(kustomizationPath), 4],
        [fileUri(workspace.path('overlay/base.yaml')), 7],
      ],
    );
    // A finding the target keeps is the file's own: its fixes are still offered.
    const opened = await client.openDocument(opsPath, OPS);
    const diagnostics = await client.waitForDiagnostics(
      opsPath,
      (list) => list.length === 1 && list[0].code === 'external-ips' && (list[0].data as { version?: number }).version === opened.version,
      'the open patch file, linked',
    );
    const actions = await client.codeActions(opsPath, diagnostics[0].range, diagnostics, ['quickfix']);
    assert.ok(actions.some((action) => /Remove/i.test(action.title)), actions.map((action) => action.title).join(', '));
    await client.closeDocument(opsPath);
    await client.changeDocument(kustomizationPath, kustomization('Deployment'));
    await client.waitForDiagnostics(opsPath, (list) => list.length === 0, 'a Deployment target');
  });
});
