// The link phase: resolves what crosses documents and files, from the facts of every file of one
// cluster and Kubernetes' built-in policy. It answers who holds each role (bindings, aggregation,
// reconciled built-ins) and reports, for each permission of rbac/permissions.ts (services/status write,
// endpoints write), through which path a subject gets it; Services that share an externalIP are found by
// serviceConflicts.ts and reported here.
import { BUILTIN_BINDINGS, BUILTIN_CLUSTER_ROLES, BUILTIN_ROLES, BuiltinClusterRole } from '../rbac/builtinPolicy';
import { grantOf, selectorMatches } from '../rbac/matching';
import { Permission, RBAC_PERMISSIONS } from '../rbac/permissions';
import { LabelSelector, PolicyRule, ReachClass, RoleRef, Subject } from '../rbac/model';
import { classifySubject, describeSubject } from '../rbac/subjects';
import { RULES } from '../rules/registry';
import { EngineOptions, Finding, RelatedLocation, RuleId, Severity } from '../types';
import { BindingFact, FileFacts, findingKey, findingKeyCode, Place, RoleFact, sameNamespace } from './facts';
import { bindingScope, BindingOnPath, describeHolder, Grant, Holder, LinkedPath, Located, RoleOnPath, RolePath, ruleText, SubjectPath } from './paths';
import { AdmissionPolicies } from './admissionPolicies';
import { ServiceConflicts } from './serviceConflicts';
import { HelmValues } from './helmValues';
import { KustomizePatchFiles, PatchedRules, patchedRoleOf } from './kustomizePatchFiles';
import { compareFileIds, FileGroups } from './fileGroups';

export interface LinkInput {
  file: string;
  facts: FileFacts;
  options: EngineOptions;
}

/** What linking changes in one file's findings. */
export interface FileLink {
  /** Findings only the link phase can see (bindings, aggregated grants, shared externalIPs). */
  added: Finding[];
  /** Local findings whose severity, message or related locations depend on the workspace, by key. */
  updated: Map<string, { severity?: Severity; appendToMessage: string; related: RelatedLocation[] }>;
  /**
   * Local findings to drop: unused-suppression findings for comments that suppress a linked finding, and a
   * patch file's findings that no kustomization target referring to it allows.
   */
  removed: Set<string>;
  /** The path behind each linked RBAC finding of the file (added or updated), for hovers. */
  paths: LinkedPath[];
}

interface ClusterRoleDefinition {
  file: string;
  fact: RoleFact;
}

interface ClusterRoleNode {
  name: string;
  /** The role as a step of a path (one object per role, until a change to its definitions rebuilds it). */
  path: RoleOnPath;
  /** Workspace definitions (every one is judged; the worst wins). */
  definitions: ClusterRoleDefinition[];
  /** The built-in of that name, when the API server keeps reconciling it into the role. */
  builtin?: BuiltinClusterRole;
  labelVariants: Record<string, string>[];
  /** Every `key=value` label of its variants, each once (how clusterRolesByLabel finds it). */
  labelKeys: string[];
  selectors: LabelSelector[];
  /** Rules of definitions that do not aggregate (an aggregating role's own rules are overwritten). */
  ownRules: Grant[];
}

/** A Role (namespaced) of the workspace or of the built-in policy. */
interface NamespacedRole {
  namespace?: string;
  path: RoleOnPath;
  rules: Grant[];
}

/** A workspace binding (with its file) or a built-in one. */
interface LinkedBinding {
  file?: string;
  fact: Pick<BindingFact, 'kind' | 'name' | 'namespace' | 'roleRef'> & { subjects: (Subject & { place?: Place })[] };
  path: BindingOnPath;
}

const ROLE_REF_KINDS = new Set(['Role', 'ClusterRole']);
// The built-in roles every namespace admin, editor and viewer holds through a RoleBinding.
const USER_FACING_ROLES_HOLDERS: Readonly<Record<string, string>> = { admin: 'admin', edit: 'editor', view: 'viewer' };
const USER_FACING_ROLES = new Set(Object.keys(USER_FACING_ROLES_HOLDERS));
const MAX_RELATED = 20;
/** `through` of what is held directly (one shared array: most grants and holders have no aggregation). */
const NOT_AGGREGATED: readonly RoleOnPath[] = [];

const BUILTIN_CLUSTER_ROLES_BY_NAME = new Map(BUILTIN_CLUSTER_ROLES.map((role) => [role.name, role]));

/** What one file puts in the Linker's indexes. */
interface IndexEntries {
  /** `roleKeysOf` its roles and bindings (not its patches: those are the patch files' keys). */
  roleKeys: string[];
  roles: NamespacedRole[];
  clusterRoles: ClusterRoleDefinition[];
  bindings: LinkedBinding[];
}

function indexEntriesOf(file: string, facts: FileFacts): IndexEntries {
  const entries: IndexEntries = { roleKeys: [], roles: [], clusterRoles: [], bindings: [] };
  for (const fact of facts.roles) {
    entries.roleKeys.push(roleKey(fact.kind, fact.name));
    if (fact.kind === 'ClusterRole') {
      entries.clusterRoles.push({ file, fact });
      continue;
    }
    const path = roleOnPath('Role', fact.name, [located(file, fact.place)], false);
    entries.roles.push({ namespace: fact.namespace, path, rules: fact.rules.map((rule) => writtenGrant(path, rule, file)) });
  }
  for (const fact of facts.bindings) {
    entries.roleKeys.push(roleKey(fact.roleRef.kind, fact.roleRef.name));
    entries.bindings.push(linkedBinding(fact, file, located(file, fact.place)));
  }
  return entries;
}

