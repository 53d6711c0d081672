// A document judged as a patch as a whole: a JSON 6902 operation list, or a kustomization with inline patches.
import { ManifestObject } from '../manifests';
import { RuleContext, RuleFinding } from '../rules/ruleTypes';
import { resolveNode } from '../yamlModel';
import { checkJsonPatch, jsonPatchOperations, PATCHED_BY_PATHS } from './jsonPatch';
import { isKustomization, kustomizationPatchFindings } from './kustomization';

/**
 * The findings of a document as a patch, placed in `text` (the file): a JSON 6902 operation list (`kubectl
 * patch --type=json`) judged by its paths, or a kustomization's inline patches (`root`: its root object).
 */
export function documentPatchFindings(context: RuleContext, text: string, root: ManifestObject | undefined): RuleFinding[] {
  if (root) return isKustomization(context.document, root) ? kustomizationPatchFindings(context, text, root) : [];
  const node = resolveNode(context.document, context.document.contents);
  if (!node) return [];
  const ops = jsonPatchOperations(context.document, { node, written: node, shared: false });
  return ops ? checkJsonPatch(context, ops, PATCHED_BY_PATHS) : [];
}
