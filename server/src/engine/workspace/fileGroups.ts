// Items grouped by a key (a role's name, a binding's roleRef, a patch file), each contributed by one file,
// kept across links: a change replaces what one file contributes, and a key's items stay in file order, the
// order a link of every file from scratch would list them in, whatever order files changed in.
import { firstIndexWhere } from '../sortedSearch';

const NONE: readonly never[] = [];

/** File order: the file ids' UTF-16 code units, as a link from scratch sorts its inputs. */
export function compareFileIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Contribution<V> {
  file: string;
  items: V[];
}

export class FileGroups<V> {
  private readonly groups = new Map<string, Contribution<V>[]>();
  /** Each key's items, flattened in file order, until one of its files changes. */
  private readonly flattened = new Map<string, readonly V[]>();

  /** Adds `file`'s items under their keys (when the file changed, `remove` its old keys first). */
  add(file: string, entries: Iterable<[string, V]>): void {
    for (const [key, item] of entries) {
      let group = this.groups.get(key);
      if (group === undefined) this.groups.set(key, (group = []));
      const at = firstIndexWhere(group.length, (index) => group[index].file >= file);
      if (group[at]?.file === file) group[at].items.push(item);
      else group.splice(at, 0, { file, items: [item] });
      this.flattened.delete(key);
    }
  }

  /** Removes everything `file` contributed to the given keys. */
  remove(file: string, keys: Iterable<string>): void {
    for (const key of keys) {
      const group = this.groups.get(key);
      if (group === undefined) continue;
      const at = firstIndexWhere(group.length, (index) => group[index].file >= file);
      if (group[at]?.file !== file) continue;
      group.splice(at, 1);
      if (group.length === 0) this.groups.delete(key);
      this.flattened.delete(key);
    }
  }

  /** The items of `key`, in file order (and in the order each file gave them). */
  get(key: string): readonly V[] {
    const known = this.flattened.get(key);
    if (known !== undefined) return known;
    const group = this.groups.get(key);
    if (group === undefined) return NONE;
    const items = group.length === 1 ? group[0].items : group.flatMap((contribution) => contribution.items);
    this.flattened.set(key, items);
    return items;
  }
}
