/**
 * The token hash: 32-bit FNV-1a over the token's UTF-16 code units (ASCII A-Z lowercased, each unit
 * XORed in whole, 16 bits, then multiplied by the FNV prime), finished with murmur3's fmix32 so that
 * the low bits, which pick the bucket, depend on every unit. For ASCII tokens the FNV-1a part is the
 * standard byte-wise FNV-1a of the lowercased token. A token's bucket is `hash & (buckets - 1)`.
 */

/** FNV-1a 32-bit offset basis. */
export const FNV_OFFSET_BASIS = 0x811c9dc5;
/** FNV-1a 32-bit prime. */
export const FNV_PRIME = 0x01000193;

/** FNV-1a of `text[start, end)` with ASCII A-Z lowercased, as an unsigned 32-bit integer. */
export function fnv1aLower(text: string, start: number, end: number): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = start; i < end; i++) {
    let unit = text.charCodeAt(i);
    if (unit >= 65 && unit <= 90) unit += 32;
    hash = Math.imul(hash ^ unit, FNV_PRIME);
  }
  return hash >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection on 32-bit integers that mixes every input bit into every output bit. */
export function fmix32(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** The hash of the token `text[start, end)`. */
export function tokenHash(text: string, start: number, end: number): number {
  return fmix32(fnv1aLower(text, start, end));
}
