// Finds, in one Helm template document, the actions that render a judged field from `.Values`:
//   externalIPs: {{ toYaml .Values.service.externalIPs | nindent 4 }}
//   externalIPs: {{- range .Values.service.externalIPs }}  /  - {{ . }}  /  {{- end }}
//   {{- with .Values.service.externalIPs }} / externalIPs: / {{- toYaml . | nindent 4 }} / {{- end }}
//   externalIPs: / - {{ .Values.service.externalIP | quote }}
//   rules: … {{- with .Values.extraRules }} / {{- toYaml . | nindent 0 }} / {{- end }}   (Role, ClusterRole)
// The text is read as written (not the neutralised variant, which leaves most of these unread): the
// object's kind from its literal `kind:` line, the field from its key line and the literal keys above it
// (by indentation), the field's value from the lines that follow the key (indented deeper, action-only
// lines, or `- ` items at the key's own column), and the values path from the action's pipeline: a
// `.Values.a.b` / `$.Values.a.b` it names, or `.` and range variables, resolved through the enclosing
// `with` and `range`. Only `toYaml`/`toJson` output (and Bitnami's `common.tplvalues.render`), range
// elements and `- ` items count: other output (`{{ .Values.ips }}` prints a Go slice) is not a list of the
// values' items. An `{{ else }}` branch of a `with` is read as if `.` were still the with's value.
import { LineIndex } from '../lineIndex';
import { TemplateAction, templateActions, writesOutput } from '../helmTemplates';
import { HelmRenderFact, RenderedField } from './helmFacts';
import { firstIndexWhere, lastStartingAtOrBefore } from '../sortedSearch';

interface FieldKey {
  kind: HelmRenderFact['kind'];
  field: RenderedField;
  key: string;
  /** The literal keys above it, innermost first, up to column 0. */
  parents: string[];
}

const SERVICE_FIELDS: readonly FieldKey[] = [
  { kind: 'Service', field: 'externalIPs', key: 'externalIPs', parents: ['spec'] },
  { kind: 'Service', field: 'loadBalancerIngress', key: 'ingress', parents: ['loadBalancer', 'status'] },
];
const ROLE_FIELDS = (kind: 'Role' | 'ClusterRole'): FieldKey[] => [{ kind, field: 'rules', key: 'rules', parents: [] }];

