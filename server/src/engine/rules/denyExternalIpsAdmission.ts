// Rule `deny-external-ips-admission`: the API server's own mitigation of CVE-2020-8554, the
// DenyServiceExternalIPs admission plugin (Kubernetes 1.21+, off by default), read from the kube-apiserver
// configuration kept in git (apiServerConfig.ts).
import { Document, Scalar } from 'yaml';
import { AdmissionFlags, DISABLE_ADMISSION_PLUGINS, ENABLE_ADMISSION_PLUGINS } from '../apiServerFlags';
import { ManifestObject } from '../manifests';
import { mapValues, nodeSpan } from '../yamlModel';
import { ApiServerConfig, apiServerConfigs, DENY_SERVICE_EXTERNAL_IPS } from './apiServerConfig';
import { denyExternalIpsAdmissionFixes } from './denyExternalIpsAdmissionFix';
import { RuleModule } from './ruleModule';
import { RuleContext, RuleFinding } from './ruleTypes';
import { Severity } from '../types';

const TRADE_OFF =
  'The plugin rejects every new spec.externalIPs entry on create and any added value on update, allowlisted or not; a ' +
  'cluster that allows some addresses instead needs the externalip-webhook or an admission policy (`kube-mitm-guard policy`).';

const RISK = 'without it, whoever can create or update a Service can set spec.externalIPs and intercept traffic to those addresses (CVE-2020-8554).';

/** Where the plugin stands in these flags, or undefined when it is enabled (or a malformed value keeps kube-apiserver from starting). */
function verdict(flags: AdmissionFlags): { severity: Severity; message: string } | undefined {
  if (flags.uses.some((use) => use.malformed)) return undefined;
  const enabled = flags.enabled.includes(DENY_SERVICE_EXTERNAL_IPS);
  const disabled = flags.disabled.includes(DENY_SERVICE_EXTERNAL_IPS);
  if (enabled && disabled) {
    return {
      severity: 'error',
      message:
        `${DENY_SERVICE_EXTERNAL_IPS} is in both --${ENABLE_ADMISSION_PLUGINS} and --${DISABLE_ADMISSION_PLUGINS}: kube-apiserver refuses ` +
        `to start (the lists overlap). Keep it in the enable list only. ${TRADE_OFF}`,
    };
  }
  if (enabled) return undefined;
  if (disabled) {
    return {
      severity: 'warning',
      message: `kube-apiserver explicitly disables the ${DENY_SERVICE_EXTERNAL_IPS} admission plugin: ${RISK} ${TRADE_OFF}`,
    };
  }
  return {
    severity: 'information',
    message: `kube-apiserver does not enable the ${DENY_SERVICE_EXTERNAL_IPS} admission plugin (off by default, Kubernetes 1.21+): ${RISK} ${TRADE_OFF}`,
  };
}

/** The node to report on: the value naming the plugin in the disable list, else the enable list's last value, else the program or the section. */
function place(document: Document, object: ManifestObject, config: ApiServerConfig): { start: number; end: number } {
  const { source, flags } = config;
  const disabling = flags.uses.filter((use) => use.flag === DISABLE_ADMISSION_PLUGINS && use.plugins.includes(DENY_SERVICE_EXTERNAL_IPS));
  const enabling = flags.uses.filter((use) => use.flag === ENABLE_ADMISSION_PLUGINS);
  const use = disabling[0] ?? enabling[enabling.length - 1];
  if (source.kind === 'container') {
    const argument = use?.valueIndex !== undefined ? source.flags[use.valueIndex] : source.program;
    return nodeSpan(argument.scalar);
  }
  // kubeadm: the uses are the entries' (its default is no use).
  const entry = use ? source.entries[use.nameIndex] : undefined;
  if (entry) return nodeSpan(entry.scalar);
  const section = source.extraArgs?.pair ?? source.apiServer?.pair;
  if (section) return nodeSpan(section.key as Scalar);
  const [kind] = mapValues(document, object.map, 'kind');
  return nodeSpan(kind?.node ?? object.map.node);
}

export function checkDenyExternalIpsAdmission(context: RuleContext, object: ManifestObject): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const config of apiServerConfigs(context.document, object)) {
    const judged = verdict(config.flags);
    if (!judged) continue;
    findings.push({
      ruleId: 'deny-external-ips-admission',
      message: judged.message,
      defaultSeverity: judged.severity,
      ...place(context.document, object, config),
      target: { kind: 'api-server-admission', object: object.map, config },
    });
  }
  return findings;
}

export const denyExternalIpsAdmissionModule: RuleModule = {
  rules: [
    {
      id: 'deny-external-ips-admission',
      defaultSeverity: 'information',
      shortDescription: 'kube-apiserver does not enable the DenyServiceExternalIPs admission plugin',
      fullDescription:
        'The DenyServiceExternalIPs admission plugin (Kubernetes 1.21+, off by default) is the API server\'s own mitigation of ' +
        'CVE-2020-8554. Read from a static kube-apiserver Pod manifest or a kubeadm ClusterConfiguration: information when the ' +
        'plugin is not enabled, warning when it is disabled, error when it is in both lists (kube-apiserver refuses to start). ' +
        'It blocks every new externalIP; clusters that allow some need a webhook or an admission policy instead.',
      tags: ['admission'],
    },
  ],
  // A container running kube-apiserver with its required --etcd-servers (apiServerConfig.ts); a kubeadm ClusterConfiguration.
  triggers: [
    ['kube-apiserver', 'containers', 'etcd-servers'],
    ['ClusterConfiguration', 'kubeadm.k8s.io'],
  ],
  check: checkDenyExternalIpsAdmission,
  fixes: denyExternalIpsAdmissionFixes,
};
