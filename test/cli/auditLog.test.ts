// `audit-log` and `audit-policy` through the built CLI (dist/cli.js) on real files: gzip, EventList, rotated
// logs, standard input, unreadable lines, config resolution, JSON output, exit codes, and a policy whose
// rules, matched as the API server matches them, log what audit-log needs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parse, parseDocument } from 'yaml';
import { auditEvents, auditLog, Level, RequestSpec, service } from '../support/auditEvents';
import { REPO_ROOT, runCli, TempDir } from './cliHarness';

const statusPatch = (extra: Partial<RequestSpec> = {}): RequestSpec => ({
  verb: 'patch', resource: 'services', subresource: 'status', namespace: 'shop', name: 'web', requestObject: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.80' }] } } }, ...extra,
});
const create = (externalIPs: string[], extra: Partial<RequestSpec> = {}): RequestSpec => ({
  verb: 'create', resource: 'services', namespace: 'shop', name: 'web', level: 'Request', requestObject: service('web', 'shop', externalIPs), ...extra,
});

interface AuditJson {
  version: number;
  tool: { name: string };
  summary: Record<string, unknown> & { errors: number; warnings: number; linesRead: number; requestsJudged: number; unreadableLines: number; externalIPs: { namespace: string; name: string; addresses: { address: string; requests: number }[] }[]; statusWriters: { user: string; class: string; succeeded: number; refused: number }[] };
  findings: { file: string; rule: string; severity: string; message: string; range: { start: { line: number; character: number } }; line: number; user: string; auditID: string; outcome: string; dryRun: boolean; impersonatedBy?: string }[];
  skipped: { file: string; reason: string }[];
}

