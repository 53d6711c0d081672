// The hooks in .pre-commit-hooks.yaml, run by the real pre-commit (`pre-commit try-repo <this repo>`) in a
// temporary git repository, with the packed npm package installed on PATH as the docs tell users to.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { skipUnlessInstalled } from '../support/ciTools';
import { CommandResult, installGlobally, mustRun, packPackage, pathWith, REPO_ROOT, run } from '../support/npmPackage';
import { TempDir } from '../support/tempDir';

const service = (name: string, ip: string) =>
  ['apiVersion: v1', 'kind: Service', `metadata: {name: ${name}}`, 'spec:', '  ports: [{port: 80}]', '  externalIPs:', `    - ${ip}`, ''].join('\n');
const ROLE = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: lb}', 'rules:', '- {apiGroups: [""], resources: [services/status], verbs: [patch]}', ''].join('\n');
const BINDING = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata: {name: lb}', 'roleRef: {kind: ClusterRole, name: lb}', 'subjects:', '- {kind: Group, name: "system:authenticated"}', ''].join('\n');

describe('pre-commit hooks', { skip: skipUnlessInstalled('pre-commit', 'apt-get install pre-commit, or pip install pre-commit') }, () => {
  let scratch: TempDir;
  let repo: TempDir;
  let env: NodeJS.ProcessEnv;

  const git = (...args: string[]) => mustRun('git', args, { cwd: repo.root, env });
  const tryRepo = (hook: string, ...files: string[]): CommandResult =>
    run('pre-commit', ['try-repo', REPO_ROOT, hook, ...(files.length > 0 ? ['--files', ...files] : ['--all-files'])], { cwd: repo.root, env, timeoutMs: 120_000 });

  before(() => {
    scratch = new TempDir({}, 'kmg-pre-commit-');
    const binDir = installGlobally(packPackage(scratch.path('pack')).tarball, scratch.path('prefix'), scratch.root);
    env = { ...process.env, PATH: pathWith(binDir), PRE_COMMIT_HOME: scratch.path('pre-commit-home'), NO_COLOR: '1' };
    for (const name of ['GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE']) delete env[name];
    repo = new TempDir({}, 'kmg-pre-commit-repo-');
    git('init', '-q');
    git('config', 'user.name', 'Test');
    git('config', 'user.email', 'test@example.invalid');
  });

  after(() => {
    scratch.dispose();
    repo.dispose();
  });

  it('fails on a staged manifest with an externalIP, and passes once the address is allowed', () => {
    repo.write('svc.yaml', service('web', '8.8.8.8'));
    git('add', 'svc.yaml');
    const failed = tryRepo('kube-mitm-guard', 'svc.yaml');
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stdout, /^kube-mitm-guard\.+Failed$/m);
    assert.match(failed.stdout, /^svc\.yaml:7:7 error external-ips externalIP 8\.8\.8\.8 /m);
    repo.write('.kube-mitm-guard.yaml', 'allowedExternalIPCidrs: [8.8.8.8/32]\n');
    git('add', '.kube-mitm-guard.yaml');
    const passed = tryRepo('kube-mitm-guard', 'svc.yaml', '.kube-mitm-guard.yaml');
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    assert.match(passed.stdout, /^kube-mitm-guard\.+Passed$/m);
  });

  it('kube-mitm-guard-fix removes the externalIP in place and fails the commit, so the change gets staged and reviewed', () => {
    repo.write('other.yaml', service('api', '1.1.1.1'));
    git('add', 'other.yaml');
    const fixed = tryRepo('kube-mitm-guard-fix', 'other.yaml');
    assert.equal(fixed.code, 1, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /files were modified by this hook/);
    assert.match(fixed.stdout, /Fixed 1 problem/);
    assert.doesNotMatch(repo.read('other.yaml'), /1\.1\.1\.1/);
    assert.match(repo.read('other.yaml'), /^kind: Service$/m);
  });

  it('links only the files it is given: a binding checked without its role finds nothing, both together do', () => {
    repo.remove('svc.yaml');
    repo.write('rbac/role.yaml', ROLE);
    repo.write('rbac/binding.yaml', BINDING);
    git('add', '-A');
    const alone = tryRepo('kube-mitm-guard', 'rbac/binding.yaml');
    assert.equal(alone.code, 0, alone.stdout + alone.stderr);
    const together = tryRepo('kube-mitm-guard');
    assert.equal(together.code, 1, together.stdout + together.stderr);
    assert.match(together.stdout, /^rbac\/binding\.yaml:\d+:\d+ error rbac-services-status-binding /m);
  });
});
