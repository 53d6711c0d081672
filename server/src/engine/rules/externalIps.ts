// Rules `external-ips` and `external-ip-invalid`: every Service spec.externalIPs entry must be an
// unambiguous, non-special address inside the allowlist (CVE-2020-8554: an externalIP lets the
// Service owner intercept traffic to that address from every pod and node).
import { isMap, isScalar, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { ADDRESS_PROBLEM_TEXT, cidrContains, checkExternalIP, hostCidr, ParsedCidr } from '../ipAddresses';
import { isObjectOf, ManifestObject } from '../manifests';
import { ExternalIpsIgnoredReason, externalIpsIgnoredReason, IGNORED_EXTERNAL_IPS_WARNING } from '../serviceSpec';
import { childMaps, isNonStringPlainScalar, isNullScalar, Located, mapValues, scalarString, sequenceItems } from '../yamlModel';
import { externalIpFixes } from './externalIpsFix';
import { RuleModule } from './ruleModule';
import { PatchOperation, placeOf, RuleContext, RuleFinding } from './ruleTypes';

export function checkExternalIps(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOf(object, 'v1', ['Service'])) return [];
  const findings: RuleFinding[] = [];
  // One at a time: spreading a very long array into push() overflows the stack.
  for (const spec of childMaps(context.document, object.map, 'spec')) for (const finding of checkExternalIpsInSpec(context, spec)) findings.push(finding);
  return findings;
}

/** The findings of a Service spec's `externalIPs` (a spec map, or the value a patch writes at `/spec`). */
export function checkExternalIpsInSpec(context: RuleContext, spec: Located<YAMLMap>): RuleFinding[] {
  const findings: RuleFinding[] = [];
  const ignored = externalIpsIgnoredReason(context.document, spec);
  for (const value of mapValues(context.document, spec, 'externalIPs')) {
    if (value.pair) for (const finding of checkExternalIpsValue(context, value, spec.node, undefined, ignored)) findings.push(finding);
  }
  return findings;
}

/**
 * The findings of a value written as spec.externalIPs: `value.pair` holds it in `container` (the spec, or a
 * JSON patch operation whose `value` it is, then `patchOp` is that operation).
 */
export function checkExternalIpsValue(
  context: RuleContext,
  value: Located,
  container: YAMLMap,
  patchOp?: PatchOperation,
  ignored?: ExternalIpsIgnoredReason,
): RuleFinding[] {
  if (!value.pair || isNullScalar(value.node)) return [];
  if (!isSeq(value.node)) {
    return [
      {
        ruleId: 'external-ip-invalid',
        message: 'spec.externalIPs must be a list of IP addresses; the API server rejects this value.',
        ...placeOf(value),
        target: { kind: 'external-ip', listPair: value.pair, spec: container, ...(patchOp ? { patchOp } : {}) },
      },
    ];
  }
  const list = value as Located<YAMLSeq>;
  return sequenceItems(context.document, list).flatMap((entry) => checkExternalIpEntry(context, entry, value.pair!, container, list, patchOp, ignored));
}

/**
 * The findings of one externalIPs entry; `list` absent for an entry a JSON patch operation writes alone
 * (`/spec/externalIPs/-`). `ignored`: the Service is headless or ExternalName, so kube-proxy ignores its
 * externalIPs and an address outside the allowlist intercepts nothing (information at most).
 */
export function checkExternalIpEntry(
  context: RuleContext,
  entry: Located,
  listPair: NonNullable<Located['pair']>,
  spec: YAMLMap,
  list?: Located<YAMLSeq>,
  patchOp?: PatchOperation,
  ignored?: ExternalIpsIgnoredReason,
): RuleFinding[] {
  const target = { kind: 'external-ip' as const, entry, listPair, spec, ...(list ? { list } : {}), ...(patchOp ? { patchOp } : {}) };
  const text = isMap(entry.node) ? undefined : scalarString(entry.node);
  const verdict = judgeExternalIp(text, isScalar(entry.node) && isNonStringPlainScalar(entry.node), context.allowedCidrs, 'this Service');
  if (verdict === undefined) return [];
  const withCidr = verdict.allowCidr ? { ...target, allowCidr: verdict.allowCidr } : target;
  if (ignored && verdict.ruleId === 'external-ips') {
    return [
      {
        ...placeOf(entry),
        ruleId: 'external-ips',
        message:
          `externalIP ${text} is outside the allowed CIDRs but intercepts nothing: kube-proxy ignores the externalIPs of ` +
          `${ignored === 'headless' ? 'a headless Service' : 'an ExternalName Service'} (the API server warns "${IGNORED_EXTERNAL_IPS_WARNING[ignored]}"). ` +
          'Remove it: it does nothing here, and the same spec in a Service of another type would intercept that traffic.',
        severityCap: 'information',
        target: withCidr,
      },
    ];
  }
  return [{ ...placeOf(entry), ruleId: verdict.ruleId, message: verdict.message, target: withCidr }];
}

