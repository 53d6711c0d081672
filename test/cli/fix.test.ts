// `check --fix` and `--fix-dry-run`: exact round trips on real files, keeping permissions, BOM and
// CRLF, touching nothing else, and leaving alone a file that changes while it is being fixed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli, startCli, TempDir } from './cliHarness';

const CONFIG = 'allowedExternalIPCidrs: [203.0.113.0/24]\n';

const SERVICE = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  externalIPs:',
  '    - 203.0.113.10   # ours',
  '    - 8.8.8.8',
  '  ports:',
  '    - port: 80',
  '',
].join('\n');

const SERVICE_FIXED = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  externalIPs:',
  '    - 203.0.113.10   # ours',
  '  ports:',
  '    - port: 80',
  '',
].join('\n');

const LB_CRLF_BOM = '\uFEFF' + ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: lb', 'spec:', '  type: LoadBalancer', 'status:', '  loadBalancer:', '    ingress:', '      - ip: 192.0.2.1', ''].join('\r\n');
const LB_CRLF_BOM_FIXED = '\uFEFF' + ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: lb', 'spec:', '  type: LoadBalancer', ''].join('\r\n');

const ROLE = [
  'apiVersion: rbac.authorization.k8s.io/v1',
  'kind: Role',
  'metadata: {name: r, namespace: a}',
  'rules:',
  '  - apiGroups: [""]',
  '    resources: ["services/status"]',
  '    verbs: ["get", "patch"]',
  '',
].join('\n');
const ROLE_FIXED = ROLE.replace('verbs: ["get", "patch"]', 'verbs: ["get"]');

const CLEAN = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n';

const EXPECTED_DIFF = [
  '--- a/lb.yaml',
  '+++ b/lb.yaml',
  '@@ -4,7 +4,3 @@',
  '   name: lb\r',
  ' spec:\r',
  '   type: LoadBalancer\r',
  '-status:\r',
  '-  loadBalancer:\r',
  '-    ingress:\r',
  '-      - ip: 192.0.2.1\r',
  '--- a/role.yaml',
  '+++ b/role.yaml',
  '@@ -4,4 +4,4 @@',
  ' rules:',
  '   - apiGroups: [""]',
  '     resources: ["services/status"]',
  '-    verbs: ["get", "patch"]',
  '+    verbs: ["get"]',
  '--- a/svc.yaml',
  '+++ b/svc.yaml',
  '@@ -5,6 +5,5 @@',
  ' spec:',
  '   externalIPs:',
  '     - 203.0.113.10   # ours',
  '-    - 8.8.8.8',
  '   ports:',
  '     - port: 80',
  '',
].join('\n');

describe('check --fix', () => {
  let dir: TempDir;

  beforeEach(() => {
    dir = new TempDir({ '.kube-mitm-guard.yaml': CONFIG, 'svc.yaml': SERVICE, 'lb.yaml': LB_CRLF_BOM, 'role.yaml': ROLE, 'clean.yaml': CLEAN });
    fs.chmodSync(dir.path('svc.yaml'), 0o640);
    fs.chmodSync(dir.path('lb.yaml'), 0o600);
    fs.chmodSync(dir.path('role.yaml'), 0o755);
  });

  afterEach(() => dir.dispose());

  it('rewrites each file to exactly the expected text, keeping mode, BOM and CRLF, and says what it fixed', () => {
    const cleanBefore = fs.statSync(dir.path('clean.yaml'));
    const result = runCli(['check', '--fix'], { cwd: dir.root });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(
      result.stdout,
      'Fixed 1 problem in lb.yaml\nFixed 1 problem in role.yaml\nFixed 1 problem in svc.yaml\nNo problems found (4 files checked).\n',
    );
    assert.equal(dir.read('svc.yaml'), SERVICE_FIXED);
    assert.equal(dir.read('lb.yaml'), LB_CRLF_BOM_FIXED);
    assert.equal(dir.read('role.yaml'), ROLE_FIXED);
    assert.equal(fs.statSync(dir.path('svc.yaml')).mode & 0o7777, 0o640);
    assert.equal(fs.statSync(dir.path('lb.yaml')).mode & 0o7777, 0o600);
    assert.equal(fs.statSync(dir.path('role.yaml')).mode & 0o7777, 0o755);
    // Nothing else changed: the clean file and the config were not rewritten, no temp files are left.
    assert.equal(dir.read('clean.yaml'), CLEAN);
    assert.equal(fs.statSync(dir.path('clean.yaml')).mtimeMs, cleanBefore.mtimeMs);
    assert.equal(dir.read('.kube-mitm-guard.yaml'), CONFIG);
    assert.deepEqual(fs.readdirSync(dir.root).sort(), ['.kube-mitm-guard.yaml', 'clean.yaml', 'lb.yaml', 'role.yaml', 'svc.yaml']);
    // A second run finds nothing to fix.
    const again = runCli(['check', '--fix'], { cwd: dir.root });
    assert.equal(again.stdout, 'No problems found (4 files checked).\n');
  });

  it('reports what remains after fixing (unfixable findings keep exit 1) and puts fix lines on stderr for JSON', () => {
    dir.write('mixed.yaml', SERVICE.replace('    - 8.8.8.8\n', '    - 8.8.8.8\n    # kube-mitm-guard-disable-next-line loadbalancer-status\n    - 203.0.113.11\n'));
    const result = runCli(['check', '--fix', '--format', 'json', '--fail-on', 'hint', 'mixed.yaml'], { cwd: dir.root });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Fixed 1 problem in mixed.yaml\n');
    const report = JSON.parse(result.stdout) as { findings: { rule: string; line: number }[] };
    // The unused suppression is not a fix-all fix; its position is in the rewritten file.
    assert.deepEqual(report.findings.map((finding) => [finding.rule, finding.line]), [['unused-suppression', 8]]);
  });

  it('follows a symbolic link and keeps it a link', () => {
    fs.mkdirSync(dir.path('real'));
    fs.renameSync(dir.path('svc.yaml'), dir.path('real/svc.yaml'));
    fs.symlinkSync('real/svc.yaml', dir.path('link.yaml'));
    const result = runCli(['check', '--fix', 'link.yaml'], { cwd: dir.root });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(fs.lstatSync(dir.path('link.yaml')).isSymbolicLink());
    assert.equal(dir.read('real/svc.yaml'), SERVICE_FIXED);
  });

  it('leaves a file alone when it changes between reading and writing, and says so', async () => {
    const marker = dir.path('pause');
    const run = startCli(['check', '--fix', 'svc.yaml'], { cwd: dir.root, env: { KUBE_MITM_GUARD_TEST_PAUSE_BEFORE_REPLACE: marker } });
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(`${marker}.ready`)) {
      assert.ok(Date.now() < deadline, 'the CLI reached the point before replacing the file');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const edited = SERVICE.replace('name: web', 'name: web-edited-meanwhile');
    fs.writeFileSync(dir.path('svc.yaml'), edited);
    fs.writeFileSync(`${marker}.go`, '');
    const result = await run;
    assert.equal(dir.read('svc.yaml'), edited);
    assert.match(result.stderr, /^warning: svc\.yaml: not fixed: the file changed on disk while it was being fixed; it was left alone$/m);
    assert.doesNotMatch(result.stdout, /Fixed/);
    // The finding is still reported (from the text that was read), so the run fails.
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^svc\.yaml:8:7 error external-ips/m);
    assert.deepEqual(fs.readdirSync(dir.root).filter((name) => name.endsWith('.tmp')), []);
  });

  it('refuses standard input and --fix with --fix-dry-run', () => {
    const stdin = runCli(['check', '--fix', '-'], { cwd: dir.root, stdin: SERVICE });
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /--fix cannot rewrite standard input/);
    assert.equal(runCli(['check', '--fix', '--fix-dry-run'], { cwd: dir.root }).code, 2);
    assert.equal(dir.read('svc.yaml'), SERVICE);
  });
});

