// Rule deny-external-ips-admission: the DenyServiceExternalIPs admission plugin, read from static
// kube-apiserver Pods (and workload pod templates) and kubeadm ClusterConfigurations, and its fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineOptions, Finding, fixAll, fixesForFinding, TextFix } from '../../server/src/engine';
import { applyEdits } from '../../server/src/engine/textEdits';
import { analyze, covered, yaml } from '../support/engine';
import { checkFixProperties, checkTextFix } from '../support/fixProperties';

const OPTIONS: EngineOptions = { allowedCidrs: [], rules: {} };
const findingsOf = (text: string) => analyze(text).findings.filter((finding) => finding.code === 'deny-external-ips-admission');

/** A static Pod whose only container has these command lines (and args lines, when given). */
function pod(command: string[], args?: string[]): string {
  return yaml(
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: kube-apiserver, namespace: kube-system}',
    'spec:',
    '  containers:',
    '  - name: kube-apiserver',
    '    image: registry.k8s.io/kube-apiserver:v1.31.0',
    '    command:',
    // kube-apiserver needs --etcd-servers; the rule judges only invocations that have it.
    ...[command[0], '--etcd-servers=https://127.0.0.1:2379', ...command.slice(1)].map((line) => `    - ${line}`),
    ...(args ? ['    args:', ...args.map((line) => `    - ${line}`)] : []),
  );
}

function kubeadm(version: string, ...apiServerLines: string[]): string {
  return yaml(`apiVersion: kubeadm.k8s.io/${version}`, 'kind: ClusterConfiguration', 'kubernetesVersion: v1.31.0', ...apiServerLines);
}

/** The one finding of the rule, its severity and the text it covers. */
function judged(text: string): { severity: string; covers: string; finding: Finding } | undefined {
  const findings = findingsOf(text);
  assert.ok(findings.length <= 1, JSON.stringify(findings));
  return findings[0] && { severity: findings[0].severity, covers: covered(text, findings[0]), finding: findings[0] };
}

/** The text after the rule's one fix, checked by the independent fix-property checker too. */
function fixed(text: string): string | undefined {
  const found = judged(text);
  assert.ok(found, 'no finding to fix');
  const fixes = fixesForFinding(text, OPTIONS, found.finding.key).filter((fix): fix is TextFix => fix.kind === 'enable-deny-external-ips');
  if (fixes.length === 0) return undefined;
  assert.equal(fixes.length, 1);
  assert.equal(fixes[0].fixAll, false);
  assert.deepEqual(checkFixProperties('fix', text, OPTIONS).violations, []);
  const edited = applyEdits(text, fixes[0].edits);
  assert.equal(judged(edited), undefined, `still reported after the fix:\n${edited}`);
  return edited;
}

