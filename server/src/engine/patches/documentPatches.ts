// A document judged as a patch as a whole: a JSON 6902 operation list, a kustomization with inline patches,
// or a GitOps object (Flux Kustomization, Argo CD Application) that writes Kustomize patches.
import { ManifestObject } from '../manifests';
import { RuleContext, RuleFinding } from '../rules/ruleTypes';
import { resolveNode } from '../yamlModel';
import { gitOpsPatchFindings } from './gitopsPatches';
import { checkJsonPatch, jsonPatchOperations, PATCHED_BY_PATHS } from './jsonPatch';
import { isKustomization, kustomizationPatchFindings } from './kustomization';

/**
 * The findings of a document as a patch, placed in `text` (the file): a JSON 6902 operation list (`kubectl
 * patch --type=json`) judged by its paths, a kustomization's inline patches (`root`: its root object), or
 * the patches a Flux Kustomization or an Argo CD Application(Set) writes.
 */
export function documentPatchFindings(context: RuleContext, text: string, root: ManifestObject | undefined): RuleFinding[] {
  if (root) return isKustomization(context.document, root) ? kustomizationPatchFindings(context, text, root) : gitOpsPatchFindings(context, text, root);
  const node = resolveNode(context.document, context.document.contents);
  if (!node) return [];
  const ops = jsonPatchOperations(context.document, { node, written: node, shared: false });
  return ops ? checkJsonPatch(context, ops, PATCHED_BY_PATHS) : [];
}
