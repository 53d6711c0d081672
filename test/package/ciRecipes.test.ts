// docs/ci.md's recipes, run: the code blocks are read from the page itself, and their commands (GitHub
// Actions `run:` steps, GitLab `script:` lines, the shell script, the pre-commit configurations) run in a
// temporary git repository against the packed npm package, offline. `npx --yes kube-mitm-guard` finds the
// package installed globally in a temporary prefix (npm_config_prefix), where users get it from the registry.
// Each npx costs about a second of CPU, so each recipe runs once or twice; test/cli covers the outputs' details.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { skipUnlessInstalled } from '../support/ciTools';
import { CommandResult, installGlobally, mustRun, offlineNpmEnv, packPackage, pathWith, REPO_ROOT, run } from '../support/npmPackage';
import { TempDir } from '../support/tempDir';

interface CodeBlock {
  /** The `##` or `###` heading the block is under. */
  heading: string;
  language: string;
  text: string;
}

function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let heading = '';
  let open: CodeBlock | undefined;
  for (const line of markdown.split('\n')) {
    if (open) {
      if (line.startsWith('```')) {
        blocks.push(open);
        open = undefined;
      } else open.text += `${line}\n`;
    } else if (/^#{2,3} /.test(line)) heading = line.replace(/^#+ /, '');
    else if (line.startsWith('```')) open = { heading, language: line.slice(3).trim(), text: '' };
  }
  return blocks;
}

const BLOCKS = codeBlocks(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'ci.md'), 'utf8'));

function block(heading: string, language: string, index = 0): string {
  const found = BLOCKS.filter((candidate) => candidate.heading === heading && candidate.language === language);
  assert.ok(found[index], `docs/ci.md has a ${language} block under "${heading}"`);
  return found[index].text;
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number>;
}

const service = (name: string, ip: string) =>
  ['apiVersion: v1', 'kind: Service', `metadata: {name: ${name}}`, 'spec:', '  ports: [{port: 80}]', '  externalIPs:', `    - ${ip}`, ''].join('\n');
const LOAD_BALANCER = ['apiVersion: v1', 'kind: Service', 'metadata: {name: lb}', 'spec: {type: LoadBalancer}', 'status:', '  loadBalancer:', '    ingress: [{ip: 1.2.3.4}]', ''].join('\n');
const ROLE = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: lb}', 'rules:', '- {apiGroups: [""], resources: [services/status], verbs: [patch]}', ''].join('\n');
const BINDING = ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata: {name: lb}', 'roleRef: {kind: ClusterRole, name: lb}', 'subjects:', '- {kind: Group, name: "system:authenticated"}', ''].join('\n');

