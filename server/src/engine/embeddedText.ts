// Text embedded in a YAML string scalar (a Kustomize `patch: |`, an Argo CD `helm.values` string), with
// every character of the string mapped back to the characters of the file that write it, so that a
// finding in the embedded text sits on the file's `8.8.8.8`. The mapping is rebuilt from the scalar's
// source by YAML's rules (block literal and folded, plain, single- and double-quoted, CRLF breaks,
// indentation indicators) and trusted only when the rebuilt string equals the value the parser read;
// otherwise every range falls back to the whole scalar. Edits are mapped only when re-parsing the edited
// file gives back exactly the edited embedded text (`fileEdits`).
import { isScalar, Scalar, visit } from 'yaml';
import { applyOffsetEdits, OffsetEdit } from './textEdits';
import { MANIFEST_NESTING_LIMITS } from './nestingGuard';
import { parseSourceDocuments, SourceDocument } from './yamlParse';

/** The file characters [from, to) that write one character of the embedded text. */
interface SourceSpan {
  from: number;
  to: number;
  /** True when the span is that very character (not an escape, a folded break, a CRLF or a stripped indent). */
  verbatim: boolean;
}

export interface FileRange {
  start: number;
  end: number;
  /** True when the file range writes the embedded range character for character (a text fix may edit it). */
  exact: boolean;
}

export interface EmbeddedText {
  /** The scalar's string value: the embedded text. */
  readonly text: string;
  /** The scalar's range in the file (its header or quotes included). */
  readonly scalarStart: number;
  readonly scalarEnd: number;
  /** True when every character of `text` is mapped to the characters that write it. */
  readonly mapped: boolean;
  /** The file range that writes text[start, end); the whole scalar, not exact, when that is not known. */
  fileRange(start: number, end: number): FileRange;
  /**
   * File edits that make the scalar's value the embedded text with `edits` applied, or undefined when
   * that is not proven by parsing the edited file again.
   */
  fileEdits(edits: readonly OffsetEdit[]): OffsetEdit[] | undefined;
}

/** The embedded text of a string scalar parsed from `fileText`, or undefined for a non-string scalar. */
export function embeddedTextOf(fileText: string, scalar: Scalar): EmbeddedText | undefined {
  if (typeof scalar.value !== 'string' || !scalar.range) return undefined;
  const [start, valueEnd] = scalar.range;
  const spans = spansOf(fileText, start, valueEnd, scalar.type, scalar.value);
  return new MappedText(fileText, scalar.value, start, valueEnd, scalar.type, spans);
}

class MappedText implements EmbeddedText {
  constructor(
    private readonly fileText: string,
    readonly text: string,
    readonly scalarStart: number,
    readonly scalarEnd: number,
    private readonly style: Scalar['type'],
    private readonly spans: SourceSpan[] | undefined,
  ) {}

  get mapped(): boolean {
    return this.spans !== undefined;
  }

  fileRange(start: number, end: number): FileRange {
    const spans = this.spans;
    if (!spans) return { start: this.scalarStart, end: this.scalarEnd, exact: false };
    if (start >= end) {
      const at = this.offsetBefore(start);
      return { start: at, end: at, exact: true };
    }
    let exact = true;
    for (let i = start; i < end; i++) {
      if (!spans[i].verbatim || (i > start && spans[i - 1].to !== spans[i].from)) exact = false;
    }
    return { start: spans[start].from, end: spans[end - 1].to, exact };
  }

  fileEdits(edits: readonly OffsetEdit[]): OffsetEdit[] | undefined {
    if (!this.spans || edits.length === 0) return undefined;
    const expected = applyOffsetEdits(this.text, edits);
    if (expected === undefined) return undefined;
    const mapped = edits.map((edit) => {
      const range = this.fileRange(edit.start, edit.end);
      return { start: range.start, end: range.end, newText: edit.newText };
    });
    const edited = applyOffsetEdits(this.fileText, mapped);
    if (edited === undefined) return undefined;
    const again = scalarStartingAt(edited, this.scalarStart);
    if (!again || again.type !== this.style) return undefined;
    const reread = embeddedTextOf(edited, again);
    return reread?.mapped && reread.text === expected ? mapped : undefined;
  }

