// Helm values traced through a chart, live in the language server: the workspace scan reports a value that a
// template renders into spec.externalIPs on the values file's line; typing in the open values file makes
// the finding appear and disappear; an edit to the template re-publishes the values file, which is not open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileChangeType } from 'vscode-languageserver-protocol/node';
import { applyWorkspaceEdit, fileUri, LspTestClient } from './lspTestClient';
import { TempWorkspace } from './workspaceFixtures';

const template = (valuesPath: string) =>
  [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: {{ .Release.Name }}',
    'spec:',
    '  ports:',
    '  - port: 443',
    `  {{- with .Values.${valuesPath} }}`,
    '  externalIPs:',
    '    {{- toYaml . | nindent 4 }}',
    '  {{- end }}',
    '',
  ].join('\n');

const values = (...ips: string[]) => ['service:', '  externalIPs:', ...ips.map((ip) => `    - ${ip}`), 'unrendered:', '  externalIPs: [198.51.100.9]', ''].join('\n');

describe('language server: Helm values', () => {
  let workspace: TempWorkspace;
  let client: LspTestClient;
  let valuesPath: string;
  let templatePath: string;

  before(async () => {
    workspace = new TempWorkspace({
      'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
      'chart/templates/service.yaml': template('service.externalIPs'),
      'chart/values.yaml': values('203.0.113.7'),
    });
    valuesPath = workspace.path('chart/values.yaml');
    templatePath = workspace.path('chart/templates/service.yaml');
    client = await LspTestClient.start({ folders: [workspace.root] });
    await client.waitForScans(1);
  });

  after(async () => {
    await client?.dispose();
    workspace?.dispose();
  });

  it('reports the rendered value on the values file line after the scan, with the template as related information', async () => {
    const [finding] = await client.waitForDiagnostics(valuesPath, (list) => list.length === 1, 'the traced value');
    assert.equal(finding.code, 'external-ips');
    assert.equal(finding.severity, 1);
    assert.deepEqual(finding.range.start, { line: 2, character: 6 });
    assert.match(String(finding.message), /\.Values\.service\.externalIPs is rendered into spec\.externalIPs of a Service/);
    assert.deepEqual(
      finding.relatedInformation?.map((related) => [related.location.uri, related.location.range.start.line]),
      [[fileUri(templatePath), 9]],
    );
    assert.deepEqual(client.diagnostics.get(fileUri(templatePath)) ?? [], []);
  });

  it('typing in the open values file makes findings appear and disappear', async () => {
    await client.openDocument(valuesPath, values('203.0.113.7'));
    await client.changeDocument(valuesPath, values('203.0.113.7', '192.0.2.1'));
    await client.waitForDiagnostics(valuesPath, (list) => list.length === 2 && list[1].range.start.line === 3, 'a second value');
    await client.changeDocument(valuesPath, values());
    await client.waitForDiagnostics(valuesPath, (list) => list.length === 0, 'no value left');
    await client.changeDocument(valuesPath, values('10.0.0.1'));
    const [finding] = await client.waitForDiagnostics(valuesPath, (list) => list.length === 1, 'a value again');
    assert.match(String(finding.message), /externalIP 10\.0\.0\.1 /);
    await client.closeDocument(valuesPath);
    await client.waitForDiagnostics(valuesPath, (list) => list.length === 1 && /203\.0\.113\.7/.test(String(list[0].message)), 'the file on disk again');
  });

  it('offers to suppress a traced value; applied, the finding is gone and the comment counts as used', async () => {
    const opened = await client.openDocument(valuesPath, values('203.0.113.7'));
    const diagnostics = await client.waitForDiagnostics(
      valuesPath,
      (list) => list.length === 1 && (list[0].data as { version?: number }).version === opened.version,
      'the open values file, linked',
    );
    const actions = await client.codeActions(valuesPath, diagnostics[0].range, diagnostics, ['quickfix']);
    assert.deepEqual(actions.map((action) => action.title), ['Remove this external IP', 'Suppress external-ips for this line']);
    const uri = fileUri(valuesPath);
    const fixed = applyWorkspaceEdit(actions[1].edit!, { [uri]: client.document(valuesPath).getText() })[uri];
    assert.equal(fixed, values('203.0.113.7').replace('    - 203.0.113.7', '    # kube-mitm-guard-disable-next-line external-ips\n    - 203.0.113.7'));
    await client.changeDocument(valuesPath, fixed);
    await client.waitForDiagnostics(valuesPath, (list) => list.length === 0, 'no finding, no unused suppression');
    await client.closeDocument(valuesPath);
    await client.waitForDiagnostics(valuesPath, (list) => list.length === 1, 'the file on disk again');
  });

  it('offers to remove a traced value: one of two leaves the other, the only one leaves an empty list, and the finding goes', async () => {
    const uri = fileUri(valuesPath);
    const expected = [values('192.0.2.1'), values().replace('  externalIPs:\nunrendered', '  externalIPs: []\nunrendered')];
    for (const [index, text] of [values('203.0.113.7', '192.0.2.1'), values('203.0.113.7')].entries()) {
      const opened = index === 0 ? await client.openDocument(valuesPath, text) : await client.changeDocument(valuesPath, text);
      const diagnostics = await client.waitForDiagnostics(
        valuesPath,
        (list) => list.length > 0 && (list[0].data as { version?: number }).version === opened.version,
        'the open values file, linked',
      );
      const [action] = await client.codeActions(valuesPath, diagnostics[0].range, [diagnostics[0]], ['quickfix']);
      assert.equal(action.title, 'Remove this external IP');
      assert.equal(action.isPreferred, true);
      const fixed = applyWorkspaceEdit(action.edit!, { [uri]: client.document(valuesPath).getText() })[uri];
      assert.equal(fixed, expected[index]);
      await client.changeDocument(valuesPath, fixed);
      await client.waitForDiagnostics(valuesPath, (list) => list.every((diagnostic) => !String(diagnostic.message).includes('203.0.113.7')), 'the removed value gone');
    }
    await client.closeDocument(valuesPath);
    await client.waitForDiagnostics(valuesPath, (list) => list.length === 1, 'the file on disk again');
  });

  it('a template changed on disk re-publishes the values file: a value no template renders is no finding', async () => {
    workspace.write('chart/templates/service.yaml', template('elsewhere'));
    await client.fileChanged(templatePath, FileChangeType.Changed);
    await client.waitForDiagnostics(valuesPath, (list) => list.length === 0, 'nothing renders service.externalIPs');
    workspace.write('chart/templates/service.yaml', template('unrendered.externalIPs'));
    await client.fileChanged(templatePath, FileChangeType.Changed);
    const [finding] = await client.waitForDiagnostics(valuesPath, (list) => list.length === 1 && list[0].range.start.line === 4, 'the other value rendered now');
    assert.match(String(finding.message), /198\.51\.100\.9/);
  });
});
