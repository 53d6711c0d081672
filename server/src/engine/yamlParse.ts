// Parses YAML the way Kubernetes' decoder (go-yaml v2 behind sigs.k8s.io/yaml) does, keeping every
// node's source range: a document go-yaml rejects (an alias to no anchor, a merge key on a scalar, a
// quoted scalar closed only by an escaped quote) counts as unparsable, and what go-yaml accepts but the
// `yaml` package rejects (under-indented flow continuation lines) is parsed. Reading values out of the
// parsed documents is yamlModel.ts's job.
import { Composer, CST, Document, isAlias, isMap, isSeq, Lexer, Parser, Scalar, visit, YAMLParseError } from 'yaml';
import { guardedTokens, NestingLimits } from './nestingGuard';
import { isMergeKey, resolveNode } from './yamlModel';

export interface SourceDocument {
  index: number;
  document: Document.Parsed;
  /** Start and end offsets of the document's text (directives and `---` included). */
  start: number;
  end: number;
  /** False when the document has YAML errors: it is skipped, as editors already show syntax errors. */
  parsed: boolean;
  /** True when `document` was read from the document's Helm template variant (see helmTemplates.ts). */
  templated?: boolean;
  /** True when the document parsed only as go-yaml reads it (see `parseLikeGoYaml`). */
  lenient?: boolean;
}

/**
 * Parses every document of a file. The failsafe schema keeps every scalar a string, so that the
 * engine applies go-yaml's resolution itself (the `yaml` package's YAML 1.1 schema reads
 * `1:2:3:4:5:6:7:8` as a sexagesimal number, go-yaml v2 reads it as a string).
 * With `nestingLimits`, throws `ExcessiveNestingError` (nestingGuard.ts) instead of composing a text
 * that nests deeper, in the same lexer pass as the parse.
 */
export function parseSourceDocuments(text: string, nestingLimits?: NestingLimits): SourceDocument[] {
  const list = parseLikeGoYaml(text, nestingLimits);
  // Documents cover the text end to end. The parser starts the first document at its first node, so
  // comments above it (the natural place for a file-level suppression) would belong to no document;
  // and a document that ends in an error (an unclosed flow collection) ends before the comments that
  // follow it. So a document runs up to the next one's `---`, or to the end of the text: a comment
  // belongs to the document it is written in, whether that is parsed alone or in its file. Only an
  // explicit `...` ends a document earlier (what follows it belongs to the next document, or none).
  const ends = list.map((document, index) => {
    if (document.directives.docEnd) return document.range[2];
    return index + 1 < list.length ? list[index + 1].range[0] : Math.max(document.range[2], text.length);
  });
  return list.map((document, index) => ({
    index,
    document,
    start: index === 0 ? 0 : Math.min(ends[index - 1], document.range[0]),
    end: ends[index],
    parsed: document.errors.length === 0,
    ...(LENIENT_DOCUMENTS.has(document) ? { lenient: true } : {}),
  }));
}

/**
 * Parses the same-length template variant of one document's text (`text.slice(start, end)` of a
 * source document) and moves its node ranges to `offset`, the document's start in the file. Returns
 * undefined unless the variant reads as exactly one document without errors; with `nestingLimits`,
 * throws as `parseSourceDocuments` does.
 */
export function parseDocumentVariant(variantText: string, offset: number, nestingLimits?: NestingLimits): Document.Parsed | undefined {
  const list = parseLikeGoYaml(variantText, nestingLimits);
  if (list.length !== 1 || list[0].errors.length !== 0) return undefined;
  if (offset !== 0) mapRanges(list[0], (at) => at + offset);
  return list[0];
}

const PARSE_OPTIONS = {
  version: '1.1',
  schema: 'failsafe',
  merge: false,
  uniqueKeys: false,
  strict: false,
  prettyErrors: false,
  stringKeys: false,
  intAsBigInt: false,
} as const;

/**
 * `parseAllDocuments`, with errors given to the document they are in (see `errorsInTheirDocument`).
 * With `nestingLimits`, each token is checked by the nesting guard before the Parser sees it (one lexer
 * pass for both); `ExcessiveNestingError` is thrown before a too-deep document is composed.
 */
