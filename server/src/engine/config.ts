// The project policy file (.kube-mitm-guard.yaml) and the settings model shared with the editor's
// `kubeMitmGuard.*` settings. Pure text in, values and problems out: no fs, no vscode.
import { Document, isAlias, isMap, isScalar, isSeq, Node, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { findExcessiveNesting } from './nestingGuard';
import { RULES } from './rules/catalog';
import { parseAllowedCidr } from './ipAddresses';
import { LineIndex } from './lineIndex';
import { isServiceAccountUsername, parseServiceAccountUsername } from './rbac/subjects';
import { Range, RULE_IDS, RuleId, Severity, SEVERITY_SETTINGS, SeveritySetting } from './types';

export const CONFIG_FILE_NAME = '.kube-mitm-guard.yaml';

export type ScanScope = 'workspace' | 'openFiles' | 'off';
export const SCAN_SCOPES: readonly ScanScope[] = ['workspace', 'openFiles', 'off'];

export interface GuardSettings {
  allowedExternalIPCidrs: string[];
  rules: Partial<Record<RuleId, SeveritySetting>>;
  scope: ScanScope;
  exclude: string[];
  maxFileSizeKB: number;
  /**
   * Users, groups and `system:serviceaccount:<namespace>:<name>` names trusted to write Service status
   * (the team's load-balancer controllers); the RBAC analysis counts them as control plane.
   */
  statusWriters: string[];
}

export const SETTING_KEYS: readonly (keyof GuardSettings)[] = [
  'allowedExternalIPCidrs',
  'rules',
  'scope',
  'exclude',
  'maxFileSizeKB',
  'statusWriters',
];

export const DEFAULT_SETTINGS: Readonly<GuardSettings> = Object.freeze({
  allowedExternalIPCidrs: Object.freeze([]) as unknown as string[],
  rules: Object.freeze({}),
  scope: 'workspace',
  exclude: Object.freeze([]) as unknown as string[],
  maxFileSizeKB: 2048,
  statusWriters: Object.freeze([]) as unknown as string[],
});

export const DEFAULT_RULE_SEVERITY: Readonly<Record<RuleId, Severity>> = Object.freeze(
  Object.fromEntries(RULE_IDS.map((id) => [id, RULES[id].defaultSeverity])) as Record<RuleId, Severity>,
);

export interface ConfigProblem {
  message: string;
  range: Range;
  severity: 'error' | 'warning';
}

// A policy file is a handful of lines; these bounds keep hostile files from costing time or stack.
const MAX_CONFIG_CHARS = 1_000_000;
const MAX_FLOW_DEPTH = 64;
const MAX_LINE_PREFIX = 128;
const MAX_ALIAS_COUNT = 100;
const YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  maxAliasCount: MAX_ALIAS_COUNT,
  prettyErrors: false,
  // Duplicate keys are reported by the validator, per key, instead of failing the whole file.
  uniqueKeys: false,
} as const;

// ---------------------------------------------------------------------------------------------
// A small value model both inputs (YAML nodes, plain JSON) are converted to, so one validator
// serves the policy file and the editor settings.

type Span = readonly [number, number];

type Value =
  | { kind: 'null'; span?: Span }
  | { kind: 'scalar'; value: unknown; span?: Span }
  | { kind: 'list'; items: Value[]; span?: Span }
  | { kind: 'map'; entries: { key: Value; value: Value }[]; span?: Span }
  | { kind: 'invalid'; reason: string; span?: Span };

// Validation looks at most three levels deep (file -> key -> list item / rule); deeper content is
// never needed, so conversion stops there and bounded work is guaranteed.
const MAX_CONVERT_DEPTH = 3;

function nodeSpan(node: Node | null | undefined): Span | undefined {
  return node?.range ? [node.range[0], node.range[1]] : undefined;
}