describe('audit-log (CLI)', () => {
  const dirs: TempDir[] = [];
  const dir = (files: Record<string, string | Buffer> = {}) => {
    const created = new TempDir(files);
    dirs.push(created);
    return created;
  };
  after(() => dirs.forEach((created) => created.dispose()));

  it('reads rotated files in the order given, gzip by its bytes, and reports a request at its last stage', () => {
    const split = auditEvents(statusPatch({ level: 'Request', stages: ['RequestReceived', 'ResponseComplete'] }));
    const older = auditLog([...auditEvents(create(['198.51.100.3'])), split[0]]);
    const newer = auditLog([...auditEvents({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'p', level: 'Metadata' }), split[1]]);
    const work = dir({ 'audit-2026-03-01.log': gzipSync(Buffer.from(older)), 'audit.log': newer });
    const result = runCli(['audit-log', 'audit-2026-03-01.log', 'audit.log'], { cwd: work.root });
    assert.equal(result.code, 1, result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(lines[0], /^audit-2026-03-01\.log:1:1 error audit-external-ips create services shop\/web by alice/);
    assert.match(lines[1], /^audit\.log:2:1 error audit-services-status-write patch services\/status shop\/web .*203\.0\.113\.80/);
    assert.ok(result.stdout.includes('externalIPs written by successful requests, per Service:\n  shop/web: 198.51.100.3 (1 request)'), result.stdout);
    assert.ok(result.stdout.includes('services/status writers (patch, update):\n  alice (people): 1 succeeded'), result.stdout);
    assert.match(lines.at(-2)!, /^2 problems \(2 errors\) in 2 requests judged \(2 files, 4 event lines read, 1 passed over by the pre-check, 0 unreadable\)\.$/);
    assert.equal(result.stderr, '');
  });

  it('reads the real events of ../shared/corpus/audit-samples with no finding and nothing named', () => {
    const corpus = path.join(REPO_ROOT, '..', 'shared', 'corpus', 'audit-samples');
    const files = fs.readdirSync(corpus).filter((name) => name.endsWith('.json')).map((name) => path.join(corpus, name));
    const result = runCli(['audit-log', '--format', 'json', ...files], { cwd: dir().root });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(result.stderr, '');
    const report = JSON.parse(result.stdout) as AuditJson;
    assert.deepEqual([report.findings.length, report.summary.unreadableLines, report.summary.requestsJudged], [0, 0, files.length]);
  });

  it('reads standard input and an EventList, and prints check-shaped JSON', () => {
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: auditEvents(statusPatch()) };
    const work = dir({ 'events.json': JSON.stringify(list, null, 2) });
    const fromFile = runCli(['audit-log', '--format', 'json', 'events.json'], { cwd: work.root });
    const report = JSON.parse(fromFile.stdout) as AuditJson;
    assert.equal(report.version, 1);
    assert.equal(report.tool.name, 'kube-mitm-guard');
    assert.equal(report.findings.length, 1);
    const [finding] = report.findings;
    assert.equal(finding.file, 'events.json');
    assert.equal(finding.rule, 'audit-services-status-write');
    assert.deepEqual(finding.range.start, { line: 5, character: 0 }); // `    {` after `{`, kind, apiVersion, metadata, `"items": [`
    assert.equal(finding.user, 'alice');
    assert.equal(finding.outcome, 'succeeded');
    assert.equal(report.summary.errors, 1);
    assert.deepEqual(report.summary.statusWriters, [{ user: 'alice', class: 'people', succeeded: 1, refused: 0 }]);

    const piped = runCli(['audit-log', '--format', 'json', '-'], { cwd: work.root, stdin: auditLog(auditEvents(statusPatch())) });
    const fromStdin = JSON.parse(piped.stdout) as AuditJson;
    assert.equal(fromStdin.findings[0].file, '<stdin>');
    assert.equal(fromStdin.summary.requestsJudged, 1);
    assert.equal(runCli(['audit-log'], { cwd: work.root, stdin: auditLog(auditEvents(statusPatch())) }).code, 1, 'no file: standard input');
  });

  it('judges outcomes, dry runs, impersonation and the three patch types from a log on disk', () => {
    const patch = (requestObject: unknown, responseIPs: string[]): RequestSpec => ({
      verb: 'patch', resource: 'services', namespace: 'shop', name: 'web', requestObject, responseObject: service('web', 'shop', responseIPs),
    });
    const work = dir({
      'audit.log': auditLog(
        [
          statusPatch(),
          statusPatch({ forbidden: true }),
          statusPatch({ dryRun: true }),
          statusPatch({ username: 'kubernetes-admin', groups: ['system:masters'], impersonate: { username: 'bob', groups: ['dev'] } }),
          patch([{ op: 'add', path: '/spec/externalIPs/-', value: '203.0.113.31' }], ['203.0.113.1', '203.0.113.31']),
          patch([{ op: 'copy', from: '/metadata/annotations/next', path: '/spec/externalIPs/1' }], ['203.0.113.1', '203.0.113.32']),
          patch({ spec: { externalIPs: ['203.0.113.33'] } }, ['203.0.113.33']),
          patch({ spec: { '$setElementOrder/externalIPs': ['203.0.113.1'], '$deleteFromPrimitiveList/externalIPs': ['203.0.113.2'] } }, ['203.0.113.1']),
          statusPatch({ requestObject: { status: { loadBalancer: { ingress: [{ $patch: 'delete', ip: '203.0.113.80' }] } } } }),
        ].flatMap(auditEvents),
      ),
    });
    const report = JSON.parse(runCli(['audit-log', '--format', 'json', 'audit.log'], { cwd: work.root }).stdout) as AuditJson;
    const seen = report.findings.map((finding) => `${finding.line} ${finding.rule} ${finding.severity} ${finding.outcome}${finding.dryRun ? ' dry-run' : ''}${finding.impersonatedBy ? ` ${finding.user} by ${finding.impersonatedBy}` : ''}`);
    assert.deepEqual(seen, [
      '1 audit-services-status-write error succeeded',
      '2 audit-services-status-write warning refused',
      '3 audit-services-status-write information succeeded dry-run',
      '4 audit-services-status-write error succeeded bob by kubernetes-admin',
      '5 audit-external-ips error succeeded',
      '6 audit-external-ips error succeeded',
      '7 audit-external-ips error succeeded',
      '9 audit-services-status-write error succeeded',
    ]);
    const addresses = report.findings.slice(4, 7).map((finding) => [...finding.message.matchAll(/"(203\.0\.113\.\d+)"/g)].map((match) => match[1]));
    assert.deepEqual(addresses, [['203.0.113.31'], ['203.0.113.32'], ['203.0.113.33']], 'only what each request writes, a copy resolved in the response');
    assert.match(report.findings[7].message, /It writes no ingress address\./);
  });

  it('names truncated and garbage lines on standard error as file:line, and reads the rest', () => {
    const good = auditLog(auditEvents(statusPatch()));
    const work = dir({ 'audit.log': `not json at all\n${good}${good.slice(0, 200)}` });
    const result = runCli(['audit-log', 'audit.log'], { cwd: work.root });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^audit\.log:2:1 error audit-services-status-write/);
    assert.deepEqual(result.stderr.trim().split('\n'), [
      'warning: audit.log:1: skipped: not JSON (a truncated or stray line?)',
      'warning: audit.log:3: skipped: not JSON (a truncated or stray line?)',
    ]);
  });

  it('prints one note for writes logged without their body, never a finding per event', () => {
    const work = dir({ 'audit.log': auditLog([...auditEvents(create(['203.0.113.5'], { level: 'Metadata' })), ...auditEvents(create(['203.0.113.6'], { level: 'Metadata', verb: 'update' }))]) });
    const result = runCli(['audit-log', 'audit.log'], { cwd: work.root });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^No problems found \(2 requests judged/);
    assert.match(result.stderr, /^note: 2 writes to services could not be judged .* level Request and patch at RequestResponse \(kube-mitm-guard audit-policy prints the rules\)\.\n$/);
  });

  it('takes the allowlist and status writers as check does: nearest config, --config, --allow-cidr, --status-writer', () => {
    const log = auditLog([...auditEvents(create(['203.0.113.5'])), ...auditEvents(statusPatch({ username: 'system:serviceaccount:metallb-system:controller' }))]);
    const work = dir({
      '.kube-mitm-guard.yaml': 'allowedExternalIPCidrs:\n  - 203.0.113.0/24\n',
      'logs/audit.log': log,
      'other.yaml': 'statusWriters:\n  - system:serviceaccount:metallb-system:controller\n',
    });
    const nearest = runCli(['audit-log', '--format', 'json', 'audit.log'], { cwd: work.path('logs') });
    assert.deepEqual((JSON.parse(nearest.stdout) as AuditJson).findings.map((finding) => finding.rule), ['audit-services-status-write']);
    const explicit = runCli(['audit-log', '--format', 'json', '--config', '../other.yaml', 'audit.log'], { cwd: work.path('logs') });
    assert.deepEqual((JSON.parse(explicit.stdout) as AuditJson).findings.map((finding) => finding.rule), ['audit-external-ips']);
    const flags = runCli(['audit-log', '--config', '../other.yaml', '--allow-cidr', '203.0.113.5', 'audit.log'], { cwd: work.path('logs') });
    assert.equal(flags.code, 0, flags.stdout);
    const writer = runCli(['audit-log', '--status-writer', 'system:serviceaccount:metallb-system:controller', 'audit.log'], { cwd: work.path('logs') });
    assert.equal(writer.code, 0, writer.stdout);
  });

  it('exits as check does: --fail-on, and 2 for a missing file, a folder or nothing readable', () => {
    const work = dir({ 'refused.log': auditLog(auditEvents(statusPatch({ forbidden: true }))), 'broken.gz': gzipSync(Buffer.from('x'.repeat(5000))).subarray(0, 12) });
    assert.equal(runCli(['audit-log', 'refused.log'], { cwd: work.root }).code, 1);
    assert.equal(runCli(['audit-log', '--fail-on', 'error', 'refused.log'], { cwd: work.root }).code, 0);
    assert.equal(runCli(['audit-log', '--fail-on', 'never', 'refused.log'], { cwd: work.root }).code, 0);
    assert.equal(runCli(['audit-log', 'missing.log'], { cwd: work.root }).code, 2);
    assert.equal(runCli(['audit-log', '.'], { cwd: work.root }).code, 2);
    const broken = runCli(['audit-log', 'broken.gz'], { cwd: work.root });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /warning: broken\.gz: could not be read to its end/);
    work.write('garbage.log', 'no events here\n{"kind":"Status"}\n');
    assert.equal(runCli(['audit-log', 'garbage.log'], { cwd: work.root }).code, 2, 'only unreadable lines');
    work.write('empty.log', '');
    assert.equal(runCli(['audit-log', 'empty.log'], { cwd: work.root }).code, 0, 'an empty log is no failure');
  });
});

