// Kustomize patches written inline in a kustomization (`patches:` entries' `patch:`, the deprecated
// `patchesStrategicMerge:` strings and `patchesJson6902:` entries' `patch:`): the patch text is parsed
// from the string (embeddedText.ts maps it back to the file), judged as the kind its target (else its own
// kind) names, and each finding is placed on the characters of the file that write it.
import { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { embeddedDocumentsOf } from '../embeddedText';
import { ManifestObject, manifestObjects } from '../manifests';
import { DOCUMENT_CHECKS } from '../rules/registry';
import { RuleContext, RuleFinding } from '../rules/ruleTypes';
import { RBAC_API_VERSION } from '../workspace/facts';
import { Located, mapKeys, mapValues, resolveNode, scalarValues, sequenceItems } from '../yamlModel';
import { checkJsonPatch, jsonPatchOperations, PATCHED_BY_PATHS, PatchedKinds } from './jsonPatch';
import { judgedAsPatch } from './servicePatchShape';

const PATCH_FIELDS = ['patches', 'patchesStrategicMerge', 'patchesJson6902'];

/** A `target:` (or a `patchesJson6902` entry's own fields): which objects a patch applies to. */
export interface PatchTarget {
  kind?: string;
  group?: string;
  version?: string;
  name?: string;
  namespace?: string;
}

/**
 * A kustomization: `kustomize.config.k8s.io/v1beta1` `Kustomization` or `v1alpha1` `Component`, or a document
 * without apiVersion/kind (kustomize reads those as a Kustomization) that has one of the patch fields.
 */
export function isKustomization(document: Document, object: ManifestObject): boolean {
  if (object.apiVersions.length === 0 && object.kinds.length === 0) return mapKeys(document, object.map).some((key) => PATCH_FIELDS.includes(key));
  return (
    (object.apiVersions.includes('kustomize.config.k8s.io/v1beta1') && object.kinds.includes('Kustomization')) ||
    (object.apiVersions.includes('kustomize.config.k8s.io/v1alpha1') && object.kinds.includes('Component'))
  );
}

/** The findings of every inline patch of a kustomization, placed in `text` (the file). */
export function kustomizationPatchFindings(context: RuleContext, text: string, object: ManifestObject): RuleFinding[] {
  const { document } = context;
  const findings: RuleFinding[] = [];
  const judge = (patch: Located, target: PatchTarget | undefined, field: string) => {
    if (!isScalar(patch.node) || patch.shared) return;
    for (const finding of inlinePatchFindings(context, text, patch.node, patch.pair ?? patch.written, target, field)) findings.push(finding);
  };
  for (const entry of listEntries(document, object.map, 'patches')) {
    for (const patch of mapValues(document, entry, 'patch')) judge(patch, targetOf(document, entry, 'target'), 'patches');
  }
  for (const entry of listEntries(document, object.map, 'patchesJson6902')) {
    for (const patch of mapValues(document, entry, 'patch')) judge(patch, targetOf(document, entry, 'target'), 'patchesJson6902');
  }
  for (const list of mapValues(document, object.map, 'patchesStrategicMerge')) {
    if (isSeq(list.node)) for (const item of sequenceItems(document, list as Located<YAMLSeq>)) judge(item, undefined, 'patchesStrategicMerge');
  }
  return findings;
}

export function listEntries(document: Document, map: Located<YAMLMap>, key: string): Located<YAMLMap>[] {
  return mapValues(document, map, key).flatMap((list) =>
    isSeq(list.node) ? sequenceItems(document, list as Located<YAMLSeq>).filter((item): item is Located<YAMLMap> => isMap(item.node)) : [],
  );
}

export function targetOf(document: Document, entry: Located<YAMLMap>, key: string): PatchTarget | undefined {
  const target = mapValues(document, entry, key).find((value) => isMap(value.node)) as Located<YAMLMap> | undefined;
  if (!target) return undefined;
  const field = (name: string) => scalarValues(document, target, name)[0];
  return { kind: field('kind'), group: field('group'), version: field('version'), name: field('name'), namespace: field('namespace') };
}

/** The apiVersion a target names for `kind`, when its group (absent: the kind's usual one) and version say. */
function targetApiVersion(target: PatchTarget, kind: string): string | undefined {
  const group = target.group ?? (kind === 'Role' || kind === 'ClusterRole' ? 'rbac.authorization.k8s.io' : '');
  const version = target.version ?? 'v1';
  return group === '' ? version : `${group}/${version}`;
}

/** The kinds a JSON patch with this target may hit: a target without kind matches every kind. */
export function patchedKinds(target: PatchTarget | undefined): PatchedKinds {
  if (target?.kind === undefined) return target ? { service: true, roleKind: 'Role or ClusterRole' } : PATCHED_BY_PATHS;
  const apiVersion = targetApiVersion(target, target.kind);
  if (target.kind === 'Service' && apiVersion === 'v1') return { service: true };
  if ((target.kind === 'Role' || target.kind === 'ClusterRole') && apiVersion === RBAC_API_VERSION) return { service: false, roleKind: target.kind };
  return { service: false };
}

export function describeTarget(target: PatchTarget | undefined): string {
  if (!target) return '';
  const parts = [target.kind ?? 'any kind', target.name !== undefined ? `name ${target.name}` : '', target.namespace !== undefined ? `namespace ${target.namespace}` : ''];
  return ` (target: ${parts.filter(Boolean).join(', ')})`;
}

/** `where`: the sentence the findings' messages end with, saying where the patch is written. */
export function inlinePatchFindings(
  context: RuleContext,
  text: string,
  scalar: Scalar,
  holder: unknown,
  target: PatchTarget | undefined,
  field: string,
  where = ` It is written in this kustomization's inline ${field} patch${describeTarget(target)}.`,
): RuleFinding[] {
  const parsed = embeddedDocumentsOf(text, scalar);
  if (!parsed) return [];
  const { embedded, documents } = parsed;
  const found: { finding: RuleFinding; documentIndex: number }[] = [];
  for (const source of documents) {
    if (!source.parsed) continue;
    const add = (finding: RuleFinding) => found.push({ finding, documentIndex: source.index });
    const patchContext: RuleContext = { text: embedded.text, document: source.document, allowedCidrs: context.allowedCidrs };
    const root = resolveNode(source.document, source.document.contents);
    const ops = root && jsonPatchOperations(source.document, { node: root, written: root, shared: false });
    if (ops) {
      for (const finding of checkJsonPatch(patchContext, ops, patchedKinds(target))) add(finding);
      continue;
    }
    const [object] = manifestObjects(source.document).objects;
    if (!object) continue;
    const judged = judgedObject(source.document, object, target);
    if (!judged) continue;
    for (const check of DOCUMENT_CHECKS) for (const finding of check(patchContext, judged)) add(finding);
  }
  return found.map(({ finding, documentIndex }) => {
    const range = embedded.fileRange(finding.start, finding.end);
    const { via: _via, ...rest } = finding;
    return { ...rest, start: range.start, end: range.end, message: finding.message + where, embedded: { text: embedded, documents, documentIndex, holder } };
  });
}

/** A strategic merge patch as the rules judge it: as its target's kind when the target names one, else as written. */
export function judgedObject(document: Document, object: ManifestObject, target: PatchTarget | undefined): ManifestObject | undefined {
  if (target?.kind === undefined) return judgedAsPatch(document, object);
  const apiVersion = targetApiVersion(target, target.kind);
  return apiVersion === undefined ? undefined : { ...object, apiVersions: [apiVersion], kinds: [target.kind] };
}
