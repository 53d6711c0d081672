#!/usr/bin/env node
// `npm run generate:builtin-rbac`: writes server/src/engine/rbac/builtinPolicy.ts, the table of the roles and
// bindings every Kubernetes API server creates, from Kubernetes' own bootstrap policy test data (the six
// `kind: List` files of plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata, with a SOURCES.md naming the
// commit of each). The data stays outside the repository; only the generated table is committed, and
// test/unit/builtinPolicy.test.ts checks that it is what this script makes of the data.
//
//   npm run generate:builtin-rbac                         data from ../shared/corpus/rbac-bootstrap
//   npm run generate:builtin-rbac -- <folder>             data from <folder>
//   npm run generate:builtin-rbac -- <folder> --out FILE  write FILE instead of the committed table
//
// The output depends only on the data: the same files give the same bytes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TABLE = 'server/src/engine/rbac/builtinPolicy.ts';

/** The data files in the order their items appear in the table, with the kind of object each lists. */
const FILES = [
  { file: 'cluster-roles.yaml', kind: 'ClusterRole' },
  { file: 'controller-roles.yaml', kind: 'ClusterRole' },
  { file: 'namespace-roles.yaml', kind: 'Role' },
  { file: 'cluster-role-bindings.yaml', kind: 'ClusterRoleBinding' },
  { file: 'controller-role-bindings.yaml', kind: 'ClusterRoleBinding' },
  { file: 'namespace-role-bindings.yaml', kind: 'RoleBinding' },
];

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

function parseArguments(argv) {
  let folder = path.resolve(root, '../shared/corpus/rbac-bootstrap');
  let out = path.join(root, TABLE);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') {
      if (argv[i + 1] === undefined) throw new Error('--out needs a file');
      out = path.resolve(argv[++i]);
    } else if (argv[i].startsWith('-')) {
      throw new Error(`unknown option ${argv[i]} (usage: generate-builtin-rbac.mjs [folder] [--out file])`);
    } else {
      folder = path.resolve(argv[i]);
    }
  }
  return { folder, out };
}

/** The commit of each data file, from the `| file | commit |` table of the folder's SOURCES.md. */
function readCommits(folder) {
  const sources = fs.readFileSync(path.join(folder, 'SOURCES.md'), 'utf8');
  const commits = new Map();
  for (const match of sources.matchAll(/^\|\s*([\w.-]+\.yaml)\s*\|\s*([0-9a-f]{40})\s*\|\s*$/gm)) commits.set(match[1], match[2]);
  for (const { file } of FILES) {
    if (!commits.has(file)) throw new Error(`SOURCES.md in ${folder} names no commit for ${file}`);
  }
  return commits;
}

/** The items of one `kind: List` file, each checked to be of the expected kind. */
function readItems(folder, file, kind) {
  const documents = parseAllDocuments(fs.readFileSync(path.join(folder, file), 'utf8'));
  if (!Array.isArray(documents) || documents.length !== 1) throw new Error(`${file}: expected one YAML document`);
  const [document] = documents;
  if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
  const list = document.toJS();
  if (list?.kind !== 'List' || !Array.isArray(list.items)) throw new Error(`${file}: expected a kind: List with items`);
  for (const item of list.items) {
    if (item?.kind !== kind) throw new Error(`${file}: expected only ${kind} items, found ${item?.kind}`);
    if (typeof item.metadata?.name !== 'string') throw new Error(`${file}: a ${kind} without a name`);
  }
  return list.items;
}

function strings(value, where) {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) throw new Error(`${where}: expected a list of strings`);
  return value;
}

