// Findings that cross files, live: a binding in one file and the role it refers to in another, or two
// Services that share an externalIP, edited in the editor or changed on disk, re-publish the other
// file's diagnostics without a rescan.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Diagnostic, FileChangeType } from 'vscode-languageserver-protocol/node';
import { applyWorkspaceEdit, fileUri, LspTestClient } from './lspTestClient';
import { clusterRoleBinding, STATUS_WRITER_ROLE } from '../support/rbacFixtures';
import { externalIpService, FIRST_ENTRY_LINE } from '../support/serviceFixtures';
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
    // Closed, the binding is read from disk again (control plane): the next test starts from that link.
    await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 3, 'the role held by the control plane again');
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

  it('offers to suppress a binding finding, which the link phase reported; applied, the finding is gone and the comment counts as used', async () => {
    workspace.write('rbac/binding.yaml', binding(PEOPLE));
    await client.fileChanged(bindingPath, FileChangeType.Changed);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 1, 'the binding finding from disk');
    const opened = await client.openDocument(bindingPath, binding(PEOPLE));
    const ofOpenedVersion = (list: Diagnostic[]) => list.length === 1 && (list[0].data as { version?: number }).version === opened.version;
    const diagnostics = await client.waitForDiagnostics(bindingPath, ofOpenedVersion, 'the open binding, linked');
    const actions = await client.codeActions(bindingPath, diagnostics[0].range, diagnostics, ['quickfix']);
    assert.deepEqual(actions.map((action) => action.title), ['Suppress rbac-services-status-binding for this line']);
    const uri = fileUri(bindingPath);
    const fixed = applyWorkspaceEdit(actions[0].edit!, { [uri]: client.document(bindingPath).getText() })[uri];
    assert.equal(fixed, binding(PEOPLE).replace('- {kind: Group', '# kube-mitm-guard-disable-next-line rbac-services-status-binding\n- {kind: Group'));
    await client.changeDocument(bindingPath, fixed);
    await client.waitForDiagnostics(bindingPath, (list) => list.length === 0, 'no finding, no unused suppression');
    await client.closeDocument(bindingPath);
  });
});

describe('language server: Services that share an externalIP, across files', () => {
  const web = externalIpService('{name: web, namespace: team-a}', '[{port: 443}]', '203.0.113.10');
  const api = (ip: string) => externalIpService('{name: api, namespace: team-b}', '[{port: 443, protocol: TCP}]', ip);
  const conflicts = (list: Diagnostic[]) => list.filter((diagnostic) => diagnostic.code === 'external-ip-conflict');
  let workspace: TempWorkspace;
  let client: LspTestClient;
  let webPath: string;
  let apiPath: string;

  before(async () => {
    // The allowlist keeps external-ips quiet, so each file's diagnostics are its conflicts.
    workspace = new TempWorkspace({ '.kube-mitm-guard.yaml': 'allowedExternalIPCidrs: [203.0.113.0/24]\n', 'svc/web.yaml': web, 'svc/api.yaml': api('203.0.113.20') });
    webPath = workspace.path('svc/web.yaml');
    apiPath = workspace.path('svc/api.yaml');
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('an edit to one Service\'s externalIPs publishes the conflict in the other file, which is not open, and takes it back', async () => {
    assert.deepEqual(client.diagnostics.get(fileUri(webPath)) ?? [], []);
    await client.openDocument(apiPath, api('203.0.113.20'));
    await client.changeDocument(apiPath, api('203.0.113.10'));
    const [onWeb] = await client.waitForDiagnostics(webPath, (list) => conflicts(list).length === 1, 'the conflict in the file not open');
    assert.equal(onWeb.severity, 2 /* Warning */);
    assert.deepEqual(onWeb.range.start, { line: FIRST_ENTRY_LINE, character: 6 });
    assert.match(String(onWeb.message), /^Service team-b\/api also claims externalIP 203\.0\.113\.10 with port 443\/TCP\./);
    assert.deepEqual(
      onWeb.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line]),
      [[fileUri(apiPath), FIRST_ENTRY_LINE]],
    );
    const [onApi] = await client.waitForDiagnostics(apiPath, (list) => conflicts(list).length === 1, 'the conflict in the edited file');
    assert.match(String(onApi.message), /^Service team-a\/web also claims/);
    // Another protocol is another port: no conflict.
    await client.changeDocument(apiPath, api('203.0.113.10').replace('protocol: TCP', 'protocol: UDP'));
    await client.waitForDiagnostics(webPath, (list) => list.length === 0, 'the conflict gone with the protocol');
    await client.closeDocument(apiPath);
  });

  it('a Service changed on disk brings the conflict, and deleting it takes the conflict away', async () => {
    workspace.write('svc/api.yaml', api('203.0.113.10'));
    await client.fileChanged(apiPath, FileChangeType.Changed);
    await client.waitForDiagnostics(webPath, (list) => conflicts(list).length === 1, 'the conflict from disk');
    workspace.remove('svc/api.yaml');
    await client.fileChanged(apiPath, FileChangeType.Deleted);
    await client.waitForDiagnostics(webPath, (list) => list.length === 0, 'the conflict gone with the file');
  });
});