const KIND_LINE = /^kind:[ \t]*(["']?)(Service|Role|ClusterRole)\1[ \t]*(?:#.*)?$/gm;
const API_VERSION_LINE = /^apiVersion:[ \t]*(["']?)(v1|rbac\.authorization\.k8s\.io\/v1)\1[ \t]*(?:#.*)?$/gm;
const KEY = /^(-[ \t]+)?([A-Za-z_][A-Za-z0-9_.\/-]*|"[^"\n]*"|'[^'\n]*'):(?=[ \t]|$)/;
const VALUES_REFERENCE = /(?:^|[\s(|,])\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g;
const DOT_ARGUMENT = /(?:^|[\s(|])\.(?=$|[\s)|])/;
const RANGE_HEAD = /^range\s+(?:(\$[A-Za-z0-9_]*)\s*(?:,\s*(\$[A-Za-z0-9_]*)\s*)?:=\s*)?(.+)$/s;
const WITH_HEAD = /^with\s+(?:\$[A-Za-z0-9_]*\s*:=\s*)?(.+)$/s;
const BLOCK_KEYWORDS = new Set(['if', 'with', 'range', 'define', 'block']);

/** The object kind the document's literal `kind:` and `apiVersion:` lines give, when they agree on one judged kind. */
function objectKind(documentText: string): HelmRenderFact['kind'] | undefined {
  const kinds = new Set([...documentText.matchAll(KIND_LINE)].map((match) => match[2]));
  const versions = new Set([...documentText.matchAll(API_VERSION_LINE)].map((match) => match[2]));
  if (kinds.size !== 1 || versions.size !== 1) return undefined;
  const [kind] = kinds as Set<HelmRenderFact['kind']>;
  const [version] = versions;
  return (kind === 'Service') === (version === 'v1') ? kind : undefined;
}

interface Line {
  start: number;
  end: number;
  /** The first character that is neither white space nor in an action, or -1 (a line of actions only, or blank). */
  literal: number;
  /** The line holds an action. */
  hasAction: boolean;
  comment: boolean;
  key?: { name: string; column: number; colonEnd: number; dashed: boolean };
}

/** What `.` (or a range variable) stands for inside a block. */
interface Scope {
  keyword: string;
  /** The values path the block sets `.` to (with), or iterates (range); undefined: unknown. */
  path?: string[];
  /** The variables a range binds to each element. */
  elementVariables?: string[];
  start: number;
}

/**
 * The render facts of the document `text.slice(start, end)` (offsets and places in `text`); none unless
 * it is a Service, Role or ClusterRole template that renders a judged field from `.Values`.
 */
export function templateRenders(text: string, start: number, end: number, lines: LineIndex, documentIndex: number): HelmRenderFact[] {
  const documentText = text.slice(start, end);
  if (!documentText.includes('.Values')) return [];
  const kind = objectKind(documentText);
  if (kind === undefined) return [];
  const actions = templateActions(documentText);
  if (actions === undefined || actions.length === 0) return [];
  const fields = kind === 'Service' ? SERVICE_FIELDS : ROLE_FIELDS(kind);
  const model = lineModel(documentText, actions);
  const scopes = scopesOf(actions);
  const renders: HelmRenderFact[] = [];
  const ancestors = new Ancestors();
  for (let index = 0; index < model.length; index++) {
    const line = model[index];
    if (line.literal === -1 || line.comment) continue;
    ancestors.popTo(line.literal - line.start);
    const key = line.key;
    const field = key && !key.dashed ? fields.find((candidate) => candidate.key === key.name && sameList(ancestors.names(), candidate.parents)) : undefined;
    ancestors.push(line.literal - line.start, key);
    if (!key || !field) continue;
    const regionEnd = valueRegionEnd(documentText, model, index, key.column);
    const itemColumn = firstItemColumn(documentText, model, index, regionEnd);
    for (let at = firstActionFrom(actions, key.colonEnd); at < actions.length && actions[at].start < regionEnd; at++) {
      const action = actions[at];
      if (!writesOutput(action)) continue;
      const line = model[lineOf(model, action.start)];
      const onKeyLine = line === model[index];
      const column = outputColumn(action, line);
      if (!onKeyLine && column < key.column) continue;
      // A rule is a map: only a whole list written as an item of `rules` adds rules (not a value inside a literal rule).
      if (field.field === 'rules' && !(onKeyLine || (line.literal === -1 && (itemColumn === undefined || column <= itemColumn)))) continue;
      for (const found of valuesRendered(action, scopes[at], line, documentText)) {
        if (field.field === 'rules' && found.shape !== 'list') continue;
        const place = { start: start + action.start, end: start + action.end, range: lines.rangeOf(start + action.start, start + action.end) };
        renders.push({ kind, field: field.field, path: found.path, shape: found.shape, place, documentIndex });
      }
    }
  }
  return renders;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function lineModel(documentText: string, actions: readonly TemplateAction[]): Line[] {
  const inAction = new Uint8Array(documentText.length);
  for (const action of actions) inAction.fill(1, action.start, action.end);
  const model: Line[] = [];
  const pattern = /\r\n|\n|\r/g;
  let lineStart = 0;
  for (;;) {
    const match = pattern.exec(documentText);
    const lineEnd = match ? match.index : documentText.length;
    let literal = -1;
    let hasAction = false;
    for (let i = lineStart; i < lineEnd; i++) {
      if (inAction[i]) hasAction = true;
      else if (literal === -1 && documentText[i] !== ' ' && documentText[i] !== '\t') literal = i;
    }
    const line: Line = { start: lineStart, end: lineEnd, literal, hasAction, comment: literal !== -1 && documentText[literal] === '#' };
    const firstVisible = /[^ \t]/.exec(documentText.slice(lineStart, lineEnd));
    // A key line starts with literal text (an action before the key would make its column unknown).
    if (literal !== -1 && !line.comment && firstVisible && lineStart + firstVisible.index === literal) {
      const keyMatch = KEY.exec(documentText.slice(literal, lineEnd));
      const colonEnd = keyMatch ? literal + keyMatch[0].length : -1;
      if (keyMatch && !inAction.subarray(literal, colonEnd).includes(1)) {
        const name = keyMatch[2].replace(/^["']|["']$/g, '');
        const dashed = keyMatch[1] !== undefined;
        line.key = { name, column: literal - lineStart + (dashed ? keyMatch[1].length : 0), colonEnd, dashed };
      }
    }
    model.push(line);
    if (!match) break;
    lineStart = match.index + match[0].length;
  }
  return model;
}

/**
 * The literal keys above each literal line, innermost first, kept as a stack by indentation in one pass
 * over the lines (a `- ` item stands as `-`: a key below an item is not a field of the object).
 */
class Ancestors {
  private readonly stack: { indent: number; name: string }[] = [];

  /** Leaves the keys a literal line at `indent` is not below. */
  popTo(indent: number): void {
    while (this.stack.length > 0 && this.stack[this.stack.length - 1].indent >= indent) this.stack.pop();
  }

  /** The keys above the current line, innermost first. */
  names(): string[] {
    return this.stack.map((entry) => entry.name).reverse();
  }

  /** The line's own key (or item) joins the stack. */
  push(indent: number, key: Line['key']): void {
    if (key?.dashed) {
      this.stack.push({ indent, name: '-' });
      this.stack.push({ indent: key.column, name: key.name });
    } else {
      this.stack.push({ indent, name: key ? key.name : '-' });
    }
  }
}

/** The index of the first action that starts at or after `offset` (actions are in text order). */
function firstActionFrom(actions: readonly TemplateAction[], offset: number): number {
  return firstIndexWhere(actions.length, (index) => actions[index].start >= offset);
}

/** Where the value of the key at line `index` ends: before the first literal line at its column (not a `- ` item) or left of it. */
function valueRegionEnd(documentText: string, model: readonly Line[], index: number, column: number): number {
  let end = model[index].end;
  for (let at = index + 1; at < model.length; at++) {
    const line = model[at];
    if (line.literal === -1 || line.comment) {
      end = line.end;
      continue;
    }
    const indent = line.literal - line.start;
    if (indent < column) break;
    if (indent === column && !/^-(?:[ \t]|$)/.test(documentText.slice(line.literal, line.end))) break;
    end = line.end;
  }
  return end;
}

/** The column of the first literal `- ` item after the key line, up to `regionEnd`, or undefined. */
function firstItemColumn(documentText: string, model: readonly Line[], index: number, regionEnd: number): number | undefined {
  for (let at = index + 1; at < model.length && model[at].start < regionEnd; at++) {
    const line = model[at];
    if (line.literal !== -1 && !line.comment && /^-(?:[ \t]|$)/.test(documentText.slice(line.literal, line.end))) return line.literal - line.start;
  }
  return undefined;
}

function lineOf(model: readonly Line[], offset: number): number {
  return Math.max(0, lastStartingAtOrBefore(model, offset));
}

/** The column an action's output starts at: `nindent N` → N, `indent N` → its column + N, else its column. */
function outputColumn(action: TemplateAction, line: Line): number {
  const column = action.start - line.start;
  const indent = /\|\s*(n?indent)\s+(\d+)\s*$/.exec(action.body);
  if (!indent) return column;
  return indent[1] === 'nindent' ? Number(indent[2]) : column + Number(indent[2]);
}

/** For each action, the `with`/`range`/`if`/`define` blocks it is inside, innermost last. */
function scopesOf(actions: readonly TemplateAction[]): Scope[][] {
  const result: Scope[][] = [];
  const stack: Scope[] = [];
  for (const action of actions) {
    const keyword = /^[a-z]+/.exec(action.body)?.[0] ?? '';
    if (keyword === 'end') {
      stack.pop();
      result.push([...stack]);
      continue;
    }
    // A block's own head already sees its own scope (a range on the key line renders its elements there).
    if (BLOCK_KEYWORDS.has(keyword) && /^[a-z]+(\s|$)/.test(action.body)) stack.push(blockScope(keyword, action, stack));
    result.push([...stack]);
  }
  return result;
}

function blockScope(keyword: string, action: TemplateAction, outer: readonly Scope[]): Scope {
  if (keyword === 'with') {
    const head = WITH_HEAD.exec(action.body);
    return { keyword, path: head ? pipelinePath(head[1], outer) : undefined, start: action.start };
  }
  if (keyword === 'range') {
    const head = RANGE_HEAD.exec(action.body);
    if (!head) return { keyword, start: action.start };
    // `range $v := …` binds the element to $v; `range $i, $v := …` the index to $i.
    const elementVariables = head[2] !== undefined ? [head[2]] : head[1] !== undefined ? [head[1]] : [];
    return { keyword, path: pipelinePath(head[3], outer), elementVariables, start: action.start };
  }
  return { keyword, start: action.start };
}

/** The values path a pipeline is (`.Values.a.b`, `$.Values.a.b`, or `.` inside a `with`), or undefined. */
function pipelinePath(pipeline: string, outer: readonly Scope[]): string[] | undefined {
  const trimmed = pipeline.trim();
  const direct = /^\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(trimmed);
  if (direct) return direct[1].slice(1).split('.');
  if (trimmed === '.') return dotScope(outer)?.scope.keyword === 'with' ? dotScope(outer)?.scope.path : undefined;
  return undefined;
}

/** The innermost block that sets `.` (with, range, define, block), if any. */
function dotScope(scopes: readonly Scope[]): { scope: Scope } | undefined {
  for (let index = scopes.length - 1; index >= 0; index--) {
    if (scopes[index].keyword !== 'if') return { scope: scopes[index] };
  }
  return undefined;
}

/** The values an output action renders into the field, each as a path and a shape. */
function valuesRendered(action: TemplateAction, scopes: readonly Scope[], line: Line, documentText: string): { path: string[]; shape: HelmRenderFact['shape'] }[] {
  const body = action.body;
  // Bitnami's `common.tplvalues.render` helper writes a value through toYaml (and tpl).
  const serialises = /\b(toYaml|toJson|toPrettyJson)\b/.test(body) || /\binclude\s+"[^"]*\btplvalues\.render"/.test(body);
  const isItem = /^-[ \t]/.test(documentText.slice(line.literal, action.start)) && line.literal !== -1 && line.literal < action.start;
  const found: { path: string[]; shape: HelmRenderFact['shape'] }[] = [];
  for (const match of body.matchAll(VALUES_REFERENCE)) {
    const path = match[1].slice(1).split('.');
    if (serialises) found.push({ path, shape: 'list' });
    else if (isItem) found.push({ path, shape: 'item' });
  }
  if (found.length > 0) return found;
  // `.` or a range variable: the enclosing with's value, or the element of the enclosing range.
  const usesDot = DOT_ARGUMENT.test(body) || body === '.';
  const variable = /\$[A-Za-z0-9_]+/.exec(body)?.[0];
  for (let index = scopes.length - 1; index >= 0; index--) {
    const scope = scopes[index];
    if (scope.keyword === 'range' && variable !== undefined && scope.elementVariables?.includes(variable)) {
      return scope.path ? [{ path: scope.path, shape: 'list' }] : [];
    }
  }
  const dot = dotScope(scopes)?.scope;
  if (!usesDot || dot?.path === undefined) return [];
  if (dot.keyword === 'range') return [{ path: dot.path, shape: 'list' }];
  if (dot.keyword === 'with' && serialises) return [{ path: dot.path, shape: 'list' }];
  if (dot.keyword === 'with' && isItem) return [{ path: dot.path, shape: 'item' }];
  return [];
}
