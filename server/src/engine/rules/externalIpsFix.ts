// The fixes of `external-ips` and `external-ip-invalid`: remove the entry (or the whole key), or allow
// the address in the config file.
import { AllowListFix } from '../types';
import { FixCandidate, FixContext, RuleFixes } from '../fixes/fixTypes';
import { deletionOf, isOnlyReadingOf } from '../fixes/intendedChange';
import { removePair, removeSequenceItems } from '../fixes/yamlEdits';
import { removePatchOperation } from '../patches/patchOperationFix';
import { ExternalIpTarget, PatchOperation } from './ruleTypes';

function removalFixes(context: FixContext): FixCandidate[] {
  const { text, analysis, finding, target } = context;
  if (target.kind === 'patch-op') return removePatchOperation(context, target);
  if (target.kind !== 'external-ip') return [];
  if (target.patchOp) return patchOperationFixes(context, target, target.patchOp);
  const document = analysis.documents[finding.documentIndex].document;
  const candidates: FixCandidate[] = [];
  const keyIsRemovable = isOnlyReadingOf(document, target.spec, target.listPair);
  const removeKey = keyIsRemovable ? removePair(text, target.spec, target.listPair) : undefined;
  const keyChange = deletionOf(document, finding.documentIndex, target.listPair);
  const keyIsShared = target.list?.shared ?? false;
  if (target.entry && target.list && !target.list.shared) {
    const index = target.list.node.items.indexOf(target.entry.written as never);
    const isLast = target.list.node.items.length === 1;
    const edits = isLast ? (removeKey ? [removeKey] : undefined) : removeSequenceItems(text, target.list.node, new Set([index]));
    const change = isLast ? keyChange : deletionOf(document, finding.documentIndex, target.entry.written);
    if (index !== -1 && edits && change) {
      candidates.push({ kind: 'remove-external-ip', title: 'Remove this external IP', edits, change, fixAll: true, isPreferred: true });
    }
  }
  if (removeKey && keyChange && !keyIsShared) {
    candidates.push({ kind: 'remove-external-ips-key', title: 'Remove the externalIPs key', edits: [removeKey], change: keyChange, fixAll: false, isPreferred: false });
  }
  return candidates;
}

/** In a JSON patch operation's value list: remove the entry, or the operation when it is the only one. */
function patchOperationFixes(context: FixContext, target: ExternalIpTarget, patchOp: PatchOperation): FixCandidate[] {
  const { text, analysis, finding } = context;
  const index = target.entry && target.list ? target.list.node.items.indexOf(target.entry.written as never) : -1;
  if (target.list && !target.list.shared && target.list.node.items.length > 1 && index !== -1) {
    const edits = removeSequenceItems(text, target.list.node, new Set([index]));
    const change = deletionOf(analysis.documents[finding.documentIndex].document, finding.documentIndex, target.entry!.written);
    if (edits && change) return [{ kind: 'remove-external-ip', title: 'Remove this external IP', edits, change, fixAll: true, isPreferred: true }];
  }
  return removePatchOperation(context, patchOp);
}

/** Offered wherever the address is found, an alias's finding included: allowing it edits no manifest. */
function allowFixes({ target }: FixContext): AllowListFix[] {
  if (target.kind !== 'external-ip' || !target.allowCidr) return [];
  return [{ kind: 'allow-external-ip', title: `Allow ${target.allowCidr} in .kube-mitm-guard.yaml`, cidr: target.allowCidr, fixAll: false, isPreferred: false }];
}

export const externalIpFixes: RuleFixes = { textFixes: removalFixes, configFixes: allowFixes };
