// Kustomize patches written in GitOps objects (issue 13): a Flux Kustomization's spec.patches strings and its
// v1beta1/v1beta2 patchesStrategicMerge objects and patchesJson6902 operation lists, an Argo CD Application's
// (and ApplicationSet template's) source(s) kustomize.patches strings; judged as a kustomization's patches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineOptions, Finding, fixesForFinding, TextFix } from '../../server/src/engine';
import { mightHaveFindings } from '../../server/src/engine/prefilter';
import { applyEdits } from '../../server/src/engine/textEdits';
import { cidrs, covered, lint, yaml } from '../support/engine';
import { checkFixProperties } from '../support/fixProperties';

const NO_ALLOWLIST: EngineOptions = { allowedCidrs: [], rules: {} };

/** Each finding as `rule: covered text`. */
function placed(text: string, options: Partial<EngineOptions> = {}): string[] {
  return lint(text, options).map((finding) => `${finding.code}: ${covered(text, finding)}`);
}

function fixesOf(text: string, finding: Finding): TextFix[] {
  return fixesForFinding(text, NO_ALLOWLIST, finding.key).filter((fix): fix is TextFix => 'edits' in fix);
}

const fluxKustomization = (version: string, ...lines: string[]) =>
  yaml(`apiVersion: kustomize.toolkit.fluxcd.io/${version}`, 'kind: Kustomization', 'metadata: {name: apps, namespace: flux-system}', 'spec:', '  interval: 10m', '  path: ./apps', '  prune: true', '  sourceRef: {kind: GitRepository, name: flux-system}', ...lines);

const argoApplication = (...lines: string[]) => yaml('apiVersion: argoproj.io/v1alpha1', 'kind: Application', 'metadata: {name: web, namespace: argocd}', 'spec:', '  project: default', '  destination: {server: https://kubernetes.default.svc, namespace: web}', ...lines);

