// Mitigations in the editor: an admission policy judged by its binding in another file, re-published
// when the binding is edited to audit only, and the quick fix that switches a Kyverno policy to Enforce.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TextDocumentEdit } from 'vscode-languageserver-protocol/node';
import { fileUri, LspTestClient } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';
import { admissionBinding, EXTERNAL_IPS_POLICY } from '../support/mitigationFixtures';

const KYVERNO = [
  'apiVersion: kyverno.io/v1',
  'kind: ClusterPolicy',
  'metadata:',
  '  name: restrict-external-ips',
  'spec:',
  '  validationFailureAction: Audit',
  '  rules:',
  '  - name: check-ips',
  '    validate:',
  '      pattern: {spec: {X(externalIPs): "null"}}',
  '',
].join('\n');

describe('language server: mitigations', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'vap.yaml': EXTERNAL_IPS_POLICY, 'binding.yaml': admissionBinding('Deny'), 'kyverno.yaml': KYVERNO });
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('re-publishes the policy file when its binding, in another file, is edited to audit only', async () => {
    const policyPath = workspace.path('vap.yaml');
    const bindingPath = workspace.path('binding.yaml');
    assert.deepEqual(client.diagnostics.get(fileUri(policyPath)) ?? [], []);
    await client.openDocument(bindingPath, admissionBinding('Deny'));
    await client.changeDocument(bindingPath, admissionBinding('Audit'));
    const [finding] = await client.waitForDiagnostics(policyPath, (list) => list.length === 1, 'the policy judged by its binding');
    assert.equal(finding.code, 'mitigation-not-enforced');
    assert.equal(finding.source, 'kube-mitm-guard');
    assert.equal(finding.severity, 2);
    assert.deepEqual(finding.range.start, { line: 3, character: 8 });
    assert.match(String(finding.message), /validationActions \(Audit\) lack Deny/);
    assert.deepEqual(finding.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line]), [[fileUri(bindingPath), 3]]);
    await client.changeDocument(bindingPath, admissionBinding('Deny, Audit'));
    await client.waitForDiagnostics(policyPath, (list) => list.length === 0, 'the policy enforced again');
    await client.closeDocument(bindingPath);
  });

  it('offers the switch to Enforce as the preferred quick fix of an audit-only Kyverno policy', async () => {
    const kyvernoPath = workspace.path('kyverno.yaml');
    const document = await client.openDocument(kyvernoPath, KYVERNO);
    // Fixes are offered for the diagnostics of the open document's version.
    const diagnostics = await client.waitForDiagnostics(
      kyvernoPath,
      (list) => list.length === 1 && (list[0].data as { version: number }).version === document.version,
      'the Kyverno finding of the open document',
    );
    const actions = await client.codeActions(kyvernoPath, diagnostics[0].range, diagnostics, ['quickfix']);
    const enforce = actions.find((action) => action.title === 'Set validationFailureAction to Enforce');
    assert.ok(enforce, JSON.stringify(actions.map((action) => action.title)));
    assert.equal(enforce.isPreferred, true);
    const change = enforce.edit?.documentChanges?.[0];
    assert.ok(change !== undefined && TextDocumentEdit.is(change));
    assert.deepEqual(change.edits.map((edit) => [edit.range.start, 'newText' in edit ? edit.newText : undefined]), [[{ line: 5, character: 27 }, 'Enforce']]);
    await client.closeDocument(kyvernoPath);
  });
});
