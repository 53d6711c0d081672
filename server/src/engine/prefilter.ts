import { TRIGGER_WORD_SETS } from './rules/registry';
import { isHexDigit, TAG_CHARACTERS } from './yamlCharacters';

// A sound text pre-check: a text (one YAML document, or a whole file) can only yield findings when the
// words a finding or a fact needs can be decoded from it. Each rule module lists them (RuleModule.triggers
// in rules/registry.ts: every word of one set, each in one decoded scalar), e.g.
//   external-ips, loadbalancer-status: the key `externalIPs` / `loadBalancer`;
//   RBAC rules and facts: the kind `Role`/`ClusterRole`/`RoleBinding`/`ClusterRoleBinding` (each
//     contains `Role`) and the apiVersion `rbac.authorization.k8s.io/v1` (isObjectOf compares it exactly);
// and unused-suppression needs a comment with `kube-mitm-guard-disable` (comments are never decoded).
// How a decoded scalar can hold a word that is not in the text literally:
//   - Plain, single-quoted and block scalars: never. Line folding inserts a space or a line break, so it
//     cannot join a word; `''` decodes to `'`, which no word contains. Anchors, aliases and merge keys only
//     repeat or combine scalars written elsewhere in the same document. None of the words contains white
//     space, so every word of a decoded value is a run of the text between white space.
//   - Double-quoted scalars: only through `\` escapes (`\x2a`, `\u0065`, an escaped line break joining
//     two lines). `decodeEscapes` decodes every escape of the text from its start, as the yaml package
//     does inside a double-quoted scalar. It is in step with every scalar's own decoding at the opening
//     quote: an escape it decodes never runs over an opening quote (that would need a `\` right before
//     the quote, and a quoted scalar never starts right after a `\`; `\x`/`\u`/`\U` with invalid
//     digits are left as two characters; an escaped line break ends at the first character that is not
//     a space or tab). So each scalar's decoded value is, up to white space, a substring of the decoded
//     text. Words are looked for in the text and in its decoded form (decoding may also hide a word the
//     text has literally, as `\e` in a plain `\externalIPs`), when its escapes can make one (textsToSearch).
//   - Tags: only `!!binary` decodes a scalar into other characters (yamlModel.ts; `!!str`, `!!null`
//     and `!!merge` decode nothing new). The tag resolves to tag:yaml.org,2002:binary when written
//     verbatim (`!<tag:yaml.org,2002:binary>`: the text has `!<` and `binary`), as a shorthand whose run
//     of tag characters (the yaml Lexer's, from the `!`) holds `binary` or a `%XX` escape the package
//     URI-decodes (`!!%62inary`), or through a `%TAG` directive (a line starting with `%`).
// So a text for which `mightHaveFindings` is false has no findings.
const SUPPRESSION_WORD = 'kube-mitm-guard-disable';

// Each distinct trigger word once, and every set as indices into that list: many sets share words (every
// RBAC set has the RBAC apiVersion), and a word absent from a text costs a scan of the whole text each time
// it is looked for, so each word is looked for at most once per text. Within a set, the words that more
// sets share come first: most texts lack them, and one scan then rules out every set that has them.
const TRIGGER_WORDS = [...new Set(TRIGGER_WORD_SETS.flat())];
const SETS_PER_WORD = TRIGGER_WORDS.map((word) => TRIGGER_WORD_SETS.filter((words) => words.includes(word)).length);
const TRIGGER_SETS_BY_INDEX = TRIGGER_WORD_SETS.map((words) =>
  words.map((word) => TRIGGER_WORDS.indexOf(word)).sort((a, b) => SETS_PER_WORD[b] - SETS_PER_WORD[a]),
);
const UNKNOWN = 0;
const PRESENT = 1;
const ABSENT = 2;

/** Every character of a trigger word or of the suppression word. */
const WORD_CHARACTERS = new Set([...TRIGGER_WORDS, SUPPRESSION_WORD].join(''));

export function mightHaveFindings(text: string): boolean {
  if (mayHaveBinaryTag(text)) return true;
  const searched = textsToSearch(text);
  const has = (word: string): boolean => searched.some((each) => each.includes(word));
  if (has(SUPPRESSION_WORD)) return true;
  const seen = new Uint8Array(TRIGGER_WORDS.length);
  const hasWord = (index: number): boolean => {
    if (seen[index] === UNKNOWN) seen[index] = has(TRIGGER_WORDS[index]) ? PRESENT : ABSENT;
    return seen[index] === PRESENT;
  };
  return TRIGGER_SETS_BY_INDEX.some((indices) => indices.every(hasWord));
}

