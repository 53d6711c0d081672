// The link phase: resolves what crosses documents and files, from the facts of every file of one
// cluster and Kubernetes' built-in policy. It answers who holds each role (bindings, aggregation,
// reconciled built-ins) and reports through which path a subject can write services/status.
import { BUILTIN_BINDINGS, BUILTIN_CLUSTER_ROLES, BUILTIN_ROLES, BuiltinClusterRole } from '../rbac/builtinPolicy';
import { grantOf, Permission, selectorMatches, SERVICES_STATUS_WRITE } from '../rbac/matching';
import { LabelSelector, PolicyRule, ReachClass, RoleRef, Subject } from '../rbac/model';
import { classifySubject, describeSubject } from '../rbac/subjects';
import { RULES } from '../rules/registry';
import { EngineOptions, Finding, RelatedLocation, RuleId, Severity } from '../types';
import { BindingFact, FileFacts, findingKey, Place, RoleFact } from './facts';

export interface LinkInput {
  file: string;
  facts: FileFacts;
  options: EngineOptions;
}

/** What linking changes in one file's findings. */
export interface FileLink {
  /** Findings only the link phase can see (bindings, aggregated grants). */
  added: Finding[];
  /** Local findings whose severity, message or related locations depend on the workspace, by key. */
  updated: Map<string, { severity?: Severity; appendToMessage: string; related: RelatedLocation[] }>;
  /** Local findings to drop: unused-suppression findings for comments that suppress a linked finding. */
  removed: Set<string>;
}

/** A rule of some role that grants the permission, and where it is written (absent for built-ins). */
interface GrantingRule {
  roleKind: 'Role' | 'ClusterRole';
  roleName: string;
  rule: PolicyRule;
  file?: string;
  place?: Place;
}

/** Someone who holds a role, and how. */
interface Holder {
  reach: ReachClass;
  /** e.g. `Group system:authenticated through ClusterRoleBinding x`. */
  description: string;
  file?: string;
  place?: Place;
}

interface ClusterRoleNode {
  name: string;
  /** Workspace definitions (every one is judged; the worst wins). */
  definitions: { file: string; fact: RoleFact }[];
  /** The built-in of that name, when the API server keeps reconciling it into the role. */
  builtin?: BuiltinClusterRole;
  labelVariants: Record<string, string>[];
  selectors: LabelSelector[];
  /** Rules of definitions that do not aggregate (an aggregating role's own rules are overwritten). */
  ownRules: GrantingRule[];
}

/** A workspace binding (with its file) or a built-in one. */
interface LinkedBinding {
  file?: string;
  fact: Pick<BindingFact, 'kind' | 'name' | 'namespace' | 'roleRef'> & { subjects: (Subject & { place?: Place })[] };
}

const ROLE_REF_KINDS = new Set(['Role', 'ClusterRole']);
// The built-in roles every namespace admin, editor and viewer holds through a RoleBinding.
const USER_FACING_ROLES_HOLDERS: Readonly<Record<string, string>> = { admin: 'admin', edit: 'editor', view: 'viewer' };
const USER_FACING_ROLES = new Set(Object.keys(USER_FACING_ROLES_HOLDERS));
const MAX_RELATED = 20;

export function linkWorkspace(inputs: readonly LinkInput[]): Map<string, FileLink> {
  return new Linker(inputs, SERVICES_STATUS_WRITE).run();
}

class Linker {
  private readonly clusterRoles = new Map<string, ClusterRoleNode>();
  /** Roles by name; namespaces are compared when a RoleBinding is resolved. */
  private readonly roles = new Map<string, { file?: string; namespace?: string; rules: GrantingRule[] }[]>();
  /** Bindings (workspace and built-in) by `roleRef.kind/roleRef.name`. */
  private readonly bindingsByRole = new Map<string, LinkedBinding[]>();
  private readonly aggregatedMemo = new Map<ClusterRoleNode, ClusterRoleNode[]>();
  private aggregators?: Map<ClusterRoleNode, ClusterRoleNode[]>;
  private readonly grantMemo = new Map<string, GrantingRule[]>();
  private readonly holderMemo = new Map<string, Holder[]>();
  private readonly results = new Map<string, FileLink>();
  private readonly optionsByFile = new Map<string, EngineOptions>();
  private readonly suppressionsByFile = new Map<string, FileFacts['suppressions']>();

  constructor(
    private readonly inputs: readonly LinkInput[],
    private readonly permission: Permission,
  ) {}

