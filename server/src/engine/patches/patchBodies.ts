// How a document's objects are judged when they are patches: a kind-less partial Service (a body for
// `kubectl patch --patch-file`) is judged as a Service, with the same rules as a Service manifest.
import { Document } from 'yaml';
import { ManifestObject } from '../manifests';
import { RuleContext, RuleFinding } from '../rules/ruleTypes';
import { resolveNode } from '../yamlModel';
import { checkJsonPatch, jsonPatchOperations, PATCHED_BY_PATHS } from './jsonPatch';
import { isKustomization, kustomizationPatchFindings } from './kustomization';
import { servicePatchShape } from './servicePatchShape';

/** The object as the rules judge it: a kind-less partial Service as a core v1 Service, any other as written. */
export function judgedAsPatch(document: Document, object: ManifestObject): ManifestObject {
  if (object.kinds.length > 0 || object.apiVersions.length > 0) return object;
  if (!servicePatchShape(document, object.map)) return object;
  return { ...object, apiVersions: ['v1'], kinds: ['Service'], patch: 'kind-less' };
}

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
