// The removal fix of an externalIP written as a Helm value: the link phase reports an address of a values
// list (a chart's values file, a HelmRelease's `spec.values`, an Application's `helm.valuesObject`) that a
// chart renders into a Service's spec.externalIPs. The finding has no parsed target (the link phase made it),
// so the list item is found by the finding's place. The list loses that address; when it is the only one,
// the list becomes `[]` rather than losing its key: a values file overrides the chart's defaults, and
// without the key the default list would come back.
import { Document, isPair, isScalar, Pair, visit, YAMLSeq } from 'yaml';
import { DetailedAnalysis } from '../analyze';
import { OffsetEdit } from '../textEdits';
import { Finding } from '../types';
import { FixCandidate } from './fixTypes';
import { deletionOf, valueChangeOf } from './intendedChange';
import { nodeTextSpan, removeSequenceItems } from './yamlEdits';

const TITLE = 'Remove this external IP';

/** The candidate removal of a linked externalIP finding's address, or undefined when it is not one item of a plain values list. */
export function valueRemovalCandidate(text: string, analysis: DetailedAnalysis, finding: Finding): FixCandidate | undefined {
  if (finding.code !== 'external-ips' && finding.code !== 'external-ip-invalid') return undefined;
  const source = analysis.documents[finding.documentIndex];
  if (!source?.parsed) return undefined;
  const found = listItemAt(source.document, finding.startOffset, finding.endOffset);
  if (!found) return undefined;
  const { pair, list, index } = found;
  if (list.items.length > 1) {
    const edits = removeSequenceItems(text, list, new Set([index]));
    const change = deletionOf(source.document, finding.documentIndex, list.items[index]);
    return edits && change ? { kind: 'remove-external-ip', title: TITLE, edits, change, fixAll: false, isPreferred: true } : undefined;
  }
  const edit = emptyListEdit(text, pair, list);
  const change = valueChangeOf(source.document, finding.documentIndex, pair, []);
  return edit && change ? { kind: 'remove-external-ip', title: TITLE, edits: [edit], change, fixAll: false, isPreferred: true } : undefined;
}

interface ListItem {
  /** The map pair whose value the list is. */
  pair: Pair;
  list: YAMLSeq;
  index: number;
}

/** The scalar list item written exactly at [start, end) (a quoted scalar with its quotes), in a list that is a map value. */
function listItemAt(document: Document, start: number, end: number): ListItem | undefined {
  let found: ListItem | undefined;
  visit(document, {
    Seq(_key, list, path) {
      const index = list.items.findIndex((item) => isScalar(item) && item.range?.[0] === start && item.range[1] === end);
      if (index === -1) return undefined;
      const holder = path[path.length - 1];
      if (isPair(holder) && holder.value === list) found = { pair: holder, list, index };
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * `[]` for the value of `pair`, its only item removed: a flow list's text is replaced; a block list under its
 * key (nothing but white space between the key's `:` and the `-`) is replaced from the `:` on, with a comment
 * on the item's line, as when an item of a longer list is removed.
 */
function emptyListEdit(text: string, pair: Pair, list: YAMLSeq): OffsetEdit | undefined {
  const span = nodeTextSpan(text, list);
  if (!span) return undefined;
  if (list.flow) return { start: span[0], end: span[1], newText: '[]' };
  const keyEnd = (pair.key as { range?: [number, number, number] } | null)?.range?.[1];
  if (keyEnd === undefined) return undefined;
  const colon = text.indexOf(':', keyEnd);
  if (colon === -1 || colon >= span[0] || text.slice(colon + 1, span[0]).trim() !== '') return undefined;
  return { start: colon + 1, end: span[1], newText: ' []' };
}