describe('Flux Kustomization patches', () => {
  it('judges spec.patches strings in every block-scalar style, placed on the value inside the string', () => {
    const text = fluxKustomization(
      'v1',
      '  patches:',
      '    - target: {kind: Service, name: web}',
      '      patch: |-',
      '        - op: add',
      '          path: /spec/externalIPs',
      '          value:',
      '            - 8.8.8.8',
      '    - patch: |',
      '        apiVersion: v1',
      '        kind: Service',
      '        metadata: {name: api}',
      '        spec:',
      '          externalIPs: [9.9.9.9]',
      '    - target:',
      '        kind: Service',
      '      patch: >-',
      '        [{"op": "add", "path": "/status/loadBalancer/ingress/-",',
      '        "value": {"ip": "5.5.5.5"}}]',
      '    - target: {kind: ClusterRole, name: editor}',
      '      patch: |',
      '        - op: add',
      '          path: /rules/-',
      '          value: {apiGroups: [""], resources: [services/status], verbs: [patch]}',
    );
    assert.deepEqual(placed(text), ['external-ips: 8.8.8.8', 'external-ips: 9.9.9.9', 'loadbalancer-status: {"ip": "5.5.5.5"}', 'rbac-services-status: services/status']);
    const [first, , third] = lint(text);
    assert.match(first.message, /It is written in this Flux Kustomization's spec\.patches patch \(target: Service, name web\)\.$/);
    assert.match(third.message, /spec\.patches patch \(target: Service\)\.$/);
  });

  it('maps CRLF and indentation indicators exactly', () => {
    for (const eol of ['\n', '\r\n']) {
      for (const header of ['|', '|-', '|+', '|2', '>']) {
        const text = fluxKustomization('v1', '  patches:', '  - target: {kind: Service}', `    patch: ${header}`, '        - op: add', '          path: /spec/externalIPs/-', '          value: "8.8.8.8"').replace(/\n/g, eol);
        assert.deepEqual(placed(text), ['external-ips: "8.8.8.8"'], `${header} ${JSON.stringify(eol)}`);
      }
    }
  });

  it('judges v1beta2/v1beta1 patchesStrategicMerge objects and patchesJson6902 operation objects in place', () => {
    for (const version of ['v1beta2', 'v1beta1']) {
      const text = fluxKustomization(
        version,
        '  patchesStrategicMerge:',
        '    - apiVersion: v1',
        '      kind: Service',
        '      metadata: {name: web}',
        '      spec:',
        '        externalIPs:',
        '          - 8.8.8.8',
        '          - 10.0.0.1',
        '    - apiVersion: v1',
        '      kind: ConfigMap',
        '      metadata: {name: settings}',
        '      data: {externalIPs: 8.8.8.8}',
        '  patchesJson6902:',
        '    - target: {version: v1, kind: Service, name: api}',
        '      patch:',
        '        - op: add',
        '          path: /spec/externalIPs/-',
        '          value: 7.7.7.7',
        '        - op: replace',
        '          path: /status/loadBalancer',
        '          value: {ingress: [{hostname: lb.example.com}]}',
        '        - op: remove',
        '          path: /spec/externalIPs',
        '    - target: {group: rbac.authorization.k8s.io, version: v1, kind: Role, name: editor}',
        '      patch:',
        '        - {op: add, path: /rules/0, value: {apiGroups: [""], resources: ["*"], verbs: [update]}}',
        '        - {op: test, path: /metadata/name, value: editor}',
      );
      assert.deepEqual(
        placed(text, { allowedCidrs: cidrs('10.0.0.0/8') }),
        ['external-ips: 8.8.8.8', 'external-ips: 7.7.7.7', 'loadbalancer-status: {hostname: lb.example.com}', 'rbac-services-status: "*"'],
        version,
      );
      const findings = lint(text, { allowedCidrs: cidrs('10.0.0.0/8') });
      assert.match(findings[0].message, /this Flux Kustomization's spec\.patchesStrategicMerge patch\.$/);
      assert.match(findings[1].message, /spec\.patchesJson6902 patch \(target: Service, name api\)\.$/);
    }
  });

  it('offers fixes that hold, in the strings and on the operation objects', () => {
    const text = fluxKustomization(
      'v1beta2',
      '  patches:',
      '    - target: {kind: Service}',
      '      patch: |',
      '        - op: add',
      '          path: /spec/externalIPs',
      '          value: [8.8.8.8, 1.1.1.1]',
      '        - op: remove',
      '          path: /spec/selector',
      '  patchesStrategicMerge:',
      '    - apiVersion: v1',
      '      kind: Service',
      '      metadata: {name: web}',
      '      spec:',
      '        externalIPs: [6.6.6.6]',
      '  patchesJson6902:',
      '    - target: {kind: Service, name: api}',
      '      patch:',
      '        - {op: add, path: /spec/externalIPs/-, value: 7.7.7.7}',
      '        - {op: add, path: /metadata/labels/a, value: b}',
    );
    const report = checkFixProperties('flux', text, NO_ALLOWLIST);
    assert.deepEqual(report.violations, []);
    assert.ok(report.fixesChecked >= 4, `${report.fixesChecked} fixes checked`);
    const findings = lint(text);
    assert.deepEqual(findings.map((finding) => covered(text, finding)), ['8.8.8.8', '1.1.1.1', '6.6.6.6', '7.7.7.7']);
    const removal = (finding: Finding, kind: string) => fixesOf(text, finding).find((fix) => fix.kind === kind)!;
    assert.equal(applyEdits(text, removal(findings[0], 'remove-external-ip').edits), text.replace('[8.8.8.8, 1.1.1.1]', '[1.1.1.1]'));
    assert.equal(applyEdits(text, removal(findings[3], 'remove-patch-operation').edits), text.replace('        - {op: add, path: /spec/externalIPs/-, value: 7.7.7.7}\n', ''));
    assert.ok(fixesOf(text, findings[2]).some((fix) => fix.kind === 'suppress-line'));
  });

  it('honours suppression comments on patches written in place, and reads a Kustomization written as JSON', () => {
    const text = fluxKustomization(
      'v1beta2',
      '  patchesStrategicMerge:',
      '    - apiVersion: v1',
      '      kind: Service',
      '      metadata: {name: web}',
      '      spec:',
      '        externalIPs:',
      '          # kube-mitm-guard-disable-next-line external-ips',
      '          - 8.8.8.8',
      '          - 9.9.9.9',
    );
    assert.deepEqual(placed(text), ['external-ips: 9.9.9.9']);
    const json =
      '{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "spec": {"patches": [' +
      '{"target": {"kind": "Service"}, "patch": "- op: add\\n  path: /spec/externalIPs\\n  value: [\\"8.8.8.8\\"]\\n"}]}}\n';
    assert.deepEqual(placed(json), ['external-ips: \\"8.8.8.8\\"']);
  });

  it('does not judge non-Service targets, remove ops, allowlisted addresses, v1 object patches or a Kustomization without patches', () => {
    const clean = fluxKustomization(
      'v1beta2',
      '  patches:',
      '    - target: {kind: Deployment}',
      '      patch: |',
      '        - {op: add, path: /spec/externalIPs, value: [8.8.8.8]}',
      '    - target: {kind: Service}',
      '      patch: |',
      '        - {op: remove, path: /spec/externalIPs}',
      '        - {op: add, path: /spec/externalIPs, value: [10.2.3.4]}',
      '  patchesJson6902:',
      '    - target: {kind: ConfigMap, name: web}',
      '      patch:',
      '        - {op: add, path: /spec/externalIPs, value: [8.8.8.8]}',
      '    - target: {kind: Service, group: apps}',
      '      patch:',
      '        - {op: add, path: /spec/externalIPs, value: [8.8.8.8]}',
    );
    assert.deepEqual(placed(clean, { allowedCidrs: cidrs('10.0.0.0/8') }), []);
    // Flux v1 has no patchesStrategicMerge/patchesJson6902 (its CRD prunes them): nothing is applied.
    const v1 = fluxKustomization('v1', '  patchesJson6902:', '    - target: {kind: Service}', '      patch:', '        - {op: add, path: /spec/externalIPs, value: [8.8.8.8]}');
    assert.deepEqual(placed(v1), []);
    const plain = fluxKustomization('v1');
    assert.deepEqual(placed(plain), []);
    assert.equal(mightHaveFindings(plain), false);
    // Another group's Kustomization (not Flux's): not judged.
    const other = v1.replace('kustomize.toolkit.fluxcd.io/v1', 'example.com/v1').replace('patchesJson6902', 'patches');
    assert.deepEqual(placed(other), []);
  });
});

describe('Argo CD Application patches', () => {
  it('judges spec.source and spec.sources[n] kustomize.patches strings, not path patches', () => {
    const text = argoApplication(
      '  source:',
      '    repoURL: https://github.com/example/apps',
      '    path: overlays/prod',
      '    kustomize:',
      '      patches:',
      '        - target: {kind: Service, name: web}',
      '          patch: |-',
      '            - op: add',
      '              path: /spec/externalIPs',
      '              value: ["8.8.8.8"]',
      '        - path: service-patch.yaml',
      '          target: {kind: Service}',
      '  sources:',
      '    - repoURL: https://github.com/example/charts',
      '      path: charts/web',
      '    - repoURL: https://github.com/example/apps',
      '      path: overlays/prod',
      '      kustomize:',
      '        patches:',
      '          - patch: |',
      '              apiVersion: v1',
      '              kind: Service',
      '              metadata: {name: api}',
      '              status: {loadBalancer: {ingress: [{ip: 6.6.6.6}]}}',
    );
    assert.deepEqual(placed(text), ['external-ips: "8.8.8.8"', 'loadbalancer-status: {ip: 6.6.6.6}']);
    const [first, second] = lint(text);
    assert.match(first.message, /It is written in this Argo CD Application's spec\.source\.kustomize\.patches patch \(target: Service, name web\)\.$/);
    assert.match(second.message, /spec\.sources\[1\]\.kustomize\.patches patch\.$/);
    assert.deepEqual(checkFixProperties('argo', text, NO_ALLOWLIST).violations, []);
  });

  it('lets a role patch through the pre-check without the RBAC apiVersion in the text', () => {
    // The patch names no apiVersion: its target makes it a Role's, and no RBAC word is in the text.
    const text = argoApplication(
      '  source:',
      '    kustomize:',
      '      patches:',
      '        - target: {kind: Role, name: editor}',
      '          patch: |',
      '            kind: Role',
      '            metadata: {name: editor}',
      '            rules:',
      '              - {apiGroups: [""], resources: [endpoints], verbs: [create]}',
    );
    assert.ok(!text.includes('rbac.authorization.k8s.io'));
    assert.deepEqual(placed(text), ['rbac-endpoints-write: endpoints']);
  });

  it('judges an ApplicationSet template, and not non-Service targets or allowlisted addresses', () => {
    const set = yaml(
      'apiVersion: argoproj.io/v1alpha1',
      'kind: ApplicationSet',
      'metadata: {name: web}',
      'spec:',
      '  generators: [{list: {elements: [{cluster: prod}]}}]',
      '  template:',
      "    metadata: {name: 'web-{{cluster}}'}",
      '    spec:',
      '      source:',
      '        kustomize:',
      '          patches:',
      '            - target: {kind: Service}',
      '              patch: |',
      '                - {op: add, path: /spec/externalIPs/-, value: 1.2.3.4}',
      '                - {op: add, path: /spec/externalIPs/-, value: 10.9.9.9}',
      '            - target: {kind: Ingress}',
      '              patch: |',
      '                - {op: add, path: /status/loadBalancer/ingress/-, value: {ip: 1.2.3.4}}',
    );
    assert.deepEqual(placed(set, { allowedCidrs: cidrs('10.0.0.0/8') }), ['external-ips: 1.2.3.4']);
    assert.match(lint(set)[0].message, /this Argo CD ApplicationSet's spec\.template\.spec\.source\.kustomize\.patches patch \(target: Service\)\.$/);
    // An Application of another apiVersion, or without kustomize patches: nothing.
    const helm = argoApplication('  source:', '    helm:', '      parameters: [{name: service.type, value: ClusterIP}]');
    assert.deepEqual(placed(helm), []);
  });
});
