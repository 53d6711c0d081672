// Extracts the link phase's facts from one object of a parsed document: roles with their labels,
// aggregation selectors and rules, bindings with their roleRef and subjects, and Services with their
// externalIPs and ports, each with its place.
// Where a key is written twice, the first reading is taken for names and labels; rules are read from
// every reading of their lists, as the per-document rule reads them.
import { Document, isMap, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { checkExternalIP } from '../ipAddresses';
import { LineIndex } from '../lineIndex';
import { isObjectOf, ManifestObject } from '../manifests';
import { ADMISSION_POLICY_BINDING_KIND, ADMISSION_POLICY_KIND, isAdmissionObject, mentionsExternalIps } from '../mitigationObjects';
import { AUTOUPDATE_ANNOTATION, LabelSelector, LabelSelectorRequirement, PolicyRule, SelectorOperator } from '../rbac/model';
import { externalIpsIgnoredReason } from '../serviceSpec';
import {
  childMaps,
  goYamlInteger,
  isNonStringPlainScalar,
  listItems,
  Located,
  mapKeys,
  mapValues,
  nodeSpan,
  scalarString,
  scalarValues,
  sequenceItems,
  stringListValues,
  ValueNode,
} from '../yamlModel';
import { emptyHelmFacts } from '../helm/helmFacts';
import { releaseFacts } from '../helm/releases';
import { inlinePatches, kustomizationPatchReferences, kustomizationResources } from '../patches/patchFiles';
import { AdmissionBindingFact, AdmissionPolicyFact, BindingFact, ExternalIpFact, FileFacts, Place, RBAC_API_VERSION, RoleFact, RuleFact, ServiceFact, ServicePortFact, ServiceProtocol, SubjectFact } from './facts';

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const PROTOCOLS: readonly ServiceProtocol[] = ['TCP', 'UDP', 'SCTP'];
const MAX_PORT = 65535;

/** A rule as RBAC reads it: the string lists of every reading of its keys. */
export function policyRuleOf(document: Document, rule: Located<YAMLMap>): PolicyRule {
  const policyRule: PolicyRule = {
    apiGroups: stringListValues(document, rule, 'apiGroups'),
    resources: stringListValues(document, rule, 'resources'),
    verbs: stringListValues(document, rule, 'verbs'),
  };
  const resourceNames = stringListValues(document, rule, 'resourceNames');
  if (resourceNames.length > 0) policyRule.resourceNames = resourceNames;
  return policyRule;
}

/** Whether [start, end) is (partly) a Helm template action: a value known only after rendering. */
export type RenderedOnly = (start: number, end: number) => boolean;

/** Where one document's facts go, and what of its text only rendering tells. */
export interface DocumentFactsTarget {
  document: Document;
  documentIndex: number;
  facts: FileFacts;
  /** Each rule's map node to its fact, so the document's findings can be tied to them. */
  ruleNodes: Map<unknown, RuleFact>;
  renderedOnly: RenderedOnly;
  /** The string spans of the inline patches pushed to `facts.inlinePatches`, in order (their findings' keys are added once the document is judged). */
  inlinePatchSpans?: { start: number; end: number }[];
}

/** What a scalar key holds: its first scalar reading (and its node), or that only rendering tells. */
type Reading = { value?: string; node?: ValueNode; renderedOnly?: true };

/**
 * Extracts the facts of one document, object by object. Names that only rendering tells (`{{ }}` in a
 * Helm template) link to nothing: a binding with such a roleRef or namespace, or a subject with such a
 * kind, name or namespace, is left out, and such a role name is left empty.
 */
export class FactExtractor {
  constructor(
    private readonly text: string,
    private readonly lines: LineIndex,
    private readonly target: DocumentFactsTarget,
  ) {}

  extract(object: ManifestObject): void {
    const { document, documentIndex, facts } = this.target;
    if (isObjectOf(object, RBAC_API_VERSION, ['Role', 'ClusterRole'])) {
      facts.roles.push(this.role(document, object, documentIndex, this.target.ruleNodes));
    } else if (isObjectOf(object, RBAC_API_VERSION, ['RoleBinding', 'ClusterRoleBinding'])) {
      const binding = this.binding(document, object, documentIndex);
      if (binding) facts.bindings.push(binding);
    } else if (isObjectOf(object, 'v1', ['Service'])) {
      for (const service of this.services(document, object, documentIndex)) facts.services.push(service);
      const metadata = childMaps(document, object.map, 'metadata')[0];
      const [name, namespace] = [this.known(document, metadata, 'name'), this.reading(document, metadata, 'namespace')];
      if (name !== undefined && !namespace.renderedOnly) {
        (facts.serviceObjects ??= []).push({ name, ...(namespace.value ? { namespace: namespace.value } : {}), place: this.namePlace(document, object, metadata) });
      }
    } else if (isAdmissionObject(object, [ADMISSION_POLICY_KIND])) {
      const policy = this.admissionPolicy(document, object, documentIndex);
      if (policy) facts.admissionPolicies.push(policy);
    } else if (isAdmissionObject(object, [ADMISSION_POLICY_BINDING_KIND])) {
      const binding = this.admissionBinding(document, object);
      if (binding) facts.admissionBindings.push(binding);
    } else {
      const references = kustomizationPatchReferences(document, object);
      if (references.length > 0) {
        const facts = (this.target.facts.patchReferences ??= []);
        for (const { span, ...reference } of references) facts.push({ ...reference, place: this.spanPlace(span) });
      }
      const resources = kustomizationResources(document, object);
      if (resources) (this.target.facts.kustomizeResources ??= []).push(...resources);
      for (const { target, span, rules } of inlinePatches(this.text, document, object)) {
        const placed = rules.map(({ rule, document: patch, start, end }) => ({ ...policyRuleOf(patch, rule), place: this.spanPlace({ start, end }) }));
        (this.target.facts.inlinePatches ??= []).push({ target, findingKeys: [], rules: placed });
        this.target.inlinePatchSpans?.push(span);
      }
      const releases = releaseFacts(document, object, this.text, (span) => this.spanPlace(span), documentIndex);
      if (releases.length > 0) (facts.helm ??= emptyHelmFacts()).releases.push(...releases);
    }
  }

  /** A policy about Service externalIPs with a name known before rendering; the mitigation rule judges the others locally. */
  private admissionPolicy(document: Document, object: ManifestObject, documentIndex: number): AdmissionPolicyFact | undefined {
    if (!childMaps(document, object.map, 'spec').some((spec) => mentionsExternalIps(document, spec.node))) return undefined;
    const metadata = childMaps(document, object.map, 'metadata')[0];
    const name = this.known(document, metadata, 'name');
    return name === undefined ? undefined : { name, place: this.namePlace(document, object, metadata), documentIndex };
  }

  /** A binding whose policyName is known before rendering; `validationActions` from every reading of the spec. */
  private admissionBinding(document: Document, object: ManifestObject): AdmissionBindingFact | undefined {
    const specs = childMaps(document, object.map, 'spec');
    const policyName = specs.map((spec) => this.reading(document, spec, 'policyName')).find((reading) => reading.value !== undefined || reading.renderedOnly);
    if (policyName?.value === undefined) return undefined;
    const metadata = childMaps(document, object.map, 'metadata')[0];
    const actions = specs.flatMap((spec) => stringListValues(document, spec, 'validationActions'));
    return { name: this.known(document, metadata, 'name') ?? '', policyName: policyName.value, actions, place: this.namePlace(document, object, metadata) };
  }

  private reading(document: Document, map: Located<YAMLMap> | undefined, key: string): Reading {
    for (const value of map ? mapValues(document, map, key) : []) {
      const text = scalarString(value.node);
      if (text === undefined) continue;
      const span = nodeSpan(value.written);
      return this.target.renderedOnly(span.start, span.end) ? { renderedOnly: true } : { value: text, node: value.node };
    }
    return {};
  }

  /** The first scalar reading of `key`, or undefined when there is none or only rendering tells it. */
  private known(document: Document, map: Located<YAMLMap> | undefined, key: string): string | undefined {
    return this.reading(document, map, key).value;
  }

  private role(document: Document, object: ManifestObject, documentIndex: number, ruleNodes: Map<unknown, RuleFact>): RoleFact {
    const isClusterRole = object.kinds.includes('ClusterRole');
    const metadata = childMaps(document, object.map, 'metadata')[0];
    const role: RoleFact = {
      kind: isClusterRole ? 'ClusterRole' : 'Role',
      name: this.known(document, metadata, 'name') ?? '',
      labels: metadata ? this.stringMap(document, metadata, 'labels') : {},
      autoupdate: !metadata || this.stringMap(document, metadata, 'annotations')[AUTOUPDATE_ANNOTATION] !== 'false',
      rules: [],
      place: this.namePlace(document, object, metadata),
      documentIndex,
    };
    const namespace = this.known(document, metadata, 'namespace');
    if (namespace !== undefined && !isClusterRole) role.namespace = namespace;
    for (const rules of mapValues(document, object.map, 'rules')) {
      if (!isSeq(rules.node)) continue;
      for (const rule of sequenceItems(document, rules as Located<YAMLSeq>)) {
        if (!isMap(rule.node)) continue;
        const fact: RuleFact = { ...policyRuleOf(document, rule as Located<YAMLMap>), place: this.place(rule.written) };
        role.rules.push(fact);
        ruleNodes.set(rule.node, fact);
      }
    }
    if (isClusterRole) {
      const aggregation = mapValues(document, object.map, 'aggregationRule').find((value) => isMap(value.node));
      if (aggregation?.pair) {
        const selectors: LabelSelector[] = [];
        for (const list of mapValues(document, aggregation as Located<YAMLMap>, 'clusterRoleSelectors')) {
          if (!isSeq(list.node)) continue;
          for (const item of sequenceItems(document, list as Located<YAMLSeq>)) {
            if (isMap(item.node)) selectors.push(this.selector(document, item as Located<YAMLMap>));
          }
        }
        role.aggregation = { selectors, place: this.place(aggregation.pair.key as Scalar) };
      }
    }
    return role;
  }

  private binding(document: Document, object: ManifestObject, documentIndex: number): BindingFact | undefined {
    const roleRef = childMaps(document, object.map, 'roleRef')[0];
    const roleName = this.known(document, roleRef, 'name');
    if (!roleRef || roleName === undefined) return undefined;
    const metadata = childMaps(document, object.map, 'metadata')[0];
    const isClusterBinding = object.kinds.includes('ClusterRoleBinding');
    const binding: BindingFact = {
      kind: isClusterBinding ? 'ClusterRoleBinding' : 'RoleBinding',
      name: this.known(document, metadata, 'name') ?? '',
      roleRef: { kind: this.known(document, roleRef, 'kind') ?? '', name: roleName },
      subjects: [],
      place: this.namePlace(document, object, metadata),
      documentIndex,
    };
    const namespace = this.reading(document, metadata, 'namespace');
    if (namespace.renderedOnly) return undefined;
    if (namespace.value !== undefined && !isClusterBinding) binding.namespace = namespace.value;
    for (const list of mapValues(document, object.map, 'subjects')) {
      if (!isSeq(list.node)) continue;
      for (const item of sequenceItems(document, list as Located<YAMLSeq>)) {
        if (!isMap(item.node)) continue;
        const entry = item as Located<YAMLMap>;
        const [kind, name] = [this.known(document, entry, 'kind'), this.known(document, entry, 'name')];
        if (kind === undefined || name === undefined) continue;
        const subject: SubjectFact = { kind, name, place: this.place(item.written) };
        const subjectNamespace = this.reading(document, entry, 'namespace');
        if (subjectNamespace.renderedOnly) continue;
        if (subjectNamespace.value !== undefined && subjectNamespace.value !== '') subject.namespace = subjectNamespace.value;
        binding.subjects.push(subject);
      }
    }
    return binding;
  }

  /**
   * One fact per `spec` (a decoder takes one of several), for specs kube-proxy programs that hold a
   * valid externalIP and a port; none for most Services, which have no externalIPs.
   */
  private services(document: Document, object: ManifestObject, documentIndex: number): ServiceFact[] {
    const specs = childMaps(document, object.map, 'spec').filter((spec) => mapValues(document, spec, 'externalIPs').length > 0);
    if (specs.length === 0) return [];
    const metadata = childMaps(document, object.map, 'metadata')[0];
    const [name, namespace] = [this.reading(document, metadata, 'name'), this.reading(document, metadata, 'namespace')];
    if (name.renderedOnly || namespace.renderedOnly) return [];
    const services: ServiceFact[] = [];
    for (const spec of specs) {
      // kube-proxy programs nothing for headless and ExternalName Services, their externalIPs included.
      if (externalIpsIgnoredReason(document, spec) !== undefined) continue;
      const externalIPs = this.externalIps(document, spec);
      const ports = externalIPs.length > 0 ? this.ports(document, spec) : [];
      if (ports.length === 0) continue;
      const service: ServiceFact = { externalIPs, ports, documentIndex };
      if (name.value !== undefined) service.name = name.value;
      if (namespace.value !== undefined && namespace.value !== '') service.namespace = namespace.value;
      services.push(service);
    }
    return services;
  }

  /** The entries external-ip-invalid accepts, as addresses; the others are never compared. */
  private externalIps(document: Document, spec: Located<YAMLMap>): ExternalIpFact[] {
    const entries: ExternalIpFact[] = [];
    for (const item of listItems(document, spec, 'externalIPs')) {
      const text = scalarString(item.node);
      if (text === undefined || (isScalar(item.node) && isNonStringPlainScalar(item.node))) continue;
      const span = nodeSpan(item.written);
      if (this.target.renderedOnly(span.start, span.end)) continue;
      const check = checkExternalIP(text);
      // An entry this Service reaches through an alias or merge key is its claim there (where another
      // Service may write the same node).
      if (check.ok) entries.push({ text, address: check.address.toString(), place: item.via ? this.spanPlace(item.via) : this.place(item.written) });
    }
    return entries;
  }

  /** Each `spec.ports` entry the API server accepts: a port 1-65535 and a protocol (TCP when omitted). */
  private ports(document: Document, spec: Located<YAMLMap>): ServicePortFact[] {
    const ports: ServicePortFact[] = [];
    for (const item of listItems(document, spec, 'ports')) {
      if (!isMap(item.node)) continue;
      const entry = item as Located<YAMLMap>;
      const [port, protocol] = [this.reading(document, entry, 'port'), this.reading(document, entry, 'protocol')];
      const number = goYamlInteger(port.node);
      if (number === undefined || number < 1 || number > MAX_PORT || protocol.renderedOnly) continue;
      const name = (protocol.value ?? 'TCP') as ServiceProtocol;
      if (PROTOCOLS.includes(name)) ports.push({ port: number, protocol: name });
    }
    return ports;
  }

  private selector(document: Document, map: Located<YAMLMap>): LabelSelector {
    const selector: LabelSelector = { matchLabels: this.stringMap(document, map, 'matchLabels'), matchExpressions: [] };
    for (const list of mapValues(document, map, 'matchExpressions')) {
      if (!isSeq(list.node)) continue;
      for (const item of sequenceItems(document, list as Located<YAMLSeq>)) {
        if (!isMap(item.node)) continue;
        const expression = item as Located<YAMLMap>;
        const operator = scalarValues(document, expression, 'operator')[0] as SelectorOperator | undefined;
        const key = scalarValues(document, expression, 'key')[0];
        // The API server rejects an unknown operator; such a selector selects nothing.
        const requirement: LabelSelectorRequirement =
          key !== undefined && operator !== undefined && OPERATORS.includes(operator)
            ? { key, operator, values: stringListValues(document, expression, 'values') }
            : { key: key ?? '', operator: 'In', values: [] };
        selector.matchExpressions.push(requirement);
      }
    }
    return selector;
  }

  /** A map of strings (labels, annotations, matchLabels): the first reading of each key. */
  private stringMap(document: Document, parent: Located<YAMLMap>, key: string): Record<string, string> {
    const result: Record<string, string> = {};
    const map = childMaps(document, parent, key)[0];
    if (!map) return result;
    for (const name of mapKeys(document, map)) {
      const value = scalarValues(document, map, name)[0];
      if (value !== undefined) result[name] = value;
    }
    return result;
  }

  private namePlace(document: Document, object: ManifestObject, metadata: Located<YAMLMap> | undefined): Place {
    const name = metadata && mapValues(document, metadata, 'name')[0];
    return this.place(name ? name.written : object.map.written);
  }

  private place(node: Parameters<typeof nodeSpan>[0]): Place {
    return this.spanPlace(nodeSpan(node));
  }

  private spanPlace(span: { start: number; end: number }): Place {
    let end = span.end;
    // Block nodes run to the next line; a place ends at its last visible character.
    while (end > span.start && /\s/.test(this.text[end - 1])) end--;
    return { start: span.start, end, range: this.lines.rangeOf(span.start, end) };
  }
}
