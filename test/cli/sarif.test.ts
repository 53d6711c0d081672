// `check --format sarif`: valid against the official SARIF 2.1.0 schema (schemas/sarif-2.1.0.json),
// with the rule metadata code scanning shows and fingerprints that survive moved lines.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ruleDocsUrl, RULES } from '../../server/src/engine/rules/catalog';
import { RULE_IDS, UNUSED_SUPPRESSION } from '../../server/src/engine/types';
import { packageVersion, REPO_ROOT, runCli, TempDir } from './cliHarness';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId?: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
  partialFingerprints: Record<string, string>;
  relatedLocations?: {
    id: number;
    physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } };
    message: { text: string };
  }[];
}

interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        informationUri: string;
        rules: {
          id: string;
          shortDescription: { text: string };
          fullDescription: { text: string };
          helpUri: string;
          defaultConfiguration: { level: string };
          properties: { tags: string[]; 'security-severity'?: string };
        }[];
      };
    };
    originalUriBaseIds: Record<string, { uri: string }>;
    columnKind: string;
    results: SarifResult[];
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[];
  }[];
}

function validator() {
  const schema = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'sarif-2.1.0.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('check --format sarif', () => {
  let workspace: TempDir;
  let log: SarifLog;
  let raw: string;

  before(() => {
    workspace = TempDir.workspace();
    workspace.write('with space/svc #1.yaml', ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: x', 'spec:', '  externalIPs: [5.5.5.5]', ''].join('\n'));
    workspace.write('binary.yaml', Buffer.from([0]));
    // A grant in one file, handed to a workload by a binding in another.
    workspace.write('cross/role.yaml', ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRole', 'metadata: {name: lb}', 'rules:', '- {apiGroups: [""], resources: [services/status], verbs: [patch]}', ''].join('\n'));
    workspace.write(
      'cross/binding.yaml',
      ['apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata: {name: b}', 'roleRef: {kind: ClusterRole, name: lb}', 'subjects:', '- {kind: ServiceAccount, name: app, namespace: web}', ''].join('\n'),
    );
    const result = runCli(['check', '--format', 'sarif'], { cwd: workspace.root });
    assert.equal(result.code, 1, result.stderr);
    raw = result.stdout;
    log = JSON.parse(raw) as SarifLog;
  });

  after(() => workspace.dispose());

  it('gives a finding across files its path as relatedLocations', () => {
    const results = log.runs[0].results;
    const binding = results.find((result) => result.ruleId === 'rbac-services-status-binding');
    assert.equal(binding?.locations[0].physicalLocation.artifactLocation.uri, 'cross/binding.yaml');
    assert.deepEqual(
      binding?.relatedLocations?.map((related) => [related.id, related.physicalLocation.artifactLocation, related.physicalLocation.region.startLine]),
      [[1, { uri: 'cross/role.yaml', uriBaseId: 'SRCROOT' }, 5]],
    );
    assert.match(binding?.relatedLocations?.[0].message.text ?? '', /^grants it: /);
    const role = results.find((result) => result.ruleId === 'rbac-services-status' && result.locations[0].physicalLocation.artifactLocation.uri === 'cross/role.yaml');
    assert.equal(role?.relatedLocations?.[0].physicalLocation.artifactLocation.uri, 'cross/binding.yaml');
  });

  it('gives an alias finding the anchored node in its own file as a related location', () => {
    const dir = new TempDir({ 'shared.yaml': ['apiVersion: v1', 'kind: List', 'items:', '- {apiVersion: v1, kind: Service, spec: &spec {externalIPs: [1.2.3.4]}}', '- {apiVersion: v1, kind: Service, spec: *spec}', ''].join('\n') });
    try {
      const results = (JSON.parse(runCli(['check', '--format', 'sarif'], { cwd: dir.root }).stdout) as SarifLog).runs[0].results;
      assert.deepEqual(
        results.map((result) => result.relatedLocations?.map((related) => [related.physicalLocation.artifactLocation, related.physicalLocation.region.startLine])),
        [undefined, [[{ uri: 'shared.yaml', uriBaseId: 'SRCROOT' }, 4]]],
      );
    } finally {
      dir.dispose();
    }
  });

  it('is valid against the official SARIF 2.1.0 JSON schema', () => {
    const validate = validator();
    const valid = validate(log);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
    // The schema really checks: a broken log fails.
    assert.equal(validate({ ...log, version: '2.0.0' }), false);
    assert.equal(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] }), false);
  });

  it('describes the tool and every rule', () => {
    const run = log.runs[0];
    assert.equal(log.version, '2.1.0');
    assert.equal(run.tool.driver.name, 'kube-mitm-guard');
    assert.equal(run.tool.driver.version, packageVersion());
    assert.match(run.tool.driver.informationUri, /^https:\/\//);
    assert.deepEqual(
      run.tool.driver.rules.map((rule) => [rule.id, rule.defaultConfiguration.level]),
      [
        ['external-ips', 'error'],
        ['external-ip-invalid', 'error'],
        ['external-ip-conflict', 'warning'],
        ['loadbalancer-status', 'warning'],
        ['rbac-services-status', 'warning'],
        ['rbac-services-status-binding', 'error'],
        ['rbac-endpoints-write', 'note'],
        ['rbac-endpoints-write-binding', 'error'],
        ['mitigation-not-enforced', 'warning'],
        ['mitigation-allowlist', 'warning'],
        ['external-ips-deprecated', 'note'],
        ['deny-external-ips-admission', 'note'],
        ['unused-suppression', 'note'],
      ],
    );
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.shortDescription.text.length > 10 && rule.fullDescription.text.length > rule.shortDescription.text.length, rule.id);
      assert.equal(rule.helpUri, ruleDocsUrl(rule.id));
      assert.match(rule.helpUri, /^https:\/\/github\.com\/kube-mitm-guard\/kube-mitm-guard#/);
    }
    assert.equal(run.columnKind, 'utf16CodeUnits');
    assert.equal(run.originalUriBaseIds.SRCROOT.uri, pathToFileURL(workspace.root + path.sep).href);
    assert.deepEqual(run.invocations[0].toolExecutionNotifications.map((notification) => notification.message.text), [
      'binary.yaml was not checked: binary file (contains NUL bytes)',
    ]);
  });

  it('gives every security rule the security-severity code scanning ranks alerts by, from its default severity', () => {
    // GitHub's bands: 9.0 and over critical, 7.0 high, 4.0 medium, above 0 low.
    const band = (score: number) => (score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low');
    const expectedBand = { error: 'high', warning: 'medium', information: 'low', hint: 'low' } as const;
    const rules = new Map(log.runs[0].tool.driver.rules.map((rule) => [rule.id, rule]));
    // Every rule of the registry, so a new rule is held to this without touching the test.
    for (const id of RULE_IDS) {
      const rule = rules.get(id);
      assert.ok(rule, id);
      assert.ok(rule.properties.tags.includes('security'), `${id} is tagged security (code scanning reads security-severity only then)`);
      const score = rule.properties['security-severity'];
      assert.match(score ?? '', /^\d{1,2}\.\d$/, `${id} has a security-severity`);
      assert.ok(Number(score) > 0 && Number(score) <= 10, id);
      assert.equal(band(Number(score)), expectedBand[RULES[id].defaultSeverity], id);
    }
    assert.equal(band(Number(rules.get('external-ips')!.properties['security-severity'])), 'high');
    assert.equal(band(Number(rules.get('loadbalancer-status')!.properties['security-severity'])), 'medium');
    // An unused suppression is housekeeping, not a security alert.
    const unused = rules.get(UNUSED_SUPPRESSION)!;
    assert.equal(unused.properties['security-severity'], undefined);
    assert.equal(unused.properties.tags.includes('security'), false);
  });

  it('gives each result its rule, level, message and a 1-based region relative to the working folder', () => {
    const run = log.runs[0];
    assert.equal(run.results.length, 12);
    for (const result of run.results) {
      assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
      assert.ok(result.message.text.length > 0);
    }
    const unicode = run.results.filter((result) => result.locations[0].physicalLocation.artifactLocation.uri === 'nested/deeper/unicode.yml');
    assert.deepEqual(unicode[1].locations[0].physicalLocation, {
      artifactLocation: { uri: 'nested/deeper/unicode.yml', uriBaseId: 'SRCROOT' },
      region: { startLine: 7, startColumn: 23, endLine: 7, endColumn: 30 },
    });
    assert.equal(unicode[1].ruleId, 'external-ips');
    assert.equal(unicode[1].level, 'error');
    const levels = Object.fromEntries(run.results.map((result) => [result.ruleId, result.level]));
    assert.deepEqual(levels, {
      'external-ips': 'error',
      'external-ip-invalid': 'error',
      'loadbalancer-status': 'warning',
      'rbac-services-status': 'warning',
      'rbac-services-status-binding': 'warning',
      'unused-suppression': 'note',
    });
    // Percent-encoded, so the uri is a valid URI reference.
    assert.ok(run.results.some((result) => result.locations[0].physicalLocation.artifactLocation.uri === 'with%20space/svc%20%231.yaml'));
  });

  it('keeps partial fingerprints when lines move, and changes them when the finding changes', () => {
    const before = new Map(log.runs[0].results.map((result) => [result.partialFingerprints['kubeMitmGuard/v1'], result]));
    assert.equal(before.size, log.runs[0].results.length, 'fingerprints are unique');
    for (const fingerprint of before.keys()) assert.match(fingerprint, /^[0-9a-f]{32}:\d+$/);
    // Move everything in services.yaml down by three lines and re-indent nothing.
    const services = workspace.read('services.yaml');
    workspace.write('services.yaml', `# a comment\n# another\n\n${services}`);
    const moved = JSON.parse(runCli(['check', '--format', 'sarif', 'services.yaml'], { cwd: workspace.root }).stdout) as SarifLog;
    for (const result of moved.runs[0].results) {
      const original = before.get(result.partialFingerprints['kubeMitmGuard/v1']);
      assert.ok(original, `fingerprint of ${result.ruleId} survived the move`);
      assert.equal(result.locations[0].physicalLocation.region.startLine, original.locations[0].physicalLocation.region.startLine + 3);
    }
    workspace.write('services.yaml', services.replace('8.8.8.8', '8.8.4.4'));
    const changed = JSON.parse(runCli(['check', '--format', 'sarif', 'services.yaml'], { cwd: workspace.root }).stdout) as SarifLog;
    const external = changed.runs[0].results.find((result) => result.ruleId === 'external-ips')!;
    assert.equal(before.has(external.partialFingerprints['kubeMitmGuard/v1']), false);
    workspace.write('services.yaml', services);
  });

  it('numbers identical findings in one file apart', () => {
    const dir = new TempDir({
      'twice.yaml': ['apiVersion: v1', 'kind: Service', 'metadata: {name: a}', 'spec:', '  externalIPs:', '    - 1.1.1.1', '---',
        'apiVersion: v1', 'kind: Service', 'metadata: {name: b}', 'spec:', '  externalIPs:', '    - 1.1.1.1', ''].join('\n'),
    });
    try {
      const sarif = JSON.parse(runCli(['check', '--format', 'sarif'], { cwd: dir.root }).stdout) as SarifLog;
      const prints = sarif.runs[0].results.map((result) => result.partialFingerprints['kubeMitmGuard/v1']);
      assert.equal(prints.length, 2);
      assert.equal(prints[0].split(':')[0], prints[1].split(':')[0]);
      assert.deepEqual(prints.map((print) => print.split(':')[1]), ['1', '2']);
    } finally {
      dir.dispose();
    }
  });

  it('is valid with no results and for standard input', () => {
    const dir = new TempDir();
    try {
      const empty = runCli(['check', '--format', 'sarif'], { cwd: dir.root });
      assert.equal(empty.code, 0);
      const stdin = runCli(['check', '--format', 'sarif', '-'], { cwd: dir.root, stdin: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {externalIPs: [1.2.3.4]}\n' });
      assert.equal(stdin.code, 1);
      const validate = validator();
      for (const output of [empty.stdout, stdin.stdout]) assert.ok(validate(JSON.parse(output)), JSON.stringify(validate.errors));
      const stdinLog = JSON.parse(stdin.stdout) as SarifLog;
      assert.deepEqual(stdinLog.runs[0].results[0].locations[0].physicalLocation.artifactLocation, { uri: 'stdin' });
    } finally {
      dir.dispose();
    }
  });
});
