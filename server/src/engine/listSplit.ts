// Splits a `kind: List` document, as `kubectl get … -o yaml` prints one, into its items, so that each item is
// parsed and analysed on its own: time and memory follow the largest item, not the export.
//
//   apiVersion: v1            head: the document up to and with the column-0 `items:` line
//   items:
//   - apiVersion: v1          an item: a `- ` line at column 0, then lines that are empty or start
//     kind: Service             with two spaces. Read with its `- ` as two spaces, the item is a text
//     …                         of the same length that parses as the item's mapping at indentation 2
//   - apiVersion: v1            (offsets, lines and columns map back by the item's start)
//     …
//   kind: List                tail: from the first column-0 line that is neither
//   metadata:
//     resourceVersion: ""
//
// The split must never change findings, so it takes only what it models exactly and the caller parses the
// whole document otherwise. Here, on the text: no anchors, aliases or tags among the items (an alias may name
// an anchor in another item), no `List` among them (a nested List's items are flattened only so deep), no
// suppression comment (it applies to the whole document) and no Helm template. In the caller, on the parses:
// the head, the tail and every item must each parse without error as they stand. A quoted scalar or flow
// collection that runs over a column-0 line (go-yaml accepts such lines) would leave the part it starts in
// unclosed, so every boundary is a real one; and an error in one item, which makes the whole List
// unparsable, is seen because every item is parsed, not only those the pre-check keeps.
import { decodeEscapes } from './prefilter';

/** [start, end) of one item in the document's text; its text is read with its first two characters (`- `) as spaces. */
export interface ListItemSpan {
  start: number;
  end: number;
}

export interface ListItems {
  /** End of the head (just past the `items:` line) and start of the tail. */
  headEnd: number;
  tailStart: number;
  items: ListItemSpan[];
}

// At the text's start or after a `\n` (a multiline `^` would also match after U+2028, which is no YAML line break).
const ITEMS_LINE = /(?:^|\n)items:\r?\n/;

/**
 * The items of a document text shaped as kubectl prints a List (see above), or undefined. Only textual
 * conditions: the caller parses the head, the tail and the items (`listItemText`) and falls back to the whole
 * document unless each parses without error.
 */
export function splitListItems(documentText: string): ListItems | undefined {
  const itemsLine = ITEMS_LINE.exec(documentText);
  if (itemsLine === null) return undefined;
  if (documentText.includes('kube-mitm-guard-disable') || documentText.includes('{{') || hasLoneCarriageReturn(documentText)) return undefined;
  const headEnd = itemsLine.index + itemsLine[0].length;
  const items: ListItemSpan[] = [];
  let line = headEnd;
  while (line < documentText.length) {
    if (isItemStart(documentText, line)) {
      if (items.length > 0) items[items.length - 1].end = line;
      items.push({ start: line, end: documentText.length });
    } else if (items.length === 0 || !isItemContinuation(documentText, line)) {
      break;
    }
    const lineEnd = documentText.indexOf('\n', line);
    line = lineEnd === -1 ? documentText.length : lineEnd + 1;
  }
  if (items.length === 0) return undefined;
  const tailStart = line;
  items[items.length - 1].end = tailStart;
  // The tail starts with a key of the List's own mapping (or the text ends).
  if (tailStart < documentText.length && !isKeyStart(documentText.charCodeAt(tailStart))) return undefined;
  const region = documentText.slice(headEnd, tailStart);
  if (hasNodeProperty(region) || region.includes('List')) return undefined;
  if (region.includes('\\') && decodeEscapes(region).includes('List')) return undefined;
  return { headEnd, tailStart, items };
}

/** The item's text as parsed on its own: its `- ` read as two spaces, so offsets and columns stay. */
export function listItemText(documentText: string, item: ListItemSpan): string {
  return `  ${documentText.slice(item.start + 2, item.end)}`;
}

/** `- ` at a line start, followed by the first character of a plain key. */
function isItemStart(text: string, line: number): boolean {
  return text.charCodeAt(line) === 45 /* - */ && text.charCodeAt(line + 1) === 32 && isKeyStart(text.charCodeAt(line + 2));
}

/** An empty line, or one indented by at least two spaces. */
function isItemContinuation(text: string, line: number): boolean {
  const first = text.charCodeAt(line);
  if (first === 10 || (first === 13 && text.charCodeAt(line + 1) === 10)) return true;
  return first === 32 && text.charCodeAt(line + 1) === 32;
}

function isKeyStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** A `\r` not followed by `\n` is a line break of its own to YAML but not to this line scan. */
function hasLoneCarriageReturn(text: string): boolean {
  for (let at = text.indexOf('\r'); at !== -1; at = text.indexOf('\r', at + 1)) if (text.charCodeAt(at + 1) !== 10) return true;
  return false;
}

/**
 * Whether the text may hold an anchor (`&a`), an alias (`*a`) or a tag (`!t`): one of those characters at the
 * start of a node (after white space or a flow indicator, or at a line start) followed by a name character.
 * Errs towards yes (`a &b` in a plain scalar counts); `'*'` does not count.
 */
function hasNodeProperty(text: string): boolean {
  for (const indicator of ['&', '*', '!']) {
    for (let at = text.indexOf(indicator); at !== -1; at = text.indexOf(indicator, at + 1)) {
      const before = at === 0 ? 10 : text.charCodeAt(at - 1);
      const after = text.charCodeAt(at + 1);
      if (isNodeStartBefore(before) && !Number.isNaN(after) && !isSeparator(after)) return true;
    }
  }
  return false;
}

/** White space, a line break or a flow indicator (`[`, `{`, `,`): what may precede a node's properties. */
function isNodeStartBefore(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 91 || code === 123 || code === 44;
}

/** White space, a line break or a flow indicator: what cannot be part of an anchor, alias or tag name. */
function isSeparator(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 44 || code === 91 || code === 93 || code === 123 || code === 125;
}
