// Reads values out of a parsed YAML document the way Kubernetes' decoder (go-yaml v2 behind
// sigs.k8s.io/yaml) does, while keeping every node's source range: aliases are followed, `<<` merge keys
// are applied, quoted and escaped keys mean what they decode to, and `!!binary` scalars decode to their
// bytes. Where decoders could disagree (duplicate keys, a key both explicit and merged), every candidate
// value is returned, so a rule that checks all of them cannot be walked around by choosing the other
// reading. Parsing is yamlParse.ts's job.
import { Alias, Document, isAlias, isMap, isScalar, isSeq, Pair, Scalar, visit, YAMLMap, YAMLSeq } from 'yaml';

export type ValueNode = Scalar | YAMLMap | YAMLSeq;
type AnyNode = ValueNode | Alias;

/** A node reached by navigation, with where it was found so fixes can edit its container. */
export interface Located<T extends ValueNode = ValueNode> {
  node: T;
  /** The node as written at this position: an Alias when reached through `*name`. */
  written: AnyNode;
  /** The pair holding this value, when it is a map value. */
  pair?: Pair;
  /** The map or sequence that contains `written`. */
  parent?: YAMLMap | YAMLSeq;
  /** True when reached through an alias or a merge key anywhere on the path: editing it changes the anchor. */
  shared: boolean;
  /** The first alias on the path from where navigation started (an object), when there is one. */
  via?: Via;
}

/**
 * Where an object picks up a node that other objects may share: an alias (`*name`), or a `<<` merge key
 * entry whose value is (or holds) an alias. A merge of a map written in place shares nothing.
 */
export interface Via {
  start: number;
  end: number;
  /** The anchor the alias refers to (`&name`). */
  anchor: string;
  merge: boolean;
}

const MAX_ALIAS_HOPS = 64;
const BINARY_TAG = 'tag:yaml.org,2002:binary';
const MERGE_TAG = 'tag:yaml.org,2002:merge';
const NULL_TAG = 'tag:yaml.org,2002:null';
const NULL_WORDS = new Set(['', '~', 'null', 'Null', 'NULL']);

/** Per-document anchor table, built on the first alias resolution. */
const anchorTables = new WeakMap<Document, Map<string, AnyNode[]>>();

function anchorTable(document: Document): Map<string, AnyNode[]> {
  let table = anchorTables.get(document);
  if (!table) {
    const built = new Map<string, AnyNode[]>();
    visit(document, {
      Node(_key, node) {
        const anchor = (node as { anchor?: string }).anchor;
        if (anchor && (isScalar(node) || isMap(node) || isSeq(node))) {
          const list = built.get(anchor) ?? [];
          list.push(node);
          built.set(anchor, list);
        }
      },
    });
    table = built;
    anchorTables.set(document, table);
  }
  return table;
}

/** Follows an alias to the most recent preceding node with that anchor, as YAML requires. */
export function resolveNode(document: Document, node: unknown): ValueNode | undefined {
  let current = node;
  for (let hops = 0; hops < MAX_ALIAS_HOPS && isAlias(current); hops++) {
    const alias: Alias = current;
    const candidates = anchorTable(document).get(alias.source) ?? [];
    const aliasStart = alias.range?.[0] ?? Number.POSITIVE_INFINITY;
    let target: AnyNode | undefined;
    for (const candidate of candidates) {
      if ((candidate.range?.[0] ?? 0) < aliasStart) target = candidate;
    }
    current = target;
  }
  if (isScalar(current) || isMap(current) || isSeq(current)) return current;
  return undefined;
}

function decodeBinary(base64: string): string {
  return Buffer.from(base64.replace(/\s+/g, ''), 'base64').toString('latin1');
}

/**
 * The string go-yaml would produce for a scalar: its decoded text, with `!!binary` decoded to bytes.
 * Returns undefined for collections and null.
 */
export function scalarString(node: ValueNode | undefined): string | undefined {
  if (!isScalar(node)) return undefined;
  const raw = node.value;
  if (raw === null || raw === undefined) return undefined;
  const text = String(raw);
  if (node.tag === BINARY_TAG) return decodeBinary(text);
  if (isNullScalar(node)) return undefined;
  return text;
}

