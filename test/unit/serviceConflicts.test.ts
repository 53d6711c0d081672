// external-ip-conflict: Services of one workspace that claim the same externalIP with a port of the
// same protocol, through the analyzeText + WorkspaceIndex + applyLink path the CLI and the server use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, AnalysisCache, Finding, WorkspaceIndex } from '../../server/src/engine';
import { yaml } from '../support/engine';
import { BASE_OPTIONS, linkFiles } from '../support/linking';
import { externalIpService, FIRST_ENTRY_LINE } from '../support/serviceFixtures';
import { cpuStopwatch } from '../support/cpuTime';

const HTTPS = '[{port: 443}]';

/** Each file's external-ip-conflict findings as `line message`. */
function conflicts(files: Record<string, string>, options = {}): Record<string, string[]> {
  const linked = linkFiles(files, options);
  return Object.fromEntries(
    Object.entries(linked).map(([name, findings]) => [name, findings.filter((finding) => finding.code === 'external-ip-conflict').map((finding) => `${finding.range.start.line} ${finding.message}`)]),
  );
}

/** Whether the two Services (each as metadata, ports, externalIP) conflict, on both sides. */
function conflictBetween(a: [string, string, string], b: [string, string, string]): boolean {
  const result = conflicts({ 'a.yaml': externalIpService(...a), 'b.yaml': externalIpService(...b) });
  assert.equal(result['a.yaml'].length, result['b.yaml'].length, 'a conflict is reported on both sides');
  return result['a.yaml'].length > 0;
}

const conflictFindings = (findings: readonly Finding[]) => findings.filter((finding) => finding.code === 'external-ip-conflict');