function stringMap(value, where) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: expected a map of strings`);
  const map = {};
  for (const key of Object.keys(value).sort()) {
    if (typeof value[key] !== 'string') throw new Error(`${where}.${key}: expected a string`);
    map[key] = value[key];
  }
  return map;
}

/** The resource rules of a role: non-resource URL rules are dropped, `rules: null` is no rules. */
function resourceRules(item, where) {
  const rules = [];
  for (const [index, rule] of (item.rules ?? []).entries()) {
    const at = `${where}.rules[${index}]`;
    if (rule.resources === undefined && rule.nonResourceURLs !== undefined) continue;
    const policyRule = { apiGroups: strings(rule.apiGroups, `${at}.apiGroups`), resources: strings(rule.resources, `${at}.resources`), verbs: strings(rule.verbs, `${at}.verbs`) };
    if (policyRule.verbs.length === 0) throw new Error(`${at}: no verbs`);
    if (rule.resourceNames !== undefined) policyRule.resourceNames = strings(rule.resourceNames, `${at}.resourceNames`);
    rules.push(policyRule);
  }
  return rules;
}

function labelSelector(selector, where) {
  const matchExpressions = (selector.matchExpressions ?? []).map((requirement, index) => {
    const at = `${where}.matchExpressions[${index}]`;
    if (typeof requirement.key !== 'string' || !OPERATORS.has(requirement.operator)) throw new Error(`${at}: expected a key and an operator`);
    const result = { key: requirement.key, operator: requirement.operator };
    if (requirement.values !== undefined && requirement.values !== null) result.values = strings(requirement.values, `${at}.values`);
    return result;
  });
  return { matchLabels: stringMap(selector.matchLabels, `${where}.matchLabels`), matchExpressions };
}

function clusterRole(item, file) {
  const where = `${file}: ${item.metadata.name}`;
  const role = { name: item.metadata.name, labels: stringMap(item.metadata.labels, `${where}.labels`) };
  if (item.aggregationRule) {
    role.aggregationSelectors = (item.aggregationRule.clusterRoleSelectors ?? []).map((selector, index) => labelSelector(selector, `${where}.clusterRoleSelectors[${index}]`));
  }
  role.rules = resourceRules(item, where);
  return role;
}

function role(item, file) {
  const where = `${file}: ${item.metadata.namespace}/${item.metadata.name}`;
  if (typeof item.metadata.namespace !== 'string') throw new Error(`${where}: a Role without a namespace`);
  return { namespace: item.metadata.namespace, name: item.metadata.name, rules: resourceRules(item, where) };
}

function binding(item, file) {
  const where = `${file}: ${item.metadata.name}`;
  const result = { kind: item.kind, name: item.metadata.name };
  if (item.kind === 'RoleBinding') {
    if (typeof item.metadata.namespace !== 'string') throw new Error(`${where}: a RoleBinding without a namespace`);
    result.namespace = item.metadata.namespace;
  }
  if (typeof item.roleRef?.kind !== 'string' || typeof item.roleRef.name !== 'string') throw new Error(`${where}: expected a roleRef with kind and name`);
  result.roleRef = { kind: item.roleRef.kind, name: item.roleRef.name };
  result.subjects = (item.subjects ?? []).map((subject, index) => {
    if (typeof subject.kind !== 'string' || typeof subject.name !== 'string') throw new Error(`${where}.subjects[${index}]: expected a kind and a name`);
    const kept = { kind: subject.kind, name: subject.name };
    if (typeof subject.namespace === 'string') kept.namespace = subject.namespace;
    return kept;
  });
  return result;
}

function assertUnique(entries, key, what) {
  const seen = new Set();
  for (const entry of entries) {
    const id = key(entry);
    if (seen.has(id)) throw new Error(`two ${what} named ${id}`);
    seen.add(id);
  }
}

// --- TypeScript output ---------------------------------------------------------------------------

function quote(text) {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A value as a one-line TypeScript literal: single-quoted strings, bare keys where they are identifiers. */
function literal(value) {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  const entries = Object.entries(value).map(([key, entry]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key)}: ${literal(entry)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** An object over several lines: each field on its own line, a list of rules with one rule a line. */
function block(value, indent) {
  const inner = `${indent}  `;
  const lines = Object.entries(value).map(([key, entry]) => {
    if (key === 'rules' && entry.length > 0) return `${inner}rules: [\n${entry.map((rule) => `${inner}  ${literal(rule)},\n`).join('')}${inner}],`;
    return `${inner}${key}: ${literal(entry)},`;
  });
  return `${indent}{\n${lines.join('\n')}\n${indent}},`;
}

function section(file, entries, format) {
  return [`  // ${file}`, ...entries.map(format)];
}

