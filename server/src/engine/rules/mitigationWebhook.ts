// Validating webhooks that check Services (the externalip-webhook, or any webhook whose rules name
// `services` in the core group), and the externalip-webhook's own flags.
// `mitigation-not-enforced`: a webhook that fails open (failurePolicy Ignore, the v1beta1 default) or
// whose rules leave out CREATE or UPDATE (a Service created, or updated, with any externalIP is never
// sent to it); `--allowed-usernames`/`--allowed-groups` of the externalip-webhook, which exempt those
// users from its allowlist (information). `mitigation-allowlist`: an `--allowed-external-ip-cidrs` range
// that the project's allowedExternalIPCidrs does not cover.
import { Document, isMap, isScalar, YAMLMap } from 'yaml';
import { parseAllowedCidr } from '../ipAddresses';
import { isObjectOf, ManifestObject } from '../manifests';
import { allowedByProject, isAdmissionObject, isObjectOfGroup, substringSpan } from '../mitigationObjects';
import { childMaps, listItems, Located, mapValues, scalarString, scalarValues, stringListValues } from '../yamlModel';
import { describeObject, keyPlace, reportOnly, settingFinding } from './mitigationFindings';
import { RuleContext, RuleFinding } from './ruleTypes';

const REQUIRED_OPERATIONS = ['CREATE', 'UPDATE'];
const CIDRS_FLAG = 'allowed-external-ip-cidrs';
const EXEMPTING_FLAGS = ['allowed-usernames', 'allowed-groups'];
const WEBHOOK_IMAGE = 'externalip-webhook';
const MAX_NAMED = 10;
const FLAG_PATTERN = /^--?(allowed-external-ip-cidrs|allowed-usernames|allowed-groups)(?:=(.*))?$/s;

export function checkWebhookConfiguration(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isAdmissionObject(object, ['ValidatingWebhookConfiguration'])) return [];
  const { document } = context;
  const configuration = describeObject(document, object, 'ValidatingWebhookConfiguration');
  // admissionregistration.k8s.io/v1beta1 defaulted failurePolicy to Ignore; v1 defaults it to Fail.
  const defaultsToIgnore = object.apiVersions.includes('admissionregistration.k8s.io/v1beta1') && !object.apiVersions.includes('admissionregistration.k8s.io/v1');
  const findings: RuleFinding[] = [];
  for (const item of listItems(document, object.map, 'webhooks')) {
    if (!isMap(item.node)) continue;
    const webhook = item as Located<YAMLMap>;
    const serviceRules = listItems(document, webhook, 'rules').filter((rule): rule is Located<YAMLMap> => isMap(rule.node) && targetsServices(document, rule as Located<YAMLMap>));
    if (serviceRules.length === 0) continue;
    const name = `${configuration}, webhook ${scalarValues(document, webhook, 'name')[0] ?? '(unnamed)'}`;
    const failurePolicies = mapValues(document, webhook, 'failurePolicy');
    for (const policy of failurePolicies) {
      if (scalarString(policy.node) !== 'Ignore') continue;
      findings.push(settingFinding(webhook, policy, 'Fail', `${name} checks Services, but failurePolicy Ignore ${FAILS_OPEN}. Set failurePolicy: Fail.`));
    }
    if (failurePolicies.length === 0 && defaultsToIgnore) {
      findings.push(reportOnly('mitigation-not-enforced', keyPlace(mapValues(document, webhook, 'name')[0] ?? webhook), `${name} checks Services, but sets no failurePolicy, and v1beta1's default is Ignore, which ${FAILS_OPEN}. Set failurePolicy: Fail.`));
    }
    const operations = new Set(serviceRules.flatMap((rule) => stringListValues(document, rule, 'operations')));
    const missing = operations.has('*') ? [] : REQUIRED_OPERATIONS.filter((operation) => !operations.has(operation));
    if (missing.length > 0) {
      const at = mapValues(document, serviceRules[0], 'operations')[0] ?? serviceRules[0];
      findings.push(
        reportOnly(
          'mitigation-not-enforced',
          keyPlace(at),
          `${name} checks Services, but not on ${missing.join(' or ')}: a Service ${missing.length === 2 ? 'created or updated' : missing[0] === 'CREATE' ? 'created' : 'updated'} with any externalIP is never sent to it (CVE-2020-8554). Add ${missing.join(' and ')} to its operations.`,
        ),
      );
    }
  }
  return findings;
}

const FAILS_OPEN = 'admits every Service while the webhook is down, slow or unreachable (a crash, an expired certificate, a timeout): the externalIP allowlist then fails open (CVE-2020-8554)';

