// One node, several objects: a node written once under an anchor (`&name`) is part of every object
// that reaches it through an alias (`*name`) or a `<<` merge key, and Kubernetes sees it in each of them.
// The node keeps its own finding where it is written; each alias or merge key through which an object
// reaches it gets one finding per rule (at most: an alias bomb stays linear), with the node(s) behind
// it as related locations. This module groups those findings; analyze.ts places and reports them.
import { Document, isMap, YAMLMap, YAMLSeq } from 'yaml';
import { AliasedItems, ManifestObject } from './manifests';
import { RuleFinding } from './rules/ruleTypes';
import { RuleId } from './types';
import { findingKey } from './workspace/facts';
import { resolveNode, Via } from './yamlModel';

/** Related locations kept per alias and rule (and findings per rule behind one node): enough to follow, bounded for bombs. */
const MAX_NODES_PER_ALIAS = 20;

/** The finding an alias or merge key gets for one rule: the first rule finding behind it, and where the others are. */
export interface AliasGroup {
  via: Via;
  ruleId: RuleId;
  first: RuleFinding;
  /** Spans of the nodes behind the alias that have this rule's finding (distinct, in order found). */
  nodes: { start: number; end: number }[];
}

/** Collects rule findings by the alias (or merge key) through which their object reaches them. */
export class AliasFindingGroups {
  private readonly groups = new Map<string, AliasGroup>();

  /** Adds a finding behind `via` (whose span the caller has already trimmed). */
  add(via: Via, finding: RuleFinding): void {
    const key = findingKey(finding.ruleId, via.start, via.end);
    let group = this.groups.get(key);
    if (!group) {
      group = { via, ruleId: finding.ruleId, first: finding, nodes: [] };
      this.groups.set(key, group);
    }
    const known = group.nodes.some((node) => node.start === finding.start && node.end === finding.end);
    if (!known && group.nodes.length < MAX_NODES_PER_ALIAS) group.nodes.push({ start: finding.start, end: finding.end });
  }

  all(): IterableIterator<AliasGroup> {
    return this.groups.values();
  }
}

/**
 * The rule findings of every object behind a List's aliased items (an object's map, or an `items`
 * sequence): the object's own, and those of the objects in its own `items`, recursively. Memoised per
 * node and capped per rule, so each node is summed up once however many aliases reach it.
 */
export class FindingsBehindObjects {
  private readonly objectsByMap = new Map<YAMLMap, ManifestObject>();
  private readonly findingsByMap = new Map<YAMLMap, RuleFinding[]>();
  private readonly memo = new Map<YAMLMap | YAMLSeq, RuleFinding[]>();

  constructor(private readonly document: Document) {}

  /** Records an object's findings (those that are reported: not off, not in a template action). */
  addObject(object: ManifestObject, findings: RuleFinding[]): void {
    this.objectsByMap.set(object.map.node, object);
    this.findingsByMap.set(object.map.node, findings);
  }

  /** Whether `node` is one object's map, not a List's (nor an `items` sequence). */
  isSingleObject(node: YAMLMap | YAMLSeq): boolean {
    return isMap(node) && this.objectsByMap.get(node)?.itemLists.length === 0;
  }

  behind(items: AliasedItems): RuleFinding[] {
    return this.of(items.node);
  }

  private of(node: YAMLMap | YAMLSeq): RuleFinding[] {
    const known = this.memo.get(node);
    if (known) return known;
    // Set before descending: a List that holds itself (`items: &b [*b]`) adds nothing the second time.
    const result: RuleFinding[] = [];
    this.memo.set(node, result);
    const perRule = new Map<RuleId, number>();
    const take = (findings: readonly RuleFinding[]) => {
      for (const finding of findings) {
        const count = perRule.get(finding.ruleId) ?? 0;
        if (count >= MAX_NODES_PER_ALIAS) continue;
        perRule.set(finding.ruleId, count + 1);
        result.push(finding);
      }
    };
    if (isMap(node)) {
      take(this.findingsByMap.get(node) ?? []);
      for (const list of this.objectsByMap.get(node)?.itemLists ?? []) take(this.of(list));
    } else {
      for (const item of node.items) {
        const target = resolveNode(this.document, item);
        if (isMap(target)) take(this.of(target));
      }
    }
    return result;
  }
}
