// audit-log's reader and judgement, on events shaped as kube-apiserver writes them (test/support/auditEvents.ts)
// and on the real events in ../shared/corpus/audit-samples. Every log read here is also read with the
// pre-check off, and must give the same result: the pre-check may only pass over lines that do not matter.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { mergeSettings, parseProjectConfig } from '../../server/src/engine/config';
import { AuditLogReader, AuditReport, UnreadableLine } from '../../server/src/engine/audit/reader';
import { itemLines } from '../../server/src/engine/audit/eventList';
import { mustParse, mustParseLine } from '../../server/src/engine/audit/precheck';
import { LineSplitter } from '../../server/src/engine/audit/lineSplitter';
import { auditEvents, auditLog, binding, clusterRole, RequestSpec, service, STATUS_WRITE_RULE } from '../support/auditEvents';
import { REPO_ROOT } from '../support/engine';

const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'corpus', 'audit-samples');

interface Read extends AuditReport {
  unreadable: UnreadableLine[];
}

function settings(yaml = ''): { allowedCidrs: never[] | ReturnType<typeof mergeSettings>['engine']['allowedCidrs']; statusWriters: readonly string[] } {
  const effective = mergeSettings([{ settings: parseProjectConfig(yaml).settings }]);
  return { allowedCidrs: effective.engine.allowedCidrs, statusWriters: effective.engine.statusWriters ?? [] };
}

async function readOnce(inputs: [string, Buffer][], config: string, precheck: boolean, chunkSize?: number): Promise<Read> {
  const unreadable: UnreadableLine[] = [];
  const reader = new AuditLogReader({ ...settings(config), maxDocumentBytes: 1024 * 1024, maxLineBytes: 256 * 1024, precheck }, (line) => unreadable.push(line));
  for (const [name, bytes] of inputs) {
    const chunks: Buffer[] = [];
    const size = chunkSize ?? bytes.length;
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    await reader.read(name, Readable.from(chunks));
  }
  return { ...reader.finish(), unreadable };
}

/** Reads the inputs with and without the pre-check, and in 7-byte chunks: all three must agree. */
async function read(inputs: [string, string | Buffer][] | string | Buffer, config = ''): Promise<Read> {
  const list: [string, Buffer][] = (typeof inputs === 'string' || Buffer.isBuffer(inputs) ? [['audit.log', inputs] as [string, string | Buffer]] : inputs).map(
    ([name, text]) => [name, Buffer.isBuffer(text) ? text : Buffer.from(text)],
  );
  const result = await readOnce(list, config, true);
  const unchecked = await readOnce(list, config, false);
  const chunked = await readOnce(list, config, true, 7);
  const comparable = (read: Read) => JSON.stringify({ findings: read.findings, unreadable: read.unreadable, summary: [...read.summary.externalIPs, ...read.summary.statusWriters], judged: read.counts.requestsJudged });
  assert.equal(comparable(unchecked), comparable(result), 'the pre-check changed the result');
  assert.equal(comparable(chunked), comparable(result), 'reading in small chunks changed the result');
  return result;
}

function log(...specs: RequestSpec[]): string {
  return auditLog(specs.flatMap(auditEvents));
}

const rules = (result: AuditReport) => result.findings.map((finding) => `${finding.rule} ${finding.severity} ${finding.file}:${finding.line + 1}`);

describe('audit-log: real events', () => {
  it('reads the corpus samples with no finding and no unreadable line (v1 and v1beta1)', async () => {
    const files = fs.readdirSync(CORPUS).filter((name) => name.endsWith('.json'));
    assert.ok(files.length >= 4);
    const result = await read(files.map((name) => [name, fs.readFileSync(path.join(CORPUS, name))]));
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.unreadable, []);
    assert.equal(result.counts.eventsRead, files.length);
    assert.equal(result.counts.requestsJudged, files.length);
  });
});

