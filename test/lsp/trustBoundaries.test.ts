// Trust boundaries (issue 6): during a full scan and fix cycle the server (and the CLI) open no network
// connection, resolve no name and execute nothing, even in a workspace full of things a careless tool
// would run; and a hostile .kube-mitm-guard.yaml (wrong types, deeply nested, huge) is data only: its
// problems are diagnostics in that file, the defaults apply, and the manifests are still checked.
// The process runs under test/support/trustPreload.ts, which records and refuses such calls.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { DiagnosticSeverity, FileChangeType } from 'vscode-languageserver-protocol/node';
import { applyWorkspaceEdit, fileUri, LspTestClient, StartOptions } from './lspTestClient';
import { SERVICE_WITH_EXTERNAL_IP, SERVICE_WITH_LOADBALANCER_STATUS, TempWorkspace } from './workspaceFixtures';

const PRELOAD = path.resolve(__dirname, '..', 'support', 'trustPreload.js');
const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

interface TrustEvent {
  event: string;
  detail: string;
}

function readEvents(logFile: string): TrustEvent[] {
  if (!fs.existsSync(logFile)) return [];
  return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as TrustEvent);
}

/** Starts the server with the preload (through NODE_OPTIONS, which the spawned server inherits). */
async function startGuarded(options: StartOptions, logFile: string): Promise<LspTestClient> {
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, KMG_TRUST_LOG: process.env.KMG_TRUST_LOG };
  process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} --require ${JSON.stringify(PRELOAD)}`.trim();
  process.env.KMG_TRUST_LOG = logFile;
  try {
    return await LspTestClient.start(options);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

const RBAC = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'rules:', '- apiGroups: [""]', '  resources: [services, services/status]', '  verbs: [get, patch]', ''].join('\n');

/** Things a tool that executes or fetches workspace content would trip over. */
function hostileWorkspace(): TempWorkspace {
  const workspace = new TempWorkspace({
    'svc.yaml': SERVICE_WITH_EXTERNAL_IP,
    'lb.yaml': SERVICE_WITH_LOADBALANCER_STATUS,
    'rbac.yaml': RBAC,
    '$(touch pwned-by-name).yaml': SERVICE_WITH_EXTERNAL_IP,
    'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'chart/templates/svc.yaml': 'apiVersion: v1\nkind: Service\nspec:\n  externalIPs: [{{ exec "touch" "pwned-by-template" }}]\n',
    'package.json': JSON.stringify({ scripts: { postinstall: 'touch pwned-by-npm', test: 'touch pwned-by-npm' } }),
    'Makefile': 'all:\n\ttouch pwned-by-make\n',
    '.vscode/settings.json': JSON.stringify({ 'kubeMitmGuard.allowedExternalIPCidrs': ['0.0.0.0/0'] }),
    'remote.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  annotations: {schema: "https://example.invalid/schema.json"}\nspec:\n  externalIPs: [9.9.9.9]\n',
  });
  workspace.write('.git/hooks/post-checkout', '#!/bin/sh\ntouch pwned-by-hook\n');
  fs.chmodSync(workspace.path('.git/hooks/post-checkout'), 0o755);
  return workspace;
}

describe('trust boundaries: no network, nothing executed', () => {
  let workspace: TempWorkspace;
  let logDir: string;

  before(() => {
    workspace = hostileWorkspace();
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmg-trust-'));
  });

  after(() => {
    workspace?.dispose();
    fs.rmSync(logDir, { recursive: true, force: true });
  });

  it('the preload records and refuses connections, name lookups and child processes (self-test)', () => {
    const logFile = path.join(logDir, 'self-test.log');
    const script = [
      "try { require('net').connect(9, '127.0.0.1'); } catch {}",
      "try { require('child_process').execSync('true'); } catch {}",
      "try { require('dns').lookup('example.invalid', () => {}); } catch {}",
      "try { require('https').get('https://example.invalid/'); } catch {}",
      "try { require('dgram').createSocket('udp4'); } catch {}",
    ].join('\n');
    const result = spawnSync(process.execPath, ['--require', PRELOAD, '-e', script], { env: { ...process.env, KMG_TRUST_LOG: logFile }, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const events = readEvents(logFile).map((entry) => entry.event);
    assert.deepEqual(events, ['loaded', 'net.connect', 'child_process.execSync', 'dns.lookup', 'https.get', 'dgram.createSocket']);
  });

  it('the server: full scan, quick fixes, allow-list, fix-all, rescan and shutdown open no socket and run nothing', async () => {
    const logFile = path.join(logDir, 'server.log');
    const client = await startGuarded({ folders: [workspace.root] }, logFile);
    try {
      await client.waitForScans(1);
      const svc = workspace.path('svc.yaml');
      await client.waitForDiagnostics(svc, (list) => list.length === 1);
      const document = await client.openDocument(svc, SERVICE_WITH_EXTERNAL_IP);
      const [diagnostic] = await client.waitForDiagnostics(svc, (list) => list.length === 1 && (list[0].data as { version: number }).version === document.version);
      const actions = await client.codeActions(svc, diagnostic.range, [diagnostic], ['quickfix']);
      assert.ok(actions.length >= 3, actions.map((action) => action.title).join(' | '));
      const allow = actions.find((action) => action.title.startsWith('Allow'));
      assert.ok(allow?.edit);
      const configUri = fileUri(workspace.path('.kube-mitm-guard.yaml'));
      fs.writeFileSync(workspace.path('.kube-mitm-guard.yaml'), applyWorkspaceEdit(allow.edit, {})[configUri]);
      await client.fileChanged(workspace.path('.kube-mitm-guard.yaml'), FileChangeType.Created);
      for (const file of ['rbac.yaml', 'lb.yaml']) {
        const text = fs.readFileSync(workspace.path(file), 'utf8');
        await client.openDocument(workspace.path(file), text);
        const [fixAll] = await client.codeActions(workspace.path(file), diagnostic.range, [], ['source.fixAll']);
        assert.ok(fixAll?.edit, `fix-all offered for ${file}`);
        const uri = fileUri(workspace.path(file));
        await client.changeDocument(workspace.path(file), applyWorkspaceEdit(fixAll.edit, { [uri]: text })[uri]);
        await client.waitForDiagnostics(workspace.path(file), (list) => list.length === 0, `${file} fixed`);
      }
      await client.request('kubeMitmGuard/rescanWorkspace');
      assert.equal(await client.shutdown(), 0);
    } finally {
      await client.dispose();
    }
    const events = readEvents(logFile);
    assert.ok(events.some((entry) => entry.event === 'loaded' && entry.detail === 'main thread'), 'the preload ran in the server');
    assert.deepEqual(events.filter((entry) => entry.event !== 'loaded'), [], 'network or process calls were made');
    assert.deepEqual(fs.readdirSync(workspace.root).filter((name) => name.startsWith('pwned')), []);
  });

  it('the CLI: check and --fix open no socket and run nothing', () => {
    const logFile = path.join(logDir, 'cli.log');
    const env = { ...process.env, KMG_TRUST_LOG: logFile, NO_COLOR: '1' };
    for (const args of [['check', '.'], ['check', '--fix', '.'], ['check', '--format', 'sarif', '.']]) {
      const result = spawnSync(process.execPath, ['--require', PRELOAD, CLI, ...args], { cwd: workspace.root, env, encoding: 'utf8', timeout: 30_000 });
      assert.ok(result.status === 0 || result.status === 1, `${args.join(' ')}: exit ${result.status}\n${result.stderr}`);
    }
    const events = readEvents(logFile);
    assert.equal(events.filter((entry) => entry.event === 'loaded').length >= 3, true, 'the preload ran in every CLI run');
    assert.deepEqual(events.filter((entry) => entry.event !== 'loaded'), []);
    assert.deepEqual(fs.readdirSync(workspace.root).filter((name) => name.startsWith('pwned')), []);
  });
});

describe('trust boundaries: a hostile .kube-mitm-guard.yaml is data only', () => {
  const workspaces: TempWorkspace[] = [];
  let client: LspTestClient | undefined;

  afterEach(async () => {
    await client?.dispose();
    client = undefined;
  });

  after(() => {
    for (const workspace of workspaces) workspace.dispose();
  });

  const hostileConfigs: [string, () => string][] = [
    ['wrong types', () => ['allowedExternalIPCidrs: "1.2.3.4/32"', 'rules: [external-ips, "off"]', 'scope: 42', 'exclude: {"*": 1}', 'maxFileSizeKB: big', ''].join('\n')],
    ['deeply nested', () => `allowedExternalIPCidrs: ${'['.repeat(10_000)}1.2.3.4/32${']'.repeat(10_000)}\nrules:\n${Array.from({ length: 500 }, (_, depth) => `${'  '.repeat(depth + 1)}k${depth}:`).join('\n')} x\n`],
    // Over the 1 MB limit for a policy file: ignored as a whole (its allowlist and scope too).
    ['huge', () => `${'# padding\n'.repeat(200_000)}allowedExternalIPCidrs: [1.2.3.4/32]\nscope: off\n`],
  ];

  for (const [name, configText] of hostileConfigs) {
    it(`${name}: a diagnostic in the file, defaults apply, manifests still checked`, async () => {
      const workspace = new TempWorkspace({ 'svc.yaml': SERVICE_WITH_EXTERNAL_IP, 'lb.yaml': SERVICE_WITH_LOADBALANCER_STATUS, '.kube-mitm-guard.yaml': configText() });
      workspaces.push(workspace);
      const started = Date.now();
      client = await LspTestClient.start({ folders: [workspace.root] });
      await client.waitForScans(1);
      const config = workspace.path('.kube-mitm-guard.yaml');
      const problems = await client.waitForDiagnostics(config, (list) => list.length > 0, 'diagnostics in the config file');
      assert.ok(problems.every((problem) => problem.source === 'kube-mitm-guard'));
      // Defaults: the allowlist in the bad file does not apply, nor does its scope; severities are the defaults.
      const [ip] = await client.waitForDiagnostics(workspace.path('svc.yaml'), (list) => list.length === 1, 'the manifest still checked');
      assert.equal(ip.severity, DiagnosticSeverity.Error);
      const [lb] = await client.waitForDiagnostics(workspace.path('lb.yaml'), (list) => list.length === 1);
      assert.equal(lb.severity, DiagnosticSeverity.Warning);
      assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
      assert.equal(client.serverStderr(), '');
    });
  }
});
