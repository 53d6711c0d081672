// Kustomize patch files judged with the target of every kustomization that refers to them (`patches:` and
// `patchesJson6902:` `path`, `patchesStrategicMerge:` file names). A file no kustomization refers to keeps
// its own findings (judged by its paths, or as its own kind). A referenced file gets the union of what each
// referring target makes of it (patches/patchFiles.ts worked each kind out where the file was parsed): its
// local findings that no target allows are removed (a `ConfigMap` target), those a target allows are kept
// (their fixes too) and name the kustomization, and findings only a target gives (the rules a `Role`
// target's operations add) are added, with the kustomization's `path` entry and the object the target selects
// in its resources (kustomizeResources.ts) as related locations. The rules a patch writes into a role its
// target names are handed to the Linker as that role's grants (`patchedRules`).
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeTarget, PatchTarget } from '../patches/kustomization';
import { patchVariantOf } from '../patches/patchFiles';
import { RelatedLocation, RuleId, Severity } from '../types';
import { KustomizeResources } from './kustomizeResources';
import { compareFileIds, FileGroups } from './fileGroups';
import { FileFacts, findingKey, PatchFileFact, PatchFindingFact, PatchReferenceFact, Place } from './facts';

const PATCH_FILE_KEY = 'kustomize-patch/';
const PATCH_RULES_KEY = 'kustomize-patch-rules/';
const RESOURCE_KEY = 'kustomize-resource/';
const MAX_RELATED = 20;

/** How the link reports: keep a local finding (with text to append and related locations), drop one, add one. */
export interface PatchFileReport {
  keep(key: string, appendToMessage: string, related: RelatedLocation[]): void;
  remove(key: string): void;
  add(code: RuleId, place: Place, documentIndex: number, severity: Severity, text: { message: string; related: RelatedLocation[] }): void;
}

/**
 * The file (or folder) a kustomization's `path` or `resources` entry names, as the workspace index names files:
 * a path (the CLI) or a canonical file URI (the server); undefined when it cannot be told (another URI scheme).
 */
