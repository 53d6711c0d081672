// Reading Helm (Go text/template) documents that are not YAML as they stand. A same-length variant of
// the document's text is built in which every template action is neutralised, so offsets (and so
// ranges) map 1:1 onto the original:
//   - actions alone on their line(s) (control flow, comments, `include … | nindent N`, `toYaml`) become
//     comment text: `#` and spaces, line breaks kept;
//   - actions inside a line (`name: {{ .Release.Name }}`, `"{{ $group }}"`) become underscores, a
//     plain placeholder no rule matches, inside whatever quotes the action was in;
//   - a literal token whose rendered text is changed by a whitespace trim (`{{-`, `-}}` gluing it to
//     an action's output or to another token) becomes underscores too.
// Every neutralised range is returned as a template span: findings overlapping one are dropped, so a
// value that is only known after rendering is never judged. What is left is literal text that renders
// as written whenever its block renders (both branches of an `if`/`else` are visible at once; the
// engine already reads duplicate keys as "any of them"). Where the variant could put a literal under
// a different parent than rendering would (an action's output re-parenting the lines after it, an
// output action supplying a sequence item, a trim gluing a quote or bracket to other text), no variant
// is built and the document stays unread.

import { LineIndex } from './lineIndex';

/** One `{{ … }}` action: [start, end) in the text, with its trim markers and body. */
export interface TemplateAction {
  start: number;
  end: number;
  /** `{{-`: the white space before the action is removed on rendering. */
  trimLeft: boolean;
  /** `-}}`: the white space after the action is removed on rendering. */
  trimRight: boolean;
  /** The text between the delimiters and trim markers, trimmed. */
  body: string;
}

export interface TemplateVariant {
  /** Same length as the input; line breaks at the same offsets. */
  text: string;
  /** [start, end) ranges of the input whose rendered text is unknown (actions and tainted tokens). */
  spans: [number, number][];
}

// Actions that write nothing where they stand (`block` renders its own body in place, like `if`;
// `fail` stops rendering).
const SILENT_KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'block', 'break', 'continue', 'fail']);
const VARIABLE_DECLARATION = /^\$[A-Za-z0-9_]*\s*:?=[^=]/;

/** The actions of a text in order, or undefined when one is not closed (the text is not a template we can read). */
export function templateActions(text: string): TemplateAction[] | undefined {
  const actions: TemplateAction[] = [];
  for (let open = text.indexOf('{{'); open !== -1; open = text.indexOf('{{', open)) {
    let i = open + 2;
    const trimLeft = text[i] === '-' && isTemplateSpace(text[i + 1]);
    if (trimLeft) i += 2;
    while (isTemplateSpace(text[i])) i++;
    let close = -1;
    if (text.startsWith('/*', i)) {
      // A comment runs to `*/`, which must be followed by `}}` or ` -}}`.
      const commentEnd = text.indexOf('*/', i + 2);
      if (commentEnd === -1) return undefined;
      close = closingDelimiter(text, commentEnd + 2);
      if (close === -1) return undefined;
    } else {
      close = scanToClose(text, i);
      if (close === -1) return undefined;
    }
    const trimRight = text[close] === '-';
    const end = text.indexOf('}}', close) + 2;
    const bodyEnd = trimRight ? close : end - 2;
    actions.push({ start: open, end, trimLeft, trimRight, body: text.slice(open + (trimLeft ? 3 : 2), bodyEnd).trim() });
    open = end;
  }
  return actions;
}

function isTemplateSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** At `from`: optional white space, then `}}` or ` -}}`. Returns the offset of `-` or of `}}`, or -1. */
function closingDelimiter(text: string, from: number): number {
  if (text.startsWith('}}', from)) return from;
  let i = from;
  while (isTemplateSpace(text[i])) i++;
  if (i > from && text[i] === '-' && text.startsWith('}}', i + 1)) return i;
  return -1;
}

/**
 * Scans an action's pipeline from `from` to its closing delimiter, skipping string ("…" with escapes),
 * raw string (`…`) and character ('…') literals, which may hold `}}`. Returns the offset of the
 * closing `-` (for ` -}}`) or of `}}`, or -1 when the action never closes.
 */
function scanToClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      for (i++; i < text.length && text[i] !== ch && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      if (text[i] !== ch) return -1;
    } else if (ch === '`') {
      const closing = text.indexOf('`', i + 1);
      if (closing === -1) return -1;
      i = closing;
    } else if (ch === '}' && text[i + 1] === '}') {
      return i;
    } else if (isTemplateSpace(ch) && text[i + 1] === '-' && text.startsWith('}}', i + 2)) {
      return i + 1;
    }
  }
  return -1;
}

