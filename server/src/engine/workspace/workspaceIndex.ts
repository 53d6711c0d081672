// The workspace index the CLI and the language server share: the facts of every file, grouped by the
// cluster they belong to, and the link phase over each group. Linking is global per cluster but cheap
// (facts are small and indexed by name); callers compare each file's link result with the last one
// (`linkSignature`) and re-publish only the files whose findings changed.
import { EngineOptions } from '../types';
import { FileFacts } from './facts';
import { FileLink, LinkInput, linkWorkspace } from './link';

export class WorkspaceIndex {
  private readonly files = new Map<string, LinkInput & { cluster: string }>();

  /** Records (or forgets, when `facts` is undefined) what the link phase needs of `file`. */
  set(file: string, facts: FileFacts | undefined, options: EngineOptions, cluster = ''): void {
    if (facts === undefined) this.files.delete(file);
    else this.files.set(file, { file, facts, options, cluster });
  }

  delete(file: string): void {
    this.files.delete(file);
  }

  /** Forgets every file the predicate selects (a folder removed from the workspace). */
  deleteWhere(predicate: (file: string) => boolean): void {
    for (const file of [...this.files.keys()]) if (predicate(file)) this.files.delete(file);
  }

  has(file: string): boolean {
    return this.files.has(file);
  }

  get size(): number {
    return this.files.size;
  }

  /** Links every cluster; files absent from the result have nothing linked. */
  link(): Map<string, FileLink> {
    const clusters = new Map<string, LinkInput[]>();
    for (const entry of this.files.values()) {
      const list = clusters.get(entry.cluster) ?? [];
      list.push(entry);
      clusters.set(entry.cluster, list);
    }
    const result = new Map<string, FileLink>();
    for (const inputs of clusters.values()) for (const [file, link] of linkWorkspace(inputs)) result.set(file, link);
    return result;
  }
}

/** A value that changes exactly when a file's linked findings change. */
export function linkSignature(link: FileLink | undefined): string {
  if (!link) return '';
  return JSON.stringify([link.added, [...link.updated].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), [...link.removed].sort()]);
}
