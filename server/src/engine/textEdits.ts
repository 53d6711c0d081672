// Applying edits to a text: engine edits are offset ranges, LSP edits are line/character ranges.
import { LineIndex } from './lineIndex';
import { TextEdit } from './types';

/** A replacement of text[start, end) by newText. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/** Applies non-overlapping offset edits; undefined when two of them overlap. */
export function applyOffsetEdits(text: string, edits: readonly OffsetEdit[]): string | undefined {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  let limit = Number.POSITIVE_INFINITY;
  for (const edit of sorted) {
    if (edit.end > limit || edit.start > edit.end) return undefined;
    result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
    limit = edit.start;
  }
  return result;
}

/** Applies non-overlapping LSP edits to a text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const offsets = edits.map((edit) => ({ start: lines.offsetAt(edit.range.start), end: lines.offsetAt(edit.range.end), newText: edit.newText }));
  const result = applyOffsetEdits(text, offsets);
  if (result === undefined) throw new Error('overlapping edits');
  return result;
}
