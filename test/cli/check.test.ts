// `kube-mitm-guard check`: paths, config discovery, every flag, output formats and exit codes, run as
// the built dist/cli.js on real temporary files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as path from 'node:path';
import { ConfigResolver, parseFlagSettings } from '../../server/src/cli/configResolver';
import { CLI, JsonReport, packageVersion, REPO_ROOT, runCli, TempDir } from './cliHarness';
import { externalIpService, FIRST_ENTRY_LINE } from '../support/serviceFixtures';

const EXPECTED_TEXT_LINES = [
  'broken.yaml:12:7 error external-ips ',
  'lb.yaml:10:9 warning loadbalancer-status ',
  'list.json:5:102 error external-ip-invalid ',
  'nested/deeper/unicode.yml:7:17 error external-ip-invalid ',
  'nested/deeper/unicode.yml:7:23 error external-ips ',
  'rbac.yaml:8:29 warning rbac-services-status ',
  'services.yaml:15:7 error external-ips ',
  'services.yaml:16:7 error external-ip-invalid ',
  'suppressed.yaml:9:41 hint unused-suppression ',
];

function findingLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^\S+:\d+:\d+ /.test(line));
}

function service(name: string, ips: string[]): string {
  return ['apiVersion: v1', 'kind: Service', 'metadata:', `  name: ${name}`, 'spec:', '  externalIPs:', ...ips.map((ip) => `    - ${ip}`), ''].join('\n');
}

describe('check: text output, paths and exit codes', () => {
  let workspace: TempDir;

  before(() => {
    workspace = TempDir.workspace();
  });

  after(() => workspace.dispose());

  it('checks the current folder by default, with the config file, excludes and 1-based positions', () => {
    const result = runCli(['check'], { cwd: workspace.root });
    assert.equal(result.code, 1, result.stderr);
    const lines = findingLines(result.stdout);
    assert.equal(lines.length, EXPECTED_TEXT_LINES.length, result.stdout);
    lines.forEach((line, index) => assert.ok(line.startsWith(EXPECTED_TEXT_LINES[index]), `${line}\nexpected ${EXPECTED_TEXT_LINES[index]}`));
    // Config excludes (ignored/), always-excluded folders (node_modules), Helm templates, other extensions.
    assert.doesNotMatch(result.stdout, /ignored\/|node_modules|vendor|chart\/|notes\.txt/);
    assert.match(result.stdout, /^9 problems \(6 errors, 2 warnings, 1 hint\) in 7 files \(10 files checked\)\.$/m);
    // Piped: no colour codes, no progress line.
    assert.doesNotMatch(result.stdout + result.stderr, /\u001b\[|\r/);
  });

  it('names the file, line and column of each finding and says what the message says', () => {
    const result = runCli(['check', 'services.yaml'], { cwd: workspace.root });
    assert.equal(result.code, 1);
    assert.equal(
      findingLines(result.stdout)[0],
      'services.yaml:15:7 error external-ips externalIP 8.8.8.8 lets this Service intercept traffic to 8.8.8.8 from every pod and node ' +
        '(CVE-2020-8554). It is outside the allowed CIDRs (203.0.113.0/24); if this address is yours, add 8.8.8.8/32 to ' +
        'allowedExternalIPCidrs in .kube-mitm-guard.yaml.',
    );
  });

  it('reports unparsable documents on stderr and still reports the other documents of the file', () => {
    const result = runCli(['check', 'broken.yaml'], { cwd: workspace.root });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^warning: broken\.yaml: 1 YAML document could not be parsed and was not checked$/m);
    assert.deepEqual(findingLines(result.stdout).map((line) => line.split(' ').slice(0, 3).join(' ')), ['broken.yaml:12:7 error external-ips']);
  });

  it('accepts several paths, folders and files, and reports each file once', () => {
    const result = runCli(['check', 'nested', 'services.yaml', 'nested/deeper/unicode.yml'], { cwd: workspace.root });
    assert.equal(result.code, 1);
    assert.deepEqual(
      findingLines(result.stdout).map((line) => line.split(' ')[0]),
      ['nested/deeper/unicode.yml:7:17', 'nested/deeper/unicode.yml:7:23', 'services.yaml:15:7', 'services.yaml:16:7'],
    );
  });

  it('exits 0 with a summary when there is nothing to report', () => {
    const result = runCli(['check', 'chart', 'clean.json'], { cwd: workspace.root });
    assert.equal(result.code, 0, result.stdout);
    assert.equal(result.stdout, 'No problems found (3 files checked).\n');
  });

  it('finds the config file upward from a path, and from the current folder for standard input', () => {
    const nested = runCli(['check', '.'], { cwd: workspace.path('nested/deeper') });
    // 9.9.9.9 is outside the workspace allowlist; the message names the allowlist read from ../../.kube-mitm-guard.yaml.
    assert.match(nested.stdout, /outside the allowed CIDRs \(203\.0\.113\.0\/24\)/);
    const stdin = runCli(['check', '-'], { cwd: workspace.path('nested'), stdin: service('in', ['203.0.113.5', '1.1.1.1']) });
    assert.equal(stdin.code, 1);
    assert.deepEqual(findingLines(stdin.stdout).map((line) => line.split(' ').slice(0, 3).join(' ')), ['<stdin>:8:7 error external-ips']);
  });

  it('--config FILE replaces discovery', () => {
    const other = new TempDir({ 'policy.yaml': 'allowedExternalIPCidrs: [8.8.8.0/24]\n' });
    try {
      const result = runCli(['check', '--config', other.path('policy.yaml'), 'services.yaml'], { cwd: workspace.root });
      // 8.8.8.8 is allowed now, and 203.0.113.10 (allowed by the discovered file) no longer is.
      assert.deepEqual(
        findingLines(result.stdout).map((line) => line.split(' ').slice(0, 3).join(' ')),
        ['services.yaml:7:7 error external-ips', 'services.yaml:16:7 error external-ip-invalid'],
      );
      const missing = runCli(['check', '--config', other.path('nope.yaml'), 'services.yaml'], { cwd: workspace.root });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /nope\.yaml: cannot read the --config file \(ENOENT\)/);
    } finally {
      other.dispose();
    }
  });

  it('exits 2 for a path that does not exist, naming it', () => {
    const result = runCli(['check', 'services.yaml', 'missing-dir'], { cwd: workspace.root });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^kube-mitm-guard: missing-dir: no such file or folder \(ENOENT\)\n$/);
  });

  it('says when a named file is excluded or is the policy file', () => {
    const result = runCli(['check', 'ignored/svc.yaml', '.kube-mitm-guard.yaml'], { cwd: workspace.root });
    assert.equal(result.code, 0);
    assert.match(result.stderr, /note: ignored\/svc\.yaml matches an exclude pattern; it was not checked/);
    assert.match(result.stderr, /note: \.kube-mitm-guard\.yaml is the policy file, not a manifest; it was not checked/);
  });
});

