// The pre-check that lets audit-log pass over most lines of a log without decoding or parsing them.
//
// audit-log judges requests by their objectRef.resource (JUDGED_RESOURCES). The API server writes that value
// itself (from the request path), as Go's encoding/json writes strings: compact, letters as they are, never
// as `\u` escapes. Whatever the key order, spacing or writer, any JSON text holding an objectRef with one of
// those resources holds the resource's name literally, unless a `\u` escape spells one of its letters. So
// a line with none of the names and no `\u` certainly is no judged request, and is passed over.
//
// The converse does not hold, and the pre-check never claims it: user content (a request body, a
// requestURI, a user agent, a SubjectAccessReview's `"resource":"services"`) can put these words in any
// line. A line that has them is parsed and judged by its real objectRef like any other.
//
// Only lines that look like one audit Event are passed over: one JSON object (`{` … `}`) with the keys
// `"auditID"` and `"stage"` (an Event from any writer has them, literally or through a `\u` escape).
// Anything else is parsed, so a stray log line, a truncated one or another kind of object is named as
// unreadable. (A JSON object that is no Event but holds both words and no resource name is passed over
// unnamed: it could not hold a finding either way.)
import { JUDGED_RESOURCES } from './judge';

/** The resource names, without those that contain another (`clusterroles` holds `roles`). */
const WORDS: readonly Buffer[] = JUDGED_RESOURCES.filter(
  (name) => !JUDGED_RESOURCES.some((other) => other !== name && name.includes(other)),
).map((name) => Buffer.from(name, 'latin1'));
const UNICODE_ESCAPE = Buffer.from('\\u', 'latin1');
const EVENT_KEYS: readonly Buffer[] = ['"auditID"', '"stage"'].map((key) => Buffer.from(key, 'latin1'));
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Whether the line (UTF-8 bytes, trimmed) must be parsed: it may not be an Event, or it may be a judged request. */
export function mustParse(line: Buffer): boolean {
  if (line.length === 0 || line[0] !== OPEN_BRACE || line[line.length - 1] !== CLOSE_BRACE) return true;
  for (const key of EVENT_KEYS) if (line.indexOf(key) === -1) return true;
  for (const word of WORDS) if (line.indexOf(word) !== -1) return true;
  return line.indexOf(UNICODE_ESCAPE) !== -1;
}
