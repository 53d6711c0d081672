// Helm values traced through a chart: charts written to a real folder (Chart.yaml beside templates/),
// templates taken from real charts of the shared corpus and written in the other forms the tracing reads,
// each file analysed as the CLI and the server do (values files by where they are) and linked.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeText, applyEdits, applyLink, EngineOptions, Finding, isHelmValuesFile, linkedFindingFixes, TextFix, WorkspaceIndex } from '../../server/src/engine';
import { cidrs, REPO_ROOT, yaml } from '../support/engine';
import { checkLinkedTextFix } from '../support/fixProperties';
import { TempDir } from '../support/tempDir';

const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'corpus', 'helm-templates');
const OPTIONS: EngineOptions = { allowedCidrs: [], rules: {} };
const CHART_YAML = 'apiVersion: v2\nname: app\nversion: 0.1.0\n';

function corpusTemplate(relativePath: string): string {
  return fs.readFileSync(path.join(CORPUS, relativePath), 'utf8');
}

/** Writes `files` into a fresh folder, analyses every one of them and links them; returns each file's findings (relative path → findings). */
function checkTree(files: Record<string, string>, options: EngineOptions = OPTIONS): Record<string, Finding[]> {
  const dir = new TempDir(files, 'kmg-helm-');
  temps.push(dir);
  const index = new WorkspaceIndex();
  const local = new Map<string, Finding[]>();
  for (const relative of Object.keys(files)) {
    const file = dir.path(relative);
    const result = analyzeText(files[relative], options, undefined, { helmValues: isHelmValuesFile(file) });
    local.set(relative, result.findings);
    index.set(file, result.facts, options);
  }
  const links = index.link();
  return Object.fromEntries([...local].map(([relative, findings]) => [relative, applyLink(findings, links.get(dir.path(relative)))]));
}

const temps: TempDir[] = [];
after(() => {
  for (const dir of temps) dir.dispose();
});

/** `code line:character` of each finding (1-based lines, as an editor shows them). */
function at(findings: readonly Finding[] | undefined): string[] {
  return (findings ?? []).map((finding) => `${finding.code} ${finding.range.start.line + 1}:${finding.range.start.character}`);
}

const SERVICE_HEAD = ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: {{ .Release.Name }}', 'spec:', '  ports:', '  - port: 443'];

