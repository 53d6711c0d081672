// Splits a file's text into chunks that each parse on their own to the documents a parse of the whole text
// has there (at column-0 `---` markers), so the pre-check (prefilter.ts), the parse and the analysis
// cache work per YAML document.
import { CST, Lexer, Parser } from 'yaml';
import { TAG_CHARACTERS } from './yamlCharacters';

/** The Lexer's markers in the last text's tail (see `splitDocuments`), kept per open document. */
export interface SplitMemo {
  tail?: string;
  offsets: number[];
}

/** [start, end) of a run of text that parses on its own: one document, or leading comments and one document. */
export interface DocumentChunk {
  start: number;
  end: number;
}

/**
 * Splits a text at its column-0 `---` markers into chunks that each parse, on their own, to exactly
 * the documents a parse of the whole text has there: the yaml lexer ends every document, block scalar,
 * quoted scalar and flow collection at such a line (only `\n` starts a line for it; a `---` followed by
 * a space, tab, line break or the end of the text is a marker). A first chunk that is only blank and
 * comment lines is kept with the next one (the parser gives those comments to the first document).
 * From a quote that may never be closed (see `unclosableQuotes`), the yaml Lexer decides where markers are.
 *
 * Returns undefined when the text has what couples documents or what this split does not model:
 * `...` end markers (a bare document may follow, and comments after one belong to the next document),
 * `%` directives (the yaml package keeps `%TAG` and `%YAML` for the documents after them), and byte
 * order marks after the first character (the lexer skips them at line starts between documents). The
 * caller parses such a text whole.
 */
export function splitDocuments(text: string, memo?: SplitMemo): DocumentChunk[] | undefined {
  if (hasUnmodelledStructure(text)) return undefined;
  const starts = [0];
  const dangers = unclosableQuotes(text);
  pushMarkerCandidates(starts, text, 1, dangers.length > 0 ? dangers[0] : text.length);
  // From the first quote that may never close, the Lexer decides, starting afresh at the last marker
  // before it (as a text of its own does). It only finds markers at a `\n---` (as the line above):
  // with none after that marker, there is nothing to lex for.
  if (dangers.length > 0 && nextMarkerCandidate(text, starts[starts.length - 1] + 1) !== -1) {
    const from = starts[starts.length - 1];
    const tail = text.slice(from);
    if (memo?.tail !== tail) {
      const offsets = markerOffsets(tail, dangers.map((at) => at - from));
      if (memo) Object.assign(memo, { tail, offsets });
      for (const offset of offsets) starts.push(from + offset);
    } else {
      for (const offset of memo.offsets) starts.push(from + offset);
    }
  }
  if (starts.length > 1 && starts[1] > 0 && isBlankOrComments(text, 0, starts[1])) starts.splice(1, 1);
  const chunks: DocumentChunk[] = [];
  for (let index = 0; index < starts.length; index++) {
    chunks.push({ start: starts[index], end: index + 1 < starts.length ? starts[index + 1] : text.length });
  }
  return chunks;
}

/**
 * How many documents a full parse finds in a chunk returned by `splitDocuments`, mostly without parsing
 * it: a chunk after the first starts at `---`, which always starts exactly one document; the first
 * chunk holds one unless it is only blank and comment lines (then it is the whole text). One more
 * way to start a document: a `---` after indentation that ends an unclosed flow collection (the yaml
 * Lexer's flow error path reads the rest of the line as a line start). Chunks with such a line are rare
 * and counted by the yaml Parser.
 */
export function chunkDocumentCount(chunkText: string): number {
  if (hasIndentedMarkerCandidate(chunkText)) {
    let documents = 0;
    for (const token of new Parser().parse(chunkText)) if (token.type === 'document') documents++;
    return documents;
  }
  return isBlankOrComments(chunkText, 0, chunkText.length) ? 0 : 1;
}

/** Whether a line holds `---` (a marker candidate) after spaces or tabs. */
function hasIndentedMarkerCandidate(text: string): boolean {
  for (let at = text.indexOf('---'); at !== -1; at = text.indexOf('---', at + 3)) {
    let lineStart = at;
    while (lineStart > 0 && (text.charCodeAt(lineStart - 1) === 32 || text.charCodeAt(lineStart - 1) === 9)) lineStart--;
    if (lineStart < at && lineStart > 0 && text.charCodeAt(lineStart - 1) === 10 && isMarkerEnd(text.charCodeAt(at + 3))) return true;
  }
  return false;
}