const BUILTIN_ROLES_BY_NAME = groupBy(
  BUILTIN_ROLES.map((role): NamespacedRole => {
    const path = roleOnPath('Role', role.name, [], true);
    return { namespace: role.namespace, path, rules: role.rules.map((rule) => writtenGrant(path, rule)) };
  }),
  (role) => role.path.name,
);
const BUILTIN_BINDINGS_BY_ROLE = groupBy(
  BUILTIN_BINDINGS.map((binding) => linkedBinding(binding)),
  (binding) => bindingKeyOf(binding.fact),
);
/** Built-in ClusterRoles come first in the order aggregation collects roles in, in the policy's order. */
const BUILTIN_CLUSTER_ROLE_ORDER = new Map(BUILTIN_CLUSTER_ROLES.map((role, index) => [role.name, index]));

function linkedBinding(fact: LinkedBinding['fact'], file?: string, at?: Located): LinkedBinding {
  return { file, fact, path: { kind: fact.kind, name: fact.name, namespace: fact.namespace, at } };
}

function bindingKeyOf(fact: LinkedBinding['fact']): string {
  return roleKey(fact.roleRef.kind, fact.roleRef.name);
}

export function linkWorkspace(inputs: readonly LinkInput[]): Map<string, FileLink> {
  return new Linker(inputs).judge();
}

/**
 * The roles a file's facts define or refer to, as `ClusterRole/<name>` and `Role/<name>`: what its
 * dependents are found from when the file changes.
 */
export function roleKeysOf(facts: FileFacts | undefined): string[] {
  if (!facts) return [];
  const targets = [...(facts.patchReferences ?? []), ...(facts.inlinePatches ?? [])].map((patch) => patch.target);
  const patched = targets.flatMap((target) => {
    const role = patchedRoleOf(target);
    return role ? [roleKey(role.kind, role.name)] : [];
  });
  return [...facts.roles.map((role) => roleKey(role.kind, role.name)), ...facts.bindings.map((binding) => roleKey(binding.roleRef.kind, binding.roleRef.name)), ...patched];
}

function roleKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}

/**
 * The link of one cluster. It keeps its indexes of every file's facts (and Kubernetes' built-in policy)
 * across links: `update` replaces what changed files contributed, so a keystroke re-indexes one file, not
 * the workspace. It judges the files it is asked about, and tells which files depend on a set of roles, so
 * a change re-judges only those.
 */
export class Linker {
  private readonly inputs = new Map<string, LinkInput>();
  private readonly entriesByFile = new Map<string, IndexEntries>();
  /** Workspace Roles by name, in file order; namespaces are compared when a RoleBinding is resolved. */
  private readonly workspaceRoles = new FileGroups<NamespacedRole>();
  private readonly clusterRoleDefinitions = new FileGroups<ClusterRoleDefinition>();
  /** Workspace bindings by `roleRef.kind/roleRef.name`. */
  private readonly workspaceBindings = new FileGroups<LinkedBinding>();
  /** Which files define a role or bind one, by `roleKey`. */
  private readonly filesByRoleKey = new Map<string, Set<string>>();
  /** Workspace and built-in ClusterRoles, with the rules patches write into them. */
  private readonly clusterRoles = new Map<string, ClusterRoleNode>();
  /** ClusterRoles by each `key=value` label they carry, for selectors with matchLabels. */
  private readonly clusterRolesByLabel = new Map<string, Set<ClusterRoleNode>>();
  private readonly aggregatingRoles = new Set<ClusterRoleNode>();
  /** The rules Kustomize patches write into roles, as the patch files last gave them. */
  private patchedRules: readonly PatchedRules[] = [];
  private patchedClusterRoleRules = new Map<string, { file: string; rules: PatchedRules['rules'] }[]>();
  private patchedRoles = new Map<string, NamespacedRole[]>();
  private readonly patchFiles = new KustomizePatchFiles();
  private serviceConflicts = new ServiceConflicts([]);
  private admissionPolicies = new AdmissionPolicies([]);
  private helmValues = new HelmValues([]);

  // Worked out on demand, and forgotten at every update.
  private readonly aggregatedMemo = new Map<ClusterRoleNode, ClusterRoleNode[]>();
  private aggregators?: Map<ClusterRoleNode, ClusterRoleNode[]>;
  /** Per permission: the granting rules reached from each ClusterRole, and who holds each ClusterRole. */
  private readonly grantMemo = new Map<Permission, Map<string, Grant[]>>();
  private readonly holderMemo = new Map<Permission, Map<string, Holder[]>>();

  private results = new Map<string, FileLink>();
  /** The keys of each file's added findings (a file can get many: one per externalIPs entry). */
  private addedKeys = new Map<string, Set<string>>();