  run(): Map<string, FileLink> {
    this.index();
    for (const input of this.inputs) {
      for (const role of input.facts.roles) this.judgeRole(input.file, role);
      for (const binding of input.facts.bindings) this.judgeBinding(input.file, binding);
    }
    return this.results;
  }

  private index(): void {
    const workspaceClusterRoles = new Map<string, { file: string; fact: RoleFact }[]>();
    for (const input of this.inputs) {
      this.optionsByFile.set(input.file, input.options);
      this.suppressionsByFile.set(input.file, input.facts.suppressions);
      for (const fact of input.facts.roles) {
        if (fact.kind === 'ClusterRole') {
          pushTo(workspaceClusterRoles, fact.name, { file: input.file, fact });
        } else {
          const rules = fact.rules.map((rule) => grantingRule('Role', fact.name, rule, { file: input.file, place: rule.place }));
          pushTo(this.roles, fact.name, { file: input.file, namespace: fact.namespace, rules });
        }
      }
      for (const fact of input.facts.bindings) this.addBinding({ file: input.file, fact });
    }
    for (const role of BUILTIN_ROLES) {
      pushTo(this.roles, role.name, { namespace: role.namespace, rules: role.rules.map((rule) => grantingRule('Role', role.name, rule)) });
    }
    for (const binding of BUILTIN_BINDINGS) this.addBinding({ fact: binding });
    const builtins = new Map(BUILTIN_CLUSTER_ROLES.map((role) => [role.name, role]));
    for (const name of new Set([...builtins.keys(), ...workspaceClusterRoles.keys()])) {
      this.clusterRoles.set(name, clusterRoleNode(name, workspaceClusterRoles.get(name) ?? [], builtins.get(name)));
    }
  }

  private addBinding(binding: LinkedBinding): void {
    pushTo(this.bindingsByRole, `${binding.fact.roleRef.kind}/${binding.fact.roleRef.name}`, binding);
  }

  // ----- what a role grants -------------------------------------------------------------------

  /** The rules that grant the permission to whoever holds ClusterRole `name`, aggregation included. */
  private clusterRoleGrants(name: string): GrantingRule[] {
    let found = this.grantMemo.get(name);
    if (!found) {
      const node = this.clusterRoles.get(name);
      found = node ? this.grantsReachedFrom([node]) : [];
      this.grantMemo.set(name, found);
    }
    return found;
  }

  /**
   * The granting rules of `start` and of every role they aggregate, transitively (each role once, so a
   * cycle of roles that select each other ends, and no partial result is ever kept).
   */
  private grantsReachedFrom(start: readonly ClusterRoleNode[]): GrantingRule[] {
    const found: GrantingRule[] = [];
    const visited = new Set<ClusterRoleNode>();
    const visit = (node: ClusterRoleNode): void => {
      if (visited.has(node)) return;
      visited.add(node);
      for (const rule of node.ownRules) if (this.grants(rule.rule)) found.push(rule);
      for (const selected of this.aggregatedInto(node)) visit(selected);
    };
    for (const node of start) visit(node);
    return found;
  }

  /** The ClusterRoles an aggregating role's selectors pick (ORed selectors; a role never picks itself). */
  private aggregatedInto(node: ClusterRoleNode): ClusterRoleNode[] {
    if (node.selectors.length === 0) return [];
    let picked = this.aggregatedMemo.get(node);
    if (picked) return picked;
    picked = [];
    for (const candidate of this.clusterRoles.values()) {
      if (candidate === node) continue;
      if (node.selectors.some((selector) => candidate.labelVariants.some((labels) => selectorMatches(selector, labels)))) picked.push(candidate);
    }
    this.aggregatedMemo.set(node, picked);
    return picked;
  }

  /** The aggregating roles that pick `node`. */
  private aggregatorsOf(node: ClusterRoleNode): ClusterRoleNode[] {
    if (!this.aggregators) {
      this.aggregators = new Map();
      for (const aggregator of this.clusterRoles.values()) {
        for (const picked of this.aggregatedInto(aggregator)) pushTo(this.aggregators, picked, aggregator);
      }
    }
    return this.aggregators.get(node) ?? [];
  }

