// Helm templates that are not YAML as they stand: read through a same-length variant with template
// actions neutralised (server/src/engine/helmTemplates.ts). Literal text that renders as written is
// judged; nothing whose rendered text or place depends on a template action is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, applyEdits, fixAll, fixesForFinding } from '../../server/src/engine';
import { neutralizeTemplates, templateActions } from '../../server/src/engine/helmTemplates';
import { analyze, brief, covered, yaml } from '../support/engine';
import { cpuStopwatch } from '../support/cpuTime';

const options = { allowedCidrs: [], rules: {} };

/** Asserts the variant keeps length and line breaks, and returns it. */
function variantOf(text: string): string {
  const variant = neutralizeTemplates(text);
  assert.ok(variant, `no variant for ${JSON.stringify(text)}`);
  assert.equal(variant.text.length, text.length);
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n' || text[i] === '\r' || variant.text[i] === '\n' || variant.text[i] === '\r') assert.equal(variant.text[i], text[i], `line break at ${i}`);
  }
  return variant.text;
}

describe('Helm templates: the neutralised variant', () => {
  it('finds actions with trim markers, comments, and `}}` inside string literals', () => {
    const text = 'a: {{- .Values.x -}}\n{{/* a } }} comment */}}\nb: {{ printf "}}" .y }}\nc: {{ `}}` }}\n';
    const actions = templateActions(text);
    assert.ok(actions);
    assert.deepEqual(
      actions.map((a) => [text.slice(a.start, a.end), a.trimLeft, a.trimRight, a.body]),
      [
        ['{{- .Values.x -}}', true, true, '.Values.x'],
        ['{{/* a } }} comment */}}', false, false, '/* a } }} comment */'],
        ['{{ printf "}}" .y }}', false, false, 'printf "}}" .y'],
        ['{{ `}}` }}', false, false, '`}}`'],
      ],
    );
    assert.equal(templateActions('a: {{ .Values.x\n'), undefined, 'an unclosed action');
    assert.equal(neutralizeTemplates('a: {{ .Values.x\n'), undefined);
  });

  it('actions alone on their lines become comments, inline actions placeholders inside their quotes', () => {
    const text = yaml(
      '{{- if .Values.enabled }}',
      'metadata:',
      '  name: {{ .Release.Name }}-svc',
      '  labels:',
      '    {{- include "chart.labels" . | nindent 4 }}',
      '  group: "{{ $group }}"',
      '{{/* a',
      '     comment */}}',
      '{{- end }}',
    );
    assert.equal(
      variantOf(text),
      yaml(
        '#                        ',
        'metadata:',
        '  name: ___________________-svc',
        '  labels:',
        '    #                                          ',
        '  group: "____________"',
        '#     ',
        '#                ',
        '#         ',
      ),
    );
  });

  it('a literal that a whitespace trim glues to other text becomes a placeholder too', () => {
    // `-}}` removes the line break: "metadata:" and "kind: Service" are joined when rendered.
    assert.equal(variantOf(yaml('metadata:', '{{- if .x -}}', 'kind: Service')), yaml('_________', '#            ', '_____ Service'));
    // `{{-` glues the output of `.Values.suffix` to "services/status".
    assert.equal(variantOf(yaml('- services/status', '{{- .Values.suffix }}')), yaml('- _______________', '#                    '));
    // Harmless trims leave the literals alone: a line that vanishes, `key: {{- range }}` at the end of a line.
    assert.equal(variantOf(yaml('a: 1', '{{- if .x }}', 'b: 2', '{{- end }}')), yaml('a: 1', '#           ', 'b: 2', '#         '));
    assert.equal(variantOf(yaml('ips: {{- range .ips }}', '  - {{ . }}', '{{- end }}')), yaml('ips: _________________', '  - _______', '#         '));
    // `-}}` at the top of the file: rendering starts with what follows.
    assert.equal(variantOf(yaml('{{- if .x -}}', 'kind: Service')), yaml('#            ', 'kind: Service'));
  });

  it('stays linear on hostile input: 150,000 adjacent trimmed actions on one line, 60,000 output lines', () => {
    for (const text of [
      `kind: Service\nspec:\n  x: ${'{{- if .x -}}'.repeat(150_000)} y\n`,
      `kind: Service\nspec: {externalIPs: [${'{{- if .x -}} a {{ end }}'.repeat(80_000)}\n`,
      `spec:\n${'{{- include "x" . | nindent 2 }}\n'.repeat(60_000)}  externalIPs: [1.2.3.4]\n`,
    ]) {
      const cpuMs = cpuStopwatch();
      const variant = neutralizeTemplates(text);
      assert.equal(variant?.text.length, text.length);
      const used = cpuMs();
      assert.ok(used < 5_000, `took ${used} ms of CPU`);
    }
  });

  it('gives up where the output of an action could move the literal lines after it', () => {
    // The output would supply the value of the `-` item (read without it as null, that is "").
    assert.equal(neutralizeTemplates(yaml('apiGroups:', '-', '  {{ .Values.group }}')), undefined);
    // The output starts at column 2 and the next literal line is deeper: it could belong to the output.
    assert.equal(neutralizeTemplates(yaml('rules:', '  {{- include "rule" . | nindent 2 }}', '    verbs: [patch]')), undefined);
    // A trim would glue a closing quote to the output: blanking it would re-pair every quote after it.
    assert.equal(neutralizeTemplates(yaml('name: "a b" {{- .Values.suffix }}', 'ips: ["1.2.3.4"]')), undefined);
    // Output at the column of the lines after it is fine.
    assert.ok(neutralizeTemplates(yaml('labels:', '  {{- include "labels" . | nindent 2 }}', '  app: x')));
  });
});

