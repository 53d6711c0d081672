// The objects a kustomization's patches can hit: those of its `resources:` (`bases:`, `components:`) chain, files
// and folders with a kustomization of their own, followed through the workspace's facts (each kustomization
// once, so a cycle ends; at most MAX_KUSTOMIZATIONS of them). Only the kinds a finding's target can be are
// known: Services (FileFacts.serviceObjects) and roles.
import * as path from 'node:path';
import { KUSTOMIZATION_FILE_NAMES } from '../patches/patchFiles';
import type { PatchTarget } from '../patches/kustomization';
import { FileFacts, Place } from './facts';

const MAX_KUSTOMIZATIONS = 50;

export interface KustomizeObject {
  kind: 'Service' | 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
  file: string;
  place: Place;
}

/** The file `relative` names from the folder of `file` (a path, or a file URI); undefined for other URIs. */
export type ResolveRelative = (file: string, relative: string) => string | undefined;

/** The objects a kustomization's resources chain reaches, and every file id it looked at. */
interface Chain {
  objects: KustomizeObject[];
  visited: Set<string>;
}

/** The resources and objects of one cluster's files, kept across links: `update` replaces one file's. */
export class KustomizeResources {
  private readonly resources = new Map<string, readonly string[]>();
  private readonly objects = new Map<string, KustomizeObject[]>();
  private readonly chains = new Map<string, Chain>();
  /** The kustomizations whose chain looked at each file id: a change to the file drops their chains. */
  private readonly chainsVisiting = new Map<string, Set<string>>();

  constructor(private readonly resolve: ResolveRelative) {}

  /** Records `file`'s facts (undefined: it is gone); returns whether a chain that looked at it was dropped. */
  update(file: string, facts: FileFacts | undefined): boolean {
    if (facts?.kustomizeResources) this.resources.set(file, facts.kustomizeResources);
    else this.resources.delete(file);
    const objects = facts ? objectsOf(file, facts) : [];
    if (objects.length > 0) this.objects.set(file, objects);
    else this.objects.delete(file);
    const starts = this.chainsVisiting.get(file);
    if (starts === undefined) return false;
    this.chainsVisiting.delete(file);
    for (const start of starts) this.chains.delete(start);
    return starts.size > 0;
  }

  /** The objects of `kustomization`'s resources chain that `target` (its kind, name and namespace) selects. */
  targetedBy(kustomization: string, target: PatchTarget): KustomizeObject[] {
    const [name, namespace] = [matcher(target.name), matcher(target.namespace)];
    return this.chainOf(kustomization).objects.filter(
      (object) => (target.kind === undefined || target.kind === object.kind) && name(object.name) && namespace(object.namespace ?? ''),
    );
  }

  /** Every file id the chain of `kustomization` looked at (those that exist and those that may): what it depends on. */
  visitedBy(kustomization: string): ReadonlySet<string> {
    return this.chainOf(kustomization).visited;
  }

  private chainOf(start: string): Chain {
    const known = this.chains.get(start);
    if (known) return known;
    const objects: KustomizeObject[] = [];
    const visited = new Set<string>([start]);
    const pending = [start];
    let kustomizations = 0;
    while (pending.length > 0 && kustomizations++ < MAX_KUSTOMIZATIONS) {
      const kustomization = pending.shift() as string;
      for (const entry of this.resources.get(kustomization) ?? []) {
        const resolved = this.resolve(kustomization, entry);
        if (resolved === undefined || visited.has(resolved)) continue;
        visited.add(resolved);
        for (const object of this.objects.get(resolved) ?? []) objects.push(object);
        // A folder: its own kustomization, by one of the names kustomize reads.
        for (const name of KUSTOMIZATION_FILE_NAMES) {
          const inner = childOf(resolved, name);
          if (visited.has(inner)) continue;
          visited.add(inner);
          if (this.resources.has(inner)) pending.push(inner);
        }
      }
    }
    const chain = { objects, visited };
    this.chains.set(start, chain);
    for (const file of visited) {
      const starts = this.chainsVisiting.get(file) ?? new Set<string>();
      this.chainsVisiting.set(file, starts.add(start));
    }
    return chain;
  }
}

/** The Services and roles of a file, as objects a target can select. */
function objectsOf(file: string, facts: FileFacts): KustomizeObject[] {
  return [
    ...(facts.serviceObjects ?? []).map((service) => ({ kind: 'Service' as const, ...service, file })),
    ...facts.roles.map(({ kind, name, namespace, place }) => ({ kind, name, ...(namespace !== undefined ? { namespace } : {}), file, place })),
  ];
}

/** The file `name` in the folder `folder` (a path or a file URI). */
function childOf(folder: string, name: string): string {
  return folder.startsWith('file:') ? `${folder.replace(/\/$/, '')}/${name}` : path.join(folder, name);
}

/**
 * A target's `name` or `namespace` as kustomize reads it: an anchored regular expression (absent: anything).
 * One that could backtrack for long (a quantified group, more than three quantifiers) is compared as written:
 * the text is the user's, and a link must never hang.
 */
function matcher(pattern: string | undefined): (value: string) => boolean {
  if (pattern === undefined) return () => true;
  if (/\)[*+?{]/.test(pattern) || (pattern.match(/[*+?{]/g) ?? []).length > 3) return (value) => value === pattern;
  try {
    const expression = new RegExp(`^(?:${pattern})$`);
    return (value) => expression.test(value);
  } catch {
    return (value) => value === pattern;
  }
}
