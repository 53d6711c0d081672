// The fix every rule shares for a JSON 6902 patch operation that writes what it reports: remove the
// operation from its list (removing only its `value` would leave an invalid operation). Not the only
// operation: kustomize rejects an empty list (`[]` "illegally qualifies as both an SM and JSON patch").
import { FixCandidate, FixContext } from '../fixes/fixTypes';
import { deletionOf } from '../fixes/intendedChange';
import { removeSequenceItems } from '../fixes/yamlEdits';
import { PatchOperation } from '../rules/ruleTypes';

export function removePatchOperation({ text, analysis, finding }: FixContext, { op, ops }: PatchOperation): FixCandidate[] {
  if (op.shared || ops.shared || ops.node.items.length < 2) return [];
  const document = analysis.documents[finding.documentIndex].document;
  const index = ops.node.items.indexOf(op.written as never);
  const edits = index === -1 ? undefined : removeSequenceItems(text, ops.node, new Set([index]));
  const change = deletionOf(document, finding.documentIndex, op.written);
  if (!edits || !change) return [];
  return [{ kind: 'remove-patch-operation', title: 'Remove this patch operation', edits, change, fixAll: true, isPreferred: true }];
}
