// The fix property (issue 6, "fixes lose nothing"), computed independently of the fix code
// (server/src/engine/fixes/): for a text, apply each offered TextFix, and fix-all, and check that
//  - the result parses: same number of documents, no document gains YAML errors;
//  - the targeted finding is gone and no new finding appears;
//  - the decoded data (the `yaml` package, merge keys applied) equals the original minus exactly the
//    removed paths, every removed path lying under the finding's container (spec.externalIPs,
//    status.loadBalancer.ingress and its parents, or an RBAC object's rules, where the granted
//    permissions must be the old ones minus, for rbac-services-status, patch/update on services/status
//    and, for rbac-endpoints-write, create/update/patch on core endpoints and discovery.k8s.io
//    endpointslices), or, for a mitigation that does not block, exactly its one setting switched to the
//    value that blocks, or a kube-apiserver configuration, whose admission flags must enable
//    DenyServiceExternalIPs and change nothing else;
//  - every line the edits do not touch is byte-identical, and every comment survives unless its whole
//    line was removed.
// Edits are applied with vscode-languageserver-textdocument, as an editor would, not with the engine.
import { isDeepStrictEqual } from 'node:util';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Lexer, parseAllDocuments } from 'yaml';
import { analyzeText, EngineOptions, Finding, fixAll, fixesForFinding, TextEdit, TextFix } from '../../server/src/engine';

type Path = (string | number)[];

interface Decoded {
  documents: unknown[];
  errors: number[];
  duplicateKeys: boolean;
}

