// Rules mitigation-not-enforced and mitigation-allowlist: the mitigations that do not block, each kind with
// its negative controls, the link phase's admission policies and bindings across files, and the fixes
// (each input also goes through the fix-property checker at the end).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits, EngineOptions, Finding, fixAll, fixesForFinding, TextFix } from '../../server/src/engine';
import { cidrs, covered, yaml } from '../support/engine';
import { checkFixProperties } from '../support/fixProperties';
import { linkFiles } from '../support/linking';
import { admissionBinding } from '../support/mitigationFixtures';

const OPTIONS: EngineOptions = { allowedCidrs: cidrs('203.0.113.0/24'), rules: {} };
const inputs: string[] = [];

/** The mitigation findings of one text, as `code line:character "covered text"`. */
function mitigationFindings(text: string, options = OPTIONS): string[] {
  inputs.push(text);
  return analyzeText(text, options)
    .findings.filter((finding) => finding.code.startsWith('mitigation-'))
    .map((finding) => `${finding.code} ${finding.range.start.line + 1}:${finding.range.start.character} ${covered(text, finding)}`);
}

function only(text: string, code: string, options = OPTIONS): Finding {
  const found = analyzeText(text, options).findings.filter((finding) => finding.code === code);
  assert.equal(found.length, 1, JSON.stringify(found));
  return found[0];
}

function enforceFix(text: string, finding: Finding): string | undefined {
  const fix = fixesForFinding(text, OPTIONS, finding.key).find((candidate) => candidate.kind === 'enforce-mitigation') as TextFix | undefined;
  return fix && applyEdits(text, fix.edits);
}

const kyverno = (specLines: string[], validateLines: string[] = []) =>
  yaml(
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata:',
    '  name: restrict-external-ips',
    'spec:',
    ...specLines,
    '  rules:',
    '  - name: check-ips',
    '    match: {any: [{resources: {kinds: [Service]}}]}',
    '    validate:',
    ...validateLines,
    '      message: externalIPs are not allowed.',
    '      pattern:',
    '        spec:',
    '          X(externalIPs): "null"',
  );

