// Finds the Kubernetes objects in a parsed document: the document's root object, and the items of
// `kind: List` (and other `…List` kinds that kubectl flattens), recursively.
import { Document, isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { Located, resolveNode, scalarValues, sequenceItems, mapValues, Via } from './yamlModel';

export interface ManifestObject {
  map: Located<YAMLMap>;
  apiVersions: string[];
  kinds: string[];
  /** A List's `items` sequences (every reading); empty for other kinds. */
  itemLists: YAMLSeq[];
  /**
   * Set when the object is judged as a patch of the kinds in `kinds` rather than as written: `kind-less` for a
   * document without apiVersion/kind shaped as a partial Service (patches/servicePatchShape.ts).
   */
  patch?: 'kind-less';
}

/**
 * Objects a List reaches through an alias (an item `*name`, or `items: *name`): the List applies them
 * again, so every finding of the objects behind `node` (an object's map, or an `items` sequence) is
 * also this alias's.
 */
export interface AliasedItems {
  via: Via;
  node: YAMLMap | YAMLSeq;
}

export interface DocumentObjects {
  /** Every distinct object map once, each judged as written (its own aliases and merge keys are its own). */
  objects: ManifestObject[];
  /** The aliases through which Lists written in the document (not behind an alias) reach objects. */
  aliasedItems: AliasedItems[];
}

// kubectl flattens nested Lists; the cap only guards the stack (distinct nodes are visited once).
const MAX_LIST_DEPTH = 64;

export function manifestObjects(document: Document): DocumentObjects {
  const found: DocumentObjects = { objects: [], aliasedItems: [] };
  const root = resolveNode(document, document.contents);
  if (isMap(root)) collectObjects(document, { node: root, written: root, shared: false }, found, 0, { objects: new Set(), lists: new Set() }, true);
  return found;
}

/**
 * `direct`: the object is written in the document, not reached through an alias; only such Lists
 * record aliased items, as whatever an aliased List reaches is already behind its alias.
 */
function collectObjects(
  document: Document,
  reached: Located<YAMLMap>,
  found: DocumentObjects,
  depth: number,
  seen: { objects: Set<YAMLMap>; lists: Set<YAMLSeq> },
  direct: boolean,
): void {
  // An item reached again through an alias is the same node with the same findings: judging it once
  // (and walking each items sequence once) keeps `items: [*list, *list, …]` alias bombs linear.
  if (seen.objects.has(reached.node)) return;
  seen.objects.add(reached.node);
  // An object is judged from its own map: how a List reached it is that List's aliased items.
  const map: Located<YAMLMap> = { node: reached.node, written: reached.written, shared: reached.shared };
  const object: ManifestObject = { map, apiVersions: scalarValues(document, map, 'apiVersion'), kinds: scalarValues(document, map, 'kind'), itemLists: [] };
  found.objects.push(object);
  if (depth >= MAX_LIST_DEPTH || !object.kinds.some((kind) => kind.endsWith('List'))) return;
  for (const items of mapValues(document, map, 'items')) {
    if (!isSeq(items.node)) continue;
    object.itemLists.push(items.node);
    if (direct && items.via) found.aliasedItems.push({ via: items.via, node: items.node });
    if (seen.lists.has(items.node)) continue;
    seen.lists.add(items.node);
    for (const item of sequenceItems(document, items as Located<YAMLSeq>)) {
      if (!isMap(item.node)) continue;
      const itemIsDirect = direct && item.via === undefined;
      if (direct && !items.via && item.via) found.aliasedItems.push({ via: item.via, node: item.node });
      collectObjects(document, item as Located<YAMLMap>, found, depth + 1, seen, itemIsDirect);
    }
  }
}

/** Under any decoder reading, could this object be the given kind in the given API group/version? */
export function isObjectOf(object: ManifestObject, apiVersion: string, kinds: readonly string[]): boolean {
  return object.apiVersions.includes(apiVersion) && object.kinds.some((kind) => kinds.includes(kind));
}
