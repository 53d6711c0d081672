// The fix of `mitigation-not-enforced` where one is safe: switch the setting that makes a mitigation
// only audit, warn or fail open to the value that blocks (Kyverno's Enforce, Gatekeeper's deny, a
// webhook's failurePolicy Fail). The other findings (no action at all, overrides, missing operations,
// missing bindings, exempted users, allowlist entries) need the author's decision and get no fix.
import { FixCandidate, FixContext, RuleFixes } from '../fixes/fixTypes';
import { isOnlyReadingOf, valueChangeOf } from '../fixes/intendedChange';
import { nodeTextSpan } from '../fixes/yamlEdits';

function enforceFixes({ text, analysis, finding, target }: FixContext): FixCandidate[] {
  if (target.kind !== 'enforcement-setting') return [];
  const document = analysis.documents[finding.documentIndex].document;
  if (!isOnlyReadingOf(document, target.map, target.pair)) return [];
  const span = nodeTextSpan(text, target.value.node);
  const change = valueChangeOf(document, finding.documentIndex, target.pair, target.enforcing);
  if (!span || !change) return [];
  const key = String(target.pair.key);
  return [
    {
      kind: 'enforce-mitigation',
      title: `Set ${key} to ${target.enforcing}`,
      edits: [{ start: span[0], end: span[1], newText: target.enforcing }],
      change,
      fixAll: true,
      isPreferred: true,
    },
  ];
}

export const mitigationFixes: RuleFixes = { textFixes: enforceFixes };
