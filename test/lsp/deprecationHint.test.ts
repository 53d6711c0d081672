// The deprecation hint over the protocol: DiagnosticSeverity.Hint on the externalIPs key, with its docs link;
// a headless Service's external-ips finding is Information even when the settings say error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { LspTestClient } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

const SERVICE = ['apiVersion: v1', 'kind: Service', 'metadata: {name: edge}', 'spec:', '  ports: [{port: 443}]', '  externalIPs: [203.0.113.10]', ''].join('\n');
const HEADLESS = SERVICE.replace('{name: edge}', '{name: db}').replace('  ports:', '  clusterIP: None\n  ports:');

describe('language server: external-ips-deprecated and ignored externalIPs', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;

  before(async () => {
    workspace = new TempWorkspace({ 'edge.yaml': SERVICE, 'db.yaml': HEADLESS });
    client = await LspTestClient.start({ folders: [workspace.root], deprecationHint: true, settings: { rules: { 'external-ips': 'error' } } });
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('publishes the deprecation as a Hint on the externalIPs key, with a link to its README section', async () => {
    const list = await client.waitForDiagnostics(workspace.path('edge.yaml'), (diagnostics) => diagnostics.length === 2);
    const hint = list.find((diagnostic) => diagnostic.code === 'external-ips-deprecated');
    assert.equal(hint?.severity, DiagnosticSeverity.Hint);
    assert.deepEqual(hint?.range, { start: { line: 5, character: 2 }, end: { line: 5, character: 13 } });
    assert.equal(hint?.codeDescription?.href, 'https://github.com/kube-mitm-guard/kube-mitm-guard#rule-external-ips-deprecated');
    assert.equal(list.find((diagnostic) => diagnostic.code === 'external-ips')?.severity, DiagnosticSeverity.Error);
  });

  it("caps a headless Service's external-ips at Information, however the setting is", async () => {
    const list = await client.waitForDiagnostics(workspace.path('db.yaml'), (diagnostics) => diagnostics.length === 2);
    const finding = list.find((diagnostic) => diagnostic.code === 'external-ips');
    assert.equal(finding?.severity, DiagnosticSeverity.Information);
    assert.match(String(finding?.message), /spec\.externalIPs is ignored for headless services/);
  });
});
