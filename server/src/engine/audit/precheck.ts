// The pre-check that lets audit-log pass over most lines of a log without decoding or parsing them. It may
// only pass over lines that certainly are not judged requests; it never accepts a line unparsed.
//
// audit-log judges requests by their objectRef.resource (JUDGED_RESOURCES), a value the API server writes
// itself, from the request path.
//
// 1. Lines as the API server writes them. Its log backend encodes the audit.Event struct with Go's
//    encoding/json: compact, keys in the struct's order, letters never escaped. Such a line starts with
//    `{"kind":"Event","apiVersion":"audit.k8s.io/` (TypeMeta first), and the fields before objectRef are
//    level, auditID, stage, requestURI, verb, user, impersonatedUser, sourceIPs and userAgent: strings and
//    lists or maps of strings only. User content there (a URI, a user agent, a user name) cannot hold an
//    unescaped `"`, so the first `"objectRef":{"resource":"` in the line is the real objectRef, whose first
//    key is resource (ObjectReference's order). A line with that prefix, ending in `}`, whose first
//    objectRef names another resource, or that has none before its end (a non-resource request such as
//    /healthz; a body's fake objectRef can only come after the real one), is passed over. Request and
//    response bodies come after objectRef: a body that holds `"resource":"services"` (a
//    SubjectAccessReview's) does not make a line pass, nor fail.
// 2. Any other line (keys in another order, spaces, another writer): whatever the key order or spacing,
//    a JSON text holding an objectRef with one of those resources holds the resource's name literally,
//    unless a `\u` escape spells one of its letters. A line with none of the names and no `\u`, that looks
//    like one audit Event (one JSON object with the keys `"auditID"` and `"stage"`), is passed over. Here
//    user content can only make a line be parsed, never passed over.
//
// Anything else is parsed, so a stray log line, a truncated one or another kind of object is named as
// unreadable. (A JSON object that is no Event but has both keys and no resource name, in a writer's other
// than the API server's form, is passed over unnamed: it could not hold a finding either way.)
import { JUDGED_RESOURCES } from './judge';

/** The resource names, without those that contain another (`clusterroles` holds `roles`). */
const WORDS: readonly Buffer[] = JUDGED_RESOURCES.filter(
  (name) => !JUDGED_RESOURCES.some((other) => other !== name && name.includes(other)),
).map((name) => Buffer.from(name, 'latin1'));
const UNICODE_ESCAPE = Buffer.from('\\u', 'latin1');
const EVENT_KEYS: readonly Buffer[] = ['"auditID"', '"stage"'].map((key) => Buffer.from(key, 'latin1'));
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
/** How the API server's encoder starts every event line (audit.k8s.io/v1 and v1beta1). */
const API_SERVER_PREFIX = Buffer.from('{"kind":"Event","apiVersion":"audit.k8s.io/', 'latin1');
const OBJECT_REF = Buffer.from('"objectRef":{"resource":"', 'latin1');
const JUDGED: ReadonlySet<string> = new Set(JUDGED_RESOURCES);
/** Longer than any resource name the API server serves. */
const MAX_RESOURCE_NAME = 253;

/** Whether the line (UTF-8 bytes, trimmed) must be parsed: it may not be an Event, or it may be a judged request. */
export function mustParse(line: Buffer): boolean {
  if (line.length === 0 || line[0] !== OPEN_BRACE || line[line.length - 1] !== CLOSE_BRACE) return true;
  for (const key of EVENT_KEYS) if (line.indexOf(key) === -1) return true;
  for (const word of WORDS) if (line.indexOf(word) !== -1) return true;
  return line.indexOf(UNICODE_ESCAPE) !== -1;
}

/** Whether the line `bytes[start, end)` (trimmed) must be parsed. */
export function mustParseLine(bytes: Buffer, start: number, end: number): boolean {
  if (end - start <= API_SERVER_PREFIX.length || bytes[end - 1] !== CLOSE_BRACE || !hasPrefix(bytes, start)) {
    return mustParse(bytes.subarray(start, end));
  }
  // The API server's own form (1. above): only the first objectRef counts.
  const at = bytes.indexOf(OBJECT_REF, start);
  if (at === -1 || at + OBJECT_REF.length >= end) return false;
  const nameStart = at + OBJECT_REF.length;
  const limit = Math.min(end, nameStart + MAX_RESOURCE_NAME);
  let nameEnd = nameStart;
  while (nameEnd < limit && bytes[nameEnd] !== QUOTE) nameEnd++;
  return JUDGED.has(bytes.toString('latin1', nameStart, nameEnd));
}

function hasPrefix(bytes: Buffer, start: number): boolean {
  for (let i = 0; i < API_SERVER_PREFIX.length; i++) if (bytes[start + i] !== API_SERVER_PREFIX[i]) return false;
  return true;
}