/** An untagged plain scalar that go-yaml resolves to null (`~`, `null`, empty). */
export function isNullScalar(node: ValueNode | undefined): boolean {
  if (!isScalar(node)) return false;
  // go-yaml resolves `!!null`, `!!null ~` and `!!null ''` to null too (JSON null: a nil list, which the API server accepts).
  if (node.tag === NULL_TAG) return NULL_WORDS.has(String(node.value ?? ''));
  return node.type === 'PLAIN' && node.tag === undefined && NULL_WORDS.has(String(node.value ?? ''));
}

/** A plain scalar that go-yaml resolves to something other than a string (bool, int, float). */
export function isNonStringPlainScalar(node: Scalar): boolean {
  if (node.type !== 'PLAIN' || node.tag !== undefined) return false;
  const text = String(node.value ?? '');
  return GO_YAML_NON_STRING.test(text);
}

/**
 * The integer go-yaml v2 resolves a plain, untagged scalar to: decimal, `0x`, `0b`, `0o` or leading-`0`
 * octal, with a sign and `_` separators, or a float without fraction (`8e1`), which JSON carries into an
 * integer field as the same number. Undefined for anything else: a quoted `"80"` is a string, which an
 * integer field rejects.
 */
export function goYamlInteger(node: ValueNode | undefined): number | undefined {
  if (!isScalar(node) || !isNonStringPlainScalar(node)) return undefined;
  const plain = String(node.value).replace(/_/g, '');
  const sign = plain.startsWith('-') ? -1 : 1;
  const digits = plain.replace(/^[-+]/, '');
  const octal = /^0o?([0-7]+)$/.exec(digits);
  // Number() reads decimal, 0x, 0b and float forms, and gives NaN for the words go-yaml reads as bools.
  const value = sign * (octal ? parseInt(octal[1], 8) : Number(digits));
  return Number.isSafeInteger(value) ? value : undefined;
}

// go-yaml v2's resolve table: YAML 1.1 booleans, ints (decimal, 0x, 0o/0 octal, 0b, underscores), floats, .inf/.nan.
const GO_YAML_NON_STRING =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.type === 'PLAIN' && key.value === '<<' && (key.tag === undefined || key.tag === MERGE_TAG);
}

/** The decoded key of a pair, or undefined for complex (collection) keys. */
export function keyString(document: Document, pair: Pair): string | undefined {
  const key = resolveNode(document, pair.key);
  if (!isScalar(key)) return undefined;
  if (key.value === null || key.value === undefined) return undefined;
  return key.tag === BINARY_TAG ? decodeBinary(String(key.value)) : String(key.value);
}

/**
 * Every value a decoder could give `key` in `map`: explicit pairs (all of them when the key is
 * duplicated) and values reached through merge keys (recursively).
 */
export function mapValues(document: Document, map: Located<YAMLMap>, key: string): Located[] {
  const found: Located[] = [];
  walkMergedPairs(document, map.node, { shared: map.shared, via: map.via }, (item, parent, reach) => {
    if (keyString(document, item) !== key) return;
    const written = item.value as AnyNode | null;
    const node = resolveNode(document, written);
    if (!node || !written) return;
    found.push({ node, written, pair: item, parent, shared: reach.shared || isAlias(written), via: reach.via ?? aliasVia(written) });
  });
  return found;
}

/** How a map was reached: what every value found in it inherits. */
interface Reach {
  shared: boolean;
  via?: Via;
}

/**
 * Visits the pairs of `map` and, in place of each `<<` entry, the pairs of the maps it merges (recursively),
 * in document order, each map once. Iterative: go-yaml reads merge chains of any depth, so a deep chain must
 * neither overflow the stack nor be cut short (that would hide what it merges).
 */
function walkMergedPairs(document: Document, map: YAMLMap, reach: Reach, visit: (pair: Pair, parent: YAMLMap, reach: Reach) => void): void {
  const seen = new Set<YAMLMap>();
  const stack: { map: YAMLMap; reach: Reach; next: number }[] = [{ map, reach, next: -1 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next === -1) {
      if (seen.has(frame.map)) {
        stack.pop();
        continue;
      }
      seen.add(frame.map);
      frame.next = 0;
    }
    if (frame.next >= frame.map.items.length) {
      stack.pop();
      continue;
    }
    const item = frame.map.items[frame.next++];
    if (!isPairLike(item)) continue;
    if (!isMergeKey(item.key)) {
      visit(item, frame.map, frame.reach);
      continue;
    }
    // The merged maps are walked before the rest of this one, the first source first.
    const sources = mergeSources(document, item);
    for (let index = sources.length - 1; index >= 0; index--) {
      stack.push({ map: sources[index].map, reach: { shared: true, via: frame.reach.via ?? sources[index].via }, next: -1 });
    }
  }
}