describe('check: flags', () => {
  let dir: TempDir;

  before(() => {
    dir = new TempDir({
      'svc.yaml': service('web', ['192.0.2.10', '198.51.100.1']),
      'lb.yaml': ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: lb', 'status:', '  loadBalancer:', '    ingress:', '      - ip: 192.0.2.99', ''].join('\n'),
      'build/out.yaml': service('generated', ['10.9.9.9']),
      'deploy/legacy/old.yaml': service('old', ['10.8.8.8']),
    });
  });

  after(() => dir.dispose());

  const rules = (args: string[]) => findingLines(runCli(['check', ...args], { cwd: dir.root }).stdout).map((line) => line.split(' ').slice(0, 3).join(' '));

  it('--allow-cidr (repeatable) allows externalIPs; a bad CIDR is a usage error', () => {
    assert.deepEqual(rules(['svc.yaml']), ['svc.yaml:7:7 error external-ips', 'svc.yaml:8:7 error external-ips']);
    assert.deepEqual(rules(['--allow-cidr', '192.0.2.0/24', 'svc.yaml']), ['svc.yaml:8:7 error external-ips']);
    assert.deepEqual(rules(['--allow-cidr=192.0.2.0/24', '--allow-cidr', '198.51.100.1', 'svc.yaml']), []);
    const bad = runCli(['check', '--allow-cidr', '10.0.0.0/33'], { cwd: dir.root });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'kube-mitm-guard: --allow-cidr: "10.0.0.0/33" has an invalid prefix length (0-32)\n');
  });

  it('--rule id=severity (repeatable) sets severities; unknown rules and severities are usage errors', () => {
    assert.deepEqual(rules(['--rule', 'external-ips=off', '--rule', 'loadbalancer-status=error', 'svc.yaml', 'lb.yaml']), ['lb.yaml:8:9 error loadbalancer-status']);
    const unknown = runCli(['check', '--rule', 'external-ip=off'], { cwd: dir.root });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^kube-mitm-guard: --rule: unknown rule "external-ip" \(known rules: external-ips, external-ip-invalid, external-ip-conflict, loadbalancer-status, rbac-services-status, rbac-services-status-binding, rbac-endpoints-write, rbac-endpoints-write-binding, mitigation-not-enforced, mitigation-allowlist, external-ips-deprecated, deny-external-ips-admission\)\n$/);
    const severity = runCli(['check', '--rule', 'external-ips=fatal'], { cwd: dir.root });
    assert.equal(severity.code, 2);
    assert.match(severity.stderr, /--rule external-ips: "fatal" is not a severity/);
    const malformed = runCli(['check', '--rule', 'external-ips'], { cwd: dir.root });
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /write it as rule-id=severity/);
  });

  it('--exclude (repeatable) skips names at any depth and anchored paths', () => {
    const all = rules([]);
    assert.ok(all.some((line) => line.startsWith('build/out.yaml')));
    assert.ok(all.some((line) => line.startsWith('deploy/legacy/old.yaml')));
    const excluded = rules(['--exclude', 'build', '--exclude', 'deploy/legacy']);
    assert.ok(!excluded.some((line) => line.startsWith('build/') || line.startsWith('deploy/')), excluded.join('\n'));
    assert.ok(excluded.some((line) => line.startsWith('svc.yaml')));
    assert.equal(runCli(['check', '--exclude', '!build'], { cwd: dir.root }).code, 2);
  });

  it('--max-file-size-kb skips larger files with a warning on stderr; a bad value is a usage error', () => {
    const big = new TempDir({ 'big.yaml': service('big', ['10.1.1.1']) + `# ${'x'.repeat(2000)}\n`, 'small.yaml': service('small', ['10.2.2.2']) });
    try {
      const result = runCli(['check', '--max-file-size-kb', '1'], { cwd: big.root });
      assert.equal(result.code, 1);
      assert.deepEqual(findingLines(result.stdout).map((line) => line.split(':')[0]), ['small.yaml']);
      assert.match(result.stderr, /^warning: big\.yaml: not checked: file is 3 KB \(\d+ bytes\), over the size limit of 1 KB \(maxFileSizeKB\)$/m);
      for (const value of ['0', 'lots', '1.5']) {
        const bad = runCli(['check', '--max-file-size-kb', value], { cwd: big.root });
        assert.equal(bad.code, 2, value);
        assert.match(bad.stderr, /--max-file-size-kb/);
      }
    } finally {
      big.dispose();
    }
  });

  it('--max-input-mb: standard input and named files over maxFileSizeKB are checked up to it; over it they are refused', () => {
    const big = new TempDir({ 'big.yaml': service('big', ['10.1.1.1']) + `# ${'x'.repeat(2000)}\n`, 'small.yaml': service('small', ['10.2.2.2']) });
    try {
      const bigText = fs.readFileSync(big.path('big.yaml'));
      // maxFileSizeKB is for files found in folders: a named file and standard input have their own cap.
      const named = runCli(['check', '--max-file-size-kb', '1', 'big.yaml'], { cwd: big.root });
      assert.equal(named.code, 1, named.stderr);
      assert.deepEqual(findingLines(named.stdout).map((line) => line.split(':')[0]), ['big.yaml']);
      const piped = runCli(['check', '--max-file-size-kb', '1', '-'], { cwd: big.root, stdin: bigText });
      assert.equal(piped.code, 1, piped.stderr);
      assert.deepEqual(findingLines(piped.stdout).map((line) => line.split(':')[0]), ['<stdin>']);
      // Over --max-input-mb: refused, and with nothing else checked the run exits 2 and says why.
      fs.writeFileSync(big.path('blank.txt'), Buffer.alloc(1024 * 1024 + 1, 0x0a));
      const overStdin = runCli(['check', '--max-input-mb', '1', '-'], { cwd: big.root, stdinFile: big.path('blank.txt') });
      assert.equal(overStdin.code, 2);
      assert.equal(overStdin.stdout, '');
      assert.equal(
        overStdin.stderr,
        'warning: <stdin>: not checked: input is over the size limit of 1024 KB (--max-input-mb)\n' +
          'kube-mitm-guard: nothing was checked: <stdin> could not be checked (see the warning above)\n',
      );
      for (const value of ['0', 'lots', '1.5', '']) {
        const bad = runCli(['check', `--max-input-mb=${value}`, '-'], { cwd: big.root });
        assert.equal(bad.code, 2, value);
        assert.match(bad.stderr, /^kube-mitm-guard: --max-input-mb .*: must be a whole number of megabytes of at least 1\n$/);
      }
    } finally {
      big.dispose();
    }
  });

  it('--status-writer (repeatable) takes users, groups and service accounts; an empty or malformed name is a usage error', () => {
    const plain = runCli(['check', 'lb.yaml'], { cwd: dir.root });
    const trusted = runCli(['check', '--status-writer', 'system:serviceaccount:metallb-system:controller', '--status-writer=lb-operators', 'lb.yaml'], { cwd: dir.root });
    assert.equal(trusted.stderr, '');
    assert.equal(trusted.code, plain.code);
    for (const empty of [['--status-writer', ''], ['--status-writer='], ['--status-writer', '  ']]) {
      const result = runCli(['check', ...empty], { cwd: dir.root });
      assert.equal(result.code, 2, empty.join(' '));
      assert.equal(result.stderr, 'kube-mitm-guard: --status-writer: an empty name matches no user, group or service account\n');
    }
    const malformed = runCli(['check', '--status-writer', 'system:serviceaccount:metallb-system'], { cwd: dir.root });
    assert.equal(malformed.code, 2);
    assert.equal(
      malformed.stderr,
      'kube-mitm-guard: --status-writer: "system:serviceaccount:metallb-system": a service account is written system:serviceaccount:<namespace>:<name>, both non-empty\n',
    );
    const missing = runCli(['check', '--status-writer'], { cwd: dir.root });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--status-writer needs a value/);
  });

  it('--status-writer names are united with the config file\'s statusWriters', async () => {
    const config = new TempDir({ '.kube-mitm-guard.yaml': 'statusWriters: [alice, "system:serviceaccount:metallb-system:controller"]\n' });
    try {
      const flags = parseFlagSettings([], [], [], undefined, ['lb-operators', 'alice']);
      const fromFileAndFlags = await new ConfigResolver(flags, undefined, assert.fail).forDirectory(config.root);
      assert.deepEqual(fromFileAndFlags.effective.engine.statusWriters, ['alice', 'system:serviceaccount:metallb-system:controller', 'lb-operators']);
      const fromFlagsOnly = await new ConfigResolver(flags, undefined, assert.fail).forDirectory(dir.root);
      assert.deepEqual(fromFlagsOnly.effective.engine.statusWriters, ['lb-operators', 'alice']);
      const none = await new ConfigResolver(parseFlagSettings([], [], [], undefined), undefined, assert.fail).forDirectory(dir.root);
      assert.deepEqual(none.effective.engine.statusWriters, []);
    } finally {
      config.dispose();
    }
  });

  it('--fail-on sets the severity that fails the run', () => {
    // lb.yaml has only a warning.
    assert.equal(runCli(['check', 'lb.yaml'], { cwd: dir.root }).code, 1);
    assert.equal(runCli(['check', '--fail-on', 'warning', 'lb.yaml'], { cwd: dir.root }).code, 1);
    assert.equal(runCli(['check', '--fail-on', 'error', 'lb.yaml'], { cwd: dir.root }).code, 0);
    assert.equal(runCli(['check', '--fail-on', 'never', 'svc.yaml'], { cwd: dir.root }).code, 0);
    assert.equal(runCli(['check', '--fail-on', 'error', '--rule', 'loadbalancer-status=information', 'lb.yaml'], { cwd: dir.root }).code, 0);
    assert.equal(runCli(['check', '--fail-on', 'information', '--rule', 'loadbalancer-status=information', 'lb.yaml'], { cwd: dir.root }).code, 1);
    assert.equal(runCli(['check', '--fail-on', 'information', '--rule', 'loadbalancer-status=hint', 'lb.yaml'], { cwd: dir.root }).code, 0);
    assert.equal(runCli(['check', '--fail-on', 'hint', '--rule', 'loadbalancer-status=hint', 'lb.yaml'], { cwd: dir.root }).code, 1);
    const bad = runCli(['check', '--fail-on', 'critical'], { cwd: dir.root });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'kube-mitm-guard: --fail-on "critical" is not one of error, warning, information, hint, never\n');
  });

  it('colours only when asked or on a terminal, and never with --no-color or NO_COLOR', () => {
    const forced = runCli(['check', '--color', 'svc.yaml'], { cwd: dir.root });
    assert.match(forced.stdout, /\u001b\[31merror\u001b\[0m/);
    assert.match(forced.stdout, /^\u001b\[4msvc\.yaml\u001b\[0m$/m);
    const plain = runCli(['check', '--no-color', 'svc.yaml'], { cwd: dir.root });
    assert.doesNotMatch(plain.stdout, /\u001b\[/);
    assert.doesNotMatch(runCli(['check', 'svc.yaml'], { cwd: dir.root, env: { NO_COLOR: '1' } }).stdout, /\u001b\[/);
    assert.equal(runCli(['check', '--color', '--no-color'], { cwd: dir.root }).code, 2);
  });

  it('colours by default on a terminal (run under script(1), which gives the CLI a pseudo-terminal)', (t) => {
    const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
    if (!hasScript) {
      t.skip('script(1) is not installed');
      return;
    }
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} check svc.yaml`;
    const env = { ...process.env };
    delete env.NO_COLOR;
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir.root, encoding: 'utf8', env });
    assert.match(tty.stdout, /\u001b\[31merror\u001b\[0m/);
    const noColor = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir.root, encoding: 'utf8', env: { ...env, NO_COLOR: '1' } });
    assert.match(noColor.stdout, /svc\.yaml:7:7 error external-ips/);
    assert.doesNotMatch(noColor.stdout, /\u001b\[3/);
  });

  it('--format rejects unknown formats', () => {
    const bad = runCli(['check', '--format', 'xml'], { cwd: dir.root });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'kube-mitm-guard: --format "xml" is not one of text, json, sarif, gitlab\n');
  });
});

describe('check: usage, help and version', () => {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.dispose());

  it('prints help for the tool and for check, and the version', () => {
    const help = runCli(['--help'], { cwd: dir.root });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: kube-mitm-guard <command>/);
    const checkHelp = runCli(['check', '--help'], { cwd: dir.root });
    assert.equal(checkHelp.code, 0);
    for (const flag of ['--config', '--allow-cidr', '--rule', '--exclude', '--max-file-size-kb', '--max-input-mb', '--status-writer', '--fail-on', '--format', '--fix', '--fix-dry-run', '--no-color']) {
      assert.ok(checkHelp.stdout.includes(flag), flag);
    }
    assert.match(checkHelp.stdout, /1-based line and column/);
    assert.equal(runCli(['check', '-h'], { cwd: dir.root }).stdout, checkHelp.stdout);
    const version = runCli(['--version'], { cwd: dir.root });
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `${packageVersion()}\n`);
  });

  it('exits 2 for no command, an unknown command, an unknown option or a missing value', () => {
    assert.equal(runCli([], { cwd: dir.root }).code, 2);
    const command = runCli(['lint'], { cwd: dir.root });
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "lint"/);
    const option = runCli(['check', '--frobnicate'], { cwd: dir.root });
    assert.equal(option.code, 2);
    assert.equal(option.stderr, 'kube-mitm-guard: unknown option --frobnicate (see kube-mitm-guard check --help)\n');
    const value = runCli(['check', '--format'], { cwd: dir.root });
    assert.equal(value.code, 2);
    assert.match(value.stderr, /option --format needs a value/);
    assert.equal(runCli(['check', '-', '-'], { cwd: dir.root }).code, 2);
  });

  it('-- ends the options, so a file may start with a dash', () => {
    dir.write('-odd.yaml', service('odd', ['10.3.3.3']));
    const result = runCli(['check', '--', '-odd.yaml'], { cwd: dir.root });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^-odd\.yaml:7:7 error external-ips/m);
  });
});

describe('check: the config file', () => {
  it('exits 2 naming file:line:col and the problem for an invalid entry', () => {
    const dir = new TempDir({
      '.kube-mitm-guard.yaml': 'allowedExternalIPCidrs:\n  - 10.0.0.0/8\n  - not-a-cidr\n',
      'svc.yaml': service('web', ['10.0.0.1']),
    });
    try {
      const result = runCli(['check'], { cwd: dir.root });
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr, 'kube-mitm-guard: .kube-mitm-guard.yaml:3:5: allowedExternalIPCidrs[1]: "not-a-cidr" is not a valid CIDR or IP address\n');
      dir.write('.kube-mitm-guard.yaml', 'rules:\n  external-ip: off\n');
      const rule = runCli(['check'], { cwd: dir.root });
      assert.equal(rule.code, 2);
      assert.match(rule.stderr, /^kube-mitm-guard: \.kube-mitm-guard\.yaml:2:3: rules: unknown rule "external-ip"/);
      dir.write('.kube-mitm-guard.yaml', 'allowedExternalIPCidrs: [10.0.0.0/8\n');
      const syntax = runCli(['check'], { cwd: dir.root });
      assert.equal(syntax.code, 2);
      assert.match(syntax.stderr, /^kube-mitm-guard: \.kube-mitm-guard\.yaml:\d+:\d+: .*the file is ignored until this is fixed/);
      dir.write('.kube-mitm-guard.yaml', 'statusWriters:\n  - lb-operators\n  - system:serviceaccount::controller\n');
      const writer = runCli(['check'], { cwd: dir.root });
      assert.equal(writer.code, 2);
      assert.match(writer.stderr, /^kube-mitm-guard: \.kube-mitm-guard\.yaml:3:5: statusWriters\[1\]: "system:serviceaccount::controller": a service account is written/);
    } finally {
      dir.dispose();
    }
  });

  it('prints warnings (unknown keys) and goes on', () => {
    const dir = new TempDir({
      '.kube-mitm-guard.yaml': 'allowedExternalIPCidrs: [10.0.0.0/8]\nkubeMitmGuard.scope: off\n',
      'svc.yaml': service('web', ['10.0.0.1']),
    });
    try {
      const result = runCli(['check'], { cwd: dir.root });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^warning: \.kube-mitm-guard\.yaml:2:1: Unknown setting "kubeMitmGuard\.scope"/m);
    } finally {
      dir.dispose();
    }
  });
});

describe('check: files that cannot be read', () => {
  it('reports binary, non-UTF-8 and non-regular files on stderr and still reports the others', () => {
    const dir = new TempDir({
      'binary.yaml': Buffer.from([0x61, 0x00, 0x62, 0x0a]),
      'latin1.yaml': Buffer.from('name: caf\xe9\n', 'latin1'),
      'good.yaml': service('good', ['10.4.4.4']),
    });
    fs.mkdirSync(dir.path('folder.yaml'));
    try {
      const result = runCli(['check', '.', 'folder.yaml/..', 'binary.yaml'], { cwd: dir.root });
      assert.equal(result.code, 1);
      assert.deepEqual(findingLines(result.stdout).map((line) => line.split(':')[0]), ['good.yaml']);
      assert.match(result.stderr, /^warning: binary\.yaml: not checked: binary file \(contains NUL bytes\)$/m);
      // Invalid UTF-8 is read as kubectl reads it (U+FFFD), and checked: nothing to report here.
      assert.doesNotMatch(result.stderr, /latin1\.yaml/);
      // A UTF-16 byte order mark and one odd byte: one U+FFFD, as kubectl decodes it; nothing to report.
      const stdin = runCli(['check', '-'], { cwd: dir.root, stdin: Buffer.from([0xff, 0xfe, 0x00]) });
      assert.equal(stdin.code, 0);
      assert.doesNotMatch(stdin.stderr, /not checked/);
    } finally {
      dir.dispose();
    }
  });
});

describe('check: every named input refused', () => {
  it('exits 2 when every file named and standard input were refused; a mix warns and checks the rest', () => {
    const dir = new TempDir({ 'binary.yaml': Buffer.from([0x61, 0x00, 0x62, 0x0a]), 'good.yaml': service('good', ['10.4.4.4']) });
    fs.mkdirSync(dir.path('empty'));
    try {
      const binary = runCli(['check', 'binary.yaml'], { cwd: dir.root });
      assert.equal(binary.code, 2);
      assert.equal(binary.stdout, '');
      assert.match(binary.stderr, /^warning: binary\.yaml: not checked: binary file \(contains NUL bytes\)$/m);
      assert.match(binary.stderr, /^kube-mitm-guard: nothing was checked: binary\.yaml could not be checked \(see the warning above\)$/m);
      // A folder with nothing in it adds nothing to check; JSON and SARIF still print their report.
      fs.writeFileSync(dir.path('blank.txt'), Buffer.alloc(2 * 1024 * 1024, 0x0a));
      const json = runCli(['check', '--format', 'json', '--max-input-mb', '1', 'empty', 'binary.yaml', '-'], { cwd: dir.root, stdinFile: dir.path('blank.txt') });
      assert.equal(json.code, 2, json.stderr);
      const report = JSON.parse(json.stdout) as JsonReport;
      assert.equal(report.summary.filesChecked, 0);
      assert.deepEqual(report.skipped.map((skipped) => skipped.file), ['binary.yaml', '<stdin>']);
      assert.match(json.stderr, /^kube-mitm-guard: nothing was checked: binary\.yaml, <stdin> could not be checked \(see the warnings above\)$/m);
      assert.equal(runCli(['check', '--format', 'sarif', 'binary.yaml'], { cwd: dir.root }).code, 2);
      const mixed = runCli(['check', 'binary.yaml', 'good.yaml'], { cwd: dir.root });
      assert.equal(mixed.code, 1);
      assert.match(mixed.stderr, /^warning: binary\.yaml: not checked/m);
      assert.doesNotMatch(mixed.stderr, /nothing was checked/);
    } finally {
      dir.dispose();
    }
  });
});

describe('check --format json', () => {
  it('has the documented, stable shape', () => {
    const workspace = TempDir.workspace();
    try {
      const result = runCli(['check', '--format', 'json'], { cwd: workspace.root });
      assert.equal(result.code, 1);
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.equal(report.version, 1);
      assert.deepEqual(report.tool, { name: 'kube-mitm-guard', version: packageVersion() });
      assert.deepEqual(report.summary, { filesChecked: 10, filesWithFindings: 7, errors: 6, warnings: 2, information: 0, hints: 1 });
      assert.deepEqual(report.skipped, []);
      assert.equal(report.findings.length, 9);
      const unicode = report.findings.filter((finding) => finding.file === 'nested/deeper/unicode.yml');
      // The emoji before 9.9.9.9 is two UTF-16 code units: character 22, column 23.
      assert.deepEqual(unicode[1], {
        file: 'nested/deeper/unicode.yml',
        rule: 'external-ips',
        severity: 'error',
        message: unicode[1].message,
        range: { start: { line: 6, character: 22 }, end: { line: 6, character: 29 } },
        line: 7,
        column: 23,
        endLine: 7,
        endColumn: 30,
        documentIndex: 0,
        fixes: [
          { kind: 'remove-external-ip', title: 'Remove this external IP', fixAll: true },
          { kind: 'remove-external-ips-key', title: unicode[1].fixes[1].title, fixAll: false },
          { kind: 'suppress-line', title: 'Suppress external-ips for this line', fixAll: false },
          { kind: 'allow-external-ip', title: unicode[1].fixes[3].title, fixAll: false },
        ],
        related: [],
      });
      assert.match(unicode[1].fixes[3].title, /9\.9\.9\.9\/32/);
      const lb = report.findings.find((finding) => finding.rule === 'loadbalancer-status');
      assert.deepEqual(lb?.fixes.map((fix) => fix.kind), ['remove-loadbalancer-ingress', 'suppress-line']);
      // Nothing but JSON on stdout; warnings go to stderr.
      assert.match(result.stderr, /broken\.yaml: 1 YAML document could not be parsed/);
    } finally {
      workspace.dispose();
    }
  });

  it('reports rbac-endpoints-write by reach across files, with the fix and related locations in JSON', () => {
    const role = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: ep}', 'rules:', '- apiGroups: [""]', '  resources: [endpoints]', '  verbs: [get, create]', ''].join('\n');
    const binding = (subject: string) =>
      ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: RoleBinding', 'metadata: {name: b, namespace: team-a}', 'roleRef: {kind: ClusterRole, name: ep}', 'subjects:', `- ${subject}`, ''].join('\n');
    const dir = new TempDir({ 'role.yaml': role, 'binding.yaml': binding('{kind: ServiceAccount, name: ingress}') });
    try {
      // A workload holds it: information on the role, nothing on the binding, and the run passes.
      const controller = runCli(['check', '--format', 'json'], { cwd: dir.root });
      assert.equal(controller.code, 0, controller.stderr);
      const quiet = JSON.parse(controller.stdout) as JsonReport;
      assert.deepEqual(quiet.findings.map((finding) => [finding.file, finding.rule, finding.severity, finding.line, finding.column]), [['role.yaml', 'rbac-endpoints-write', 'information', 6, 15]]);
      assert.deepEqual(quiet.findings[0].fixes.map((fix) => [fix.kind, fix.fixAll]), [['remove-endpoints-write', true], ['suppress-line', false]]);
      assert.deepEqual(quiet.findings[0].related.map((related) => [related.file, related.line, related.message]), [['binding.yaml', 6, 'holds this role: ServiceAccount team-a/ingress through RoleBinding b']]);

      // People hold it: both findings are errors, the subject's with the granting rule as related.
      dir.write('binding.yaml', binding('{kind: User, name: alice}'));
      const people = runCli(['check', '--format', 'json'], { cwd: dir.root });
      assert.equal(people.code, 1);
      const report = JSON.parse(people.stdout) as JsonReport;
      assert.deepEqual(report.findings.map((finding) => [finding.file, finding.rule, finding.severity, finding.line]), [
        ['binding.yaml', 'rbac-endpoints-write-binding', 'error', 6],
        ['role.yaml', 'rbac-endpoints-write', 'error', 6],
      ]);
      const [subject] = report.findings;
      assert.match(subject.message, /^User alice gets create\/update\/patch on endpoints or endpointslices in namespace team-a through RoleBinding b → ClusterRole ep\./);
      assert.deepEqual(subject.fixes, []);
      assert.deepEqual(subject.related.map((related) => [related.file, related.line, related.message]), [
        ['role.yaml', 5, 'grants it: apiGroups [""], resources ["endpoints"], verbs ["get","create"] in ClusterRole ep'],
      ]);
    } finally {
      dir.dispose();
    }
  });

  it('gives external-ip-conflict the other Service\'s entry as related, across a file and standard input', () => {
    const dir = new TempDir({ 'team-a/web.yaml': externalIpService('{name: web, namespace: team-a}', '[{port: 443}]', '203.0.113.10') });
    try {
      const stdin = externalIpService('{name: api, namespace: team-b}', '[{port: 443, protocol: TCP}]', '203.0.113.10');
      const result = runCli(['check', '--format', 'json', '--allow-cidr', '203.0.113.0/24', 'team-a/web.yaml', '-'], { cwd: dir.root, stdin });
      assert.equal(result.code, 1);
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.deepEqual(
        report.findings.map((finding) => [finding.file, finding.rule, finding.severity, finding.line, finding.column, finding.fixes]),
        [
          ['team-a/web.yaml', 'external-ip-conflict', 'warning', FIRST_ENTRY_LINE + 1, 7, []],
          ['<stdin>', 'external-ip-conflict', 'warning', FIRST_ENTRY_LINE + 1, 7, []],
        ],
      );
      const [web, api] = report.findings;
      assert.match(web.message, /^Service team-b\/api also claims externalIP 203\.0\.113\.10 with port 443\/TCP\./);
      assert.deepEqual(web.related, [
        {
          file: '<stdin>',
          message: 'Service team-b/api claims it too: externalIP 203.0.113.10, port 443/TCP',
          range: { start: { line: FIRST_ENTRY_LINE, character: 6 }, end: { line: FIRST_ENTRY_LINE, character: 18 } },
          line: FIRST_ENTRY_LINE + 1,
          column: 7,
        },
      ]);
      assert.deepEqual(api.related.map((related) => [related.file, related.line]), [['team-a/web.yaml', FIRST_ENTRY_LINE + 1]]);
      const off = runCli(['check', '--format', 'json', '--allow-cidr', '203.0.113.0/24', '--rule', 'external-ip-conflict=off', 'team-a/web.yaml', '-'], { cwd: dir.root, stdin });
      assert.deepEqual((JSON.parse(off.stdout) as JsonReport).findings, []);
    } finally {
      dir.dispose();
    }
  });

  it('names the file itself in related locations within it (an anchored node behind an alias)', () => {
    const shared = ['apiVersion: v1', 'kind: List', 'items:', '- {apiVersion: v1, kind: Service, spec: &spec {externalIPs: [1.2.3.4]}}', '- {apiVersion: v1, kind: Service, spec: *spec}', ''].join('\n');
    const dir = new TempDir({ 'sub/shared.yaml': shared });
    try {
      const report = JSON.parse(runCli(['check', '--format', 'json'], { cwd: dir.root }).stdout) as JsonReport;
      assert.deepEqual(
        report.findings.map((finding) => [finding.line, finding.related.map((related) => [related.file, related.line, related.column])]),
        [
          [4, []],
          [5, [['sub/shared.yaml', 4, 62]]],
        ],
      );
    } finally {
      dir.dispose();
    }
  });

  it('lists skipped files', () => {
    const dir = new TempDir({ 'binary.yaml': Buffer.from([0x00]) });
    try {
      const report = JSON.parse(runCli(['check', '--format', 'json'], { cwd: dir.root }).stdout) as JsonReport;
      assert.deepEqual(report.skipped, [{ file: 'binary.yaml', reason: 'binary file (contains NUL bytes)' }]);
      assert.deepEqual(report.findings, []);
    } finally {
      dir.dispose();
    }
  });
});

describe('packaging', () => {
  it('dist/cli.js runs on its own: a shebang, no dependencies from node_modules at run time', () => {
    const isolated = new TempDir({ 'svc.yaml': service('web', ['10.5.5.5']) });
    try {
      fs.mkdirSync(isolated.path('pkg/dist'), { recursive: true });
      fs.copyFileSync(CLI, isolated.path('pkg/dist/cli.js'));
      fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), isolated.path('pkg/package.json'));
      assert.ok(fs.readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
      const result = spawnSync(process.execPath, [isolated.path('pkg/dist/cli.js'), 'check', 'svc.yaml'], { cwd: isolated.root, encoding: 'utf8' });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stdout, /^svc\.yaml:7:7 error external-ips/m);
      const version = spawnSync(process.execPath, [isolated.path('pkg/dist/cli.js'), '--version'], { encoding: 'utf8' });
      assert.equal(version.stdout, `${packageVersion()}\n`);
      const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
      assert.deepEqual(packageJson.bin, { 'kube-mitm-guard': './dist/cli.js' });
    } finally {
      isolated.dispose();
    }
  });
});