function render(commits, sections) {
  const width = Math.max(...FILES.map(({ file }) => file.length));
  const roleBlock = (entry) => block(entry, '  ');
  const bindingLine = (entry) => `  ${literal(entry)},`;
  const table = (name, type, kinds, format) => [
    `export const ${name}: readonly ${type}[] = [`,
    ...FILES.filter(({ kind }) => kinds.includes(kind)).flatMap(({ file }) => section(file, sections.get(file), format)),
    '];',
  ];
  return [
    "// Generated by scripts/generate-builtin-rbac.mjs from Kubernetes' bootstrap RBAC policy — do not edit.",
    '// Regenerate with `npm run generate:builtin-rbac [-- <folder>]`. The roles and bindings every API server',
    '// creates, from the test data of plugin/pkg/auth/authorizer/rbac/bootstrappolicy in kubernetes/kubernetes',
    '// (Apache-2.0), one file a commit (so neighbouring releases rather than one):',
    ...FILES.map(({ file }) => `//   testdata/${file.padEnd(width)}  ${commits.get(file)}`),
    '// Resource rules only (non-resource URL rules never reach a Service); subjects without their apiGroup.',
    "import { LabelSelector, PolicyRule, RoleRef, Subject } from './model';",
    '',
    'export interface BuiltinClusterRole {',
    '  name: string;',
    '  labels: Record<string, string>;',
    '  /** The `aggregationRule.clusterRoleSelectors`, only on a role that has an aggregationRule. */',
    '  aggregationSelectors?: LabelSelector[];',
    '  rules: PolicyRule[];',
    '}',
    '',
    'export interface BuiltinRole {',
    '  namespace: string;',
    '  name: string;',
    '  rules: PolicyRule[];',
    '}',
    '',
    'export interface BuiltinBinding {',
    "  kind: 'ClusterRoleBinding' | 'RoleBinding';",
    '  name: string;',
    '  /** RoleBindings only. */',
    '  namespace?: string;',
    '  roleRef: RoleRef;',
    '  subjects: Subject[];',
    '}',
    '',
    ...table('BUILTIN_CLUSTER_ROLES', 'BuiltinClusterRole', ['ClusterRole'], roleBlock),
    '',
    ...table('BUILTIN_ROLES', 'BuiltinRole', ['Role'], roleBlock),
    '',
    ...table('BUILTIN_BINDINGS', 'BuiltinBinding', ['ClusterRoleBinding', 'RoleBinding'], bindingLine),
    '',
  ].join('\n');
}

function generate(folder) {
  const commits = readCommits(folder);
  const convert = { ClusterRole: clusterRole, Role: role, ClusterRoleBinding: binding, RoleBinding: binding };
  const sections = new Map(FILES.map(({ file, kind }) => [file, readItems(folder, file, kind).map((item) => convert[kind](item, file))]));
  const all = (kinds) => FILES.filter(({ kind }) => kinds.includes(kind)).flatMap(({ file }) => sections.get(file));
  assertUnique(all(['ClusterRole']), (entry) => entry.name, 'ClusterRoles');
  assertUnique(all(['Role']), (entry) => `${entry.namespace}/${entry.name}`, 'Roles');
  assertUnique(all(['ClusterRoleBinding', 'RoleBinding']), (entry) => `${entry.kind} ${entry.namespace ?? ''}/${entry.name}`, 'bindings');
  return render(commits, sections);
}

try {
  const { folder, out } = parseArguments(process.argv.slice(2));
  const text = generate(folder);
  fs.writeFileSync(out, text);
  console.log(`generate-builtin-rbac: wrote ${out} (${Buffer.byteLength(text)} bytes) from ${folder}`);
} catch (error) {
  console.error(`generate-builtin-rbac: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
