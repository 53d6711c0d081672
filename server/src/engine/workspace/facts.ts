// Facts: what the link phase needs to know of one file, extracted where the file is parsed (in the scan
// workers too) and kept as plain data, so files are linked without being parsed again.
import { LabelSelector, PolicyRule, RoleRef, Subject } from '../rbac/model';
import { Range, RuleId, Severity } from '../types';
import { HelmFacts, shiftHelmFacts } from '../helm/helmFacts';
import type { JudgedVariant } from '../patches/patchFiles';
import type { PatchTarget } from '../patches/kustomization';

export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

/** Where something is written: offsets into the file's text and the same span as an LSP range. */
export interface Place {
  start: number;
  end: number;
  range: Range;
}

export interface RuleFact extends PolicyRule {
  place: Place;
  /**
   * The keys of this rule's findings of the RBAC permission rules (`rbac-services-status`,
   * `rbac-endpoints-write`: each key starts with its rule id, `findingKeyCode`), when the file reports
   * any (not off, not suppressed): at the rule's granting entry, and at the alias or merge key through which the role
   * reaches it when that entry is written under an anchor (the entry's own finding then goes with the
   * first role that reaches it), and at an alias that applies the whole role again in a List.
   */
  findingKeys?: string[];
}

export interface RoleFact {
  kind: 'Role' | 'ClusterRole';
  name: string;
  /** Undefined when the manifest leaves it to `kubectl apply -n` (or to a Kustomization). */
  namespace?: string;
  labels: Record<string, string>;
  /** False when annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`: the API server then leaves a built-in's name alone. */
  autoupdate: boolean;
  /** The aggregationRule of a ClusterRole: the controller replaces `rules` with what its selectors collect. */
  aggregation?: { selectors: LabelSelector[]; place: Place };
  rules: RuleFact[];
  /** The role's name (or the object, when it has none). */
  place: Place;
  documentIndex: number;
}

export interface SubjectFact extends Subject {
  /** The subject's entry in `subjects`. */
  place: Place;
}

export interface BindingFact {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleRef: RoleRef;
  subjects: SubjectFact[];
  place: Place;
  documentIndex: number;
}

export type ServiceProtocol = 'TCP' | 'UDP' | 'SCTP';

/** A `spec.ports` entry: what kube-proxy matches, with the destination address, to pick the Service. */
export interface ServicePortFact {
  port: number;
  protocol: ServiceProtocol;
}

/** A valid `spec.externalIPs` entry (see external-ip-invalid for the others). */
export interface ExternalIpFact {
  /** As written (decoded). */
  text: string;
  /** The address in one canonical form (IPv6 as RFC 5952), so that equal addresses compare equal. */
  address: string;
  place: Place;
}

/**
 * One `spec` of a core Service that kube-proxy programs (not headless, not ExternalName) with at least
 * one valid externalIP and one port: only such a Service can take another's traffic.
 */
export interface ServiceFact {
  /** Undefined when the manifest gives none (`generateName`): then it is no other Service's definition. */
  name?: string;
  /** Undefined when the manifest leaves it to `kubectl apply -n` (or to a Kustomization). */
  namespace?: string;
  externalIPs: ExternalIpFact[];
  ports: ServicePortFact[];
  documentIndex: number;
}

/**
 * A ValidatingAdmissionPolicy about Service externalIPs (mitigation-not-enforced): only a binding that
 * denies puts it to work, and bindings are often in other files.
 */
export interface AdmissionPolicyFact {
  name: string;
  /** The policy's name. */
  place: Place;
  documentIndex: number;
}

/** A ValidatingAdmissionPolicyBinding: the policy it binds (`spec.policyName`) and its `validationActions`. */
export interface AdmissionBindingFact {
  name: string;
  policyName: string;
  actions: string[];
  /** The binding's name. */
  place: Place;
}

/** A suppression comment, for findings the link phase reports. */
export interface SuppressionFact {
  scope: 'next-line' | 'file';
  line: number;
  /** Lines of the YAML document the comment is in (a `-file` comment covers them). */
  firstLine: number;
  lastLine: number;
  /** Each rule the comment names, with the key of the unused-suppression finding the file reports for it when nothing local used it. */
  mentions: { ruleId: string; unusedKey: string }[];
}

/** A finding a patch file would have if a kustomization's target judged it as some kind (patches/patchFiles.ts). */
export interface PatchFindingFact {
  code: RuleId;
  message: string;
  place: Place;
  /** As the file's options resolve it for this finding. */
  severity: Severity;
  documentIndex: number;
}

