// Kustomize patches written in GitOps objects rather than in a kustomization file: a Flux Kustomization
// (`kustomize.toolkit.fluxcd.io`) and an Argo CD Application or ApplicationSet (`argoproj.io/v1alpha1`).
// Patch strings (`patches[].patch`) are judged as a kustomization's inline patches (kustomization.ts);
// what Flux's v1beta1/v1beta2 write as YAML objects is judged in place: `patchesStrategicMerge` items as
// the objects they are, `patchesJson6902[].patch` operation lists under their target's kinds (jsonPatch.ts).
// A patch given by `path:` (Argo CD) names a file in the application's source, which is not judged here.
import { isMap, isScalar, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { ManifestObject } from '../manifests';
import { DOCUMENT_CHECKS } from '../rules/registry';
import { RuleContext, RuleFinding } from '../rules/ruleTypes';
import { childMaps, Located, mapValues, scalarValues, sequenceItems } from '../yamlModel';
import { checkJsonPatch, jsonPatchOperations } from './jsonPatch';
import { describeTarget, inlinePatchFindings, judgedObject, listEntries, PatchTarget, patchedKinds, targetOf } from './kustomization';

const FLUX_KUSTOMIZATION_VERSIONS = ['kustomize.toolkit.fluxcd.io/v1', 'kustomize.toolkit.fluxcd.io/v1beta2', 'kustomize.toolkit.fluxcd.io/v1beta1'];
/** Flux removed patchesStrategicMerge and patchesJson6902 in v1 (its CRD prunes them). */
const FLUX_OBJECT_PATCH_VERSIONS = ['kustomize.toolkit.fluxcd.io/v1beta2', 'kustomize.toolkit.fluxcd.io/v1beta1'];
const ARGO_CD_API_VERSION = 'argoproj.io/v1alpha1';

/** A map that holds patch fields, and how a message names it. */
interface PatchBlock {
  map: Located<YAMLMap>;
  /** E.g. `this Flux Kustomization's spec`, `this Argo CD Application's spec.sources[1].kustomize`. */
  name: string;
  /** Whether `patchesStrategicMerge` and `patchesJson6902` written as YAML objects count (Flux v1beta1/v1beta2). */
  objectPatches: boolean;
}

/** The findings of every patch a Flux Kustomization or an Argo CD Application(Set) writes, placed in `text`. */
export function gitOpsPatchFindings(context: RuleContext, text: string, object: ManifestObject): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const block of patchBlocks(context, object)) {
    for (const finding of blockFindings(context, text, block)) findings.push(finding);
  }
  return findings;
}

function patchBlocks(context: RuleContext, object: ManifestObject): PatchBlock[] {
  const { document } = context;
  const isOf = (apiVersions: readonly string[], kind: string) => object.apiVersions.some((apiVersion) => apiVersions.includes(apiVersion)) && object.kinds.includes(kind);
  const specs = childMaps(document, object.map, 'spec');
  if (isOf(FLUX_KUSTOMIZATION_VERSIONS, 'Kustomization')) {
    const objectPatches = isOf(FLUX_OBJECT_PATCH_VERSIONS, 'Kustomization');
    return specs.map((map) => ({ map, name: "this Flux Kustomization's spec", objectPatches }));
  }
  if (isOf([ARGO_CD_API_VERSION], 'Application')) return specs.flatMap((spec) => argoSourceBlocks(context, spec, "this Argo CD Application's spec"));
  if (isOf([ARGO_CD_API_VERSION], 'ApplicationSet')) {
    return specs.flatMap((spec) =>
      childMaps(document, spec, 'template').flatMap((template) =>
        childMaps(document, template, 'spec').flatMap((templateSpec) => argoSourceBlocks(context, templateSpec, "this Argo CD ApplicationSet's spec.template.spec")),
      ),
    );
  }
  return [];
}

/** `source.kustomize` and each `sources[n].kustomize` of an Application's spec. */
function argoSourceBlocks(context: RuleContext, spec: Located<YAMLMap>, specName: string): PatchBlock[] {
  const { document } = context;
  const blocks: PatchBlock[] = [];
  const add = (source: Located<YAMLMap>, sourceName: string) => {
    for (const map of childMaps(document, source, 'kustomize')) blocks.push({ map, name: `${specName}.${sourceName}.kustomize`, objectPatches: false });
  };
  for (const source of childMaps(document, spec, 'source')) add(source, 'source');
  for (const sources of mapValues(document, spec, 'sources')) {
    if (!isSeq(sources.node)) continue;
    sequenceItems(document, sources as Located<YAMLSeq>).forEach((source, index) => {
      if (isMap(source.node)) add(source as Located<YAMLMap>, `sources[${index}]`);
    });
  }
  return blocks;
}

function blockFindings(context: RuleContext, text: string, block: PatchBlock): RuleFinding[] {
  const { document } = context;
  const findings: RuleFinding[] = [];
  const where = (field: string, target: PatchTarget | undefined) => ` It is written in ${block.name}.${field} patch${describeTarget(target)}.`;
  for (const entry of listEntries(document, block.map, 'patches')) {
    const target = targetOf(document, entry, 'target');
    for (const patch of mapValues(document, entry, 'patch')) {
      if (!isScalar(patch.node) || patch.shared) continue;
      for (const finding of inlinePatchFindings(context, text, patch.node, patch.pair ?? patch.written, target, 'patches', where('patches', target))) findings.push(finding);
    }
  }
  if (!block.objectPatches) return findings;
  const inPlace = (finding: RuleFinding, sentence: string): RuleFinding => ({ ...finding, message: finding.message + sentence });
  for (const entry of listEntries(document, block.map, 'patchesJson6902')) {
    const target = targetOf(document, entry, 'target');
    for (const patch of mapValues(document, entry, 'patch')) {
      const ops = jsonPatchOperations(document, patch);
      if (!ops) continue;
      for (const finding of checkJsonPatch(context, ops, patchedKinds(target))) findings.push(inPlace(finding, where('patchesJson6902', target)));
    }
  }
  // Each object once, from its own map, as manifests.ts judges a List's items: an item that is an alias
  // of another is that object again.
  const judgedMaps = new Set<YAMLMap>();
  for (const item of listEntries(document, block.map, 'patchesStrategicMerge')) {
    if (judgedMaps.has(item.node)) continue;
    judgedMaps.add(item.node);
    const patch: Located<YAMLMap> = { node: item.node, written: item.written, shared: item.shared };
    const object: ManifestObject = { map: patch, apiVersions: scalarValues(document, patch, 'apiVersion'), kinds: scalarValues(document, patch, 'kind'), itemLists: [] };
    const judged = judgedObject(document, object, undefined);
    if (!judged) continue;
    for (const check of DOCUMENT_CHECKS) for (const finding of check(context, judged)) findings.push(inPlace(finding, where('patchesStrategicMerge', undefined)));
  }
  return findings;
}
