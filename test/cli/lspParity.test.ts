// The CLI and the language server must give identical findings on the same files: this runs
// `kube-mitm-guard lsp --stdio` (the server inside dist/cli.js) as an editor would, lets it scan a
// workspace folder, and compares every published diagnostic with `check --format json`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  ConfigurationRequest,
  createProtocolConnection,
  Diagnostic,
  DiagnosticSeverity,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
} from 'vscode-languageserver-protocol/node';
import { CLI, JsonReport, runCli, TempDir } from './cliHarness';
import { externalIpService } from '../support/serviceFixtures';

const SEVERITY_NAMES: Record<number, string> = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'information',
  [DiagnosticSeverity.Hint]: 'hint',
};

interface Comparable {
  file: string;
  rule: string;
  severity: string;
  range: string;
  message: string;
  /** Related locations as `file:line message`. */
  related: string[];
}

function sortKey(item: Comparable): string {
  return `${item.file}\u0000${item.range}\u0000${item.rule}`;
}

async function diagnosticsFromServer(root: string): Promise<Map<string, Diagnostic[]>> {
  const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: 'pipe' });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const diagnostics = new Map<string, Diagnostic[]>();
  let scanEnded!: () => void;
  const scanned = new Promise<void>((resolve) => (scanEnded = resolve));
  connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({})));
  connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
  connection.onRequest(RegistrationRequest.type, () => undefined);
  connection.onNotification('$/progress', (params: { value: { kind: string } }) => {
    if (params.value.kind === 'end') scanEnded();
  });
  connection.onNotification('window/logMessage', () => undefined);
  connection.onNotification('kubeMitmGuard/status', () => undefined);
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    diagnostics.set(fileURLToPath(params.uri), params.diagnostics);
  });
  connection.listen();
  try {
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true },
        window: { workDoneProgress: true },
        textDocument: { publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true, dataSupport: true } },
      },
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: path.basename(root) }],
    });
    await connection.sendNotification(InitializedNotification.type, {});
    await Promise.race([
      scanned,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no scan ended within 20 s; stderr: ${stderr.join('')}`)), 20_000)),
    ]);
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
  } finally {
    connection.dispose();
    child.kill();
  }
  return diagnostics;
}

describe('CLI and language server parity', () => {
  let workspace: TempDir;

  before(() => {
    workspace = TempDir.workspace();
    // A role, the role aggregating it and a binding of the aggregate, each in its own file.
    workspace.write(
      'cross/piece.yaml',
      ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: piece, labels: {example.com/lb: "true"}}', 'rules:', '- {apiGroups: [""], resources: [services/status], verbs: [update]}', ''].join('\n'),
    );
    workspace.write(
      'cross/aggregate.yaml',
      ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: lb-ops}', 'aggregationRule:', '  clusterRoleSelectors: [{matchLabels: {example.com/lb: "true"}}]', ''].join('\n'),
    );
    workspace.write(
      'cross/binding.yaml',
      ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata: {name: ops}', 'roleRef: {kind: ClusterRole, name: lb-ops}', 'subjects:', '- {kind: User, name: dana}', ''].join('\n'),
    );
    // Two Services of different namespaces that claim one externalIP and port, written differently.
    workspace.write('cross/svc-a.yaml', externalIpService('{name: a, namespace: team-a}', '[{port: 53, protocol: UDP}]', '2001:db8::53'));
    workspace.write('cross/svc-b.yaml', externalIpService('{name: b, namespace: team-b}', '[{port: 53, protocol: UDP}]', '2001:DB8:0::53'));
    // What else the editor meets: CRLF line endings with a BOM, and a file the config's exclude hides.
    workspace.write(
      'crlf-bom.yaml',
      '\uFEFF' + ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: crlf', 'spec:', '  externalIPs: ["0.0.0.0", 4.4.4.4]', 'status:', '  loadBalancer: {ingress: [{ip: 4.4.4.4}]}', ''].join('\r\n'),
    );
  });

  after(() => workspace.dispose());

  it('lsp without a transport is a usage error', () => {
    const result = runCli(['lsp'], { cwd: workspace.root });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /lsp needs a transport: kube-mitm-guard lsp --stdio/);
  });

  it('reports the same files, ranges, rules, severities and messages as check --format json', async () => {
    const published = await diagnosticsFromServer(workspace.root);
    const fromServer: Comparable[] = [];
    for (const [file, list] of published) {
      for (const diagnostic of list) {
        fromServer.push({
          file: path.relative(workspace.root, file).split(path.sep).join('/'),
          rule: String(diagnostic.code),
          severity: SEVERITY_NAMES[diagnostic.severity ?? 0],
          range: JSON.stringify(diagnostic.range),
          message: typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value,
          related: (diagnostic.relatedInformation ?? []).map(
            (related) => `${path.relative(workspace.root, fileURLToPath(related.location.uri)).split(path.sep).join('/')}:${related.location.range.start.line + 1} ${related.message}`,
          ),
        });
      }
    }
    // The editor reports the deprecation hint too: the run names the rule so the harness keeps it.
    const result = runCli(['check', '--format', 'json', '--rule', 'external-ips-deprecated=hint'], { cwd: workspace.root });
    const report = JSON.parse(result.stdout) as JsonReport;
    const fromCli: Comparable[] = report.findings.map((finding) => ({
      file: finding.file,
      rule: finding.rule,
      severity: finding.severity,
      range: JSON.stringify(finding.range),
      message: finding.message,
      related: finding.related.map((related) => `${related.file}:${related.line} ${related.message}`),
    }));
    fromServer.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    fromCli.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    // The comparison means something only if the fixture exercises every rule and both sides found them.
    assert.deepEqual(
      [...new Set(fromCli.map((item) => item.rule))].sort(),
      ['external-ip-conflict', 'external-ip-invalid', 'external-ips', 'external-ips-deprecated', 'loadbalancer-status', 'rbac-services-status', 'rbac-services-status-binding', 'unused-suppression'],
    );
    assert.ok(fromCli.some((item) => item.file === 'crlf-bom.yaml'));
    // Findings across files, with their paths: the binding in one file, the aggregated role in another.
    const binding = fromCli.find((item) => item.rule === 'rbac-services-status-binding');
    assert.deepEqual(binding?.file, 'cross/binding.yaml');
    assert.match(binding?.related[0] ?? '', /^cross\/piece\.yaml:\d+ grants it/);
    const conflict = fromCli.find((item) => item.rule === 'external-ip-conflict');
    assert.match(conflict?.related[0] ?? '', /^cross\/svc-[ab]\.yaml:\d+ Service team-[ab]\/[ab] claims it too/);
    assert.deepEqual(fromServer, fromCli);
  });
});