  constructor(
    inputs: readonly LinkInput[] = [],
    private readonly permissions: readonly Permission[] = RBAC_PERMISSIONS,
  ) {
    for (const name of BUILTIN_CLUSTER_ROLE_ORDER.keys()) this.rebuildClusterRole(name);
    this.update(inputs.map((input) => ({ file: input.file, input })));
  }

  /**
   * Replaces what the given files contributed with their new inputs (undefined: the file is gone). Call
   * `dependentFiles` before and after to know which files to judge again.
   */
  update(changes: Iterable<{ file: string; input: LinkInput | undefined }>): void {
    const touchedClusterRoles = new Set<string>();
    const touched = { services: false, admission: false, helm: false };
    for (const { file, input } of changes) {
      const before = this.inputs.get(file);
      if (before) this.unindex(file, touchedClusterRoles);
      if (input) {
        this.inputs.set(file, input);
        this.index(file, input.facts, touchedClusterRoles);
      } else this.inputs.delete(file);
      this.patchFiles.update(file, before?.facts, input?.facts);
      for (const facts of [before?.facts, input?.facts]) {
        if (!facts) continue;
        touched.services ||= facts.services.length > 0;
        touched.admission ||= facts.admissionPolicies.length > 0 || facts.admissionBindings.length > 0;
        touched.helm ||= facts.helm !== undefined;
      }
    }
    if (this.patchFiles.patchedRules !== this.patchedRules) this.repatch(touchedClusterRoles);
    for (const name of touchedClusterRoles) this.rebuildClusterRole(name);
    // Few files have Services with externalIPs, admission policies or Helm facts: these indexes are rebuilt.
    if (touched.services) this.serviceConflicts = new ServiceConflicts(this.inputsWith((facts) => facts.services.length > 0));
    if (touched.admission) this.admissionPolicies = new AdmissionPolicies(this.inputsWith((facts) => facts.admissionPolicies.length > 0 || facts.admissionBindings.length > 0));
    if (touched.helm) this.helmValues = new HelmValues(this.inputsWith((facts) => facts.helm !== undefined));
    this.aggregatedMemo.clear();
    this.aggregators = undefined;
    this.grantMemo.clear();
    this.holderMemo.clear();
  }

  private index(file: string, facts: FileFacts, touchedClusterRoles: Set<string>): void {
    const entries = indexEntriesOf(file, facts);
    this.entriesByFile.set(file, entries);
    for (const key of entries.roleKeys) pushToSet(this.filesByRoleKey, key, file);
    this.workspaceRoles.add(file, entries.roles.map((role) => [role.path.name, role]));
    this.clusterRoleDefinitions.add(file, entries.clusterRoles.map((definition) => [definition.fact.name, definition]));
    this.workspaceBindings.add(file, entries.bindings.map((binding) => [bindingKeyOf(binding.fact), binding]));
    for (const definition of entries.clusterRoles) touchedClusterRoles.add(definition.fact.name);
  }

  private unindex(file: string, touchedClusterRoles: Set<string>): void {
    const entries = this.entriesByFile.get(file);
    if (!entries) return;
    this.entriesByFile.delete(file);
    for (const key of entries.roleKeys) {
      const files = this.filesByRoleKey.get(key);
      files?.delete(file);
      if (files?.size === 0) this.filesByRoleKey.delete(key);
    }
    this.workspaceRoles.remove(file, entries.roles.map((role) => role.path.name));
    this.clusterRoleDefinitions.remove(file, entries.clusterRoles.map((definition) => definition.fact.name));
    this.workspaceBindings.remove(file, entries.bindings.map((binding) => bindingKeyOf(binding.fact)));
    for (const definition of entries.clusterRoles) touchedClusterRoles.add(definition.fact.name);
  }

  /**
   * Takes the rules Kustomize patches (files and inline) write into the roles their targets name: grants of
   * that role, written in the patch file (kept beside the role's own rules: a patch that replaces them is
   * read as adding to them). A role the workspace does not define is known by them; an aggregating
   * ClusterRole's rules are the aggregation controller's (withPatchedRules).
   */
  private repatch(touchedClusterRoles: Set<string>): void {
    for (const name of this.patchedClusterRoleRules.keys()) touchedClusterRoles.add(name);
    this.patchedRules = this.patchFiles.patchedRules;
    this.patchedClusterRoleRules = new Map();
    this.patchedRoles = new Map();
    for (const { role, file, rules } of this.patchedRules) {
      if (role.kind === 'ClusterRole') {
        pushTo(this.patchedClusterRoleRules, role.name, { file, rules });
        touchedClusterRoles.add(role.name);
        continue;
      }
      const path = roleOnPath('Role', role.name, [], false);
      pushTo(this.patchedRoles, role.name, { namespace: role.namespace, path, rules: rules.map((rule) => writtenGrant(path, rule, file)) });
    }
  }

