// Reads a Helm values tree (a values file's documents, a HelmRelease's `spec.values`, an Application's
// `valuesObject`) into the facts the link traces through a chart: every non-empty list with its items,
// and every scalar that looks like an address (a chart can render one value as one externalIPs item).
// Keys are read as the decoder reads them (merge keys applied; a key written twice: every value).
import { Document, isMap, isScalar, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { isNonStringPlainScalar, Located, mapKeys, mapValues, nodeSpan, scalarString, sequenceItems, stringListValues } from '../yamlModel';
import type { Place } from '../workspace/facts';
import { SourceDocument } from '../yamlParse';
import { HelmValueFact, ValueItemFact } from './helmFacts';

// Values trees of real charts nest a dozen levels and hold a few hundred lists; these only bound hostile input.
const MAX_DEPTH = 64;
const MAX_FACTS = 5000;
const ADDRESS_LIKE = /^[0-9A-Fa-f:.%/[\]]*[0-9][0-9A-Fa-f:.%/[\]]*$/;

/** The facts of the tree under `root`; `placeOf` turns a node's span into a place. */
export function valuesTreeFacts(
  document: Document,
  root: Located<YAMLMap>,
  placeOf: (span: { start: number; end: number }) => Place,
  documentIndex: number,
): HelmValueFact[] {
  const facts: HelmValueFact[] = [];
  const stack: { map: Located<YAMLMap>; path: string[] }[] = [{ map: root, path: [] }];
  const seen = new Set<YAMLMap>();
  while (stack.length > 0 && facts.length < MAX_FACTS) {
    const { map, path } = stack.pop() as { map: Located<YAMLMap>; path: string[] };
    // An alias repeats a map; its values are facts where it is first written.
    if (seen.has(map.node) || path.length >= MAX_DEPTH) continue;
    seen.add(map.node);
    for (const key of mapKeys(document, map)) {
      for (const value of mapValues(document, map, key)) {
        const at = [...path, key];
        if (isMap(value.node)) {
          stack.push({ map: value as Located<YAMLMap>, path: at });
        } else if (isSeq(value.node)) {
          const items = sequenceItems(document, value as Located<YAMLSeq>).map((item) => itemFact(document, item, placeOf));
          if (items.length > 0) facts.push({ path: at, items, documentIndex });
        } else if (isScalar(value.node)) {
          const text = scalarString(value.node);
          if (text !== undefined && ADDRESS_LIKE.test(text)) facts.push({ path: at, scalar: itemFact(document, value, placeOf), documentIndex });
        }
      }
    }
  }
  return facts;
}

function itemFact(document: Document, item: Located, placeOf: (span: { start: number; end: number }) => Place): ValueItemFact {
  const fact: ValueItemFact = { place: placeOf(nodeSpan(item.written)) };
  if (isScalar(item.node)) {
    const text = scalarString(item.node);
    if (text !== undefined) fact.text = text;
    if (isNonStringPlainScalar(item.node)) fact.nonString = true;
  } else if (isMap(item.node)) {
    const map = item as Located<YAMLMap>;
    const rule = {
      apiGroups: stringListValues(document, map, 'apiGroups'),
      resources: stringListValues(document, map, 'resources'),
      verbs: stringListValues(document, map, 'verbs'),
    };
    const resourceNames = stringListValues(document, map, 'resourceNames');
    fact.rule = resourceNames.length > 0 ? { ...rule, resourceNames } : rule;
  }
  return fact;
}

/** The facts of one document of a values file (none unless it parsed to a map); `placeOf` turns a span into a place. */
export function valuesDocumentFacts(source: SourceDocument, placeOf: (span: { start: number; end: number }) => Place): HelmValueFact[] {
  const root = source.document.contents;
  if (!source.parsed || !isMap(root)) return [];
  return valuesTreeFacts(source.document, { node: root, written: root, shared: false }, placeOf, source.index);
}
