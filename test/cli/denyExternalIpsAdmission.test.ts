// `check` and deny-external-ips-admission: the severity follows what the configuration says (information
// when the plugin is not enabled, error when it is in both lists), JSON carries the fix, and --fix leaves it alone.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JsonReport, runCli, TempDir } from './cliHarness';

const KUBEADM = ['apiVersion: kubeadm.k8s.io/v1beta3', 'kind: ClusterConfiguration', 'kubernetesVersion: v1.31.0', ''].join('\n');
const KUBEADM_V1BETA4 = [
  'apiVersion: kubeadm.k8s.io/v1beta4',
  'kind: ClusterConfiguration',
  'apiServer:',
  '  extraArgs:',
  '  - name: enable-admission-plugins',
  '    value: NodeRestriction,DenyServiceExternalIPs',
  '  - name: disable-admission-plugins',
  '    value: DenyServiceExternalIPs',
  '',
].join('\n');

describe('check: deny-external-ips-admission', () => {
  let workspace: TempDir;
  before(() => {
    workspace = new TempDir({ 'kubeadm.yaml': KUBEADM, 'kubeadm-v1beta4.yaml': KUBEADM_V1BETA4 });
  });
  after(() => workspace.dispose());

  it('reports each configuration with the severity it earns, and fails the run on the error', () => {
    const result = runCli(['check'], { cwd: workspace.root });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^kubeadm\.yaml:2:7 information deny-external-ips-admission kube-apiserver does not enable the DenyServiceExternalIPs admission plugin/m);
    assert.match(result.stdout, /^kubeadm-v1beta4\.yaml:8:12 error deny-external-ips-admission DenyServiceExternalIPs is in both --enable-admission-plugins and --disable-admission-plugins: kube-apiserver refuses to start/m);
  });

  it('lists the enabling fix in JSON (not fix-all), and --fix does not apply it', () => {
    const json = JSON.parse(runCli(['check', '--format', 'json', 'kubeadm.yaml'], { cwd: workspace.root }).stdout) as JsonReport;
    assert.deepEqual(
      json.findings.map((finding) => [finding.rule, finding.severity, finding.fixes.map((fix) => `${fix.kind}:${fix.fixAll}`).join()]),
      [['deny-external-ips-admission', 'information', 'enable-deny-external-ips:false,suppress-line:false']],
    );
    runCli(['check', '--fix', 'kubeadm.yaml'], { cwd: workspace.root });
    assert.equal(fs.readFileSync(path.join(workspace.root, 'kubeadm.yaml'), 'utf8'), KUBEADM);
  });
});