/**
 * A file that may be a Kustomize patch file: the keys of its local findings as a patch (judged by its paths,
 * or as its own kind), and its findings under each kind a target can name.
 */
export interface PatchFileFact {
  localKeys: string[];
  variants: Partial<Record<JudgedVariant, PatchFindingFact[]>>;
  /** The rules it writes into a role a `Role` or `ClusterRole` target names: reach analysis adds them to that role's. */
  rules: (PolicyRule & { place: Place })[];
}

/** A kustomization's reference to a patch file (`path:`, or a `patchesStrategicMerge` file name), relative to the kustomization's folder. */
export interface PatchReferenceFact {
  path: string;
  target?: PatchTarget;
  field: 'patches' | 'patchesJson6902' | 'patchesStrategicMerge';
  /** The `path` value. */
  place: Place;
}

/** A kustomization's inline patch with a `target`: the keys of its findings, and the rules it writes into the role its target names. */
export interface InlinePatchFact {
  target: PatchTarget;
  /** The keys of the file's findings inside the patch string (the link relates them to the objects the target selects). */
  findingKeys: string[];
  /** Each where the file writes it. */
  rules: (PolicyRule & { place: Place })[];
}

export interface FileFacts {
  roles: RoleFact[];
  bindings: BindingFact[];
  services: ServiceFact[];
  suppressions: SuppressionFact[];
  admissionPolicies: AdmissionPolicyFact[];
  admissionBindings: AdmissionBindingFact[];
  /** Helm: what a chart's templates render from `.Values`, and values to trace through them (helm/helmFacts.ts). */
  helm?: HelmFacts;
  /** The file as a Kustomize patch file, when it may be one. */
  patchFile?: PatchFileFact;
  /** The patch files the file's kustomizations refer to. */
  patchReferences?: PatchReferenceFact[];
  /** The file's kustomizations' inline patches that have a target. */
  inlinePatches?: InlinePatchFact[];
  /** The file's kustomization's `resources:` (`bases:`, `components:`) entries, as written. */
  kustomizeResources?: string[];
  /** Every core Service whose name is known before rendering: an object a kustomization's patch may target. */
  serviceObjects?: ServiceObjectFact[];
}

export interface ServiceObjectFact {
  name: string;
  namespace?: string;
  /** Its name. */
  place: Place;
}

export function emptyFacts(): FileFacts {
  return { roles: [], bindings: [], services: [], suppressions: [], admissionPolicies: [], admissionBindings: [] };
}

/**
 * Whether the link phase needs the text's facts at all. Linked findings sit on roles, bindings,
 * Services with externalIPs and admission policies (whose bindings count too), Helm values and Kustomize patches
 * (and the kustomizations and objects they name), and a suppression comment only reaches its own document, so a text with
 * none of them has nothing to link: its comments alone are not kept (a file whose suppressed findings
 * are all local is never re-linked).
 */
export function hasFacts(facts: FileFacts): boolean {
  return (
    facts.roles.length > 0 ||
    facts.bindings.length > 0 ||
    facts.services.length > 0 ||
    facts.admissionPolicies.length > 0 ||
    facts.admissionBindings.length > 0 ||
    facts.helm !== undefined ||
    facts.patchFile !== undefined ||
    facts.patchReferences !== undefined ||
    facts.inlinePatches !== undefined ||
    facts.kustomizeResources !== undefined ||
    facts.serviceObjects !== undefined
  );
}

/**
 * Whether two namespaced objects can be in the same namespace: their namespaces are equal, or either
 * leaves it to `kubectl apply -n` (or a Kustomization), so it may be applied to the other's.
 */