/**
 * The level an audit policy gives a request, as the API server's policy checker decides
 * (k8s.io/apiserver/pkg/audit/policy/checker.go): the first rule whose verbs and resources match, where
 * `services` matches only the resource and `services/status`, `*` or `*\/status` its subresource.
 */
function levelOf(policy: { rules: { level: string; verbs?: string[]; resources?: { group: string; resources?: string[] }[]; omitStages?: string[] }[] }, request: { verb: string; group: string; resource: string; subresource?: string }): { level: string; omitStages: string[] } {
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  for (const rule of policy.rules) {
    if (rule.verbs && rule.verbs.length > 0 && !rule.verbs.includes(request.verb)) continue;
    if (rule.resources && rule.resources.length > 0) {
      const matches = rule.resources.some((entry) => {
        if (entry.group !== request.group) return false;
        if (!entry.resources || entry.resources.length === 0) return true;
        return entry.resources.some(
          (resource) =>
            resource === combined ||
            resource === '*' ||
            (request.subresource !== undefined && resource === `*/${request.subresource}`) ||
            (resource.endsWith('/*') && resource.slice(0, -2) === request.resource),
        );
      });
      if (!matches) continue;
    }
    return { level: rule.level, omitStages: rule.omitStages ?? [] };
  }
  return { level: 'None', omitStages: [] };
}