/** A webhook rule that sends core-group Services to the webhook. */
function targetsServices(document: Document, rule: Located<YAMLMap>): boolean {
  const groups = stringListValues(document, rule, 'apiGroups');
  const resources = stringListValues(document, rule, 'resources');
  return (groups.includes('') || groups.includes('*')) && resources.includes('services');
}

/** The externalip-webhook's containers in a Pod or a workload's Pod template: their allowlist and exemption flags. */
export function checkExternalIpWebhookFlags(context: RuleContext, object: ManifestObject): RuleFinding[] {
  const { document } = context;
  const isPod = isObjectOf(object, 'v1', ['Pod']);
  if (!isPod && !isObjectOfGroup(object, 'apps', ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet'])) return [];
  const podSpecs = isPod
    ? childMaps(document, object.map, 'spec')
    : childMaps(document, object.map, 'spec').flatMap((spec) => childMaps(document, spec, 'template').flatMap((template) => childMaps(document, template, 'spec')));
  const findings: RuleFinding[] = [];
  for (const podSpec of podSpecs) {
    for (const item of listItems(document, podSpec, 'containers')) {
      if (!isMap(item.node)) continue;
      const container = item as Located<YAMLMap>;
      const words = [...listItems(document, container, 'command'), ...listItems(document, container, 'args')];
      const flags = flagsOf(words);
      const isWebhook = scalarValues(document, container, 'image').some((image) => image.includes(WEBHOOK_IMAGE)) || flags.some((flag) => flag.name === CIDRS_FLAG);
      if (!isWebhook) continue;
      for (const flag of flags) findings.push(...checkFlag(context, flag));
    }
  }
  return findings;
}

/** One occurrence of a flag: its value as written in `value` (`--flag=value`, or the next word). */
interface Flag {
  name: string;
  at: Located;
  value?: { node: Located; text: string; offset: number };
}

function flagsOf(words: readonly Located[]): Flag[] {
  const flags: Flag[] = [];
  for (let index = 0; index < words.length; index++) {
    const text = isScalar(words[index].node) ? scalarString(words[index].node) : undefined;
    const match = text === undefined ? null : FLAG_PATTERN.exec(text);
    if (!match || text === undefined) continue;
    const [, name, inline] = match;
    if (inline !== undefined) {
      flags.push({ name, at: words[index], value: { node: words[index], text: inline, offset: text.length - inline.length } });
      continue;
    }
    const next = words[index + 1];
    const nextText = next && isScalar(next.node) ? scalarString(next.node) : undefined;
    if (next && nextText !== undefined && !nextText.startsWith('-')) {
      flags.push({ name, at: words[index], value: { node: next, text: nextText, offset: 0 } });
      index++;
    } else {
      flags.push({ name, at: words[index] });
    }
  }
  return flags;
}

function checkFlag(context: RuleContext, flag: Flag): RuleFinding[] {
  const value = flag.value;
  if (!value || value.text.trim() === '') return [];
  // pflag's string slices split on commas.
  const entries: { text: string; offset: number }[] = [];
  let offset = value.offset;
  for (const part of value.text.split(',')) {
    entries.push({ text: part, offset });
    offset += part.length + 1;
  }
  if (EXEMPTING_FLAGS.includes(flag.name)) {
    const named = entries.map((entry) => entry.text.trim()).filter((text) => text !== '');
    const who = named.length > MAX_NAMED ? [...named.slice(0, MAX_NAMED), `${named.length - MAX_NAMED} more`] : named;
    const kind = flag.name === 'allowed-usernames' ? 'users' : 'groups';
    return [
      reportOnly(
        'mitigation-not-enforced',
        flag.at,
        `--${flag.name} exempts the ${kind} ${who.join(', ')} from the externalip-webhook's allowlist: whoever acts as them (a ServiceAccount token, impersonation) ` +
          'can give a Service any externalIP and intercept its traffic (CVE-2020-8554).',
        'information',
      ),
    ];
  }
  const findings: RuleFinding[] = [];
  for (const entry of entries) {
    const cidr = parseAllowedCidr(entry.text);
    if ('error' in cidr || allowedByProject(cidr, context.allowedCidrs)) continue;
    const { node } = value;
    // An entry reached through an alias is reported at the anchored scalar and at the alias (analyze.ts).
    const place = node.via ? node : substringSpan(context.text, node.node, entry.offset, entry.offset + entry.text.length);
    findings.push(
      reportOnly(
        'mitigation-allowlist',
        place,
        `The externalip-webhook allows externalIPs in ${entry.text}, which allowedExternalIPCidrs in .kube-mitm-guard.yaml does not cover: the cluster admits what the linter reports. ` +
          "Narrow --allowed-external-ip-cidrs, or widen the config file's allowlist if these addresses are yours.",
      ),
    );
  }
  return findings;
}
