// Renders the path behind a linked RBAC finding (recorded by the link phase) as short Markdown for a
// hover: subject ← binding ← role ← aggregated roles ← rule, each step with a link to where it is
// written (`[file:line](uri#Lline)`, which VS Code opens at the line) or "built-in".
import * as path from 'node:path';
import { bindingScope, Grant, Holder, LinkedPath, Located, REACH_NAMES, RoleOnPath, RolePath, ruleText, SubjectPath } from '../engine';
import { isPathInside, relativeGlobPath, uriToFsPath } from './uris';

/** Lists in a hover stop here ("and N more"): a role bound a thousand times still gets a short hover. */
const MAX_ITEMS = 10;
/** Definitions shown for one role (a name defined in several files). */
const MAX_DEFINITIONS = 3;

/** How a hover names and links workspace files. */
export interface FileLinker {
  /** The URI the client uses for a file of the workspace index. */
  uriOf(file: string): string;
  /** The folder URI labels are relative to ('' for none). */
  folder: string;
}

export function pathMarkdown(linked: LinkedPath, files: FileLinker): string {
  return linked.kind === 'subject' ? subjectMarkdown(linked, files) : roleMarkdown(linked, files);
}

/** Who (reach), where, through which binding and role, down to each granting rule. */
function subjectMarkdown({ holder, permission, role, grants }: SubjectPath, files: FileLinker): string {
  const { binding } = holder;
  return [
    `${bold(holder.subject)} (${REACH_NAMES[holder.reach]}) gets ${text(permission)} ${text(bindingScope(binding))}:`,
    '',
    `- ${text(binding.kind)} ${bold(binding.name)} · ${place(binding.at, files)}`,
    ...grantTree(role, grants, files),
  ].join('\n');
}

/** The role, the rules it grants through, and who holds it (or that nothing in the workspace binds it). */
function roleMarkdown({ role, on, permission, grants, holders }: RolePath, files: FileLinker): string {
  const name = `${text(role.kind)} ${bold(role.name)}`;
  const lines =
    on === 'rule'
      ? [`${name}: this rule grants ${text(permission)}.`]
      : [`${name} aggregates ${text(permission)}:`, '', ...grantTree(role, grants, files)];
  lines.push('');
  if (holders.length === 0) {
    lines.push('Not bound in this workspace: who holds it is unknown.');
    return lines.join('\n');
  }
  lines.push('Held by:', '');
  for (const holder of holders.slice(0, MAX_ITEMS)) lines.push(`- ${holderLine(holder, files)}`);
  lines.push(...more(holders.length));
  return lines.join('\n');
}

/**
 * The role held, then each granting rule under the roles that aggregate it, as a nested list. Grants
 * come in the order the link phase walked the aggregation (each role once, before what it aggregates),
 * so every role is listed once, above its rules and the roles it collects.
 */
function grantTree(held: RoleOnPath, grants: readonly Grant[], files: FileLinker): string[] {
  const lines = [`- ${roleLine(held, files)}`];
  const listed = new Set([roleKey(held)]);
  for (const grant of grants.slice(0, MAX_ITEMS)) {
    // `through` starts at the role held; the rule's own role ends the chain.
    const chain = grant.through.length > 0 ? [...grant.through, grant.role] : [held, grant.role];
    chain.forEach((role, depth) => {
      if (listed.has(roleKey(role))) return;
      listed.add(roleKey(role));
      lines.push(`${indent(depth)}- aggregates ${roleLine(role, files)}`);
    });
    const ruleDepth = roleKey(chain[chain.length - 1]) === roleKey(held) ? 1 : chain.length;
    lines.push(`${indent(ruleDepth)}- rule · ${place(grant.at, files)} · ${code(ruleText(grant.rule))}`);
  }
  lines.push(...more(grants.length));
  return lines;
}

/** `Group x (people) in every namespace ← ClusterRoleBinding b · file:7 ← ClusterRole agg · file:3`. */
function holderLine(holder: Holder, files: FileLinker): string {
  const parts = [`${bold(holder.subject)} (${REACH_NAMES[holder.reach]})`];
  if (holder.binding) {
    parts[0] += ` ${text(bindingScope(holder.binding))}`;
    parts.push(`${text(holder.binding.kind)} ${bold(holder.binding.name)} · ${place(holder.at ?? holder.binding.at, files)}`);
  }
  for (const role of holder.through) parts.push(roleLine(role, files));
  return parts.join(' ← ');
}

function roleLine(role: RoleOnPath, files: FileLinker): string {
  const places = role.definitions.slice(0, MAX_DEFINITIONS).map((definition) => place(definition, files));
  if (role.builtin) places.unshift('built-in');
  return `${text(role.kind)} ${bold(role.name)} · ${places.join(', ')}`;
}

/** `[rbac/role.yaml:6](file:///…/rbac/role.yaml#L6)`, or `built-in` for what Kubernetes' policy defines. */
function place(at: Located | undefined, files: FileLinker): string {
  if (at === undefined) return 'built-in';
  const line = at.range.start.line + 1;
  return `[${text(`${fileLabel(at.file, files.folder)}:${line}`)}](${linkTarget(files.uriOf(at.file))}#L${line})`;
}

/** A file relative to its workspace folder, else its base name. */
function fileLabel(file: string, folder: string): string {
  const fsPath = uriToFsPath(file);
  if (fsPath === undefined) return file.slice(file.lastIndexOf('/') + 1) || file;
  const folderPath = folder === '' ? undefined : uriToFsPath(folder);
  return folderPath !== undefined && isPathInside(folderPath, fsPath) ? relativeGlobPath(folderPath, fsPath) : path.basename(fsPath);
}

/** A URI as a Markdown link destination: parentheses and spaces would end it. */
function linkTarget(uri: string): string {
  return uri.replace(/[()\s]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function roleKey(role: RoleOnPath): string {
  return `${role.kind}/${role.name}`;
}

function indent(depth: number): string {
  return '  '.repeat(depth);
}

function more(total: number): string[] {
  return total > MAX_ITEMS ? [`- … and ${total - MAX_ITEMS} more`] : [];
}

/** Names come from manifests: Markdown in them must show as written, on one line. */
function text(value: string): string {
  return value.replace(/\s+/g, ' ').replace(/[\\`*_{}[\]()<>#+!|~]/g, '\\$&');
}

function bold(value: string): string {
  return `**${text(value)}**`;
}

/** A code span that holds any text: its fence is longer than every backtick run inside. */
function code(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ');
  const longestRun = Math.max(0, ...(oneLine.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padding = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${fence}${padding}${oneLine}${padding}${fence}`;
}