describe('audit-policy (CLI)', () => {
  const work = new TempDir();
  after(() => work.dispose());
  const RBAC = 'rbac.authorization.k8s.io';

  it('prints a Policy that logs what audit-log needs, at the lowest level, and nothing else', () => {
    const result = runCli(['audit-policy'], { cwd: work.root });
    assert.equal(result.code, 0, result.stderr);
    const policy = parse(result.stdout);
    assert.equal(policy.apiVersion, 'audit.k8s.io/v1');
    assert.equal(policy.kind, 'Policy');
    const expected: [RequestSpec['verb'], string, string, string | undefined, string][] = [
      ['patch', '', 'services', 'status', 'RequestResponse'],
      ['update', '', 'services', 'status', 'Request'],
      ['create', '', 'services', undefined, 'Request'],
      ['update', '', 'services', undefined, 'Request'],
      ['patch', '', 'services', undefined, 'RequestResponse'],
      ['create', RBAC, 'clusterroles', undefined, 'RequestResponse'],
      ['patch', RBAC, 'roles', undefined, 'RequestResponse'],
      ['update', RBAC, 'rolebindings', undefined, 'RequestResponse'],
      ['create', RBAC, 'clusterrolebindings', undefined, 'RequestResponse'],
      ['delete', RBAC, 'clusterroles', undefined, 'Metadata'],
      ['get', '', 'services', undefined, 'None'],
      ['list', '', 'pods', undefined, 'None'],
      ['get', '', 'services', 'status', 'None'],
      ['create', '', 'configmaps', undefined, 'None'],
    ];
    for (const [verb, group, resource, subresource, level] of expected) {
      const matched = levelOf(policy, { verb, group, resource, subresource });
      assert.equal(matched.level, level, `${verb} ${resource}${subresource ? `/${subresource}` : ''}`);
      if (level !== 'None') assert.deepEqual(matched.omitStages, ['RequestReceived']);
    }
    // Without its services/status entries, the policy would not log the status writes at all.
    const servicesOnly = { rules: policy.rules.map((rule: { resources: { resources: string[] }[] }) => ({ ...rule, resources: rule.resources.map((entry) => ({ ...entry, resources: entry.resources.filter((name) => name !== 'services/status') })) })) };
    assert.equal(levelOf(servicesOnly, { verb: 'patch', group: '', resource: 'services', subresource: 'status' }).level, 'None');
  });

  it('is what audit-log needs: events logged at those levels are all judged, with no note', () => {
    const policy = parse(runCli(['audit-policy'], { cwd: work.root }).stdout);
    const at = (spec: RequestSpec): RequestSpec => ({ ...spec, level: levelOf(policy, { verb: spec.verb, group: spec.apiGroup ?? '', resource: spec.resource, subresource: spec.subresource }).level as Level });
    const copy = [{ op: 'copy', from: '/metadata/annotations/x', path: '/spec/externalIPs/0' }];
    const events = [
      at(create(['203.0.113.5'])),
      at({ verb: 'patch', resource: 'services', namespace: 'shop', name: 'web', requestObject: copy, responseObject: service('web', 'shop', ['203.0.113.6']) }),
      at(statusPatch({ requestObject: [{ op: 'copy', from: '/metadata/annotations/x', path: '/status/loadBalancer/ingress/0' }], responseObject: service('web', 'shop', undefined, ['203.0.113.7']) })),
      at({ verb: 'patch', resource: 'clusterroles', apiGroup: RBAC, name: 'r', requestObject: [{ op: 'add', path: '/rules/0/verbs/-', value: 'patch' }], responseObject: { kind: 'ClusterRole', metadata: { name: 'r' }, rules: [{ apiGroups: [''], resources: ['services/status'], verbs: ['get', 'patch'] }] } }),
    ].flatMap((spec) => auditEvents({ ...spec, stages: ['RequestReceived', 'ResponseComplete'] }).filter((event) => !levelOf(policy, { verb: spec.verb, group: spec.apiGroup ?? '', resource: spec.resource, subresource: spec.subresource }).omitStages.includes(event.stage as string)));
    work.write('audit.log', auditLog(events));
    const result = runCli(['audit-log', '--format', 'json', 'audit.log'], { cwd: work.root });
    assert.equal(result.stderr, '');
    const report = JSON.parse(result.stdout) as AuditJson;
    assert.deepEqual(report.findings.map((finding) => finding.rule), ['audit-external-ips', 'audit-external-ips', 'audit-services-status-write', 'audit-rbac-grant']);
    assert.match(report.findings[1].message, /203\.0\.113\.6/);
    assert.match(report.findings[2].message, /203\.0\.113\.7/);
  });

  it('--merge puts the rules in front and keeps every existing rule, in order, with its comments', () => {
    const original = [
      '# Our cluster policy.',
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitStages: [RequestReceived]',
      'rules:',
      '  # Never log secrets bodies.',
      '  - level: Metadata',
      '    resources:',
      '      - group: ""',
      '        resources: [secrets, configmaps]',
      '  - level: None # health checks',
      '    nonResourceURLs: [/healthz*, /readyz*]',
      '  # Everything else.',
      '  - level: Metadata',
      '',
    ].join('\n');
    const file = work.write('policy.yaml', original);
    const result = runCli(['audit-policy', '--merge', 'policy.yaml'], { cwd: work.root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(fs.readFileSync(file, 'utf8'), original, 'the file is not changed');
    const ours = parse(runCli(['audit-policy'], { cwd: work.root }).stdout).rules;
    const merged = parseDocument(result.stdout);
    const rules = (merged.toJS() as { rules: unknown[] }).rules;
    assert.deepEqual(rules.slice(0, ours.length), ours);
    assert.deepEqual(rules.slice(ours.length), parse(original).rules);
    assert.equal((merged.toJS() as { omitStages: string[] }).omitStages[0], 'RequestReceived');
    for (const comment of ['# Our cluster policy.', '# Never log secrets bodies.', '# health checks', '# Everything else.']) assert.ok(result.stdout.includes(comment), comment);
    const tail = result.stdout.slice(result.stdout.indexOf('# Never log secrets bodies.'));
    assert.ok(tail.indexOf('- level: Metadata') < tail.indexOf('# health checks') && tail.indexOf('# health checks') < tail.indexOf('# Everything else.'), tail);
    assert.ok(result.stdout.indexOf('kube-mitm-guard audit-log') < result.stdout.indexOf('# Never log secrets bodies.'));

    work.write('merged.yaml', result.stdout);
    const again = runCli(['audit-policy', '--merge', 'merged.yaml'], { cwd: work.root });
    assert.equal(again.stdout, result.stdout);
    assert.match(again.stderr, /already starts with these rules/);
  });

  it('refuses a --merge file that is not an audit Policy', () => {
    work.write('not-policy.yaml', 'apiVersion: v1\nkind: ConfigMap\n');
    const result = runCli(['audit-policy', '--merge', 'not-policy.yaml'], { cwd: work.root });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not-policy\.yaml: is not an audit\.k8s\.io Policy/);
    assert.equal(runCli(['audit-policy', '--merge', 'missing.yaml'], { cwd: work.root }).code, 2);
  });
});

