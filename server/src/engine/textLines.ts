// Where the line around an offset starts and ends, for text edits that work on whole lines. Lines end
// at \n, \r\n or \r, as in LineIndex (which maps many offsets of one text; these look at one).

export function lineStartOf(text: string, offset: number): number {
  return Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
}

/** Offset of the line break ending the line that holds `offset` (or the end of the text). */
export function lineEndOf(text: string, offset: number): number {
  const lineBreak = /\r\n|\r|\n/g;
  lineBreak.lastIndex = offset;
  const found = lineBreak.exec(text);
  return found ? found.index : text.length;
}

/** Offset just past the line break of the line that holds `offset` (or the end of the text). */
export function lineEndWithBreakOf(text: string, offset: number): number {
  const end = lineEndOf(text, offset);
  if (text[end] === '\r' && text[end + 1] === '\n') return end + 2;
  return end < text.length ? end + 1 : end;
}

export function columnOf(text: string, offset: number): number {
  return offset - lineStartOf(text, offset);
}
