// JSON pointers (RFC 6901), as JSON patch operations write paths: read by the patch rules (patches/) and the
// audit-log reader (audit/), which both see JSON 6902 operation lists.

/** A JSON pointer's reference tokens, `~1` and `~0` decoded; undefined when it is not a pointer. */
export function pointerTokens(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}
