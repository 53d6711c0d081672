// rbac-endpoints-write over the real protocol (CVE-2021-25740): a binding in one file hands a role of
// another file that writes Endpoints to people; both files get their findings after the scan, the
// subject's with the granting rule as related information, and a hover shows the path.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Hover, MarkupContent } from 'vscode-languageserver-protocol/node';
import { yaml } from '../support/engine';
import { clusterRoleBinding } from '../support/rbacFixtures';
import { fileUri, LspTestClient } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

// The rule's resource entry is line 6; the binding's subjects are lines 6 (people) and 7 (a workload).
const ROLE = yaml(
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: ClusterRole',
  'metadata:',
  '  name: endpoints-writer',
  'rules:',
  '- apiGroups: [discovery.k8s.io]',
  '  resources: [endpointslices]',
  '  verbs: [get, create]',
);
const BINDING = clusterRoleBinding('endpoints-writer', '{kind: Group, name: developers}', '{kind: ServiceAccount, name: ingress, namespace: team-a}');

function markdown(hover: Hover | null): string {
  assert.ok(hover, 'a hover');
  return (hover.contents as MarkupContent).value;
}

describe('language server: rbac-endpoints-write across files', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'rbac/role.yaml': ROLE, 'rbac/binding.yaml': BINDING });
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('reports the people subject (not the workload) with the granting rule as related information, and the role as an error', async () => {
    const rolePath = workspace.path('rbac/role.yaml');
    const bindingPath = workspace.path('rbac/binding.yaml');
    const [subject] = await client.waitForDiagnostics(bindingPath, (list) => list.length === 1, 'the binding finding');
    assert.equal(subject.code, 'rbac-endpoints-write-binding');
    assert.equal(subject.source, 'kube-mitm-guard');
    assert.equal(subject.severity, 1 /* Error */);
    assert.deepEqual(subject.range.start, { line: 6, character: 2 });
    assert.match(String(subject.message), /^Group developers gets create\/update\/patch on endpoints or endpointslices in every namespace through ClusterRoleBinding bind → ClusterRole endpoints-writer\. .*\(CVE-2021-25740\)\.$/);
    assert.deepEqual(
      subject.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line, related.message]),
      [[fileUri(rolePath), 5, 'grants it: apiGroups ["discovery.k8s.io"], resources ["endpointslices"], verbs ["get","create"] in ClusterRole endpoints-writer']],
    );
    assert.match(String(subject.codeDescription?.href), /#rule-rbac-endpoints-write-binding$/);

    const [role] = await client.waitForDiagnostics(rolePath, (list) => list.length === 1 && list[0].severity === 1, 'the role as an error');
    assert.equal(role.code, 'rbac-endpoints-write');
    assert.deepEqual(role.range.start, { line: 6, character: 14 });
    assert.match(String(role.message), /Held by Group developers through ClusterRoleBinding bind and 1 other holder\.$/);
    assert.deepEqual(role.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line]), [
      [fileUri(bindingPath), 6],
      [fileUri(bindingPath), 7],
    ]);
  });

  it('hovers on the subject with the path down to the granting rule', async () => {
    const hover = markdown(await client.hover(workspace.path('rbac/binding.yaml'), { line: 6, character: 12 }));
    assert.match(hover, /^\*\*Group developers\*\* \(people\) gets create\/update\/patch on endpoints or endpointslices in every namespace:/);
    assert.ok(hover.includes('`apiGroups ["discovery.k8s.io"], resources ["endpointslices"], verbs ["get","create"]`'), hover);
  });
});