describe('Helm values traced through a chart', () => {
  it('reports values that real templates render into spec.externalIPs, on the values line (ingress-nginx toYaml, istio range)', () => {
    const findings = checkTree({
      'chart/Chart.yaml': CHART_YAML,
      'chart/templates/controller-service.yaml': corpusTemplate('kubernetes__ingress-nginx/charts/ingress-nginx/templates/controller-service.yaml'),
      'chart/templates/service.yaml': corpusTemplate('istio__istio/manifests/charts/gateway/templates/service.yaml'),
      'chart/values.yaml': yaml('controller:', '  service:', '    externalIPs:', '      - 8.8.8.8', 'service:', '  externalIPs: [1.2.3.4, "010.0.0.1"]', 'unused:', '  externalIPs: [9.9.9.9]'),
      'chart/values-prod.yaml': yaml('service:', '  externalIPs:', '  - 5.6.7.8'),
      'chart/prod.values.yaml': yaml('controller:', '  service:', '    externalIPs: [6.6.6.6]'),
    });
    assert.deepEqual(at(findings['chart/values.yaml']), ['external-ips 4:8', 'external-ips 6:16', 'external-ip-invalid 6:25']);
    assert.deepEqual(at(findings['chart/values-prod.yaml']), ['external-ips 3:4']);
    assert.deepEqual(at(findings['chart/prod.values.yaml']), ['external-ips 3:18']);
    const [first] = findings['chart/values.yaml'];
    assert.match(first.message, /externalIP 8\.8\.8\.8 .*\.Values\.controller\.service\.externalIPs is rendered into spec\.externalIPs of a Service/);
    assert.equal(first.severity, 'error');
    assert.equal(first.related?.length, 1);
    assert.ok(first.related?.[0].file?.endsWith(path.join('chart', 'templates', 'controller-service.yaml')));
    assert.equal(first.related?.[0].range.start.line, 28, 'the toYaml action on line 29');
    // Templates get no findings of their own from this.
    assert.deepEqual(at(findings['chart/templates/controller-service.yaml']), []);
  });

  it('reads with/toYaml ., $.Values, range variables, quoted items and Bitnami\'s tplvalues.render', () => {
    const template = yaml(
      ...SERVICE_HEAD,
      '  {{- with .Values.a.ips }}',
      '  externalIPs:',
      '    {{- toYaml . | nindent 4 }}',
      '  {{- end }}',
      '---',
      ...SERVICE_HEAD,
      '  externalIPs:',
      '  {{- range $i, $ip := $.Values.b.ips }}',
      '  - {{ $ip | quote }}',
      '  {{- end }}',
      '  - {{ .Values.c.ip | quote }}',
      '  - "{{ .Values.d.ip }}"',
      '---',
      ...SERVICE_HEAD,
      '  {{- if .Values.f.externalIPs }}',
      '  externalIPs: {{- include "common.tplvalues.render" (dict "value" .Values.f.externalIPs "context" $) | nindent 4 }}',
      '  {{- end }}',
    );
    const findings = checkTree({
      'chart/Chart.yaml': CHART_YAML,
      'chart/templates/svc.yaml': template,
      'chart/values.yaml': yaml('a:', '  ips: [1.1.1.1]', 'b:', '  ips:', '  - 2.2.2.2', 'c:', '  ip: 3.3.3.3', 'd:', '  ip: 4.4.4.4', 'e:', '  ip: 5.5.5.5', 'f:', '  externalIPs: [6.6.6.6]'),
    });
    assert.deepEqual(at(findings['chart/values.yaml']), ['external-ips 2:8', 'external-ips 5:4', 'external-ips 7:6', 'external-ips 9:6', 'external-ips 13:16']);
  });

  it('reports nothing for values no template renders into a Service, allowlisted values, and values files outside a chart', () => {
    const template = yaml(...SERVICE_HEAD, '  externalIPs: {{ toYaml .Values.service.externalIPs | nindent 4 }}', '  loadBalancerSourceRanges: {{ toYaml .Values.service.ranges | nindent 4 }}');
    const deployment = yaml('apiVersion: apps/v1', 'kind: Deployment', 'spec:', '  externalIPs: {{ toYaml .Values.pod.externalIPs | nindent 4 }}');
    const values = yaml('service:', '  externalIPs: [10.1.2.3]', '  ranges: [8.8.8.8/32]', 'pod:', '  externalIPs: [8.8.8.8]');
    const findings = checkTree(
      {
        'chart/Chart.yaml': CHART_YAML,
        'chart/templates/svc.yaml': template,
        'chart/templates/deploy.yaml': deployment,
        'chart/values.yaml': values,
        // No Chart.yaml: not a chart, its values are nobody's.
        'loose/templates/svc.yaml': template,
        'loose/values.yaml': yaml('service:', '  externalIPs: [8.8.8.8]'),
        // A YAML file beside the chart that is not named like a values file.
        'chart/ci-overrides.yaml': yaml('service:', '  externalIPs: [8.8.8.8]'),
      },
      { allowedCidrs: cidrs('10.0.0.0/8'), rules: {} },
    );
    for (const [file, list] of Object.entries(findings)) assert.deepEqual(at(list), [], file);
  });

  it('traces role rules from values (gatekeeper extraRules) and load-balancer status', () => {
    const findings = checkTree({
      'chart/Chart.yaml': CHART_YAML,
      'chart/templates/role.yaml': corpusTemplate('open-policy-agent__gatekeeper/charts/gatekeeper/templates/gatekeeper-manager-role-role.yaml'),
      'chart/templates/status.yaml': yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: x', 'status:', '  loadBalancer:', '    ingress: {{ toYaml .Values.fakeIngress | nindent 4 }}'),
      'chart/values.yaml': yaml(
        'rbac:',
        '  create: true',
        'controllerManager:',
        '  extraRules:',
        '  - apiGroups: [""]',
        '    resources: [pods]',
        '    verbs: [get]',
        '  - apiGroups: [""]',
        '    resources: [services/status]',
        '    verbs: [patch]',
        'fakeIngress:',
        '- ip: 1.2.3.4',
      ),
    });
    assert.deepEqual(at(findings['chart/values.yaml']), ['rbac-services-status 8:4', 'loadbalancer-status 12:2']);
  });

  it('follows a suppression comment and the configured severity in the values file', () => {
    const findings = checkTree(
      {
        'chart/Chart.yaml': CHART_YAML,
        'chart/templates/svc.yaml': yaml(...SERVICE_HEAD, '  externalIPs: {{ toYaml .Values.ips | nindent 4 }}'),
        'chart/values.yaml': yaml('ips:', '# kube-mitm-guard-disable-next-line external-ips', '- 8.8.8.8', '- 9.9.9.9'),
      },
      { allowedCidrs: [], rules: { 'external-ips': 'warning' } },
    );
    assert.deepEqual(
      findings['chart/values.yaml'].map((finding) => `${finding.code} ${finding.severity} ${finding.range.start.line + 1}`),
      ['external-ips warning 4'],
    );
  });
});