function parseDocuments(text: string, nestingLimits?: NestingLimits): Document.Parsed[] {
  const composer = new Composer(PARSE_OPTIONS);
  const unclosed: number[] = [];
  const lexemes = nestingLimits ? guardedTokens(text, nestingLimits) : new Lexer().lex(text);
  const documents = Array.from(composer.compose(errorsInTheirDocument(parseTokens(lexemes, unclosed)))) as Document.Parsed[];
  // Both in text order: each offset goes to the last document starting at or before it.
  let holder = 0;
  for (const offset of unclosed) {
    while (holder + 1 < documents.length && documents[holder + 1].range[0] <= offset) holder++;
    documents[holder]?.errors.push(new YAMLParseError([offset, offset + 1], 'MISSING_CHAR', 'Missing closing quote: the quoted scalar ends with an escaped quote'));
  }
  for (const document of documents) {
    if (document.errors.length > 0 || !mayNeedGoYamlCheck(text, document.range[0], document.range[2])) continue;
    const rejection = goYamlRejection(document);
    if (rejection !== undefined) document.errors.push(new YAMLParseError([rejection.at, rejection.at + 1], 'BAD_ALIAS', rejection.message));
  }
  return documents;
}

/** Only aliases (`*name`) and merge keys (`<<`) can make go-yaml reject what the yaml package composed. */
function mayNeedGoYamlCheck(text: string, start: number, end: number): boolean {
  const asterisk = text.indexOf('*', start);
  if (asterisk !== -1 && asterisk < end) return true;
  const merge = text.indexOf('<<', start);
  return merge !== -1 && merge < end;
}

/**
 * What go-yaml rejects in a document the yaml package composes without complaint (and fails on, if at
 * all, only when a value is read): an alias whose anchor no node before it defines ("unknown anchor
 * referenced"), and a merge key whose value is not a map, an alias to a map, or a sequence of those
 * ("map merge requires map or sequence of maps as the value"). Such a document must not count as parsed.
 */
function goYamlRejection(document: Document): { at: number; message: string } | undefined {
  const defined = new Set<string>();
  let rejection: { at: number; message: string } | undefined;
  const reject = (node: { range?: [number, number, number] | null }, message: string) => {
    rejection = { at: node.range?.[0] ?? document.range?.[0] ?? 0, message };
    return visit.BREAK;
  };
  visit(document, {
    Pair(_key, pair) {
      if (!isMergeKey(pair.key) || isMergeableValue(document, pair.value)) return undefined;
      return reject(pair.key as Scalar, 'A merge key (<<) needs a map, an alias to a map, or a sequence of those as its value');
    },
    Node(_key, node) {
      if (isAlias(node)) return defined.has(node.source) ? undefined : reject(node, `Unknown anchor "${node.source}": no node before this alias has it`);
      if (node.anchor !== undefined) defined.add(node.anchor);
      return undefined;
    },
  });
  return rejection;
}

/** go-yaml's merge: a map or an alias to one, or a sequence written in place whose items are those. */
function isMergeableValue(document: Document, value: unknown): boolean {
  const isMapOrAliasToMap = (node: unknown) => isMap(node) || (isAlias(node) && isMap(resolveNode(document, node)));
  if (isMapOrAliasToMap(value)) return true;
  return isSeq(value) && value.items.every(isMapOrAliasToMap);
}

/**
 * What `Parser.parse` does with its own Lexer, from tokens lexed elsewhere. Also notes (in `unclosed`)
 * where a quoted scalar starts that ends with an escaped quote (`'it''`, `"a\"`): the yaml Lexer ends
 * a quoted scalar with no closing quote before a document marker or a line indented too little, and
 * if its last character is then a quote, the yaml package takes it for the closing one and reports
 * nothing. go-yaml reads on to the real closing quote, past those lines (or fails at a marker or at
 * the end of the text), so such a document must count as unparsable, not as what the yaml package read.
 */
function* parseTokens(lexemes: Iterable<string>, unclosed: number[]): Generator<CST.Token> {
  const parser = new Parser();
  let scalarSource = false; // after the scalar control token comes a plain or block scalar's source
  for (const lexeme of lexemes) {
    if (!scalarSource && endsWithEscapedQuote(lexeme)) unclosed.push(parser.offset);
    scalarSource = lexeme === CST.SCALAR;
    yield* parser.next(lexeme);
  }
  yield* parser.end();
}

