// JSON 6902 patches (a list of `op`/`path` operations, as YAML or JSON): the operations that write a
// Service's spec.externalIPs or status.loadBalancer.ingress, or a role's rules, judged with the same
// rules as a manifest that writes them. `remove` and `test` write nothing; `copy` and `move` write a
// value kube-mitm-guard cannot see, and are reported at the operation.
import { Document, isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { checkExternalIpEntry, checkExternalIpsInSpec, checkExternalIpsValue } from '../rules/externalIps';
import { describeIngress } from '../rules/loadBalancerStatus';
import { checkRbacRule } from '../rules/rbacPermission';
import { SERVICES_STATUS_WRITE } from '../rbac/permissions';
import { PatchOperation, RuleContext, RuleFinding } from '../rules/ruleTypes';
import { childMaps, Located, mapValues, nodeSpan, scalarValues, sequenceItems } from '../yamlModel';
import { pointerTokens } from '../jsonPointer';

const OPERATIONS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** The kinds a patch may hit, from its target (or, seen alone, from its paths: only Services have spec.externalIPs). */
export interface PatchedKinds {
  service: boolean;
  /** The role kind whose `rules` the patch may write; absent when it patches no role. */
  roleKind?: string;
  /** True when the patch is judged by its paths alone: a status.loadBalancer.ingress path may be an Ingress's. */
  byPathsAlone?: boolean;
}

/** A patch seen alone (no Kustomize target): only Services have spec.externalIPs. */
export const PATCHED_BY_PATHS: PatchedKinds = { service: true, byPathsAlone: true };

/** The operation list, when `node` is one: a non-empty sequence of maps, each with a known `op` and a `path`. */
export function jsonPatchOperations(document: Document, node: Located): Located<YAMLSeq> | undefined {
  if (!isSeq(node.node) || node.node.items.length === 0) return undefined;
  const ops = node as Located<YAMLSeq>;
  for (const item of sequenceItems(document, ops)) {
    if (!isMap(item.node)) return undefined;
    const map = item as Located<YAMLMap>;
    const op = scalarValues(document, map, 'op');
    if (op.length !== 1 || !OPERATIONS.has(op[0]) || scalarValues(document, map, 'path').length !== 1) return undefined;
  }
  return ops;
}

const isIndex = (token: string | undefined): boolean => token === '-' || (token !== undefined && /^(0|[1-9][0-9]*)$/.test(token));

type Written = 'externalIPs' | 'externalIPs entry' | 'spec' | 'ingress' | 'ingress entry' | 'loadBalancer' | 'status' | 'rules' | 'rule';

/** Paths a copied or moved value is reported at: those that name spec.externalIPs, status.loadBalancer.ingress or rules. */
const COPY_TARGETS: ReadonlySet<Written> = new Set<Written>(['externalIPs', 'externalIPs entry', 'ingress', 'ingress entry', 'rules', 'rule']);

/** What an operation path writes, for the kinds the patch may hit. */
function writtenAt(tokens: readonly string[], kinds: PatchedKinds): Written | undefined {
  // Token by token: a decoded `~1` is a `/` inside one key, not a step.
  const is = (...expected: string[]) => tokens.length === expected.length && expected.every((token, index) => token === tokens[index]);
  const isEntryOf = (...list: string[]) => tokens.length === list.length + 1 && is(...list, tokens[list.length]) && isIndex(tokens[list.length]);
  if (kinds.service) {
    if (is('spec', 'externalIPs')) return 'externalIPs';
    if (isEntryOf('spec', 'externalIPs')) return 'externalIPs entry';
    if (is('spec')) return 'spec';
    if (is('status')) return 'status';
    if (is('status', 'loadBalancer')) return 'loadBalancer';
    if (is('status', 'loadBalancer', 'ingress')) return 'ingress';
    if (isEntryOf('status', 'loadBalancer', 'ingress')) return 'ingress entry';
  }
  if (kinds.roleKind !== undefined) {
    if (is('rules')) return 'rules';
    if (isEntryOf('rules')) return 'rule';
  }
  return undefined;
}

/** The findings of every operation of a JSON patch that may hit `kinds`. */
export function checkJsonPatch(context: RuleContext, ops: Located<YAMLSeq>, kinds: PatchedKinds): RuleFinding[] {
  const { document } = context;
  const findings: RuleFinding[] = [];
  for (const item of sequenceItems(document, ops)) {
    const op = item as Located<YAMLMap>;
    const operation = scalarValues(document, op, 'op')[0];
    const tokens = pointerTokens(scalarValues(document, op, 'path')[0]);
    const written = tokens && writtenAt(tokens, kinds);
    if (!written) continue;
    const patchOp: PatchOperation = { op, ops };
    if (operation === 'copy' || operation === 'move') {
      // Into a path that names the field only (the pre-check finds its word in the text, prefilter.ts).
      if (COPY_TARGETS.has(written)) findings.push(copiedValueFinding(context, patchOp, operation, written, kinds));
      continue;
    }
    if (operation !== 'add' && operation !== 'replace') continue;
    for (const value of mapValues(document, op, 'value')) for (const finding of checkWrittenValue(context, patchOp, value, written, kinds)) findings.push(finding);
  }
  return findings;
}

/** The rules `add`/`replace` operations write into a role (`/rules` lists' items, `/rules/<n>` and `/rules/-` values): what reach analysis adds to the role. */
export function operationRuleValues(document: Document, ops: Located<YAMLSeq>): Located[] {
  const rules: Located[] = [];
  for (const item of sequenceItems(document, ops)) {
    const op = item as Located<YAMLMap>;
    const operation = scalarValues(document, op, 'op')[0];
    const tokens = pointerTokens(scalarValues(document, op, 'path')[0]);
    const written = tokens && writtenAt(tokens, { service: false, roleKind: 'Role' });
    if ((operation !== 'add' && operation !== 'replace') || !written) continue;
    for (const value of mapValues(document, op, 'value')) {
      if (written === 'rule') rules.push(value);
      else if (isSeq(value.node)) rules.push(...sequenceItems(document, value as Located<YAMLSeq>));
    }
  }
  return rules.filter((rule) => isMap(rule.node));
}

function checkWrittenValue(context: RuleContext, patchOp: PatchOperation, value: Located, written: Written, kinds: PatchedKinds): RuleFinding[] {
  const { document } = context;
  const op = patchOp.op.node;
  switch (written) {
    case 'externalIPs':
      return checkExternalIpsValue(context, value, op, patchOp);
    case 'externalIPs entry':
      return value.pair ? checkExternalIpEntry(context, value, value.pair, op, undefined, patchOp) : [];
    case 'spec':
      return isMap(value.node) ? checkExternalIpsInSpec(context, value as Located<YAMLMap>) : [];
    case 'status':
      return isMap(value.node) ? childMaps(document, value as Located<YAMLMap>, 'loadBalancer').flatMap((lb) => ingressFindings(context, patchOp, mapValues(document, lb, 'ingress'), kinds)) : [];
    case 'loadBalancer':
      return isMap(value.node) ? ingressFindings(context, patchOp, mapValues(document, value as Located<YAMLMap>, 'ingress'), kinds) : [];
    case 'ingress':
      return ingressFindings(context, patchOp, [value], kinds);
    case 'ingress entry':
      return [ingressEntryFinding(context, patchOp, value, kinds)];
    case 'rules':
      return isSeq(value.node) ? sequenceItems(document, value as Located<YAMLSeq>).flatMap((rule) => ruleFinding(context, patchOp, rule, kinds)) : [];
    case 'rule':
      return ruleFinding(context, patchOp, value, kinds);
  }
}

function ingressFindings(context: RuleContext, patchOp: PatchOperation, ingresses: Located[], kinds: PatchedKinds): RuleFinding[] {
  return ingresses.flatMap((ingress) =>
    isSeq(ingress.node) ? sequenceItems(context.document, ingress as Located<YAMLSeq>).map((entry) => ingressEntryFinding(context, patchOp, entry, kinds)) : [],
  );
}

function ingressEntryFinding(context: RuleContext, patchOp: PatchOperation, entry: Located, kinds: PatchedKinds): RuleFinding {
  const ingress = kinds.byPathsAlone ? ' It could also target an Ingress, whose status DNS controllers publish as its address.' : '';
  return {
    ruleId: 'loadbalancer-status',
    message:
      `This JSON patch operation writes status.loadBalancer.ingress${describeIngress(context, entry)} of a Service. Applied through the ` +
      'services/status subresource, it is the CVE-2020-8554 path to intercept traffic for that address.' +
      ingress,
    ...nodeSpan(entry.node),
    target: { kind: 'patch-op', ...patchOp },
  };
}

function ruleFinding(context: RuleContext, patchOp: PatchOperation, rule: Located, kinds: PatchedKinds): RuleFinding[] {
  if (!isMap(rule.node) || kinds.roleKind === undefined) return [];
  const finding = checkRbacRule(context, rule as Located<YAMLMap>, kinds.roleKind, [], SERVICES_STATUS_WRITE, () => ({ kind: 'patch-op', ...patchOp }));
  if (!finding) return [];
  return [{ ...finding, message: finding.message.replace(/^This (\S+) rule/, 'This rule, which a JSON patch operation adds to a $1,') }];
}

function copiedValueFinding(context: RuleContext, patchOp: PatchOperation, operation: string, written: Written, kinds: PatchedKinds): RuleFinding {
  const from = scalarValues(context.document, patchOp.op, 'from')[0] ?? '(no from)';
  const pathNode = mapValues(context.document, patchOp.op, 'path')[0];
  const field = written.startsWith('rule') ? `the rules of a ${kinds.roleKind}` : written.startsWith('externalIPs') ? 'spec.externalIPs of a Service' : 'status.loadBalancer.ingress of a Service';
  const ruleId = written.startsWith('rule') ? 'rbac-services-status' : written.startsWith('externalIPs') ? 'external-ips' : 'loadbalancer-status';
  return {
    ruleId,
    message: `This JSON patch operation ${operation === 'copy' ? 'copies' : 'moves'} the value at ${from} into ${field}; kube-mitm-guard cannot see that value, so check it by hand (CVE-2020-8554).`,
    ...nodeSpan(pathNode.node),
    defaultSeverity: 'warning',
    target: { kind: 'patch-op', ...patchOp },
  };
}
