import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, brief, cidrs, codes, covered, lint, service, serviceBlock, yaml } from '../support/engine';

// In `service(...)` and `serviceBlock(...)` the externalIPs key is on line 5 (0-based):
//   0 apiVersion: v1 / 1 kind: Service / 2 metadata: / 3   name: web / 4 spec: / 5   externalIPs: …
// and block entries start on line 6 at character 4.

describe('external-ips', () => {
  it('flags each entry outside an empty allowlist, one diagnostic per entry, range = the entry', () => {
    const text = serviceBlock('1.2.3.4', '"5.6.7.8"', "'2001:db8::1'");
    const findings = lint(text);
    assert.deepEqual(brief(findings), [
      { code: 'external-ips', line: 6, character: 4 },
      { code: 'external-ips', line: 7, character: 4 },
      { code: 'external-ips', line: 8, character: 4 },
    ]);
    assert.deepEqual(findings.map((f) => covered(text, f)), ['1.2.3.4', '"5.6.7.8"', "'2001:db8::1'"]);
    assert.deepEqual(findings[0].range, { start: { line: 6, character: 4 }, end: { line: 6, character: 11 } });
    assert.ok(findings.every((f) => f.severity === 'error'));
  });

  it('names the IP and says how to allow it', () => {
    const [finding] = lint(service('[203.0.113.10]'));
    assert.match(finding.message, /203\.0\.113\.10/);
    assert.match(finding.message, /203\.0\.113\.10\/32/);
    assert.match(finding.message, /allowedExternalIPCidrs/);
    assert.match(finding.message, /CVE-2020-8554/);
    const [v6] = lint(service('["2001:DB8:0::1"]'));
    assert.match(v6.message, /2001:db8::1\/128/);
  });

  it('respects IPv4 and IPv6 CIDRs and single IPs in the allowlist', () => {
    const text = service('[10.1.2.3, 11.0.0.1, 203.0.113.7, 203.0.113.8, "2001:db8::5", "2001:db9::5"]');
    const allowedCidrs = cidrs('10.0.0.0/8', '203.0.113.7', '2001:db8::/32');
    const findings = lint(text, { allowedCidrs });
    assert.deepEqual(findings.map((f) => covered(text, f)), ['11.0.0.1', '203.0.113.8', '"2001:db9::5"']);
    assert.ok(findings.every((f) => f.code === 'external-ips'));
    assert.match(findings[0].message, /outside the allowed CIDRs \(10\.0\.0\.0\/8, 203\.0\.113\.7, 2001:db8::\/32\)/);
  });

  it('ignores invalid allowlist entries (they allow nothing)', () => {
    const findings = lint(service('[10.1.2.3]'), { allowedCidrs: cidrs('010.0.0.0/8', '10.0.0.0/99', 'nope') });
    assert.deepEqual(codes(findings), ['external-ips']);
  });

  it('an IPv4 range never allows an IPv6 address and vice versa', () => {
    assert.deepEqual(codes(lint(service('["2001:db8::1"]'), { allowedCidrs: cidrs('0.0.0.0/0') })), ['external-ips']);
    assert.deepEqual(codes(lint(service('[1.2.3.4]'), { allowedCidrs: cidrs('::/0') })), ['external-ips']);
  });

  it('is clean for `externalIPs: []`, `externalIPs:` (null), `~`, `null`, `!!null`', () => {
    for (const value of ['[]', '', '~', 'null', 'Null', '!!null', '!!null ""']) {
      assert.deepEqual(lint(service(value)), [], `externalIPs: ${value}`);
    }
    assert.deepEqual(lint(service('[]'), { allowedCidrs: [] }), []);
  });

  it('is clean when there is no spec or no externalIPs', () => {
    assert.deepEqual(lint(yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: a}')), []);
    assert.deepEqual(lint(yaml('apiVersion: v1', 'kind: Service', 'spec: {ports: [{port: 80}]}')), []);
    assert.deepEqual(lint(yaml('apiVersion: v1', 'kind: Service', 'spec: ~', 'externalIPs: [1.2.3.4]')), []);
  });

  it('field names are case-sensitive (`ExternalIPs`, `externalIps` are dropped by the decoder)', () => {
    for (const key of ['ExternalIPs', 'externalIps', 'externalips', 'external_ips']) {
      const text = yaml('apiVersion: v1', 'kind: Service', 'spec:', `  ${key}: [1.2.3.4]`);
      assert.deepEqual(lint(text), [], key);
    }
  });

  it('reports exact UTF-16 positions after astral-plane characters on the same line', () => {
    // "😀" is two UTF-16 code units; LSP characters count code units.
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec: {selector: {app: "😀😀"}, externalIPs: [1.2.3.4]}');
    const [finding] = lint(text);
    const lineText = 'spec: {selector: {app: "😀😀"}, externalIPs: [';
    assert.equal(lineText.length, 46);
    assert.deepEqual(finding.range, { start: { line: 2, character: 46 }, end: { line: 2, character: 53 } });
    assert.equal(covered(text, finding), '1.2.3.4');
  });

  it('reports exact positions in a CRLF file', () => {
    const text = ['apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - 1.2.3.4', '  - 5.6.7.8', ''].join('\r\n');
    const findings = lint(text);
    assert.deepEqual(findings.map((f) => f.range), [
      { start: { line: 4, character: 4 }, end: { line: 4, character: 11 } },
      { start: { line: 5, character: 4 }, end: { line: 5, character: 11 } },
    ]);
    assert.deepEqual(findings.map((f) => covered(text, f)), ['1.2.3.4', '5.6.7.8']);
  });

  it('reports exact positions in a file with a UTF-8 BOM (the BOM counts as one code unit of line 0)', () => {
    const body = yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [1.2.3.4]');
    const [finding] = lint('\uFEFF' + body);
    assert.deepEqual(finding.range, { start: { line: 3, character: 16 }, end: { line: 3, character: 23 } });
    // On line 0 the BOM is part of the text the engine was given, so it shifts characters by one.
    const oneLine = '\uFEFF{"apiVersion": "v1", "kind": "Service", "spec": {"externalIPs": ["1.2.3.4"]}}';
    const [json] = lint(oneLine);
    assert.equal(json.range.start.character, oneLine.indexOf('"1.2.3.4"'));
    assert.equal(covered(oneLine, json), '"1.2.3.4"');
  });

  it('a BOM and CRLF together', () => {
    const text = '\uFEFFapiVersion: v1\r\nkind: Service\r\nspec: {externalIPs: [1.2.3.4]}\r\n';
    const [finding] = lint(text);
    assert.deepEqual(finding.range.start, { line: 2, character: 21 });
  });

  it('ends the range at the last visible character of a multi-line entry', () => {
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs:', '  - "1.2.3.4"', '', '  # trailing comment');
    const [finding] = lint(text);
    assert.deepEqual(finding.range, { start: { line: 4, character: 4 }, end: { line: 4, character: 13 } });
  });
});

describe('external-ip-invalid', () => {
  const invalid: [string, RegExp][] = [
    ['not-an-ip', /not a valid IP address/],
    ['" 1.2.3.4"', /whitespace/],
    ['"1.2.3.4 "', /whitespace/],
    ['"1.2.3.4\\t"', /whitespace/],
    ['1.2.3.0/24', /CIDR notation/],
    ['"fe80::1%eth0"', /zone id/],
    ['010.1.1.1', /leading zeros/],
    ['"::ffff:1.2.3.4"', /IPv4-mapped/],
    ['0.0.0.0', /unspecified/],
    ['"::"', /unspecified/],
    ['127.0.0.1', /loopback/],
    ['"::1"', /loopback/],
    ['169.254.169.254', /link-local address/],
    ['"fe80::1"', /link-local address/],
    ['224.0.0.1', /link-local multicast/],
    ['"ff02::1"', /link-local multicast/],
    ['"ff12::1"', /link-local multicast/],
  ];
  for (const [entry, message] of invalid) {
    it(`flags ${entry} and never matches it against the allowlist`, () => {
      const text = serviceBlock(entry);
      // Even an allow-everything list must not make an ambiguous or special entry clean.
      for (const allowedCidrs of [[], cidrs('0.0.0.0/0', '::/0')]) {
        const findings = lint(text, { allowedCidrs });
        assert.deepEqual(brief(findings), [{ code: 'external-ip-invalid', line: 6, character: 4 }], entry);
        assert.match(findings[0].message, message);
        assert.equal(covered(text, findings[0]), entry);
      }
    });
  }

  it('shows control characters in the message instead of hiding them', () => {
    const [finding] = lint(serviceBlock('"1.2.3.4\\u200b"'));
    assert.equal(finding.code, 'external-ip-invalid');
    assert.match(finding.message, /1\.2\.3\.4\\u200b|1\.2\.3\.4\u200b/);
  });

  for (const entry of ['{ip: 1.2.3.4}', '[1.2.3.4]', 'true', 'yes', 'on', 'off', 'N', '0x0A', '12345', '1.5', '1e3', '~', '.inf']) {
    it(`flags a non-string entry ${entry} (a map, a list, a YAML 1.1 bool/int/float, null)`, () => {
      const text = serviceBlock(entry);
      const findings = lint(text);
      assert.deepEqual(brief(findings), [{ code: 'external-ip-invalid', line: 6, character: 4 }], entry);
      assert.match(findings[0].message, /not a string IP address/);
    });
  }

  it('quoted or !!str-tagged look-alikes of bools are strings, checked as addresses', () => {
    assert.match(lint(serviceBlock('"true"'))[0].message, /not a valid IP address/);
    assert.match(lint(serviceBlock('!!str 12345'))[0].message, /not a valid IP address/);
  });

  it('flags a non-list externalIPs value at the value', () => {
    for (const value of ['1.2.3.4', '"1.2.3.4"', '{a: 1.2.3.4}', '""', 'true']) {
      const text = service(value);
      const findings = lint(text);
      assert.deepEqual(brief(findings), [{ code: 'external-ip-invalid', line: 5, character: 15 }], value);
      assert.match(findings[0].message, /must be a list/);
      assert.equal(covered(text, findings[0]), value);
    }
  });

  it('valid, invalid and allowed entries in one list each get their own verdict', () => {
    const text = service('[10.0.0.1, 8.8.8.8, 127.0.0.1, bad]');
    const findings = lint(text, { allowedCidrs: cidrs('10.0.0.0/8') });
    assert.deepEqual(
      findings.map((f) => [f.code, covered(text, f)]),
      [
        ['external-ips', '8.8.8.8'],
        ['external-ip-invalid', '127.0.0.1'],
        ['external-ip-invalid', 'bad'],
      ],
    );
  });
});

describe('loadbalancer-status', () => {
  const lbService = (ingress: string, apiVersion = 'v1', kind = 'Service') =>
    yaml(`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'metadata: {name: web}', 'status:', '  loadBalancer:', `    ingress: ${ingress}`);

  it('stays quiet on a Service read back from a live cluster (metadata.uid or resourceVersion): a controller wrote that status', () => {
    for (const marker of ['uid: 0b8f6a2e-1c1e-4c7e-9d7b-1f2a3b4c5d6e', 'resourceVersion: "4711"']) {
      const text = yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', `  ${marker}`, 'status:', '  loadBalancer:', '    ingress: [{ip: 1.2.3.4}]');
      assert.deepEqual(lint(text), [], marker);
    }
    // The same in a `kubectl get -o yaml` List, next to a manifest that still carries one.
    const list = yaml(
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: v1, kind: Service, metadata: {name: a, uid: x}, status: {loadBalancer: {ingress: [{ip: 1.1.1.1}]}}}',
      '- {apiVersion: v1, kind: Service, metadata: {name: b}, status: {loadBalancer: {ingress: [{ip: 2.2.2.2}]}}}',
    );
    assert.deepEqual(brief(lint(list)), [{ code: 'loadbalancer-status', line: 4, character: 89 }]);
  });

  it('flags each ingress entry, range = the entry, default warning', () => {
    const text = yaml(
      'apiVersion: v1',
      'kind: Service',
      'status:',
      '  loadBalancer:',
      '    ingress:',
      '    - ip: 1.2.3.4',
      '    - hostname: lb.example.com',
    );
    const findings = lint(text);
    assert.deepEqual(brief(findings), [
      { code: 'loadbalancer-status', line: 5, character: 6 },
      { code: 'loadbalancer-status', line: 6, character: 6 },
    ]);
    assert.equal(covered(text, findings[0]), 'ip: 1.2.3.4');
    assert.equal(covered(text, findings[1]), 'hostname: lb.example.com');
    assert.ok(findings.every((f) => f.severity === 'warning'));
    assert.match(findings[0].message, /1\.2\.3\.4/);
    assert.match(findings[0].message, /services\/status/);
    assert.match(findings[1].message, /lb\.example\.com/);
  });

  it('is clean for `ingress: []`, null ingress and an empty loadBalancer', () => {
    assert.deepEqual(lint(lbService('[]')), []);
    assert.deepEqual(lint(lbService('')), []);
    assert.deepEqual(lint(yaml('apiVersion: v1', 'kind: Service', 'status:', '  loadBalancer: {}')), []);
  });

  it('is not reported on non-core kinds', () => {
    assert.deepEqual(lint(lbService('[{ip: 1.2.3.4}]', 'serving.knative.dev/v1')), []);
    assert.deepEqual(lint(lbService('[{ip: 1.2.3.4}]', 'networking.k8s.io/v1', 'Ingress')), []);
    assert.deepEqual(lint(lbService('[{ip: 1.2.3.4}]', 'gateway.networking.k8s.io/v1', 'Gateway')), []);
    assert.deepEqual(lint(lbService('[{ip: 1.2.3.4}]', 'v2')), []);
  });

  it('is reported on a Service inside a kind: List', () => {
    const text = yaml('apiVersion: v1', 'kind: List', 'items:', '- apiVersion: v1', '  kind: Service', '  status: {loadBalancer: {ingress: [{ip: 1.2.3.4}]}}');
    assert.deepEqual(brief(lint(text)), [{ code: 'loadbalancer-status', line: 5, character: 36 }]);
  });
});

describe('rbac-services-status', () => {
  const role = (rule: string[], kind = 'ClusterRole', apiVersion = 'rbac.authorization.k8s.io/v1', labels: string[] = []) =>
    yaml(
      `apiVersion: ${apiVersion}`,
      `kind: ${kind}`,
      'metadata:',
      '  name: r',
      ...(labels.length ? ['  labels:', ...labels.map((l) => `    ${l}`)] : []),
      'rules:',
      ...rule,
    );
  const rule = (apiGroups: string, resources: string, verbs: string, extra: string[] = []) => [
    `- apiGroups: ${apiGroups}`,
    `  resources: ${resources}`,
    `  verbs: ${verbs}`,
    ...extra,
  ];
  const grants = (text: string) => lint(text).filter((f) => f.code === 'rbac-services-status');

  const granting: [string, string, string][] = [
    ['[""]', '[services/status]', '[patch]'],
    ['[""]', '[services/status]', '[update]'],
    ['[""]', '[services/status]', '["*"]'],
    ['["*"]', '[services/status]', '[patch]'],
    ['[""]', '["*/status"]', '[update]'],
    ['[""]', '["*"]', '[patch]'],
    ['["*"]', '["*"]', '["*"]'],
    ['[apps, ""]', '[pods, services/status]', '[get, list, patch]'],
    ['[~]', '[services/status]', '[patch]'], // a null group decodes to "" (the core group)
  ];
  for (const [apiGroups, resources, verbs] of granting) {
    it(`grants with apiGroups ${apiGroups}, resources ${resources}, verbs ${verbs}`, () => {
      const findings = grants(role(rule(apiGroups, resources, verbs)));
      assert.equal(findings.length, 1);
      assert.equal(findings[0].severity, 'warning');
    });
  }

  const notGranting: [string, string, string, string][] = [
    ['[apps]', '[services/status]', '[patch]', 'wrong group'],
    ['[apps]', '["*"]', '["*"]', 'wrong group with wildcards'],
    ['[""]', '["services/*"]', '[patch]', 'services/* is not a wildcard'],
    ['[""]', '[services]', '[patch]', 'the main resource, not the subresource'],
    ['[""]', '[Services/status]', '[patch]', 'case-sensitive resource'],
    ['[""]', '[Services]', '["*"]', 'case-sensitive resource'],
    ['[""]', '[services/status]', '[Patch, UPDATE]', 'case-sensitive verbs'],
    ['[""]', '[services/status]', '[get, list, watch]', 'read-only verbs'],
    ['[""]', '[services/status]', '[create, delete]', 'other write verbs'],
    ['[""]', '["*/Status"]', '[patch]', 'case-sensitive subresource'],
    ['[""]', '["*/statuses"]', '[patch]', 'another subresource'],
    ['[""]', '["s*"]', '[patch]', 'only exact * is a wildcard'],
    ['["core"]', '[services/status]', '[patch]', 'the core group is "", not "core"'],
    ['[]', '[services/status]', '[patch]', 'no group'],
    ['[""]', '[services/status]', '[]', 'no verbs'],
    ['[""]', '[services/status]', '', 'null verbs'],
  ];
  for (const [apiGroups, resources, verbs, why] of notGranting) {
    it(`does not grant: ${why} (${apiGroups} ${resources} ${verbs})`, () => {
      assert.deepEqual(grants(role(rule(apiGroups, resources, verbs))), []);
    });
  }

  it('matches per rule only: verbs from one rule and resources from another never combine', () => {
    const text = role([...rule('[""]', '[services/status]', '[get]'), ...rule('[""]', '[pods]', '[patch, update]'), ...rule('[apps]', '["*"]', '["*"]')]);
    assert.deepEqual(grants(text), []);
  });

  it('resourceNames narrows the grant but still grants it', () => {
    const text = role(rule('[""]', '[services/status]', '[patch]', ['  resourceNames: [my-service]']));
    assert.equal(grants(text).length, 1);
  });

  it('ranges: the most specific granting resource entry, else the rule', () => {
    const text = role(rule('[""]', '[pods, "*", "*/status", services/status]', '[patch]'));
    const [finding] = grants(text);
    assert.equal(covered(text, finding), 'services/status');
    assert.deepEqual(finding.range.start, { line: 6, character: 37 });
    const wildcard = role(rule('[""]', '[pods, "*"]', '[update]'));
    assert.equal(covered(wildcard, grants(wildcard)[0]), '"*"');
  });

  it('one finding per granting rule, each at its own rule', () => {
    const text = role([...rule('[""]', '[services/status]', '[patch]'), ...rule('["*"]', '["*"]', '["*"]')]);
    assert.deepEqual(brief(grants(text)), [
      { code: 'rbac-services-status', line: 6, character: 14 },
      { code: 'rbac-services-status', line: 9, character: 14 },
    ]);
  });

  it('says which verbs, resources and groups grant it', () => {
    const [finding] = grants(role(rule('["", apps]', '[pods, services/status]', '[get, patch, update]')));
    assert.match(finding.message, /"patch", "update"/);
    assert.match(finding.message, /resources "services\/status"/);
    assert.match(finding.message, /apiGroups ""/);
    assert.doesNotMatch(finding.message, /"get"|"pods"|"apps"/);
  });

  it('applies to Role and ClusterRole alike', () => {
    assert.match(grants(role(rule('[""]', '[services/status]', '[patch]'), 'Role'))[0].message, /This Role rule/);
    assert.match(grants(role(rule('[""]', '[services/status]', '[patch]'), 'ClusterRole'))[0].message, /This ClusterRole rule/);
  });

  it('only rbac.authorization.k8s.io/v1 counts', () => {
    for (const apiVersion of ['rbac.authorization.k8s.io/v1beta1', 'rbac.authorization.k8s.io/v1alpha1', 'v1', 'rbac.authorization.k8s.io']) {
      assert.deepEqual(grants(role(rule('["*"]', '["*"]', '["*"]'), 'ClusterRole', apiVersion)), [], apiVersion);
    }
    for (const kind of ['RoleBinding', 'ClusterRoleBinding', 'clusterrole']) {
      assert.deepEqual(grants(role(rule('["*"]', '["*"]', '["*"]'), kind)), [], kind);
    }
  });

  it('is an error when the ClusterRole aggregates into admin or edit (label "true")', () => {
    for (const label of ['rbac.authorization.k8s.io/aggregate-to-admin: "true"', "rbac.authorization.k8s.io/aggregate-to-edit: 'true'"]) {
      const [finding] = grants(role(rule('[""]', '[services/status]', '[patch]'), 'ClusterRole', undefined, [label]));
      assert.equal(finding.severity, 'error', label);
      assert.match(finding.message, /aggregate/);
    }
  });

  it('is an error for aggregate-to-view too: the built-in view is aggregated into edit and admin', () => {
    const [finding] = grants(role(rule('[""]', '[services/status]', '[patch]'), 'ClusterRole', undefined, ['rbac.authorization.k8s.io/aggregate-to-view: "true"']));
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /aggregate-to-view/);
  });

  it('stays a warning for a "false" label, or a Role with the label', () => {
    const r = rule('[""]', '[services/status]', '[patch]');
    for (const [kind, label] of [
      ['ClusterRole', 'rbac.authorization.k8s.io/aggregate-to-admin: "false"'],
      ['Role', 'rbac.authorization.k8s.io/aggregate-to-admin: "true"'],
    ]) {
      const [finding] = grants(role(r, kind, undefined, [label]));
      assert.equal(finding.severity, 'warning', `${kind} ${label}`);
    }
  });

  it('a configured severity wins over the aggregation error', () => {
    const text = role(rule('[""]', '[services/status]', '[patch]'), 'ClusterRole', undefined, ['rbac.authorization.k8s.io/aggregate-to-admin: "true"']);
    assert.equal(lint(text, { rules: { 'rbac-services-status': 'information' } })[0].severity, 'information');
    assert.deepEqual(lint(text, { rules: { 'rbac-services-status': 'off' } }), []);
  });
});

describe('rbac-endpoints-write', () => {
  const role = (rules: string[], labels: string[] = []) =>
    yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: r',
      ...(labels.length ? ['  labels:', ...labels.map((label) => `    ${label}`)] : []),
      'rules:',
      ...rules,
    );
  const rule = (apiGroups: string, resources: string, verbs: string) => [`- apiGroups: ${apiGroups}`, `  resources: ${resources}`, `  verbs: ${verbs}`];
  const grants = (text: string) => lint(text).filter((f) => f.code === 'rbac-endpoints-write');

  const granting: [string, string, string][] = [
    ['[""]', '[endpoints]', '[create]'],
    ['[""]', '[endpoints]', '[update]'],
    ['[""]', '[endpoints]', '[patch]'],
    ['[""]', '[endpoints]', '["*"]'],
    ['["*"]', '[endpoints]', '[create]'],
    ['[discovery.k8s.io]', '[endpointslices]', '[create]'],
    ['["*"]', '[endpointslices]', '[patch]'],
    ['[""]', '["*"]', '[update]'],
    ['[discovery.k8s.io]', '["*"]', '[update]'],
    ['[~]', '[endpoints]', '[create]'], // a null group decodes to "" (the core group)
    ['[apps, ""]', '[pods, endpoints]', '[get, list, update]'],
  ];
  for (const [apiGroups, resources, verbs] of granting) {
    it(`grants with apiGroups ${apiGroups}, resources ${resources}, verbs ${verbs} (information before linking)`, () => {
      const findings = grants(role(rule(apiGroups, resources, verbs)));
      assert.equal(findings.length, 1);
      assert.equal(findings[0].severity, 'information');
      assert.match(findings[0].message, /\(CVE-2021-25740\)\.$/);
    });
  }

  const notGranting: [string, string, string, string][] = [
    ['[discovery.k8s.io]', '[endpoints]', '[create]', 'endpoints are in the core group'],
    ['[""]', '[endpointslices]', '[create]', 'endpointslices are in discovery.k8s.io'],
    ['[apps]', '["*"]', '["*"]', 'another group'],
    ['[""]', '["*/status"]', '[update]', '*/… never matches a main resource'],
    ['[""]', '["endpoints/*"]', '[create]', 'endpoints/* is not a wildcard'],
    ['[""]', '[endpoints/restricted]', '[create]', 'a subresource'],
    ['[""]', '[Endpoints]', '[create]', 'case-sensitive resource'],
    ['[""]', '[endpoints]', '[get, list, watch, delete, deletecollection]', 'verbs that do not write'],
    ['[""]', '[endpoints]', '[Create]', 'case-sensitive verbs'],
  ];
  for (const [apiGroups, resources, verbs, why] of notGranting) {
    it(`does not grant: ${why} (${apiGroups} ${resources} ${verbs})`, () => {
      assert.deepEqual(grants(role(rule(apiGroups, resources, verbs))), []);
    });
  }

  it('matches per rule only: the core group and endpointslices from different rules never combine', () => {
    assert.deepEqual(grants(role([...rule('[""]', '[pods]', '[create]'), ...rule('[discovery.k8s.io]', '[endpoints]', '[create]'), ...rule('[""]', '[endpointslices]', '[patch]')])), []);
  });

  it('names what it grants, at the most specific resource entry', () => {
    const [finding] = grants(role(rule('["", discovery.k8s.io]', '[pods, "*", endpointslices, endpoints]', '[get, create]')));
    assert.match(finding.message, /^This ClusterRole rule grants "create" on endpoints and endpointslices \(resources "\*", "endpoints", "endpointslices", apiGroups "", "discovery.k8s.io"\)\./);
    assert.deepEqual(finding.range.start, { line: 6, character: 41 });
  });

  it('is an error when the ClusterRole aggregates into admin, edit or view', () => {
    const [finding] = grants(role(rule('[""]', '[endpoints]', '[create]'), ['rbac.authorization.k8s.io/aggregate-to-edit: "true"']));
    assert.equal(finding.severity, 'error');
    assert.match(finding.message, /every namespace admin or editor gets this grant/);
  });

  it('is reported beside rbac-services-status when a rule grants both, each configurable', () => {
    const text = role(rule('[""]', '["*"]', '[patch]'));
    assert.deepEqual(lint(text).map((finding) => finding.code).sort(), ['rbac-endpoints-write', 'rbac-services-status']);
    assert.deepEqual(lint(text, { rules: { 'rbac-endpoints-write': 'off' } }).map((finding) => finding.code), ['rbac-services-status']);
  });
});

describe('kinds are matched on apiVersion and kind', () => {
  const withHeader = (apiVersion: string, kind: string) => yaml(`apiVersion: ${apiVersion}`, `kind: ${kind}`, 'spec:', '  externalIPs: [1.2.3.4]');
  it('only a core v1 Service', () => {
    assert.deepEqual(codes(lint(withHeader('v1', 'Service'))), ['external-ips']);
    assert.deepEqual(lint(withHeader('serving.knative.dev/v1', 'Service')), []);
    assert.deepEqual(lint(withHeader('v2', 'Service')), []);
    assert.deepEqual(lint(withHeader('core/v1', 'Service')), []);
    assert.deepEqual(lint(withHeader('v1', 'service')), []);
    assert.deepEqual(lint(withHeader('v1', 'ConfigMap')), []);
    assert.deepEqual(lint(yaml('kind: Service', 'spec:', '  externalIPs: [1.2.3.4]')), []);
    assert.deepEqual(lint(yaml('apiVersion: v1', 'spec:', '  externalIPs: [1.2.3.4]')), []);
  });
});

describe('documents, JSON, lists and templates', () => {
  it('checks every document of a multi-document file; a broken one is skipped silently', () => {
    const text = yaml(
      'apiVersion: v1',
      'kind: Service',
      'spec: {externalIPs: [1.1.1.1]}',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'spec: {externalIPs: [2.2.2.2]', // unclosed flow map
      '---',
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  externalIPs:',
      '  - 3.3.3.3',
    );
    const result = analyze(text);
    assert.deepEqual(
      result.findings.map((f) => [f.code, f.range.start.line, f.documentIndex]),
      [
        ['external-ips', 2, 0],
        ['external-ips', 12, 2],
      ],
    );
    assert.equal(result.documentCount, 3);
    assert.equal(result.unparsableDocuments, 1);
    assert.equal(result.templatedDocuments, 0);
  });

  it('reads JSON manifests, with \\u escapes in keys and tabs', () => {
    const text = '{\n\t"apiVersion": "v1",\n\t"kind": "Serv\\u0069ce",\n\t"spec": {\n\t\t"\\u0065xternalIPs": [\n\t\t\t"1.2.3.4",\n\t\t\t"127.0.0.1"\n\t\t]\n\t}\n}\n';
    const findings = lint(text);
    assert.deepEqual(brief(findings), [
      { code: 'external-ips', line: 5, character: 3 },
      { code: 'external-ip-invalid', line: 6, character: 3 },
    ]);
    assert.equal(covered(text, findings[0]), '"1.2.3.4"');
  });

  it('reads compact one-line JSON and JSON RBAC with \\/ escapes', () => {
    const svc = '{"apiVersion":"v1","kind":"Service","spec":{"externalIPs":["1.2.3.4"]}}';
    assert.deepEqual(brief(lint(svc)), [{ code: 'external-ips', line: 0, character: svc.indexOf('"1.2.3.4"') }]);
    const rbac =
      '{"apiVersion":"rbac.authorization.k8s.io\\/v1","kind":"Role","rules":[{"apiGroups":[""],"resources":["services\\/status"],"verbs":["patch"]}]}';
    assert.deepEqual(codes(lint(rbac)), ['rbac-services-status']);
  });

  it('checks kind: List items, nested lists, and items reached through aliases', () => {
    const text = yaml(
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- &svc {apiVersion: v1, kind: Service, spec: {externalIPs: [1.2.3.4]}}',
      '- *svc',
      '- apiVersion: v1',
      '  kind: List',
      '  items:',
      '  - apiVersion: v1',
      '    kind: Service',
      '    spec: {externalIPs: [5.6.7.8]}',
      '  - apiVersion: rbac.authorization.k8s.io/v1',
      '    kind: Role',
      '    rules: [{apiGroups: [""], resources: [services/status], verbs: [update]}]',
    );
    // The aliased item: once at the anchored object's entry, once at the alias.
    assert.deepEqual(brief(lint(text)), [
      { code: 'external-ips', line: 3, character: 60 },
      { code: 'external-ips', line: 4, character: 2 },
      { code: 'external-ips', line: 10, character: 25 },
      { code: 'rbac-services-status', line: 13, character: 42 },
    ]);
  });

  it('does not treat items of a non-List object as objects', () => {
    const text = yaml('apiVersion: v1', 'kind: ConfigMap', 'items:', '- apiVersion: v1', '  kind: Service', '  spec: {externalIPs: [1.2.3.4]}');
    assert.deepEqual(lint(text), []);
  });

  it('Helm templates: literal findings are reported (also in documents that are YAML only once neutralised), findings overlapping {{ }} are dropped', () => {
    const text = yaml(
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  externalIPs:',
      '  - "{{ .Values.externalIP }}"',
      '  - 1.2.3.4',
      '  - "{{ .Values.prefix }}.5"',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  externalIPs: {{ .Values.ips }}',
      '---',
      '{{- if .Values.enabled }}',
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  externalIPs:',
      '  {{- toYaml .Values.ips | nindent 2 }}',
      '  - 9.9.9.9',
      '{{- end }}',
    );
    const result = analyze(text);
    // 9.9.9.9 is a literal list item that renders after the toYaml output whenever the block renders.
    assert.deepEqual(brief(result.findings), [
      { code: 'external-ips', line: 7, character: 4 },
      { code: 'external-ips', line: 21, character: 4 },
    ]);
    assert.equal(result.documentCount, 3);
    assert.equal(result.templatedDocuments, 0);
    assert.equal(result.unparsableDocuments, 0);
  });

  it('empty, comment-only and scalar documents are fine', () => {
    for (const text of ['', '\n', '# just a comment\n', '---\n---\n', 'hello\n', '- a\n- b\n', '\uFEFF']) {
      assert.deepEqual(lint(text), [], JSON.stringify(text));
    }
  });
});

describe('severities', () => {
  const text = yaml(
    'apiVersion: v1',
    'kind: Service',
    'spec:',
    '  externalIPs: [1.2.3.4, bad]',
    'status: {loadBalancer: {ingress: [{ip: 1.2.3.4}]}}',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]',
  );

  it('defaults: error, error, warning, warning', () => {
    assert.deepEqual(
      lint(text).map((f) => [f.code, f.severity]),
      [
        ['external-ips', 'error'],
        ['external-ip-invalid', 'error'],
        ['loadbalancer-status', 'warning'],
        ['rbac-services-status', 'warning'],
      ],
    );
  });

  it('configured severities apply per rule; off drops the rule', () => {
    const findings = lint(text, {
      rules: { 'external-ips': 'hint', 'external-ip-invalid': 'off', 'loadbalancer-status': 'information', 'rbac-services-status': 'error' },
    });
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity]),
      [
        ['external-ips', 'hint'],
        ['loadbalancer-status', 'information'],
        ['rbac-services-status', 'error'],
      ],
    );
    const allOff = lint(text, {
      rules: { 'external-ips': 'off', 'external-ip-invalid': 'off', 'loadbalancer-status': 'off', 'rbac-services-status': 'off' },
    });
    assert.deepEqual(allOff, []);
  });

  it('findings are sorted by position and carry stable keys and document indexes', () => {
    const first = lint(text);
    const second = lint(text);
    assert.deepEqual(first.map((f) => f.key), second.map((f) => f.key));
    assert.equal(new Set(first.map((f) => f.key)).size, first.length);
    assert.deepEqual(first.map((f) => f.documentIndex), [0, 0, 0, 1]);
    const offsets = first.map((f) => f.startOffset);
    assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
  });
});
