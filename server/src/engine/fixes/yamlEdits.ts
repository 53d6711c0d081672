// Text edits that remove parsed YAML nodes while keeping everything else byte-for-byte: block items
// and pairs lose exactly their own lines, flow collections keep their bracket style and separators.
import { Pair, YAMLMap, YAMLSeq } from 'yaml';

import { OffsetEdit } from '../textEdits';
import { lineEndWithBreakOf, lineStartOf } from '../textLines';

export { lineStartOf };

type Spanned = { range?: [number, number, number] | null };

function spanOf(node: Spanned | null | undefined): [number, number] | undefined {
  return node?.range ? [node.range[0], node.range[1]] : undefined;
}

export function onlySpaceBefore(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStartOf(text, offset), offset));
}

/** End of the visible value: node ranges of block collections run into the next line. */
export function trimEnd(text: string, start: number, end: number): number {
  let trimmed = end;
  while (trimmed > start && /\s/.test(text[trimmed - 1])) trimmed--;
  return trimmed;
}

/**
 * End of a block node's own content: like trimEnd, and comment-only lines at its end are left out.
 * The parser counts a comment after a block collection's last entry as part of it, but such a comment
 * usually introduces the next key (`# kube-mitm-guard-disable-next-line …` above it), so a removal
 * must keep it.
 */
export function contentEnd(text: string, start: number, end: number): number {
  let trimmed = trimEnd(text, start, end);
  for (;;) {
    const lineStart = lineStartOf(text, trimmed);
    if (lineStart <= start || !/^[ \t]*#/.test(text.slice(lineStart, trimmed))) return trimmed;
    trimmed = trimEnd(text, start, lineStart);
  }
}

/** The text's line break, so inserted lines match the file (CRLF files stay CRLF). */
export function lineBreakOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Where the `-` indicator of a block sequence item written at `itemStart` is. */
export function dashBefore(text: string, itemStart: number): number | undefined {
  let index = itemStart - 1;
  while (index >= 0 && /\s/.test(text[index])) index--;
  return text[index] === '-' ? index : undefined;
}

/** Removes some items of a sequence. Returns undefined when the layout is one we cannot edit safely. */
export function removeSequenceItems(text: string, seq: YAMLSeq, removeIndices: ReadonlySet<number>): OffsetEdit[] | undefined {
  const seqSpan = spanOf(seq as Spanned);
  if (!seqSpan) return undefined;
  const itemSpans = seq.items.map((item) => spanOf(item as Spanned));
  if (itemSpans.some((span) => !span)) return undefined;
  const spans = itemSpans as [number, number][];
  if (seq.flow) return [rebuildFlow(text, seqSpan, spans, removeIndices, '[]')];
  if (removeIndices.size === seq.items.length) {
    // An empty block sequence must become `key: []` on the key's line: a flow `[]` on a line of
    // its own at the key's indentation would not parse.
    const end = contentEnd(text, seqSpan[0], seqSpan[1]);
    const dash = dashBefore(text, spans[0][0]);
    if (dash === undefined) return undefined;
    let colon = dash - 1;
    while (colon >= 0 && /\s/.test(text[colon])) colon--;
    if (text[colon] !== ':') return undefined;
    return [{ start: colon + 1, end, newText: ' []' }];
  }
  const edits: OffsetEdit[] = [];
  for (const index of removeIndices) {
    const [start, end] = spans[index];
    const dash = dashBefore(text, start);
    if (dash === undefined || !onlySpaceBefore(text, dash)) return undefined;
    const lastLineEnd = lineEndWithBreakOf(text, contentEnd(text, start, end));
    edits.push({ start: lineStartOf(text, dash), end: lastLineEnd, newText: '' });
  }
  return edits;
}

/** Removes one pair of a map. */
export function removePair(text: string, map: YAMLMap, pair: Pair): OffsetEdit | undefined {
  const mapSpan = spanOf(map as Spanned);
  const index = map.items.indexOf(pair);
  const keySpan = spanOf(pair.key as Spanned);
  if (!mapSpan || index === -1 || !keySpan) return undefined;
  const valueSpan = spanOf(pair.value as Spanned) ?? keySpan;
  const pairSpans: [number, number][] = [];
  for (const item of map.items) {
    const key = spanOf(item.key as Spanned);
    if (!key) return undefined;
    pairSpans.push([key[0], spanOf(item.value as Spanned)?.[1] ?? key[1]]);
  }
  if (map.flow) return rebuildFlow(text, mapSpan, pairSpans, new Set([index]), '{}');
  const pairEnd = contentEnd(text, keySpan[0], Math.max(valueSpan[1], keySpan[1]));
  // A key's range leaves out its tag and anchor (`!!binary a2V5: v`): they go with it.
  const lineStart = lineStartOf(text, keySpan[0]);
  const linePrefix = text.slice(lineStart, keySpan[0]);
  const startsItsLine = /^[ \t]*(?:[!&][^ \t]*[ \t]+)*$/.test(linePrefix);
  if (map.items.length === 1) {
    const start = startsItsLine ? lineStart + linePrefix.length - linePrefix.trimStart().length : keySpan[0];
    return { start, end: contentEnd(text, mapSpan[0], mapSpan[1]), newText: '{}' };
  }
  if (startsItsLine) return { start: lineStart, end: lineEndWithBreakOf(text, pairEnd), newText: '' };
  // The map starts mid-line (`- key: v`): pull the next key up into this position. Only after sequence
  // dashes: a tag or anchor before the key would stay behind on the next key.
  if (index === 0 && /^[ \t]*(?:-[ \t]+)+$/.test(linePrefix)) return { start: keySpan[0], end: pairSpans[1][0], newText: '' };
  return undefined;
}

/**
 * Rewrites a flow collection without some entries, keeping the original opening and closing space
 * and the separator between the first two entries (`[a, b]`, `["a","b"]`, one entry per line).
 */
function rebuildFlow(
  text: string,
  collection: [number, number],
  entries: [number, number][],
  remove: ReadonlySet<number>,
  empty: string,
): OffsetEdit {
  const open = collection[0];
  const close = trimEnd(text, collection[0], collection[1]) - 1;
  const kept = entries.filter((_, index) => !remove.has(index));
  if (kept.length === 0) return { start: open, end: close + 1, newText: empty };
  const leading = text.slice(open + 1, entries[0][0]);
  const lastEntry = entries[entries.length - 1];
  const trailing = text.slice(lastEntry[1], close);
  const separator = entries.length > 1 ? text.slice(entries[0][1], entries[1][0]) : ', ';
  const body = kept.map(([start, end]) => text.slice(start, end)).join(separator);
  return { start: open + 1, end: close, newText: leading + body + trailing };
}

/** Replaces the text of a node (used to swap one RBAC rule for its narrowed parts). */
export function nodeTextSpan(text: string, node: Spanned): [number, number] | undefined {
  const span = spanOf(node);
  return span ? [span[0], trimEnd(text, span[0], span[1])] : undefined;
}
