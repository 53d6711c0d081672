// Adding an allowlist entry to the policy file by editing the text surgically, so comments and layout
// survive (the "allow this IP" quick fix).
import { Document, isMap, isScalar, isSeq, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { parseAllowedCidr } from '../ipAddresses';
import { columnOf, lineEndOf, lineStartOf } from '../textLines';
import { CONFIG_FILE_NAME } from './model';
import { MAX_ALIAS_COUNT, parsePolicyDocument } from './policyFile';

const ALLOWLIST_KEY = 'allowedExternalIPCidrs';

interface Insertion {
  offset: number;
  text: string;
  /** Replaces text[offset, offset + removeLength) (used to replace an explicit `null`). */
  removeLength?: number;
}

/**
 * Inserts `line` as a new line after the node ending at `nodeEnd`. Nodes such as nested maps and
 * block scalars end at the start of the next line (their range includes the line break); inserting
 * there keeps a `|+` scalar's kept blank lines inside the scalar.
 */
function insertLineAfter(text: string, nodeEnd: number, line: string, eol: string): Insertion {
  const atLineStart = nodeEnd > 0 && /[\r\n]/.test(text[nodeEnd - 1]);
  if (atLineStart) return { offset: nodeEnd, text: `${line}${eol}` };
  return { offset: lineEndOf(text, nodeEnd), text: `${eol}${line}` };
}

/** Quote the new entry like the entry before it, so the list keeps one style. */
function formatEntry(cidr: string, styleOf: Node | undefined): string {
  const type = styleOf && isScalar(styleOf) ? styleOf.type : undefined;
  if (type === Scalar.QUOTE_DOUBLE) return `"${cidr}"`;
  if (type === Scalar.QUOTE_SINGLE) return `'${cidr}'`;
  return cidr;
}

/** The indentation a new block list should use under its key, copied from another block list in the file. */
function blockListIndent(text: string, root: YAMLMap): string {
  for (const pair of root.items) {
    if (isSeq(pair.value) && !pair.value.flow && pair.value.range && isScalar(pair.key) && pair.key.range) {
      const offset = columnOf(text, pair.value.range[0]) - columnOf(text, pair.key.range[0]);
      if (offset >= 0) return ' '.repeat(offset);
    }
  }
  return '  ';
}

function insertIntoBlockList(text: string, list: YAMLSeq, entry: (style?: Node) => string, eol: string): Insertion {
  const last = list.items[list.items.length - 1] as Node;
  const lastStart = last.range![0];
  const prefix = text.slice(lineStartOf(text, lastStart), lastStart);
  // Reuse the exact "  - " prefix of the last item when it is a plain one (no anchors or tags).
  const itemPrefix = /^[ ]*-[ ]+$/.test(prefix) ? prefix : `${' '.repeat(columnOf(text, list.range![0]))}- `;
  return insertLineAfter(text, last.range![1], `${itemPrefix}${entry(last)}`, eol);
}

function insertIntoFlowList(text: string, list: YAMLSeq, entry: (style?: Node) => string, eol: string): Insertion {
  const open = list.range![0];
  if (list.items.length === 0) return { offset: open + 1, text: entry() };
  const last = list.items[list.items.length - 1] as Node;
  const lastStart = last.range![0];
  const multiLine = lineStartOf(text, lastStart) > open;
  const separator = multiLine ? `,${eol}${' '.repeat(columnOf(text, lastStart))}` : ', ';
  return { offset: last.range![1], text: `${separator}${entry(last)}` };
}

function insertNewKey(text: string, document: Document, cidr: string, eol: string): Insertion {
  const root = document.contents;
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    // Empty or comment-only file: append after whatever is there.
    const needsBreak = text.length > 0 && !/[\r\n]$/.test(text);
    return { offset: text.length, text: `${needsBreak ? eol : ''}${ALLOWLIST_KEY}:${eol}  - ${cidr}${eol}` };
  }
  if (!isMap(root) || !root.range) throw new Error(`${CONFIG_FILE_NAME} is not a mapping of settings; add the entry by hand`);
  if (root.flow) {
    const entry = `${ALLOWLIST_KEY}: [${cidr}]`;
    const last = root.items[root.items.length - 1];
    const lastNode = (last?.value ?? last?.key) as Node | null | undefined;
    if (!lastNode?.range) return { offset: root.range[0] + 1, text: entry };
    return { offset: lastNode.range[1], text: `, ${entry}` };
  }
  const firstKey = root.items[0]?.key as Node | undefined;
  const keyIndent = ' '.repeat(firstKey?.range ? columnOf(text, firstKey.range[0]) : 0);
  const lastPair = root.items[root.items.length - 1];
  const lastNode = (lastPair.value ?? lastPair.key) as Node;
  const listIndent = keyIndent + blockListIndent(text, root);
  return insertLineAfter(text, lastNode.range![1], `${keyIndent}${ALLOWLIST_KEY}:${eol}${listIndent}- ${cidr}`, eol);
}

