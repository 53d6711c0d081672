// Where the entries of an EventList's `items` start, so a finding in a document read whole still names
// its event's line. A small scan of the JSON structure (strings skipped with their escapes), run only on
// a document that JSON.parse accepted.

/** The 0-based line where each entry of the top-level object's `items` array starts, in order. */
export function itemLines(text: string): number[] {
  const lines: number[] = [];
  /** Open containers: `{` or `[`. */
  const stack: string[] = [];
  let line = 0;
  let keyAtTop: string | undefined;
  let expectKeyAtTop = false;
  let inItems = false;
  let expectItem = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      line++;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') continue;
    if (inItems && stack.length === 2 && expectItem && char !== ']') {
      lines.push(line);
      expectItem = false;
    }
    switch (char) {
      case '"': {
        const start = i + 1;
        i++;
        while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        if (stack.length === 1 && expectKeyAtTop) keyAtTop = text.slice(start, i);
        break;
      }
      case '{':
        stack.push('{');
        if (stack.length === 1) expectKeyAtTop = true;
        break;
      case '[':
        stack.push('[');
        if (stack.length === 2 && keyAtTop === 'items') {
          inItems = true;
          expectItem = true;
        }
        break;
      case '}':
      case ']':
        stack.pop();
        if (stack.length === 1) inItems = false;
        break;
      case ':':
        if (stack.length === 1) expectKeyAtTop = false;
        break;
      case ',':
        if (stack.length === 1) expectKeyAtTop = true;
        if (inItems && stack.length === 2) expectItem = true;
        break;
    }
  }
  return lines;
}