export function sameNamespace(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

/** `code:start:end`: a finding's identity within one text (analyze.ts). */
export function findingKey(code: string, start: number, end: number): string {
  return `${code}:${start}:${end}`;
}

/**
 * The facts of a chunk analysed as if it were a file, moved to where the chunk is in its file: offsets
 * by `offsetDelta`, lines by `lineDelta` (characters are unchanged, as chunks start at a line start),
 * document indices by `documentDelta`.
 */
export function shiftFacts(facts: FileFacts, offsetDelta: number, lineDelta: number, documentDelta: number): FileFacts {
  if (offsetDelta === 0 && lineDelta === 0 && documentDelta === 0) return facts;
  const place = (p: Place): Place => ({ start: p.start + offsetDelta, end: p.end + offsetDelta, range: shiftRange(p.range, lineDelta) });
  return {
    roles: facts.roles.map((role) => ({
      ...role,
      place: place(role.place),
      documentIndex: role.documentIndex + documentDelta,
      aggregation: role.aggregation && { ...role.aggregation, place: place(role.aggregation.place) },
      rules: role.rules.map((rule) => ({ ...rule, place: place(rule.place), findingKeys: rule.findingKeys?.map((key) => shiftKey(key, offsetDelta)) })),
    })),
    bindings: facts.bindings.map((binding) => ({
      ...binding,
      place: place(binding.place),
      documentIndex: binding.documentIndex + documentDelta,
      subjects: binding.subjects.map((subject) => ({ ...subject, place: place(subject.place) })),
    })),
    services: facts.services.map((service) => ({
      ...service,
      documentIndex: service.documentIndex + documentDelta,
      externalIPs: service.externalIPs.map((entry) => ({ ...entry, place: place(entry.place) })),
    })),
    admissionPolicies: facts.admissionPolicies.map((policy) => ({ ...policy, place: place(policy.place), documentIndex: policy.documentIndex + documentDelta })),
    admissionBindings: facts.admissionBindings.map((binding) => ({ ...binding, place: place(binding.place) })),
    suppressions: facts.suppressions.map((comment) => ({
      ...comment,
      line: comment.line + lineDelta,
      firstLine: comment.firstLine + lineDelta,
      lastLine: comment.lastLine + lineDelta,
      mentions: comment.mentions.map((mention) => ({ ...mention, unusedKey: shiftKey(mention.unusedKey, offsetDelta) })),
    })),
    ...(facts.helm ? { helm: shiftHelmFacts(facts.helm, place, documentDelta) } : {}),
    ...(facts.patchFile ? { patchFile: shiftPatchFile(facts.patchFile, place, offsetDelta, documentDelta) } : {}),
    ...(facts.patchReferences ? { patchReferences: facts.patchReferences.map((reference) => ({ ...reference, place: place(reference.place) })) } : {}),
    ...(facts.inlinePatches
      ? {
          inlinePatches: facts.inlinePatches.map((patch) => ({
            ...patch,
            findingKeys: patch.findingKeys.map((key) => shiftKey(key, offsetDelta)),
            rules: patch.rules.map((rule) => ({ ...rule, place: place(rule.place) })),
          })),
        }
      : {}),
    ...(facts.serviceObjects ? { serviceObjects: facts.serviceObjects.map((service) => ({ ...service, place: place(service.place) })) } : {}),
  };
}

function shiftPatchFile(fact: PatchFileFact, place: (p: Place) => Place, offsetDelta: number, documentDelta: number): PatchFileFact {
  const variants: PatchFileFact['variants'] = {};
  for (const [variant, findings] of Object.entries(fact.variants) as [JudgedVariant, PatchFindingFact[]][]) {
    variants[variant] = findings.map((finding) => ({ ...finding, place: place(finding.place), documentIndex: finding.documentIndex + documentDelta }));
  }
  return { localKeys: fact.localKeys.map((key) => shiftKey(key, offsetDelta)), variants, rules: fact.rules.map((rule) => ({ ...rule, place: place(rule.place) })) };
}

/** Adds a document's (or chunk's) patch-file facts to the file's. */
export function addPatchFile(facts: FileFacts, fact: PatchFileFact): void {
  const into = (facts.patchFile ??= { localKeys: [], variants: {}, rules: [] });
  for (const key of fact.localKeys) into.localKeys.push(key);
  for (const rule of fact.rules) into.rules.push(rule);
  for (const [variant, findings] of Object.entries(fact.variants) as [JudgedVariant, PatchFindingFact[]][]) (into.variants[variant] ??= []).push(...findings);
}

export function shiftRange(range: Range, lineDelta: number): Range {
  return {
    start: { line: range.start.line + lineDelta, character: range.start.character },
    end: { line: range.end.line + lineDelta, character: range.end.character },
  };
}

/** The rule id (or other finding code) a finding key (`findingKey`) is of. */
export function findingKeyCode(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

/** A finding key (`findingKey`) for the same finding `offsetDelta` further on in the text. */
export function shiftKey(key: string, offsetDelta: number): string {
  const [code, start, end] = key.split(':');
  return findingKey(code, Number(start) + offsetDelta, Number(end) + offsetDelta);
}