function fromYamlNode(document: Document, node: unknown, depth: number, fallbackSpan?: Span): Value {
  if (node === null || node === undefined) return { kind: 'null', span: fallbackSpan };
  if (isAlias(node)) {
    const span = nodeSpan(node);
    const target = node.resolve(document);
    if (!target) return { kind: 'invalid', reason: `alias *${node.source} has no matching anchor`, span };
    // Report problems at the alias: that is where the value is used.
    const resolved = fromYamlNode(document, target, depth, span);
    return { ...resolved, span } as Value;
  }
  const span = nodeSpan(node as Node);
  if (isScalar(node)) {
    if (node.value === null) return { kind: 'null', span: span && span[0] < span[1] ? span : fallbackSpan };
    return { kind: 'scalar', value: node.value, span };
  }
  if (isSeq(node)) {
    const items = depth >= MAX_CONVERT_DEPTH ? [] : node.items.map((item) => fromYamlNode(document, item, depth + 1));
    return { kind: 'list', items, span };
  }
  if (isMap(node)) {
    const entries =
      depth >= MAX_CONVERT_DEPTH
        ? []
        : node.items.map((pair) => {
            const key = fromYamlNode(document, pair.key, depth + 1);
            return { key, value: fromYamlNode(document, pair.value, depth + 1, key.span) };
          });
    return { kind: 'map', entries, span };
  }
  return { kind: 'invalid', reason: 'unsupported YAML node', span };
}

function fromPlain(raw: unknown, depth: number): Value {
  if (raw === null || raw === undefined) return { kind: 'null' };
  if (Array.isArray(raw)) {
    return { kind: 'list', items: depth >= MAX_CONVERT_DEPTH ? [] : raw.map((item) => fromPlain(item, depth + 1)) };
  }
  if (typeof raw === 'object') {
    const entries =
      depth >= MAX_CONVERT_DEPTH
        ? []
        : Object.entries(raw as Record<string, unknown>).map(([key, value]) => ({
            key: { kind: 'scalar', value: key } as Value,
            value: fromPlain(value, depth + 1),
          }));
    return { kind: 'map', entries };
  }
  return { kind: 'scalar', value: raw };
}

// ---------------------------------------------------------------------------------------------
// Validation

type Report = (message: string, span: Span | undefined, severity: 'error' | 'warning') => void;

function describe(value: Value): string {
  switch (value.kind) {
    case 'null':
      return 'nothing';
    case 'list':
      return 'a list';
    case 'map':
      return 'a mapping';
    case 'invalid':
      return value.reason;
    case 'scalar':
      if (typeof value.value === 'string') return JSON.stringify(value.value);
      if (value.value instanceof Uint8Array) return 'binary data';
      return `${typeof value.value} ${String(value.value)}`;
  }
}

function isString(value: Value): value is { kind: 'scalar'; value: string; span?: Span } {
  return value.kind === 'scalar' && typeof value.value === 'string';
}

function validateStringList(
  key: string,
  value: Value,
  report: Report,
  checkItem: (text: string) => string | undefined,
): string[] | undefined {
  if (value.kind !== 'list') {
    report(`${key} must be a list of strings, not ${describe(value)}`, value.span, 'error');
    return undefined;
  }
  const kept: string[] = [];
  value.items.forEach((item, index) => {
    if (!isString(item)) {
      report(`${key}[${index}] must be a string, not ${describe(item)}`, item.span, 'error');
      return;
    }
    const problem = checkItem(item.value);
    if (problem) report(`${key}[${index}]: ${problem}`, item.span, 'error');
    else kept.push(item.value);
  });
  return kept;
}

function checkCidr(text: string): string | undefined {
  const parsed = parseAllowedCidr(text);
  return 'error' in parsed ? parsed.error : undefined;
}

function checkExcludeGlob(text: string): string | undefined {
  if (text.trim() === '') return 'an empty pattern excludes nothing';
  // picomatch reads a leading "!" as "everything except", which would exclude nearly every file.
  if (text.trim().startsWith('!')) return `"${text}": negated patterns are not supported`;
  return undefined;
}

