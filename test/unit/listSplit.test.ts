// A `kind: List` (a cluster export) is analysed item by item (engine/listSplit.ts). The split must never change
// findings: a List reports what parsing it whole reports (the `analyze` helper compares the two on every text),
// and what the same objects report one per file, at the same places; what the split does not model is parsed
// whole.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisCache, analyzeText } from '../../server/src/engine/analyze';
import { applyLink, EngineOptions, Finding, fixesForFinding, WorkspaceIndex } from '../../server/src/engine';
import { analyze, yaml } from '../support/engine';
import { kubectlList, kubectlService, objectRange, rbacExportObjects, serviceExportObjects } from '../support/kubectlList';

const OPTIONS: EngineOptions = { allowedCidrs: [], rules: {} };

/** Whether analyzeText analysed the List item by item (the cache then knows the item at an offset). */
function wasSplit(text: string): boolean {
  const cache = new AnalysisCache();
  analyzeText(text, OPTIONS, cache);
  return cache.pieceAt(text, OPTIONS, text.indexOf('\n- ') + 1) !== undefined;
}

/** Links `files` (name → text) as one cluster, as `check` does. */
function linkFiles(files: Record<string, string>): Record<string, Finding[]> {
  const index = new WorkspaceIndex();
  const local: Record<string, Finding[]> = {};
  for (const [name, text] of Object.entries(files)) {
    const result = analyze(text);
    local[name] = result.findings;
    index.set(name, result.facts, OPTIONS);
  }
  const links = index.link();
  return Object.fromEntries(Object.entries(local).map(([name, findings]) => [name, applyLink(findings, links.get(name))]));
}

/** A finding as comparable between a List and one file per object: places as (object, range in the object's text). */
function placed(finding: Finding, where: (file: string, range: Finding['range']) => { object: number; range: Finding['range'] }) {
  return {
    ...where('', finding.range),
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    related: (finding.related ?? []).map((related) => ({ ...where(related.file ?? '', related.range), message: related.message })),
  };
}

/** The findings of `objects` as one List and as one file each, placed alike. */
function listAndFiles(objects: string[]): { list: unknown[]; files: unknown[]; listText: string } {
  const listText = kubectlList(objects);
  const inList = linkFiles({ 'export.yaml': listText })['export.yaml'];
  const list = inList.map((finding) => placed(finding, (_file, range) => objectRange(objects, range)));
  const perFile = linkFiles(Object.fromEntries(objects.map((object, index) => [`object-${index}.yaml`, object])));
  const files = Object.entries(perFile).flatMap(([name, findings]) => {
    const object = Number(/\d+/.exec(name)![0]);
    return findings.map((finding) => placed(finding, (file, range) => ({ object: file === '' ? object : Number(/\d+/.exec(file)![0]), range })));
  });
  return { list, files, listText };
}

describe('a kind: List is analysed item by item', () => {
  it('Services: the same findings at the same places as one file per Service; live Services get no loadbalancer-status', () => {
    const { list, files, listText } = listAndFiles(serviceExportObjects());
    assert.ok(wasSplit(listText));
    assert.deepEqual(list, files);
    const codes = (list as { code: string; object: number }[]).map((finding) => `${finding.object} ${finding.code}`);
    // Service 2 is live (uid, resourceVersion): its status was written by a controller. 3 and 4 are not.
    assert.deepEqual(codes, ['1 external-ips', '1 external-ips', '3 loadbalancer-status', '4 external-ip-invalid', '4 loadbalancer-status']);
  });

  it('roles and bindings (kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml): the same linked findings and related locations as one file per object', () => {
    const { list, files, listText } = listAndFiles(rbacExportObjects());
    assert.ok(wasSplit(listText));
    assert.deepEqual(list, files);
    const codes = (list as { code: string; severity: string }[]).map((finding) => `${finding.code} ${finding.severity}`);
    assert.ok(codes.includes('rbac-services-status-binding error'), codes.join('\n'));
    assert.ok(codes.includes('rbac-services-status error'), codes.join('\n'));
    assert.ok((list as { related: unknown[] }[]).some((finding) => finding.related.length > 0));
  });

  it('the fixes of a finding in an item, started from the item, are those started from the whole text', () => {
    for (const objects of [serviceExportObjects(), rbacExportObjects()]) {
      const text = kubectlList(objects);
      const cache = new AnalysisCache();
      const { findings } = analyzeText(text, OPTIONS, cache);
      assert.ok(findings.length > 0);
      for (const finding of findings) {
        assert.ok(cache.pieceAt(text, OPTIONS, finding.startOffset) !== undefined);
        const fixes = fixesForFinding(text, OPTIONS, finding.key, cache);
        assert.deepEqual(fixes, fixesForFinding(text, OPTIONS, finding.key), finding.message);
        assert.ok(fixes.length > 0, finding.message);
      }
    }
  });

  it('a cache reuses the unchanged items after an edit in one item', () => {
    const objects = serviceExportObjects();
    const text = kubectlList(objects);
    const cache = new AnalysisCache();
    const first = analyzeText(text, OPTIONS, cache);
    assert.equal(cache.size, objects.length);
    const edited = text.replace('8.8.8.8', '8.8.4.4');
    assert.deepEqual(analyzeText(edited, OPTIONS, cache), analyzeText(edited, OPTIONS));
    assert.equal(first.findings.length, analyzeText(edited, OPTIONS).findings.length);
  });

  it('an error in any item leaves the whole List unchecked, as parsing it whole does (and as kubectl refuses it)', () => {
    const objects = [kubectlService(1, { externalIPs: ['8.8.8.8'] }), yaml('apiVersion: v1', 'kind: ConfigMap', 'data: {a: [unclosed}')];
    const text = kubectlList(objects);
    assert.equal(analyze(text).findings.length, 0);
    assert.equal(analyzeText(text, OPTIONS).unparsableDocuments, 1);
  });
});

