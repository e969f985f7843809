/**
 * Whitespace-insensitive form of code: every whitespace character (as `\s` matches) removed, so
 * re-indented or re-wrapped copies of the same code compare equal. `content_hash` hashes exactly this
 * (see content-hash.ts), without building the string.
 */
export function normalizeCode(code: string): string {
  return code.replace(/\s+/g, '');
}