  /** Where an insertion before text[offset] goes in the file. */
  private offsetBefore(offset: number): number {
    const spans = this.spans!;
    if (offset < spans.length) return spans[offset].from;
    return spans.length > 0 ? spans[spans.length - 1].to : this.scalarStart;
  }
}

/** The scalar that starts at `offset` in a fresh parse of `text`. */
function scalarStartingAt(text: string, offset: number): Scalar | undefined {
  for (const source of parseSourceDocuments(text)) {
    if (!source.parsed || offset < source.start || offset >= source.end) continue;
    let found: Scalar | undefined;
    visit(source.document, {
      Scalar(_key, node) {
        if (isScalar(node) && node.range?.[0] === offset) {
          found = node;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return found;
  }
  return undefined;
}

/** The spans of every value character, or undefined when the rebuilt value is not `value`. */
function spansOf(text: string, start: number, end: number, style: Scalar['type'], value: string): SourceSpan[] | undefined {
  const candidates =
    style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED'
      ? blockCandidates(text, start, end, style === 'BLOCK_FOLDED')
      : style === 'QUOTE_DOUBLE' || style === 'QUOTE_SINGLE'
        ? [flowSpans(text, start + 1, end - 1, style)]
        : [flowSpans(text, start, end, 'PLAIN')];
  for (const candidate of candidates) {
    if (candidate && candidate.value === value) return candidate.spans;
  }
  return undefined;
}

interface Rebuilt {
  value: string;
  spans: SourceSpan[];
}

class Builder {
  value = '';
  readonly spans: SourceSpan[] = [];
  push(chars: string, from: number, to: number, verbatim: boolean): void {
    for (const char of chars) {
      // A character outside the BMP is two UTF-16 units, both written by the same span.
      for (let unit = 0; unit < char.length; unit++) this.spans.push({ from, to, verbatim });
      this.value += char;
    }
  }
  result(): Rebuilt {
    return { value: this.value, spans: this.spans };
  }
}

function isBreakAt(text: string, at: number): boolean {
  return text[at] === '\n' || text[at] === '\r';
}

function breakLength(text: string, at: number): number {
  if (text[at] === '\r') return text[at + 1] === '\n' ? 2 : 1;
  return text[at] === '\n' ? 1 : 0;
}

function isBlank(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

// ---- flow scalars (plain, single- and double-quoted) ----

const DOUBLE_QUOTED_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029',
};
const HEX_ESCAPE_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * Rebuilds a flow scalar's value from text[from, to) (inside the quotes): line breaks fold to a space,
 * or to one `\n` per empty line that follows; whitespace around a break is dropped; in double quotes,
 * escapes are decoded and an escaped break joins the lines.
 */
function flowSpans(text: string, from: number, to: number, style: 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE'): Rebuilt | undefined {
  const out = new Builder();
  let blanks: number[] = [];
  const flushBlanks = () => {
    for (const at of blanks) out.push(text[at], at, at + 1, true);
    blanks = [];
  };
  let at = from;
  while (at < to) {
    const char = text[at];
    if (isBreakAt(text, at)) {
      blanks = [];
      const folded = foldBreaks(text, at, to);
      if (folded.emptyLines.length === 0) out.push(' ', at, folded.next, false);
      for (const line of folded.emptyLines) out.push('\n', line.from, line.to, false);
      at = folded.next;
    } else if (isBlank(char)) {
      blanks.push(at);
      at++;
    } else if (style === 'QUOTE_DOUBLE' && char === '\\') {
      flushBlanks();
      if (isBreakAt(text, at + 1)) {
        const folded = foldBreaks(text, at + 1, to);
        for (const line of folded.emptyLines) out.push('\n', line.from, line.to, false);
        at = folded.next;
        continue;
      }
      const escape = text[at + 1];
      const hexLength = HEX_ESCAPE_LENGTHS[escape];
      if (hexLength !== undefined) {
        const hex = text.slice(at + 2, at + 2 + hexLength);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return undefined;
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) return undefined;
        out.push(String.fromCodePoint(code), at, at + 2 + hexLength, false);
        at += 2 + hexLength;
      } else if (escape !== undefined && DOUBLE_QUOTED_ESCAPES[escape] !== undefined) {
        out.push(DOUBLE_QUOTED_ESCAPES[escape], at, at + 2, false);
        at += 2;
      } else {
        return undefined;
      }
    } else if (style === 'QUOTE_SINGLE' && char === "'" && text[at + 1] === "'") {
      flushBlanks();
      out.push("'", at, at + 2, false);
      at += 2;
    } else {
      flushBlanks();
      const code = text.codePointAt(at)!;
      const length = code > 0xffff ? 2 : 1;
      out.push(text.slice(at, at + length), at, at + length, true);
      at += length;
    }
  }
  flushBlanks();
  return out.result();
}

/**
 * From a line break at `at`: the empty lines that follow it (each written by its whitespace and break)
 * and where the next line's text starts, its leading whitespace skipped.
 */
function foldBreaks(text: string, at: number, to: number): { emptyLines: { from: number; to: number }[]; next: number } {
  const emptyLines: { from: number; to: number }[] = [];
  let next = at + breakLength(text, at);
  for (;;) {
    let lineAt = next;
    while (lineAt < to && isBlank(text[lineAt])) lineAt++;
    if (lineAt < to && isBreakAt(text, lineAt)) {
      const after = lineAt + breakLength(text, lineAt);
      emptyLines.push({ from: next, to: after });
      next = after;
      continue;
    }
    return { emptyLines, next: lineAt };
  }
}

// ---- block scalars (literal `|` and folded `>`) ----

interface BlockLine {
  start: number;
  /** Where the line's text ends (its break, or the scalar's end). */
  end: number;
  /** Where the next line starts (after the break). */
  next: number;
  /** Leading spaces. */
  spaces: number;
}

/**
 * Rebuilds a block scalar for every content indentation it may have: the first text line's indentation
 * (auto-detected), or with an indentation indicator, which counts from the parent node's indentation that
 * the scalar does not know, every indentation up to the least-indented text line's.
 */
function blockCandidates(text: string, start: number, end: number, folded: boolean): (Rebuilt | undefined)[] {
  let at = start + 1;
  let chomping: 'clip' | 'strip' | 'keep' = 'clip';
  let explicitIndent: number | undefined;
  for (let i = 0; i < 2; i++) {
    const char = text[at];
    if (char === '-' || char === '+') {
      chomping = char === '-' ? 'strip' : 'keep';
      at++;
    } else if (char !== undefined && char >= '1' && char <= '9') {
      explicitIndent = Number(char);
      at++;
    }
  }
  while (at < end && !isBreakAt(text, at)) at++;
  const lines = blockLines(text, at + breakLength(text, at), end);
  const textLines = lines.filter((line) => line.start + line.spaces < line.end);
  if (textLines.length === 0) {
    return [rebuildBlock(text, lines, Math.max(0, ...lines.map((line) => line.spaces)), folded, chomping)];
  }
  if (explicitIndent === undefined) return [rebuildBlock(text, lines, textLines[0].spaces, folded, chomping)];
  const least = Math.min(...textLines.map((line) => line.spaces));
  const candidates: (Rebuilt | undefined)[] = [];
  for (let indent = least; indent >= explicitIndent; indent--) candidates.push(rebuildBlock(text, lines, indent, folded, chomping));
  return candidates;
}

function blockLines(text: string, from: number, end: number): BlockLine[] {
  const lines: BlockLine[] = [];
  let at = from;
  while (at < end) {
    let lineEnd = at;
    while (lineEnd < end && !isBreakAt(text, lineEnd)) lineEnd++;
    let spaces = 0;
    while (at + spaces < lineEnd && text[at + spaces] === ' ') spaces++;
    const next = lineEnd + breakLength(text, lineEnd);
    lines.push({ start: at, end: lineEnd, next, spaces });
    at = next;
  }
  return lines;
}

function rebuildBlock(text: string, lines: BlockLine[], indent: number, folded: boolean, chomping: 'clip' | 'strip' | 'keep'): Rebuilt | undefined {
  const out = new Builder();
  // The value's breaks not yet written: they are written before the next text line, or chomped.
  let pendingBreaks: { from: number; to: number }[] = [];
  let previous: 'none' | 'normal' | 'spaced' = 'none';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const contentStart = line.start + Math.min(indent, line.spaces);
    const empty = line.spaces <= indent && contentStart === line.end;
    // A line's break also writes the indentation of the next line, which the value does not hold.
    const nextLine = lines[index + 1];
    const breakTo = nextLine ? nextLine.start + Math.min(indent, nextLine.spaces) : line.next;
    if (empty) {
      pendingBreaks.push({ from: line.end, to: breakTo });
      continue;
    }
    if (line.spaces < indent) return undefined;
    const spaced = isBlank(text[contentStart]);
    if (previous !== 'none') {
      // Folding: the break after a normal text line, followed by a normal text line, becomes a space when
      // no empty line is between them, and is dropped otherwise (each empty line stays a break).
      const [first, ...rest] = pendingBreaks;
      if (folded && previous === 'normal' && !spaced) {
        if (rest.length === 0) out.push(' ', first.from, first.to, false);
        for (const lineBreak of rest) out.push('\n', lineBreak.from, lineBreak.to, false);
      } else {
        for (const lineBreak of pendingBreaks) pushBreak(out, text, lineBreak);
      }
    } else {
      // Empty lines before the first text line are breaks of their own.
      for (const lineBreak of pendingBreaks) pushBreak(out, text, lineBreak);
    }
    pendingBreaks = [];
    for (let at = contentStart; at < line.end; at++) out.push(text[at], at, at + 1, true);
    pendingBreaks.push({ from: line.end, to: breakTo });
    previous = spaced ? 'spaced' : 'normal';
  }
  // Chomping: the trailing breaks are dropped (strip), kept as one (clip) or all kept (keep). A break
  // with no line after it (the scalar ends the text without one) is not in the value.
  const written = pendingBreaks.filter((lineBreak) => lineBreak.from < lineBreak.to);
  const kept = chomping === 'strip' ? [] : chomping === 'clip' ? (previous === 'none' ? [] : written.slice(0, 1)) : written;
  for (const lineBreak of kept) pushBreak(out, text, lineBreak);
  return out.result();
}

/** A line break of the value: verbatim when the file writes it as a lone `\n` and no indentation follows. */
function pushBreak(out: Builder, text: string, lineBreak: { from: number; to: number }): void {
  out.push('\n', lineBreak.from, lineBreak.to, text[lineBreak.from] === '\n' && lineBreak.to === lineBreak.from + 1);
}

/** A string scalar's text parsed as YAML documents (a patch written in a string), or undefined when it holds no text or cannot be parsed. */
export function embeddedDocumentsOf(fileText: string, scalar: Scalar): { embedded: EmbeddedText; documents: SourceDocument[] } | undefined {
  const embedded = embeddedTextOf(fileText, scalar);
  if (!embedded) return undefined;
  try {
    return { embedded, documents: parseSourceDocuments(embedded.text, MANIFEST_NESTING_LIMITS) };
  } catch {
    return undefined;
  }
}
