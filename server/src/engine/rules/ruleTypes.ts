// What a rule reports before severities, suppressions and positions are applied, plus the parsed
// nodes a fix needs to edit. Internal to the engine.
import { Document, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { ParsedCidr } from '../ipAddresses';
import type { ApiServerConfig } from './apiServerConfig';
import { Grant } from '../rbac/matching';
import { Permission } from '../rbac/permissions';
import { ManifestObject } from '../manifests';
import { Located, nodeSpan, Via } from '../yamlModel';
import { RuleId, Severity } from '../types';
import type { EmbeddedText } from '../embeddedText';
import type { SourceDocument } from '../yamlParse';

export interface RuleContext {
  /** The analysed text, where findings about part of a scalar are placed. */
  text: string;
  document: Document;
  allowedCidrs: readonly ParsedCidr[];
}

/** The `externalIPs` entry a finding is about, and the containers a removal must edit. */
export interface ExternalIpTarget {
  kind: 'external-ip';
  /** The entry, and the list holding it; absent when `externalIPs` itself is not a list. */
  entry?: Located;
  list?: Located<YAMLSeq>;
  /** The `externalIPs: …` pair in the Service's spec. */
  listPair: Pair;
  spec: YAMLMap;
  /** The /32 or /128 to allow, when the entry is a valid address. */
  allowCidr?: string;
  /**
   * When a JSON patch operation writes the list (`/spec/externalIPs`) or the entry (`/spec/externalIPs/-`) as
   * its `value` (`listPair`, in the operation's map `spec`): the operation, which a fix removes rather than
   * its `value` key (an operation without its value is invalid).
   */
  patchOp?: PatchOperation;
}

/** One operation of a JSON 6902 patch (an item of the operation list). */
export interface PatchOperation {
  op: Located<YAMLMap>;
  ops: Located<YAMLSeq>;
}

/** A finding about what a JSON patch operation writes as a whole: its fix removes the operation. */
export interface PatchOperationTarget extends PatchOperation {
  kind: 'patch-op';
}

export interface LoadBalancerIngressTarget {
  kind: 'loadbalancer-ingress';
  /** Path of maps from the object down: [object, status, loadBalancer], with the pairs that hold them. */
  chain: { map: YAMLMap; pair: Pair }[];
  ingressPair: Pair;
  shared: boolean;
}

export interface RbacRuleTarget {
  kind: 'rbac-rule';
  rule: Located<YAMLMap>;
  rules: Located<YAMLSeq>;
  /** The permission the rule grants, and the entries of each of its lists that grant it. */
  permission: Permission;
  grant: Grant;
}

/**
 * A mitigation's setting that decides whether it blocks (Kyverno's failure action, Gatekeeper's
 * enforcementAction, a webhook's failurePolicy), written as a scalar, and the value that makes it block.
 */
export interface EnforcementSettingTarget {
  kind: 'enforcement-setting';
  map: YAMLMap;
  pair: Pair;
  value: Located;
  /** What the fix writes instead (`Enforce`, `deny`, `Fail`). */
  enforcing: string;
}

/** A finding no edit of the manifest resolves safely: what the mitigation should block is the author's decision. */
export interface ReportOnlyTarget {
  kind: 'report-only';
}

/** A kube-apiserver configuration (a container, or kubeadm's apiServer section) and the object holding it. */
export interface ApiServerAdmissionTarget {
  kind: 'api-server-admission';
  object: Located<YAMLMap>;
  config: ApiServerConfig;
}

export type FindingTarget =
  | ExternalIpTarget
  | LoadBalancerIngressTarget
  | RbacRuleTarget
  | EnforcementSettingTarget
  | ReportOnlyTarget
  | PatchOperationTarget
  | ApiServerAdmissionTarget;

export interface RuleFinding {
  ruleId: RuleId;
  message: string;
  /** The node the finding is about, where it is written (inside the anchored text when it is shared). */
  start: number;
  end: number;
  /** The alias or merge key through which the object reaches that node, when it does. */
  via?: Via;
  /** A severity this finding has when the user did not configure the rule (e.g. aggregated ClusterRoles). */
  defaultSeverity?: Severity;
  /**
   * The most severe this finding can be, configured or not (a Service where kube-proxy ignores externalIPs
   * intercepts nothing: its finding is information at most, however serious the rule is set to be).
   */
  severityCap?: Severity;
  target: FindingTarget;
  /** Set when start/end were mapped from text embedded in a string scalar: the target's nodes are that text's. */
  embedded?: EmbeddedSource;
}

/** The text a finding was found in when it is embedded in a string scalar (a Kustomize inline patch). */
export interface EmbeddedSource {
  text: EmbeddedText;
  /** The embedded text parsed, and the index of the finding's document in it. */
  documents: SourceDocument[];
  documentIndex: number;
  /** What holds the string in the file: the pair (`patch: …`) or the sequence item (a `patchesStrategicMerge` entry). */
  holder: unknown;
}

export type Rule = (context: RuleContext, object: ManifestObject) => RuleFinding[];

/**
 * Where a finding about a node goes: the node as its anchor writes it (the anchored node's own finding),
 * and the alias or merge key through which this object reaches it (the object's own finding, analyze.ts).
 */
export function placeOf(located: Located): Pick<RuleFinding, 'start' | 'end' | 'via'> {
  return { ...nodeSpan(located.node), ...(located.via ? { via: located.via } : {}) };
}