/** What the rules say of one externalIPs entry. */
export interface ExternalIpVerdict {
  ruleId: 'external-ips' | 'external-ip-invalid';
  message: string;
  /** Why, said after the address (`is not a valid IP address`), for messages that show the address their own way. */
  reason: string;
  /** The /32 or /128 to allow (external-ips). */
  allowCidr?: string;
}

/**
 * Judges one externalIPs entry: `text` is its decoded string (undefined for a map, a list or null),
 * `nonString` a plain scalar that decodes to no string. `subject` names who would intercept (messages).
 * Undefined when the entry is a valid address inside the allowlist. Shared by the manifest rules, Helm values
 * and the audit-log reader (engine/audit/), so every place that writes an address gets the same verdict.
 */
export function judgeExternalIp(text: string | undefined, nonString: boolean, allowedCidrs: readonly ParsedCidr[], subject: string): ExternalIpVerdict | undefined {
  if (text === undefined || nonString) {
    return { ruleId: 'external-ip-invalid', message: 'This externalIPs entry is not a string IP address; the API server rejects it.', reason: 'is not a string IP address' };
  }
  const check = checkExternalIP(text);
  if (!check.ok) {
    const reason = ADDRESS_PROBLEM_TEXT[check.problem];
    return { ruleId: 'external-ip-invalid', message: `externalIP "${printable(text)}" ${reason}.`, reason };
  }
  if (allowedCidrs.some((cidr) => cidrContains(cidr, check.address))) return undefined;
  const cidr = hostCidr(check.address);
  const allowHint =
    allowedCidrs.length === 0 ? 'No externalIP CIDRs are allowed' : `It is outside the allowed CIDRs (${allowedCidrs.map((c) => c.text).join(', ')})`;
  return {
    ruleId: 'external-ips',
    message:
      `externalIP ${text} lets ${subject} intercept traffic to ${text} from every pod and node (CVE-2020-8554). ` +
      `${allowHint}; if this address is yours, add ${cidr} to allowedExternalIPCidrs in .kube-mitm-guard.yaml.`,
    reason: allowedCidrs.length === 0 ? 'is not allowed: no externalIP CIDRs are allowed' : `is outside the allowed CIDRs (${allowedCidrs.map((c) => c.text).join(', ')})`,
    allowCidr: cidr,
  };
}

/** Shows control characters and odd whitespace so a message cannot hide what the entry holds. */
export function printable(text: string): string {
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
  // The key `externalIPs` in one decoded scalar; a Flux HelmRelease's or an Argo CD Application's inline
  // values, which the link traces through a local chart (helm/releases.ts), with the apiVersion that
  // releases.ts requires (its group alone, `argoproj.io`, also let Argo CD's CRDs through: 13 MB of the corpus).
  // A kustomization's references to patch files (patches/patchFiles.ts), which the link judges with its
  // targets: with the apiVersion (`patches` and `path` alone also let Argo CD's Application CRD through).
  triggers: [
    ['externalIPs'],
    ['HelmRelease', 'helm.toolkit.fluxcd.io/', 'values'],
    ['Application', 'argoproj.io/v1alpha1', 'values'],
    ['patches', 'path', 'kustomize.config.k8s.io'],
    ['patchesStrategicMerge'],
    ['patchesJson6902'],
  ],
  check: checkExternalIps,
  fixes: externalIpFixes,
};