  /** Builds the node of ClusterRole `name` again from its definitions, the built-in and patches (or drops it). */
  private rebuildClusterRole(name: string): void {
    const old = this.clusterRoles.get(name);
    if (old) {
      for (const label of old.labelKeys) this.clusterRolesByLabel.get(label)?.delete(old);
      this.aggregatingRoles.delete(old);
    }
    const definitions = this.clusterRoleDefinitions.get(name);
    const builtin = BUILTIN_CLUSTER_ROLES_BY_NAME.get(name);
    const patched = this.patchedClusterRoleRules.get(name);
    if (definitions.length === 0 && builtin === undefined && patched === undefined) {
      this.clusterRoles.delete(name);
      return;
    }
    const node = withPatchedRules(clusterRoleNode(name, [...definitions], builtin), patched);
    this.clusterRoles.set(name, node);
    for (const label of node.labelKeys) pushToSet(this.clusterRolesByLabel, label, node);
    if (node.selectors.length > 0) this.aggregatingRoles.add(node);
  }

  /** The inputs whose facts `relevant` picks, in file order. */
  private inputsWith(relevant: (facts: FileFacts) => boolean): LinkInput[] {
    const inputs: LinkInput[] = [];
    for (const input of this.inputs.values()) if (relevant(input.facts)) inputs.push(input);
    return inputs.sort((a, b) => compareFileIds(a.file, b.file));
  }

  /** The link of the files `only` names (every file when absent); files with nothing linked are absent. */
  judge(only?: ReadonlySet<string>): Map<string, FileLink> {
    const results = new Map<string, FileLink>();
    this.results = results;
    this.addedKeys = new Map();
    for (const file of only ?? this.inputs.keys()) {
      const input = this.inputs.get(file);
      if (!input) continue;
      for (const permission of this.permissions) {
        for (const role of input.facts.roles) this.judgeRole(input.file, role, permission);
        for (const binding of input.facts.bindings) this.judgeBinding(input.file, binding, permission);
      }
      this.serviceConflicts.report(input.file, (place, documentIndex, text) => this.add(input.file, 'external-ip-conflict', place, documentIndex, undefined, undefined, text));
      this.admissionPolicies.report(input.facts, (place, documentIndex, text) => this.add(input.file, 'mitigation-not-enforced', place, documentIndex, undefined, undefined, text));
      this.helmValues.report(input.file, input.options, (code, place, documentIndex, text, severity) =>
        this.add(input.file, code, place, documentIndex, severity?.severity, undefined, text, severity?.forced),
      );
      this.patchFiles.report(input.file, input.facts, {
        keep: (key, appendToMessage, related) => this.resultFor(input.file).updated.set(key, { appendToMessage, related }),
        remove: (key) => this.resultFor(input.file).removed.add(key),
        // The severity was resolved with the file's options where it was parsed (a cap included).
        add: (code, place, documentIndex, severity, text) => this.add(input.file, code, place, documentIndex, severity, undefined, text, true),
      });
    }
    return results;
  }

  /**
   * The files whose link can change when the roles named by `keys` (see `roleKeysOf`) change: files that
   * define or bind them, or any role that aggregates them or that they aggregate, transitively. A role's
   * holders flow down the aggregation (to the roles it collects) and its grants flow up (to the roles
   * collecting it), so both directions count. Address keys (`addressKeysOf`) name the files whose
   * Services claim those addresses, policy keys (`admissionPolicyKeysOf`) the files that define or bind
   * those admission policies, chart keys (`helmKeysOf`) the values files and releases of those charts,
   * patch file keys (`patchFileKeysOf`) the Kustomize patch files a kustomization refers to.
   */
  dependentFiles(keys: Iterable<string>): Set<string> {
    const files = this.serviceConflicts.dependentFiles(keys);
    for (const file of this.admissionPolicies.dependentFiles(keys)) files.add(file);
    for (const file of this.helmValues.dependentFiles(keys)) files.add(file);
    for (const file of this.patchFiles.dependentFiles(keys)) files.add(file);
    const seen = new Set<string>();
    const pending = [...keys];
    // A patch file's rules are its referrers' target roles' grants.
    for (const key of this.patchFiles.patchedRoleKeys(pending)) pending.push(key);
    while (pending.length > 0) {
      const key = pending.pop() as string;
      if (seen.has(key)) continue;
      seen.add(key);
      const node = key.startsWith('ClusterRole/') ? this.clusterRoles.get(key.slice('ClusterRole/'.length)) : undefined;
      if (!node) continue;
      for (const other of [...this.aggregatedInto(node), ...this.aggregatorsOf(node)]) pending.push(roleKey('ClusterRole', other.name));
    }
    for (const key of seen) for (const file of this.filesByRoleKey.get(key) ?? []) files.add(file);
    return files;
  }

  // ----- what a role grants -------------------------------------------------------------------

  /** The rules that grant `permission` to whoever holds ClusterRole `name`, aggregation included. */
  private clusterRoleGrants(name: string, permission: Permission): Grant[] {
    const memo = memoFor(this.grantMemo, permission);
    let found = memo.get(name);
    if (!found) {
      const node = this.clusterRoles.get(name);
      found = node ? this.grantsReachedFrom(permission, [node]) : [];
      memo.set(name, found);
    }
    return found;
  }

