// A small value model both inputs (YAML nodes, plain JSON) are converted to, so one validator
// serves the policy file and the editor settings.
import { Document, isAlias, isMap, isScalar, isSeq, Node } from 'yaml';


export type Span = readonly [number, number];

export type Value =
  | { kind: 'null'; span?: Span }
  | { kind: 'scalar'; value: unknown; span?: Span }
  | { kind: 'list'; items: Value[]; span?: Span }
  | { kind: 'map'; entries: { key: Value; value: Value }[]; span?: Span }
  | { kind: 'invalid'; reason: string; span?: Span };

// Validation looks at most three levels deep (file -> key -> list item / rule); deeper content is
// never needed, so conversion stops there and bounded work is guaranteed.
const MAX_CONVERT_DEPTH = 3;

function nodeSpan(node: Node | null | undefined): Span | undefined {
  return node?.range ? [node.range[0], node.range[1]] : undefined;
}

export function fromYamlNode(document: Document, node: unknown, depth: number, fallbackSpan?: Span): Value {
  if (node === null || node === undefined) return { kind: 'null', span: fallbackSpan };
  if (isAlias(node)) {
    const span = nodeSpan(node);
    const target = node.resolve(document);
    if (!target) return { kind: 'invalid', reason: `alias *${node.source} has no matching anchor`, span };
    // Report problems at the alias: that is where the value is used.
    const resolved = fromYamlNode(document, target, depth, span);
    return { ...resolved, span } as Value;
  }
  const span = nodeSpan(node as Node);
  if (isScalar(node)) {
    if (node.value === null) return { kind: 'null', span: span && span[0] < span[1] ? span : fallbackSpan };
    return { kind: 'scalar', value: node.value, span };
  }
  if (isSeq(node)) {
    const items = depth >= MAX_CONVERT_DEPTH ? [] : node.items.map((item) => fromYamlNode(document, item, depth + 1));
    return { kind: 'list', items, span };
  }
  if (isMap(node)) {
    const entries =
      depth >= MAX_CONVERT_DEPTH
        ? []
        : node.items.map((pair) => {
            const key = fromYamlNode(document, pair.key, depth + 1);
            return { key, value: fromYamlNode(document, pair.value, depth + 1, key.span) };
          });
    return { kind: 'map', entries, span };
  }
  return { kind: 'invalid', reason: 'unsupported YAML node', span };
}

export function fromPlain(raw: unknown, depth: number): Value {
  if (raw === null || raw === undefined) return { kind: 'null' };
  if (Array.isArray(raw)) {
    return { kind: 'list', items: depth >= MAX_CONVERT_DEPTH ? [] : raw.map((item) => fromPlain(item, depth + 1)) };
  }
  if (typeof raw === 'object') {
    const entries =
      depth >= MAX_CONVERT_DEPTH
        ? []
        : Object.entries(raw as Record<string, unknown>).map(([key, value]) => ({
            key: { kind: 'scalar', value: key } as Value,
            value: fromPlain(value, depth + 1),
          }));
    return { kind: 'map', entries };
  }
  return { kind: 'scalar', value: raw };
}

export function describe(value: Value): string {
  switch (value.kind) {
    case 'null':
      return 'nothing';
    case 'list':
      return 'a list';
    case 'map':
      return 'a mapping';
    case 'invalid':
      return value.reason;
    case 'scalar':
      if (typeof value.value === 'string') return JSON.stringify(value.value);
      if (value.value instanceof Uint8Array) return 'binary data';
      return `${typeof value.value} ${String(value.value)}`;
  }
}

export function isString(value: Value): value is { kind: 'scalar'; value: string; span?: Span } {
  return value.kind === 'scalar' && typeof value.value === 'string';
}