  private roleGrants(roleRef: RoleRef, bindingKind: BindingFact['kind'], namespace: string | undefined): GrantingRule[] {
    if (roleRef.kind === 'ClusterRole') return this.clusterRoleGrants(roleRef.name);
    // A ClusterRoleBinding can only refer to a ClusterRole; a RoleBinding's Role is in its own namespace.
    if (roleRef.kind !== 'Role' || bindingKind !== 'RoleBinding') return [];
    return (this.roles.get(roleRef.name) ?? [])
      .filter((role) => sameNamespace(role.namespace, namespace))
      .flatMap((role) => role.rules.filter((rule) => this.grants(rule.rule)));
  }

  private grants(rule: PolicyRule): boolean {
    return grantOf(rule, this.permission) !== undefined;
  }

  // ----- who holds a role ---------------------------------------------------------------------

  /**
   * Everyone who holds ClusterRole `name`: its bindings, and the holders of every role aggregating it,
   * transitively (each role once, so a cycle ends and no partial result is ever kept).
   */
  private clusterRoleHolders(name: string): Holder[] {
    const memo = this.holderMemo.get(name);
    if (memo) return memo;
    const holders: Holder[] = [];
    const visited = new Set<string>();
    // `path` names the aggregating roles between a holder's role and `name`, outermost first.
    const visit = (roleName: string, path: string): void => {
      visited.add(roleName);
      const node = this.clusterRoles.get(roleName);
      if (node?.builtin && USER_FACING_ROLES.has(roleName)) {
        holders.push({ reach: 'people', description: `every namespace ${USER_FACING_ROLES_HOLDERS[roleName]} (built-in ClusterRole ${roleName})${path}` });
      }
      for (const binding of this.bindingsByRole.get(`ClusterRole/${roleName}`) ?? []) {
        for (const holder of this.bindingHolders(binding)) holders.push({ ...holder, description: holder.description + path });
      }
      for (const aggregator of node ? this.aggregatorsOf(node) : []) {
        if (!visited.has(aggregator.name)) visit(aggregator.name, `, aggregated into ClusterRole ${aggregator.name}${path}`);
      }
    };
    visit(name, '');
    this.holderMemo.set(name, holders);
    return holders;
  }

  private roleHolders(name: string, namespace: string | undefined): Holder[] {
    const holders: Holder[] = [];
    for (const binding of this.bindingsByRole.get(`Role/${name}`) ?? []) {
      if (binding.fact.kind === 'RoleBinding' && sameNamespace(binding.fact.namespace, namespace)) holders.push(...this.bindingHolders(binding));
    }
    return holders;
  }

  private bindingHolders(binding: LinkedBinding): Holder[] {
    const { fact, file } = binding;
    const writers = this.statusWritersOf(file);
    return fact.subjects.map((subject) => ({
      reach: classifySubject(subject, fact.namespace, fact.kind, writers),
      description: `${describeSubject(subject, fact.namespace, fact.kind)} through ${fact.kind} ${fact.name}${file ? '' : ' (built-in)'}`,
      file,
      place: subject.place,
    }));
  }

  /** The trusted status writers of the file a binding is in (none for built-in bindings). */
  private statusWritersOf(file: string | undefined): readonly string[] {
    return (file === undefined ? undefined : this.optionsByFile.get(file)?.statusWriters) ?? [];
  }

  // ----- findings -----------------------------------------------------------------------------

  private judgeRole(file: string, role: RoleFact): void {
    const reportedKeys = role.rules.flatMap((rule) => rule.findingKeys ?? []);
    const node = role.kind === 'ClusterRole' && role.aggregation ? this.clusterRoles.get(role.name) : undefined;
    const aggregated = node ? this.grantsReachedFrom(this.aggregatedInto(node)) : [];
    // Most roles grant nothing of interest: who holds them is not worth working out.
    if (reportedKeys.length === 0 && aggregated.length === 0) return;
    const holders = role.kind === 'ClusterRole' ? this.clusterRoleHolders(role.name) : this.roleHolders(role.name, role.namespace);
    const reach = reachSummary(holders);
    const related = holders.flatMap((holder) => relatedAt(holder.file, holder.place, `holds this role: ${holder.description}`));
    const configured = this.optionsByFile.get(file)?.rules['rbac-services-status'];
    for (const key of reportedKeys) {
      this.resultFor(file).updated.set(key, {
        severity: configured ? undefined : reach.severity,
        appendToMessage: reach.text,
        related: related.slice(0, MAX_RELATED),
      });
    }
    // A ClusterRole that gets the grant through aggregation is reported at its aggregationRule.
    if (role.aggregation && aggregated.length > 0) {
      this.add(file, 'rbac-services-status', role.aggregation.place, role.documentIndex, reach.severity, {
        message:
          `This ClusterRole aggregates ${describeSources(aggregated)}, so it grants ${this.permission.description}; whoever holds it can write ` +
          `status.loadBalancer.ingress of Services and intercept their traffic (CVE-2020-8554).${reach.text}`,
        related: [...grantsRelated(aggregated), ...related].slice(0, MAX_RELATED),
      });
    }
  }

