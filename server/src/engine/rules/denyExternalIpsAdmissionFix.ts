// The fix of `deny-external-ips-admission`: DenyServiceExternalIPs joins the enable list and leaves the
// disable list, everything else kept. Flags and keys are created in the form the file already uses
// (`--flag=value` or the value as the next argument; a kubeadm map or a v1beta4 `{name, value}` list); a
// new kubeadm key carries kubeadm's default too (NodeRestriction), since setting the key replaces it; a
// disable flag or key whose list becomes empty goes. The intended change is the container's or the
// object's new data, which verify.ts checks the edited text against.
import { Document, isMap, isSeq, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { AdmissionFlags, AdmissionFlagUse, DISABLE_ADMISSION_PLUGINS, ENABLE_ADMISSION_PLUGINS, writeCsvRecord } from '../apiServerFlags';
import { FixCandidate, FixContext, RuleFixes } from '../fixes/fixTypes';
import { IndexPath, indexPathTo, IntendedChange } from '../fixes/intendedChange';
import { contentEnd, dashBefore, lineBreakOf, lineStartOf, onlySpaceBefore, removePair, removeSequenceItems, trimEnd } from '../fixes/yamlEdits';
import { OffsetEdit } from '../textEdits';
import { lineEndWithBreakOf } from '../textLines';
import { Located, nodeSpan, resolveNode } from '../yamlModel';
import { ApiServerContainer, ApiServerSource, DENY_SERVICE_EXTERNAL_IPS, KUBEADM_DEFAULT_ADMISSION_PLUGINS, KubeadmApiServer, kubeadmEntryFlags } from './apiServerConfig';
import { ApiServerAdmissionTarget } from './ruleTypes';

/** What becomes of the admission flags: values rewritten, flags removed, and the enable list to create when there is none. */
interface FlagPlan {
  /** The new plugin list of each use to rewrite. */
  rewrite: Map<AdmissionFlagUse, string[]>;
  remove: AdmissionFlagUse[];
  /** The plugins of a new enable flag, when no enable flag exists. */
  create?: string[];
}

function planFlags(flags: AdmissionFlags, defaultEnabled: readonly string[]): FlagPlan | undefined {
  if (flags.uses.some((use) => use.malformed)) return undefined;
  const plan: FlagPlan = { rewrite: new Map(), remove: [] };
  for (const use of flags.uses) {
    if (use.flag !== DISABLE_ADMISSION_PLUGINS || !use.plugins.includes(DENY_SERVICE_EXTERNAL_IPS)) continue;
    const remaining = use.plugins.filter((plugin) => plugin !== DENY_SERVICE_EXTERNAL_IPS);
    if (remaining.length === 0) plan.remove.push(use);
    else plan.rewrite.set(use, remaining);
  }
  if (!flags.enabled.includes(DENY_SERVICE_EXTERNAL_IPS)) {
    const enabling = flags.uses.filter((use) => use.flag === ENABLE_ADMISSION_PLUGINS);
    const last = enabling[enabling.length - 1];
    if (last) plan.rewrite.set(last, [...last.plugins, DENY_SERVICE_EXTERNAL_IPS]);
    else plan.create = [...defaultEnabled, DENY_SERVICE_EXTERNAL_IPS];
  }
  return plan;
}

// ---- writing scalars in the style of their neighbours ----

const YAML_WORDS = /^(?:y|yes|n|no|true|false|on|off|null)$/i;

/** `value` as a scalar written like `model` (plain when that reads back as the same string), or undefined for block scalars and tags. */
function scalarText(model: Scalar, value: string, inFlow: boolean): string | undefined {
  if (model.tag !== undefined) return undefined;
  if (model.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  if (model.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (model.type !== 'PLAIN') return undefined;
  const plain = inFlow ? /^(?:--)?[A-Za-z][A-Za-z0-9_./=-]*$/ : /^(?:--)?[A-Za-z][A-Za-z0-9_./=,:-]*$/;
  return plain.test(value) && !YAML_WORDS.test(value) ? value : JSON.stringify(value);
}

function replaceScalar(text: string, scalar: Scalar, value: string, inFlow: boolean): OffsetEdit | undefined {
  const newText = scalarText(scalar, value, inFlow);
  const { start, end } = nodeSpan(scalar);
  return newText === undefined || end <= start ? undefined : { start, end: trimEnd(text, start, end), newText };
}

// ---- inserting entries into block and flow collections ----

/** Lines after a block entry (a map key or a sequence item's `-` at `column`), or entries after a flow one. */
function insertAfter(text: string, collection: YAMLMap | YAMLSeq, entryStart: number, entryEnd: number, block: string[], flow: string): OffsetEdit | undefined {
  if (collection.flow) return { start: trimEnd(text, entryStart, entryEnd), end: trimEnd(text, entryStart, entryEnd), newText: `, ${flow}` };
  const lineStart = isSeq(collection) ? dashBefore(text, entryStart) : entryStart;
  if (lineStart === undefined || !onlySpaceBefore(text, lineStart)) return undefined;
  const indent = ' '.repeat(lineStart - lineStartOf(text, lineStart));
  const lineBreak = lineBreakOf(text);
  const at = lineEndWithBreakOf(text, contentEnd(text, entryStart, entryEnd));
  const body = block.map((line) => indent + line).join(lineBreak);
  return at === text.length && !/[\r\n]$/.test(text) ? { start: at, end: at, newText: lineBreak + body } : { start: at, end: at, newText: body + lineBreak };
}

/** Lines before a block sequence item, or entries before a flow one. */
function insertBefore(text: string, seq: YAMLSeq, itemStart: number, block: string[], flow: string): OffsetEdit | undefined {
  if (seq.flow) return { start: itemStart, end: itemStart, newText: `${flow}, ` };
  const dash = dashBefore(text, itemStart);
  if (dash === undefined || !onlySpaceBefore(text, dash)) return undefined;
  const indent = ' '.repeat(dash - lineStartOf(text, dash));
  const lineBreak = lineBreakOf(text);
  return { start: lineStartOf(text, dash), end: lineStartOf(text, dash), newText: block.map((line) => indent + line + lineBreak).join('') };
}

/** The text between a block sequence item's `-` and the item (`- `), to write new items alike. */
function dashPrefix(text: string, seq: YAMLSeq, itemStart: number): string | undefined {
  if (seq.flow) return '';
  const dash = dashBefore(text, itemStart);
  const prefix = dash === undefined ? undefined : text.slice(dash, itemStart);
  return prefix !== undefined && !/[\r\n]/.test(prefix) ? prefix : undefined;
}

// ---- a container running kube-apiserver ----

interface ListPlan {
  seq: Located<YAMLSeq>;
  replace: Map<number, string>;
  remove: Set<number>;
  /** New items before original index `at` (the list's length: at the end). */
  insert?: { at: number; values: string[] };
}

function containerFix(text: string, document: Document, source: ApiServerContainer, flags: AdmissionFlags): { edits: OffsetEdit[]; change: (documentIndex: number) => IntendedChange | undefined } | undefined {
  const plan = planFlags(flags, []);
  if (!plan) return undefined;
  const lists = new Map<YAMLSeq, ListPlan>();
  const listOf = (seq: Located<YAMLSeq>) => {
    let list = lists.get(seq.node);
    if (!list) lists.set(seq.node, (list = { seq, replace: new Map(), remove: new Set() }));
    return list;
  };
  const argument = (index: number | undefined) => (index === undefined ? undefined : source.flags[index]);
  for (const [use, plugins] of plan.rewrite) {
    const value = argument(use.valueIndex);
    if (!value) return undefined;
    listOf(value.list).replace.set(value.index, use.form === '=' ? `--${use.flag}=${writeCsvRecord(plugins)}` : writeCsvRecord(plugins));
  }
  for (const use of plan.remove) {
    for (const index of use.form === '=' ? [use.nameIndex] : [use.nameIndex, use.valueIndex]) {
      const removed = argument(index);
      if (!removed) return undefined;
      listOf(removed.list).remove.add(removed.index);
    }
  }
  if (plan.create) {
    const form = flags.uses[0]?.form ?? flagForm(source.flags.map((flag) => flag.value));
    const values = form === '=' ? [`--${ENABLE_ADMISSION_PLUGINS}=${writeCsvRecord(plan.create)}`] : [`--${ENABLE_ADMISSION_PLUGINS}`, writeCsvRecord(plan.create)];
    // Before `--` (what follows it is no flag), else after the last argument that stays.
    const end = source.flags.find((flag) => flag.value === '--');
    const kept = [source.program, ...source.flags].filter((flag) => !lists.get(flag.list.node)?.remove.has(flag.index));
    const anchor = end ?? kept[kept.length - 1];
    listOf(anchor.list).insert = { at: end ? end.index : anchor.index + 1, values };
  }

  const edits: OffsetEdit[] = [];
  for (const list of lists.values()) {
    const seq = list.seq.node;
    if (list.seq.shared || seq.items.some((item, index) => (list.replace.has(index) || list.remove.has(index)) && !isScalarItem(document, item))) return undefined;
    for (const [index, value] of list.replace) {
      const edit = replaceScalar(text, seq.items[index] as Scalar, value, seq.flow === true);
      if (!edit) return undefined;
      edits.push(edit);
    }
    if (list.remove.size > 0) {
      const removal = removeSequenceItems(text, seq, list.remove);
      if (!removal) return undefined;
      edits.push(...removal);
    }
    if (list.insert) {
      const { at, values } = list.insert;
      const reference = seq.items[Math.min(at, seq.items.length - 1)] as Scalar;
      if (!isScalarItem(document, reference)) return undefined;
      const written = values.map((value) => scalarText(reference, value, seq.flow === true));
      if (written.some((value) => value === undefined)) return undefined;
      const { start, end } = nodeSpan(reference);
      const prefix = dashPrefix(text, seq, start);
      if (prefix === undefined) return undefined;
      const block = written.map((value) => prefix + value);
      const edit = at < seq.items.length ? insertBefore(text, seq, start, block, written.join(', ')) : insertAfter(text, seq, start, end, block, written.join(', '));
      if (!edit) return undefined;
      edits.push(edit);
    }
  }
  const container = source.container;
  if (container.shared) return undefined;
  const data = container.node.toJS(document, { maxAliasCount: 10_000 }) as Record<string, unknown>;
  for (const list of lists.values()) {
    const key = list.seq.pair && (list.seq.pair.key as Scalar).value;
    if (typeof key !== 'string' || !Array.isArray(data[key])) return undefined;
    data[key] = applyListPlan(data[key] as unknown[], list);
  }
  return { edits, change: (documentIndex) => replacement(document, documentIndex, container.written, data) };
}

function isScalarItem(document: Document, item: unknown): boolean {
  return resolveNode(document, item) === item && (item as Scalar | undefined)?.range !== undefined;
}

function applyListPlan(items: unknown[], plan: ListPlan): unknown[] {
  const result: unknown[] = [];
  items.forEach((item, index) => {
    if (plan.insert?.at === index) result.push(...plan.insert.values);
    if (!plan.remove.has(index)) result.push(plan.replace.get(index) ?? item);
  });
  if (plan.insert?.at === items.length) result.push(...plan.insert.values);
  return result;
}

/** The form the argv writes flags in: `--name=value` when any flag does, the next argument when flags are followed by values. */
function flagForm(argv: readonly string[]): '=' | 'next' {
  if (argv.some((arg) => /^--[^=]+=/.test(arg))) return '=';
  return argv.some((arg, index) => arg.startsWith('--') && index + 1 < argv.length && !argv[index + 1].startsWith('-')) ? 'next' : '=';
}

function replacement(document: Document, documentIndex: number, written: unknown, value: unknown): IntendedChange | undefined {
  const path: IndexPath | undefined = written === document.contents ? [] : indexPathTo(document, written);
  return path ? { kind: 'replace-value', documentIndex, path, value } : undefined;
}

// ---- kubeadm's apiServer.extraArgs ----

function kubeadmFix(text: string, document: Document, object: Located<YAMLMap>, source: KubeadmApiServer): { edits: OffsetEdit[]; change: (documentIndex: number) => IntendedChange | undefined } | undefined {
  // Planned on the entries alone: kubeadm's default is no entry to rewrite, and a new enable entry replaces it.
  const plan = planFlags(kubeadmEntryFlags(source.entries), KUBEADM_DEFAULT_ADMISSION_PLUGINS);
  if (!plan || object.shared || source.apiServer?.shared || source.extraArgs?.shared) return undefined;
  const entryOf = (use: AdmissionFlagUse) => source.entries[use.nameIndex];
  const edits: OffsetEdit[] = [];
  const newValues = new Map<number, string>();
  const removed = new Set<number>();
  for (const [use, plugins] of plan.rewrite) {
    const entry = entryOf(use);
    if (!entry) return undefined;
    newValues.set(source.entries.indexOf(entry), writeCsvRecord(plugins));
    const edit = replaceScalar(text, entry.scalar, writeCsvRecord(plugins), isFlowHolder(source, entry.scalar));
    if (!edit) return undefined;
    edits.push(edit);
  }
  for (const use of plan.remove) {
    const entry = entryOf(use);
    if (!entry) return undefined;
    removed.add(source.entries.indexOf(entry));
  }
  const extraArgs = source.extraArgs?.node;
  const created = plan.create && { name: ENABLE_ADMISSION_PLUGINS, value: writeCsvRecord(plan.create) };
  // When every entry goes, a block extraArgs has no entry left to write the new one beside: it takes the
  // place of the first entry removed.
  const takesPlace = created && extraArgs && !extraArgs.flow && removed.size > 0 && removed.size === source.entries.length ? Math.min(...removed) : undefined;
  if (removed.size > 0) {
    if (!extraArgs) return undefined;
    const removal = removeEntries(text, extraArgs, source, new Set([...removed].filter((index) => index !== takesPlace)));
    if (!removal) return undefined;
    edits.push(...removal);
  }
  if (created) {
    const edit = takesPlace !== undefined ? replaceEntry(text, extraArgs!, source, takesPlace, created) : createEntry(text, object, source, removed, created);
    if (!edit) return undefined;
    edits.push(edit);
  }

  const data = object.node.toJS(document, { maxAliasCount: 10_000 }) as Record<string, unknown>;
  const entries = source.entries
    .map((entry, index) => ({ name: entry.name, value: newValues.get(index) ?? entry.value }))
    .filter((_, index) => !removed.has(index));
  if (created) entries.push(created);
  const apiServer = (data.apiServer ?? {}) as Record<string, unknown>;
  if (source.listForm) {
    apiServer.extraArgs = entries;
  } else {
    // Map form: the old key order, a new key last (toJS keeps insertion order).
    apiServer.extraArgs = Object.fromEntries(entries.map((entry) => [entry.name, entry.value]));
  }
  data.apiServer = apiServer;
  return { edits, change: (documentIndex) => replacement(document, documentIndex, object.written, data) };
}

function isFlowHolder(source: KubeadmApiServer, scalar: Scalar): boolean {
  const entry = source.entries.find((candidate) => candidate.scalar === scalar);
  return (entry?.item?.flow ?? (source.extraArgs?.node as YAMLMap | undefined)?.flow) === true;
}

/** The map pair or list item of each entry, in extraArgs. */
function entryNodes(extraArgs: YAMLMap | YAMLSeq, source: KubeadmApiServer): (Pair | YAMLMap | undefined)[] {
  return source.entries.map((entry) =>
    entry.item ?? (extraArgs as YAMLMap).items.find((pair) => pair.value === entry.scalar),
  );
}

function removeEntries(text: string, extraArgs: YAMLMap | YAMLSeq, source: KubeadmApiServer, removed: ReadonlySet<number>): OffsetEdit[] | undefined {
  const nodes = entryNodes(extraArgs, source);
  if (isSeq(extraArgs)) {
    const indices = new Set([...removed].map((index) => extraArgs.items.indexOf(nodes[index] as never)));
    return indices.has(-1) ? undefined : removeSequenceItems(text, extraArgs, indices);
  }
  // A map has one disable key at most (a duplicate key is not read as extraArgs).
  const edits: OffsetEdit[] = [];
  for (const index of removed) {
    const edit = removePair(text, extraArgs as YAMLMap, nodes[index] as Pair);
    if (!edit) return undefined;
    edits.push(edit);
  }
  return edits;
}

/** The new entry written over entry `index` (a block map pair, or a block list item's map). */
function replaceEntry(text: string, extraArgs: YAMLMap | YAMLSeq, source: KubeadmApiServer, index: number, entry: { name: string; value: string }): OffsetEdit | undefined {
  const node = entryNodes(extraArgs, source)[index];
  if (!node) return undefined;
  const [start, end] = isMap(node) ? [nodeSpan(node).start, nodeSpan(node).end] : pairSpan(node as Pair);
  const value = entryValueText(entry.value);
  const indent = ' '.repeat(start - lineStartOf(text, start));
  const newText = source.listForm ? `name: ${entry.name}${lineBreakOf(text)}${indent}value: ${value}` : `${entry.name}: ${value}`;
  return { start, end: contentEnd(text, start, end), newText };
}

/** A new entry's value: plain when it reads back as the same string. */
function entryValueText(value: string): string {
  return /^[A-Za-z][A-Za-z0-9_.,-]*$/.test(value) && !YAML_WORDS.test(value) ? value : JSON.stringify(value);
}

/**
 * The new enable key: after the last entry that stays in extraArgs, else a new `extraArgs` after the last
 * key of apiServer, else a new `apiServer` after the last key of the object.
 */
function createEntry(text: string, object: Located<YAMLMap>, source: KubeadmApiServer, removed: ReadonlySet<number>, entry: { name: string; value: string }): OffsetEdit | undefined {
  const value = entryValueText(entry.value);
  const listEntry = [`- name: ${entry.name}`, `  value: ${value}`];
  const flowEntry = source.listForm ? `{name: ${entry.name}, value: ${JSON.stringify(entry.value)}}` : `${entry.name}: ${JSON.stringify(entry.value)}`;
  const ownLines = source.listForm ? listEntry : [`${entry.name}: ${value}`];
  const extraArgs = source.extraArgs?.node;
  if (extraArgs) {
    const nodes = entryNodes(extraArgs, source);
    const kept = nodes.filter((_, index) => !removed.has(index));
    const anchor = kept[kept.length - 1];
    if (!anchor) {
      // Nothing stays: an empty flow collection gets the entry; a block one needs an entry to stand beside.
      if (!extraArgs.flow || extraArgs.items.length > 0) return undefined;
      const { start, end } = nodeSpan(extraArgs);
      return { start, end: trimEnd(text, start, end), newText: source.listForm ? `[${flowEntry}]` : `{${flowEntry}}` };
    }
    const [start, end] = isMap(anchor) ? [nodeSpan(anchor).start, nodeSpan(anchor).end] : pairSpan(anchor as Pair);
    if (isSeq(extraArgs) && !extraArgs.flow && dashPrefix(text, extraArgs, start) !== '- ') return undefined;
    return insertAfter(text, extraArgs, start, end, ownLines, flowEntry);
  }
  const nested = (lines: string[]) => lines.map((line) => `  ${line}`);
  const extraArgsLines = ['extraArgs:', ...nested(ownLines)];
  const [holder, lines] = source.apiServer ? [source.apiServer.node, extraArgsLines] : [object.node, ['apiServer:', ...nested(extraArgsLines)]];
  const last = holder.items[holder.items.length - 1];
  if (!last || holder.flow) return undefined;
  const [start, end] = pairSpan(last);
  return insertAfter(text, holder, start, end, lines, '');
}

function pairSpan(pair: Pair): [number, number] {
  const key = nodeSpan(pair.key as Scalar);
  const value = pair.value ? nodeSpan(pair.value as Scalar) : key;
  return [key.start, Math.max(key.end, value.end)];
}

/**
 * An insertion where a removal starts (a new line after the last line that stays, before a removed one) is
 * one edit with it: editors reject an insertion at the start of another edit as overlapping.
 */
function joinInsertions(edits: readonly OffsetEdit[]): OffsetEdit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const joined: OffsetEdit[] = [];
  for (const edit of sorted) {
    const previous = joined[joined.length - 1];
    if (previous && previous.start === previous.end && previous.end === edit.start && edit.end > edit.start) {
      joined[joined.length - 1] = { start: previous.start, end: edit.end, newText: previous.newText + edit.newText };
    } else joined.push(edit);
  }
  return joined;
}

// ---- the module's fixes ----

function fixFor(text: string, document: Document, target: ApiServerAdmissionTarget): ReturnType<typeof containerFix> {
  const source: ApiServerSource = target.config.source;
  return source.kind === 'container' ? containerFix(text, document, source, target.config.flags) : kubeadmFix(text, document, target.object, source);
}

function enablingFixes({ text, analysis, finding, target }: FixContext): FixCandidate[] {
  if (target.kind !== 'api-server-admission') return [];
  const document = analysis.documents[finding.documentIndex].document;
  const fix = fixFor(text, document, target);
  const change = fix?.change(finding.documentIndex);
  if (!fix || !change) return [];
  const source = target.config.source;
  const keepsKubeadmDefault = source.kind === 'kubeadm' && !source.entries.some((entry) => entry.name === ENABLE_ADMISSION_PLUGINS);
  const title = `Enable the ${DENY_SERVICE_EXTERNAL_IPS} admission plugin${keepsKubeadmDefault ? " (keeping kubeadm's default NodeRestriction)" : ''}`;
  // Not in fix-all: the plugin rejects every new externalIP in the cluster, allowlisted or not, which is a choice to make per cluster.
  return [{ kind: 'enable-deny-external-ips', title, edits: joinInsertions(fix.edits), change, fixAll: false, isPreferred: true }];
}

export const denyExternalIpsAdmissionFixes: RuleFixes = { textFixes: enablingFixes };