describe('audit-log: services/status writes', () => {
  const status = (extra: Partial<RequestSpec>): RequestSpec => ({ verb: 'patch', resource: 'services', subresource: 'status', namespace: 'shop', name: 'web', ...extra });

  it('reports a user who is not a status writer, and names who, from where, when and what', async () => {
    const result = await read(log(status({ requestObject: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } } })));
    assert.deepEqual(rules(result), ['audit-services-status-write error audit.log:1']);
    const message = result.findings[0].message;
    for (const part of ['patch services/status shop/web', 'alice', 'system:authenticated', '10.0.0.7', 'kubectl/v1.30.2', '2026-03-02T10:15:42.140001Z', '203.0.113.9', 'succeeded']) {
      assert.ok(message.includes(part), `${part} in ${message}`);
    }
  });

  it('does not report the control plane, nor statusWriters from the config', async () => {
    const result = await read(
      log(
        status({ username: 'system:serviceaccount:kube-system:service-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] }),
        status({ username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] }),
        status({ verb: 'update', username: 'system:serviceaccount:metallb-system:controller', groups: ['system:serviceaccounts'] }),
      ),
      'statusWriters:\n  - system:serviceaccount:metallb-system:controller\n',
    );
    assert.deepEqual(rules(result), []);
    assert.equal(result.summary.statusWriters.get('kubernetes-admin')?.succeeded, 1);
    assert.equal(result.summary.statusWriters.get('system:serviceaccount:metallb-system:controller')?.reach, 'control-plane');
  });

  it('is an error when the request succeeded, a warning when refused, information for a dry run', async () => {
    const result = await read(log(status({}), status({ forbidden: true }), status({ dryRun: true }), status({ code: 422 })));
    assert.deepEqual(result.findings.map((finding) => finding.severity), ['error', 'warning', 'information', 'warning']);
    assert.match(result.findings[1].message, /refused \(403\)\. .*refused before its body was read/);
    assert.equal(result.summary.statusWriters.get('alice')?.succeeded, 1);
    assert.equal(result.summary.statusWriters.get('alice')?.refused, 2);
  });

  it('judges the impersonated user, and names who impersonated', async () => {
    const result = await read(
      log(
        status({ username: 'kubernetes-admin', groups: ['system:masters'], impersonate: { username: 'bob', groups: ['dev'] } }),
        status({ username: 'mallory', groups: ['system:authenticated'], impersonate: { username: 'system:kube-controller-manager', groups: [] } }),
      ),
    );
    assert.deepEqual(rules(result), ['audit-services-status-write error audit.log:1']);
    assert.equal(result.findings[0].request.user, 'bob');
    assert.equal(result.findings[0].request.impersonatedBy, 'kubernetes-admin');
    assert.match(result.findings[0].message, /by bob \(groups dev\), impersonated by kubernetes-admin/);
  });

  it('names the ingress IPs of all three patch types and of an update; delete directives write nothing', async () => {
    const ip = (result: AuditReport) => result.findings[0].message.match(/It writes (.*)$/)?.[1];
    const jsonPatch = await read(log(status({ requestObject: [{ op: 'add', path: '/status/loadBalancer/ingress', value: [{ ip: '198.51.100.4' }] }, { op: 'replace', path: '/status/loadBalancer/ingress/0/ip', value: '198.51.100.5' }] })));
    assert.equal(ip(jsonPatch), 'the ingress addresses 198.51.100.4, 198.51.100.5.');
    const merge = await read(log(status({ requestObject: { status: { loadBalancer: { ingress: [{ ip: '198.51.100.6' }] } } } })));
    assert.equal(ip(merge), 'the ingress address 198.51.100.6.');
    const update = await read(log(status({ verb: 'update', requestObject: service('web', 'shop', undefined, ['198.51.100.7']) })));
    assert.equal(ip(update), 'the ingress address 198.51.100.7.');
    const deletion = await read(log(status({ requestObject: { status: { loadBalancer: { ingress: [{ $patch: 'delete', ip: '198.51.100.8' }] } } } })));
    assert.equal(ip(deletion), 'no ingress address.');
    const wholeDelete = await read(log(status({ requestObject: { status: { $patch: 'delete', loadBalancer: { ingress: [{ ip: '198.51.100.9' }] } } } })));
    assert.equal(ip(wholeDelete), 'no ingress address.');
  });

  it('resolves a JSON patch copy through the responseObject, and only then', async () => {
    const copy = [{ op: 'copy', from: '/metadata/annotations/next', path: '/status/loadBalancer/ingress/0' }];
    const resolved = await read(log(status({ requestObject: copy, responseObject: service('web', 'shop', undefined, ['192.0.2.44']) })));
    assert.match(resolved.findings[0].message, /ingress address \{"ip":"192.0.2.44","ipMode":"VIP"\}|ingress address 192.0.2.44/);
    const unresolved = await read(log(status({ level: 'Request', requestObject: copy, responseObject: service('web', 'shop', undefined, ['192.0.2.44']) })));
    assert.match(unresolved.findings[0].message, /copies ingress entries the log does not show/);
  });

  it('reports a write logged at level Metadata without IPs, and counts it for the note', async () => {
    const result = await read(log(status({ level: 'Metadata', requestObject: { status: {} } })));
    assert.deepEqual(rules(result), ['audit-services-status-write error audit.log:1']);
    assert.match(result.findings[0].message, /not logged \(level Metadata\)/);
    assert.equal(result.summary.serviceWritesWithoutBody, 1);
  });
});