describe('check --fix-dry-run', () => {
  let dir: TempDir;

  beforeEach(() => {
    dir = new TempDir({ '.kube-mitm-guard.yaml': CONFIG, 'svc.yaml': SERVICE, 'lb.yaml': LB_CRLF_BOM, 'role.yaml': ROLE, 'clean.yaml': CLEAN });
  });

  afterEach(() => dir.dispose());

  it('prints the exact unified diff and changes nothing', () => {
    const result = runCli(['check', '--fix-dry-run'], { cwd: dir.root });
    assert.equal(result.stdout, EXPECTED_DIFF);
    assert.equal(
      result.stderr,
      'Would fix 1 problem in lb.yaml\nWould fix 1 problem in role.yaml\nWould fix 1 problem in svc.yaml; 0 problems would remain.\n',
    );
    assert.equal(result.code, 0);
    assert.equal(dir.read('svc.yaml'), SERVICE);
    assert.equal(dir.read('lb.yaml'), LB_CRLF_BOM);
    assert.equal(dir.read('role.yaml'), ROLE);
  });

  it('produces a diff that patch applies to give what --fix writes', () => {
    const diff = runCli(['check', '--fix-dry-run'], { cwd: dir.root }).stdout;
    const applied = spawnSync('patch', ['-p1', '--no-backup-if-mismatch'], { cwd: dir.root, input: diff, encoding: 'utf8' });
    assert.equal(applied.status, 0, applied.stdout + applied.stderr);
    assert.equal(dir.read('svc.yaml'), SERVICE_FIXED);
    assert.equal(dir.read('lb.yaml'), LB_CRLF_BOM_FIXED);
    assert.equal(dir.read('role.yaml'), ROLE_FIXED);
  });

  it('exits 1 when findings would remain, works on standard input, and rejects json/sarif', () => {
    const remaining = runCli(['check', '--fix-dry-run', '--rule', 'external-ips=off', '-'], {
      cwd: dir.root,
      stdin: SERVICE.replace('8.8.8.8', '127.0.0.1\n    - "no-ip"'),
    });
    assert.match(remaining.stdout, /^--- a\/<stdin>\n\+\+\+ b\/<stdin>\n/);
    assert.equal(remaining.code, 0, 'both invalid entries are removed by the fixes');
    const unfixable = runCli(['check', '--fix-dry-run', '--fail-on', 'hint', '-'], {
      cwd: dir.root,
      stdin: '# kube-mitm-guard-disable-file external-ips\napiVersion: v1\nkind: ConfigMap\n',
    });
    assert.equal(unfixable.stdout, '');
    assert.equal(unfixable.code, 1);
    assert.match(unfixable.stderr, /No fixes to apply; 1 problem would remain\./);
    assert.equal(runCli(['check', '--fix-dry-run', '--format', 'json'], { cwd: dir.root }).code, 2);
  });
});