describe('HelmRelease and Application values', () => {
  const chart = {
    'repo/charts/app/Chart.yaml': CHART_YAML,
    'repo/charts/app/templates/svc.yaml': yaml(...SERVICE_HEAD, '  externalIPs: {{ toYaml .Values.service.ips | nindent 4 }}'),
    'repo/charts/app/values.yaml': yaml('service:', '  ips: []'),
  };
  const fluxRelease = (chartRef: string, values: string[]) =>
    yaml(
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: app}',
      'spec:',
      '  chart:',
      '    spec:',
      `      chart: ${chartRef}`,
      '      sourceRef: {kind: GitRepository, name: repo}',
      '  values:',
      ...values.map((line) => `    ${line}`),
    );

  it('removes a traced address from its values list, or leaves the list empty (not keyless: the chart default would return); proven, and relinked there is no finding', () => {
    const options: EngineOptions = { allowedCidrs: cidrs('10.0.0.0/8'), rules: {} };
    const chart = { 'chart/Chart.yaml': CHART_YAML, 'chart/templates/service.yaml': yaml(...SERVICE_HEAD, '  externalIPs: {{ toYaml .Values.service.externalIPs | nindent 4 }}') };
    const cases: [before: string, after: string][] = [
      [yaml('service:', '  externalIPs:', '  - 5.6.7.8', '  - 10.0.0.1 # lab'), yaml('service:', '  externalIPs:', '  - 10.0.0.1 # lab')],
      [yaml('service:', '  externalIPs:', '    - 5.6.7.8', 'other: 1'), yaml('service:', '  externalIPs: []', 'other: 1')],
      [yaml('service:', '  externalIPs: [5.6.7.8]  # prod'), yaml('service:', '  externalIPs: []  # prod')],
      [yaml('service:', '  externalIPs: ["5.6.7.8", 10.1.1.1]'), yaml('service:', '  externalIPs: [10.1.1.1]')],
      ['service:\r\n  externalIPs:\r\n  - 5.6.7.8\r\n', 'service:\r\n  externalIPs: []\r\n'],
      [yaml('service:', '  externalIPs:', '  - 5.6.7.8 # prod', 'other: 1'), yaml('service:', '  externalIPs: []', 'other: 1')],
    ];
    for (const [before, after] of cases) {
      const [finding] = checkTree({ ...chart, 'chart/values.yaml': before }, options)['chart/values.yaml'];
      assert.equal(finding?.code, 'external-ips', before);
      const fixes = linkedFindingFixes(before, options, finding, { helmValues: true }) as TextFix[];
      assert.deepEqual(fixes.map((fix) => [fix.title, fix.isPreferred]), [['Remove this external IP', true], ['Suppress external-ips for this line', false]], before);
      assert.equal(applyEdits(before, fixes[0].edits), after);
      assert.deepEqual(checkLinkedTextFix(before, options, fixes[0].kind, fixes[0].edits, '5.6.7.8'), [], before);
      assert.deepEqual(at(checkTree({ ...chart, 'chart/values.yaml': after }, options)['chart/values.yaml']), [], after);
    }
    // The checker is independent of the fix: removing the other address is caught.
    const wrongRemoval = [{ range: { start: { line: 3, character: 0 }, end: { line: 4, character: 0 } }, newText: '' }];
    assert.notDeepEqual(checkLinkedTextFix(cases[0][0], options, 'remove-external-ip', wrongRemoval, '5.6.7.8'), []);
    // Only the suppression where removing would change more than the finding says: an anchored list that an
    // alias repeats.
    for (const values of [yaml('ips: &ips [5.6.7.8, 9.9.9.9]', 'service:', '  externalIPs: *ips')]) {
      const findings = checkTree({ ...chart, 'chart/values.yaml': values }, options)['chart/values.yaml'];
      assert.ok(findings.length > 0, values);
      for (const finding of findings) {
        assert.deepEqual(linkedFindingFixes(values, options, finding, { helmValues: true }).map((fix) => fix.title), [`Suppress ${finding.code} for this line`], values);
      }
    }
  });

  it('traces a HelmRelease of a local chart into its inline values', () => {
    const findings = checkTree({ ...chart, 'repo/clusters/prod/app.yaml': fluxRelease('./charts/app', ['service:', '  ips: [8.8.8.8]', '  externalIPs: [7.7.7.7]']) });
    // service.ips is rendered into the Service; a key named externalIPs that the chart does not render is nothing.
    assert.deepEqual(at(findings['repo/clusters/prod/app.yaml']), ['external-ips 11:12']);
    assert.match(findings['repo/clusters/prod/app.yaml'][0].message, /Traced from this HelmRelease's values/);
    // Its fix empties the inline list, as in a values file.
    const release = fluxRelease('./charts/app', ['service:', '  ips: [8.8.8.8]', '  externalIPs: [7.7.7.7]']);
    const [removal] = linkedFindingFixes(release, OPTIONS, findings['repo/clusters/prod/app.yaml'][0]) as TextFix[];
    assert.equal(removal.title, 'Remove this external IP');
    const fixed = applyEdits(release, removal.edits);
    assert.equal(fixed, release.replace('ips: [8.8.8.8]', 'ips: []'));
    assert.deepEqual(checkLinkedTextFix(release, OPTIONS, removal.kind, removal.edits, '8.8.8.8'), []);
    assert.deepEqual(at(checkTree({ ...chart, 'repo/clusters/prod/app.yaml': fixed })['repo/clusters/prod/app.yaml']), []);
  });

  it('traces an Argo CD Application valuesObject of a local chart', () => {
    const application = yaml(
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata: {name: app}',
      'spec:',
      '  source:',
      '    repoURL: https://example.invalid/repo.git',
      '    path: charts/app',
      '    helm:',
      '      valuesObject:',
      '        service:',
      '          ips:',
      '          - 8.8.8.8',
    );
    const findings = checkTree({ ...chart, 'repo/argo/app.yaml': application });
    assert.deepEqual(at(findings['repo/argo/app.yaml']), ['external-ips 12:12']);
  });

  const argoStringApplication = (valuesLines: string[]) =>
    yaml(
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata: {name: app}',
      'spec:',
      '  source:',
      '    repoURL: https://example.invalid/repo.git',
      '    path: ./charts/app/',
      '    helm:',
      ...valuesLines,
    );

  it('traces an Argo CD Application helm.values string to the characters that write the value (block scalars, LF and CRLF)', () => {
    const literal = argoStringApplication(['      values: |', '        service:', '          ips:', '          - 8.8.8.8', '          - "10.0.0.1"']);
    const folded = argoStringApplication(['      values: >-', '        service:', '', '          ips: [8.8.8.8]']);
    const findings = checkTree({ ...chart, 'repo/argo/literal.yaml': literal, 'repo/argo/crlf.yaml': literal.replace(/\n/g, '\r\n'), 'repo/argo/folded.yaml': folded });
    assert.deepEqual(at(findings['repo/argo/literal.yaml']), ['external-ips 12:12', 'external-ips 13:12']);
    assert.deepEqual(at(findings['repo/argo/crlf.yaml']), ['external-ips 12:12', 'external-ips 13:12']);
    assert.deepEqual(at(findings['repo/argo/folded.yaml']), ['external-ips 12:16']);
    const quoted = findings['repo/argo/literal.yaml'][1];
    assert.equal(literal.slice(quoted.startOffset, quoted.endOffset), '"10.0.0.1"');
  });

  it('places a value in a double-quoted helm.values string on its characters, and an unparsable string gives nothing', () => {
    const quoted = argoStringApplication(['      values: "service:\\n  ips: [8.8.8.8]\\n"']);
    const broken = argoStringApplication(['      values: "service: [8.8.8.8"']);
    const findings = checkTree({ ...chart, 'repo/argo/quoted.yaml': quoted, 'repo/argo/broken.yaml': broken });
    const [finding] = findings['repo/argo/quoted.yaml'];
    assert.equal(quoted.slice(finding.startOffset, finding.endOffset), '8.8.8.8');
    assert.deepEqual(at(findings['repo/argo/broken.yaml']), []);
  });

  it('resolves a chart path to the chart nearest the root that ends in it', () => {
    const vendored = {
      'repo/vendor/charts/app/Chart.yaml': CHART_YAML,
      'repo/vendor/charts/app/templates/svc.yaml': yaml(...SERVICE_HEAD, '  externalIPs: {{ toYaml .Values.other | nindent 4 }}'),
      'repo/vendor/charts/app/values.yaml': yaml('other: []'),
    };
    const findings = checkTree({ ...chart, ...vendored, 'repo/clusters/prod/app.yaml': fluxRelease('charts/app', ['service:', '  ips: [8.8.8.8]', 'other: [9.9.9.9]']) });
    assert.deepEqual(at(findings['repo/clusters/prod/app.yaml']), ['external-ips 11:12']);
  });

  it('reports a literal externalIPs key at information severity when the chart is not in the workspace, and nothing allowlisted', () => {
    const findings = checkTree(
      {
        'repo/releases/remote.yaml': fluxRelease('podinfo', ['service:', '  externalIPs: [8.8.8.8, 10.0.0.1]', '  other: [8.8.4.4]']),
        'repo/releases/missing.yaml': fluxRelease('./charts/gone', ['externalIPs: [8.8.8.8]']),
      },
      { allowedCidrs: cidrs('10.0.0.0/8'), rules: { 'external-ips': 'error' } },
    );
    assert.deepEqual(
      findings['repo/releases/remote.yaml'].map((finding) => `${finding.code} ${finding.severity} ${finding.range.start.line + 1}:${finding.range.start.character}`),
      ['external-ips information 11:20'],
    );
    assert.match(findings['repo/releases/remote.yaml'][0].message, /not traced through the chart \(its chart is no path in the repository\)/);
    assert.deepEqual(at(findings['repo/releases/missing.yaml']), ['external-ips 10:18']);
    assert.match(findings['repo/releases/missing.yaml'][0].message, /charts\/gone is not in the workspace/);
  });
});

