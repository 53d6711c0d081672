// Rules `external-ips` and `external-ip-invalid`: every Service spec.externalIPs entry must be an
// unambiguous, non-special address inside the allowlist (CVE-2020-8554: an externalIP lets the
// Service owner intercept traffic to that address from every pod and node).
import { isMap, isScalar, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { ADDRESS_PROBLEM_TEXT, cidrContains, checkExternalIP, hostCidr } from '../ipAddresses';
import { isObjectOf, ManifestObject } from '../manifests';
import { ExternalIpsIgnoredReason, externalIpsIgnoredReason, IGNORED_EXTERNAL_IPS_WARNING } from '../serviceSpec';
import { childMaps, isNonStringPlainScalar, isNullScalar, Located, mapValues, scalarString, sequenceItems } from '../yamlModel';
import { externalIpFixes } from './externalIpsFix';
import { RuleModule } from './ruleModule';
import { placeOf, RuleContext, RuleFinding } from './ruleTypes';

export function checkExternalIps(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOf(object, 'v1', ['Service'])) return [];
  const findings: RuleFinding[] = [];
  for (const spec of childMaps(context.document, object.map, 'spec')) {
    for (const value of mapValues(context.document, spec, 'externalIPs')) {
      if (!value.pair) continue;
      if (isNullScalar(value.node)) continue;
      if (!isSeq(value.node)) {
        findings.push({
          ruleId: 'external-ip-invalid',
          message: 'spec.externalIPs must be a list of IP addresses; the API server rejects this value.',
          ...placeOf(value),
          target: { kind: 'external-ip', listPair: value.pair, spec: spec.node },
        });
        continue;
      }
      const list = value as Located<YAMLSeq>;
      const ignored = externalIpsIgnoredReason(context.document, spec);
      for (const entry of sequenceItems(context.document, list)) {
        findings.push(...checkEntry(context, entry, list, value.pair, spec.node, ignored));
      }
    }
  }
  return findings;
}

function checkEntry(
  context: RuleContext,
  entry: Located,
  list: Located<YAMLSeq>,
  listPair: NonNullable<Located['pair']>,
  spec: YAMLMap,
  ignored: ExternalIpsIgnoredReason | undefined,
): RuleFinding[] {
  const base = placeOf(entry);
  const target = { kind: 'external-ip' as const, entry, list, listPair, spec };
  const text = scalarString(entry.node);
  if (text === undefined || (isScalar(entry.node) && isNonStringPlainScalar(entry.node)) || isMap(entry.node)) {
    return [
      {
        ...base,
        ruleId: 'external-ip-invalid',
        message: 'This externalIPs entry is not a string IP address; the API server rejects it.',
        target,
      },
    ];
  }
  const check = checkExternalIP(text);
  if (!check.ok) {
    return [
      {
        ...base,
        ruleId: 'external-ip-invalid',
        message: `externalIP "${printable(text)}" ${ADDRESS_PROBLEM_TEXT[check.problem]}.`,
        target,
      },
    ];
  }
  if (context.allowedCidrs.some((cidr) => cidrContains(cidr, check.address))) return [];
  const cidr = hostCidr(check.address);
  if (ignored) {
    return [
      {
        ...base,
        ruleId: 'external-ips',
        message:
          `externalIP ${text} is outside the allowed CIDRs but intercepts nothing: kube-proxy ignores the externalIPs of ` +
          `${ignored === 'headless' ? 'a headless Service' : 'an ExternalName Service'} (the API server warns "${IGNORED_EXTERNAL_IPS_WARNING[ignored]}"). ` +
          'Remove it: it does nothing here, and the same spec in a Service of another type would intercept that traffic.',
        severityCap: 'information',
        target: { ...target, allowCidr: cidr },
      },
    ];
  }
  const allowHint =
    context.allowedCidrs.length === 0
      ? 'No externalIP CIDRs are allowed'
      : `It is outside the allowed CIDRs (${context.allowedCidrs.map((c) => c.text).join(', ')})`;
  return [
    {
      ...base,
      ruleId: 'external-ips',
      message:
        `externalIP ${text} lets this Service intercept traffic to ${text} from every pod and node (CVE-2020-8554). ` +
        `${allowHint}; if this address is yours, add ${cidr} to allowedExternalIPCidrs in .kube-mitm-guard.yaml.`,
      target: { ...target, allowCidr: cidr },
    },
  ];
}

/** Shows control characters and odd whitespace so a message cannot hide what the entry holds. */
function printable(text: string): string {
  const escaped = JSON.stringify(text);
  const shown = escaped.slice(1, -1);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

export const externalIpsModule: RuleModule = {
  rules: [
    {
      id: 'external-ips',
      defaultSeverity: 'error',
      shortDescription: 'Service externalIP outside the allowed CIDRs',
      fullDescription:
        'A Service with spec.externalIPs receives traffic addressed to those IPs from every pod and node. Whoever can ' +
        'create such a Service can intercept traffic meant for other destinations (CVE-2020-8554). Only addresses in ' +
        'allowedExternalIPCidrs are accepted.',
      tags: ['CVE-2020-8554'],
    },
    {
      id: 'external-ip-invalid',
      defaultSeverity: 'error',
      shortDescription: 'Service externalIP that is invalid, special or ambiguous',
      fullDescription:
        'An externalIPs entry that the API server rejects, or that different parsers read differently (IPv4 with ' +
        'leading zeros, IPv4-mapped IPv6), special addresses (unspecified, loopback, link-local) and non-IP values. ' +
        'Such entries are never matched against the allowlist.',
      tags: ['CVE-2020-8554'],
    },
  ],
  // The key `externalIPs` in one decoded scalar.
  triggers: [['externalIPs']],
  check: checkExternalIps,
  fixes: externalIpFixes,
};
