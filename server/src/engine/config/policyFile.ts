// Reading the project policy file (.kube-mitm-guard.yaml): YAML parsing under bounds that keep hostile
// files cheap, then the shared validator. Pure text in, values and problems out: no fs.
import { Document, parseDocument } from 'yaml';
import { LineIndex } from '../lineIndex';
import { findExcessiveNesting } from '../nestingGuard';
import { Range } from '../types';
import { ConfigProblem, ProjectSettings } from './model';
import { Report, validateRoot } from './validate';
import { fromYamlNode, Span } from './value';

// A policy file is a handful of lines; these bounds keep hostile files from costing time or stack.
const MAX_CONFIG_CHARS = 1_000_000;
const MAX_FLOW_DEPTH = 64;
const MAX_LINE_PREFIX = 128;
export const MAX_ALIAS_COUNT = 100;
const YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  maxAliasCount: MAX_ALIAS_COUNT,
  prettyErrors: false,
  // Duplicate keys are reported by the validator, per key, instead of failing the whole file.
  uniqueKeys: false,
} as const;


/** Parses the policy file into a YAML document, or explains why it must be ignored as a whole. */
export function parsePolicyDocument(text: string): { document: Document } | { problems: { span: Span; message: string }[] } {
  if (text.length > MAX_CONFIG_CHARS) {
    return { problems: [{ span: [0, 0], message: `The file is larger than ${MAX_CONFIG_CHARS} characters; it is ignored` }] };
  }
  const nesting = findExcessiveNesting(text, { maxFlowDepth: MAX_FLOW_DEPTH, maxLinePrefix: MAX_LINE_PREFIX });
  if (nesting) return { problems: [{ span: [nesting.offset, nesting.offset + 1], message: `${nesting.message}; the file is ignored` }] };
  const document = parseDocument(text, YAML_OPTIONS) as Document;
  if (document.errors.length > 0) {
    // After a syntax error the tree is a guess; acting on part of a policy could allow what the user
    // never wrote, so the whole file falls back to the defaults until it parses.
    return {
      problems: document.errors.map((error) => ({
        span: [error.pos[0], Math.max(error.pos[0], error.pos[1])] as Span,
        message: `${error.message.split('\n')[0]} (the file is ignored until this is fixed)`,
      })),
    };
  }
  return { document };
}

export function parseProjectConfig(text: string): { settings: Partial<ProjectSettings>; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  let lineIndex: LineIndex | undefined;
  const rangeOf = (span: Span | undefined): Range => {
    lineIndex ??= new LineIndex(text);
    return lineIndex.rangeOf(span?.[0] ?? 0, span?.[1] ?? 0);
  };
  const report: Report = (message, span, severity) => problems.push({ message, range: rangeOf(span), severity });
  try {
    const parsed = parsePolicyDocument(text);
    if ('problems' in parsed) {
      for (const problem of parsed.problems) report(problem.message, problem.span, 'error');
      return { settings: {}, problems };
    }
    const { document } = parsed;
    for (const warning of document.warnings) {
      report(warning.message.split('\n')[0], [warning.pos[0], warning.pos[1]], 'warning');
    }
    const root = fromYamlNode(document, document.contents, 0);
    return { settings: validateRoot(root, report, true), problems };
  } catch (error) {
    // Defence in depth: the file must never take the server down.
    report(`The file could not be read: ${error instanceof Error ? error.message : String(error)}`, [0, 0], 'error');
    return { settings: {}, problems };
  }
}