/** Whether an action writes text where it stands (anything but control flow, comments and variable declarations). */
export function writesOutput(action: TemplateAction): boolean {
  if (action.body.startsWith('/*')) return false;
  const keyword = /^[a-z]+/.exec(action.body)?.[0];
  if (keyword !== undefined && SILENT_KEYWORDS.has(keyword) && (action.body.length === keyword.length || /[\s(]/.test(action.body[keyword.length]))) {
    return false;
  }
  return !VARIABLE_DECLARATION.test(action.body);
}

/** `nindent N` / `indent N` as the last command of the pipeline. */
function indentation(action: TemplateAction): { newline: boolean; count: number } | undefined {
  const match = /\|\s*(n?indent)\s+(\d+)\s*$/.exec(action.body);
  return match ? { newline: match[1] === 'nindent', count: Number(match[2]) } : undefined;
}

interface ActionGroup {
  actions: TemplateAction[];
  /** Line indices of the first action's start and the last action's end. */
  firstLine: number;
  lastLine: number;
  /** Only white space besides the actions on these lines. */
  alone: boolean;
}

function isWhiteSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

/** What rendering puts next to a trimmed action, on one side. */
type Neighbour =
  | { kind: 'start' } // the start of the document (or its `---` marker line)
  | { kind: 'break' } // a line break (or the end of the text)
  | { kind: 'indent'; column: number } // the start of a line, indented to `column`
  | { kind: 'space' } // spaces or tabs after literal text on the same line
  | { kind: 'output' } // text an action writes, unknown until rendering
  | { kind: 'comment' } // a YAML comment, which swallows what is glued to it
  | { kind: 'token'; start: number; end: number }; // literal text

// Runs of adjacent actions longer than this are taken to write something (and so taint their neighbours).
const MAX_ADJACENT_ACTIONS = 64;

/**
 * The same-length variant of a templated document's text (see the top of this file), or undefined
 * when the text has an unclosed action or a shape whose rendered structure the variant cannot show.
 * Linear in the text (apart from O(log n) line lookups), whatever the number of actions.
 */
export function neutralizeTemplates(text: string): TemplateVariant | undefined {
  const actions = templateActions(text);
  if (actions === undefined) return undefined;
  if (actions.length === 0) return { text, spans: [] };
  const chars = text.split('');
  const spans: [number, number][] = [];
  const lines = new LineIndex(text);
  const startingAt = new Map<number, TemplateAction>();
  const endingAt = new Map<number, TemplateAction>();
  const inAction = new Uint8Array(text.length);
  for (const action of actions) {
    inAction.fill(1, action.start, action.end);
    startingAt.set(action.start, action);
    endingAt.set(action.end, action);
  }
  const lineCount = lines.lineCount;
  // Per line: where a YAML comment starts (`#` at the line start or after white space, outside actions), or -1.
  const commentStart = new Int32Array(lineCount).fill(-1);
  for (let line = 0; line < lineCount; line++) {
    const end = lines.lineEnd(line);
    for (let i = lines.lineStart(line); i < end; i++) {
      if (text[i] === '#' && !inAction[i] && (i === lines.lineStart(line) || isWhiteSpace(text[i - 1]))) {
        commentStart[line] = i;
        break;
      }
    }
  }
  const blank = (start: number, end: number, filler: string) => {
    for (let i = start; i < end; i++) if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = filler;
  };
  const isLiteralSpace = (offset: number) => offset >= 0 && offset < text.length && isWhiteSpace(text[offset]) && !inAction[offset];
  const hasLineBreak = (start: number, end: number) => lines.lineAt(start) !== lines.lineAt(end);
  const isComment = (offset: number) => {
    const start = commentStart[lines.lineAt(offset)];
    return start !== -1 && start <= offset;
  };
  const columnOf = (offset: number) => offset - lines.lineStart(lines.lineAt(offset));

  /** The literal token (run of non-white-space text outside actions) that contains `offset`. */
  const tokenAround = (offset: number): { start: number; end: number } => {
    let start = offset;
    let end = offset + 1;
    while (start > 0 && !isWhiteSpace(text[start - 1]) && !inAction[start - 1]) start--;
    while (end < text.length && !isWhiteSpace(text[end]) && !inAction[end]) end++;
    return { start, end };
  };
  const isDocumentMarker = (offset: number) => {
    const line = lines.lineAt(offset);
    return /^---[ \t]*$/.test(text.slice(lines.lineStart(line), lines.lineEnd(line)));
  };

  /** What rendering puts right after `action` (its output, or what follows it once its trim is applied). */
  const after = (first: TemplateAction): Neighbour => {
    let action = first;
    for (let hops = 0; hops < MAX_ADJACENT_ACTIONS; hops++) {
      if (writesOutput(action)) return indentation(action)?.newline ? { kind: 'break' } : { kind: 'output' };
      let i = action.end;
      if (action.trimRight) while (isLiteralSpace(i)) i++;
      if (i >= text.length || text[i] === '\n' || text[i] === '\r') return { kind: 'break' };
      const next = startingAt.get(i);
      if (next === undefined) return text[i] === ' ' || text[i] === '\t' ? { kind: 'space' } : { kind: 'token', ...tokenAround(i) };
      action = next;
    }
    return { kind: 'output' };
  };
  /** What rendering puts right before `action` (what precedes it once its trim is applied). */
  const before = (first: TemplateAction): Neighbour => {
    let action = first;
    for (let hops = 0; hops < MAX_ADJACENT_ACTIONS; hops++) {
      let i = action.start;
      if (action.trimLeft) while (isLiteralSpace(i - 1)) i--;
      else while (i > 0 && (text[i - 1] === ' ' || text[i - 1] === '\t')) i--;
      const previous = endingAt.get(i);
      if (previous !== undefined) {
        if (writesOutput(previous)) return { kind: 'output' };
        action = previous;
        continue;
      }
      if (i === 0) return action.trimLeft ? { kind: 'start' } : { kind: 'indent', column: action.start };
      if (!action.trimLeft) {
        if (text[i - 1] === '\n' || text[i - 1] === '\r') return { kind: 'indent', column: columnOf(action.start) };
        return { kind: 'space' };
      }
      if (isDocumentMarker(i - 1)) return { kind: 'start' };
      if (isComment(i - 1)) return { kind: 'comment' };
      return { kind: 'token', ...tokenAround(i - 1) };
    }
    return { kind: 'output' };
  };
  // Set when a token to neutralise holds a quote or a flow bracket: blanking half of a pair would
  // re-pair every quote or bracket after it, and the variant would read text that renders otherwise.
  let unpaired = false;
  const taint = (token: { start: number; end: number }) => {
    // A comment glued to something stays out of every value that could be judged.
    if (isComment(token.start)) return;
    if (/["'[\]{}]/.test(text.slice(token.start, token.end))) unpaired = true;
    blank(token.start, token.end, '_');
    spans.push([token.start, token.end]);
  };

  for (const action of actions) {
    // `{{-`: the literal before the action now touches what rendering puts after it.
    if (action.trimLeft && isLiteralSpace(action.start - 1)) {
      let i = action.start;
      while (isLiteralSpace(i - 1)) i--;
      const left = before(action);
      const right = after(action);
      const joinsLines = hasLineBreak(i, action.start);
      const harmless = left.kind === 'start' || right.kind === 'break' || (right.kind === 'space' && !joinsLines);
      if (!harmless && left.kind === 'token') taint(left);
      if (!harmless && right.kind === 'token') taint(right);
    }
    // `-}}`: the literal after the action now touches what rendering puts before it.
    if (action.trimRight && isLiteralSpace(action.end)) {
      let j = action.end;
      while (isLiteralSpace(j)) j++;
      if (j >= text.length || startingAt.has(j)) continue;
      const left = writesOutput(action) ? ({ kind: 'output' } as const) : before(action);
      const joinsLines = hasLineBreak(action.end, j);
      const harmless =
        left.kind === 'start' ||
        (left.kind === 'indent' && joinsLines && left.column === columnOf(j)) ||
        (left.kind === 'space' && !joinsLines);
      if (!harmless) taint(tokenAround(j));
    }
  }

  if (unpaired) return undefined;

  const groups = groupActions(text, actions, lines);
  const placement = outputPlacement(text, lines, inAction, commentStart);
  for (const group of groups) {
    const first = group.actions[0];
    const last = group.actions[group.actions.length - 1];
    for (const action of group.actions) spans.push([action.start, action.end]);
    if (!group.alone) {
      for (const action of group.actions) blank(action.start, action.end, '_');
      continue;
    }
    // Comment text: `#` where each line of the group's actions starts, spaces elsewhere.
    blank(first.start, last.end, ' ');
    chars[first.start] = '#';
    for (let line = group.firstLine + 1; line <= group.lastLine; line++) {
      const start = lines.lineStart(line);
      if (start < last.end && text[start] !== '\n' && text[start] !== '\r') chars[start] = '#';
    }
    const outputs = group.actions.filter(writesOutput);
    if (outputs.length > 0 && !placement.isPlaceable(group, outputs, columnOf)) return undefined;
  }
  return { text: chars.join(''), spans };
}

/** Actions grouped by the lines they share (an action starting on the line where the previous one ends joins it). */
function groupActions(text: string, actions: TemplateAction[], lines: LineIndex): ActionGroup[] {
  const groups: ActionGroup[] = [];
  for (const action of actions) {
    const last = groups[groups.length - 1];
    const firstLine = lines.lineAt(action.start);
    const lastLine = lines.lineAt(action.end);
    if (last && firstLine === last.lastLine) {
      last.actions.push(action);
      last.lastLine = lastLine;
    } else {
      groups.push({ actions: [action], firstLine, lastLine, alone: false });
    }
  }
  for (const group of groups) {
    const isBlank = (start: number, end: number) => /^[ \t]*$/.test(text.slice(start, end));
    let alone = isBlank(lines.lineStart(group.firstLine), group.actions[0].start);
    for (let index = 0; alone && index < group.actions.length; index++) {
      const next = index + 1 < group.actions.length ? group.actions[index + 1].start : lines.lineEnd(group.lastLine);
      alone = isBlank(group.actions[index].end, next);
    }
    group.alone = alone;
  }
  return groups;
}

/**
 * Whether the unknown output of a group alone on its line(s) can be left out without moving a literal
 * under another parent: it must not supply the value of a `-` sequence item written on the lines
 * before (the item would read as null, which decodes as "" in a list of strings), and the literal
 * line after it must not be indented deeper than the output starts (the output could open a key or
 * an item those lines would then belong to). Per-line tables keep each check O(1).
 */
function outputPlacement(text: string, lines: LineIndex, inAction: Uint8Array, commentStart: Int32Array) {
  const lineCount = lines.lineCount;
  // Per line: the last character that is not white space, in an action or in a comment (-1: none).
  const lastSignificant = new Int32Array(lineCount).fill(-1);
  // Per line: the indentation of its first character when that is literal text (-1: blank, comment or action).
  const literalIndent = new Int32Array(lineCount).fill(-1);
  for (let line = 0; line < lineCount; line++) {
    const start = lines.lineStart(line);
    const end = commentStart[line] === -1 ? lines.lineEnd(line) : commentStart[line];
    for (let i = end - 1; i >= start; i--) {
      if (!isWhiteSpace(text[i]) && !inAction[i]) {
        lastSignificant[line] = i;
        break;
      }
    }
    let first = start;
    while (first < end && (text[first] === ' ' || text[first] === '\t')) first++;
    if (first < end && !inAction[first]) literalIndent[line] = first - start;
  }
  // The nearest line before (after) each line with significant (literal) content.
  const previousSignificant = new Int32Array(lineCount).fill(-1);
  for (let line = 1; line < lineCount; line++) {
    previousSignificant[line] = lastSignificant[line - 1] !== -1 ? lastSignificant[line - 1] : previousSignificant[line - 1];
  }
  const nextLiteralIndent = new Int32Array(lineCount + 1).fill(-1);
  for (let line = lineCount - 1; line >= 0; line--) {
    nextLiteralIndent[line] = literalIndent[line] !== -1 ? literalIndent[line] : nextLiteralIndent[line + 1];
  }
  return {
    isPlaceable(group: ActionGroup, outputs: TemplateAction[], columnOf: (offset: number) => number): boolean {
      const previous = previousSignificant[group.firstLine];
      if (previous !== -1 && text[previous] === '-' && (previous === 0 || isWhiteSpace(text[previous - 1]))) return false;
      const firstOutput = outputs[0];
      const indent = indentation(firstOutput);
      const actionColumn = columnOf(firstOutput.start);
      const outputColumn = indent === undefined ? actionColumn : indent.newline ? indent.count : actionColumn + indent.count;
      // With several writing actions on the line the output's shape is anyone's guess.
      const column = outputs.length > 1 ? 0 : outputColumn;
      const next = nextLiteralIndent[group.lastLine + 1];
      return next === -1 || next <= column;
    },
  };
}
