// What a rule reports before severities, suppressions and positions are applied, plus the parsed
// nodes a fix needs to edit. Internal to the engine.
import { Document, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { ParsedCidr } from '../ipAddresses';
import type { ApiServerConfig } from './apiServerConfig';
import { Grant } from '../rbac/matching';
import { ManifestObject } from '../manifests';
import { Located, nodeSpan, Via } from '../yamlModel';
import { RuleId, Severity } from '../types';

export interface RuleContext {
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
  grant: ServicesStatusGrant;
}

/** Why an RBAC rule grants writes on services/status: the entries that match in each list. */
export type ServicesStatusGrant = Grant;

/** A kube-apiserver configuration (a container, or kubeadm's apiServer section) and the object holding it. */
export interface ApiServerAdmissionTarget {
  kind: 'api-server-admission';
  object: Located<YAMLMap>;
  config: ApiServerConfig;
}

export type FindingTarget = ExternalIpTarget | LoadBalancerIngressTarget | RbacRuleTarget | ApiServerAdmissionTarget;

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
}

export type Rule = (context: RuleContext, object: ManifestObject) => RuleFinding[];

/**
 * Where a finding about a node goes: the node as its anchor writes it (the anchored node's own finding),
 * and the alias or merge key through which this object reaches it (the object's own finding, analyze.ts).
 */
export function placeOf(located: Located): Pick<RuleFinding, 'start' | 'end' | 'via'> {
  return { ...nodeSpan(located.node), ...(located.via ? { via: located.via } : {}) };
}