describe('audit-log: externalIPs', () => {
  const create = (externalIPs: string[], extra: Partial<RequestSpec> = {}): RequestSpec => ({
    verb: 'create', resource: 'services', namespace: 'shop', name: 'web', requestObject: service('web', 'shop', externalIPs), responseObject: service('web', 'shop', externalIPs), ...extra,
  });

  it('judges entries as external-ips and external-ip-invalid do, with the same allowlist', async () => {
    const result = await read(log(create(['192.0.2.10', '203.0.113.5', '010.1.2.3', '::ffff:192.0.2.10'])), 'allowedExternalIPCidrs:\n  - 192.0.2.0/24\n');
    assert.deepEqual(rules(result), ['audit-external-ips error audit.log:1']);
    const message = result.findings[0].message;
    assert.match(message, /"203\.0\.113\.5" is outside the allowed CIDRs \(192\.0\.2\.0\/24\)/);
    assert.match(message, /"010\.1\.2\.3" is IPv4 with leading zeros/);
    assert.match(message, /IPv4-mapped/);
    assert.ok(!message.includes('"192.0.2.10"'));
    assert.deepEqual([...result.summary.externalIPs.get('shop/web')!.keys()], ['192.0.2.10', '203.0.113.5', '010.1.2.3', '::ffff:192.0.2.10']);
  });

  it('reports nothing for allowed addresses, Services without externalIPs, reads and deletes', async () => {
    const result = await read(
      log(
        create(['192.0.2.10']),
        create([]),
        { verb: 'get', resource: 'services', namespace: 'shop', name: 'web', level: 'Metadata' },
        { verb: 'delete', resource: 'services', namespace: 'shop', name: 'web', level: 'Request' },
      ),
      'allowedExternalIPCidrs: [192.0.2.0/24]\n',
    );
    assert.deepEqual(rules(result), []);
  });

  it('reads the three patch types, and reports only what the request writes, not what the response already held', async () => {
    const patch = (requestObject: unknown, responseIPs: string[], level: RequestSpec['level'] = 'RequestResponse'): RequestSpec => ({
      verb: 'patch', resource: 'services', namespace: 'shop', name: 'web', level, requestObject, responseObject: service('web', 'shop', responseIPs),
    });
    const result = await read(
      log(
        patch([{ op: 'add', path: '/spec/externalIPs/-', value: '203.0.113.20' }], ['203.0.113.1', '203.0.113.20']),
        patch({ spec: { externalIPs: ['203.0.113.21'] } }, ['203.0.113.21']),
        patch({ spec: { $setElementOrder: {}, 'externalIPs': ['203.0.113.22'], '$deleteFromPrimitiveList/externalIPs': ['203.0.113.1'] } }, ['203.0.113.22']),
        patch({ spec: { '$deleteFromPrimitiveList/externalIPs': ['203.0.113.1'] } }, ['203.0.113.2']),
        patch([{ op: 'move', from: '/spec/externalIPs/1', path: '/spec/externalIPs/0' }], ['203.0.113.23', '203.0.113.2']),
        patch([{ op: 'remove', path: '/spec/externalIPs/0' }, { op: 'test', path: '/spec/type', value: 'ClusterIP' }], ['203.0.113.2']),
        patch({ spec: { externalIPs: null } }, []),
        patch([{ op: 'replace', path: '/spec', value: { externalIPs: ['203.0.113.24'] } }], ['203.0.113.24']),
      ),
    );
    const addresses = result.findings.map((finding) => [...finding.message.matchAll(/"(203\.0\.113\.\d+)"/g)].map((match) => match[1]));
    assert.deepEqual(addresses, [['203.0.113.20'], ['203.0.113.21'], ['203.0.113.22'], ['203.0.113.23'], ['203.0.113.24']]);
    assert.deepEqual(result.findings.map((finding) => finding.line + 1), [1, 2, 3, 5, 8]);
  });

  it('counts a patch it cannot resolve and bodies not logged, never a finding per event', async () => {
    const result = await read(
      log(
        create(['203.0.113.5'], { level: 'Metadata' }),
        create(['203.0.113.5'], { level: 'Metadata', verb: 'update' }),
        { verb: 'patch', resource: 'services', namespace: 'shop', name: 'web', level: 'Request', requestObject: [{ op: 'copy', from: '/metadata/labels/x', path: '/spec/externalIPs/0' }] },
      ),
    );
    assert.deepEqual(rules(result), []);
    assert.equal(result.summary.serviceWritesWithoutBody, 3);
  });

  it('is a warning when refused after the body was read, information for a dry run', async () => {
    const result = await read(log(create(['203.0.113.5'], { code: 422 }), create(['203.0.113.5'], { dryRun: true })));
    assert.deepEqual(result.findings.map((finding) => finding.severity), ['warning', 'information']);
    assert.equal(result.summary.externalIPs.size, 0, 'neither changed the cluster');
  });
});

