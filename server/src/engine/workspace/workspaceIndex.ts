// The workspace index the CLI and the language server share: the facts of every file, grouped by the
// cluster they belong to, and the link phase over each group. A change re-judges only the files that
// depend on it (those defining or binding the roles the changed file defines or binds, through
// aggregation both ways, those whose Services claim an externalIP its Services claim, those that define or
// bind the admission policies it defines or binds, the values files and releases of the Helm charts its
// templates or values belong to, and the Kustomize patch files its kustomizations refer to). Each
// cluster keeps its Linker, whose indexes a change updates file by file: rebuilding them per link made a
// keystroke in a 50,000-file workspace cost 60 ms and tens of megabytes of garbage.
import { createHash } from 'node:crypto';
import { EngineOptions } from '../types';
import { FileFacts } from './facts';
import { FileLink, LinkInput, Linker, roleKeysOf } from './link';
import { admissionPolicyKeysOf } from './admissionPolicies';
import { addressKeysOf } from './serviceConflicts';
import { helmKeysOf } from './helmValues';
import { patchFileKeysOf } from './kustomizePatchFiles';

interface ClusterState {
  inputs: Map<string, LinkInput>;
  links: Map<string, FileLink>;
  /** The linker of the inputs as last linked (kept and updated): it knows who depended on what before the change. */
  linker?: Linker;
  /**
   * Files changed since the last link, with the dependency keys of their facts at that link (none: not in this
   * cluster then) and what other files could see of them then (`outwardSignature`). Keys, not the facts
   * themselves: a rescan changes every file, and keeping each file's old facts until the link held two copies
   * of the workspace's facts.
   */
  changed: Map<string, { keysBefore: string[]; outward: string | undefined }>;
}

/** How linking went, for the server's status and the benchmark. */
export interface LinkStats {
  /** The last link: its duration and how many files it judged again (changed files and their dependents). */
  lastMs: number;
  lastFilesJudged: number;
  /** Files with facts in the index. */
  filesIndexed: number;
  /** Every link so far: how many, and their time together. */
  links: number;
  totalMs: number;
}

export class WorkspaceIndex {
  private readonly clusters = new Map<string, ClusterState>();
  private readonly clusterOfFile = new Map<string, string>();
  private readonly signatures = new Map<string, { full: string; outward: string }>();
  stats: LinkStats = { lastMs: 0, lastFilesJudged: 0, filesIndexed: 0, links: 0, totalMs: 0 };

  /**
   * Records (or forgets, when `facts` is undefined) what the link phase needs of `file`; returns whether
   * that changed anything the link reads (facts, options or cluster).
   */
  set(file: string, facts: FileFacts | undefined, options: EngineOptions, cluster = ''): boolean {
    if (facts === undefined) return this.delete(file);
    const full = digest(JSON.stringify([cluster, facts, options]));
    const previous = this.signatures.get(file);
    if (previous?.full === full) return false;
    this.signatures.set(file, { full, outward: outwardSignature(cluster, facts, options) });
    const previousCluster = this.clusterOfFile.get(file);
    if (previousCluster !== undefined && previousCluster !== cluster) this.removeFrom(previousCluster, file);
    const state = this.stateOf(cluster);
    this.markChanged(state, file, previous?.outward);
    state.inputs.set(file, { file, facts, options });
    this.clusterOfFile.set(file, cluster);
    return true;
  }

  /** Forgets `file`; returns whether it was known. */
  delete(file: string): boolean {
    const cluster = this.clusterOfFile.get(file);
    if (cluster === undefined) return false;
    this.removeFrom(cluster, file);
    this.clusterOfFile.delete(file);
    this.signatures.delete(file);
    return true;
  }

  /**
   * Links what changed since the last call and returns the link of every file that was judged again:
   * the changed files and their dependents (undefined when nothing is linked to a file any more).
   */
  relink(): Map<string, FileLink | undefined> {
    const started = performance.now();
    const judgedAgain = new Map<string, FileLink | undefined>();
    for (const [cluster, state] of this.clusters) {
      if (state.changed.size === 0 && state.linker) continue;
      let linker = state.linker;
      let affected: Set<string>;
      let links: Map<string, FileLink>;
      try {
        if (linker) affected = this.updateLinker(state, linker);
        else {
          linker = new Linker([...state.inputs.values()]);
          // Every file, and those gone since the last link (their links are dropped).
          affected = new Set([...state.inputs.keys(), ...state.changed.keys()]);
        }
        links = linker.judge(affected);
      } catch (error) {
        // A link that failed half way (its indexes updated, its files not judged) cannot tell who depended on
        // what before: the next one starts afresh, from every file.
        state.linker = undefined;
        throw error;
      }
      for (const file of affected) {
        const link = links.get(file);
        if (link) state.links.set(file, link);
        else state.links.delete(file);
        // A file that moved between clusters is judged in both: the link from its new one wins.
        if (link !== undefined || !judgedAgain.has(file)) judgedAgain.set(file, link);
      }
      state.linker = linker;
      state.changed.clear();
      if (state.inputs.size === 0) this.clusters.delete(cluster);
    }
    const duration = performance.now() - started;
    const { links, totalMs } = this.stats;
    this.stats = { lastMs: duration, lastFilesJudged: judgedAgain.size, filesIndexed: this.clusterOfFile.size, links: links + 1, totalMs: totalMs + duration };
    return judgedAgain;
  }