function decode(text: string): Decoded {
  const documents = parseAllDocuments(text, { merge: true, uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
  const list = Array.isArray(documents) ? documents : [];
  return {
    documents: list.map((document) => {
      try {
        return document.toJS({ maxAliasCount: 10_000 });
      } catch (error) {
        return { __undecodable: String(error) };
      }
    }),
    errors: list.map((document) => document.errors.length),
    duplicateKeys: (parseAllDocuments(text, { logLevel: 'error' }) as typeof list).some?.((document) => document.errors.some((error) => error.code === 'DUPLICATE_KEY')) ?? false,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set);
}

// ---- RBAC semantics: the permissions a rules list grants, one tuple per (group, resource, verb, names) ----

// A null entry is "" to the API server (JSON null into a Go string), as `apiGroups: [~]` is the core group.
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map((item) => (item === null ? '' : String(item))) : [];
}

function grants(rules: unknown): Set<string> {
  const tuples = new Set<string>();
  if (!Array.isArray(rules)) return tuples;
  for (const rule of rules) {
    if (!isObject(rule)) continue;
    const names = strings(rule.resourceNames).sort().join(',') || '*';
    for (const verb of strings(rule.verbs)) {
      for (const group of strings(rule.apiGroups)) for (const resource of strings(rule.resources)) tuples.add(`${group}|${resource}|${verb}|${names}`);
      for (const url of strings(rule.nonResourceURLs)) tuples.add(`url|${url}|${verb}`);
    }
  }
  return tuples;
}

// The permissions each RBAC rule's fix may take away, as (group|resource|verb|names) tuples.
const WRITES_A_FIX_MAY_REMOVE: Readonly<Record<string, RegExp>> = {
  'rbac-services-status': /^\|services\/status\|(patch|update)\|/,
  'rbac-endpoints-write': /^(\|endpoints|discovery\.k8s\.io\|endpointslices)\|(create|update|patch)\|/,
};

// ---- kube-apiserver admission: the plugins a configuration enables and disables, and the rest of it ----

const DENY_PLUGIN = 'DenyServiceExternalIPs';
const ADMISSION_FLAG = /^--(enable|disable)-admission-plugins(?:=(.*))?$/s;

interface Admission {
  enable: Set<string>;
  disable: Set<string>;
  /** The configuration without its admission flags or keys. */
  rest: unknown;
}

function plugins(value: unknown): string[] {
  return String(value ?? '').split(',').filter((plugin) => plugin !== '');
}

/** A container running kube-apiserver, read as the kubelet passes command + args (args[0] is the program without a command). */
function containerAdmission(container: Record<string, unknown>): Admission | undefined {
  const command = Array.isArray(container.command) ? container.command.map(String) : undefined;
  const args = Array.isArray(container.args) ? container.args.map(String) : undefined;
  const program = command && command.length > 0 ? command[0] : args?.[0];
  if (program === undefined || program.split('/').pop() !== 'kube-apiserver') return undefined;
  const admission: Admission = { enable: new Set(), disable: new Set(), rest: undefined };
  let ended = false;
  const strip = (list: string[] | undefined, programFirst: boolean) => {
    if (!list) return undefined;
    const kept: string[] = [];
    for (let index = 0; index < list.length; index++) {
      const match = ended || (programFirst && index === 0) ? null : ADMISSION_FLAG.exec(list[index]);
      if (list[index] === '--') ended = true;
      if (!match) {
        kept.push(list[index]);
        continue;
      }
      const value = match[2] ?? list[++index];
      for (const plugin of plugins(value)) (match[1] === 'enable' ? admission.enable : admission.disable).add(plugin);
    }
    return kept;
  };
  const hasCommand = command !== undefined && command.length > 0;
  admission.rest = { ...container, command: strip(command, hasCommand), args: strip(args, !hasCommand) };
  return admission;
}

/** A kubeadm ClusterConfiguration: extraArgs as a map or a `{name, value}` list; without an enable entry kubeadm enables NodeRestriction. */
function kubeadmAdmission(object: Record<string, unknown>): Admission | undefined {
  if (!String(object.apiVersion).startsWith('kubeadm.k8s.io/') || object.kind !== 'ClusterConfiguration') return undefined;
  const apiServer = isObject(object.apiServer) ? object.apiServer : {};
  const extraArgs = apiServer.extraArgs;
  const entries: { name: string; value: unknown }[] = Array.isArray(extraArgs)
    ? extraArgs.map((entry) => (isObject(entry) ? { name: String(entry.name), value: entry.value } : { name: '', value: entry }))
    : Object.entries(isObject(extraArgs) ? extraArgs : {}).map(([name, value]) => ({ name, value }));
  const admission: Admission = { enable: new Set(), disable: new Set(), rest: undefined };
  const isAdmission = (name: string) => name === 'enable-admission-plugins' || name === 'disable-admission-plugins';
  if (!entries.some((entry) => entry.name === 'enable-admission-plugins')) admission.enable.add('NodeRestriction');
  for (const entry of entries.filter((candidate) => isAdmission(candidate.name))) {
    for (const plugin of plugins(entry.value)) (entry.name.startsWith('enable') ? admission.enable : admission.disable).add(plugin);
  }
  const rest = entries.filter((entry) => !isAdmission(entry.name));
  // An extraArgs or apiServer that only the fix created is no other change.
  const restArgs = Array.isArray(extraArgs) ? extraArgs.filter((entry) => !(isObject(entry) && isAdmission(String(entry.name)))) : Object.fromEntries(rest.map((entry) => [entry.name, entry.value]));
  const restApiServer: Record<string, unknown> = { ...apiServer };
  if (rest.length > 0 || extraArgs !== undefined) restApiServer.extraArgs = restArgs;
  if (rest.length === 0) delete restApiServer.extraArgs;
  const restObject: Record<string, unknown> = { ...object, apiServer: restApiServer };
  if (Object.keys(restApiServer).length === 0) delete restObject.apiServer;
  admission.rest = restObject;
  return admission;
}

function admissionOf(value: Record<string, unknown>): Admission | undefined {
  return kubeadmAdmission(value) ?? containerAdmission(value);
}

const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((item) => b.has(item));

/** When the admission flags changed: the enable set gains exactly DenyServiceExternalIPs, the disable set loses exactly it, nothing else changes. */
function judgeAdmissionChange(before: Admission, after: Admission, path: Path): boolean {
  if (sameSet(before.enable, after.enable) && sameSet(before.disable, after.disable)) return false;
  const expectedEnable = new Set([...before.enable, DENY_PLUGIN]);
  const expectedDisable = new Set([...before.disable].filter((plugin) => plugin !== DENY_PLUGIN));
  if (!sameSet(after.enable, expectedEnable)) throw new NotAPruning(`${show(path)} enables ${[...after.enable].join(',')}, expected ${[...expectedEnable].join(',')}`);
  if (!sameSet(after.disable, expectedDisable)) throw new NotAPruning(`${show(path)} disables ${[...after.disable].join(',')}, expected ${[...expectedDisable].join(',')}`);
  if (!isDeepStrictEqual(before.rest, after.rest)) throw new NotAPruning(`${show(path)} changed more than its admission flags`);
  return true;
}

// ---- structural diff: `after` must be `before` with subtrees removed ----

interface Removal {
  path: Path;
  /**
   * 'rbac' when an RBAC rules list changed (judged by permissions, not structure); 'switched' when a
   * mitigation's setting took its blocking value (ENFORCING_VALUES); 'admission' when a kube-apiserver
   * configuration's admission flags changed (judged by the flags' effect).
   */
  kind: 'removed' | 'rbac' | 'switched' | 'admission';
  /** For 'rbac': the permission tuples the list no longer grants. */
  lost?: string[];
  /**
   * Set when the removal is inside a patch written as a string (a Kustomize inline patch): the patch's decoded
   * data, and where in `path` its own path starts.
   */
  embedded?: { root: unknown; at: number };
}

/** The step that goes from a patch string into its decoded data in a removal's path. */
const INTO_PATCH = '(patch text)';

/** A Kustomize inline patch string's decoded data (one document), or undefined. */
function patchData(text: string): unknown {
  const documents = parseAllDocuments(text, { merge: true, uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
  if (!Array.isArray(documents) || documents.length !== 1 || documents[0].errors.length > 0) return undefined;
  return documents[0].toJS({ maxAliasCount: 10_000 });
}

/** Whether `path` holds a kustomization's patch string: `patches[n].patch`, `patchesJson6902[n].patch`, `patchesStrategicMerge[n]`. */
function isPatchString(path: Path): boolean {
  const [field, index, key] = path.slice(-3);
  return (key === 'patch' && typeof index === 'number' && (field === 'patches' || field === 'patchesJson6902')) || (path[path.length - 2] === 'patchesStrategicMerge' && typeof path[path.length - 1] === 'number');
}

/** The settings that decide whether a mitigation blocks, and the one value a fix may give each. */
const ENFORCING_VALUES: Readonly<Record<string, string>> = { validationFailureAction: 'Enforce', failureAction: 'Enforce', enforcementAction: 'deny', failurePolicy: 'Fail' };

class NotAPruning extends Error {}

function prune(before: unknown, after: unknown, path: Path, removals: Removal[], parent?: Record<string, unknown>): void {
  if (isDeepStrictEqual(before, after)) return;
  const isRbacRules = path[path.length - 1] === 'rules' && parent !== undefined && /^(Cluster)?Role$/.test(String(parent.kind));
  if (isRbacRules) {
    const old = grants(before);
    const now = grants(after);
    for (const tuple of now) if (!old.has(tuple)) throw new NotAPruning(`${show(path)} grants ${tuple}, which it did not before`);
    removals.push({ path, kind: 'rbac', lost: [...old].filter((tuple) => !now.has(tuple)) });
    return;
  }
  if (isObject(before) && isObject(after)) {
    const admissionBefore = admissionOf(before);
    const admissionAfter = admissionOf(after);
    if (admissionBefore && admissionAfter && judgeAdmissionChange(admissionBefore, admissionAfter, path)) {
      removals.push({ path, kind: 'admission' });
      return;
    }
    for (const key of Object.keys(after)) if (!(key in before)) throw new NotAPruning(`${show([...path, key])} was added`);
    for (const key of Object.keys(before)) {
      if (!(key in after)) removals.push({ path: [...path, key], kind: 'removed' });
      else prune(before[key], after[key], [...path, key], removals, before);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length === after.length) {
      before.forEach((item, index) => prune(item, after[index], [...path, index], removals));
      return;
    }
    if (after.length > before.length) throw new NotAPruning(`${show(path)} gained items`);
    // A subsequence: some items removed, the rest identical, or pruned themselves (a JSON patch operation
    // whose value lost an entry while another operation was removed), and in order.
    let next = 0;
    for (let index = 0; index < before.length; index++) {
      if (next < after.length && isDeepStrictEqual(before[index], after[next])) next++;
      else if (next < after.length && !before.slice(index + 1).some((later) => isDeepStrictEqual(later, after[next])) && prunesTo(before[index], after[next], [...path, index], removals)) next++;
      else removals.push({ path: [...path, index], kind: 'removed' });
    }
    if (next !== after.length) throw new NotAPruning(`${show(path)} changed items instead of removing them`);
    return;
  }
  if (typeof before === 'string' && typeof after === 'string' && isPatchString(path)) {
    // An inline patch edited: its decoded data must be the old one's pruned.
    const [old, now] = [patchData(before), patchData(after)];
    if (old !== undefined && now !== undefined) {
      const inside: Removal[] = [];
      prune(old, now, [...path, INTO_PATCH], inside);
      for (const removal of inside) removals.push({ ...removal, embedded: { root: old, at: path.length + 1 } });
      return;
    }
  }
  const key = path[path.length - 1];
  if (typeof key === 'string' && typeof before === 'string' && ENFORCING_VALUES[key] === after) {
    removals.push({ path, kind: 'switched' });
    return;
  }
  throw new NotAPruning(`${show(path)} changed from ${JSON.stringify(before)?.slice(0, 80)} to ${JSON.stringify(after)?.slice(0, 80)}`);
}

/** Whether `after` is `before` pruned (its removals then added to `removals`). */
function prunesTo(before: unknown, after: unknown, path: Path, removals: Removal[]): boolean {
  if (!isObject(before) || !isObject(after)) return false;
  const found: Removal[] = [];
  try {
    prune(before, after, path, found);
  } catch (error) {
    if (error instanceof NotAPruning) return false;
    throw error;
  }
  removals.push(...found);
  return true;
}

function show(path: Path): string {
  return path.length === 0 ? '(document)' : path.join('.');
}

/** Splits a data path into the List nesting (items.N…) and the path inside the object. */
function objectPath(path: Path): { object: string; inside: Path } {
  let index = 0;
  while (path[index] === 'items' && typeof path[index + 1] === 'number') index += 2;
  return { object: path.slice(0, index).join('.'), inside: path.slice(index) };
}

function valueAt(document: unknown, path: Path): unknown {
  let node = document;
  for (const step of path) node = isObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[step] : undefined;
  return node;
}

function objectAt(document: unknown, path: Path): Record<string, unknown> | undefined {
  const node = valueAt(document, path);
  return isObject(node) ? node : undefined;
}

/**
 * Whether a fix for `code` may remove `removal`: only inside the finding's container, in an object the
 * rule applies to (a core v1 Service, an RBAC Role or ClusterRole).
 */
function allowedFor(code: string, removal: Removal, before: unknown[], duplicateKeys: boolean): boolean {
  if (removal.embedded) return allowedInPatchText(code, removal, removal.embedded.root, removal.path.slice(removal.embedded.at));
  const documentIndex = removal.path[0] as number;
  const inGitOpsPatch = fluxObjectPatchAt(before[documentIndex], removal.path.slice(1));
  if (inGitOpsPatch?.kind === 'operation') return allowedInPatchOperation(code, removal, inGitOpsPatch.node, inGitOpsPatch.inside);
  if (inGitOpsPatch?.kind === 'object') return allowedFor(code, { ...removal, path: [0, ...inGitOpsPatch.inside] }, [inGitOpsPatch.node], false);
  const { object, inside } = objectPath(removal.path.slice(1));
  const target = objectAt(before[documentIndex], object === '' ? [] : object.split('.').map((step) => (/^\d+$/.test(step) ? Number(step) : step)));
  const is = (...expected: Path) => inside.length === expected.length && expected.every((step, index) => step === inside[index] || (step === '#' && typeof inside[index] === 'number'));
  // `!!binary` scalars decode to bytes; with duplicate keys the reading that makes it a Service may not be the last.
  const text = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value);
  const root = before[documentIndex];
  if (Array.isArray(root) && object === '' && typeof inside[0] === 'number') return allowedInPatchOperation(code, removal, root[inside[0]], inside.slice(1));
  // A kind-less document is a patch body; only a partial Service has findings there.
  const isKindless = target !== undefined && !('apiVersion' in target) && !('kind' in target);
  const isService = duplicateKeys || isKindless || (text(target?.apiVersion) === 'v1' && text(target?.kind) === 'Service');
  if (code === 'external-ips' || code === 'external-ip-invalid') return isService && removal.kind === 'removed' && (is('spec', 'externalIPs') || is('spec', 'externalIPs', '#'));
  // The deprecation's only fix removes the whole key.
  if (code === 'external-ips-deprecated') return isService && removal.kind === 'removed' && is('spec', 'externalIPs');
  if (code === 'loadbalancer-status') return isService && removal.kind === 'removed' && (is('status') || is('status', 'loadBalancer') || is('status', 'loadBalancer', 'ingress'));
  if (code in WRITES_A_FIX_MAY_REMOVE) return removal.kind === 'rbac' && is('rules');
  if (code === 'mitigation-not-enforced') {
    const of = (group: string, ...kinds: string[]) => duplicateKeys || (String(text(target?.apiVersion)).startsWith(`${group}/`) && kinds.includes(String(text(target?.kind))));
    if (removal.kind !== 'switched') return false;
    if (of('kyverno.io', 'ClusterPolicy', 'Policy')) return is('spec', 'validationFailureAction') || is('spec', 'rules', '#', 'validate', 'failureAction');
    if (of('constraints.gatekeeper.sh', 'K8sExternalIPs')) return is('spec', 'enforcementAction');
    if (of('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration')) return is('webhooks', '#', 'failurePolicy');
  }
  // The admission flags of a kube-apiserver container (in a Pod or a workload's pod template), or a kubeadm configuration.
  if (code === 'deny-external-ips-admission') {
    const kind = text(target?.kind);
    const isContainer = is('spec', 'containers', '#') || is('spec', 'template', 'spec', 'containers', '#');
    return removal.kind === 'admission' && ((kind === 'ClusterConfiguration' && inside.length === 0) || (['Pod', 'Deployment', 'DaemonSet', 'StatefulSet'].includes(String(kind)) && isContainer));
  }
  return false;
}

/**
 * A path inside a patch that a Flux v1beta1/v1beta2 Kustomization writes as YAML: a patchesStrategicMerge
 * item (the object it patches) or an operation of a patchesJson6902 entry's list.
 */
function fluxObjectPatchAt(root: unknown, path: Path): { kind: 'object' | 'operation'; node: unknown; inside: Path } | undefined {
  if (!isObject(root) || !/^kustomize\.toolkit\.fluxcd\.io\/v1beta[12]$/.test(String(root.apiVersion)) || root.kind !== 'Kustomization') return undefined;
  if (path[0] !== 'spec' || typeof path[2] !== 'number') return undefined;
  const spec = root.spec as Record<string, unknown[]>;
  if (path[1] === 'patchesStrategicMerge') return { kind: 'object', node: spec.patchesStrategicMerge[path[2]], inside: path.slice(3) };
  if (path[1] === 'patchesJson6902' && path[3] === 'patch' && typeof path[4] === 'number') {
    const ops = (spec.patchesJson6902[path[2]] as { patch: unknown[] }).patch;
    return { kind: 'operation', node: ops[path[4]], inside: path.slice(5) };
  }
  return undefined;
}

/** The RBAC permissions a removal took away that no fix of `codes` may remove. */
function lossesNotAllowed(codes: readonly string[], removal: Removal): string[] {
  return (removal.lost ?? []).filter((tuple) => !codes.some((code) => WRITES_A_FIX_MAY_REMOVE[code]?.test(tuple)));
}

/** Inside a Kustomize inline patch: an operation list as a file of operations, a strategic merge patch as the object it patches. */
function allowedInPatchText(code: string, removal: Removal, root: unknown, inside: Path): boolean {
  if (Array.isArray(root)) return typeof inside[0] === 'number' && allowedInPatchOperation(code, removal, root[inside[0]], inside.slice(1));
  return allowedFor(code, { ...removal, path: [0, ...inside], embedded: undefined }, [root], false);
}

/**
 * Whether a fix for `code` may remove `inside` of a JSON 6902 operation: the whole operation, when its path
 * writes the finding's field (RFC 6901 escapes decoded), or an entry of the externalIPs list it writes.
 */
function allowedInPatchOperation(code: string, removal: Removal, op: unknown, inside: Path): boolean {
  if (!isObject(op) || typeof op.path !== 'string' || removal.kind !== 'removed') return false;
  const pointer = op.path.split('/').slice(1).map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~')).join('/');
  const isIpsPath = /^spec\/externalIPs(\/(\d+|-))?$/.test(pointer);
  const isIngressPath = /^status(\/loadBalancer(\/ingress(\/(\d+|-))?)?)?$/.test(pointer);
  const isRulesPath = /^rules(\/(\d+|-))?$/.test(pointer);
  const is = (...expected: Path) => inside.length === expected.length && expected.every((step, index) => step === inside[index] || (step === '#' && typeof inside[index] === 'number'));
  if (code === 'external-ips' || code === 'external-ip-invalid') {
    if (isIpsPath) return is() || (pointer === 'spec/externalIPs' && is('value', '#'));
    return pointer === 'spec' && (is('value', 'externalIPs') || is('value', 'externalIPs', '#'));
  }
  if (code === 'loadbalancer-status') return isIngressPath && is();
  if (code === 'rbac-services-status') return isRulesPath && is();
  return false;
}

// ---- text-level checks ----

/** Line spans [start, end) with the line break included; LSP line breaks are \r\n, \r and \n. */
function lineSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const pattern = /\r\n|\r|\n/g;
  let start = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    spans.push({ start, end: match.index + match[0].length });
    start = match.index + match[0].length;
  }
  if (start < text.length || spans.length === 0) spans.push({ start, end: text.length });
  return spans;
}