describe('audit-log: RBAC grants', () => {
  const rbac = (resource: string, verb: string, object: Record<string, unknown>, extra: Partial<RequestSpec> = {}): RequestSpec => {
    const metadata = object.metadata as { name: string; namespace?: string };
    return { verb, resource, apiGroup: 'rbac.authorization.k8s.io', name: metadata.name, namespace: metadata.namespace, requestObject: object, responseObject: object, ...extra };
  };

  it('reports a role granting the status write and a binding of it to people; not the control plane writing or bound', async () => {
    const role = clusterRole('lb-status', [STATUS_WRITE_RULE]);
    const result = await read(
      log(
        rbac('clusterroles', 'create', role),
        rbac('clusterrolebindings', 'create', binding('ClusterRoleBinding', 'lb-status', undefined, { kind: 'ClusterRole', name: 'lb-status' }, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }])),
        rbac('clusterrolebindings', 'create', binding('ClusterRoleBinding', 'lb-status-ccm', undefined, { kind: 'ClusterRole', name: 'lb-status' }, [{ kind: 'ServiceAccount', name: 'cloud-controller-manager', namespace: 'kube-system' }])),
        rbac('clusterroles', 'create', clusterRole('other', [STATUS_WRITE_RULE]), { username: 'system:apiserver', groups: ['system:masters'] }),
        rbac('clusterroles', 'create', clusterRole('services-only', [{ apiGroups: [''], resources: ['services'], verbs: ['*'] }])),
      ),
    );
    assert.deepEqual(rules(result), ['audit-rbac-grant error audit.log:1', 'audit-rbac-grant error audit.log:2']);
    assert.match(result.findings[0].message, /grants patch\/update on services\/status/);
    assert.match(result.findings[1].message, /binds ClusterRole lb-status, .* to User bob \(people\)/);
  });

  it('knows the built-in roles, and roles aggregated into them', async () => {
    const toBob = (name: string) => rbac('rolebindings', 'create', binding('RoleBinding', `${name}-bob`, 'shop', { kind: 'ClusterRole', name }, [{ kind: 'User', name: 'bob' }]));
    const before = await read(log(toBob('system:controller:service-controller'), toBob('edit'), toBob('view')));
    assert.deepEqual(rules(before), ['audit-rbac-grant error audit.log:1']);
    const aggregated = await read(
      log(
        rbac('clusterroles', 'create', clusterRole('status-to-edit', [STATUS_WRITE_RULE], { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' })),
        toBob('edit'),
        toBob('admin'),
        toBob('view'),
      ),
    );
    assert.deepEqual(rules(aggregated), ['audit-rbac-grant error audit.log:1', 'audit-rbac-grant error audit.log:2', 'audit-rbac-grant error audit.log:3']);
    assert.match(aggregated.findings[0].message, /aggregated into ClusterRole edit, ClusterRole admin/);
  });

  it('judges a patch by its resulting object, counts one without it, forgets a deleted role, and skips refused writes', async () => {
    const granting = clusterRole('patched', [{ apiGroups: [''], resources: ['services/status'], verbs: ['get', 'patch'] }]);
    const toBob = rbac('clusterrolebindings', 'create', binding('ClusterRoleBinding', 'patched-bob', undefined, { kind: 'ClusterRole', name: 'patched' }, [{ kind: 'Group', name: 'dev' }]));
    const result = await read(
      log(
        rbac('clusterroles', 'patch', granting, { requestObject: [{ op: 'add', path: '/rules/0/verbs/-', value: 'patch' }] }),
        rbac('clusterroles', 'patch', granting, { level: 'Request', requestObject: [{ op: 'add', path: '/rules/0/verbs/-', value: 'patch' }] }),
        toBob,
        { verb: 'delete', resource: 'clusterroles', apiGroup: 'rbac.authorization.k8s.io', name: 'patched', level: 'Metadata' },
        { ...toBob, auditID: undefined },
        rbac('clusterroles', 'create', clusterRole('refused', [STATUS_WRITE_RULE]), { forbidden: true }),
      ),
    );
    assert.deepEqual(rules(result), ['audit-rbac-grant error audit.log:1', 'audit-rbac-grant error audit.log:3']);
    assert.equal(result.summary.rbacWritesWithoutResult, 1);
  });
});

describe('audit-log: reading', () => {
  const status: RequestSpec = { verb: 'update', resource: 'services', subresource: 'status', namespace: 'shop', name: 'web', level: 'Request', requestObject: service('web', 'shop', undefined, ['198.51.100.1']) };

  it('reports each request once, at its ResponseComplete or Panic line, across stages and rotated files', async () => {
    const events = auditEvents({ ...status, stages: ['RequestReceived', 'ResponseStarted', 'ResponseComplete'] });
    const panic = auditEvents({ ...status, stages: ['RequestReceived', 'Panic'] });
    const result = await read([
      ['audit-1.log', auditLog([events[0], panic[0], events[1]])],
      ['audit.log', auditLog([panic[1], events[2], events[2]])],
    ]);
    assert.deepEqual(rules(result), ['audit-services-status-write warning audit.log:1', 'audit-services-status-write error audit.log:2']);
    assert.match(result.findings[1].message, /198\.51\.100\.1/, 'the body of an earlier stage');
  });

  it('judges a request whose last stage never came at its last line, outcome unknown', async () => {
    const result = await read(auditLog(auditEvents({ ...status, stages: ['RequestReceived'] })));
    assert.deepEqual(rules(result), ['audit-services-status-write warning audit.log:1']);
    assert.match(result.findings[0].message, /outcome not logged/);
  });

  it('reads keys in any order, events without apiVersion, v1beta1, CRLF and blank lines', async () => {
    const [event] = auditEvents(status);
    const reversed = Object.fromEntries(Object.entries(event).reverse());
    const { apiVersion: _dropped, ...noVersion } = event;
    const beta = { ...event, apiVersion: 'audit.k8s.io/v1beta1', auditID: 'beta', timestamp: '2026-03-02T10:15:42Z' };
    const text = `\n${JSON.stringify({ ...reversed, auditID: 'r' })}\r\n\n   \n${JSON.stringify({ ...noVersion, auditID: 'n' })}\n${JSON.stringify(beta)}`;
    const result = await read(text);
    assert.deepEqual(rules(result), ['audit-services-status-write error audit.log:2', 'audit-services-status-write error audit.log:5', 'audit-services-status-write error audit.log:6']);
    assert.deepEqual(result.unreadable, []);
  });

  it('names truncated, garbage and non-Event lines by file and line, and reads every other line', async () => {
    const [first] = auditEvents(status);
    const [second] = auditEvents(status);
    const line = JSON.stringify(first);
    const text = `I0302 10:15:42.123456 1 main.go:42] starting\n${line}\n{"kind":"Status","apiVersion":"v1"}\n[1,2]\n${JSON.stringify(second)}\n${line.slice(0, 120)}`;
    const result = await read(text);
    assert.deepEqual(rules(result), ['audit-services-status-write error audit.log:2', 'audit-services-status-write error audit.log:5']);
    assert.deepEqual(result.unreadable.map((entry) => `${entry.file}:${entry.line}`), ['audit.log:1', 'audit.log:3', 'audit.log:4', 'audit.log:6']);
  });

  it('names a line longer than the limit and goes on', async () => {
    const [event] = auditEvents(status);
    const long = JSON.stringify({ ...event, auditID: 'long', requestObject: { padding: 'x'.repeat(300 * 1024) } });
    const result = await read(`${long}\n${JSON.stringify(event)}\n`);
    assert.deepEqual(result.unreadable.map((entry) => entry.line), [1]);
    assert.deepEqual(rules(result), ['audit-services-status-write error audit.log:2']);
  });

  it('gunzips by the magic bytes, whatever the name, and names a truncated gzip file', async () => {
    const text = auditLog(auditEvents(status));
    const zipped = gzipSync(Buffer.from(text));
    const result = await read([['audit.log', zipped]]);
    assert.deepEqual(rules(result), ['audit-services-status-write error audit.log:1']);
    const truncated = await readOnce([['cut.log.gz', zipped.subarray(0, zipped.length - 10)]], '', true);
    assert.equal(truncated.inputProblems.length, 1);
    assert.match(truncated.inputProblems[0].reason, /could not be read to its end/);
  });

  it('reads an EventList, on one line or written over many, with each item at its own line', async () => {
    const items = [...auditEvents(status), ...auditEvents({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'p', level: 'Metadata' }), ...auditEvents(status)];
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items };
    const compact = await read(JSON.stringify(list));
    assert.deepEqual(rules(compact), ['audit-services-status-write error audit.log:1', 'audit-services-status-write error audit.log:1']);
    const pretty = JSON.stringify(list, null, 2);
    const result = await read(pretty);
    const starts = pretty.split('\n').map((text, index) => [text, index + 1] as const).filter(([text]) => text === '    {').map(([, line]) => line);
    assert.deepEqual(result.findings.map((finding) => finding.line + 1), [starts[0], starts[2]]);
    assert.equal(result.counts.eventsRead, 3);
  });

  it('refuses an EventList over the size limit with a clear reason', async () => {
    const items = Array.from({ length: 800 }, () => auditEvents(status)[0]);
    const result = await readOnce([['big.json', Buffer.from(JSON.stringify({ kind: 'EventList', items }, null, 1))]], '', true);
    assert.match(result.inputProblems[0]?.reason ?? '', /over the limit of 1024 KB for an EventList read whole/);
  });
});

