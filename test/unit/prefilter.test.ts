// The text pre-check may skip a text only when the engine could not find anything in it. Every text
// linted through test/support/engine.ts (every input of rules, suppressions, analyze and evasion tests)
// already asserts this; here the evasion corpus is checked explicitly, along with the checks' teeth.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisCache, analyzeDetailed, analyzeText } from '../../server/src/engine/analyze';
import { splitDocuments } from '../../server/src/engine/documentSplit';
import { decodeEscapes, mightHaveFindings } from '../../server/src/engine/prefilter';
import { mulberry32 } from '../support/fuzz';
import { analyze, analyzeUnfiltered, assertSplitMatchesLexer, brief, cidrs, lint, loadEvasionCases, WITHOUT_DEPRECATION_HINT, yaml } from '../support/engine';

const options = { allowedCidrs: [], rules: WITHOUT_DEPRECATION_HINT };

describe('prefilter soundness', () => {
  const cases = loadEvasionCases();

  for (const testCase of cases) {
    it(`lets ${testCase.name} through whenever the unfiltered engine finds something`, () => {
      const found = analyzeUnfiltered(testCase.text, { ...options, allowedCidrs: testCase.allowedCidrs }).findings;
      if (found.length > 0) assert.ok(mightHaveFindings(testCase.text), `skipped ${testCase.name}, which has ${found.length} findings`);
    });
  }

  it('a words-only shortcut would be caught: escapes and tags reach the decoder without the words', () => {
    const wordsOnly = (text: string) => ['externalIPs', 'loadBalancer', 'kube-mitm-guard-disable', 'services/status'].some((w) => text.includes(w));
    const missed = cases.filter((c) => c.findings.length > 0 && !wordsOnly(c.text)).map((c) => c.name);
    assert.ok(missed.includes('escaped-key-yaml-x65.yaml'), `missed: ${missed.join(', ')}`);
    assert.ok(missed.includes('binary-key.yaml'));
    assert.ok(missed.includes('escaped-line-break-in-key.yaml'));
    assert.ok(missed.includes('rbac-escaped-resources.yaml'));
  });

  it('keys and values spelled every way the decoder accepts still pass', () => {
    const spellings = {
      externalIPs: ['"\\x65xternalIPs"', '"\\u0065xternalIPs"', '"\\U00000065xternalIPs"', '!!binary ZXh0ZXJuYWxJUHM='],
      Service: ['"\\x53ervice"', '!!binary U2VydmljZQ=='],
    };
    for (const key of spellings.externalIPs) {
      for (const kind of [...spellings.Service, 'Service']) {
        const text = yaml('apiVersion: v1', `kind: ${kind}`, 'spec:', `  ${key}: [1.2.3.4]`);
        assert.equal(lint(text).length, 1, text);
      }
    }
    for (const ingress of ['"\\x69ngress"', '"ingr\\u0065ss"', '!!binary aW5ncmVzcw==', 'ingress']) {
      for (const status of ['"st\\x61tus"', 'status']) {
        const text = yaml('apiVersion: v1', 'kind: Service', `${status}: {loadBalancer: {${ingress}: [{ip: 1.2.3.4}]}}`);
        assert.equal(lint(text).length, 1, text);
      }
    }
    for (const resource of ['"services\\x2fstatus"', '"services\\/status"', '"\\x2a"', '"\\x2a/status"', '!!binary c2VydmljZXMvc3RhdHVz']) {
      for (const kind of ['"\\x52ole"', '"Cluster\\x52ole"', 'Role']) {
        const text = yaml('apiVersion: rbac.authorization.k8s.io/v1', `kind: ${kind}`, 'rules:', `- {apiGroups: [""], resources: [${resource}], verbs: [patch]}`);
        // `*` grants patch on endpoints too (rbac-endpoints-write).
        assert.equal(lint(text).length, resource === '"\\x2a"' ? 2 : 1, text);
      }
    }
    for (const resource of ['"endpoint\\x73"', '"\\x65ndpointslices"', '!!binary ZW5kcG9pbnRz']) {
      for (const verb of ['"\\x63reate"', '"upd\\x61te"', '!!binary cGF0Y2g=', 'create']) {
        const group = resource.includes('slices') ? 'discovery.k8s.io' : '""';
        const text = yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: "\\x52ole"', 'rules:', `- {apiGroups: [${group}], resources: [${resource}], verbs: [${verb}]}`);
        assert.deepEqual(lint(text).map((finding) => finding.code), ['rbac-endpoints-write'], text);
      }
    }
  });

  it('skips texts that cannot have findings', () => {
    for (const text of [
      '',
      yaml('apiVersion: v1', 'kind: ConfigMap', 'data: {a: b}'),
      yaml('apiVersion: apps/v1', 'kind: Deployment', 'spec: {replicas: 2}'),
      // A role that grants nothing and aggregates nothing changes no finding, whoever holds or selects it.
      yaml('apiVersion: rbac.authorization.k8s.io/v1', 'kind: Role', 'metadata: {name: reader, labels: {team: a}}', 'rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]'),
      // Not RBAC: a CRD of another group with a kind named Role.
      yaml('apiVersion: example.com/v1', 'kind: Role', 'rules: [{apiGroups: [""], resources: [services/status], verbs: [patch]}]'),
      yaml('apiVersion: v1', 'kind: Service', 'spec: {type: LoadBalancer, ports: [{port: 80}]}'),
      // A load balancer described elsewhere than in a Service's status.loadBalancer.ingress (Istio's traffic
      // policies, CRD schemas): no finding can come of it.
      yaml('apiVersion: networking.istio.io/v1', 'kind: DestinationRule', 'spec: {trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}'),
      yaml('apiVersion: v1', 'kind: Service', 'status: {loadBalancer: {}}'),
    ]) {
      assert.equal(mightHaveFindings(text), false, text);
    }
  });

  it('lets every trigger through', () => {
    for (const text of [
      'externalIPs',
      'status: {loadBalancer: {ingress: []}}',
      '# kube-mitm-guard-disable-file external-ips',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nresources: [services/status]',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nresources: ["*"]',
      // What the link phase needs besides grants: every binding, aggregating roles, roles that opt out of
      // reconciling, roles named like a built-in that grants or aggregates.
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nroleRef: {kind: ClusterRole, name: x}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\naggregationRule: {}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {annotations: {rbac.authorization.kubernetes.io/autoupdate: "false"}}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cluster-admin}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: view}',
      'key: "\\x65xternalIPs"',
      'key: !!binary AA==',
      'key: !<tag:yaml.org,2002:binary> AA==',
      'key: !!%62inary AA==',
      '%TAG !e! tag:yaml.org,2002:\n---\nkey: !e!binary AA==',
    ]) {
      assert.equal(mightHaveFindings(text), true, text);
    }
  });

  // The sharper conditions: `*` and `Role` count only with the rbac apiVersion, `\\` only through what
  // its escapes decode to, `!` only as a tag that could be !!binary. What CRD bundles carry in their
  // schema descriptions no longer lets a document through.
  it('skips the CRD text that used to pass: Role and * in descriptions, backslashes, ! and % in prose', () => {
    const crd = yaml(
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'spec:',
      '  versions:',
      '  - schema:',
      '      openAPIV3Schema:',
      '        properties:',
      '          roleRef:',
      '            description: The ClusterRole or Role to bind; "*" matches all. Not 100% safe!',
      '            pattern: "^[a-z]\\d+\\.\\*$"',
      "            x: 'single-quoted \\d is not an escape'",
      '            y: plain \\u0065 and != and !important and 50%',
      '            z: |',
      '              block \\x2a',
    );
    assert.equal(mightHaveFindings(crd), false, crd);
    assert.equal(lint(crd).length, 0);
  });

  it("JSON's escaped slash spells a word; escapes that produce no word character (JSON's \\\" and \\n) hide none", () => {
    // As JSON tools write it: every `/` escaped, quotes and line breaks in strings escaped.
    const role = (slash: string) =>
      `{"apiVersion": "rbac.authorization.k8s.io${slash}v1", "kind": "ClusterRole", "metadata": {"name": "lb", "annotations": {"note": "say \\"hi\\"\\n"}}, ` +
      `"rules": [{"apiGroups": [""], "resources": ["services${slash}status"], "verbs": ["patch"]}]}`;
    for (const slash of ['/', '\\/', '\\u002f']) {
      assert.equal(mightHaveFindings(role(slash)), true, role(slash));
      assert.equal(lint(role(slash)).length, 1, role(slash));
    }
    const quotedOnly = '{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "exter\\"nalIPs, exter\\nnalIPs, exter\\\\nalIPs"}}';
    assert.equal(mightHaveFindings(quotedOnly), false, quotedOnly);
  });

  it('decodes escapes from the text start in step with every double-quoted scalar', () => {
    assert.equal(decodeEscapes('a\\u "\\x65" \\U0001F600 \\\\x65 \\q \\x6'), 'a\\u "e" \u{1F600} \\x65 \\q \\x6');
    assert.equal(decodeEscapes('"exter\\\n    nalIPs" "a\\\r\n\tb"'), '"externalIPs" "ab"');
    // Invalid \u digits stay two characters: the quote after them still opens in step.
    for (const text of [
      yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: a\\u}', 'spec: {"\\x65xternalIPs": [1.2.3.4]}'),
      yaml('apiVersion: v1', 'kind: Service', 'metadata:', '  name: a\\', 'spec:', '  "\\x65xternalIPs": [1.2.3.4]'),
      yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: "a\\\\"}', 'spec: {"\\x65xternalIPs": [1.2.3.4]}'),
      yaml('apiVersion: v1', 'kind: Service', "metadata: {name: 'a\\'}", 'spec: {"\\u0065xternalIPs": [1.2.3.4]}'),
      // A literal word that decoding would hide (`\\e` is an escape) still counts.
      yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: a\\}', 'spec: {externalIPs: [1.2.3.4]}'),
    ]) {
      assert.equal(lint(text).length, 1, text);
    }
  });

  it('property: every trigger word spelled through random escapes, escaped line breaks and binary tags still passes', () => {
    const random = mulberry32(8554);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const escapeCharacter = (ch: string): string => {
      const hex = ch.codePointAt(0)!.toString(16);
      return pick([`\\x${hex.padStart(2, '0')}`, `\\u${hex.padStart(4, '0')}`, `\\U${hex.padStart(8, '0')}`, ch === '/' ? '\\/' : ch]);
    };
    /** A YAML scalar that decodes to `word`, written so that `word` itself is not in the text. */
    const spell = (word: string, indent: string): string => {
      const how = random();
      if (how < 0.25) {
        const forms = ['!!binary', '!<tag:yaml.org,2002:binary>', '!!%62inary', '!!%62%69%6E%61%72%79'];
        return `${pick(forms)} ${Buffer.from(word).toString('base64')}`;
      }
      let quoted = '';
      const escapeAt = Math.floor(random() * word.length);
      for (let i = 0; i < word.length; i++) {
        if (i === escapeAt) quoted += escapeCharacter(word[i]);
        else if (random() < 0.2) quoted += escapeCharacter(word[i]);
        else quoted += word[i];
        // An escaped line break joins the lines without a space.
        if (i + 1 < word.length && random() < 0.15) quoted += `\\${pick(['\n', '\r\n'])}${indent}${pick(['', ' ', '\t', '    '])}`;
      }
      if (quoted.includes(word)) quoted = escapeCharacter(word[0]) + quoted.slice(1);
      return `"${quoted}"`;
    };
    const maybe = (word: string, indent = '  '): string => (random() < 0.6 ? spell(word, indent) : word);
    // An implicit key stays on one line; a key spelled over several lines is written explicitly.
    const entry = (indent: string, key: string, value: string): string[] =>
      key.includes('\n') ? [`${indent}? ${key}`, `${indent}: ${value}`] : [`${indent}${key}: ${value}`];
    let cases = 0;
    for (let round = 0; round < 400; round++) {
      const which = Math.floor(random() * 4);
      let text: string;
      let expected = 1;
      if (which === 0) {
        text = yaml('apiVersion: v1', 'kind: Service', 'metadata: {name: "a\\\\b", note: "!= 100%"}', 'spec:', ...entry('  ', spell('externalIPs', '    '), '[1.2.3.4]'));
      } else if (which === 1) {
        text = yaml('apiVersion: v1', 'kind: Service', 'status:', ...entry('  ', spell('loadBalancer', '    '), '{ingress: [{ip: 1.2.3.4}]}'));
      } else if (which === 3) {
        const [group, resource] = pick([['""', 'endpoints'], ['discovery.k8s.io', 'endpointslices']]);
        const verb = pick(['create', 'update', 'patch']);
        const spelled = [maybe('rbac.authorization.k8s.io/v1'), maybe(resource, '    '), maybe(verb, '    ')];
        if (!spelled.some((value, i) => value !== ['rbac.authorization.k8s.io/v1', resource, verb][i])) spelled[1] = spell(resource, '    ');
        text = yaml(`apiVersion: ${spelled[0]}`, 'kind: Role', 'rules:', `- apiGroups: [${group}]`, `  resources: [${spelled[1]}]`, `  verbs: [${spelled[2]}]`);
      } else {
        const resource = pick(['services/status', '*/status', '*']);
        if (resource === '*') expected = 2;
        const kind = pick(['Role', 'ClusterRole']);
        const spelled = [maybe('rbac.authorization.k8s.io/v1'), maybe(kind), maybe(resource, '    ')];
        // A plain `*` would be an alias.
        if (spelled[2] === resource) spelled[2] = `"${resource}"`;
        if (!spelled.some((value, i) => value !== ['rbac.authorization.k8s.io/v1', kind, `"${resource}"`][i])) spelled[2] = spell(resource, '    ');
        text = yaml(`apiVersion: ${spelled[0]}`, `kind: ${spelled[1]}`, 'rules:', '- apiGroups: [""]', `  resources: [${spelled[2]}]`, '  verbs: [patch]');
        if (!text.includes('rbac') && !text.includes('*')) text += '# description: a * rule\n';
      }
      // lint compares the pre-checked analysis with the unfiltered one (test/support/engine.ts); `*`
      // grants patch on endpoints too.
      assert.equal(lint(text).length, expected, text);
      cases++;
    }
    assert.equal(cases, 400);
  });
});

