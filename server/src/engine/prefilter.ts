// A sound text pre-check: a file can only yield findings when some document could decode to one of
// the trigger words below. Keys and values reach the decoder either literally (plain, quoted, through
// anchors and merge keys, all of which keep the word in the text) or through an escape (`\` in a
// double-quoted scalar) or a tag (`!!binary` and `%TAG` shorthands need `!`). Line folding can't split
// a word without inserting a space. So a text with neither the words nor `\` nor `!` has no findings.
const TRIGGER_WORDS = ['externalIPs', 'loadBalancer', 'kube-mitm-guard-disable'];

export function mightHaveFindings(text: string): boolean {
  for (const word of TRIGGER_WORDS) if (text.includes(word)) return true;
  if (text.includes('Role') && (text.includes('services/status') || text.includes('*'))) return true;
  return text.includes('\\') || text.includes('!');
}

// Document markers at column 0. YAML forbids them inside content at column 0, and anchors never
// cross documents, so each document can be pre-checked on its own.
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

/**
 * The text with every document that cannot yield findings blanked out (line breaks and `---`
 * markers kept, so offsets, lines and the document count stay the same), or undefined when no
 * document can yield findings. A blanked document parses as empty, far faster than a CRD bundle.
 */
export function maskDocumentsWithoutFindings(text: string): string | undefined {
  if (!mightHaveFindings(text)) return undefined;
  const starts = [0];
  for (const marker of text.matchAll(DOCUMENT_MARKER)) if (marker.index) starts.push(marker.index);
  if (starts.length === 1) return text;
  const parts: string[] = [];
  let kept = 0;
  for (let index = 0; index < starts.length; index++) {
    const chunk = text.slice(starts[index], starts[index + 1] ?? text.length);
    if (mightHaveFindings(chunk)) {
      parts.push(chunk);
      kept++;
    } else {
      const marker = index > 0 ? chunk.slice(0, 3) : '';
      parts.push(marker + blankLines(chunk.slice(marker.length)));
    }
  }
  if (kept === 0) return undefined;
  return kept === starts.length ? text : parts.join('');
}

/** Turns every line into a comment of the same length: the lexer skips a comment in one step. */
function blankLines(text: string): string {
  return text.replace(/[^\r\n]+/g, (line) => '#' + ' '.repeat(line.length - 1));
}