describe('audit-log: the pre-check', () => {
  const line = (text: string) => mustParseLine(Buffer.from(text), 0, Buffer.byteLength(text));

  it("reads the API server's own form by its first objectRef, which user content cannot forge", async () => {
    const [pod] = auditEvents({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'p', level: 'Metadata', userAgent: 'x "objectRef":{"resource":"services"' });
    assert.ok(JSON.stringify(pod).startsWith('{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":'));
    assert.equal(line(JSON.stringify(pod)), false, 'an escaped quote in a user agent is no objectRef');
    const [review] = auditEvents({ verb: 'create', resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io', level: 'Request', requestObject: { spec: { resourceAttributes: { resource: 'services', subresource: 'status' } }, objectRef: { resource: 'services' } } });
    assert.equal(line(JSON.stringify(review)), false, "a body comes after the real objectRef");
    const [status] = auditEvents({ verb: 'patch', resource: 'services', subresource: 'status', namespace: 'a', name: 'b' });
    assert.equal(line(JSON.stringify(status)), true);
    // A request without objectRef (a non-resource URL) whose body fakes one is parsed, and judged by the real (absent) one.
    const healthz: Record<string, unknown> = { ...review, requestObject: { objectRef: { resource: 'services' } } };
    delete healthz.objectRef;
    assert.equal(line(JSON.stringify(healthz)), true);
    assert.deepEqual(rules(await read(JSON.stringify(healthz))), []);
    // Not one JSON object: always parsed, so it can be named.
    assert.equal(line(JSON.stringify(status).slice(0, -1)), true);
  });

  it("in any other form, parses every line naming a judged resource anywhere, and passes over only Event-shaped lines", async () => {
    const reorder = (event: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(event).reverse()));
    const [review] = auditEvents({ verb: 'create', resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io', level: 'Request', requestObject: { spec: { resourceAttributes: { resource: 'services' } } } });
    assert.equal(line(reorder(review)), true);
    const [pod] = auditEvents({ verb: 'get', resource: 'pods', namespace: 'shop', name: 'p', level: 'Metadata' });
    assert.equal(line(reorder(pod)), false);
    assert.equal(line(JSON.stringify(pod, null, 1).replace(/\n/g, '')), false);
    assert.equal(line('{"kind":"Status","apiVersion":"v1"}'), true, 'no Event keys: parsed, and named');
    // A writer that escapes letters: `\u0073ervices` spells services without the word.
    const escaped = reorder(auditEvents({ verb: 'patch', resource: 'services', subresource: 'status', namespace: 'a', name: 'b' })[0]).replace('"resource":"services"', '"resource":"\\u0073ervices"');
    assert.equal(line(escaped), true);
    assert.deepEqual(rules(await read(escaped)), ['audit-services-status-write error audit.log:1']);
    assert.equal(mustParse(Buffer.from(escaped)), true);
  });

  it('passes over only lines whose events are not judged (random mixes, checked against a full parse)', async () => {
    const resources = ['pods', 'services', 'configmaps', 'roles', 'clusterrolebindings', 'endpoints', 'leases'];
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const resource = resources[i % resources.length];
      const noisy = i % 5 === 0 ? { metadata: { annotations: { note: 'services roles rolebindings' } } } : { data: { k: 'v' } };
      events.push(...auditEvents({ verb: ['get', 'list', 'patch', 'create'][i % 4], resource, subresource: i % 3 === 0 && resource === 'services' ? 'status' : undefined, apiGroup: resource.includes('role') ? 'rbac.authorization.k8s.io' : '', namespace: 'ns', name: `n${i}`, level: 'Request', requestObject: noisy }));
    }
    const result = await read(auditLog(events));
    assert.ok(result.counts.linesPassedOver > 0);
    assert.ok(result.findings.length > 0);
  });
});

describe('audit-log: building blocks', () => {
  it('splits lines across any chunking, with CRLF', () => {
    const text = Buffer.from('a\r\nbb\n\nccc\nlast');
    for (const size of [1, 2, 3, 5, 100]) {
      const lines: string[] = [];
      const splitter = new LineSplitter(1024, (bytes, start, end, line) => lines.push(`${line}:${bytes.toString('utf8', start, end)}`), () => assert.fail());
      for (let i = 0; i < text.length; i += size) splitter.push(text.subarray(i, i + size));
      splitter.end();
      assert.deepEqual(lines, ['0:a', '1:bb', '2:', '3:ccc', '4:last'], `chunks of ${size}`);
    }
  });

  it('finds the line of each EventList item, skipping strings with brackets and escapes', () => {
    const text = '{\n "kind": "EventList",\n "x": {"items": [1]},\n "items": [\n  {"a": "]\\" [,"},\n  {"b": [1,\n 2]}, 3\n ]\n}';
    assert.deepEqual(itemLines(text), [4, 5, 6]);
  });
});
