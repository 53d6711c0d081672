// Gatekeeper constraints of kind K8sExternalIPs (constraints.gatekeeper.sh, the library's
// general/externalip template). `mitigation-not-enforced`: an enforcementAction that does not deny at
// admission (`dryrun`, `warn`, or `scoped` without a `deny` for the validation webhook), and allowedIPs
// entries the template can never match as meant: it compares each externalIP with the entries as exact
// strings (gatekeeper-library#39), so a CIDR or a non-canonical spelling allows only that literal text.
// `mitigation-allowlist`: an allowedIPs address the project's allowedExternalIPCidrs does not allow.
import { Document, isMap, YAMLMap } from 'yaml';
import { AddressProblem, checkExternalIP, hostCidr, parseAllowedCidr } from '../ipAddresses';
import { ManifestObject } from '../manifests';
import { allowedByProject, isObjectOfGroup } from '../mitigationObjects';
import { childMaps, listItems, Located, mapValues, scalarString, scalarValues } from '../yamlModel';
import { describeObject, reportOnly, settingFinding, shown } from './mitigationFindings';
import { RuleContext, RuleFinding } from './ruleTypes';

const DENY = 'deny';
// The validating webhook's enforcement point, and the wildcard that includes it.
const ADMISSION_POINTS = new Set(['validation.gatekeeper.sh', '*']);

/** What an allowedIPs entry that is not a plain address allows: only itself, as a string. */
const LITERAL_ONLY: Partial<Record<AddressProblem, string>> = {
  'cidr-notation': 'is a CIDR',
  'leading-zeros': 'is IPv4 with leading zeros',
  'ipv4-mapped': 'is an IPv4-mapped IPv6 address',
  'not-an-ip': 'is not an IP address',
  whitespace: 'has surrounding whitespace',
  'zone-id': 'carries an IPv6 zone id',
};

export function checkGatekeeperConstraint(context: RuleContext, object: ManifestObject): RuleFinding[] {
  if (!isObjectOfGroup(object, 'constraints.gatekeeper.sh', ['K8sExternalIPs'])) return [];
  const { document } = context;
  const constraint = describeObject(document, object, 'K8sExternalIPs');
  const findings: RuleFinding[] = [];
  for (const spec of childMaps(document, object.map, 'spec')) {
    for (const action of mapValues(document, spec, 'enforcementAction')) {
      const value = scalarString(action.node)?.toLowerCase();
      if (value === 'dryrun' || value === 'warn') {
        findings.push(
          settingFinding(
            spec,
            action,
            DENY,
            `${constraint} has enforcementAction ${shown(action.node)}: Gatekeeper ${value === 'warn' ? 'warns about' : 'only records'} Services with externalIPs outside allowedIPs and admits them (CVE-2020-8554). Set it to deny.`,
          ),
        );
      } else if (value === 'scoped' && !deniesAtAdmission(document, spec)) {
        findings.push(
          reportOnly(
            'mitigation-not-enforced',
            action,
            `${constraint} has enforcementAction scoped, but no scopedEnforcementActions entry denies at the validation webhook (validation.gatekeeper.sh or *): Services with any externalIP are admitted (CVE-2020-8554).`,
          ),
        );
      }
    }
    for (const parameters of childMaps(document, spec, 'parameters')) {
      for (const entry of listItems(document, parameters, 'allowedIPs')) findings.push(...checkAllowedIp(context, entry, constraint));
    }
  }
  return findings;
}

function checkAllowedIp(context: RuleContext, entry: Located, constraint: string): RuleFinding[] {
  const text = scalarString(entry.node);
  if (text === undefined) return [];
  const check = checkExternalIP(text);
  if (!check.ok) {
    const reason = LITERAL_ONLY[check.problem];
    if (!reason) return [];
    const meant = check.problem === 'cidr-notation' ? 'no address of that range (list the addresses; kube-mitm-guard policy --format gatekeeper expands CIDRs)' : 'no address';
    return [
      reportOnly(
        'mitigation-not-enforced',
        entry,
        `allowedIPs entry ${shown(entry.node)} ${reason}: K8sExternalIPs compares externalIPs with its entries as exact strings (gatekeeper-library#39), so it allows ${meant}, only this literal text.`,
      ),
    ];
  }
  const cidr = parseAllowedCidr(hostCidr(check.address));
  if ('error' in cidr || allowedByProject(cidr, context.allowedCidrs)) return [];
  return [
    reportOnly(
      'mitigation-allowlist',
      entry,
      `${constraint} allows externalIP ${text}, which allowedExternalIPCidrs in .kube-mitm-guard.yaml does not: the cluster admits what the linter reports. ` +
        'Remove the entry, or allow the address in the config file and regenerate the constraint (kube-mitm-guard policy --format gatekeeper).',
    ),
  ];
}

/** Whether a `scoped` constraint has an entry with action deny for the validation webhook. */
function deniesAtAdmission(document: Document, spec: Located<YAMLMap>): boolean {
  return listItems(document, spec, 'scopedEnforcementActions').some((entry) => {
    if (!isMap(entry.node)) return false;
    const scoped = entry as Located<YAMLMap>;
    const denies = mapValues(document, scoped, 'action').some((action) => scalarString(action.node)?.toLowerCase() === DENY);
    const points = listItems(document, scoped, 'enforcementPoints').flatMap((point) => (isMap(point.node) ? scalarValues(document, point as Located<YAMLMap>, 'name') : []));
    return denies && points.some((point) => ADMISSION_POINTS.has(point.toLowerCase()));
  });
}
