// `check` with several clusters in one repository (policy file key `clusters`): roles and bindings are
// linked only within the cluster each file belongs to, run as the built dist/cli.js on real files.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clusterRoleBinding, STATUS_WRITER_ROLE } from '../support/rbacFixtures';
import { runCli, TempDir } from './cliHarness';

const PEOPLE = '{kind: Group, name: developers}';
/** The binding resolved to the role: the people it names get the grant, so both are errors. */
const LINKED = ['clusters/a/binding.yaml:7:3 error rbac-services-status-binding', 'clusters/b/role.yaml:7:15 error rbac-services-status'];
/** The role alone in its cluster: bound nowhere, a warning; the binding refers to no role it can see. */
const SEPARATED = ['clusters/b/role.yaml:7:15 warning rbac-services-status'];

function findingLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^\S+:\d+:\d+ /.test(line)).map((line) => line.replace(/ (error|warning|information|hint) (\S+) .*$/, ' $1 $2'));
}

describe('check: clusters', () => {
  let dir: TempDir;

  before(() => {
    dir = new TempDir({
      'clusters/a/binding.yaml': clusterRoleBinding('lb-status', PEOPLE),
      'clusters/b/role.yaml': STATUS_WRITER_ROLE,
    });
  });

  after(() => dir.dispose());

  const check = (...args: string[]) => {
    const result = runCli(['check', '--no-color', ...args], { cwd: dir.root });
    assert.notEqual(result.code, 2, result.stderr);
    return findingLines(result.stdout);
  };

  it('links a binding to the role in another folder when no clusters are configured (one cluster per run)', () => {
    dir.write('.kube-mitm-guard.yaml', '');
    assert.deepEqual(check(), LINKED);
  });

  it('does not link a ClusterRoleBinding in clusters/a to a ClusterRole in clusters/b when `clusters` separates them', () => {
    dir.write('.kube-mitm-guard.yaml', 'clusters:\n  a: [clusters/a]\n  b: ["clusters/b/**"]\n');
    assert.deepEqual(check(), SEPARATED);
    // The same when the files are named one by one, or the run starts below the config file's folder.
    assert.deepEqual(check('clusters/a/binding.yaml', 'clusters/b/role.yaml'), SEPARATED);
    const inside = runCli(['check', '--no-color', 'a', 'b'], { cwd: dir.path('clusters') });
    assert.deepEqual(findingLines(inside.stdout), ['b/role.yaml:7:15 warning rbac-services-status'], 'globs stay relative to the config file\'s folder');
  });

  it('links them when one cluster takes in both, and puts a file in the first cluster that matches it', () => {
    dir.write('.kube-mitm-guard.yaml', 'clusters:\n  all: [clusters]\n  b: [clusters/b]\n');
    assert.deepEqual(check(), LINKED);
  });

  it('files no cluster takes in form the default cluster of their config file', () => {
    dir.write('.kube-mitm-guard.yaml', 'clusters:\n  a: [clusters/a]\n');
    dir.write('other/binding.yaml', clusterRoleBinding('lb-status', PEOPLE));
    try {
      assert.deepEqual(check(), [
        'clusters/b/role.yaml:7:15 error rbac-services-status',
        'other/binding.yaml:7:3 error rbac-services-status-binding',
      ]);
    } finally {
      dir.remove('other/binding.yaml');
    }
  });

  it('exits 2 for an invalid clusters entry, naming it', () => {
    dir.write('.kube-mitm-guard.yaml', 'clusters:\n  a: clusters/a\n');
    const result = runCli(['check'], { cwd: dir.root });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'kube-mitm-guard: .kube-mitm-guard.yaml:2:6: clusters.a must be a list of strings, not "clusters/a"\n');
  });
});
