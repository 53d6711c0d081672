// Guards the yaml parser against nesting deep enough to overflow the stack (shared by manifests and
// the policy file).
import { CST, Lexer } from 'yaml';

export interface NestingLimits {
  maxFlowDepth: number;
  maxLinePrefix: number;
}

// Far beyond real manifests (the deepest in the shared corpus indents 72 columns), far below the
// ~1,000 levels at which the parser's recursion overflows the stack.
export const MANIFEST_NESTING_LIMITS: NestingLimits = { maxFlowDepth: 256, maxLinePrefix: 512 };

export interface NestingProblem {
  offset: number;
  message: string;
}

/** Thrown by a guarded parse (`parseSourceDocuments` with limits) at the first token that nests too deep. */
export class ExcessiveNestingError extends Error {
  constructor(readonly problem: NestingProblem) {
    super(problem.message);
  }
}

/**
 * The yaml library composes nested collections recursively; thousands of nesting levels overflow
 * the stack, and after such an overflow V8 has been seen to abort the whole process. The lexer is
 * iterative, so it measures nesting first: flow depth exactly, block depth bounded by how far a
 * line's indentation and indicators reach.
 *
 * Fed the Lexer's tokens one by one, in order. The yaml Parser emits a document only after the Lexer
 * has produced all of its tokens, and the Composer only composes what the Parser emits, so checking
 * each token before the Parser sees it stops a parse before any too-deep document is composed: the
 * text is lexed once, for the guard and the parser together.
 */
export class NestingTracker {
  private offset = 0;
  private flowDepth = 0;
  private linePrefix = 0;
  private inLinePrefix = true;

  constructor(private readonly limits: NestingLimits) {}

  /** The problem at this token, if it nests too deep; then the text must not be composed. */
  next(token: string): NestingProblem | undefined {
    const { limits } = this;
    const offset = this.offset;
    const type = CST.tokenType(token);
    // Mirror the parser's offset bookkeeping: these control tokens stand for no source text.
    if (type !== 'doc-mode' && type !== 'flow-error-end' && type !== 'scalar') this.offset += token.length;
    switch (type) {
      case 'flow-map-start':
      case 'flow-seq-start':
        if (++this.flowDepth > limits.maxFlowDepth) {
          return { offset, message: `Brackets nest more than ${limits.maxFlowDepth} levels deep` };
        }
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        this.flowDepth = Math.max(0, this.flowDepth - 1);
        break;
    }
    if (type === 'newline') {
      this.inLinePrefix = true;
      this.linePrefix = 0;
    } else if (this.inLinePrefix) {
      const extendsPrefix = type === 'space' || type === 'seq-item-ind' || type === 'explicit-key-ind' ||
        type === 'map-value-ind' || type === 'anchor' || type === 'tag';
      if (extendsPrefix) this.linePrefix += token.length;
      // Only a line with content nests: blank and comment lines may be indented any amount.
      const endsPrefix = !extendsPrefix && type !== 'doc-mode' && type !== 'byte-order-mark';
      const nests = (extendsPrefix && type !== 'space') || (endsPrefix && type !== 'comment');
      if (nests && this.linePrefix > limits.maxLinePrefix) {
        return { offset, message: `Indentation is deeper than ${limits.maxLinePrefix} columns` };
      }
      if (endsPrefix) this.inLinePrefix = false;
    }
    return undefined;
  }
}

/** The first token of the text that nests too deep (see `NestingTracker`), lexing the text on its own. */
export function findExcessiveNesting(text: string, limits: NestingLimits): NestingProblem | undefined {
  const tracker = new NestingTracker(limits);
  for (const token of new Lexer().lex(text)) {
    const problem = tracker.next(token);
    if (problem) return problem;
  }
  return undefined;
}

/** The Lexer's tokens of the text, throwing `ExcessiveNestingError` at the first one that nests too deep. */
export function* guardedTokens(text: string, limits: NestingLimits): Generator<string> {
  const tracker = new NestingTracker(limits);
  for (const token of new Lexer().lex(text)) {
    const problem = tracker.next(token);
    if (problem) throw new ExcessiveNestingError(problem);
    yield token;
  }
}