export function resolveKustomizePath(kustomization: string, relative: string): string | undefined {
  if (kustomization.startsWith('file:')) {
    try {
      return pathToFileURL(path.resolve(path.dirname(fileURLToPath(kustomization)), relative)).href;
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(kustomization) && !/^[a-z]:[\\/]/i.test(kustomization)) return undefined;
  return path.join(path.dirname(kustomization), relative);
}

/**
 * What a file's dependents are found from when it changes: the patch files its kustomizations refer to
 * (`kustomize-patch/<file>`), the file itself when it writes rules into a role (`kustomize-patch-rules/<file>`:
 * the bindings of the roles its referrers' targets name), and when it is a kustomization or holds objects a
 * target may select (`kustomize-resource/<file>`: the patch files whose referrers' resources chains look at it).
 */
export function patchFileKeysOf(file: string, facts: FileFacts | undefined): string[] {
  const keys: string[] = [];
  for (const reference of facts?.patchReferences ?? []) {
    const target = resolveKustomizePath(file, reference.path);
    if (target !== undefined) keys.push(PATCH_FILE_KEY + target);
  }
  if (facts?.patchFile && facts.patchFile.rules.length > 0) keys.push(PATCH_RULES_KEY + file);
  if (facts && (facts.kustomizeResources || facts.serviceObjects || facts.roles.length > 0)) keys.push(RESOURCE_KEY + file);
  return keys;
}

/** A role a kustomization's target names by a plain name (kustomize reads it as an anchored regular expression). */
export interface PatchedRoleRef {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
}

/** The role a patch's target names, when it is a Role or ClusterRole of one plain name. */
export function patchedRoleOf(target: PatchTarget | undefined): PatchedRoleRef | undefined {
  const variant = patchVariantOf(target);
  const name = target?.name;
  if ((variant !== 'Role' && variant !== 'ClusterRole') || name === undefined || !isPlainName(name)) return undefined;
  const namespace = target?.namespace;
  return { kind: variant, name, ...(variant === 'Role' && namespace !== undefined && isPlainName(namespace) ? { namespace } : {}) };
}

/** A name without regular expression syntax (a `.` matches itself too, so it is taken as written). */
function isPlainName(name: string): boolean {
  return !/[\\^$*+?()[\]{}|]/.test(name);
}

/** The rules a patch file writes into a role, with the role and the file. */
export interface PatchedRules {
  role: PatchedRoleRef;
  file: string;
  rules: PatchFileFact['rules'];
}

interface Referrer {
  kustomization: string;
  reference: PatchReferenceFact;
}

interface ResolvedReference {
  reference: PatchReferenceFact;
  /** The file it names (undefined: it cannot be told). */
  target: string | undefined;
}

/**
 * The patch references of one cluster, by the file they name, kept across links: `update` replaces what one
 * file contributed.
 */
export class KustomizePatchFiles {
  /** The kustomizations (in file order) that refer to each patch file. */
  private readonly referrers = new FileGroups<Referrer>();
  /** Each kustomization's references, with the files they name. */
  private readonly referencesOf = new Map<string, ResolvedReference[]>();
  /** The rules each patch file writes (those whose operations or fields are rules). */
  private readonly rulesOf = new Map<string, PatchFileFact['rules']>();
  /** The rules each kustomization's inline patches write into the roles their targets name. */
  private readonly inlineRulesOf = new Map<string, PatchedRules[]>();
  /** Kustomizations whose targeted inline patches have findings (related to the objects their targets select). */
  private readonly targetedInline = new Set<string>();
  private readonly resources = new KustomizeResources(resolveKustomizePath);
  private patched: PatchedRules[] | undefined = [];
  /**
   * Patch files (and kustomizations with targeted inline patches) by each file their resources chains looked at
   * (see `KustomizeResources.visitedBy`); worked out again after a change.
   */
  private dependents: Map<string, Set<string>> | undefined;

  /** Replaces what `file` contributed (its facts `before`) with its facts now (undefined: it is gone). */
  update(file: string, before: FileFacts | undefined, after: FileFacts | undefined): void {
    for (const { target } of this.referencesOf.get(file) ?? []) if (target !== undefined) this.referrers.remove(file, [target]);
    this.referencesOf.delete(file);
    this.rulesOf.delete(file);
    this.inlineRulesOf.delete(file);
    this.targetedInline.delete(file);
    if (after?.patchReferences) {
      const resolved = after.patchReferences.map((reference) => ({ reference, target: resolveKustomizePath(file, reference.path) }));
      this.referencesOf.set(file, resolved);
      const referrers: [string, Referrer][] = [];
      for (const { reference, target } of resolved) if (target !== undefined) referrers.push([target, { kustomization: file, reference }]);
      this.referrers.add(file, referrers);
    }
    if (after?.patchFile && after.patchFile.rules.length > 0) this.rulesOf.set(file, after.patchFile.rules);
    const inlineRules: PatchedRules[] = [];
    for (const { target, rules } of after?.inlinePatches ?? []) {
      const role = patchedRoleOf(target);
      if (role) inlineRules.push({ role, file, rules });
    }
    if (inlineRules.length > 0) this.inlineRulesOf.set(file, inlineRules);
    if (after?.inlinePatches?.some((patch) => patch.findingKeys.length > 0)) this.targetedInline.add(file);
    if (writesPatches(before) || writesPatches(after)) {
      this.patched = undefined;
      this.dependents = undefined;
    }
    if (this.resources.update(file, after)) this.dependents = undefined;
  }

  /**
   * The rules patch files and inline patches write into roles that targets name: inline patches', then patch
   * files', each in the file order of the kustomizations. The same array until a change alters it.
   */
  get patchedRules(): readonly PatchedRules[] {
    if (this.patched === undefined) {
      const patched: PatchedRules[] = [];
      for (const file of sortedKeys(this.inlineRulesOf)) patched.push(...(this.inlineRulesOf.get(file) ?? []));
      for (const file of sortedKeys(this.referencesOf)) {
        for (const { reference, target } of this.referencesOf.get(file) ?? []) {
          const role = patchedRoleOf(reference.target);
          const rules = target === undefined ? undefined : this.rulesOf.get(target);
          if (role && rules && target !== undefined) patched.push({ role, file: target, rules });
        }
      }
      this.patched = patched;
    }
    return this.patched;
  }

  private get dependentsByResource(): Map<string, Set<string>> {
    if (this.dependents === undefined) {
      this.dependents = new Map();
      for (const file of this.targetedInline) this.dependOnResources(file, file);
      for (const [file, references] of this.referencesOf) {
        for (const { reference, target } of references) if (target !== undefined && reference.target !== undefined) this.dependOnResources(file, target);
      }
    }
    return this.dependents;
  }

  /** Records that `dependent`'s findings name objects of `kustomization`'s resources chain. */
  private dependOnResources(kustomization: string, dependent: string): void {
    const dependents = this.dependents as Map<string, Set<string>>;
    for (const resource of this.resources.visitedBy(kustomization)) {
      const files = dependents.get(resource) ?? new Set<string>();
      dependents.set(resource, files.add(dependent));
    }
  }

  /** The roles (`roleKeysOf` keys) whose rules the patch files named by `keys` (`kustomize-patch-rules/<file>`) write into. */
  patchedRoleKeys(keys: Iterable<string>): string[] {
    const roleKeys: string[] = [];
    for (const key of keys) {
      if (!key.startsWith(PATCH_RULES_KEY)) continue;
      for (const { reference } of this.referrers.get(key.slice(PATCH_RULES_KEY.length))) {
        const role = patchedRoleOf(reference.target);
        if (role) roleKeys.push(`${role.kind}/${role.name}`);
      }
    }
    return roleKeys;
  }

  /** The files whose findings can change when the references named by `keys` (see `patchFileKeysOf`) change; other keys are ignored. */
  dependentFiles(keys: Iterable<string>): Set<string> {
    const files = new Set<string>();
    for (const key of keys) {
      if (key.startsWith(PATCH_FILE_KEY)) files.add(key.slice(PATCH_FILE_KEY.length));
      else if (key.startsWith(RESOURCE_KEY)) for (const file of this.dependentsByResource.get(key.slice(RESOURCE_KEY.length)) ?? []) files.add(file);
    }
    return files;
  }

  /**
   * Judges `file` with the targets of the kustomizations that refer to it (nothing when none does), and relates
   * the findings of its own targeted inline patches to the objects their targets select.
   */
  report(file: string, facts: FileFacts, report: PatchFileReport): void {
    for (const { target, findingKeys } of facts.inlinePatches ?? []) {
      if (findingKeys.length === 0) continue;
      const related = this.objectsRelated([{ kustomization: file, target }], 'patch');
      if (related.length > 0) for (const key of findingKeys) report.keep(key, '', related);
    }
    this.reportPatchFile(file, facts, report);
  }

  private reportPatchFile(file: string, facts: FileFacts, report: PatchFileReport): void {
    const patch = facts.patchFile;
    const referrers = this.referrers.get(file);
    if (!patch || referrers.length === 0) return;
    const local = new Set(patch.localKeys);
    const kept = new Map<string, Referrer[]>();
    const added = new Map<string, { finding: PatchFindingFact; by: Referrer[] }>();
    for (const referrer of referrers) {
      const variant = patchVariantOf(referrer.reference.target);
      if (variant === 'own') {
        for (const key of local) pushTo(kept, key, referrer);
        continue;
      }
      if (variant === 'none') continue;
      for (const finding of patch.variants[variant] ?? []) {
        const key = findingKey(finding.code, finding.place.start, finding.place.end);
        if (local.has(key)) pushTo(kept, key, referrer);
        else {
          const entry = added.get(key) ?? { finding, by: [] };
          if (!entry.by.includes(referrer)) entry.by.push(referrer);
          added.set(key, entry);
        }
      }
    }
    for (const key of local) {
      const by = kept.get(key);
      if (by) report.keep(key, appliedBy(file, by), this.relatedAt(by));
      else report.remove(key);
    }
    for (const { finding, by } of added.values()) {
      report.add(finding.code, finding.place, finding.documentIndex, finding.severity, { message: finding.message + appliedBy(file, by), related: this.relatedAt(by) });
    }
  }

  /** The referrers' `path` entries, then the objects their targets select in their resources chains. */
  private relatedAt(referrers: readonly Referrer[]): RelatedLocation[] {
    const related: RelatedLocation[] = referrers.map(({ kustomization, reference }) => ({
      file: kustomization,
      range: reference.place.range,
      message: `applies this patch file${describeTarget(reference.target)}`,
    }));
    const targeted = referrers.map(({ kustomization, reference }) => ({ kustomization, target: reference.target }));
    return [...related, ...this.objectsRelated(targeted, 'patch file')].slice(0, MAX_RELATED);
  }

  /** The objects the targets select in the kustomizations' resources chains, each once. */
  private objectsRelated(patches: readonly { kustomization: string; target?: PatchTarget }[], patch: string): RelatedLocation[] {
    const related: RelatedLocation[] = [];
    const seen = new Set<string>();
    for (const { kustomization, target } of patches) {
      if (target === undefined) continue;
      for (const object of this.resources.targetedBy(kustomization, target)) {
        const at = `${object.file}:${object.place.start}`;
        if (seen.has(at) || related.length === MAX_RELATED) continue;
        seen.add(at);
        related.push({ file: object.file, range: object.place.range, message: `the ${object.kind} ${object.name} this ${patch} is applied to (in the resources of ${relativeId(object.file, kustomization)})` });
      }
    }
    return related;
  }
}

/** Whether facts hold patches, patch references or patch rules (what `patchedRules` is made of). */
function writesPatches(facts: FileFacts | undefined): boolean {
  return facts !== undefined && (facts.patchReferences !== undefined || facts.inlinePatches !== undefined || (facts.patchFile?.rules.length ?? 0) > 0);
}

function sortedKeys(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort(compareFileIds);
}

/** ` This patch file is applied by the kustomization ../kustomization.yaml through its patches entry (target: Role, name editor).` */
function appliedBy(file: string, referrers: readonly Referrer[]): string {
  const unique = [...new Set(referrers)];
  const [first] = unique;
  const more = unique.length > 1 ? ` and ${unique.length - 1} other reference${unique.length === 2 ? '' : 's'}` : '';
  return ` This patch file is applied by the kustomization ${relativeId(file, first.kustomization)} through its ${first.reference.field} entry${describeTarget(first.reference.target)}${more}.`;
}

/** `to` relative to the folder of `from`, with `/` separators (both file ids of the same kind). */
function relativeId(from: string, to: string): string {
  const split = (id: string) => id.replace(/\\/g, '/').split('/');
  const [a, b] = [split(from).slice(0, -1), split(to)];
  let common = 0;
  while (common < a.length && common < b.length - 1 && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/') || to;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}