describe('Helm values and incremental linking', () => {
  it('re-judges the values files and releases of a chart whose template changes, and only those', () => {
    const dir = new TempDir(
      {
        'chart/Chart.yaml': CHART_YAML,
        'chart/templates/svc.yaml': yaml(...SERVICE_HEAD, '  externalIPs: {{ toYaml .Values.ips | nindent 4 }}'),
        'chart/values.yaml': yaml('ips: [8.8.8.8]'),
        'other/Chart.yaml': CHART_YAML,
        'other/templates/svc.yaml': '',
        'other/values.yaml': yaml('ips: [8.8.8.8]'),
      },
      'kmg-helm-',
    );
    temps.push(dir);
    const index = new WorkspaceIndex();
    const put = (relative: string, text: string) => {
      const file = dir.path(relative);
      index.set(file, analyzeText(text, OPTIONS, undefined, { helmValues: isHelmValuesFile(file) }).facts, OPTIONS);
    };
    put('chart/templates/svc.yaml', dir.read('chart/templates/svc.yaml'));
    put('chart/values.yaml', dir.read('chart/values.yaml'));
    put('other/values.yaml', dir.read('other/values.yaml'));
    assert.deepEqual(index.relink().get(dir.path('chart/values.yaml'))?.added.map((finding) => finding.code), ['external-ips']);
    // The template stops rendering the value: the chart's values file loses its finding, the other chart is not judged.
    put('chart/templates/svc.yaml', yaml(...SERVICE_HEAD, '  externalIPs: {{ toYaml .Values.elsewhere | nindent 4 }}'));
    const judged = index.relink();
    assert.deepEqual([...judged.keys()].sort(), [dir.path('chart/templates/svc.yaml'), dir.path('chart/values.yaml')].sort());
    assert.equal(judged.get(dir.path('chart/values.yaml')), undefined);
  });
});
