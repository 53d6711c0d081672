// The fix of `loadbalancer-status`: remove status.loadBalancer.ingress, with the maps it leaves empty.
import { isMap, Pair, YAMLMap } from 'yaml';
import { FixCandidate, FixContext, RuleFixes } from '../fixes/fixTypes';
import { deletionOf, isOnlyReadingOf } from '../fixes/intendedChange';
import { removePair } from '../fixes/yamlEdits';
import { removePatchOperation } from '../patches/patchOperationFix';

function removalFixes(context: FixContext): FixCandidate[] {
  const { text, analysis, finding, target } = context;
  if (target.kind === 'patch-op') return removePatchOperation(context, target);
  if (target.kind !== 'loadbalancer-ingress' || target.shared) return [];
  const document = analysis.documents[finding.documentIndex].document;
  // Remove the highest pair that would be left empty: ingress, then loadBalancer, then status.
  let container: YAMLMap | undefined;
  let pair: Pair = target.ingressPair;
  let removesStatus = false;
  const loadBalancerMap = target.chain[1].pair.value;
  container = isMap(loadBalancerMap) ? loadBalancerMap : undefined;
  if (container && container.items.length === 1) {
    pair = target.chain[1].pair;
    container = target.chain[1].map;
    if (container.items.length === 1) {
      pair = target.chain[0].pair;
      container = target.chain[0].map;
      removesStatus = true;
    }
  }
  if (!container || !isOnlyReadingOf(document, container, pair)) return [];
  const edit = removePair(text, container, pair);
  const change = deletionOf(document, finding.documentIndex, pair);
  if (!edit || !change) return [];
  return [
    {
      kind: 'remove-loadbalancer-ingress',
      title: removesStatus ? 'Remove the status block (it only holds status.loadBalancer.ingress)' : 'Remove status.loadBalancer.ingress',
      edits: [edit],
      change,
      fixAll: true,
      isPreferred: true,
    },
  ];
}

export const loadBalancerStatusFixes: RuleFixes = { textFixes: removalFixes };