  /** The link `file` got when it was last judged (undefined: nothing linked to it, or not indexed). */
  linkOf(file: string): FileLink | undefined {
    const cluster = this.clusterOfFile.get(file);
    return cluster === undefined ? undefined : this.clusters.get(cluster)?.links.get(file);
  }

  /** Links what changed and returns the link of every file (files absent from the result have nothing linked). */
  link(): Map<string, FileLink> {
    this.relink();
    const result = new Map<string, FileLink>();
    for (const state of this.clusters.values()) for (const [file, link] of state.links) result.set(file, link);
    return result;
  }

  /**
   * Hands the changed files to the linker; returns them and every file that depended on their roles or
   * addresses before the change or does after it. A file whose change only moved offsets (typing on a line
   * that holds no fact) changed nothing other files see: only it is judged again.
   */
  private updateLinker(state: ClusterState, linker: Linker): Set<string> {
    const keys = new Set<string>();
    for (const [file, { keysBefore, outward }] of state.changed) {
      const after = state.inputs.get(file)?.facts;
      if (after && outward !== undefined && outward === this.signatures.get(file)?.outward) continue;
      for (const key of [...keysBefore, ...dependencyKeysOf(file, after)]) keys.add(key);
    }
    const affected = new Set(state.changed.keys());
    for (const file of linker.dependentFiles(keys)) affected.add(file);
    linker.update([...state.changed.keys()].map((file) => ({ file, input: state.inputs.get(file) })));
    for (const file of linker.dependentFiles(keys)) affected.add(file);
    return affected;
  }

  private removeFrom(cluster: string, file: string): void {
    const state = this.clusters.get(cluster);
    if (!state?.inputs.has(file)) return;
    this.markChanged(state, file, undefined);
    state.inputs.delete(file);
  }

  /** Records what `file` was at the last link (its facts, and what other files saw of them), on its first change since. */
  private markChanged(state: ClusterState, file: string, outwardBefore: string | undefined): void {
    if (state.changed.has(file)) return;
    const before = state.inputs.get(file);
    state.changed.set(file, { keysBefore: dependencyKeysOf(file, before?.facts), outward: before ? outwardBefore : undefined });
  }

  private stateOf(cluster: string): ClusterState {
    let state = this.clusters.get(cluster);
    if (!state) {
      state = { inputs: new Map(), links: new Map(), changed: new Map() };
      this.clusters.set(cluster, state);
    }
    return state;
  }
}

/** The keys by which other files' links depend on a file's facts (the roles, addresses and policies it defines or uses, its chart, its patch files). */
function dependencyKeysOf(file: string, facts: FileFacts | undefined): string[] {
  return [...roleKeysOf(facts), ...addressKeysOf(facts), ...admissionPolicyKeysOf(facts), ...helmKeysOf(file, facts), ...patchFileKeysOf(file, facts)];
}

/**
 * A file's facts as other files' links can see them: without offsets, finding keys and document indices,
 * which only the file's own findings use (other files' related locations and paths name lines and
 * characters).
 */
function outwardSignature(cluster: string, facts: FileFacts, options: EngineOptions): string {
  return digest(
    JSON.stringify([cluster, facts, options], (key, value: unknown) => {
      if ((key === 'start' || key === 'end') && typeof value === 'number') return undefined;
      if (key === 'findingKeys' || key === 'unusedKey' || key === 'documentIndex') return undefined;
      return value;
    }),
  );
}

/** A value that changes exactly when a file's linked findings change. */
export function linkSignature(link: FileLink | undefined): string {
  if (!link) return '';
  return digest(JSON.stringify([link.added, [...link.updated].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), [...link.removed].sort()]));
}

/**
 * What the index and the language server keep of a signature: its SHA-256. The JSON itself, kept per file,
 * held as much memory again as the facts (a quarter of the server's heap in a 50,000-file workspace).
 */
function digest(json: string): string {
  return createHash('sha256').update(json).digest('base64');
}