describe('a kind: List the split does not model is parsed whole, with the same result', () => {
  const externalIp = kubectlService(1, { externalIPs: ['8.8.8.8'] });
  const cases: Record<string, string> = {
    'an anchor in one item, its alias in another': kubectlList([
      yaml('apiVersion: v1', 'kind: ConfigMap', 'data:', '  ips: &ips [8.8.8.8]'),
      yaml('apiVersion: v1', 'kind: Service', 'spec:', '  externalIPs: *ips'),
    ]),
    'a comment between items': kubectlList([externalIp, externalIp]).replace('\n- ', '\n# between\n- ').replace(/(\n {2}[^\n]*\n)- /, '$1# between\n- '),
    'items in flow style': yaml('apiVersion: v1', 'items: [{apiVersion: v1, kind: Service, spec: {externalIPs: [8.8.8.8]}}]', 'kind: List'),
    'a nested List': kubectlList([yaml('apiVersion: v1', 'kind: List', 'items:', '- apiVersion: v1', '  kind: Service', '  spec: {externalIPs: [8.8.8.8]}')]),
    'a quoted scalar continued at column 0 over an item start (go-yaml reads it as one string)': yaml(
      'apiVersion: v1',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  data:',
      '    note: "starts here',
      '- apiVersion: v1',
      '  kind: Service',
      '  spec:',
      '    externalIPs: [8.8.8.8]',
      '  x: ends here"',
      'kind: List',
    ),
    'a flow collection continued at column 0 over an item start': yaml(
      'apiVersion: v1',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  data: {a: [b,',
      '- apiVersion: v1',
      '  ]}',
      '- apiVersion: v1',
      '  kind: Service',
      '  spec: {externalIPs: [8.8.8.8]}',
      'kind: List',
    ),
    'a quote opened before items: and closed after them': yaml(
      'apiVersion: v1',
      'note: "x',
      'items:',
      '- apiVersion: v1',
      '  kind: Service',
      '  spec: {externalIPs: [8.8.8.8]}',
      '  y: z"',
      'kind: List',
    ),
    'a Service, not a List, with an items key': yaml('apiVersion: v1', 'kind: Service', 'spec: {externalIPs: [1.1.1.1]}', 'items:', '- apiVersion: v1', '  kind: Service', '  spec: {externalIPs: [8.8.8.8]}'),
    'a second items key after the first': kubectlList([externalIp]).replace('kind: List', 'kind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  spec: {externalIPs: [9.9.9.9]}'),
    'a suppression comment in one item': kubectlList([externalIp, externalIp.replace('spec:', '# kube-mitm-guard-disable-file external-ips\nspec:')]),
    'a tag on an item value': kubectlList([externalIp.replace('- 8.8.8.8', '- !!str 8.8.8.8')]),
    'items: after a U+2028 (no line break to YAML)': `apiVersion: v1\nnote: a\u2028items:\n- apiVersion: v1\n  kind: Service\n  spec: {externalIPs: [8.8.8.8]}\nkind: List\n`,
    'an item at another indentation': kubectlList([externalIp]).replace(/\n {2}/g, '\n   '),
  };
  for (const [name, text] of Object.entries(cases)) {
    it(name, () => {
      assert.equal(wasSplit(text), false);
      analyze(text); // asserts that the analysis equals parsing the text whole
    });
  }

  it('what it models is split (the control for the cases above)', () => {
    assert.equal(wasSplit(kubectlList([externalIp, externalIp])), true);
    assert.equal(wasSplit(kubectlList([externalIp, externalIp]).replace(/\n/g, '\r\n')), true);
  });
});
