// Character classes of the yaml package's Lexer (parse/lexer.js), for the text scans that must agree with it
// without running it (prefilter.ts, documentSplit.ts).

/** The Lexer's tag characters; a tag also takes `%XX` escapes. */
export const TAG_CHARACTERS = new Set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#;/?:@&=+$_.!~*'()");

export function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}
