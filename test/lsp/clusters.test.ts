// Several clusters in one workspace folder (policy file key `clusters`): roles and bindings link only
// within each, and editing the policy file moves files between clusters and re-links them live.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileChangeType } from 'vscode-languageserver-protocol/node';
import { fileUri, LspTestClient } from './lspTestClient';
import { clusterRoleBinding, STATUS_WRITER_ROLE } from '../support/rbacFixtures';
import { TempWorkspace } from './workspaceFixtures';

const PEOPLE = '{kind: Group, name: developers}';
const SEPARATE = 'clusters:\n  a: [clusters/a]\n  b: [clusters/b]\n';

describe('language server: clusters in one workspace folder', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;
  let rolePath: string;
  let bindingPath: string;
  let configPath: string;

  before(async () => {
    workspace = new TempWorkspace({
      '.kube-mitm-guard.yaml': SEPARATE,
      'clusters/a/binding.yaml': clusterRoleBinding('lb-status', PEOPLE),
      'clusters/b/role.yaml': STATUS_WRITER_ROLE,
    });
    rolePath = workspace.path('clusters/b/role.yaml');
    bindingPath = workspace.path('clusters/a/binding.yaml');
    configPath = workspace.path('.kube-mitm-guard.yaml');
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('does not link a binding in one cluster to a role in another', async () => {
    const [role] = await client.waitForDiagnostics(rolePath, (list) => list.length === 1);
    assert.equal(role.code, 'rbac-services-status');
    assert.equal(role.severity, 2 /* Warning: bound nowhere in its cluster */);
    assert.equal(role.relatedInformation, undefined);
    assert.deepEqual(await client.waitForDiagnostics(bindingPath, (list) => list.length === 0), []);
  });

  it('links them once the policy file no longer separates them, and separates them again when it does', async () => {
    workspace.write('.kube-mitm-guard.yaml', 'clusters:\n  all: [clusters]\n');
    await client.fileChanged(configPath, FileChangeType.Changed);
    const [subject] = await client.waitForDiagnostics(bindingPath, (list) => list.length === 1, 'the binding linked to the role');
    assert.equal(subject.code, 'rbac-services-status-binding');
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 1, 'the role held by people');

    workspace.write('.kube-mitm-guard.yaml', SEPARATE);
    await client.fileChanged(configPath, FileChangeType.Changed);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 0, 'the binding alone in its cluster');
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 2, 'the role bound nowhere');
  });

  it('files no cluster takes in form the folder\'s default cluster', async () => {
    workspace.write('.kube-mitm-guard.yaml', 'clusters:\n  a: [clusters/a]\n');
    await client.fileChanged(configPath, FileChangeType.Changed);
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 2, 'the role in the default cluster, bound nowhere');
    const other = workspace.write('other/binding.yaml', clusterRoleBinding('lb-status', PEOPLE));
    await client.fileChanged(other, FileChangeType.Created);
    await client.waitForDiagnostics(other, (list) => list.length === 1, 'a binding in the default cluster links to the role there');
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 1, 'the role held by people');
    assert.deepEqual(client.diagnostics.get(fileUri(bindingPath)) ?? [], [], 'the binding in cluster a still links to nothing');
  });

  it('a change to statusWriters in the policy file re-links files whose facts did not change', async () => {
    workspace.write('.kube-mitm-guard.yaml', 'statusWriters: [developers]\n');
    await client.fileChanged(configPath, FileChangeType.Changed);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 0, 'developers trusted: no binding finding');
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 3, 'the role held by the trusted writers only');
    workspace.write('.kube-mitm-guard.yaml', '');
    await client.fileChanged(configPath, FileChangeType.Changed);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 1, 'developers no longer trusted');
  });
});