  /**
   * The granting rules of `start` and of every role they aggregate, transitively (each role once, so a
   * cycle of roles that select each other ends, and no partial result is ever kept). `through` is the
   * aggregation above `start`, outermost first; each grant gets the one it was first reached by.
   */
  private grantsReachedFrom(permission: Permission, start: readonly ClusterRoleNode[], through: RoleOnPath[] = []): Grant[] {
    const found: Grant[] = [];
    const visited = new Set<ClusterRoleNode>();
    const visit = (node: ClusterRoleNode, above: RoleOnPath[]): void => {
      if (visited.has(node)) return;
      visited.add(node);
      for (const grant of node.ownRules) if (grants(grant.rule, permission)) found.push(above.length > 0 ? { ...grant, through: above } : grant);
      const selected = this.aggregatedInto(node);
      if (selected.length === 0) return;
      const below = [...above, node.path];
      for (const role of selected) visit(role, below);
    };
    for (const node of start) visit(node, through);
    return found;
  }

  /** The ClusterRoles an aggregating role's selectors pick (ORed selectors; a role never picks itself). */
  private aggregatedInto(node: ClusterRoleNode): ClusterRoleNode[] {
    if (node.selectors.length === 0) return [];
    let picked = this.aggregatedMemo.get(node);
    if (picked) return picked;
    const found = new Set<ClusterRoleNode>();
    for (const selector of node.selectors) {
      const matching: ClusterRoleNode[] = [];
      for (const candidate of this.candidatesFor(selector)) {
        if (candidate !== node && candidate.labelVariants.some((labels) => selectorMatches(selector, labels))) matching.push(candidate);
      }
      for (const candidate of matching.sort(compareClusterRoles)) found.add(candidate);
    }
    picked = [...found];
    this.aggregatedMemo.set(node, picked);
    return picked;
  }

  /** The roles a selector can match: those carrying its first matchLabels pair, or every role. */
  private candidatesFor(selector: LabelSelector): Iterable<ClusterRoleNode> {
    const first = Object.entries(selector.matchLabels)[0];
    return first ? this.clusterRolesByLabel.get(labelKey(first)) ?? [] : this.clusterRoles.values();
  }

  /** The aggregating roles that pick `node`. */
  private aggregatorsOf(node: ClusterRoleNode): ClusterRoleNode[] {
    if (!this.aggregators) {
      this.aggregators = new Map();
      for (const aggregator of [...this.aggregatingRoles].sort(compareClusterRoles)) {
        for (const picked of this.aggregatedInto(aggregator)) pushTo(this.aggregators, picked, aggregator);
      }
    }
    return this.aggregators.get(node) ?? [];
  }

  /** The role a binding refers to and the rules that grant `permission` through it (none when it does not resolve). */
  private boundRole(
    roleRef: RoleRef,
    bindingKind: BindingFact['kind'],
    namespace: string | undefined,
    permission: Permission,
  ): { role: RoleOnPath; grants: Grant[] } | undefined {
    if (roleRef.kind === 'ClusterRole') {
      const node = this.clusterRoles.get(roleRef.name);
      return node && { role: node.path, grants: this.clusterRoleGrants(roleRef.name, permission) };
    }
    // A ClusterRoleBinding can only refer to a ClusterRole; a RoleBinding's Role is in its own namespace.
    if (roleRef.kind !== 'Role' || bindingKind !== 'RoleBinding') return undefined;
    const roles = this.rolesNamed(roleRef.name).filter((role) => sameNamespace(role.namespace, namespace));
    if (roles.length === 0) return undefined;
    const role =
      roles.length === 1
        ? roles[0].path
        : roleOnPath('Role', roleRef.name, roles.flatMap((each) => each.path.definitions), roles.some((each) => each.path.builtin));
    return { role, grants: roles.flatMap((each) => each.rules.filter((rule) => grants(rule.rule, permission))) };
  }

  /** The Roles named `name`: the workspace's (in file order), the built-in ones, those only patches define. */
  private rolesNamed(name: string): NamespacedRole[] {
    return [...this.workspaceRoles.get(name), ...(BUILTIN_ROLES_BY_NAME.get(name) ?? []), ...(this.patchedRoles.get(name) ?? [])];
  }

  /** The bindings of a role (`roleKey`): the workspace's, in file order, then the built-in ones. */
  private bindingsOf(key: string): readonly LinkedBinding[] {
    const builtin = BUILTIN_BINDINGS_BY_ROLE.get(key);
    const workspace = this.workspaceBindings.get(key);
    return builtin === undefined ? workspace : [...workspace, ...builtin];
  }

  // ----- who holds a role ---------------------------------------------------------------------

  /**
   * Everyone who holds ClusterRole `name`: its bindings, and the holders of every role aggregating it,
   * transitively (each role once, so a cycle ends and no partial result is ever kept).
   */
  private clusterRoleHolders(name: string, permission: Permission): Holder[] {
    const memo = memoFor(this.holderMemo, permission);
    const known = memo.get(name);
    if (known) return known;
    const holders: Holder[] = [];
    const visited = new Set<string>();
    // `through` names the aggregating roles between a holder's role and `name`, outermost first.
    const visit = (roleName: string, through: RoleOnPath[]): void => {
      visited.add(roleName);
      const node = this.clusterRoles.get(roleName);
      if (node?.builtin && USER_FACING_ROLES.has(roleName)) {
        holders.push({ reach: 'people', subject: `every namespace ${USER_FACING_ROLES_HOLDERS[roleName]} (built-in ClusterRole ${roleName})`, through });
      }
      for (const binding of this.bindingsOf(`ClusterRole/${roleName}`)) {
        for (const holder of this.bindingHolders(binding, permission)) holders.push(through.length > 0 ? { ...holder, through } : holder);
      }
      for (const aggregator of node ? this.aggregatorsOf(node) : []) {
        if (!visited.has(aggregator.name)) visit(aggregator.name, [aggregator.path, ...through]);
      }
    };
    visit(name, []);
    memo.set(name, holders);
    return holders;
  }

