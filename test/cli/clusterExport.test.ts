// The README's "Audit a live cluster" recipes, second half: `kube-mitm-guard check -` on a generated `kind: List`
// as `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml` and `kubectl get services -A -o
// yaml` print it (no cluster here). Standard input reports what the same objects report one per file, linked as
// one cluster: the same findings, fixes and related locations at the same places, modulo file names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubectlList, objectRange, rbacExportObjects, serviceExportObjects } from '../support/kubectlList';
import { JsonFinding, JsonReport, runCli, TempDir } from './cliHarness';

type Range = JsonFinding['range'];

/** A finding with its places as (object index, range in the object's own text). */
function placed(finding: JsonFinding, objectAt: (file: string, range: Range) => { object: number; range: Range }) {
  return {
    ...objectAt(finding.file, finding.range),
    rule: finding.rule,
    severity: finding.severity,
    message: finding.message,
    fixes: finding.fixes,
    related: finding.related.map((related) => ({ ...objectAt(related.file, related.range), message: related.message })),
  };
}

/** `check -` on the objects as one List, and `check --format json .` on them one file each, placed alike. */
function stdinAndFiles(objects: string[]): { stdin: unknown[]; files: unknown[]; text: { code: number | null; lines: string[] } } {
  const listText = kubectlList(objects);
  const dir = new TempDir(Object.fromEntries(objects.map((object, index) => [`object-${index}.yaml`, object])));
  try {
    const text = runCli(['check', '-'], { cwd: dir.root, stdin: listText });
    assert.equal(text.stderr, '');
    const fromStdin = runCli(['check', '-', '--format', 'json'], { cwd: dir.root, stdin: listText });
    const fromFiles = runCli(['check', '--format', 'json', '.'], { cwd: dir.root });
    assert.equal(fromStdin.code, fromFiles.code);
    const stdinReport = JSON.parse(fromStdin.stdout) as JsonReport;
    assert.equal(stdinReport.summary.filesChecked, 1);
    const stdin = stdinReport.findings.map((finding) =>
      placed(finding, (file, range) => {
        assert.equal(file, '<stdin>');
        return objectRange(objects, range);
      }),
    );
    const byPlace = (a: { object: number; range: Range }, b: { object: number; range: Range }) =>
      a.object - b.object || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
    const files = (JSON.parse(fromFiles.stdout) as JsonReport).findings
      .map((finding) => placed(finding, (file, range) => ({ object: Number(/object-(\d+)\.yaml$/.exec(file)![1]), range })))
      .sort(byPlace);
    return { stdin, files, text: { code: text.code, lines: text.stdout.split('\n').filter((line) => line.startsWith('<stdin>:')) } };
  } finally {
    dir.dispose();
  }
}

describe('check -: a cluster export on standard input', () => {
  it('kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml | kube-mitm-guard check -', () => {
    const { stdin, files, text } = stdinAndFiles(rbacExportObjects());
    assert.deepEqual(stdin, files);
    assert.equal(text.code, 1);
    assert.equal(text.lines.length, stdin.length);
    const rules = (stdin as { rule: string; related: unknown[] }[]).map((finding) => finding.rule);
    assert.ok(rules.includes('rbac-services-status-binding'), rules.join(', '));
    assert.ok((stdin as { related: unknown[] }[]).some((finding) => finding.related.length > 0));
  });

  it('kubectl get services -A -o yaml | kube-mitm-guard check -', () => {
    const { stdin, files, text } = stdinAndFiles(serviceExportObjects());
    assert.deepEqual(stdin, files);
    assert.equal(text.code, 1);
    // Live Services (uid, resourceVersion) get no loadbalancer-status; the manifest-like ones do.
    assert.deepEqual(
      (stdin as { object: number; rule: string }[]).map((finding) => `${finding.object} ${finding.rule}`),
      ['1 external-ips', '1 external-ips', '3 loadbalancer-status', '4 external-ip-invalid', '4 loadbalancer-status'],
    );
    assert.deepEqual(text.lines.map((line) => line.split(' ')[2]), ['external-ips', 'external-ips', 'loadbalancer-status', 'external-ip-invalid', 'loadbalancer-status']);
  });
});