  private judgeBinding(file: string, binding: BindingFact): void {
    if (!ROLE_REF_KINDS.has(binding.roleRef.kind)) return;
    const grants = this.roleGrants(binding.roleRef, binding.kind, binding.namespace);
    if (grants.length === 0) return;
    const writers = this.statusWritersOf(file);
    const where = binding.kind === 'ClusterRoleBinding' ? 'in every namespace' : `in namespace ${binding.namespace ?? '(the one it is applied to)'}`;
    const related = grantsRelated(grants);
    for (const subject of binding.subjects) {
      const reach = classifySubject(subject, binding.namespace, binding.kind, writers);
      if (reach === 'control-plane') continue;
      this.add(file, 'rbac-services-status-binding', subject.place, binding.documentIndex, reach === 'workload' ? 'warning' : 'error', {
        message:
          `${describeSubject(subject, binding.namespace, binding.kind)} gets ${this.permission.description} ${where} through ` +
          `${binding.kind} ${binding.name} → ${binding.roleRef.kind} ${binding.roleRef.name}${viaOtherRoles(binding.roleRef, grants)}. ` +
          `It can write status.loadBalancer.ingress of Services and intercept their traffic (CVE-2020-8554)` +
          (reach === 'workload' ? '; if it is a load-balancer controller you trust, add it to statusWriters.' : '.'),
        related: related.slice(0, MAX_RELATED),
      });
    }
  }

  private add(file: string, code: RuleId, place: Place, documentIndex: number, severity: Severity, text: { message: string; related: RelatedLocation[] }): void {
    const configured = this.optionsByFile.get(file)?.rules[code];
    if (configured === 'off') return;
    const result = this.resultFor(file);
    if (this.suppressed(file, code, place.range.start.line, result)) return;
    const key = findingKey(code, place.start, place.end);
    if (result.added.some((finding) => finding.key === key)) return;
    result.added.push({
      code,
      severity: configured ?? severity ?? RULES[code].defaultSeverity,
      message: text.message,
      range: place.range,
      startOffset: place.start,
      endOffset: place.end,
      key,
      documentIndex,
      ...(text.related.length > 0 ? { related: text.related } : {}),
    });
  }

  /** Whether a comment of the file suppresses a linked finding; the comment is then not unused. */
  private suppressed(file: string, code: RuleId, line: number, result: FileLink): boolean {
    let suppressed = false;
    for (const comment of this.suppressionsByFile.get(file) ?? []) {
      const covers = comment.scope === 'file' ? line >= comment.firstLine && line <= comment.lastLine : comment.line === line - 1;
      if (!covers) continue;
      for (const mention of comment.mentions) {
        if (mention.ruleId !== code) continue;
        suppressed = true;
        result.removed.add(mention.unusedKey);
      }
    }
    return suppressed;
  }