/**
 * Whether a lexeme is a quoted scalar whose last character is a quote that does not close it, by the
 * yaml Lexer's own search for the closing quote (`''` is an escaped `'`; `"` after an odd number of
 * backslashes is escaped).
 */
function endsWithEscapedQuote(lexeme: string): boolean {
  const quote = lexeme.charCodeAt(0);
  if ((quote !== 39 && quote !== 34) || lexeme.length < 2 || lexeme.charCodeAt(lexeme.length - 1) !== quote) return false;
  let end = lexeme.indexOf(lexeme[0], 1);
  if (quote === 39) {
    while (end !== -1 && lexeme.charCodeAt(end + 1) === 39) end = lexeme.indexOf("'", end + 2);
  } else {
    while (end !== -1) {
      let backslashes = 0;
      while (lexeme.charCodeAt(end - 1 - backslashes) === 92) backslashes++;
      if (backslashes % 2 === 0) break;
      end = lexeme.indexOf('"', end + 1);
    }
  }
  return end !== lexeme.length - 1;
}

/**
 * The yaml Parser reports a token that cannot start a document's content (a `]` right after `---`)
 * before it emits the document, and the Composer gives such an error to the document before it. The
 * document with the stray token then counts as parsed, its predecessor as broken, and a document
 * would read differently parsed alone than in its file. Errors are moved after the document token
 * whose range holds them, so each document gets its own.
 */
function* errorsInTheirDocument(tokens: Generator<CST.Token>): Generator<CST.Token> {
  let pending: CST.ErrorToken[] = [];
  for (const token of tokens) {
    if (token.type === 'error') {
      pending.push(token);
      continue;
    }
    if (token.type === 'document') {
      // At the document's very offset (its `---`) sit the zero-width ends of what came before.
      for (const error of pending) if (error.offset <= token.offset) yield error;
      yield token;
      for (const error of pending) if (error.offset > token.offset) yield error;
    } else {
      yield* pending;
      yield token;
    }
    pending = [];
  }
  yield* pending;
}

/**
 * go-yaml (like libyaml) does not check indentation inside flow collections and quoted scalars:
 *   externalIPs: [          key: "first
 *   1.2.3.4]                line"
 * are accepted by the cluster, while the `yaml` package rejects them. A document the cluster accepts
 * must not be skipped as unparsable, so when a document has errors, the text is parsed again with
 * such continuation lines indented further (which changes no value: leading white space of these
 * lines is insignificant) and node ranges are mapped back to the original text.
 */
const LENIENT_DOCUMENTS = new WeakSet<Document.Parsed>();

function parseLikeGoYaml(text: string, nestingLimits?: NestingLimits): Document.Parsed[] {
  const documents = parseDocuments(text, nestingLimits);
  if (documents.every((document) => document.errors.length === 0)) return documents;
  const padding = flowContinuationPadding(text);
  if (padding.length === 0) return documents;
  let padded = '';
  let from = 0;
  for (const { offset, count } of padding) {
    padded += text.slice(from, offset) + ' '.repeat(count);
    from = offset;
  }
  padded += text.slice(from);
  const retried = parseDocuments(padded);
  if (retried.length !== documents.length) return documents;
  const toOriginal = offsetMapper(padding);
  return documents.map((document, index) => {
    const lenient = retried[index];
    if (document.errors.length === 0 || lenient.errors.length !== 0) return document;
    mapRanges(lenient, toOriginal);
    LENIENT_DOCUMENTS.add(lenient);
    return lenient;
  });
}

/**
 * Where lines that continue a flow collection or a quoted scalar start with less indentation than
 * the column the construct opened at, and how many spaces bring them there. A small linear scanner:
 * quotes, brackets, comments and block scalars; document markers are never padded (go-yaml rejects
 * them there) and close whatever is open.
 */
