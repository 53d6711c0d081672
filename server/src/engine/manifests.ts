// Finds the Kubernetes objects in a parsed document: the document's root object, and the items of
// `kind: List` (and other `…List` kinds that kubectl flattens), recursively.
import { Document, isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { Located, resolveNode, scalarValues, sequenceItems, mapValues } from './yamlModel';

export interface ManifestObject {
  map: Located<YAMLMap>;
  apiVersions: string[];
  kinds: string[];
}

// kubectl flattens nested Lists; the cap only guards the stack (distinct nodes are visited once).
const MAX_LIST_DEPTH = 64;

export function manifestObjects(document: Document): ManifestObject[] {
  const root = resolveNode(document, document.contents);
  if (!isMap(root)) return [];
  const objects: ManifestObject[] = [];
  collectObjects(document, { node: root, written: root, shared: false }, objects, 0, new Set());
  return objects;
}

function collectObjects(document: Document, map: Located<YAMLMap>, objects: ManifestObject[], depth: number, seen: Set<YAMLMap>): void {
  // An item reached again through an alias is the same node with the same findings: visiting it once
  // keeps `items: [*list, *list, …]` alias bombs linear.
  if (seen.has(map.node)) return;
  seen.add(map.node);
  const apiVersions = scalarValues(document, map, 'apiVersion');
  const kinds = scalarValues(document, map, 'kind');
  objects.push({ map, apiVersions, kinds });
  if (depth >= MAX_LIST_DEPTH || !kinds.some((kind) => kind.endsWith('List'))) return;
  for (const items of mapValues(document, map, 'items')) {
    if (!isSeq(items.node)) continue;
    for (const item of sequenceItems(document, items as Located<YAMLSeq>)) {
      if (isMap(item.node)) collectObjects(document, item as Located<YAMLMap>, objects, depth + 1, seen);
    }
  }
}

/** Under any decoder reading, could this object be the given kind in the given API group/version? */
export function isObjectOf(object: ManifestObject, apiVersion: string, kinds: readonly string[]): boolean {
  return object.apiVersions.includes(apiVersion) && object.kinds.some((kind) => kinds.includes(kind));
}