/**
 * Why `text` cannot be a `statusWriters` entry, or undefined when it can. Shared with the CLI's
 * --status-writer flag.
 */
export function checkStatusWriter(text: string): string | undefined {
  if (text.trim() === '') return 'an empty name matches no user, group or service account';
  if (isServiceAccountUsername(text) && parseServiceAccountUsername(text) === undefined) {
    return `"${text}": a service account is written system:serviceaccount:<namespace>:<name>, both non-empty`;
  }
  return undefined;
}

function validateRules(value: Value, report: Report): Partial<Record<RuleId, SeveritySetting>> | undefined {
  if (value.kind !== 'map') {
    report(`rules must be a mapping of rule id to severity, not ${describe(value)}`, value.span, 'error');
    return undefined;
  }
  const rules: Partial<Record<RuleId, SeveritySetting>> = {};
  const seen = new Set<string>();
  for (const { key, value: severity } of value.entries) {
    if (!isString(key) || !(RULE_IDS as readonly string[]).includes(key.value)) {
      report(`rules: unknown rule ${describe(key)} (known rules: ${RULE_IDS.join(', ')})`, key.span, 'error');
      continue;
    }
    if (seen.has(key.value)) {
      report(`rules.${key.value} is given twice; the first value is used`, key.span, 'error');
      continue;
    }
    seen.add(key.value);
    if (!isString(severity) || !(SEVERITY_SETTINGS as readonly string[]).includes(severity.value)) {
      report(
        `rules.${key.value}: ${describe(severity)} is not a severity (use one of ${SEVERITY_SETTINGS.join(', ')})`,
        severity.span,
        'error',
      );
      continue;
    }
    rules[key.value as RuleId] = severity.value as SeveritySetting;
  }
  return rules;
}

function validateScope(value: Value, report: Report): ScanScope | undefined {
  if (isString(value) && (SCAN_SCOPES as readonly string[]).includes(value.value)) return value.value as ScanScope;
  report(`scope: ${describe(value)} is not a scope (use one of ${SCAN_SCOPES.join(', ')})`, value.span, 'error');
  return undefined;
}

function validateMaxFileSize(value: Value, report: Report): number | undefined {
  if (value.kind === 'scalar' && typeof value.value === 'number' && Number.isSafeInteger(value.value) && value.value >= 1) {
    return value.value;
  }
  report(`maxFileSizeKB must be a whole number of kilobytes of at least 1, not ${describe(value)}`, value.span, 'error');
  return undefined;
}

/**
 * Validates a settings mapping. From the policy file, unknown keys and empty values are reported;
 * the editor's section holds other settings and leaves unset ones null, so there they are skipped.
 */
function validateRoot(root: Value, report: Report, fromFile: boolean): Partial<GuardSettings> {
  const settings: Partial<GuardSettings> = {};
  if (root.kind === 'null') return settings;
  if (root.kind !== 'map') {
    report(`The settings must be a mapping with keys ${SETTING_KEYS.join(', ')}, not ${describe(root)}`, root.span, 'error');
    return settings;
  }
  const seen = new Set<string>();
  for (const { key, value } of root.entries) {
    if (!isString(key)) {
      report(`Setting names must be strings, not ${describe(key)}`, key.span, 'error');
      continue;
    }
    const name = key.value;
    if (!(SETTING_KEYS as readonly string[]).includes(name)) {
      if (fromFile) report(unknownKeyMessage(name), key.span, 'warning');
      continue;
    }
    if (seen.has(name)) {
      report(`${name} is given twice; the first value is used`, key.span, 'error');
      continue;
    }
    seen.add(name);
    if (value.kind === 'null') {
      if (fromFile) report(`${name} has no value and is ignored`, value.span ?? key.span, 'warning');
      continue;
    }
    assignSetting(settings, name as keyof GuardSettings, value, report);
  }
  return settings;
}