/** The maps a `<<` entry merges in (its value: a map, an alias to one, or a sequence of those), each with the alias it comes through. */
function mergeSources(document: Document, entry: Pair): { map: YAMLMap; via?: Via }[] {
  const value = entry.value;
  const entryVia = (alias: unknown): Via | undefined => {
    if (!isAlias(alias)) return undefined;
    const start = (entry.key as Scalar).range?.[0] ?? nodeSpan(alias).start;
    return { start, end: nodeSpan(value as AnyNode).end, anchor: alias.source, merge: true };
  };
  const resolved = resolveNode(document, value);
  if (isMap(resolved)) return [{ map: resolved, via: entryVia(value) }];
  if (!isSeq(resolved)) return [];
  const maps: { map: YAMLMap; via?: Via }[] = [];
  for (const item of resolved.items) {
    const target = resolveNode(document, item);
    if (isMap(target)) maps.push({ map: target, via: entryVia(value) ?? entryVia(item) });
  }
  return maps;
}

/** The via of a value written as an alias. */
function aliasVia(written: AnyNode): Via | undefined {
  return isAlias(written) ? { ...nodeSpan(written), anchor: written.source, merge: false } : undefined;
}

function isPairLike(item: unknown): item is Pair {
  return typeof item === 'object' && item !== null && 'key' in item && 'value' in item;
}

/** Every map among the values of `key` in `map`. */
export function childMaps(document: Document, map: Located<YAMLMap>, key: string): Located<YAMLMap>[] {
  return mapValues(document, map, key).filter((value): value is Located<YAMLMap> => isMap(value.node));
}

/** The items of a sequence, each resolved through aliases. */
export function sequenceItems(document: Document, seq: Located<YAMLSeq>): Located[] {
  const items: Located[] = [];
  for (const written of seq.node.items) {
    const node = resolveNode(document, written);
    if (!node) continue;
    items.push({ node, written: written as AnyNode, parent: seq.node, shared: seq.shared || isAlias(written), via: seq.via ?? aliasVia(written as AnyNode) });
  }
  return items;
}

/** The items of every sequence among the values of `key` in `map` (duplicate keys: all of them). */
export function listItems(document: Document, map: Located<YAMLMap>, key: string): Located[] {
  const items: Located[] = [];
  for (const list of mapValues(document, map, key)) {
    if (!isSeq(list.node)) continue;
    for (const item of sequenceItems(document, list as Located<YAMLSeq>)) items.push(item);
  }
  return items;
}

/** The decoded strings of `key` in `map` across all candidate values (scalars only). */
export function scalarValues(document: Document, map: Located<YAMLMap>, key: string): string[] {
  const strings: string[] = [];
  for (const value of mapValues(document, map, key)) {
    const text = scalarString(value.node);
    if (text !== undefined) strings.push(text);
  }
  return strings;
}

/** [start, end) of a node's value in the source text (comments after it excluded). */
export function nodeSpan(node: AnyNode): { start: number; end: number } {
  const range = node.range ?? [0, 0, 0];
  return { start: range[0], end: range[1] };
}

/** Strings of every candidate list for `key` (duplicate keys: all of them, as any decoder might pick one); null items are "". */
export function stringListValues(document: Document, map: Located<YAMLMap>, key: string): string[] {
  const strings: string[] = [];
  for (const list of mapValues(document, map, key)) {
    if (!isSeq(list.node)) continue;
    for (const item of sequenceItems(document, list as Located<YAMLSeq>)) {
      // A null item (`- ~`, `-`, JSON null) decodes into a Go []string as "": `apiGroups: [~]` is the core group.
      const text = isNullScalar(item.node) ? '' : scalarString(item.node);
      if (text !== undefined) strings.push(text);
    }
  }
  return strings;
}

/** Every decoded key of `map`, merged keys included (a key written twice is listed once). */
export function mapKeys(document: Document, map: Located<YAMLMap>): string[] {
  const keys = new Set<string>();
  walkMergedPairs(document, map.node, { shared: map.shared }, (item) => {
    const key = keyString(document, item);
    if (key !== undefined) keys.add(key);
  });
  return [...keys];
}

