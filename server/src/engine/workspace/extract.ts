// Extracts the link phase's facts from one object of a parsed document: roles with their labels,
// aggregation selectors and rules, and bindings with their roleRef and subjects, each with its place.
// Where a key is written twice, the first reading is taken for names and labels; rules are read from
// every reading of their lists, as the per-document rule reads them.
import { Document, isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';
import { LineIndex } from '../lineIndex';
import { isObjectOf, ManifestObject } from '../manifests';
import { AUTOUPDATE_ANNOTATION, LabelSelector, LabelSelectorRequirement, SelectorOperator } from '../rbac/model';
import { childMaps, Located, mapKeys, mapValues, nodeSpan, scalarValues, sequenceItems, stringListValues } from '../yamlModel';
import { BindingFact, FileFacts, Place, RBAC_API_VERSION, RoleFact, RuleFact, SubjectFact } from './facts';

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Whether [start, end) is (partly) a Helm template action: a value known only after rendering. */
export type RenderedOnly = (start: number, end: number) => boolean;

export class FactExtractor {
  constructor(
    private readonly text: string,
    private readonly lines: LineIndex,
  ) {}

  /**
   * Adds the facts of `object` to `facts`; `ruleNodes` maps each rule's map node to its fact, so findings
   * can be tied to them. Names that only rendering tells (`{{ }}` in a Helm template) link to nothing:
   * a binding with such a roleRef, or a subject with such a name or namespace, is left out.
   */
  extract(
    document: Document,
    object: ManifestObject,
    documentIndex: number,
    facts: FileFacts,
    ruleNodes: Map<unknown, RuleFact>,
    renderedOnly: RenderedOnly,
  ): void {
    this.renderedOnly = renderedOnly;
    if (isObjectOf(object, RBAC_API_VERSION, ['Role', 'ClusterRole'])) {
      facts.roles.push(this.role(document, object, documentIndex, ruleNodes));
    } else if (isObjectOf(object, RBAC_API_VERSION, ['RoleBinding', 'ClusterRoleBinding'])) {
      const binding = this.binding(document, object, documentIndex);
      if (binding) facts.bindings.push(binding);
    }
  }

  private renderedOnly: RenderedOnly = () => false;

  /** The first reading of a scalar, or undefined when it is missing or known only after rendering. */
  private known(document: Document, map: Located<YAMLMap> | undefined, key: string): string | undefined {
    if (!map) return undefined;
    const value = mapValues(document, map, key)[0];
    if (!value) return undefined;
    const span = nodeSpan(value.written);
    if (this.renderedOnly(span.start, span.end)) return undefined;
    return scalarValues(document, map, key)[0];
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
        const located = rule as Located<YAMLMap>;
        const fact: RuleFact = {
          apiGroups: stringListValues(document, located, 'apiGroups'),
          resources: stringListValues(document, located, 'resources'),
          verbs: stringListValues(document, located, 'verbs'),
          place: this.place(rule.written),
        };
        const resourceNames = stringListValues(document, located, 'resourceNames');
        if (resourceNames.length > 0) fact.resourceNames = resourceNames;
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
        role.aggregation = { selectors, place: this.place(aggregation.pair.key as never) };
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
    const namespace = this.known(document, metadata, 'namespace');
    if (namespace !== undefined && !isClusterBinding) binding.namespace = namespace;
    if (metadata && namespace === undefined && mapValues(document, metadata, 'namespace').length > 0) return undefined;
    for (const list of mapValues(document, object.map, 'subjects')) {
      if (!isSeq(list.node)) continue;
      for (const item of sequenceItems(document, list as Located<YAMLSeq>)) {
        if (!isMap(item.node)) continue;
        const entry = item as Located<YAMLMap>;
        const [kind, name] = [this.known(document, entry, 'kind'), this.known(document, entry, 'name')];
        if (kind === undefined || name === undefined) continue;
        const subject: SubjectFact = { kind, name, place: this.place(item.written) };
        const subjectNamespace = this.known(document, entry, 'namespace');
        if (subjectNamespace === undefined && mapValues(document, entry, 'namespace').length > 0) continue;
        if (subjectNamespace !== undefined && subjectNamespace !== '') subject.namespace = subjectNamespace;
        binding.subjects.push(subject);
      }
    }
    return binding;
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
    const span = nodeSpan(node);
    let end = span.end;
    // Block nodes run to the next line; a place ends at its last visible character.
    while (end > span.start && /\s/.test(this.text[end - 1])) end--;
    return { start: span.start, end, range: this.lines.rangeOf(span.start, end) };
  }
}