interface Hunk {
  /** Old line indexes deleted or changed. */
  old: number[];
  /** The new lines that replace them. */
  added: string[];
}

/**
 * The changed lines, from the edits themselves: for each group of edits on the same or adjacent lines,
 * the whole old lines they touch and the new lines that replace them. Exact, where a line diff pairs an
 * inserted line with an identical existing one and reports a change in the wrong place.
 */
function editHunks(text: string, edited: string, edits: readonly TextEdit[]): Hunk[] {
  const document = TextDocument.create('file:///fix.yaml', 'yaml', 1, text);
  const ranges = edits
    .map((edit) => ({ start: document.offsetAt(edit.range.start), end: document.offsetAt(edit.range.end), newLength: edit.newText.length }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const spans = lineSpans(text);
  const lineAt = (offset: number) => {
    let line = 0;
    while (line + 1 < spans.length && spans[line + 1].start <= offset) line++;
    return line;
  };
  const hunks: Hunk[] = [];
  let delta = 0; // how much longer the new text is than the old, before the current group
  for (let index = 0; index < ranges.length; ) {
    const first = lineAt(ranges[index].start);
    let last = lineAt(Math.max(ranges[index].start, ranges[index].end - 1));
    let groupDelta = 0;
    // Edits on the same lines, or on the line right after, change one stretch of lines.
    while (index < ranges.length && lineAt(ranges[index].start) <= last + 1) {
      last = Math.max(last, lineAt(Math.max(ranges[index].start, ranges[index].end - 1)));
      groupDelta += ranges[index].newLength - (ranges[index].end - ranges[index].start);
      index++;
    }
    const oldStart = spans[first].start;
    const oldEnd = spans[last].end;
    const replacement = edited.slice(oldStart + delta, oldEnd + delta + groupDelta);
    const added = replacement === '' ? [] : lineSpans(replacement).map((span) => replacement.slice(span.start, span.end));
    hunks.push({ old: Array.from({ length: last - first + 1 }, (_, offset) => first + offset), added });
    delta += groupDelta;
  }
  return hunks;
}

function comments(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of new Lexer().lex(text)) if (token.startsWith('#')) counts.set(token.trimEnd(), (counts.get(token.trimEnd()) ?? 0) + 1);
  return counts;
}

function applyLspEdits(text: string, edits: readonly TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///fix.yaml', 'yaml', 1, text), edits as TextEdit[]);
}

function findingCounts(findings: readonly Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(`${finding.code}: ${finding.message}`, (counts.get(`${finding.code}: ${finding.message}`) ?? 0) + 1);
  return counts;
}

export interface PropertyReport {
  fixesChecked: number;
  fixAllChecked: boolean;
  violations: string[];
}

interface Subject {
  label: string;
  /** The finding the fix targets (undefined for fix-all). */
  finding?: Finding;
  kind: TextFix['kind'] | 'fix-all';
  edits: readonly TextEdit[];
  fixedCount?: number;
  /**
   * For the fix of a finding the link phase reports on a traced value (not in the file's own findings): the
   * address, which is all the fix may remove, one list item.
   */
  linkedAddress?: string;
}

function checkEdit(text: string, options: EngineOptions, before: { findings: Finding[]; decoded: Decoded }, subject: Subject): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${subject.label}: ${message}`);
  let edited: string;
  try {
    edited = applyLspEdits(text, subject.edits);
  } catch (error) {
    return [`${subject.label}: edits do not apply: ${String(error)}`];
  }
  if (edited === text) fail('changes nothing');

  // Parses: same documents, no new YAML errors.
  const after = decode(edited);
  if (after.documents.length !== before.decoded.documents.length) {
    fail(`${before.decoded.documents.length} documents became ${after.documents.length}`);
    return problems;
  }
  after.errors.forEach((count, index) => {
    if (count > before.decoded.errors[index]) fail(`document ${index} gained YAML errors (${before.decoded.errors[index]} → ${count})`);
  });

  // Findings: the target is gone, nothing new.
  const oldCounts = findingCounts(before.findings);
  const newFindings = analyzeText(edited, options).findings;
  const newCounts = findingCounts(newFindings);
  for (const [key, count] of newCounts) if (count > (oldCounts.get(key) ?? 0)) fail(`new finding ${key}`);
  if (subject.finding) {
    const key = `${subject.finding.code}: ${subject.finding.message}`;
    if ((newCounts.get(key) ?? 0) >= (oldCounts.get(key) ?? 0)) fail(`the targeted finding is still there: ${key}`);
  } else if (subject.fixedCount !== undefined && newFindings.length > before.findings.length - subject.fixedCount) {
    fail(`fix-all reports ${subject.fixedCount} fixes but only ${before.findings.length - newFindings.length} findings went`);
  }

  // Data: the original minus exactly the removed paths, all under the finding's container. A document
  // the `yaml` package reads with errors (go-yaml accepts some of those) cannot be decoded independently,
  // and with duplicate keys the decoders disagree on which value counts: there only the container rule holds.
  const removals: Removal[] = [];
  before.decoded.documents.forEach((document, index) => {
    if (before.decoded.errors[index] > 0) return;
    try {
      prune(document, after.documents[index], [index], removals);
    } catch (error) {
      if (!(error instanceof NotAPruning)) throw error;
      fail(`decoded data is not the original minus removed paths: ${error.message}`);
    }
  });
  const dataFix = subject.kind !== 'suppress-line' && subject.kind !== 'remove-suppression';
  if (!dataFix && removals.length > 0) fail(`a comment-only fix changed the data at ${removals.map((removal) => show(removal.path)).join(', ')}`);
  if (dataFix && subject.linkedAddress !== undefined) {
    const removed = removals.map((removal) => valueAt(before.decoded.documents[removal.path[0] as number], removal.path.slice(1)));
    if (removals.length !== 1 || removals[0].kind !== 'removed' || typeof removals[0].path[removals[0].path.length - 1] !== 'number' || removed[0] !== subject.linkedAddress) {
      fail(`removed ${removals.map((removal, index) => `${show(removal.path)} (${JSON.stringify(removed[index])})`).join(', ') || 'nothing'}, expected the list item ${subject.linkedAddress}`);
    }
  } else if (dataFix) {
    const codes = subject.finding ? [subject.finding.code] : ['external-ips', 'loadbalancer-status', 'rbac-services-status', 'rbac-endpoints-write', 'mitigation-not-enforced'];
    for (const removal of removals) {
      if (!codes.some((code) => allowedFor(code, removal, before.decoded.documents, before.decoded.duplicateKeys))) {
        fail(removal.kind === 'switched' ? `switched ${show(removal.path)}, which is not the finding's setting` : `removed ${show(removal.path)}, outside the finding's container`);
      }
      for (const tuple of lossesNotAllowed(codes, removal)) fail(`${show(removal.path)} lost ${tuple}, which the fix of ${codes.join(' or ')} may not remove`);
    }
    if (subject.finding && !before.decoded.duplicateKeys) {
      // One finding, one change: the same container path in every object that reads it (an anchor can
      // put one written node into several objects).
      const inside = new Set(removals.map((removal) => show(objectPath(removal.path.slice(1)).inside)));
      if (inside.size > 1) fail(`removed different things: ${[...inside].join(', ')}`);
      if (subject.kind === 'remove-external-ip' && removals.length === 0 && before.decoded.errors.every((count) => count === 0)) fail('removed nothing');
      if (subject.kind === 'remove-external-ips-key' && ![...inside].every((step) => step.endsWith('externalIPs'))) fail(`removed ${[...inside].join(', ')}, expected the externalIPs key`);
    }
  }

  // Lines: the lines the edits touch, and what replaces them (lines outside every edit are untouched:
  // the edits are applied here, not by the engine).
  const oldLines = lineSpans(text).map((span) => text.slice(span.start, span.end));
  const hunks = editHunks(text, edited, subject.edits);

  // Comments: a comment on a changed line must be among the lines that replace it, unless lines were
  // removed there (the comment went with its line); suppression fixes may rewrite their own comment.
  const allowedToGo = new Map<string, number>();
  const isCommentOnly = (line: string) => /^\s*#/.test(line);
  for (const hunk of hunks) {
    const replacement = comments(hunk.added.join(''));
    const isData = (line: number) => line >= 0 && line < oldLines.length && !isCommentOnly(oldLines[line]) && oldLines[line].trim() !== '';
    const dataLines = hunk.old.filter(isData);
    // A hunk is one alignment of several: when the data line just outside it equals a data line inside it,
    // the same edit could remove that outer line and keep the inner one (fix-all's single minimal edit over
    // `- op: add` items does this), so the outer line counts as removed data around the comments next to it.
    const [first, last] = [hunk.old[0], hunk.old[hunk.old.length - 1]];
    for (const outer of [first - 1, last + 1]) {
      if (isData(outer) && dataLines.some((line) => oldLines[line] === oldLines[outer])) dataLines.push(outer);
    }
    for (const line of hunk.old) {
      // A comment line goes only from inside removed data (between removed lines), never from its edge.
      const inside = !isCommentOnly(oldLines[line]) || (dataLines.some((other) => other < line) && dataLines.some((other) => other > line));
      for (const [comment, count] of comments(oldLines[line])) {
        const mayGo = (hunk.added.length < hunk.old.length && inside) || (!dataFix && comment.includes('kube-mitm-guard-disable'));
        if (mayGo && !replacement.has(comment)) allowedToGo.set(comment, (allowedToGo.get(comment) ?? 0) + count);
      }
    }
  }
  const oldComments = comments(text);
  const newComments = comments(edited);
  for (const [comment, count] of oldComments) {
    if (count - (newComments.get(comment) ?? 0) > (allowedToGo.get(comment) ?? 0)) fail(`comment lost: ${comment}`);
  }
  for (const [comment, count] of newComments) {
    if (count > (oldComments.get(comment) ?? 0) && (dataFix || !comment.includes('kube-mitm-guard-disable'))) fail(`comment added: ${comment}`);
  }
  return problems;
}

/** Checks one edit as a fix of `finding` (for the checker's own tests: it must reject bad fixes). */
export function checkTextFix(text: string, options: EngineOptions, finding: Finding, kind: TextFix['kind'], edits: TextEdit[]): string[] {
  const before = { findings: analyzeText(text, options).findings, decoded: decode(text) };
  return checkEdit(text, options, before, { label: 'candidate', finding, kind, edits });
}

/**
 * Checks one edit as a fix of a finding the link phase reports: the file's own findings do not hold it, so
 * the caller links again to see it gone; everything else is checked as for any fix.
 */
export function checkLinkedTextFix(text: string, options: EngineOptions, kind: TextFix['kind'], edits: TextEdit[], address: string): string[] {
  const before = { findings: analyzeText(text, options).findings, decoded: decode(text) };
  return checkEdit(text, options, before, { label: 'linked fix', kind, edits, linkedAddress: address });
}

/** Checks every offered TextFix of every finding, and fix-all, on `text`. */
export function checkFixProperties(label: string, text: string, options: EngineOptions): PropertyReport {
  const report: PropertyReport = { fixesChecked: 0, fixAllChecked: false, violations: [] };
  const findings = analyzeText(text, options).findings;
  const before = { findings, decoded: decode(text) };
  for (const finding of findings) {
    for (const fix of fixesForFinding(text, options, finding.key)) {
      if (fix.kind === 'allow-external-ip') continue;
      report.fixesChecked++;
      report.violations.push(...checkEdit(text, options, before, { label: `${label}: "${fix.title}" for ${finding.code} at line ${finding.range.start.line + 1}`, finding, kind: fix.kind, edits: fix.edits }));
    }
  }
  const all = fixAll(text, options);
  if (all.fixedCount > 0) {
    report.fixAllChecked = true;
    report.violations.push(...checkEdit(text, options, before, { label: `${label}: fix-all`, kind: 'fix-all', edits: all.edits, fixedCount: all.fixedCount }));
    if (applyLspEdits(text, all.edits) !== all.text) report.violations.push(`${label}: fix-all edits and text disagree`);
  }
  return report;
}