  private roleHolders(name: string, namespace: string | undefined, permission: Permission): Holder[] {
    const holders: Holder[] = [];
    for (const binding of this.bindingsOf(`Role/${name}`)) {
      if (binding.fact.kind === 'RoleBinding' && sameNamespace(binding.fact.namespace, namespace)) holders.push(...this.bindingHolders(binding, permission));
    }
    return holders;
  }

  private bindingHolders(binding: LinkedBinding, permission: Permission): Holder[] {
    const { fact, file } = binding;
    const writers = this.trustedWritersOf(file, permission);
    return fact.subjects.map((subject) => ({
      reach: classifySubject(subject, fact.namespace, fact.kind, writers),
      subject: describeSubject(subject, fact.namespace, fact.kind),
      at: file !== undefined && subject.place !== undefined ? located(file, subject.place) : undefined,
      binding: binding.path,
      through: NOT_AGGREGATED,
    }));
  }

  /** The subjects the file a binding is in trusts with `permission`: its status writers, for services/status (none for built-in bindings). */
  private trustedWritersOf(file: string | undefined, permission: Permission): readonly string[] {
    if (!permission.trustsStatusWriters || file === undefined) return [];
    return this.inputs.get(file)?.options.statusWriters ?? [];
  }

  // ----- findings -----------------------------------------------------------------------------

  private judgeRole(file: string, role: RoleFact, permission: Permission): void {
    // The keys of this permission's local findings on each rule (a rule may grant several permissions).
    const reported = role.rules.flatMap((rule) => {
      const keys = rule.findingKeys?.filter((key) => findingKeyCode(key) === permission.ruleId) ?? [];
      return keys.length > 0 ? [{ rule, keys }] : [];
    });
    const node = role.kind === 'ClusterRole' ? this.clusterRoles.get(role.name) : undefined;
    const aggregated = node && role.aggregation ? this.grantsReachedFrom(permission, this.aggregatedInto(node), [node.path]) : [];
    // Most roles grant nothing of interest: who holds them is not worth working out.
    if (reported.length === 0 && aggregated.length === 0) return;
    const holders = role.kind === 'ClusterRole' ? this.clusterRoleHolders(role.name, permission) : this.roleHolders(role.name, role.namespace, permission);
    const rolePath = node?.path ?? roleOnPath(role.kind, role.name, [located(file, role.place)], false);
    const reach = reachSummary(holders, permission);
    const related = holdersRelated(holders);
    const configured = this.inputs.get(file)?.options.rules[permission.ruleId];
    const result = this.resultFor(file);
    for (const { rule, keys } of reported) {
      const path: RolePath = { kind: 'role', permission: permission.description, role: rolePath, on: 'rule', grants: [writtenGrant(rolePath, rule, file)], holders };
      // A rule reached through an alias has a finding at the alias too (one key per place).
      for (const key of keys) {
        result.updated.set(key, {
          severity: configured ? undefined : reach.severity,
          appendToMessage: reach.text,
          related: related.slice(0, MAX_RELATED),
        });
        result.paths.push({ ...path, findingKey: key, target: rule.place.range });
      }
    }
    // A ClusterRole that gets the grant through aggregation is reported at its aggregationRule.
    if (role.aggregation && aggregated.length > 0) {
      const path: RolePath = { kind: 'role', permission: permission.description, role: rolePath, on: 'aggregationRule', grants: aggregated, holders };
      this.add(file, permission.ruleId, role.aggregation.place, role.documentIndex, reach.severity, path, {
        message:
          `This ClusterRole aggregates ${describeSources(aggregated)}, so it grants ${permission.description}; whoever holds it can ` +
          `${permission.consequence}.${reach.text}`,
        related: [...grantsRelated(aggregated), ...related].slice(0, MAX_RELATED),
      });
    }
  }

  private judgeBinding(file: string, binding: BindingFact, permission: Permission): void {
    if (!ROLE_REF_KINDS.has(binding.roleRef.kind)) return;
    const bound = this.boundRole(binding.roleRef, binding.kind, binding.namespace, permission);
    if (bound === undefined || bound.grants.length === 0) return;
    const writers = this.trustedWritersOf(file, permission);
    const bindingPath: BindingOnPath = { kind: binding.kind, name: binding.name, namespace: binding.namespace, at: located(file, binding.place) };
    const related = grantsRelated(bound.grants).slice(0, MAX_RELATED);
    for (const subject of binding.subjects) {
      const reach = classifySubject(subject, binding.namespace, binding.kind, writers);
      // Subjects the permission does not report on its bindings (the control plane; workloads for endpoints).
      const severity = permission.bindingSeverity[reach];
      if (severity === undefined) continue;
      const holder = { reach, subject: describeSubject(subject, binding.namespace, binding.kind), at: located(file, subject.place), binding: bindingPath, through: NOT_AGGREGATED };
      const path: SubjectPath = { kind: 'subject', permission: permission.description, holder, role: bound.role, grants: bound.grants };
      this.add(file, permission.bindingRuleId, subject.place, binding.documentIndex, severity, path, {
        message: subjectMessage(path, permission),
        related,
      });
    }
  }