function assignSetting(settings: Partial<GuardSettings>, name: keyof GuardSettings, value: Value, report: Report): void {
  switch (name) {
    case 'allowedExternalIPCidrs': {
      const cidrs = validateStringList(name, value, report, checkCidr);
      if (cidrs) settings.allowedExternalIPCidrs = cidrs;
      return;
    }
    case 'exclude': {
      const globs = validateStringList(name, value, report, checkExcludeGlob);
      if (globs) settings.exclude = globs;
      return;
    }
    case 'rules': {
      const rules = validateRules(value, report);
      if (rules) settings.rules = rules;
      return;
    }
    case 'scope': {
      const scope = validateScope(value, report);
      if (scope) settings.scope = scope;
      return;
    }
    case 'maxFileSizeKB': {
      const size = validateMaxFileSize(value, report);
      if (size !== undefined) settings.maxFileSizeKB = size;
      return;
    }
    case 'statusWriters': {
      const writers = validateStringList(name, value, report, checkStatusWriter);
      if (writers) settings.statusWriters = writers;
      return;
    }
  }
}

function unknownKeyMessage(name: string): string {
  const prefix = 'kubeMitmGuard.';
  if (name.startsWith(prefix) && (SETTING_KEYS as readonly string[]).includes(name.slice(prefix.length))) {
    return `Unknown setting "${name}": in ${CONFIG_FILE_NAME} write it without the "${prefix}" prefix`;
  }
  if (name === '<<') return 'Merge keys (<<) are not supported in the policy file; the entry is ignored';
  return `Unknown setting ${JSON.stringify(name)} (known settings: ${SETTING_KEYS.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// The policy file

/** Parses the policy file into a YAML document, or explains why it must be ignored as a whole. */
function parsePolicyDocument(text: string): { document: Document } | { problems: { span: Span; message: string }[] } {
  if (text.length > MAX_CONFIG_CHARS) {
    return { problems: [{ span: [0, 0], message: `The file is larger than ${MAX_CONFIG_CHARS} characters; it is ignored` }] };
  }
  const nesting = findExcessiveNesting(text, { maxFlowDepth: MAX_FLOW_DEPTH, maxLinePrefix: MAX_LINE_PREFIX });
  if (nesting) return { problems: [{ span: [nesting.offset, nesting.offset + 1], message: `${nesting.message}; the file is ignored` }] };
  const document = parseDocument(text, YAML_OPTIONS) as Document;
  if (document.errors.length > 0) {
    // After a syntax error the tree is a guess; acting on part of a policy could allow what the user
    // never wrote, so the whole file falls back to the defaults until it parses.
    return {
      problems: document.errors.map((error) => ({
        span: [error.pos[0], Math.max(error.pos[0], error.pos[1])] as Span,
        message: `${error.message.split('\n')[0]} (the file is ignored until this is fixed)`,
      })),
    };
  }
  return { document };
}

export function parseProjectConfig(text: string): { settings: Partial<GuardSettings>; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  let lineIndex: LineIndex | undefined;
  const rangeOf = (span: Span | undefined): Range => {
    lineIndex ??= new LineIndex(text);
    return lineIndex.rangeOf(span?.[0] ?? 0, span?.[1] ?? 0);
  };
  const report: Report = (message, span, severity) => problems.push({ message, range: rangeOf(span), severity });
  try {
    const parsed = parsePolicyDocument(text);
    if ('problems' in parsed) {
      for (const problem of parsed.problems) report(problem.message, problem.span, 'error');
      return { settings: {}, problems };
    }
    const { document } = parsed;
    for (const warning of document.warnings) {
      report(warning.message.split('\n')[0], [warning.pos[0], warning.pos[1]], 'warning');
    }
    const root = fromYamlNode(document, document.contents, 0);
    return { settings: validateRoot(root, report, true), problems };
  } catch (error) {
    // Defence in depth: the file must never take the server down.
    report(`The file could not be read: ${error instanceof Error ? error.message : String(error)}`, [0, 0], 'error');
    return { settings: {}, problems };
  }
}

/**
 * Validates the editor's `kubeMitmGuard` settings section. Keys this module does not own (the
 * section holds other settings too) are ignored rather than reported.
 */
export function validateSettings(raw: unknown): { settings: Partial<GuardSettings>; problems: string[] } {
  const problems: string[] = [];
  try {
    const settings = validateRoot(fromPlain(raw, 0), (message) => problems.push(message), false);
    return { settings, problems };
  } catch (error) {
    problems.push(`The settings could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return { settings: {}, problems };
  }
}

