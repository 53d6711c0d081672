// Kustomize patches given by `path:`: the file is judged where it is written (by its paths, or as its own
// kind), and what a kustomization's `target` would make of it is worked out in the same pass, so the link
// phase (workspace/kustomizePatchFiles.ts) can judge it with the target of every kustomization that
// refers to it without parsing it again. A target's kinds reduce to a few variants: a Service, a Role, a
// ClusterRole, any kind (a target without `kind`), or none of these.
import { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { embeddedDocumentsOf } from '../embeddedText';
import { ManifestObject, manifestObjects } from '../manifests';
import { DOCUMENT_CHECKS } from '../rules/registry';
import { RuleContext, RuleFinding } from '../rules/ruleTypes';
import { Located, mapKeys, mapValues, nodeSpan, resolveNode, sequenceItems } from '../yamlModel';
import { checkJsonPatch, jsonPatchOperations, operationRuleValues } from './jsonPatch';
import { isKustomization, judgedObject, listEntries, patchedKinds, PatchTarget, targetOf } from './kustomization';

/** How a kustomization's target judges a patch file: as the file alone does (`own`: no target), or as one of the kinds. */
export type PatchVariant = 'own' | 'Service' | 'Role' | 'ClusterRole' | 'any' | 'none';

/** The variants a patch file's facts carry findings for (`own` is its local findings, `none` has none). */
export const JUDGED_VARIANTS = ['Service', 'Role', 'ClusterRole', 'any'] as const;
export type JudgedVariant = (typeof JUDGED_VARIANTS)[number];

/** A target that stands for each variant, as the inline patches' code reads targets. */
const VARIANT_TARGETS: Readonly<Record<JudgedVariant, PatchTarget>> = { Service: { kind: 'Service' }, Role: { kind: 'Role' }, ClusterRole: { kind: 'ClusterRole' }, any: {} };

/** The variant a patch with this target is judged as (the same reading of `target` as inline patches: `patchedKinds`). */
export function patchVariantOf(target: PatchTarget | undefined): PatchVariant {
  if (target === undefined) return 'own';
  const kinds = patchedKinds(target);
  if (kinds.service && kinds.roleKind !== undefined) return 'any';
  if (kinds.service) return 'Service';
  if (kinds.roleKind === 'Role' || kinds.roleKind === 'ClusterRole') return kinds.roleKind;
  return 'none';
}

/** A patch file a kustomization names: `path` as written, the target (absent: none), the field, and the span of the `path` value. */
export interface PatchReference {
  path: string;
  target?: PatchTarget;
  field: 'patches' | 'patchesJson6902' | 'patchesStrategicMerge';
  span: { start: number; end: number };
}

/** The names kustomize reads a folder's kustomization from. */
export const KUSTOMIZATION_FILE_NAMES: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Whether `fileName` (no folder) is one kustomize reads as a kustomization. */
export function isKustomizationFileName(fileName: string): boolean {
  return KUSTOMIZATION_FILE_NAMES.includes(fileName);
}

/** The patch files a kustomization object refers to (`patches:` and `patchesJson6902:` `path`, `patchesStrategicMerge:` file names). */
export function kustomizationPatchReferences(document: Document, object: ManifestObject): PatchReference[] {
  if (!isKustomization(document, object)) return [];
  const references: PatchReference[] = [];
  for (const field of ['patches', 'patchesJson6902'] as const) {
    for (const entry of listEntries(document, object.map, field)) {
      const target = targetOf(document, entry, 'target');
      for (const value of mapValues(document, entry, 'path')) {
        const path = fileName(value);
        if (path !== undefined) references.push({ path, field, span: nodeSpan(value.written), ...(target ? { target } : {}) });
      }
    }
  }
  for (const list of mapValues(document, object.map, 'patchesStrategicMerge')) {
    if (!isSeq(list.node)) continue;
    for (const item of sequenceItems(document, list as Located<YAMLSeq>)) {
      const path = fileName(item);
      if (path !== undefined) references.push({ path, field: 'patchesStrategicMerge', span: nodeSpan(item.written) });
    }
  }
  return references;
}

/** An inline patch with a `target`: where its string is, and the rules it writes into the role its target names. */
export interface InlinePatch {
  target: PatchTarget;
  /** The patch string's value in the file. */
  span: { start: number; end: number };
  rules: { rule: Located<YAMLMap>; document: Document; start: number; end: number }[];
}

/**
 * A kustomization's inline patches that have a `target` (`patches:` and `patchesJson6902:` entries' `patch`), with
 * the rules those whose target is a Role or ClusterRole write (`/rules…` operations, or a strategic merge patch's
 * `rules:`), each placed in the file (`text`) by the string's mapping.
 */
export function inlinePatches(text: string, document: Document, object: ManifestObject): InlinePatch[] {
  if (!isKustomization(document, object)) return [];
  const found: InlinePatch[] = [];
  for (const field of ['patches', 'patchesJson6902']) {
    for (const entry of listEntries(document, object.map, field)) {
      const target = targetOf(document, entry, 'target');
      if (!target) continue;
      const variant = patchVariantOf(target);
      for (const patch of mapValues(document, entry, 'patch')) {
        if (!isScalar(patch.node) || patch.shared) continue;
        const span = nodeSpan(patch.node);
        const rules = variant === 'Role' || variant === 'ClusterRole' ? inlineRules(text, patch.node) : [];
        found.push({ target, span, rules });
      }
    }
  }
  return found;
}

function inlineRules(text: string, scalar: Scalar): InlinePatch['rules'] {
  const parsed = embeddedDocumentsOf(text, scalar);
  if (!parsed) return [];
  const { embedded, documents } = parsed;
  const rules: InlinePatch['rules'] = [];
  for (const source of documents) {
    if (!source.parsed) continue;
    for (const rule of patchRules(source.document) ?? []) {
      const span = nodeSpan(rule.written);
      rules.push({ rule, document: source.document, ...embedded.fileRange(span.start, span.end) });
    }
  }
  return rules;
}

/** The rule maps a patch document writes into a role: an operation list's `/rules…` values, or an object's `rules:` items. */
function patchRules(document: Document): Located<YAMLMap>[] | undefined {
  const root = resolveNode(document, document.contents);
  if (!root) return undefined;
  const ops = jsonPatchOperations(document, { node: root, written: root, shared: false });
  if (ops) return operationRuleValues(document, ops) as Located<YAMLMap>[];
  if (!isMap(root)) return undefined;
  const [object] = manifestObjects(document).objects;
  if (!object) return undefined;
  const rules = mapValues(document, object.map, 'rules').flatMap((list) => (isSeq(list.node) ? sequenceItems(document, list as Located<YAMLSeq>) : []));
  return rules.filter((rule): rule is Located<YAMLMap> => isMap(rule.node));
}

const RESOURCE_FIELDS = ['resources', 'bases', 'components'];

/**
 * A kustomization's `resources:` (and the deprecated `bases:`, and `components:`) entries, as written: files
 * and folders (remote URLs are kept too, and resolve to nothing). A kind-less document counts when one of
 * these is a list of strings (a kustomization without patches may have no other field); undefined for others.
 */
export function kustomizationResources(document: Document, object: ManifestObject): string[] | undefined {
  const kindLess = object.apiVersions.length === 0 && object.kinds.length === 0;
  if (!kindLess && !isKustomization(document, object)) return undefined;
  const lists = RESOURCE_FIELDS.flatMap((field) => mapValues(document, object.map, field));
  if (kindLess && !lists.some((list) => isSeq(list.node) && list.node.items.length > 0 && list.node.items.every(isScalar))) return undefined;
  const entries = lists.flatMap((list) => (isSeq(list.node) ? sequenceItems(document, list as Located<YAMLSeq>) : []).map(fileName));
  return entries.filter((entry): entry is string => entry !== undefined);
}

/** A string that names a file (one line, not YAML of its own: kustomize reads an inline patch there otherwise). */
function fileName(value: Located): string | undefined {
  if (!isScalar(value.node) || typeof value.node.value !== 'string') return undefined;
  const text = value.node.value.trim();
  if (text === '' || /[\n{}[\]]|: /.test(text) || text.endsWith(':')) return undefined;
  return text;
}

/** A document as a patch file: its findings under each kind a target can name, and the rules it writes into a role. */
export interface PatchFileReading {
  variants: Map<JudgedVariant, RuleFinding[]>;
  /** The rule maps a Role or ClusterRole target gets from it (what reach analysis adds to that role). */
  rules: Located<YAMLMap>[];
}

/**
 * The document as a patch file, when it could be one (a JSON 6902 operation list, or a kind-less object that is
 * no kustomization and writes `spec`, `status` or `rules`); undefined for any other document. Offsets are the
 * document's (`context.text`).
 */
export function readPatchFile(context: RuleContext): PatchFileReading | undefined {
  const { document } = context;
  const root = resolveNode(document, document.contents);
  if (!root) return undefined;
  const ops = jsonPatchOperations(document, { node: root, written: root, shared: false });
  if (ops) return { variants: variants((target) => checkJsonPatch(context, ops, patchedKinds(target))), rules: patchRules(document) ?? [] };
  if (!isMap(root)) return undefined;
  const [object] = manifestObjects(document).objects;
  if (!object || object.apiVersions.length > 0 || object.kinds.length > 0 || isKustomization(document, object)) return undefined;
  if (!mapKeys(document, object.map).some((key) => key === 'spec' || key === 'status' || key === 'rules')) return undefined;
  return {
    variants: variants((target) => {
      const judged = judgedObject(document, object, target);
      return judged ? DOCUMENT_CHECKS.flatMap((check) => check(context, judged)) : [];
    }),
    rules: patchRules(document) ?? [],
  };
}

function variants(judge: (target: PatchTarget) => RuleFinding[]): Map<JudgedVariant, RuleFinding[]> {
  return new Map(JUDGED_VARIANTS.map((variant) => [variant, judge(VARIANT_TARGETS[variant])]));
}
