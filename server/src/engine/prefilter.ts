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
