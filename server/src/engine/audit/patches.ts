// What a logged request body writes into one list of a Service (spec.externalIPs or
// status.loadBalancer.ingress). The audit log records the body as sent: the whole object for create and
// update, the patch for patch. It does not say which patch type: a JSON array is a JSON patch (RFC 6902);
// an object is a merge, strategic merge or apply patch, all read as a partial object (strategic merge
// directives write nothing: `$patch: delete`, `$deleteFromPrimitiveList/…`, `$setElementOrder/…`).
import { isObject } from './event';
import { pointerTokens } from '../jsonPointer';

export interface WrittenEntries {
  /** The list entries the request writes, as logged (any JSON value). */
  entries: unknown[];
  /** JSON patch copy/move operations into the list whose value the log does not show (no responseObject). */
  unresolved: number;
  /** The request writes a value that is not a list where the list goes. */
  notAList: boolean;
}

export type BodyKind = 'object' | 'patch';

/**
 * The entries of the list at `listPath` that `body` writes. A JSON patch's copy and move operations carry
 * no value: their destination is looked up in `responseObject` (the object after the request), where an
 * index (or `-`, the end) names the entry written. A responseObject is never read for anything else: it
 * also shows entries that were there before, which are not this request's doing.
 */
export function writtenEntries(body: unknown, kind: BodyKind, listPath: readonly string[], responseObject: unknown): WrittenEntries {
  const written: WrittenEntries = { entries: [], unresolved: 0, notAList: false };
  if (kind === 'patch' && Array.isArray(body)) {
    for (const operation of body) readOperation(operation, listPath, responseObject, written);
  } else if (isObject(body)) {
    addList(partialObjectValue(body, listPath), written);
  }
  return written;
}

function readOperation(operation: unknown, listPath: readonly string[], responseObject: unknown, written: WrittenEntries): void {
  if (!isObject(operation) || typeof operation.path !== 'string') return;
  const op = operation.op;
  if (op !== 'add' && op !== 'replace' && op !== 'copy' && op !== 'move') return; // remove and test write nothing
  const tokens = pointerTokens(operation.path);
  if (tokens === undefined) return;
  const carriesValue = op === 'add' || op === 'replace';
  const value = carriesValue ? operation.value : valueAt(responseObject, tokens);
  if (!carriesValue && value === undefined) {
    if (overlaps(tokens, listPath)) written.unresolved++;
    return;
  }
  if (tokens.length <= listPath.length) {
    if (!tokens.every((token, i) => token === listPath[i])) return;
    addList(plainValue(value, listPath.slice(tokens.length)), written);
    return;
  }
  if (!listPath.every((token, i) => token === tokens[i])) return;
  // Into the list: `/spec/externalIPs/0`, `/spec/externalIPs/-`, or a field of one entry
  // (`/status/loadBalancer/ingress/0/ip`), written as that entry with only that field.
  const inside = tokens.slice(listPath.length + 1);
  let entry: unknown = value;
  for (let i = inside.length - 1; i >= 0; i--) entry = { [inside[i]]: entry };
  written.entries.push(entry);
}

function overlaps(tokens: readonly string[], listPath: readonly string[]): boolean {
  const shorter = Math.min(tokens.length, listPath.length);
  for (let i = 0; i < shorter; i++) if (tokens[i] !== listPath[i]) return false;
  return true;
}

function addList(value: unknown, written: WrittenEntries): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    written.notAList = true;
    return;
  }
  // A strategic merge directive entry (`{"$patch": "delete", …}`) writes nothing.
  for (const entry of value) if (!(isObject(entry) && '$patch' in entry)) written.entries.push(entry);
}

/** The value at `path` below `value` in a whole object. */
function plainValue(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** The value at `path` in a merge-style patch: a map that deletes itself (`$patch: delete`) writes nothing. */
function partialObjectValue(patch: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = patch;
  for (const key of path) {
    if (!isObject(current) || current.$patch === 'delete') return undefined;
    current = current[key];
  }
  return current;
}

/** The value at `tokens` in an object; in a list an index, or `-` for the last entry (where `add …/-` put it). */
function valueAt(root: unknown, tokens: readonly string[]): unknown {
  let current = root;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = token === '-' ? current.length - 1 : /^(0|[1-9]\d*)$/.test(token) ? Number(token) : -1;
      if (index < 0 || index >= current.length) return undefined;
      current = current[index];
    } else if (isObject(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return undefined;
      current = current[token];
    } else {
      return undefined;
    }
  }
  return current;
}
