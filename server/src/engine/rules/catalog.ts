// What the README, SARIF and the editor show for each rule: derived from the rule modules (registry.ts).
import { UNUSED_SUPPRESSION } from '../types';

export { RULES } from './registry';
export type { RuleDescription } from './ruleModule';

export const DOCS_BASE_URL = 'https://github.com/kube-mitm-guard/kube-mitm-guard#';

/** README anchors are `#rule-<rule-id>`; unused suppressions are explained with the suppression comments. */
export function ruleDocsUrl(id: string): string {
  if (id === UNUSED_SUPPRESSION) return `${DOCS_BASE_URL}suppression-comments`;
  return `${DOCS_BASE_URL}rule-${id}`;
}