describe('the CI recipes in docs/ci.md', () => {
  let scratch: TempDir;
  let env: NodeJS.ProcessEnv;
  const repos: TempDir[] = [];

  /** A git repository with these files committed. */
  function repository(files: Record<string, string>): TempDir {
    const repo = new TempDir(files, 'kmg-ci-repo-');
    repos.push(repo);
    for (const args of [['init', '-q'], ['config', 'user.name', 'Test'], ['config', 'user.email', 'test@example.invalid'], ['add', '-A'], ['commit', '-qm', 'manifests']]) {
      mustRun('git', args, { cwd: repo.root, env });
    }
    return repo;
  }

  /** A GitHub Actions `run:` step: GitHub runs it with `bash -e`. */
  const runStep = (script: string, cwd: string): CommandResult => run('bash', ['-e', '-c', script], { cwd, env });

  before(() => {
    scratch = new TempDir({}, 'kmg-ci-');
    const prefix = scratch.path('prefix');
    const binDir = installGlobally(packPackage(scratch.path('pack')).tarball, prefix, scratch.root);
    env = offlineNpmEnv(scratch.root, { PATH: pathWith(binDir), npm_config_prefix: prefix, PRE_COMMIT_HOME: scratch.path('pre-commit-home') });
    for (const name of ['GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE']) delete env[name];
  });

  after(() => {
    scratch.dispose();
    for (const repo of repos) repo.dispose();
  });

  it('GitHub Actions: writes the SARIF file the upload step sends, with what code scanning tracks alerts by', () => {
    const workflow = parse(block('GitHub Actions', 'yaml')) as { permissions: Record<string, string>; jobs: Record<string, { steps: Step[] }> };
    assert.deepEqual(workflow.permissions, { contents: 'read', 'security-events': 'write' });
    const steps = Object.values(workflow.jobs)[0].steps;
    const upload = steps.find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@'));
    assert.ok(upload?.with, 'an upload-sarif step');
    assert.match(upload.if ?? '', /!cancelled\(\)|always\(\)/, 'the upload runs when the check failed');
    const sarifFile = String(upload.with.sarif_file);
    const runSteps = steps.filter((step) => step.run !== undefined);
    assert.equal(runSteps.length, 1);

    const dirty = repository({ 'deploy/svc.yaml': service('web', '8.8.8.8') });
    const failed = runStep(runSteps[0].run!, dirty.root);
    assert.equal(failed.code, 1, failed.stderr);
    const sarif = JSON.parse(dirty.read(sarifFile)) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string; helpUri: string; properties: Record<string, unknown> }[] } };
        results: { ruleId: string; partialFingerprints: Record<string, string>; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
      }[];
    };
    assert.equal(sarif.version, '2.1.0');
    // The Service's externalIPs are also deprecated (a hint, which code scanning shows as a note).
    assert.deepEqual(sarif.runs[0].results.map((candidate) => candidate.ruleId), ['external-ips-deprecated', 'external-ips']);
    const result = sarif.runs[0].results[1];
    assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, 'deploy/svc.yaml');
    assert.match(result.partialFingerprints['kubeMitmGuard/v1'], /^[0-9a-f]{32}:1$/);
    const rule = sarif.runs[0].tool.driver.rules.find((candidate) => candidate.id === result.ruleId)!;
    assert.match(rule.helpUri, /#rule-external-ips$/);
    assert.equal(rule.properties['security-severity'], '8.0');
  });

  it('GitHub Actions without code scanning: prints one workflow command per finding and fails on them', { skip: skipUnlessInstalled('jq', 'apt-get install jq') }, () => {
    const [step] = parse(block('Annotations without code scanning', 'yaml')) as Step[];
    const repo = repository({ 'deploy/svc.yaml': service('web', '8.8.8.8'), 'odd,name.yaml': LOAD_BALANCER });
    const result = runStep(step.run!, repo.root);
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.map((line) => line.replace(/::[^:]*$/, '::')), [
      // Hints become notices.
      '::notice file=deploy/svc.yaml,line=6,endLine=6,col=3,endColumn=14,title=external-ips-deprecated::',
      '::error file=deploy/svc.yaml,line=7,endLine=7,col=7,endColumn=14,title=external-ips::',
      // A comma in a property is escaped, or the runner would cut the file name there.
      '::warning file=odd%2Cname.yaml,line=7,endLine=7,col=15,endColumn=28,title=loadbalancer-status::',
    ]);
    assert.match(lines[1], /::externalIP 8\.8\.8\.8 lets this Service intercept traffic/);
  });

  it('GitLab CI: writes the code quality report even when the job fails, and logs the findings', () => {
    const job = Object.values(parse(block('GitLab CI', 'yaml')) as Record<string, { script: string[]; artifacts: { when: string; reports: { codequality: string } } }>)[0];
    assert.equal(job.artifacts.when, 'always');
    const report = job.artifacts.reports.codequality;
    // GitLab runs the script lines in one shell and stops at the first that fails.
    const script = job.script.join('\n');
    const dirty = repository({ 'deploy/svc.yaml': service('web', '8.8.8.8') });
    const failed = run('sh', ['-e', '-c', script], { cwd: dirty.root, env });
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stdout, /^deploy\/svc\.yaml:7:7 error external-ips /m);
    const issues = JSON.parse(dirty.read(report)) as { check_name: string; severity: string; fingerprint: string; location: { path: string; lines: { begin: number } } }[];
    assert.deepEqual(
      issues.map((issue) => [issue.check_name, issue.severity, issue.location.path, issue.location.lines.begin]),
      [
        ['external-ips-deprecated', 'info', 'deploy/svc.yaml', 6],
        ['external-ips', 'critical', 'deploy/svc.yaml', 7],
      ],
    );
  });

  it('plain shell: fails on findings, and on a committed admission policy the allowlist has left behind', () => {
    const script = block('Plain shell', 'sh');
    const dirty = repository({ 'deploy/svc.yaml': service('web', '8.8.8.8') });
    assert.equal(run('sh', ['-c', script], { cwd: dirty.root, env }).code, 1);
    const repo = repository({ 'deploy/svc.yaml': service('web', '8.8.8.8'), '.kube-mitm-guard.yaml': 'allowedExternalIPCidrs: [8.8.8.8/32]\n' });
    const first = run('sh', ['-c', script], { cwd: repo.root, env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(repo.read('deploy/mitm-policy.yaml'), /8\.8\.8\.8\/32/);
    mustRun('git', ['add', 'deploy/mitm-policy.yaml'], { cwd: repo.root, env });
    mustRun('git', ['commit', '-qm', 'policy'], { cwd: repo.root, env });
    repo.write('.kube-mitm-guard.yaml', 'allowedExternalIPCidrs: [8.8.8.8/32, 203.0.113.0/24]\n');
    const stale = run('sh', ['-c', script], { cwd: repo.root, env });
    assert.equal(stale.code, 1);
    assert.match(stale.stdout, /^\+.*203\.0\.113\.0\/24/m);
  });

  it('pre-commit: the configurations name this repository and its hooks, and are valid', () => {
    const hooks = parse(fs.readFileSync(path.join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; entry: string; language: string }[];
    assert.deepEqual(hooks.map((hook) => [hook.id, hook.entry, hook.language]), [
      ['kube-mitm-guard', 'kube-mitm-guard check', 'system'],
      ['kube-mitm-guard-fix', 'kube-mitm-guard check --fix', 'system'],
    ]);
    const remote = block('pre-commit', 'yaml', 0);
    const config = parse(remote) as { repos: { repo: string; hooks: { id: string }[] }[] };
    const repositoryUrl = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { repository: { url: string } }).repository.url;
    assert.equal(config.repos[0].repo, repositoryUrl);
    // Every hook id the snippet names, the commented opt-in one too, is one this repository defines.
    const named = [...remote.matchAll(/id: ([\w-]+)/g)].map((match) => match[1]);
    assert.deepEqual(named, ['kube-mitm-guard', 'kube-mitm-guard-fix']);
  });

  it('pre-commit: the whole-repository local hook links files that are not staged', { skip: skipUnlessInstalled('pre-commit', 'apt-get install pre-commit') }, () => {
    const repo = repository({ 'rbac/role.yaml': ROLE, 'rbac/binding.yaml': BINDING, '.pre-commit-config.yaml': block('pre-commit', 'yaml', 1) });
    for (const config of [block('pre-commit', 'yaml', 0), block('pre-commit', 'yaml', 1)]) {
      fs.writeFileSync(path.join(scratch.root, 'config.yaml'), config);
      const validated = run('pre-commit', ['validate-config', path.join(scratch.root, 'config.yaml')], { cwd: repo.root, env });
      assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    }
    // Only the role is staged; the hook still judges it with the committed binding.
    repo.write('rbac/role.yaml', `# reviewed\n${ROLE}`);
    mustRun('git', ['add', 'rbac/role.yaml'], { cwd: repo.root, env });
    const result = run('pre-commit', ['run'], { cwd: repo.root, env, timeoutMs: 120_000 });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^rbac\/binding\.yaml:\d+:\d+ error rbac-services-status-binding /m);
  });
});