  private resultFor(file: string): FileLink {
    let result = this.results.get(file);
    if (!result) {
      result = { added: [], updated: new Map(), removed: new Set() };
      this.results.set(file, result);
    }
    return result;
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A rule of a role as a possible grant; a workspace rule also says where it is written. */
function grantingRule(roleKind: GrantingRule['roleKind'], roleName: string, rule: PolicyRule, written?: { file: string; place: Place }): GrantingRule {
  return { roleKind, roleName, rule, ...written };
}

function grantsRelated(grants: readonly GrantingRule[]): RelatedLocation[] {
  return grants.flatMap((grant) => relatedAt(grant.file, grant.place, `grants it: ${ruleText(grant.rule)} in ${grant.roleKind} ${grant.roleName}`));
}

function clusterRoleNode(name: string, definitions: { file: string; fact: RoleFact }[], builtin: BuiltinClusterRole | undefined): ClusterRoleNode {
  // The API server reconciles a built-in's rules, labels and aggregation back into a role of that
  // name, unless the role opts out with autoupdate "false".
  const reconciled = builtin !== undefined && (definitions.length === 0 || definitions.some((definition) => definition.fact.autoupdate));
  const node: ClusterRoleNode = { name, definitions, builtin: reconciled ? builtin : undefined, labelVariants: [], selectors: [], ownRules: [] };
  for (const { file, fact } of definitions) {
    const keepsBuiltin = reconciled && fact.autoupdate;
    node.labelVariants.push(keepsBuiltin ? { ...builtin?.labels, ...fact.labels } : fact.labels);
    if (fact.aggregation) node.selectors.push(...fact.aggregation.selectors);
    // The aggregation controller overwrites the rules of an aggregating role, the built-in's reconciled one included.
    else if (keepsBuiltin && builtin?.aggregationSelectors) continue;
    else for (const rule of fact.rules) node.ownRules.push(grantingRule('ClusterRole', name, rule, { file, place: rule.place }));
  }
  if (reconciled && builtin) {
    if (definitions.length === 0) node.labelVariants.push(builtin.labels);
    if (builtin.aggregationSelectors) node.selectors.push(...builtin.aggregationSelectors);
    else for (const rule of builtin.rules) node.ownRules.push(grantingRule('ClusterRole', name, rule));
  }
  return node;
}

/** A Role and a RoleBinding match when their namespaces are equal or either leaves it to `kubectl apply -n`. */
function sameNamespace(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

const REACH_RANK: Record<ReachClass, number> = { 'control-plane': 0, workload: 1, broad: 2, people: 3 };

/** The severity a role's grant gets from its widest reach, and a sentence naming it. */
function reachSummary(holders: readonly Holder[]): { severity: Severity; text: string } {
  if (holders.length === 0) return { severity: 'warning', text: ' Nothing in the workspace binds this role, so who holds it is unknown.' };
  const widest = holders.reduce((best, holder) => (REACH_RANK[holder.reach] > REACH_RANK[best.reach] ? holder : best));
  const others = holders.length - 1;
  const more = others > 0 ? ` and ${others} other holder${others === 1 ? '' : 's'}` : '';
  switch (widest.reach) {
    case 'people':
    case 'broad':
      return { severity: 'error', text: ` Held by ${widest.description}${more}.` };
    case 'workload':
      return { severity: 'warning', text: ` Held by ${widest.description}${more}.` };
    case 'control-plane':
      return { severity: 'information', text: ` Held only by the control plane or trusted status writers (${widest.description}${more}).` };
  }
}

function relatedAt(file: string | undefined, place: Place | undefined, message: string): RelatedLocation[] {
  return file !== undefined && place !== undefined ? [{ file, range: place.range, message }] : [];
}

function describeSources(grants: readonly GrantingRule[]): string {
  const roles = [...new Set(grants.map((grant) => `${grant.file === undefined ? 'built-in ' : ''}${grant.roleKind} ${grant.roleName}`))];
  const shown = roles.slice(0, 3).join(', ');
  return roles.length > 3 ? `${shown} and ${roles.length - 3} more` : shown;
}

/** ` (aggregating …)` when the grant comes from other roles than the one bound, or ` (built-in)`. */
function viaOtherRoles(roleRef: RoleRef, grants: readonly GrantingRule[]): string {
  const others = grants.filter((grant) => grant.roleName !== roleRef.name);
  if (others.length > 0) return ` (aggregating ${describeSources(others)})`;
  return grants.every((grant) => grant.file === undefined) ? ' (built-in)' : '';
}

function ruleText(rule: PolicyRule): string {
  return `apiGroups ${JSON.stringify(rule.apiGroups)}, resources ${JSON.stringify(rule.resources)}, verbs ${JSON.stringify(rule.verbs)}`;
}

/** One file's findings after linking: local findings updated or dropped, linked ones added, in text order. */
export function applyLink(findings: readonly Finding[], link: FileLink | undefined): Finding[] {
  if (!link) return [...findings];
  const result: Finding[] = [];
  for (const finding of findings) {
    if (link.removed.has(finding.key)) continue;
    const update = link.updated.get(finding.key);
    if (!update) {
      result.push(finding);
      continue;
    }
    result.push({
      ...finding,
      severity: update.severity ?? finding.severity,
      message: finding.message + update.appendToMessage,
      // The finding's own related locations (the anchored node behind an alias) come first.
      ...(update.related.length > 0 ? { related: [...(finding.related ?? []), ...update.related] } : {}),
    });
  }
  for (const finding of link.added) result.push(finding);
  return result.sort((a, b) => a.startOffset - b.startOffset || a.code.localeCompare(b.code));
}