describe('deny-external-ips-admission', () => {
  it('static Pod: information when not enabled, warning when disabled, error when in both lists, nothing when enabled', () => {
    assert.deepEqual(
      (({ severity, covers }) => ({ severity, covers }))(judged(pod(['kube-apiserver', '--enable-admission-plugins=NodeRestriction']))!),
      { severity: 'information', covers: '--enable-admission-plugins=NodeRestriction' },
    );
    assert.equal(judged(pod(['kube-apiserver', '--advertise-address=10.0.0.1']))!.covers, 'kube-apiserver');
    const disabled = judged(pod(['kube-apiserver', '--disable-admission-plugins', 'PodSecurity,DenyServiceExternalIPs']))!;
    assert.deepEqual([disabled.severity, disabled.covers], ['warning', 'PodSecurity,DenyServiceExternalIPs']);
    assert.match(disabled.finding.message, /explicitly disables/);
    const both = judged(pod(['kube-apiserver', '--enable-admission-plugins=DenyServiceExternalIPs'], ['--disable-admission-plugins=DenyServiceExternalIPs']))!;
    assert.equal(both.severity, 'error');
    assert.match(both.finding.message, /refuses to start \(the lists overlap\)/);
    assert.equal(judged(pod(['/usr/local/bin/kube-apiserver', '--enable-admission-plugins', 'NodeRestriction,DenyServiceExternalIPs'])), undefined);
    // Repeated flags append.
    assert.equal(judged(pod(['kube-apiserver', '--enable-admission-plugins=NodeRestriction', '--enable-admission-plugins=DenyServiceExternalIPs'])), undefined);
  });

  it('explains the trade-off and points at `kube-mitm-guard policy`', () => {
    const { finding } = judged(pod(['kube-apiserver']))!;
    assert.match(finding.message, /rejects every new spec\.externalIPs entry on create and any added value on update/);
    assert.match(finding.message, /externalip-webhook or an admission policy \(`kube-mitm-guard policy`\)/);
  });

  it('reads flags as kube-apiserver does: untrimmed CSV, nothing after --, args[0] as the program without a command', () => {
    // " DenyServiceExternalIPs" (with its space) is another plugin name.
    assert.equal(judged(pod(['kube-apiserver', '"--enable-admission-plugins=NodeRestriction, DenyServiceExternalIPs"']))!.severity, 'information');
    assert.equal(judged(pod(['kube-apiserver', '--', '--enable-admission-plugins=DenyServiceExternalIPs']))!.severity, 'information');
    const argsOnly = yaml('apiVersion: v1', 'kind: Pod', 'spec:', '  containers:', '  - name: api', '    args: [kube-apiserver, --etcd-servers=https://etcd:2379, --disable-admission-plugins=DenyServiceExternalIPs]');
    assert.equal(judged(argsOnly)!.severity, 'warning');
    // A malformed value keeps kube-apiserver from starting: not this rule's to judge.
    assert.equal(judged(pod(['kube-apiserver', `'--enable-admission-plugins="NodeRestriction'`])), undefined);
  });

  it('reads the pod template of Deployments, DaemonSets and StatefulSets, and no other container or kind', () => {
    for (const kind of ['Deployment', 'DaemonSet', 'StatefulSet']) {
      const text = yaml('apiVersion: apps/v1', `kind: ${kind}`, 'spec:', '  template:', '    spec:', '      containers:', '      - name: api', '        command: [kube-apiserver, --etcd-servers=https://etcd:2379, --enable-admission-plugins=NodeRestriction]');
      assert.equal(judged(text)?.severity, 'information', kind);
    }
    assert.equal(judged(pod(['kube-controller-manager', '--enable-admission-plugins=NodeRestriction'])), undefined);
    assert.equal(judged(pod(['/bin/sh', '-c', '"kube-apiserver --enable-admission-plugins=NodeRestriction"'])), undefined);
    // Without --etcd-servers (or with it only after --) kube-apiserver does not start: not a configuration to judge.
    const withoutEtcd = (flags: string) => yaml('apiVersion: v1', 'kind: Pod', 'spec:', '  containers:', `  - command: [kube-apiserver${flags}]`);
    assert.equal(judged(withoutEtcd('')), undefined);
    assert.equal(judged(withoutEtcd(', --, --etcd-servers=https://etcd:2379')), undefined);
    assert.equal(judged(withoutEtcd(', --etcd-servers, https://etcd:2379'))?.severity, 'information');
    assert.equal(judged(yaml('apiVersion: batch/v1', 'kind: Job', 'spec:', '  template:', '    spec:', '      containers:', '      - command: [kube-apiserver]'))?.severity, undefined);
  });

  it('kubeadm: kubeadm enables NodeRestriction only, an entry replaces it; map and {name, value} list forms', () => {
    assert.deepEqual((({ severity, covers }) => ({ severity, covers }))(judged(kubeadm('v1beta3'))!), { severity: 'information', covers: 'ClusterConfiguration' });
    assert.equal(judged(kubeadm('v1beta2', 'apiServer:', '  extraArgs:', '    enable-admission-plugins: DenyServiceExternalIPs')), undefined);
    const disabled = judged(kubeadm('v1beta3', 'apiServer:', '  extraArgs:', '    disable-admission-plugins: DenyServiceExternalIPs'))!;
    assert.deepEqual([disabled.severity, disabled.covers], ['warning', 'DenyServiceExternalIPs']);
    const listForm = kubeadm('v1beta4', 'apiServer:', '  extraArgs:', '  - name: enable-admission-plugins', '    value: DenyServiceExternalIPs', '  - name: disable-admission-plugins', '    value: DenyServiceExternalIPs');
    assert.equal(judged(listForm)!.severity, 'error');
    // v1beta4 is a list: a map there is not kubeadm's (and a list in v1beta3 neither).
    assert.equal(judged(kubeadm('v1beta4', 'apiServer:', '  extraArgs:', '    enable-admission-plugins: NodeRestriction')), undefined);
    assert.equal(judged(yaml('apiVersion: kubeadm.k8s.io/v1beta3', 'kind: InitConfiguration')), undefined);
  });

  it('fix, static Pod: extends the enable list, drops an emptied disable flag, keeps everything else', () => {
    assert.equal(
      fixed(pod(['kube-apiserver', '--enable-admission-plugins=NodeRestriction', '--disable-admission-plugins=DenyServiceExternalIPs', '--secure-port=6443'])),
      pod(['kube-apiserver', '--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs', '--secure-port=6443']),
    );
    assert.equal(
      fixed(pod(['kube-apiserver', '--disable-admission-plugins', 'DenyServiceExternalIPs,PodSecurity', '--secure-port', '6443'])),
      pod(['kube-apiserver', '--disable-admission-plugins', 'PodSecurity', '--secure-port', '6443', '--enable-admission-plugins', 'DenyServiceExternalIPs']),
    );
    // A new flag goes before `--`, in the = form the other flags use, as a double-quoted scalar like its neighbour.
    assert.equal(fixed(pod(['kube-apiserver', '"--secure-port=6443"', '"--"', 'extra'])), pod(['kube-apiserver', '"--secure-port=6443"', '"--enable-admission-plugins=DenyServiceExternalIPs"', '"--"', 'extra']));
    // Flow style, and a value that needs CSV quoting is kept as one field.
    const flow = yaml('apiVersion: v1', 'kind: Pod', 'spec:', '  containers:', '  - command: [kube-apiserver, --etcd-servers=https://etcd:2379, \'--enable-admission-plugins="A,B",C\']');
    assert.equal(fixed(flow), yaml('apiVersion: v1', 'kind: Pod', 'spec:', '  containers:', '  - command: [kube-apiserver, --etcd-servers=https://etcd:2379, \'--enable-admission-plugins="A,B",C,DenyServiceExternalIPs\']'));
  });

  it('fix, kubeadm: creates the key (with NodeRestriction) or the sections in the form of the version', () => {
    assert.equal(fixed(kubeadm('v1beta3')), kubeadm('v1beta3', 'apiServer:', '  extraArgs:', '    enable-admission-plugins: NodeRestriction,DenyServiceExternalIPs'));
    assert.equal(
      fixed(kubeadm('v1beta3', 'apiServer:', '  certSANs: [api.example]', '  extraArgs:', '    audit-log-path: /var/log/audit.log', '    disable-admission-plugins: DenyServiceExternalIPs')),
      kubeadm('v1beta3', 'apiServer:', '  certSANs: [api.example]', '  extraArgs:', '    audit-log-path: /var/log/audit.log', '    enable-admission-plugins: NodeRestriction,DenyServiceExternalIPs'),
    );
    assert.equal(
      fixed(kubeadm('v1beta4', 'apiServer:', '  certSANs: [api.example]')),
      kubeadm('v1beta4', 'apiServer:', '  certSANs: [api.example]', '  extraArgs:', '    - name: enable-admission-plugins', '      value: NodeRestriction,DenyServiceExternalIPs'),
    );
    assert.equal(
      fixed(kubeadm('v1beta4', 'apiServer:', '  extraArgs:', '  - name: enable-admission-plugins', '    value: NodeRestriction', '  - name: disable-admission-plugins', '    value: PodSecurity,DenyServiceExternalIPs')),
      kubeadm('v1beta4', 'apiServer:', '  extraArgs:', '  - name: enable-admission-plugins', '    value: NodeRestriction,DenyServiceExternalIPs', '  - name: disable-admission-plugins', '    value: PodSecurity'),
    );
    // The disable key was the only one: the new key takes its place.
    assert.equal(
      fixed(kubeadm('v1beta3', 'apiServer:', '  extraArgs:', '    disable-admission-plugins: DenyServiceExternalIPs  # why', '  timeoutForControlPlane: 4m0s')),
      kubeadm('v1beta3', 'apiServer:', '  extraArgs:', '    enable-admission-plugins: NodeRestriction,DenyServiceExternalIPs  # why', '  timeoutForControlPlane: 4m0s'),
    );
    assert.equal(
      fixed(kubeadm('v1beta4', 'apiServer:', '  extraArgs:', '  - name: disable-admission-plugins', '    value: DenyServiceExternalIPs', '  - name: disable-admission-plugins', '    value: DenyServiceExternalIPs')),
      kubeadm('v1beta4', 'apiServer:', '  extraArgs:', '  - name: enable-admission-plugins', '    value: NodeRestriction,DenyServiceExternalIPs'),
    );
    assert.equal(fixed(kubeadm('v1beta3', 'apiServer:', '  extraArgs: {}')), kubeadm('v1beta3', 'apiServer:', '  extraArgs: {enable-admission-plugins: "NodeRestriction,DenyServiceExternalIPs"}'));
  });

  it('offers no fix where it cannot edit exactly (a shared container), and is not part of fix-all', () => {
    const shared = yaml('apiVersion: v1', 'kind: Pod', 'spec:', '  containers:', '  - &api {name: api, command: [kube-apiserver, --etcd-servers=https://etcd:2379]}', '  - *api');
    assert.ok(findingsOf(shared).length > 0);
    for (const finding of findingsOf(shared)) assert.deepEqual(fixesForFinding(shared, OPTIONS, finding.key).filter((fix) => fix.kind === 'enable-deny-external-ips'), []);
    assert.equal(fixAll(pod(['kube-apiserver']), OPTIONS).fixedCount, 0);
  });

  it('the fix-property checker rejects a fix that drops another plugin or adds another', () => {
    const text = kubeadm('v1beta3', 'apiServer:', '  extraArgs:', '    enable-admission-plugins: NodeRestriction');
    const finding = judged(text)!.finding;
    const line = text.split('\n').findIndex((candidate) => candidate.includes('NodeRestriction'));
    const replaceValue = (value: string) => [{ range: { start: { line, character: 30 }, end: { line, character: 45 } }, newText: value }];
    assert.deepEqual(checkTextFix(text, OPTIONS, finding, 'enable-deny-external-ips', replaceValue('NodeRestriction,DenyServiceExternalIPs')), []);
    assert.ok(checkTextFix(text, OPTIONS, finding, 'enable-deny-external-ips', replaceValue('DenyServiceExternalIPs')).some((problem) => /enables DenyServiceExternalIPs, expected/.test(problem)));
    assert.ok(checkTextFix(text, OPTIONS, finding, 'enable-deny-external-ips', replaceValue('NodeRestriction,DenyServiceExternalIPs,PodSecurity')).some((problem) => /enables .*, expected/.test(problem)));
  });
});