describe('Helm templates: what is reported', () => {
  it('an istio-like ClusterRole: a literal services/status grant inside `{{- if }}` blocks is reported', () => {
    const text = yaml(
      '{{- if or (eq .Values.global.resourceScope "all") (eq .Values.global.resourceScope "cluster") }}',
      '{{ $mcsAPIGroup := or .Values.env.MCS_API_GROUP "multicluster.x-k8s.io" }}',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: istiod-clusterrole{{- if not (eq .Values.revision "")}}-{{ .Values.revision }}{{- end }}-{{ .Release.Namespace }}',
      '  labels:',
      '    release: {{ .Release.Name }}',
      '    {{- include "istio.labels" . | nindent 4 }}',
      'rules:',
      '{{- if .Values.global.istiod.enableAnalysis }}',
      '  - apiGroups: ["config.istio.io"]',
      '    verbs: ["update", "patch"]',
      '    resources:',
      '    - gateways/status',
      '{{- end }}',
      '  - apiGroups: [""]',
      '    verbs: [ "get", "watch", "list", "update", "patch", "create", "delete" ]',
      '    resources: [ "services/status" ]',
      '  - apiGroups: ["{{ $mcsAPIGroup }}"]',
      '    resources: ["serviceexports"]',
      '    verbs: [ "get", "watch", "list", "create", "delete"]',
      '{{- end }}',
    );
    const result = analyze(text);
    assert.deepEqual(brief(result.findings), [{ code: 'rbac-services-status', line: 18, character: 17 }]);
    assert.equal(covered(text, result.findings[0]), '"services/status"');
    assert.match(result.findings[0].message, /grants "update", "patch" on services\/status/);
    assert.equal(result.templatedDocuments, 0);
    assert.equal(result.unparsableDocuments, 0);
  });

  it('a literal grant inside one branch of if/else is reported; a grant whose verbs come from values is not', () => {
    const text = yaml(
      'apiVersion: rbac.authorization.k8s.io/v1',
      '{{- if .Values.namespaced }}',
      'kind: Role',
      '{{- else }}',
      'kind: ClusterRole',
      '{{- end }}',
      'rules:',
      '  - apiGroups: [""]',
      '    resources: ["services/status"]',
      '{{- if .Values.readOnly }}',
      '    verbs: ["get"]',
      '{{- else }}',
      '    verbs: ["patch"]',
      '{{- end }}',
      '  - apiGroups: [""]',
      '    resources: ["services/status"]',
      '    verbs: {{ toYaml .Values.verbs | nindent 6 }}',
      '  - apiGroups: [""]',
      '    resources: ["services/{{ .Values.subresource }}"]',
      '    verbs: ["update"]',
      '{{- range .Values.extraRules }}',
      '  - apiGroups: [{{ .group | quote }}]',
      '    resources: ["services/status"]',
      '    verbs: ["patch"]',
      '{{- end }}',
    );
    assert.deepEqual(brief(analyze(text).findings), [{ code: 'rbac-services-status', line: 8, character: 16 }]);
  });

  it('externalIPs from values are never judged: inline `{{ .Values.x }}` and `{{ toYaml … | nindent 4 }}`', () => {
    const inline = yaml(
      '{{- if .Values.service.enabled }}',
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  externalIPs:',
      '    - {{ .Values.externalIP }}',
      '    - "{{ .Values.prefix }}.5"',
      '  externalIPs: [{{ .Values.ip }}]',
      '{{- end }}',
    );
    const result = analyze(inline);
    assert.deepEqual(result.findings, []);
    assert.equal(result.templatedDocuments, 0, 'the document was read, not skipped');
    const toYaml = yaml(
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  {{- if .Values.externalIPs }}',
      '  externalIPs:',
      '    {{- toYaml .Values.externalIPs | nindent 4 }}',
      '  {{- end }}',
      '  type: {{ .Values.type }}',
    );
    const second = analyze(toYaml);
    assert.deepEqual(second.findings, []);
    assert.equal(second.templatedDocuments, 0);
  });

  it('a literal `externalIPs: [8.8.8.8]` in a template is reported at the address', () => {
    const text = yaml(
      '{{- if .Values.service.enabled }}',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: {{ include "chart.fullname" . }}',
      '  labels:',
      '    {{- include "chart.labels" . | nindent 4 }}',
      'spec:',
      '  type: {{ .Values.service.type }}',
      '  externalIPs: [8.8.8.8]',
      '  ports:',
      '  {{- range .Values.service.ports }}',
      '    - port: {{ .port }}',
      '  {{- end }}',
      '{{- end }}',
    );
    const result = analyze(text);
    assert.deepEqual(brief(result.findings), [{ code: 'external-ips', line: 9, character: 16 }]);
    assert.equal(covered(text, result.findings[0]), '8.8.8.8');
    assert.equal(result.findings[0].startOffset, text.indexOf('8.8.8.8'));
    // Ranges are the same in CRLF files and after other documents.
    const crlf = `---\nkind: ConfigMap\n---\n${text}`.replace(/\n/g, '\r\n');
    const [finding] = analyze(crlf).findings;
    assert.equal(crlf.slice(finding.startOffset, finding.endOffset), '8.8.8.8');
    assert.deepEqual(finding.range.start, { line: 12, character: 16 });
  });

  it('a literal glued to template output by a trim is not judged', () => {
    const text = yaml(
      'apiVersion: v1',
      'kind: Service',
      'spec:',
      '  externalIPs:',
      '  - 1.2.3.4',
      '  {{- .Values.moreDigits }}',
      '  - 5.6.7.8',
    );
    assert.deepEqual(
      analyze(text).findings.map((f) => covered(text, f)),
      ['5.6.7.8'],
    );
  });

  it('a suppression comment works in a template; fixes keep every template action', () => {
    const text = yaml(
      '{{- if .Values.rbac.create }}',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'rules:',
      '  - apiGroups: [""]',
      '    resources: ["services/status"]',
      '    verbs: ["patch"]',
      '{{- end }}',
    );
    const [finding] = analyzeText(text, options).findings;
    assert.equal(finding.code, 'rbac-services-status');
    const kinds = fixesForFinding(text, options, finding.key).map((fix) => fix.kind);
    assert.ok(kinds.length > 0, 'fixes are offered');
    const fixed = fixAll(text, options).text;
    assert.deepEqual(fixed.match(/\{\{[^}]*\}\}/g), text.match(/\{\{[^}]*\}\}/g), 'every action kept');
    assert.deepEqual(analyzeText(fixed, options).findings, []);
    const suppress = fixesForFinding(text, options, finding.key).find((fix) => fix.kind === 'suppress-line');
    assert.ok(suppress && 'edits' in suppress);
    assert.deepEqual(analyzeText(applyEdits(text, suppress.edits), options).findings, []);
  });

  it('a template document that is still not YAML is counted as templated and skipped', () => {
    const text = yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: [1.2.3.4', '  {{ .Values.x }}: [');
    const result = analyze(text);
    assert.deepEqual(result.findings, []);
    assert.equal(result.templatedDocuments, 1);
  });
});