function flowContinuationPadding(text: string): { offset: number; count: number }[] {
  const padding: { offset: number; count: number }[] = [];
  let flowDepth = 0;
  let quote = '';
  let openColumn = 0;
  let blockScalarIndent = -1;
  let lineStart = 0;
  // Block context: only indentation, an indicator (`key:`, `-`, `?`) and properties (`!tag`, `&anchor`) so far.
  let valueStart = true;
  for (let i = 0; i < text.length; i++) {
    if (i === lineStart) {
      let indent = 0;
      while (text[i + indent] === ' ') indent++;
      const blank = isLineEnd(text, i + indent);
      if (blockScalarIndent >= 0 && (blank || indent > blockScalarIndent)) {
        lineStart = nextLineStart(text, i);
        i = lineStart - 1;
        continue;
      }
      blockScalarIndent = -1;
      valueStart = true;
      const marker = indent === 0 && /^(?:---|\.\.\.)(?:[ \t\r\n]|$)/.test(text.slice(i, i + 4));
      if ((flowDepth > 0 || quote) && !blank && !marker && indent <= openColumn) {
        padding.push({ offset: i, count: openColumn + 1 - indent });
      }
      // The lexer ends every flow collection and quoted scalar at a document marker, so a document
      // starts with none open (and a document is padded alike whether parsed alone or in its file).
      if (marker) {
        flowDepth = 0;
        quote = '';
      }
    }
    const ch = text[i];
    if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) {
      lineStart = i + 1;
      continue;
    }
    if (quote === '"') {
      if (ch === '\\') i++;
      else if (ch === '"') quote = '';
      continue;
    }
    if (quote === "'") {
      if (ch === "'" && text[i + 1] === "'") i++;
      else if (ch === "'") quote = '';
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') continue;
    const afterSpace = i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t';
    if (ch === '#' && afterSpace) {
      lineStart = nextLineStart(text, i);
      i = lineStart - 1;
      continue;
    }
    const tokenStart = flowDepth > 0 ? afterSpace || '[{,:?'.includes(text[i - 1]) : valueStart;
    if (tokenStart && (ch === '"' || ch === "'")) {
      if (flowDepth === 0) openColumn = i - lineStart;
      quote = ch;
    } else if (tokenStart && (ch === '[' || ch === '{')) {
      if (flowDepth === 0) openColumn = i - lineStart;
      flowDepth++;
    } else if (flowDepth > 0 && (ch === ']' || ch === '}')) {
      flowDepth--;
    } else if (flowDepth === 0 && tokenStart && (ch === '|' || ch === '>')) {
      blockScalarIndent = 0;
      while (text[lineStart + blockScalarIndent] === ' ') blockScalarIndent++;
      lineStart = nextLineStart(text, i);
      i = lineStart - 1;
      continue;
    }
    if (flowDepth > 0 || quote) continue;
    if ('-?:'.includes(ch) && (isLineEnd(text, i + 1) || text[i + 1] === ' ' || text[i + 1] === '\t')) {
      valueStart = true;
    } else if (valueStart && afterSpace && (ch === '!' || ch === '&')) {
      while (i + 1 < text.length && !' \t\r\n'.includes(text[i + 1])) i++;
    } else {
      valueStart = false;
    }
  }
  return padding;
}

function isLineEnd(text: string, offset: number): boolean {
  return offset >= text.length || text[offset] === '\n' || text[offset] === '\r';
}

function nextLineStart(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\n') return i + 1;
    if (text[i] === '\r' && text[i + 1] !== '\n') return i + 1;
  }
  return text.length;
}

/** Maps an offset in the padded text back to the original text (inside inserted padding: the line start). */
function offsetMapper(padding: { offset: number; count: number }[]): (offset: number) => number {
  return (paddedOffset) => {
    let inserted = 0;
    for (const { offset, count } of padding) {
      const paddedLineStart = offset + inserted;
      if (paddedOffset < paddedLineStart) break;
      if (paddedOffset < paddedLineStart + count) return offset;
      inserted += count;
    }
    return paddedOffset - inserted;
  };
}

function mapRanges(document: Document.Parsed, map: (offset: number) => number): void {
  const remap = (range: [number, number, number] | null | undefined) => {
    if (range) for (let i = 0; i < 3; i++) range[i] = map(range[i]);
  };
  remap(document.range);
  visit(document, {
    Node(_key, node) {
      remap((node as { range?: [number, number, number] | null }).range);
    },
  });
}