function unite(first: readonly string[] | undefined, second: readonly string[] | undefined): string[] {
  return [...new Set([...(first ?? []), ...(second ?? [])])];
}

export function mergeSettings(
  fromEditor: Partial<GuardSettings>,
  fromFile: Partial<GuardSettings> | undefined,
): GuardSettings {
  const file = fromFile ?? {};
  return {
    // Both allowlists apply: the project can widen what a user allows and vice versa, never narrow it.
    allowedExternalIPCidrs: unite(fromEditor.allowedExternalIPCidrs, file.allowedExternalIPCidrs),
    // The project's policy is shared, so it wins over one user's preferences.
    rules: { ...fromEditor.rules, ...file.rules },
    scope: file.scope ?? fromEditor.scope ?? DEFAULT_SETTINGS.scope,
    exclude: unite(fromEditor.exclude, file.exclude),
    maxFileSizeKB: file.maxFileSizeKB ?? fromEditor.maxFileSizeKB ?? DEFAULT_SETTINGS.maxFileSizeKB,
    // Like the allowlist: either side can trust a writer, neither can take the other's trust back.
    statusWriters: unite(fromEditor.statusWriters, file.statusWriters),
  };
}

// ---------------------------------------------------------------------------------------------
// Adding an allowlist entry by editing the text surgically, so comments and layout survive.

const ALLOWLIST_KEY = 'allowedExternalIPCidrs';

interface Insertion {
  offset: number;
  text: string;
  /** Replaces text[offset, offset + removeLength) (used to replace an explicit `null`). */
  removeLength?: number;
}

function lineStartOf(text: string, offset: number): number {
  return Math.max(text.lastIndexOf('\n', offset - 1), text.lastIndexOf('\r', offset - 1)) + 1;
}

function lineEndOf(text: string, offset: number): number {
  const match = /\r\n|\r|\n/g;
  match.lastIndex = offset;
  const found = match.exec(text);
  return found ? found.index : text.length;
}

/**
 * Inserts `line` as a new line after the node ending at `nodeEnd`. Nodes such as nested maps and
 * block scalars end at the start of the next line (their range includes the line break); inserting
 * there keeps a `|+` scalar's kept blank lines inside the scalar.
 */
function insertLineAfter(text: string, nodeEnd: number, line: string, eol: string): Insertion {
  const atLineStart = nodeEnd > 0 && /[\r\n]/.test(text[nodeEnd - 1]);
  if (atLineStart) return { offset: nodeEnd, text: `${line}${eol}` };
  return { offset: lineEndOf(text, nodeEnd), text: `${eol}${line}` };
}

function columnOf(text: string, offset: number): number {
  return offset - lineStartOf(text, offset);
}

/** Quote the new entry like the entry before it, so the list keeps one style. */
function formatEntry(cidr: string, styleOf: Node | undefined): string {
  const type = styleOf && isScalar(styleOf) ? styleOf.type : undefined;
  if (type === Scalar.QUOTE_DOUBLE) return `"${cidr}"`;
  if (type === Scalar.QUOTE_SINGLE) return `'${cidr}'`;
  return cidr;
}