/**
 * Offsets of the `---` markers after the first in a text that starts at one, as the yaml Lexer finds
 * them (counting offsets as the yaml Parser does). `dangers` (ascending) are the only quotes that could
 * open a scalar never closed, which would run to the end of the text, markers included; everywhere
 * else each `\n---` marker candidate is a marker (see `splitDocuments`). So the Lexer runs only from
 * the last marker before a danger until it has passed it, and each stretch in between is scanned.
 */
function markerOffsets(text: string, dangers: readonly number[]): number[] {
  const offsets: number[] = [];
  let lexed: LexedStretch | undefined;
  let scannedTo = 1; // candidates before this were decided (the text's own marker is at 0)
  for (const danger of dangers) {
    if (lexed !== undefined && lexed.end > danger) continue; // the Lexer already went past it
    const before = offsets.length;
    pushMarkerCandidates(offsets, text, scannedTo, danger);
    // Start afresh at the last marker before the danger, or go on where the Lexer stopped.
    if (offsets.length > before || lexed === undefined) lexed = new LexedStretch(text, offsets.length > before ? offsets[offsets.length - 1] : 0);
    lexed.pushMarkersUpTo(offsets, danger);
    if (lexed.end >= text.length) return offsets; // a scalar ran to the end, or the text ended
    scannedTo = lexed.end;
  }
  pushMarkerCandidates(offsets, text, scannedTo, text.length);
  return offsets;
}

/** The yaml Lexer run from a marker, token by token, as far as asked. */
class LexedStretch {
  /** Offset in the text just past the last token taken. */
  end: number;
  private readonly tokens: Iterator<string>;
  private scalarSource = false;

  constructor(
    text: string,
    private readonly start: number,
  ) {
    this.end = start;
    this.tokens = new Lexer().lex(text.slice(start))[Symbol.iterator]();
  }

  /** Takes tokens until one ends past `offset`; pushes the markers among them, except the starting one. */
  pushMarkersUpTo(markers: number[], offset: number): void {
    while (this.end <= offset) {
      const next = this.tokens.next();
      if (next.done === true) {
        this.end = Number.POSITIVE_INFINITY;
        break;
      }
      const token = next.value;
      // After the scalar control token comes a scalar's source, which may read `---` too.
      const type: string | null = this.scalarSource ? 'scalar source' : CST.tokenType(token);
      this.scalarSource = type === 'scalar';
      if (type === 'doc-start' && this.end > this.start) markers.push(this.end);
      // These control tokens stand for no source text.
      if (type !== 'doc-mode' && type !== 'flow-error-end' && type !== 'scalar') this.end += token.length;
    }
  }
}

/** Pushes the starts of the `---` marker candidates in [from, to] (one at a time: there may be very many). */
function pushMarkerCandidates(starts: number[], text: string, from: number, to: number): void {
  for (let start = nextMarkerCandidate(text, from); start !== -1 && start <= to; start = nextMarkerCandidate(text, start + 3)) starts.push(start);
}

/** The start of the first `---` marker candidate at or after `from` (a `---` after a `\n`, see `isMarkerEnd`), or -1. */
function nextMarkerCandidate(text: string, from: number): number {
  for (let at = text.indexOf('\n---', from - 1); at !== -1; at = text.indexOf('\n---', at + 4)) {
    if (isMarkerEnd(text.charCodeAt(at + 4))) return at + 1;
  }
  return -1;
}

/**
 * The quotes that may open a scalar the yaml Lexer never closes, ascending. The Lexer ends a quoted
 * scalar at a marker line only when the scalar has a closing quote somewhere later in the text;
 * without one the scalar runs to the end of the text, markers included. A quote before the last
 * closing one of its kind is closed: for `"` the last one after an even number of backslashes closes
 * any opened before it; for `'` the last run of an odd number of quotes (`''` is an escaped quote)
 * does. Every quote from there on (that closing one included) counts, so the list errs long, except a quote
 * the Lexer cannot start a scalar at (`mayOpenScalar`): most texts end their last quoted scalar with a quote
 * right after a letter, and an apostrophe in a comment (`don't`) is one too.
 */
