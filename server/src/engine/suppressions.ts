// Suppression comments:
//   # kube-mitm-guard-disable-next-line <rule-id>[, <rule-id>] [-- reason]   (the next line)
//   # kube-mitm-guard-disable-file <rule-id>[, <rule-id>] [-- reason]        (the whole document)
// Only real comments count: a look-alike inside a string or block scalar suppresses nothing, so
// data cannot switch the linter off.
import { Document, isScalar, visit } from 'yaml';
import { LineIndex } from './lineIndex';
import { RULE_IDS, RuleId } from './types';

export const DISABLE_NEXT_LINE = 'kube-mitm-guard-disable-next-line';
export const DISABLE_FILE = 'kube-mitm-guard-disable-file';
const COMMENT_PATTERN = /^([ \t]*)#[ \t]*kube-mitm-guard-disable-(next-line|file)(?=[ \t]|$)([^\r\n]*)/gm;

export interface RuleMention {
  ruleId: string;
  known: boolean;
  start: number;
  end: number;
  used: boolean;
}

export interface SuppressionComment {
  scope: 'next-line' | 'file';
  /** Offsets of the comment from `#` to the end of the line (line break excluded). */
  start: number;
  end: number;
  line: number;
  indentation: string;
  rules: RuleMention[];
  reason?: string;
}

/** The suppression comments of a text, before checking that they are real comments. */
export function findSuppressionComments(text: string, lines: LineIndex): SuppressionComment[] {
  if (!text.includes('kube-mitm-guard-disable-')) return [];
  const comments: SuppressionComment[] = [];
  for (const match of text.matchAll(COMMENT_PATTERN)) {
    const indentation = match[1];
    const start = (match.index ?? 0) + indentation.length;
    const end = (match.index ?? 0) + match[0].length;
    const body = match[3];
    const bodyStart = end - body.length;
    const separator = body.indexOf(' -- ');
    const idsPart = separator === -1 ? body : body.slice(0, separator);
    const reason = separator === -1 ? undefined : body.slice(separator + 4).trim();
    const rules: RuleMention[] = [];
    for (const idMatch of idsPart.matchAll(/[^\s,]+/g)) {
      const ruleId = idMatch[0];
      const idStart = bodyStart + (idMatch.index ?? 0);
      rules.push({ ruleId, known: (RULE_IDS as readonly string[]).includes(ruleId), start: idStart, end: idStart + ruleId.length, used: false });
    }
    comments.push({
      scope: match[2] === 'file' ? 'file' : 'next-line',
      start,
      end,
      line: lines.positionAt(start).line,
      indentation,
      rules,
      reason,
    });
  }
  return comments;
}

/** Drops look-alikes that sit inside a scalar of the document (block scalars, multi-line strings). */
export function keepRealComments(comments: SuppressionComment[], document: Document): SuppressionComment[] {
  if (comments.length === 0) return comments;
  const scalarSpans: [number, number][] = [];
  visit(document, {
    Scalar(_key, node) {
      if (isScalar(node) && node.range && node.range[1] > node.range[0]) scalarSpans.push([node.range[0], node.range[1]]);
    },
  });
  return comments.filter((comment) => !scalarSpans.some(([start, end]) => comment.start >= start && comment.start < end));
}

/** Marks and returns whether a finding of `ruleId` starting on `line` is suppressed. */
export function isSuppressed(comments: readonly SuppressionComment[], ruleId: RuleId, line: number): boolean {
  let suppressed = false;
  for (const comment of comments) {
    if (comment.scope === 'next-line' && comment.line !== line - 1) continue;
    for (const mention of comment.rules) {
      if (mention.ruleId === ruleId) {
        mention.used = true;
        suppressed = true;
      }
    }
  }
  return suppressed;
}