describe('external-ip-conflict', () => {
  it('reports each entry two Services share, naming the other Service, the address and port, with the other entry as related', () => {
    const linked = linkFiles({
      'web.yaml': externalIpService('{name: web, namespace: team-a}', HTTPS, '203.0.113.10', '203.0.113.11'),
      'api.yaml': externalIpService('{name: api, namespace: team-b}', '[{port: 443, protocol: TCP}, {port: 53, protocol: UDP}]', '203.0.113.10'),
    });
    const [web] = conflictFindings(linked['web.yaml']);
    assert.equal(conflictFindings(linked['web.yaml']).length, 1, 'only the shared address');
    assert.equal(web.severity, 'warning');
    assert.equal(web.range.start.line, FIRST_ENTRY_LINE);
    assert.match(
      web.message,
      /^Service team-b\/api also claims externalIP 203\.0\.113\.10 with port 443\/TCP\. kube-proxy sends that traffic to only one of these Services, .*\(kubernetes\/kubernetes#97110\)\.$/,
    );
    assert.deepEqual(web.related?.map((related) => [related.file, related.range.start.line, related.message]), [
      ['api.yaml', FIRST_ENTRY_LINE, 'Service team-b/api claims it too: externalIP 203.0.113.10, port 443/TCP'],
    ]);
    const [api] = conflictFindings(linked['api.yaml']);
    assert.match(api.message, /^Service team-a\/web also claims externalIP 203\.0\.113\.10 with port 443\/TCP\./);
    assert.deepEqual(api.related?.map((related) => [related.file, related.range.start.line]), [['web.yaml', FIRST_ENTRY_LINE]]);
    // The local rules still report the entries too (an empty allowlist flags every externalIP).
    assert.equal(linked['web.yaml'].filter((finding) => finding.code === 'external-ips').length, 2);
  });

  it('compares addresses, not strings: IPv6 in any written form; entries external-ip-invalid rejects take no part', () => {
    const cases: [string, string, boolean][] = [
      ['2001:db8::1', '2001:0DB8:0:0:0:0:0:1', true],
      ['2001:db8::1', '"2001:db8:0::0:1"', true],
      ['10.0.0.1', "'10.0.0.1'", true],
      ['10.0.0.1', '10.0.0.2', false],
      // Leading zeros and IPv4-mapped IPv6: rejected by strict validation, read differently by parsers.
      ['10.0.0.1', '10.000.0.1', false],
      ['10.0.0.1', '"::ffff:10.0.0.1"', false],
      // IPv4-compatible IPv6 is a different (IPv6) address.
      ['10.0.0.1', '"::10.0.0.1"', false],
    ];
    for (const [a, b, expected] of cases) {
      assert.equal(conflictBetween(['{name: a, namespace: x}', HTTPS, a], ['{name: b, namespace: y}', HTTPS, b]), expected, `${a} and ${b}`);
    }
    const mixed = conflicts({
      'a.yaml': externalIpService('{name: a}', HTTPS, '2001:db8::1'),
      'b.yaml': externalIpService('{name: b}', HTTPS, '2001:DB8::0:1'),
    });
    assert.match(mixed['a.yaml'][0], /claims externalIP 2001:db8::1 \(written 2001:DB8::0:1 there\) with port 443\/TCP/);
  });

  it('needs a port with the same protocol, TCP when omitted, read as the API server decodes it', () => {
    const cases: [string, string, boolean][] = [
      ['[{port: 53}]', '[{port: 53, protocol: TCP}]', true],
      ['[{port: 53, protocol: UDP}]', '[{port: 53, protocol: UDP}]', true],
      ['[{port: 9000, protocol: SCTP}]', '[{port: 9000, protocol: SCTP}]', true],
      ['[{port: 53, protocol: UDP}]', '[{port: 53}]', false],
      ['[{port: 80}]', '[{port: 443}]', false],
      ['[{port: 80}, {port: 8080}]', '[{port: 8080}]', true],
      // go-yaml reads 0x1BB and 0o673 as 443; a quoted "443" is a string the API server rejects.
      ['[{port: 443}]', '[{port: 0x1BB}]', true],
      ['[{port: 443}]', '[{port: 0o673}]', true],
      ['[{port: 443}]', '[{port: "443"}]', false],
      // Protocols are case-sensitive; `tcp` and out-of-range ports are rejected, so they match nothing.
      ['[{port: 443}]', '[{port: 443, protocol: tcp}]', false],
      ['[{port: 70000}]', '[{port: 70000}]', false],
      ['[]', '[]', false],
    ];
    for (const [a, b, expected] of cases) {
      assert.equal(conflictBetween(['{name: a}', a, '10.0.0.1'], ['{name: b}', b, '10.0.0.1']), expected, `${a} and ${b}`);
    }
    const several = conflicts({
      'a.yaml': externalIpService('{name: a}', '[{port: 80}, {port: 443}, {port: 53, protocol: UDP}, {port: 8080}]', '10.0.0.1'),
      'b.yaml': externalIpService('{name: b}', '[{port: 8080}, {port: 53, protocol: UDP}, {port: 80}, {port: 443}]', '10.0.0.1'),
    });
    assert.match(several['a.yaml'][0], /with ports 80\/TCP, 443\/TCP, 53\/UDP and 1 more\./);
  });

  it('treats definitions of one Service as one object: the same name in namespaces that can be the same', () => {
    const at = (metadata: string): [string, string, string] => [metadata, HTTPS, '10.0.0.1'];
    // Two overlays of one Service, or the same file twice.
    assert.equal(conflictBetween(at('{name: web, namespace: prod}'), at('{name: web, namespace: prod}')), false);
    // Without a namespace, a Service is applied to whichever namespace kubectl or a Kustomization gives it.
    assert.equal(conflictBetween(at('{name: web}'), at('{name: web, namespace: prod}')), false);
    assert.equal(conflictBetween(at('{name: web}'), at('{name: web}')), false);
    // Different namespaces, or different names in any namespaces, are different objects.
    assert.equal(conflictBetween(at('{name: web, namespace: prod}'), at('{name: web, namespace: staging}')), true);
    assert.equal(conflictBetween(at('{name: web}'), at('{name: api}')), true);
    assert.equal(conflictBetween(at('{name: web, namespace: prod}'), at('{name: api, namespace: prod}')), true);
    // generateName: every Service created is a new object.
    assert.equal(conflictBetween(at('{generateName: web-}'), at('{generateName: web-}')), true);
    const unnamed = conflicts({ 'a.yaml': externalIpService('{generateName: web-}', HTTPS, '10.0.0.1'), 'b.yaml': externalIpService('{name: api}', HTTPS, '10.0.0.1') });
    assert.match(unnamed['b.yaml'][0], /^\d+ A Service without a name also claims/);
    assert.match(unnamed['a.yaml'][0], /^\d+ Service api \(in the namespace it is applied to\) also claims/);
    // One Service that lists the address twice does not conflict with itself.
    assert.deepEqual(conflicts({ 'a.yaml': externalIpService('{generateName: web-}', HTTPS, '10.0.0.1', '10.0.0.1') })['a.yaml'], []);
  });

  it('counts every other Service and lists each other entry as related', () => {
    const result = conflicts({
      'a.yaml': externalIpService('{name: a}', HTTPS, '10.0.0.1'),
      'b.yaml': externalIpService('{name: b}', HTTPS, '10.0.0.1'),
      'b-overlay.yaml': externalIpService('{name: b, namespace: prod}', HTTPS, '10.0.0.1'),
      'c.yaml': externalIpService('{name: c, namespace: prod}', HTTPS, '10.0.0.1'),
    });
    // b and its overlay in prod are one object.
    assert.match(result['a.yaml'][0], /^\d+ Service prod\/b and 1 other Service also claim externalIP 10\.0\.0\.1/);
    assert.match(result['c.yaml'][0], /^\d+ Service a \(in the namespace it is applied to\) and 1 other Service also claim/);
    const [finding] = conflictFindings(linkFiles({ 'a.yaml': externalIpService('{name: a}', HTTPS, '10.0.0.1'), 'b.yaml': externalIpService('{name: b}', HTTPS, '10.0.0.1'), 'c.yaml': externalIpService('{name: c}', HTTPS, '10.0.0.1') })['a.yaml']);
    assert.deepEqual(finding.related?.map((related) => related.file), ['b.yaml', 'c.yaml']);
  });

  it('leaves out headless and ExternalName Services, other kinds, and what only Helm rendering tells', () => {
    const web = externalIpService('{name: web}', HTTPS, '10.0.0.1');
    const other = (text: string) => conflicts({ 'web.yaml': web, 'other.yaml': text })['web.yaml'].length;
    const api = externalIpService('{name: api}', HTTPS, '10.0.0.1');
    assert.equal(other(api), 1);
    assert.equal(other(api.replace('spec:', 'spec:\n  clusterIP: None')), 0);
    assert.equal(other(api.replace('spec:', 'spec:\n  type: ExternalName')), 0);
    assert.equal(other(api.replace('spec:', 'spec:\n  type: LoadBalancer')), 1);
    assert.equal(other(api.replace('apiVersion: v1', 'apiVersion: serving.knative.dev/v1')), 0);
    assert.equal(other(api.replace('{name: api}', '{name: "{{ .Values.name }}"}')), 0);
    assert.equal(other(api.replace('{name: api}', '{name: api, namespace: "{{ .Release.Namespace }}"}')), 0);
    assert.equal(other(api.replace('- 10.0.0.1', '- {{ .Values.ip }}')), 0);
    assert.equal(other(api.replace(HTTPS, '[{port: {{ .Values.port }}}]')), 0);
    assert.equal(other(api.replace(HTTPS, '[{port: 443, protocol: "{{ .Values.protocol }}"}]')), 0);
    // A template whose other values are literal still conflicts.
    assert.equal(other(api.replace('spec:', 'spec:\n  selector: {app: "{{ .Release.Name }}"}')), 1);
  });

  it('places findings of later documents in their file, and follows an edit through the analysis cache', () => {
    const configMap = yaml('apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: x}', '---');
    const shifted = conflicts({ 'a.yaml': configMap + externalIpService('{name: a}', HTTPS, '10.0.0.1'), 'b.yaml': externalIpService('{name: b}', HTTPS, '10.0.0.1') });
    assert.equal(shifted['a.yaml'][0].split(' ')[0], String(FIRST_ENTRY_LINE + 4));
    const cache = new AnalysisCache();
    const first = analyzeText(configMap + externalIpService('{name: a}', HTTPS, '10.0.0.1'), BASE_OPTIONS, cache);
    const edited = analyzeText('# a comment\n' + configMap + externalIpService('{name: a}', HTTPS, '10.0.0.1'), BASE_OPTIONS, cache);
    assert.equal(first.facts?.services[0].externalIPs[0].place.range.start.line, FIRST_ENTRY_LINE + 4);
    assert.equal(edited.facts?.services[0].externalIPs[0].place.range.start.line, FIRST_ENTRY_LINE + 5);
  });

  it('reports a Service that reaches the shared entry through an alias or merge key there', () => {
    const list = yaml(
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: v1, kind: Service, metadata: {name: a}, spec: &spec {ports: [{port: 80}], externalIPs: [1.2.3.4]}}',
      '- {apiVersion: v1, kind: Service, metadata: {name: b}, spec: *spec}',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: c}',
      '  spec: {<<: *spec}',
    );
    const findings = conflictFindings(linkFiles({ 'list.yaml': list })['list.yaml']);
    const at = (finding: Finding) => `${finding.range.start.line}:${finding.range.start.character}`;
    // a where the entry is written, b at `*spec`, c at its merge key; each relates the other two.
    assert.deepEqual(findings.map((finding) => [at(finding), finding.related?.map((related) => `${related.range.start.line}:${related.range.start.character}`)]), [
      ['3:103', ['4:61', '8:9']],
      ['4:61', ['3:103', '8:9']],
      ['8:9', ['3:103', '4:61']],
    ]);
  });

  it('finds conflicts between the items of a cluster export (kind: List, analysed item by item)', () => {
    const item = (namespace: string, name: string) =>
      [
        '- apiVersion: v1',
        '  kind: Service',
        `  metadata: {name: ${name}, namespace: ${namespace}, uid: 0a1b-${name}, resourceVersion: "42"}`,
        '  spec:',
        '    clusterIP: 10.96.0.10',
        '    ports: [{name: https, port: 443, protocol: TCP, targetPort: 8443}]',
        '    externalIPs: [203.0.113.10]',
      ].join('\n');
    const exported = yaml('apiVersion: v1', 'kind: List', 'items:', item('team-a', 'web'), item('team-b', 'api'), 'metadata: {resourceVersion: ""}');
    const findings = conflictFindings(linkFiles({ 'export.yaml': exported })['export.yaml']);
    assert.deepEqual(
      findings.map((finding) => [finding.range.start.line, finding.message.split(' also ')[0], finding.related?.map((related) => related.range.start.line)]),
      [
        [9, 'Service team-b/api', [16]],
        [16, 'Service team-a/web', [9]],
      ],
    );
  });

  it('compares Services of one cluster only', () => {
    const index = new WorkspaceIndex();
    const put = (file: string, name: string, cluster: string) =>
      index.set(file, analyzeText(externalIpService(`{name: ${name}}`, HTTPS, '10.0.0.1'), BASE_OPTIONS).facts, BASE_OPTIONS, cluster);
    put('prod/a.yaml', 'a', 'prod');
    put('staging/b.yaml', 'b', 'staging');
    assert.equal(index.link().size, 0);
    put('prod/c.yaml', 'c', 'prod');
    assert.deepEqual([...index.link().keys()].sort(), ['prod/a.yaml', 'prod/c.yaml']);
  });

  it('keeps facts only for Services that can conflict', () => {
    const facts = (text: string) => analyzeText(text, BASE_OPTIONS).facts;
    assert.equal(facts(externalIpService('{name: a}', HTTPS, '10.0.0.1'))?.services.length, 1);
    assert.equal(facts(yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: a}', 'spec: {ports: [{port: 80}]}')), undefined);
    assert.equal(facts(externalIpService('{name: a}', '[]', '10.0.0.1')), undefined);
    assert.equal(facts(externalIpService('{name: a}', HTTPS, '010.0.0.1')), undefined);
  });

  it('stays near-linear on hostile workspaces: thousands of Services on one socket, two Services with thousands of addresses and ports', () => {
    const count = 1000;
    const crowd = Array.from({ length: count }, (_, i) => externalIpService(`{name: s${i}}`, '[{port: 80}]', '10.0.0.1')).join('---\n');
    const addresses = Array.from({ length: count }, (_, i) => `10.1.${i >> 8}.${i & 255}`).join(', ');
    const ports = Array.from({ length: count }, (_, i) => `{port: ${i + 1}}`).join(', ');
    const wide = (name: string) => yaml('apiVersion: v1', 'kind: Service', `metadata: {name: ${name}}`, `spec: {ports: [${ports}], externalIPs: [${addresses}]}`);
    const index = new WorkspaceIndex();
    const files = { 'crowd.yaml': crowd, 'a.yaml': wide('a'), 'b.yaml': wide('b') };
    for (const [name, text] of Object.entries(files)) index.set(name, analyzeText(text, BASE_OPTIONS).facts, BASE_OPTIONS);
    const cpuMs = cpuStopwatch();
    const links = index.link();
    const elapsed = cpuMs();
    assert.equal(links.get('crowd.yaml')?.added.length, count);
    assert.match(links.get('crowd.yaml')?.added[0].message ?? '', /^Service s1 \(in the namespace it is applied to\) and many other Services also claim/);
    assert.equal(links.get('crowd.yaml')?.added[0].related?.length, 20);
    assert.equal(links.get('a.yaml')?.added.length, count);
    assert.match(links.get('a.yaml')?.added[0].message ?? '', /with ports 1\/TCP, 2\/TCP, 3\/TCP and 997 more\./);
    // Comparing every pair (of Services, or of their ports per address) took minutes here.
    assert.ok(elapsed < 10_000, `linking took ${elapsed} ms of CPU`);
  });

  it('honours suppression comments on the entry, which then are not unused, and configured severities', () => {
    const files = {
      'a.yaml': externalIpService('{name: a}', HTTPS, '10.0.0.1').replace('    - 10.0.0.1', '    # kube-mitm-guard-disable-next-line external-ip-conflict -- shared on purpose\n    - 10.0.0.1'),
      'b.yaml': externalIpService('{name: b}', HTTPS, '10.0.0.1'),
    };
    const linked = linkFiles(files);
    assert.deepEqual(linked['a.yaml'].map((finding) => finding.code), ['external-ips']);
    assert.deepEqual(conflictFindings(linked['b.yaml']).length, 1);
    // Alone, nothing conflicts: the comment is unused.
    assert.deepEqual(linkFiles({ 'a.yaml': files['a.yaml'] })['a.yaml'].map((finding) => finding.code), ['unused-suppression', 'external-ips']);
    const fileWide = linkFiles({ ...files, 'a.yaml': '# kube-mitm-guard-disable-file external-ip-conflict\n' + externalIpService('{name: a}', HTTPS, '10.0.0.1') });
    assert.deepEqual(fileWide['a.yaml'].map((finding) => finding.code), ['external-ips']);
    assert.deepEqual(conflicts(files, { rules: { 'external-ip-conflict': 'off' } })['b.yaml'], []);
    assert.equal(conflictFindings(linkFiles(files, { rules: { 'external-ip-conflict': 'error' } })['b.yaml'])[0].severity, 'error');
  });
});
