// Guards the yaml parser against nesting deep enough to overflow the stack (shared by manifests and
// the policy file).
import { CST, Lexer } from 'yaml';

export interface NestingLimits {
  maxFlowDepth: number;
  maxLinePrefix: number;
}

/**
 * The yaml library composes nested collections recursively; thousands of nesting levels overflow
 * the stack, and after such an overflow V8 has been seen to abort the whole process. The lexer is
 * iterative, so it measures nesting first: flow depth exactly, block depth bounded by how far a
 * line's indentation and indicators reach.
 */
export function findExcessiveNesting(text: string, limits: NestingLimits): { offset: number; message: string } | undefined {
  let offset = 0;
  let flowDepth = 0;
  let linePrefix = 0;
  let inLinePrefix = true;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    switch (type) {
      case 'flow-map-start':
      case 'flow-seq-start':
        if (++flowDepth > limits.maxFlowDepth) {
          return { offset, message: `Brackets nest more than ${limits.maxFlowDepth} levels deep` };
        }
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        flowDepth = Math.max(0, flowDepth - 1);
        break;
    }
    if (type === 'newline') {
      inLinePrefix = true;
      linePrefix = 0;
    } else if (inLinePrefix) {
      const extendsPrefix = type === 'space' || type === 'seq-item-ind' || type === 'explicit-key-ind' ||
        type === 'map-value-ind' || type === 'anchor' || type === 'tag';
      if (extendsPrefix) linePrefix += token.length;
      // Only a line with content nests: blank and comment lines may be indented any amount.
      const endsPrefix = !extendsPrefix && type !== 'doc-mode' && type !== 'byte-order-mark';
      const nests = (extendsPrefix && type !== 'space') || (endsPrefix && type !== 'comment');
      if (nests && linePrefix > limits.maxLinePrefix) {
        return { offset, message: `Indentation is deeper than ${limits.maxLinePrefix} columns` };
      }
      if (endsPrefix) inLinePrefix = false;
    }
    // Mirror the parser's offset bookkeeping: these control tokens stand for no source text.
    if (type !== 'doc-mode' && type !== 'flow-error-end' && type !== 'scalar') offset += token.length;
  }
  return undefined;
}