function unclosableQuotes(text: string): number[] {
  const dangers: number[] = [];
  const firstDouble = text.indexOf('"');
  if (firstDouble !== -1) {
    let closing = -1;
    for (let at = text.lastIndexOf('"'); at !== -1 && closing === -1; at = at > 0 ? text.lastIndexOf('"', at - 1) : -1) {
      let backslashes = 0;
      while (text.charCodeAt(at - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) closing = at;
    }
    pushAll(dangers, text, '"', closing === -1 ? firstDouble : closing);
  }
  const firstSingle = text.indexOf("'");
  if (firstSingle !== -1) {
    let closing = -1;
    for (let at = text.lastIndexOf("'"); at !== -1 && closing === -1; ) {
      let runStart = at;
      while (runStart > 0 && text.charCodeAt(runStart - 1) === 39) runStart--;
      if ((at - runStart + 1) % 2 === 1) closing = runStart;
      else at = runStart > 0 ? text.lastIndexOf("'", runStart - 1) : -1;
    }
    pushAll(dangers, text, "'", closing === -1 ? firstSingle : closing);
  }
  return dangers.sort((a, b) => a - b);
}

/** Pushes the offsets of every `quote` in the text from `from` on at which the Lexer may open a scalar. */
function pushAll(offsets: number[], text: string, quote: string, from: number): void {
  for (let at = text.indexOf(quote, from); at !== -1; at = text.indexOf(quote, at + 1)) if (mayOpenScalar(text, at)) offsets.push(at);
}

/**
 * Whether the yaml Lexer may start a quoted scalar at this quote. It starts one only where a node starts:
 * after white space or a line break, after the flow indicators `[`, `{`, `,` or `:`, right after another
 * quoted scalar, or right after a tag (`!t"x"`: a tag ends at the first character that is not a tag
 * character, and `"` is not one; `'` is, so `!t'x'` is one tag). Everywhere else, after an ASCII letter or
 * digit in particular, the quote is inside a token (a plain scalar, a comment, another quoted scalar, a tag,
 * an anchor or alias, whose names take quotes) or closes a scalar. Only the letter-or-digit case is ruled
 * out here; every other character before a quote counts as a place a scalar may start.
 */
function mayOpenScalar(text: string, at: number): boolean {
  if (!isAsciiLetterOrDigit(text.charCodeAt(at - 1))) return true;
  if (text[at] === "'") return false;
  // A run of tag characters (and `%XX` escapes) right before the quote: a tag when it holds a `!`.
  for (let before = at - 1; before >= 0 && (TAG_CHARACTERS.has(text[before]) || text[before] === '%'); before--) {
    if (text[before] === '!') return true;
  }
  return false;
}

function isAsciiLetterOrDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** After `---`/`...`: the yaml lexer's "empty" characters (end of text, space, tab, \n, \r). */
function isMarkerEnd(code: number): boolean {
  return Number.isNaN(code) || code === 32 || code === 9 || code === 10 || code === 13;
}

function hasUnmodelledStructure(text: string): boolean {
  if (text.indexOf('\uFEFF', 1) !== -1) return true;
  const first = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.startsWith('%', first) || isEndMarkerAt(text, first)) return true;
  // A first document without `---` whose content starts with `]` or `}` may get no value, and the
  // yaml Parser then takes the next `---` into that same document.
  const content = firstContentCharacter(text);
  if (content === ']' || content === '}') return true;
  if (text.includes('\n%')) return true;
  for (let at = text.indexOf('\n...'); at !== -1; at = text.indexOf('\n...', at + 4)) {
    if (isEndMarkerAt(text, at + 1)) return true;
  }
  return false;
}

/** The first character of the text that is not a byte order mark, white space or in a comment line. */
function firstContentCharacter(text: string): string | undefined {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) i++;
    else if (ch === '#') {
      const lineEnd = text.indexOf('\n', i);
      if (lineEnd === -1) return undefined;
      i = lineEnd + 1;
    } else return ch;
  }
  return undefined;
}

function isEndMarkerAt(text: string, offset: number): boolean {
  return text.startsWith('...', offset) && isMarkerEnd(text.charCodeAt(offset + 3));
}

/**
 * Whether [start, end) has only lines the lexer skips before a document: blank (spaces and tabs),
 * comments, each optionally after a byte order mark. A `\r` counts as blank only before `\n`.
 */
function isBlankOrComments(text: string, start: number, end: number): boolean {
  let lineStart = start;
  while (lineStart < end) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    let i = lineStart;
    if (text.charCodeAt(i) === 0xfeff) i++;
    while (i < lineEnd && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    const blank = i === lineEnd || text.charCodeAt(i) === 35 /* # */ || (text.charCodeAt(i) === 13 && i + 1 === lineEnd && lineEnd < text.length);
    if (!blank) return false;
    lineStart = lineEnd + 1;
  }
  return true;
}