// Per-document analysis: analyzeText splits the text at column-0 `---` markers and parses only the
// documents that pass the pre-check, each on its own. `analyze` (test/support/engine.ts) compares
// every linted text with a whole-text parse (findings, their document index, the document count),
// checks the split against the yaml Lexer and runs the chunk cache; these cases aim at the split.
describe('per-document split and parse', () => {
  const svc = (ip = '1.2.3.4') => yaml('apiVersion: v1', 'kind: Service', `spec: {externalIPs: [${ip}]}`);
  const configMap = yaml('apiVersion: v1', 'kind: ConfigMap', 'data: {a: b}');

  it('keeps %TAG and %YAML directives with the documents after them (the split declines such texts)', () => {
    const tagged = yaml('%TAG !k! tag:yaml.org,2002:', '---', 'apiVersion: v1', 'kind: Service', 'spec: {!k!str externalIPs: [1.2.3.4]}');
    assert.equal(splitDocuments(tagged), undefined);
    assert.deepEqual(lint(tagged).map((f) => [f.code, f.documentIndex]), [['external-ips', 0]]);
    // The yaml package keeps a %TAG for the following documents too, until the next directive.
    const carried = configMap + yaml('...', '%TAG !e! tag:yaml.org,2002:', '---', 'a: b', '...', '---', 'apiVersion: v1', 'kind: Service', 'spec: {!e!binary ZXh0ZXJuYWxJUHM=: [1.2.3.4]}');
    assert.deepEqual(lint(carried).map((f) => [f.code, f.documentIndex]), [['external-ips', 2]]);
    const version = yaml('%YAML 1.1', '---', configMap.trimEnd(), '---') + svc();
    assert.deepEqual(lint(version).map((f) => [f.code, f.documentIndex]), [['external-ips', 1]]);
  });

  it('counts the bare document after `...` (the split declines texts with end markers)', () => {
    const text = configMap + yaml('...') + configMap + yaml('...', '# kube-mitm-guard-disable-next-line external-ips') + svc() + yaml('---') + svc('5.6.7.8');
    assert.equal(splitDocuments(text), undefined);
    assert.deepEqual(lint(text).map((f) => [f.code, f.documentIndex]), [['unused-suppression', 2], ['external-ips', 2], ['external-ips', 3]]);
    // `...` at the very start is an empty document of its own.
    assert.deepEqual(lint(yaml('...') + svc()).map((f) => f.documentIndex), [1]);
    assert.deepEqual(lint('\uFEFF' + yaml('...') + svc()).map((f) => f.documentIndex), [1]);
  });

  it('does not split at --- inside block or quoted scalars, and agrees with the Lexer at column 0', () => {
    const blockScalar = yaml('apiVersion: v1', 'kind: ConfigMap', 'data:', '  script: |', '    ---', '    a', '  q: "x', '    ---', '    y"') + yaml('---') + svc();
    assert.equal(splitDocuments(blockScalar)?.length, 2);
    assert.deepEqual(lint(blockScalar).map((f) => f.documentIndex), [1]);
    // At column 0 the Lexer ends the scalar or collection: a new document starts, in both paths.
    for (const opened of ['data: "x', "data: 'x", 'data: [x,', 'data: {x: y,', 'data: |\n  x', 'data: >\n x', 'data:\n  plain\n  scalar']) {
      const text = yaml('apiVersion: v1', 'kind: ConfigMap', opened, '---') + svc() + yaml('---', 'y"]}', '---') + svc('5.6.7.8');
      const result = analyze(text);
      // A single quote closed nowhere later runs to the end of the text, markers included (the yaml
      // Lexer looks for the closing quote first); the split asks the Lexer after such a quote.
      const expected = opened === "data: 'x" ? [] : [1, 3];
      assert.deepEqual(result.findings.map((f) => f.documentIndex), expected, text);
    }
    const unclosed = svc() + yaml('---', 'data: "x', '---') + svc('5.6.7.8') + yaml('---') + svc('9.9.9.9');
    assert.deepEqual(analyze(unclosed).findings.map((f) => f.documentIndex), [0]);
    assert.equal(splitDocuments(unclosed)?.length, 2);
    const escaped = svc() + yaml('---', 'data: "x\\\\"', '---') + svc('5.6.7.8');
    assert.deepEqual(analyze(escaped).findings.map((f) => f.documentIndex), [0, 2]);
    assert.deepEqual(analyze(svc() + yaml('---', "data: 'x''", '---') + svc('5.6.7.8')).findings.map((f) => f.documentIndex), [0]);
    // --- followed by other text is no marker (---x), nor is an indented one.
    const notMarkers = yaml('a: b', '---x', ' ---', '--- # a comment, still a marker') + svc();
    assert.deepEqual(splitDocuments(notMarkers)?.map((c) => c.start), [0, notMarkers.indexOf('--- #')]);
    assert.deepEqual(lint(notMarkers).map((f) => f.documentIndex), [1]);
  });

  it('asks the Lexer only around quotes that may never close, and finds every marker elsewhere', () => {
    // Apostrophes in comments and plain scalars open nothing; an unclosed quote in a later document
    // still swallows every marker after it. Each case is checked against the Lexer by `analyze`.
    const prose = yaml("# it's here", "note: don't") ;
    const texts = [
      prose + yaml('---') + svc() + yaml('---') + prose + yaml('---') + svc('5.6.7.8'),
      prose + yaml('---') + svc() + yaml('---', 'data: "open', '---') + svc('5.6.7.8') + yaml('---') + svc('9.9.9.9'),
      yaml('---', "a: 'open", '---') + svc() + yaml('---', 'b: "x\\"', '---') + svc('5.6.7.8'),
      svc() + yaml('---', "a: 'it''s'", '---', 'b: "c"', '---', "# won't", '---') + svc('5.6.7.8'),
      // After a tag a double quote opens a scalar at once (`"` ends the tag), and this one never closes.
      svc() + yaml('---', 'a: !t"open', '---') + svc('5.6.7.8'),
      // `'` is a tag character: `!t'x` is one tag, and the quote after `don` opens nothing.
      svc() + yaml('---', "a: !t'x", "b: don't", '---') + svc('5.6.7.8'),
    ];
    const expected = [[1, 3], [1], [], [0, 4], [0], [0, 2]];
    texts.forEach((text, index) => {
      assert.deepEqual(analyze(text).findings.map((f) => f.documentIndex), expected[index], text);
      assert.ok(splitDocuments(text), text);
    });
  });

  it('keeps leading comments with the first document, where suppressions apply', () => {
    const text = yaml('# kube-mitm-guard-disable-file external-ips', '', '---') + svc() + yaml('---') + svc('5.6.7.8');
    assert.equal(splitDocuments(text)?.length, 2);
    assert.deepEqual(lint(text).map((f) => [f.code, f.documentIndex]), [['external-ips', 1]]);
    // A suppression at the end of a document (before the next ---) belongs to that document.
    const trailing = svc() + yaml('# kube-mitm-guard-disable-file external-ips', '---') + svc('5.6.7.8') + yaml('  # kube-mitm-guard-disable-file loadbalancer-status', '---') + configMap;
    assert.deepEqual(lint(trailing).map((f) => [f.code, f.documentIndex]), [['external-ips', 1], ['unused-suppression', 1]]);
    // Only comments: no document at all.
    assert.deepEqual(analyze(yaml('# kube-mitm-guard-disable-file external-ips', '')).documentCount, 0);
  });

  it('byte order marks: at the start the split goes on; anywhere else it declines', () => {
    for (const text of ['\uFEFF' + yaml('---') + svc() + yaml('---') + svc('5.6.7.8'), '\uFEFF' + yaml('# c') + yaml('---') + svc(), '\uFEFF' + svc() + yaml('---') + configMap]) {
      assert.ok(splitDocuments(text), JSON.stringify(text));
      assert.ok(lint(text).length >= 1);
    }
    const inside = configMap + yaml('...', '\uFEFF---') + svc();
    assert.equal(splitDocuments(inside), undefined);
    assert.deepEqual(lint(inside).map((f) => f.documentIndex), [1]);
    assert.equal(splitDocuments(configMap + '\uFEFF---\n' + svc()), undefined);
  });

  it('CRLF line breaks: markers before \\r\\n split, and positions are those of the whole text', () => {
    const text = (configMap + yaml('---') + svc() + yaml('---') + configMap + yaml('---') + svc('5.6.7.8')).replace(/\n/g, '\r\n');
    assert.equal(splitDocuments(text)?.length, 4);
    assert.deepEqual(brief(lint(text)), [
      { code: 'external-ips', line: 6, character: 21 },
      { code: 'external-ips', line: 14, character: 21 },
    ]);
    // A lone \r is a line break for positions but not for the Lexer: no marker after it.
    const loneCr = svc() + 'x: y\r---\n' + yaml('---') + svc('5.6.7.8');
    assert.deepEqual(splitDocuments(loneCr)?.map((chunk) => chunk.start), [0, loneCr.lastIndexOf('---')]);
    assert.deepEqual(lint(loneCr).map((f) => [f.documentIndex, f.range.start.line]), [[0, 2], [1, 8]]);
  });

  it('a document the pre-check rules out still counts for indices after it, and is not parsed', () => {
    const text = yaml('a: [unclosed') + yaml('---') + svc();
    const result = analyze(text);
    assert.deepEqual(result.findings.map((f) => f.documentIndex), [1]);
    assert.equal(result.unparsableDocuments, 0, 'not parsed, so not counted as unparsable');
    assert.equal(analyzeDetailed(text, options).unparsableDocuments, 1);
    // Nesting too deep for the parser in a ruled-out document no longer hides the other documents'
    // findings (a whole parse gives up on the file): per-document analysis finds more, never less.
    const deep = yaml('b: ' + '['.repeat(300)) + yaml('---') + svc();
    assert.deepEqual(analyzeText(deep, options).findings.map((f) => f.documentIndex), [1]);
    assert.match(analyzeDetailed(deep, options).skippedReason ?? '', /nest/);
    // In a kept document it still stops the whole file, as before.
    const deepKept = yaml('externalIPs: ' + '['.repeat(300)) + yaml('---') + svc();
    assert.deepEqual(analyzeText(deepKept, options).findings, []);
    assert.match(analyzeText(deepKept, options).skippedReason ?? '', /nest/);
  });

  it('the chunk cache re-analyses only changed documents and holds only the last text', () => {
    const documents = [svc(), configMap, svc('5.6.7.8'), configMap.replace('a: b', 'c: d')];
    const text = documents.join('---\n');
    const cache = new AnalysisCache();
    const options = { allowedCidrs: [], rules: WITHOUT_DEPRECATION_HINT };
    assert.deepEqual(analyzeText(text, options, cache), analyzeText(text, options));
    assert.equal(cache.size, 4);
    // Editing one document: the others are reused at their new offsets.
    const edited = [svc(), configMap.replace('a: b', 'a: bb, c: d'), '# kube-mitm-guard-disable-file external-ips\n' + svc('5.6.7.8'), configMap].join('---\n');
    assert.deepEqual(analyzeText(edited, options, cache), analyzeText(edited, options));
    assert.equal(cache.size, 4);
    // Other options: nothing is reused.
    const allowing = { allowedCidrs: cidrs('1.2.3.4/32'), rules: {} };
    assert.deepEqual(analyzeText(edited, allowing, cache), analyzeText(edited, allowing));
    assert.deepEqual(analyzeText(edited, { allowedCidrs: [], rules: { ...WITHOUT_DEPRECATION_HINT, 'external-ips': 'warning' as const } }, cache).findings.map((f) => f.severity), ['warning']);
  });

  it('property: on generated texts the split matches the Lexer and per-document analysis matches a whole parse', () => {
    const fragments = [
      '---\n', '--- \n', '---\r\n', '...\n', '... # end\n', '%TAG !e! tag:yaml.org,2002:\n', '# comment\n', '\n', '  \n', '\uFEFF',
      'apiVersion: v1\n', 'kind: Service\n', 'kind: List\nitems:\n- kind: Service\n  apiVersion: v1\n  spec:\n', 'spec:\n', '  externalIPs: [1.2.3.4]\n',
      '  externalIPs:\n  - 10.0.0.1\n', 'spec: {externalIPs: [', '9.9.9.9]}\n', 'status: {loadBalancer: {ingress: [{ip: 1.1.1.1}]}}\n', 'key: "quoted\n',
      "key: 'single\n", 'text: |\n  ---\n  block\n', 'x: &a [1.2.3.4]\n', 'spec: {externalIPs: *a}\n', '"\\x65xternalIPs": [2.2.2.2]\n',
      '!!binary ZXh0ZXJuYWxJUHM=: [3.3.3.3]\n', '# kube-mitm-guard-disable-next-line external-ips\n', '# kube-mitm-guard-disable-file\n',
      'kind: Role\napiVersion: rbac.authorization.k8s.io/v1\nrules: [{apiGroups: [""], resources: ["*"], verbs: [patch]}]\n', ']\n', '}\n', '"\n', 'a: [\n',
      '---x\n', ' ---\n', '\r', 'b: {{ .Values.x }}\n', '- item\n', '  nested: value\n', '---\n...\n',
      // Quotes that may or may not open a scalar, close one, or be escaped (the split lexes around them).
      "# it's\n", "c: don't\n", "d: 'it''s'\n", "e: ''\n", "f: '''\n", 'g: "a\\"b"\n', 'h: \\"\n', 'i: "x\\\\"\n', "'k': v\n",
      // A quote right after a letter opens nothing, unless the letters end a tag (`'` is a tag character).
      'j: !t"open\n', "k: !t'x\n", 'l: &a"b\n', 'm: x"y\n', 'n: !!str"o\n', 'o: !%21"p\n', 'p: a"b"c\n', '- x"\n',
    ];
    let seed = 20240607;
    // mulberry32
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    let declined = 0;
    let split = 0;
    for (let round = 0; round < Number(process.env.KMG_SPLIT_ROUNDS ?? 1500); round++) {
      let text = '';
      const parts = 2 + random(14);
      for (let i = 0; i < parts; i++) text += fragments[random(fragments.length)];
      if (random(4) === 0) text = text.replace(/\n/g, '\r\n');
      analyze(text); // compares with the whole-text parse, checks the split against the Lexer, runs the cache
      if (splitDocuments(text) === undefined) declined++;
      else split++;
    }
    assert.ok(split > 500 && declined > 300, `split ${split}, declined ${declined}`);
  });

  it('property: the split matches the Lexer on every evasion fixture', () => {
    for (const testCase of loadEvasionCases()) assertSplitMatchesLexer(testCase.text);
  });
});