  /**
   * Adds a linked finding unless its rule is off or a comment suppresses it, with the path behind it
   * (RBAC findings). Its severity: the configured one, else `severity`, else the rule's default;
   * `forced`: `severity` even over the configured one (a rule that is off stays off).
   */
  private add(
    file: string,
    code: RuleId,
    place: Place,
    documentIndex: number,
    severity: Severity | undefined,
    path: SubjectPath | RolePath | undefined,
    text: { message: string; related: RelatedLocation[] },
    forced = false,
  ): void {
    const configured = this.inputs.get(file)?.options.rules[code];
    if (configured === 'off') return;
    const result = this.resultFor(file);
    if (this.suppressed(file, code, place.range.start.line, result)) return;
    const key = findingKey(code, place.start, place.end);
    let keys = this.addedKeys.get(file);
    if (!keys) this.addedKeys.set(file, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    result.added.push({
      code,
      severity: (forced ? severity : undefined) ?? configured ?? severity ?? RULES[code].defaultSeverity,
      message: text.message,
      range: place.range,
      startOffset: place.start,
      endOffset: place.end,
      key,
      documentIndex,
      ...(text.related.length > 0 ? { related: text.related } : {}),
    });
    if (path) result.paths.push({ ...path, findingKey: key, target: place.range });
  }

  /** Whether a comment of the file suppresses a linked finding; the comment is then not unused. */
  private suppressed(file: string, code: RuleId, line: number, result: FileLink): boolean {
    let suppressed = false;
    for (const comment of this.inputs.get(file)?.facts.suppressions ?? []) {
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
      result = { added: [], updated: new Map(), removed: new Set(), paths: [] };
      this.results.set(file, result);
    }
    return result;
  }
}

function grants(rule: PolicyRule, permission: Permission): boolean {
  return grantOf(rule, permission.accesses) !== undefined;
}

function memoFor<V>(memos: Map<Permission, Map<string, V>>, permission: Permission): Map<string, V> {
  let memo = memos.get(permission);
  if (!memo) memos.set(permission, (memo = new Map()));
  return memo;
}

function pushToSet<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function labelKey([key, value]: [string, string]): string {
  return `${key}=${value}`;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function located(file: string, place: Place): Located {
  return { file, range: place.range };
}

function roleOnPath(kind: RoleOnPath['kind'], name: string, definitions: Located[], builtin: boolean): RoleOnPath {
  return { kind, name, definitions, builtin };
}

/** A rule of `role` as a possible grant, held through `role` itself; a workspace rule also says where it is written. */
function writtenGrant(role: RoleOnPath, rule: PolicyRule & { place?: Place }, file?: string): Grant {
  return { role, rule: policyRule(rule), at: file !== undefined && rule.place !== undefined ? located(file, rule.place) : undefined, through: NOT_AGGREGATED };
}

/** The rule alone: a path names where it is written by line and character (`at`), never by its file's offsets or keys. */
function policyRule({ apiGroups, resources, verbs, resourceNames }: PolicyRule): PolicyRule {
  return { apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) };
}

/** Related locations at the holders' subject entries written in the workspace, at most `MAX_RELATED`. */
function holdersRelated(holders: readonly Holder[]): RelatedLocation[] {
  const related: RelatedLocation[] = [];
  for (const holder of holders) {
    if (related.length === MAX_RELATED) break;
    related.push(...relatedAt(holder.at, `holds this role: ${describeHolder(holder)}`));
  }
  return related;
}

/** Related locations at the granting rules written in the workspace, at most `MAX_RELATED`. */
function grantsRelated(grants: readonly Grant[]): RelatedLocation[] {
  const related: RelatedLocation[] = [];
  for (const grant of grants) {
    if (related.length === MAX_RELATED) break;
    related.push(...relatedAt(grant.at, `grants it: ${ruleText(grant.rule)} in ${grant.role.kind} ${grant.role.name}`));
  }
  return related;
}

function clusterRoleNode(name: string, definitions: ClusterRoleDefinition[], builtin: BuiltinClusterRole | undefined): ClusterRoleNode {
  // The API server reconciles a built-in's rules, labels and aggregation back into a role of that
  // name, unless the role opts out with autoupdate "false".
  const reconciled = builtin !== undefined && (definitions.length === 0 || definitions.some((definition) => definition.fact.autoupdate));
  const path = roleOnPath('ClusterRole', name, definitions.map(({ file, fact }) => located(file, fact.place)), reconciled);
  const node: ClusterRoleNode = { name, path, definitions, builtin: reconciled ? builtin : undefined, labelVariants: [], labelKeys: [], selectors: [], ownRules: [] };
  for (const { file, fact } of definitions) {
    const keepsBuiltin = reconciled && fact.autoupdate;
    node.labelVariants.push(keepsBuiltin ? { ...builtin?.labels, ...fact.labels } : fact.labels);
    if (fact.aggregation) node.selectors.push(...fact.aggregation.selectors);
    // The aggregation controller overwrites the rules of an aggregating role, the built-in's reconciled one included.
    else if (keepsBuiltin && builtin?.aggregationSelectors) continue;
    else for (const rule of fact.rules) node.ownRules.push(writtenGrant(path, rule, file));
  }
  if (reconciled && builtin) {
    if (definitions.length === 0) node.labelVariants.push(builtin.labels);
    if (builtin.aggregationSelectors) node.selectors.push(...builtin.aggregationSelectors);
    else for (const rule of builtin.rules) node.ownRules.push(writtenGrant(path, rule));
  }
  node.labelKeys = [...new Set(node.labelVariants.flatMap((labels) => Object.entries(labels).map(labelKey)))];
  return node;
}

/** `node` with the rules Kustomize patches write into it; an aggregating role keeps the aggregation controller's. */
function withPatchedRules(node: ClusterRoleNode, patched: readonly { file: string; rules: PatchedRules['rules'] }[] | undefined): ClusterRoleNode {
  if (patched === undefined || node.selectors.length > 0) return node;
  const ownRules = [...node.ownRules];
  for (const { file, rules } of patched) for (const rule of rules) ownRules.push(writtenGrant(node.path, rule, file));
  return { ...node, ownRules };
}

/**
 * The order aggregation collects ClusterRoles in (it orders the related locations and paths of a finding),
 * whatever order they were indexed in: built-ins in the policy's order, then the workspace's by their first
 * definition, then those only patches define, by name.
 */
function compareClusterRoles(a: ClusterRoleNode, b: ClusterRoleNode): number {
  const [builtinA, builtinB] = [BUILTIN_CLUSTER_ROLE_ORDER.get(a.name), BUILTIN_CLUSTER_ROLE_ORDER.get(b.name)];
  if (builtinA !== undefined || builtinB !== undefined) return (builtinA ?? Infinity) - (builtinB ?? Infinity);
  const [firstA, firstB] = [a.definitions[0], b.definitions[0]];
  if (firstA === undefined || firstB === undefined) return firstA !== undefined ? -1 : firstB !== undefined ? 1 : compareFileIds(a.name, b.name);
  return compareFileIds(firstA.file, firstB.file) || firstA.fact.place.start - firstB.fact.place.start || compareFileIds(a.name, b.name);
}

function groupBy<V>(items: readonly V[], keyOf: (item: V) => string): Map<string, V[]> {
  const groups = new Map<string, V[]>();
  for (const item of items) pushTo(groups, keyOf(item), item);
  return groups;
}

const REACH_RANK: Record<ReachClass, number> = { 'control-plane': 0, workload: 1, broad: 2, people: 3 };

/** The severity a role's grant of `permission` gets from its widest reach, and a sentence naming it. */
function reachSummary(holders: readonly Holder[], permission: Permission): { severity: Severity; text: string } {
  const { roleSeverity } = permission;
  if (holders.length === 0) return { severity: roleSeverity.unbound, text: ' Nothing in the workspace binds this role, so who holds it is unknown.' };
  const widest = holders.reduce((best, holder) => (REACH_RANK[holder.reach] > REACH_RANK[best.reach] ? holder : best));
  const others = holders.length - 1;
  const more = others > 0 ? ` and ${others} other holder${others === 1 ? '' : 's'}` : '';
  const description = describeHolder(widest);
  switch (widest.reach) {
    case 'people':
    case 'broad':
    case 'workload':
      return { severity: roleSeverity[widest.reach], text: ` Held by ${description}${more}.` };
    case 'control-plane': {
      const trusted = permission.trustsStatusWriters ? ' or trusted status writers' : '';
      return { severity: roleSeverity['control-plane'], text: ` Held only by the control plane${trusted} (${description}${more}).` };
    }
  }
}

function relatedAt(at: Located | undefined, message: string): RelatedLocation[] {
  return at !== undefined ? [{ file: at.file, range: at.range, message }] : [];
}

function describeSources(grants: readonly Grant[]): string {
  const roles = [...new Set(grants.map((grant) => `${grant.at === undefined ? 'built-in ' : ''}${grant.role.kind} ${grant.role.name}`))];
  const shown = roles.slice(0, 3).join(', ');
  return roles.length > 3 ? `${shown} and ${roles.length - 3} more` : shown;
}

function subjectMessage({ holder, role, grants }: SubjectPath, permission: Permission): string {
  const { binding } = holder;
  return (
    `${holder.subject} gets ${permission.description} ${bindingScope(binding)} through ${binding.kind} ${binding.name} → ${role.kind} ${role.name}` +
    `${viaOtherRoles(role, grants)}. It can ${permission.consequence}` +
    (holder.reach === 'workload' && permission.trustsStatusWriters ? '; if it is a load-balancer controller you trust, add it to statusWriters.' : '.')
  );
}

/** ` (aggregating …)` when the grant comes from other roles than the one bound, or ` (built-in)`. */
function viaOtherRoles(role: RoleOnPath, grants: readonly Grant[]): string {
  const others = grants.filter((grant) => grant.role.name !== role.name);
  if (others.length > 0) return ` (aggregating ${describeSources(others)})`;
  return grants.every((grant) => grant.at === undefined) ? ' (built-in)' : '';
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
