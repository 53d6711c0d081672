// A generated cluster export, as `kubectl get clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml`
// prints it: one `kind: List` whose items carry what live objects carry (uid, resourceVersion,
// creationTimestamp, managedFields), keys sorted as kubectl sorts them. A few roles grant patch on
// services/status and some bindings hand them to people, workloads or the control plane.
// Usage (as a module): writeClusterExport(file, objectCount) → bytes written; measureClusterExport (below).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const PEAK_RSS_PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peakRss.cjs');

const NAMESPACES = ['default', 'kube-system', 'monitoring', 'payments', 'web', 'ingress-nginx', 'cert-manager', 'batch'];

function uid(index) {
  const hex = (index * 2654435761 >>> 0).toString(16).padStart(8, '0');
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(4, 7)}-${hex}${hex.slice(0, 4)}`;
}

function metadata(index, name, namespace, manager) {
  return [
    '  metadata:',
    '    annotations:',
    '      rbac.authorization.kubernetes.io/autoupdate: "true"',
    '    creationTimestamp: "2025-03-14T09:26:53Z"',
    '    labels:',
    '      app.kubernetes.io/managed-by: Helm',
    `      app.kubernetes.io/part-of: team-${index % 97}`,
    '    managedFields:',
    '    - apiVersion: rbac.authorization.k8s.io/v1',
    '      fieldsType: FieldsV1',
    '      fieldsV1:',
    '        f:metadata:',
    '          f:annotations:',
    '            .: {}',
    '            f:rbac.authorization.kubernetes.io/autoupdate: {}',
    '          f:labels:',
    '            .: {}',
    '            f:app.kubernetes.io/managed-by: {}',
    `      manager: ${manager}`,
    '      operation: Update',
    '      time: "2025-03-14T09:26:53Z"',
    `    name: ${name}`,
    ...(namespace === undefined ? [] : [`    namespace: ${namespace}`]),
    `    resourceVersion: "${1000 + index}"`,
    `    uid: ${uid(index)}`,
  ];
}

function role(index) {
  const cluster = index % 3 !== 0;
  const namespace = cluster ? undefined : NAMESPACES[index % NAMESPACES.length];
  const grantsStatus = index % 50 === 0;
  const rules = [
    '  rules:',
    '  - apiGroups:',
    '    - ""',
    '    resources:',
    '    - configmaps',
    '    - secrets',
    '    verbs:',
    '    - get',
    '    - list',
    '    - watch',
    '  - apiGroups:',
    '    - apps',
    '    resources:',
    '    - deployments',
    '    verbs:',
    "    - '*'",
  ];
  if (grantsStatus) rules.push('  - apiGroups:', '    - ""', '    resources:', '    - services/status', '    verbs:', '    - patch', '    - update');
  return ['- apiVersion: rbac.authorization.k8s.io/v1', `  kind: ${cluster ? 'ClusterRole' : 'Role'}`, ...metadata(index, `role-${index}`, namespace, 'helm'), ...rules];
}

function binding(index) {
  // Binds the role written just before it (index - 1), of the same scope.
  const roleIndex = index - 1;
  const cluster = roleIndex % 3 !== 0;
  const namespace = cluster ? undefined : NAMESPACES[roleIndex % NAMESPACES.length];
  const subjectKind = index % 4;
  const subject =
    subjectKind === 0
      ? ['  - apiGroup: rbac.authorization.k8s.io', '    kind: User', `    name: user-${index}@example.com`]
      : subjectKind === 1
        ? ['  - apiGroup: rbac.authorization.k8s.io', '    kind: Group', `    name: team-${index % 97}`]
        : ['  - kind: ServiceAccount', `    name: sa-${index}`, `    namespace: ${NAMESPACES[index % NAMESPACES.length]}`];
  return [
    '- apiVersion: rbac.authorization.k8s.io/v1',
    `  kind: ${cluster ? 'ClusterRoleBinding' : 'RoleBinding'}`,
    ...metadata(index, `binding-${index}`, namespace, 'kubectl-client-side-apply'),
    '  roleRef:',
    '    apiGroup: rbac.authorization.k8s.io',
    `    kind: ${cluster ? 'ClusterRole' : 'Role'}`,
    `    name: role-${roleIndex}`,
    '  subjects:',
    ...subject,
  ];
}

/** Writes `objectCount` roles and bindings (alternating) as one `kind: List`; returns the bytes written. */
export function writeClusterExport(file, objectCount) {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  const write = (lines) => {
    const text = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(text);
    fs.writeSync(fd, text);
  };
  try {
    write(['apiVersion: v1', 'items:']);
    for (let index = 0; index < objectCount; index++) write(index % 2 === 0 ? role(index) : binding(index));
    write(['kind: List', 'metadata:', '  resourceVersion: ""']);
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

/**
 * The "cluster export" case: a generated export of `objectCount` roles and bindings checked through the CLI's
 * standard input (`node dist/cli.js check - --format json`), `runs` times, each next to the `yaml` parse floor
 * of the same file (`runParseFloor(folder)`: yaml.parseAllDocuments in a process that does nothing else).
 * Returns each run's wall time and peak RSS (VmHWM) of both.
 */
export async function measureClusterExport({ cli, objectCount, runs, runParseFloor, tmpdir }) {
  const folder = fs.mkdtempSync(path.join(tmpdir, 'kmg-bench-export-'));
  try {
    const file = path.join(folder, 'export.yaml');
    const bytes = writeClusterExport(file, objectCount);
    const samples = [];
    for (let run = 0; run < runs; run++) {
      const floor = await runParseFloor(folder);
      const check = await checkOnStdin(cli, file);
      samples.push({ floorMs: floor.floorMs, floorPeakRssMB: floor.peakRssMB, checkMs: check.wallMs, checkPeakRssMB: check.peakRssMB, findings: check.findings, exitCode: check.exitCode });
    }
    return { objects: objectCount, bytes, samples };
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** Runs the CLI with the file as its standard input; its peak RSS comes from a preload that reports it at exit. */
function checkOnStdin(cli, file) {
  return new Promise((resolve, reject) => {
    const input = fs.openSync(file, 'r');
    const started = performance.now();
    const child = spawn(process.execPath, ['--require', PEAK_RSS_PRELOAD, cli, 'check', '-', '--format', 'json'], { stdio: [input, 'pipe', 'pipe'] });
    fs.closeSync(input);
    const stdout = [];
    let stderr = '';
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const wallMs = performance.now() - started;
      const peak = /KMG_PEAK_RSS_KB=(\d+)/.exec(stderr);
      if (exitCode === 2 || peak === null) {
        reject(new Error(`check - failed (exit ${exitCode}): ${stderr}`));
        return;
      }
      const report = JSON.parse(Buffer.concat(stdout).toString('utf8'));
      resolve({ wallMs, peakRssMB: Number(peak[1]) / 1024, findings: report.findings.length, exitCode });
    });
  });
}
