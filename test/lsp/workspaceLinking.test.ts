// Findings that cross files, live: a binding in one file and the role it refers to in another, edited
// in the editor or changed on disk, re-publish the other file's diagnostics without a rescan.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileChangeType } from 'vscode-languageserver-protocol/node';
import { fileUri, LspTestClient } from './lspTestClient';
import { clusterRoleBinding, STATUS_WRITER_ROLE } from '../support/rbacFixtures';
import { TempWorkspace } from './workspaceFixtures';

const ROLE = STATUS_WRITER_ROLE;
const binding = (subject: string) => clusterRoleBinding('lb-status', subject);

const CONTROL_PLANE = '{kind: ServiceAccount, name: lb, namespace: kube-system}';
const PEOPLE = '{kind: Group, name: developers}';

describe('language server: findings across files', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;
  let rolePath: string;
  let bindingPath: string;

  before(async () => {
    workspace = new TempWorkspace({ 'rbac/role.yaml': ROLE, 'rbac/binding.yaml': binding(CONTROL_PLANE) });
    rolePath = workspace.path('rbac/role.yaml');
    bindingPath = workspace.path('rbac/binding.yaml');
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('judges the role by the binding in the other file after the scan', async () => {
    const [finding] = await client.waitForDiagnostics(rolePath, (list) => list.length === 1);
    assert.equal(finding.code, 'rbac-services-status');
    assert.equal(finding.severity, 3 /* Information: only the control plane holds it */);
    assert.deepEqual(client.diagnostics.get(fileUri(bindingPath)) ?? [], []);
  });

  it('an edit to the open binding re-publishes the role file, which is not open, and the binding gets its finding with the path', async () => {
    await client.openDocument(bindingPath, binding(CONTROL_PLANE));
    await client.changeDocument(bindingPath, binding(PEOPLE));
    const [subject] = await client.waitForDiagnostics(bindingPath, (list) => list.length === 1, 'the binding finding');
    assert.equal(subject.code, 'rbac-services-status-binding');
    assert.equal(subject.severity, 1);
    assert.deepEqual(subject.range.start, { line: 6, character: 2 });
    assert.match(String(subject.message), /^Group developers gets patch\/update on services\/status in every namespace through ClusterRoleBinding bind → ClusterRole lb-status\./);
    assert.deepEqual(
      subject.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line]),
      [[fileUri(rolePath), 5]],
    );
    const [role] = await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 1, 'the role file re-published as an error');
    assert.match(String(role.message), /Held by Group developers through ClusterRoleBinding bind\.$/);
    assert.deepEqual(role.relatedInformation?.map((related) => related.location.uri), [fileUri(bindingPath)]);
    await client.closeDocument(bindingPath);
  });

  it('an edit that moves the open role publishes it once per version, already linked (no flicker to its unlinked severity)', async () => {
    workspace.write('rbac/binding.yaml', binding(PEOPLE));
    await client.fileChanged(bindingPath, FileChangeType.Changed);
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 1, 'the role held by people');
    await client.openDocument(rolePath, ROLE);
    // Lines above the rule move every key of the file's findings and facts.
    const edited = await client.changeDocument(rolePath, '# moved down by a comment\n# and another\n' + ROLE);
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].range.start.line === 8, 'the moved role finding');
    const publishes = client.publishLog.filter((entry) => entry.uri === fileUri(rolePath) && entry.version === edited.version);
    assert.ok(publishes.length >= 1);
    assert.deepEqual(publishes.map((entry) => entry.severities), publishes.map(() => [1]));
    await client.closeDocument(rolePath);
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].range.start.line === 6, 'the role from disk again');
  });

  it('a role deleted on disk takes the binding finding with it; recreated, it brings it back', async () => {
    workspace.write('rbac/binding.yaml', binding(PEOPLE));
    await client.fileChanged(bindingPath, FileChangeType.Changed);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 1, 'the binding finding from disk');
    workspace.remove('rbac/role.yaml');
    await client.fileChanged(rolePath, FileChangeType.Deleted);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 0, 'the binding finding gone with the role');
    workspace.write('rbac/role.yaml', ROLE);
    await client.fileChanged(rolePath, FileChangeType.Created);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 1, 'the binding finding back');
  });
});