/** The indentation a new block list should use under its key, copied from another block list in the file. */
function blockListIndent(text: string, root: YAMLMap): string {
  for (const pair of root.items) {
    if (isSeq(pair.value) && !pair.value.flow && pair.value.range && isScalar(pair.key) && pair.key.range) {
      const offset = columnOf(text, pair.value.range[0]) - columnOf(text, pair.key.range[0]);
      if (offset >= 0) return ' '.repeat(offset);
    }
  }
  return '  ';
}

function insertIntoBlockList(text: string, list: YAMLSeq, entry: (style?: Node) => string, eol: string): Insertion {
  const last = list.items[list.items.length - 1] as Node;
  const lastStart = last.range![0];
  const prefix = text.slice(lineStartOf(text, lastStart), lastStart);
  // Reuse the exact "  - " prefix of the last item when it is a plain one (no anchors or tags).
  const itemPrefix = /^[ ]*-[ ]+$/.test(prefix) ? prefix : `${' '.repeat(columnOf(text, list.range![0]))}- `;
  return insertLineAfter(text, last.range![1], `${itemPrefix}${entry(last)}`, eol);
}

function insertIntoFlowList(text: string, list: YAMLSeq, entry: (style?: Node) => string, eol: string): Insertion {
  const open = list.range![0];
  if (list.items.length === 0) return { offset: open + 1, text: entry() };
  const last = list.items[list.items.length - 1] as Node;
  const lastStart = last.range![0];
  const multiLine = lineStartOf(text, lastStart) > open;
  const separator = multiLine ? `,${eol}${' '.repeat(columnOf(text, lastStart))}` : ', ';
  return { offset: last.range![1], text: `${separator}${entry(last)}` };
}

function insertNewKey(text: string, document: Document, cidr: string, eol: string): Insertion {
  const root = document.contents;
  if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
    // Empty or comment-only file: append after whatever is there.
    const needsBreak = text.length > 0 && !/[\r\n]$/.test(text);
    return { offset: text.length, text: `${needsBreak ? eol : ''}${ALLOWLIST_KEY}:${eol}  - ${cidr}${eol}` };
  }
  if (!isMap(root) || !root.range) throw new Error(`${CONFIG_FILE_NAME} is not a mapping of settings; add the entry by hand`);
  if (root.flow) {
    const entry = `${ALLOWLIST_KEY}: [${cidr}]`;
    const last = root.items[root.items.length - 1];
    const lastNode = (last?.value ?? last?.key) as Node | null | undefined;
    if (!lastNode?.range) return { offset: root.range[0] + 1, text: entry };
    return { offset: lastNode.range[1], text: `, ${entry}` };
  }
  const firstKey = root.items[0]?.key as Node | undefined;
  const keyIndent = ' '.repeat(firstKey?.range ? columnOf(text, firstKey.range[0]) : 0);
  const lastPair = root.items[root.items.length - 1];
  const lastNode = (lastPair.value ?? lastPair.key) as Node;
  const listIndent = keyIndent + blockListIndent(text, root);
  return insertLineAfter(text, lastNode.range![1], `${keyIndent}${ALLOWLIST_KEY}:${eol}${listIndent}- ${cidr}`, eol);
}

function planInsertion(text: string, document: Document, cidr: string, eol: string, quote: boolean): Insertion | 'present' {
  const entry = (style?: Node) => (quote ? `"${cidr}"` : formatEntry(cidr, style));
  const root = document.contents;
  const pair = isMap(root) ? root.items.find((item) => isScalar(item.key) && item.key.value === ALLOWLIST_KEY) : undefined;
  if (!pair) return insertNewKey(text, document, entry(), eol);
  const value = pair.value as Node | null;
  if (value === null || (isScalar(value) && value.value === null)) {
    const keyNode = pair.key as Node;
    if (value?.range && value.range[1] > value.range[0]) {
      // An explicit `~` or `null`: replace it with a one-entry flow list.
      return { offset: value.range[0], removeLength: value.range[1] - value.range[0], text: `[${entry()}]` };
    }
    const keyIndent = columnOf(text, keyNode.range![0]);
    return { offset: lineEndOf(text, keyNode.range![1]), text: `${eol}${' '.repeat(keyIndent + 2)}- ${entry()}` };
  }
  if (!isSeq(value)) {
    throw new Error(`${ALLOWLIST_KEY} in ${CONFIG_FILE_NAME} is not a list; fix it before adding entries`);
  }
  if (value.items.some((item) => isScalar(item) && typeof item.value === 'string' && sameCidr(item.value, cidr))) {
    return 'present';
  }
  if (value.items.some((item) => !(item as Node).range)) throw new Error(`${ALLOWLIST_KEY} has entries this edit cannot place`);
  return value.flow ? insertIntoFlowList(text, value, entry, eol) : insertIntoBlockList(text, value, entry, eol);
}