/** Whether a tag in the text could resolve to !!binary (see the soundness argument above). */
function mayHaveBinaryTag(text: string): boolean {
  let at = text.indexOf('!');
  if (at === -1) return false;
  if (text.includes('!<') && text.includes('binary')) return true;
  if (text.startsWith('%') || text.includes('\n%')) return true;
  while (at !== -1) {
    // The run of tag characters from this `!`; a `!` inside it starts a run that is a suffix of it.
    let end = at + 1;
    for (;;) {
      const code = text.charCodeAt(end);
      if (TAG_CHARACTERS.has(text[end])) end++;
      else if (code === 37 /* % */ && isHexDigit(text.charCodeAt(end + 1)) && isHexDigit(text.charCodeAt(end + 2))) return true;
      else break;
    }
    if (end - at >= 7 && text.slice(at, end).includes('binary')) return true;
    at = text.indexOf('!', end);
  }
  return false;
}

/**
 * The text, and its decoded forms that can hold a word the text lacks. Text embedded in a double-quoted string
 * (a Kustomize inline patch in JSON) is decoded twice: once as the string, once as the embedded document's own
 * double-quoted scalars. A decoded form is searched only when one of its escapes produced a character of some
 * word, or nothing (an escaped line break joins two runs): elsewhere it is the undecoded form's own runs of
 * text, each ended where that form has a `\` (no word has one) by an escape's output, which no word has then
 * either, so every word it holds is in the undecoded form already. (JSON's `\"` and `\n` produce no word
 * characters: a JSON manifest full of them is searched once, not three times.)
 */
function textsToSearch(text: string): string[] {
  const searched = [text];
  let current = text;
  for (let depth = 0; depth < 2 && current.includes('\\'); depth++) {
    const decoding = decodeEscapesOf(current);
    if (decoding.producesWordCharacters) searched.push(decoding.decoded);
    current = decoding.decoded;
  }
  return searched;
}

// The yaml package's double-quoted escapes (compose/resolve-flow-scalar.js).
const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', N: '\u0085', _: '\u00a0',
  L: '\u2028', P: '\u2029', ' ': ' ', '"': '"', '/': '/', '\\': '\\', '\t': '\t',
};

/**
 * The text with every `\` escape decoded from the start of the text, as the yaml package decodes them
 * in a double-quoted scalar; escapes it would reject (unknown, or `\x`/`\u`/`\U` without enough hex
 * digits) stay as written, two characters at a time.
 */
export function decodeEscapes(text: string): string {
  return decodeEscapesOf(text).decoded;
}

/** `decodeEscapes`, and whether an escape produced a character of some word, or nothing (see textsToSearch). */
function decodeEscapesOf(text: string): { decoded: string; producesWordCharacters: boolean } {
  let decoded = '';
  let producesWordCharacters = false;
  let from = 0;
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', from)) {
    decoded += text.slice(from, at);
    const next = text[at + 1];
    from = at + 2;
    const escape = next === undefined ? undefined : ESCAPES[next];
    if (escape !== undefined) {
      decoded += escape;
      if (WORD_CHARACTERS.has(escape)) producesWordCharacters = true;
    } else if (next === '\n' || (next === '\r' && text[at + 2] === '\n')) {
      // An escaped line break: it and the next line's leading spaces and tabs decode to nothing.
      from = next === '\n' ? at + 2 : at + 3;
      while (text[from] === ' ' || text[from] === '\t') from++;
      producesWordCharacters = true;
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const length = next === 'x' ? 2 : next === 'u' ? 4 : 8;
      const digits = text.slice(at + 2, at + 2 + length);
      const code = /^[0-9a-fA-F]+$/.test(digits) && digits.length === length ? parseInt(digits, 16) : NaN;
      if (code <= 0x10ffff) {
        const character = String.fromCodePoint(code);
        decoded += character;
        if (WORD_CHARACTERS.has(character)) producesWordCharacters = true;
        from = at + 2 + length;
      } else {
        decoded += text.slice(at, at + 2);
      }
    } else {
      decoded += text.slice(at, from);
    }
  }
  return { decoded: decoded + text.slice(from), producesWordCharacters };
}
