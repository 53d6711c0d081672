// The npm package: what `npm pack` puts in it, and that it works as users install it (a global install
// and a project's devDependency run through npx), from the tarball, offline, outside the repository.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { installGlobally, mustRun, offlineNpmEnv, PackedPackage, packageVersion, packPackage, pathWith, REPO_ROOT, run } from '../support/npmPackage';
import { TempDir } from '../support/tempDir';

const SERVICE = ['apiVersion: v1', 'kind: Service', 'metadata: {name: web}', 'spec:', '  ports: [{port: 80}]', '  externalIPs:', '    - 8.8.8.8', ''].join('\n');

interface Manifest {
  name: string;
  private?: boolean;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bundleDependencies?: unknown;
  scripts: Record<string, string>;
}

/** One initialize round trip and one document's diagnostics from `kube-mitm-guard lsp --stdio` on PATH. */
async function lspRoundTrip(binDir: string, cwd: string, documentPath: string): Promise<{ serverName?: string; diagnostics: PublishDiagnosticsParams }> {
  const child = spawn('kube-mitm-guard', ['lsp', '--stdio'], { cwd, env: { ...process.env, PATH: pathWith(binDir) }, stdio: 'pipe' });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const uri = pathToFileURL(documentPath).href;
  const published = new Promise<PublishDiagnosticsParams>((resolve) => {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      if (params.uri === uri && params.diagnostics.length > 0) resolve(params);
    });
  });
  // The client advertises no capabilities, so the server asks nothing of it; it still logs and reports.
  connection.onNotification('window/logMessage', () => undefined);
  connection.onNotification('kubeMitmGuard/status', () => undefined);
  connection.listen();
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no diagnostics within 20 s; stderr: ${stderr.join('')}`)), 20_000).unref());
    const initialized = await Promise.race([
      connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null }),
      timeout,
    ]);
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: 1, text: fs.readFileSync(documentPath, 'utf8') },
    });
    const diagnostics = await Promise.race([published, timeout]);
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    return { serverName: initialized.serverInfo?.name, diagnostics };
  } finally {
    connection.dispose();
    child.kill();
  }
}

describe('the npm package', () => {
  let scratch: TempDir;
  let packed: PackedPackage;
  let binDir: string;
  let project: TempDir;

  before(() => {
    scratch = new TempDir({}, 'kmg-npm-');
    packed = packPackage(scratch.path('pack'));
    binDir = installGlobally(packed.tarball, scratch.path('prefix'), scratch.root);
    project = new TempDir({ 'deploy/svc.yaml': SERVICE }, 'kmg-npm-project-');
  });

  after(() => {
    scratch.dispose();
    project.dispose();
  });

  it('holds only what the command line runs, with no dependencies left for npm to install', () => {
    assert.equal(path.basename(packed.tarball), `kube-mitm-guard-${packageVersion()}.tgz`);
    assert.deepEqual(packed.files, ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cli.js', 'dist/scanWorker.js', 'package.json', 'schemas/kube-mitm-guard.schema.json']);
    assert.ok(fs.statSync(packed.tarball).size < 1024 * 1024, 'the tarball stays small');
    const installed = path.join(scratch.path('prefix'), 'lib', 'node_modules', 'kube-mitm-guard');
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as Manifest;
    assert.equal(manifest.private, undefined);
    assert.deepEqual(manifest.bin, { 'kube-mitm-guard': './dist/cli.js' });
    assert.equal(manifest.engines.node, '>=20');
    // The bundles contain the libraries; nothing may be installed beside them.
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies'] as const) assert.equal(manifest[field], undefined, field);
    assert.equal(fs.existsSync(path.join(installed, 'node_modules')), false);
    // Publishing builds the bundles it ships first.
    assert.match(manifest.scripts.prepack, /scripts\/build\.mjs/);
    assert.ok(fs.readFileSync(path.join(installed, 'dist', 'cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n'));
  });

  it('runs check, policy and --version once installed globally, from outside the repository', () => {
    const env = { ...process.env, PATH: pathWith(binDir) };
    assert.equal(path.relative(REPO_ROOT, project.root).startsWith('..'), true);
    assert.equal(mustRun('kube-mitm-guard', ['--version'], { cwd: project.root, env }).stdout.trim(), packageVersion());
    const found = run('kube-mitm-guard', ['check', '.'], { cwd: project.root, env });
    assert.equal(found.code, 1, found.stderr);
    assert.match(found.stdout, /^deploy\/svc\.yaml:7:7 error external-ips externalIP 8\.8\.8\.8 /m);
    project.write('.kube-mitm-guard.yaml', 'allowedExternalIPCidrs: [8.8.8.8/32]\n');
    try {
      const allowed = run('kube-mitm-guard', ['check', '.'], { cwd: project.root, env });
      assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
      const policy = mustRun('kube-mitm-guard', ['policy'], { cwd: project.root, env });
      assert.match(policy.stdout, /kind: ValidatingAdmissionPolicy\n/);
      assert.match(policy.stdout, /8\.8\.8\.8\/32/);
    } finally {
      project.remove('.kube-mitm-guard.yaml');
    }
  });

  it('answers an LSP initialize and publishes diagnostics from the installed package', async () => {
    const { serverName, diagnostics } = await lspRoundTrip(binDir, project.root, project.path('deploy/svc.yaml'));
    assert.equal(serverName, 'kube-mitm-guard');
    assert.deepEqual(
      diagnostics.diagnostics.map((diagnostic) => [diagnostic.source, diagnostic.code, diagnostic.range.start.line]),
      [
        ['kube-mitm-guard', 'external-ips-deprecated', 5],
        ['kube-mitm-guard', 'external-ips', 6],
      ],
    );
  });

  it('runs with npx from a project that has it as a devDependency', () => {
    const app = new TempDir({ 'package.json': JSON.stringify({ name: 'app', version: '1.0.0', private: true }), 'k8s/svc.yaml': SERVICE }, 'kmg-npm-app-');
    try {
      const env = offlineNpmEnv(scratch.root);
      mustRun('npm', ['install', '--save-dev', '--offline', packed.tarball], { cwd: app.root, env });
      const manifest = JSON.parse(app.read('package.json')) as { devDependencies: Record<string, string> };
      assert.match(manifest.devDependencies['kube-mitm-guard'], /kube-mitm-guard-.*\.tgz$/);
      const result = run('npx', ['kube-mitm-guard', 'check', '--format', 'json', 'k8s'], { cwd: app.root, env });
      assert.equal(result.code, 1, result.stderr);
      const report = JSON.parse(result.stdout) as { tool: { version: string }; findings: { file: string; rule: string }[] };
      assert.equal(report.tool.version, packageVersion());
      assert.deepEqual(report.findings.map((finding) => [finding.file, finding.rule]), [
        ['k8s/svc.yaml', 'external-ips-deprecated'],
        ['k8s/svc.yaml', 'external-ips'],
      ]);
    } finally {
      app.dispose();
    }
  });
});