describe('mitigation-not-enforced: Kyverno', () => {
  it('reports Audit, audit and a missing action; Enforce and enforce block', () => {
    assert.deepEqual(mitigationFindings(kyverno(['  validationFailureAction: Audit  # for now'])), ['mitigation-not-enforced 6:27 Audit']);
    assert.deepEqual(mitigationFindings(kyverno(['  validationFailureAction: audit'])), ['mitigation-not-enforced 6:27 audit']);
    assert.deepEqual(mitigationFindings(kyverno([])), ['mitigation-not-enforced 9:4 validate']);
    assert.match(only(kyverno([]), 'mitigation-not-enforced').message, /Kyverno's default is Audit/);
    assert.deepEqual(mitigationFindings(kyverno(['  validationFailureAction: Enforce'])), []);
    assert.deepEqual(mitigationFindings(kyverno(['  validationFailureAction: enforce'])), []);
    // kyverno.io/v2beta1 and a namespaced Policy are Kyverno's too.
    assert.equal(mitigationFindings(kyverno([]).replace('kyverno.io/v1', 'kyverno.io/v2beta1').replace('ClusterPolicy', 'Policy')).length, 1);
  });

  it("takes the rule's failureAction over the policy's, as Kyverno does", () => {
    assert.deepEqual(mitigationFindings(kyverno(['  validationFailureAction: Audit'], ['      failureAction: Enforce'])), []);
    assert.deepEqual(mitigationFindings(kyverno(['  validationFailureAction: Enforce'], ['      failureAction: Audit'])), ['mitigation-not-enforced 11:21 Audit']);
    assert.deepEqual(mitigationFindings(kyverno([], ['      failureAction: Audit'])), ['mitigation-not-enforced 10:21 Audit']);
  });

  it('reports namespace overrides that switch an enforced rule to Audit, naming the namespaces', () => {
    const text = kyverno(['  validationFailureAction: Enforce', '  validationFailureActionOverrides:', '  - action: Audit', '    namespaces: [dev, test]', '  - action: Enforce', '    namespaces: [prod]']);
    assert.deepEqual(mitigationFindings(text), ['mitigation-not-enforced 8:12 Audit']);
    assert.match(only(text, 'mitigation-not-enforced').message, /namespaces dev, test/);
    // The rule's own overrides replace the policy's.
    const ruleOverrides = kyverno(['  validationFailureAction: Enforce', '  validationFailureActionOverrides: [{action: Audit, namespaces: [dev]}]'], ['      failureActionOverrides: [{action: Enforce, namespaces: [dev]}]']);
    assert.deepEqual(mitigationFindings(ruleOverrides), []);
  });

  it('ignores rules and policies that are not about externalIPs, and other kinds', () => {
    const labels = kyverno(['  validationFailureAction: Audit']).replace('X(externalIPs): "null"', 'X(hostNetwork): "null"');
    assert.deepEqual(mitigationFindings(labels), []);
    assert.deepEqual(mitigationFindings(kyverno(['  validationFailureAction: Audit']).replace('kyverno.io/v1', 'example.com/v1')), []);
  });

  it('fixes Audit to Enforce, keeping the comment, and fix-all does it', () => {
    const text = kyverno(['  validationFailureAction: Audit  # for now']);
    assert.equal(enforceFix(text, only(text, 'mitigation-not-enforced')), kyverno(['  validationFailureAction: Enforce  # for now']));
    assert.equal(fixAll(text, OPTIONS).text, kyverno(['  validationFailureAction: Enforce  # for now']));
    const rule = kyverno([], ['      failureAction: "Audit"']);
    assert.equal(enforceFix(rule, only(rule, 'mitigation-not-enforced')), kyverno([], ['      failureAction: Enforce']));
  });

  it('offers no fix where switching would reveal an override that still audits, or where the action is missing', () => {
    const overridden = kyverno([], ['      failureAction: Audit', '      failureActionOverrides: [{action: Audit, namespaces: [dev]}]']);
    assert.equal(enforceFix(overridden, only(overridden, 'mitigation-not-enforced')), undefined);
    const missing = kyverno([]);
    assert.equal(enforceFix(missing, only(missing, 'mitigation-not-enforced')), undefined);
  });
});

const validatingPolicy = (...specLines: string[]) =>
  yaml(
    'apiVersion: policies.kyverno.io/v1',
    'kind: ValidatingPolicy',
    'metadata:',
    '  name: restrict-external-ips',
    'spec:',
    ...specLines,
    '  matchConstraints:',
    '    resourceRules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [services]}]',
    '  validations: [{expression: "!has(object.spec.externalIPs)"}]',
  );

describe('mitigation-not-enforced: Kyverno ValidatingPolicy', () => {
  it('reports validationActions without Deny and admission turned off; the default (Deny) blocks', () => {
    assert.deepEqual(mitigationFindings(validatingPolicy()), []);
    assert.deepEqual(mitigationFindings(validatingPolicy('  validationActions: [Deny]')), []);
    assert.deepEqual(mitigationFindings(validatingPolicy('  validationActions: [Audit, Warn]')), ['mitigation-not-enforced 6:2 validationActions']);
    assert.deepEqual(mitigationFindings(validatingPolicy('  evaluation: {admission: {enabled: false}}')), ['mitigation-not-enforced 6:36 false']);
    const updateOnly = validatingPolicy().replace('operations: [CREATE, UPDATE]', 'operations: [UPDATE]');
    assert.deepEqual(mitigationFindings(updateOnly), ['mitigation-not-enforced 6:2 matchConstraints']);
  });
});

const constraint = (...specLines: string[]) =>
  yaml('apiVersion: constraints.gatekeeper.sh/v1beta1', 'kind: K8sExternalIPs', 'metadata:', '  name: external-ips', 'spec:', '  match: {kinds: [{apiGroups: [""], kinds: [Service]}]}', ...specLines);

describe('mitigation-not-enforced and mitigation-allowlist: Gatekeeper K8sExternalIPs', () => {
  it('reports dryrun and warn; deny and the default block', () => {
    assert.deepEqual(mitigationFindings(constraint('  enforcementAction: dryrun')), ['mitigation-not-enforced 7:21 dryrun']);
    assert.deepEqual(mitigationFindings(constraint('  enforcementAction: warn')), ['mitigation-not-enforced 7:21 warn']);
    assert.deepEqual(mitigationFindings(constraint('  enforcementAction: deny')), []);
    assert.deepEqual(mitigationFindings(constraint()), []);
  });

  it('reports scoped actions that never deny at the validation webhook', () => {
    const scoped = (action: string, point: string) => constraint('  enforcementAction: scoped', '  scopedEnforcementActions:', `  - action: ${action}`, `    enforcementPoints: [{name: "${point}"}]`);
    assert.deepEqual(mitigationFindings(scoped('deny', 'audit.gatekeeper.sh')), ['mitigation-not-enforced 7:21 scoped']);
    assert.deepEqual(mitigationFindings(scoped('warn', 'validation.gatekeeper.sh')), ['mitigation-not-enforced 7:21 scoped']);
    assert.deepEqual(mitigationFindings(scoped('deny', 'validation.gatekeeper.sh')), []);
    assert.deepEqual(mitigationFindings(scoped('deny', '*')), []);
  });

  it('reports allowedIPs entries the exact-string template never matches as meant, and addresses outside the project allowlist', () => {
    const text = constraint('  parameters:', '    allowedIPs:', '    - 203.0.113.0/24', '    - 203.0.113.010', '    - "::ffff:203.0.113.7"', '    - 203.0.113.7', '    - 198.51.100.7');
    assert.deepEqual(mitigationFindings(text), [
      'mitigation-not-enforced 9:6 203.0.113.0/24',
      'mitigation-not-enforced 10:6 203.0.113.010',
      'mitigation-not-enforced 11:6 "::ffff:203.0.113.7"',
      'mitigation-allowlist 13:6 198.51.100.7',
    ]);
    // With no allowlist every address is wider than the project's.
    assert.equal(mitigationFindings(constraint('  parameters: {allowedIPs: [203.0.113.7]}'), { allowedCidrs: [], rules: {} }).length, 1);
  });

  it('fixes dryrun to deny', () => {
    const text = constraint('  enforcementAction: dryrun');
    assert.equal(enforceFix(text, only(text, 'mitigation-not-enforced')), constraint('  enforcementAction: deny'));
  });
});

const webhookConfiguration = (apiVersion: string, ...webhookLines: string[]) =>
  yaml(
    `apiVersion: admissionregistration.k8s.io/${apiVersion}`,
    'kind: ValidatingWebhookConfiguration',
    'metadata:',
    '  name: externalip-validating-webhook-configuration',
    'webhooks:',
    '- name: validate-externalip.webhook.svc',
    ...webhookLines,
  );
const servicesRule = (operations: string, resources = 'services', groups = '""') => [`  rules:`, `  - {apiGroups: [${groups}], apiVersions: [v1], operations: [${operations}], resources: [${resources}]}`];

describe('mitigation-not-enforced: validating webhooks on Services', () => {
  it('reports failurePolicy Ignore, and a v1beta1 webhook without failurePolicy', () => {
    assert.deepEqual(mitigationFindings(webhookConfiguration('v1', '  failurePolicy: Ignore', ...servicesRule('CREATE, UPDATE'))), ['mitigation-not-enforced 7:17 Ignore']);
    assert.deepEqual(mitigationFindings(webhookConfiguration('v1beta1', ...servicesRule('CREATE, UPDATE'))), ['mitigation-not-enforced 6:2 name']);
    assert.deepEqual(mitigationFindings(webhookConfiguration('v1', ...servicesRule('CREATE, UPDATE'))), []);
    assert.deepEqual(mitigationFindings(webhookConfiguration('v1', '  failurePolicy: Fail', ...servicesRule('"*"'))), []);
  });

  it('reports rules that leave out CREATE or UPDATE', () => {
    const text = webhookConfiguration('v1', ...servicesRule('CREATE'));
    assert.deepEqual(mitigationFindings(text), ['mitigation-not-enforced 8:41 operations']);
    assert.match(only(text, 'mitigation-not-enforced').message, /not on UPDATE/);
  });

  it('ignores webhooks whose rules do not name core-group services', () => {
    assert.deepEqual(mitigationFindings(webhookConfiguration('v1', '  failurePolicy: Ignore', ...servicesRule('CREATE', 'pods'))), []);
    assert.deepEqual(mitigationFindings(webhookConfiguration('v1', '  failurePolicy: Ignore', ...servicesRule('CREATE', 'services', 'apps'))), []);
    assert.deepEqual(mitigationFindings(webhookConfiguration('v1', '  failurePolicy: Ignore', ...servicesRule('CREATE', '"*"', '"*"'))), []);
  });

  it('fixes Ignore to Fail', () => {
    const text = webhookConfiguration('v1', '  failurePolicy: Ignore', ...servicesRule('CREATE, UPDATE'));
    assert.equal(enforceFix(text, only(text, 'mitigation-not-enforced')), webhookConfiguration('v1', '  failurePolicy: Fail', ...servicesRule('CREATE, UPDATE')));
  });
});

const webhookDeployment = (...args: string[]) =>
  yaml(
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: externalip-webhook',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - name: webhook',
    '        image: registry.k8s.io/multitenancy/externalip-webhook:v1.0.0',
    '        args:',
    ...args.map((arg) => `        - ${arg}`),
  );

describe('the externalip-webhook Deployment', () => {
  it('names the users and groups it exempts, as information', () => {
    const text = webhookDeployment('--allowed-external-ip-cidrs=203.0.113.0/24', '--allowed-usernames', 'system:serviceaccount:ops:deployer,alice', '--allowed-groups=platform');
    assert.deepEqual(mitigationFindings(text), ['mitigation-not-enforced 13:10 --allowed-usernames', 'mitigation-not-enforced 15:10 --allowed-groups=platform']);
    const findings = analyzeText(text, OPTIONS).findings;
    assert.deepEqual(findings.map((finding) => finding.severity), ['information', 'information']);
    assert.match(findings[0].message, /system:serviceaccount:ops:deployer, alice/);
  });

  it('reports each --allowed-external-ip-cidrs range outside the project allowlist, on the range', () => {
    const text = webhookDeployment('--allowed-external-ip-cidrs=203.0.113.0/25,10.0.0.0/8,203.0.0.0/16');
    assert.deepEqual(mitigationFindings(text), ['mitigation-allowlist 12:53 10.0.0.0/8', 'mitigation-allowlist 12:64 203.0.0.0/16']);
    assert.deepEqual(mitigationFindings(webhookDeployment('--allowed-external-ip-cidrs', '"203.0.113.0/24,198.51.100.0/24"')), ['mitigation-allowlist 13:26 198.51.100.0/24']);
  });

  it('leaves other containers alone', () => {
    const other = webhookDeployment('--allowed-usernames=alice').replace('multitenancy/externalip-webhook', 'example/proxy');
    assert.deepEqual(mitigationFindings(other), []);
  });
});

const admissionPolicy = (operations = 'CREATE, UPDATE', cidrList = "['203.0.113.0/24']") =>
  yaml(
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingAdmissionPolicy',
    'metadata:',
    '  name: external-ips',
    'spec:',
    '  matchConstraints:',
    '    resourceRules:',
    `    - {apiGroups: [""], apiVersions: [v1], operations: [${operations}], resources: [services]}`,
    '  variables:',
    '  - name: allowedCIDRs',
    `    expression: "${cidrList}"`,
    '  validations:',
    "  - expression: \"!has(object.spec.externalIPs) || object.spec.externalIPs.all(a, variables.allowedCIDRs.exists(c, cidr(c).containsIP(ip(a))))\"",
  );

describe('mitigation-not-enforced and mitigation-allowlist: ValidatingAdmissionPolicy', () => {
  it('reports matchConstraints without CREATE or UPDATE on services; * counts', () => {
    const bound = (text: string) => `${text}---\n${admissionBinding('Deny', 'b', 'external-ips')}`;
    assert.deepEqual(mitigationFindings(bound(admissionPolicy('UPDATE'))), ['mitigation-not-enforced 6:2 matchConstraints']);
    assert.deepEqual(mitigationFindings(bound(admissionPolicy('"*"'))), []);
    assert.deepEqual(mitigationFindings(bound(admissionPolicy().replace('resources: [services]', 'resources: ["*"]'))), []);
    assert.deepEqual(mitigationFindings(bound(admissionPolicy().replace('resources: [services]', 'resources: [pods]'))), ['mitigation-not-enforced 6:2 matchConstraints']);
  });

  it("reports the ranges of a generated policy's CIDR list that the project allowlist does not cover", () => {
    const text = admissionPolicy('CREATE, UPDATE', "['198.51.100.0/24', '203.0.113.128/25']");
    assert.deepEqual(mitigationFindings(text), ['mitigation-allowlist 11:19 198.51.100.0/24']);
  });

  it('links a policy to its bindings across files: none, without Deny, with Deny', () => {
    const policyOnly = linkFiles({ 'policy.yaml': admissionPolicy() }, OPTIONS);
    assert.deepEqual(
      policyOnly['policy.yaml'].map((finding) => [finding.code, finding.range.start.line]),
      [['mitigation-not-enforced', 3]],
    );
    assert.match(policyOnly['policy.yaml'][0].message, /no ValidatingAdmissionPolicyBinding in the workspace binds it/);

    const auditOnly = linkFiles({ 'policy.yaml': admissionPolicy(), 'binding.yaml': admissionBinding('Audit, Warn', 'audit', 'external-ips') }, OPTIONS);
    const [finding] = auditOnly['policy.yaml'];
    assert.match(finding.message, /validationActions \(Audit, Warn\) lack Deny/);
    assert.deepEqual(finding.related?.map((related) => [related.file, related.range.start.line]), [['binding.yaml', 3]]);
    assert.deepEqual(auditOnly['binding.yaml'], []);

    const denies = linkFiles({ 'policy.yaml': admissionPolicy(), 'audit.yaml': admissionBinding('Audit', 'audit', 'external-ips'), 'deny.yaml': admissionBinding('Deny, Audit', 'deny', 'external-ips') }, OPTIONS);
    assert.deepEqual(denies['policy.yaml'], []);
    // A binding of another policy does not count, and a policy not about externalIPs is not judged.
    assert.equal(linkFiles({ 'policy.yaml': admissionPolicy(), 'binding.yaml': admissionBinding('Deny', 'x', 'other') }, OPTIONS)['policy.yaml'].length, 1);
    const unrelated = admissionPolicy().replace(/externalIPs/g, 'clusterIPs');
    assert.deepEqual(linkFiles({ 'policy.yaml': unrelated }, OPTIONS)['policy.yaml'], []);
  });

  it('a suppression comment hides the linked finding and counts as used', () => {
    const text = `# kube-mitm-guard-disable-file mitigation-not-enforced\n${admissionPolicy()}`;
    assert.deepEqual(linkFiles({ 'policy.yaml': text }, OPTIONS)['policy.yaml'], []);
  });
});

describe('mitigation fixes lose nothing', () => {
  it('every input of this file passes the fix property', () => {
    const violations: string[] = [];
    let fixes = 0;
    for (const [index, text] of inputs.entries()) {
      const report = checkFixProperties(`input ${index}`, text, OPTIONS);
      fixes += report.fixesChecked;
      violations.push(...report.violations);
    }
    assert.deepEqual(violations, []);
    assert.ok(fixes >= 10, `${fixes} fixes checked`);
  });
});