function planInsertion(text: string, document: Document, cidr: string, eol: string, quote: boolean): Insertion | 'present' {
  const entry = (style?: Node) => (quote ? `"${cidr}"` : formatEntry(cidr, style));
  const root = document.contents;
  const pair = isMap(root) ? root.items.find((item) => isScalar(item.key) && item.key.value === ALLOWLIST_KEY) : undefined;
  if (!pair) return insertNewKey(text, document, entry(), eol);
  const value = pair.value as Node | null;
  if (value === null || (isScalar(value) && value.value === null)) {
    const keyNode = pair.key as Node;
    if (value?.range && value.range[1] > value.range[0]) {
      // An explicit `~` or `null`: replace it with a one-entry flow list.
      return { offset: value.range[0], removeLength: value.range[1] - value.range[0], text: `[${entry()}]` };
    }
    const keyIndent = columnOf(text, keyNode.range![0]);
    return { offset: lineEndOf(text, keyNode.range![1]), text: `${eol}${' '.repeat(keyIndent + 2)}- ${entry()}` };
  }
  if (!isSeq(value)) {
    throw new Error(`${ALLOWLIST_KEY} in ${CONFIG_FILE_NAME} is not a list; fix it before adding entries`);
  }
  if (value.items.some((item) => isScalar(item) && typeof item.value === 'string' && sameCidr(item.value, cidr))) {
    return 'present';
  }
  if (value.items.some((item) => !(item as Node).range)) throw new Error(`${ALLOWLIST_KEY} has entries this edit cannot place`);
  return value.flow ? insertIntoFlowList(text, value, entry, eol) : insertIntoBlockList(text, value, entry, eol);
}

function sameCidr(existing: string, added: string): boolean {
  if (existing === added) return true;
  const a = parseAllowedCidr(existing);
  const b = parseAllowedCidr(added);
  if ('error' in a || 'error' in b) return false;
  return a.prefixLength === b.prefixLength && a.networkBytes.join() === b.networkBytes.join();
}

/** A fingerprint of every top-level value except the allowlist, to prove an edit changed nothing else. */
function otherValues(document: Document): string {
  const root = document.contents;
  // An empty document has no other values, like an empty mapping.
  if (root === null || (isScalar(root) && root.value === null)) return '[]';
  if (!isMap(root)) return JSON.stringify(String(root));
  const toJS = (node: unknown): unknown => {
    try {
      return node === null || node === undefined ? null : (node as Node).toJS(document, { maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      return '<unreadable>';
    }
  };
  return JSON.stringify(
    root.items
      .filter((pair) => !(isScalar(pair.key) && pair.key.value === ALLOWLIST_KEY))
      .map((pair) => [toJS(pair.key), toJS(pair.value)]),
  );
}

function allowlistValues(document: Document): unknown[] {
  const root = document.contents;
  const list = isMap(root) ? root.get(ALLOWLIST_KEY, true) : undefined;
  return isSeq(list) ? list.items.map((item) => (isScalar(item) ? item.value : String(item))) : [];
}

/**
 * Returns the config file's new text with `cidr` appended to allowedExternalIPCidrs. Everything
 * else stays byte-identical. Throws an Error with a user-facing message when the file cannot be
 * edited safely (syntax errors, allowlist not a list, the CIDR itself invalid).
 */
export function addAllowedCidr(configText: string | undefined, cidr: string): string {
  const parsedCidr = parseAllowedCidr(cidr);
  if ('error' in parsedCidr) throw new Error(`Cannot add to the allowlist: ${parsedCidr.error}`);
  const text = configText ?? '';
  if (text.trim() === '') {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    return `${ALLOWLIST_KEY}:${eol}  - ${cidr}${eol}`;
  }
  const parsed = parsePolicyDocument(text);
  if ('problems' in parsed) {
    throw new Error(`${CONFIG_FILE_NAME} has errors (${parsed.problems[0].message}); fix them before adding entries`);
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const before = allowlistValues(parsed.document);
  const expectedOthers = otherValues(parsed.document);
  // Plain first (the usual style); quoted if the plain form would not read back as the same string.
  for (const quote of [false, true]) {
    const insertion = planInsertion(text, parsed.document, cidr, eol, quote);
    if (insertion === 'present') return text;
    const edited =
      text.slice(0, insertion.offset) + insertion.text + text.slice(insertion.offset + (insertion.removeLength ?? 0));
    const check = parsePolicyDocument(edited);
    if ('document' in check) {
      const after = allowlistValues(check.document);
      const addedExactly = JSON.stringify(after) === JSON.stringify([...before, cidr]);
      if (addedExactly && otherValues(check.document) === expectedOthers) return edited;
    }
  }
  throw new Error(`Could not add ${cidr} to ${CONFIG_FILE_NAME} without changing its other content; add it by hand`);
}
