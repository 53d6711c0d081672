// The data change a fix intends, located by index path, which verify.ts applies to a clone of the
// original document to get the data the edited text must decode to.
import { Document, isMap, isSeq, isPair, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { keyString, mapValues } from '../yamlModel';

/** A step from a collection to one of its items (a pair of a map, an item of a sequence). */
export type IndexPath = number[];

/** The data change a fix intends, applied to a clone of the original document to get the expected data. */
export type IntendedChange =
  | { kind: 'none' }
  | { kind: 'delete'; documentIndex: number; path: IndexPath }
  | { kind: 'replace-items'; documentIndex: number; path: IndexPath; replacements: unknown[] }
  /**
   * The value at `path` (a map value or a sequence item; the document's root when empty) becomes `value`: a
   * mitigation's setting switched (the key kept), a string holding a patch edited, an API server's flags.
   */
  | { kind: 'replace-value'; documentIndex: number; path: IndexPath; value: unknown };

const MAX_DEPTH = 200;

/** Index path from the document root to `target` (a Pair of a map or an item of a sequence). */
export function indexPathTo(document: Document, target: unknown): IndexPath | undefined {
  const search = (node: unknown, path: IndexPath): IndexPath | undefined => {
    if (path.length > MAX_DEPTH) return undefined;
    if (!isMap(node) && !isSeq(node)) return undefined;
    const items = (node as YAMLMap | YAMLSeq).items as unknown[];
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      if (item === target) return [...path, index];
      const child = isPair(item) ? item.value : item;
      if (child === target && !isPair(item)) return [...path, index];
      const found = search(child, [...path, index]);
      if (found) return found;
    }
    return undefined;
  };
  return search(document.contents, []);
}

/** Deleting `node` (a pair or a sequence item) from document `documentIndex`. */
export function deletionOf(document: Document, documentIndex: number, node: unknown): IntendedChange | undefined {
  const path = indexPathTo(document, node);
  return path ? { kind: 'delete', documentIndex, path } : undefined;
}

/** Setting the value of `pair` (a map's pair) in document `documentIndex` to `value`. */
export function valueChangeOf(document: Document, documentIndex: number, pair: Pair, value: unknown): IntendedChange | undefined {
  const path = indexPathTo(document, pair);
  return path ? { kind: 'replace-value', documentIndex, path, value } : undefined;
}

/**
 * Removing a key is only the change it says when no other reading of the key exists: with a
 * duplicate or a `<<` merge that also sets it, the decoder would fall back to that other value.
 */
export function isOnlyReadingOf(document: Document, map: YAMLMap, pair: Pair): boolean {
  const key = keyString(document, pair);
  if (key === undefined) return false;
  const readings = mapValues(document, { node: map, written: map, shared: false }, key);
  return readings.length === 1 && readings[0].pair === pair;
}