function sameCidr(existing: string, added: string): boolean {
  if (existing === added) return true;
  const a = parseAllowedCidr(existing);
  const b = parseAllowedCidr(added);
  if ('error' in a || 'error' in b) return false;
  return a.family === b.family && a.prefixLength === b.prefixLength && a.network.toNormalizedString() === b.network.toNormalizedString();
}

/** A fingerprint of every top-level value except the allowlist, to prove an edit changed nothing else. */
function otherValues(document: Document): string {
  const root = document.contents;
  // An empty document has no other values, like an empty mapping.
  if (root === null || (isScalar(root) && root.value === null)) return '[]';
  if (!isMap(root)) return JSON.stringify(String(root));
  const toJS = (node: unknown): unknown => {
    try {
      return node === null || node === undefined ? null : (node as Node).toJS(document, { maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      return '<unreadable>';
    }
  };
  return JSON.stringify(
    root.items
      .filter((pair) => !(isScalar(pair.key) && pair.key.value === ALLOWLIST_KEY))
      .map((pair) => [toJS(pair.key), toJS(pair.value)]),
  );
}

function allowlistValues(document: Document): unknown[] {
  const root = document.contents;
  const list = isMap(root) ? root.get(ALLOWLIST_KEY, true) : undefined;
  return isSeq(list) ? list.items.map((item) => (isScalar(item) ? item.value : String(item))) : [];
}

/**
 * Returns the config file's new text with `cidr` appended to allowedExternalIPCidrs. Everything
 * else stays byte-identical. Throws an Error with a user-facing message when the file cannot be
 * edited safely (syntax errors, allowlist not a list, the CIDR itself invalid).
 */
export function addAllowedCidr(configText: string | undefined, cidr: string): string {
  const parsedCidr = parseAllowedCidr(cidr);
  if ('error' in parsedCidr) throw new Error(`Cannot add to the allowlist: ${parsedCidr.error}`);
  const text = configText ?? '';
  if (text.trim() === '') {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    return `${ALLOWLIST_KEY}:${eol}  - ${cidr}${eol}`;
  }
  const parsed = parsePolicyDocument(text);
  if ('problems' in parsed) {
    throw new Error(`${CONFIG_FILE_NAME} has errors (${parsed.problems[0].message}); fix them before adding entries`);
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const before = allowlistValues(parsed.document);
  const expectedOthers = otherValues(parsed.document);
  // Plain first (the usual style); quoted if the plain form would not read back as the same string.
  for (const quote of [false, true]) {
    const insertion = planInsertion(text, parsed.document, cidr, eol, quote);
    if (insertion === 'present') return text;
    const edited =
      text.slice(0, insertion.offset) + insertion.text + text.slice(insertion.offset + (insertion.removeLength ?? 0));
    const check = parsePolicyDocument(edited);
    if ('document' in check) {
      const after = allowlistValues(check.document);
      const addedExactly = JSON.stringify(after) === JSON.stringify([...before, cidr]);
      if (addedExactly && otherValues(check.document) === expectedOthers) return edited;
    }
  }
  throw new Error(`Could not add ${cidr} to ${CONFIG_FILE_NAME} without changing its other content; add it by hand`);
}
