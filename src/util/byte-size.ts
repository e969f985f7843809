/**
 * Sizes in bytes as people write them: `4G`, `4GiB`, `512M`, `1.5GB`, `65536` (binary multiples: K, M,
 * G and T mean 2^10, 2^20, 2^30 and 2^40 bytes with or without `i`/`B`), and back to text. Pure.
 */

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * Bytes of a size: a non-negative number of bytes, or a string `NUMBER[UNIT]` with UNIT one of
 * B, K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB, TiB (case-insensitive, binary multiples).
 * @returns the whole number of bytes, or undefined when `value` is not a size
 */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgt]?)(i?b)?\s*$/i.exec(value.replaceAll('_', ''));
  if (match === null) return undefined;
  const [, number, unit, suffix] = match;
  if (unit === '' && suffix !== undefined && suffix.toLowerCase() !== 'b') return undefined; // "5iB"
  const bytes = Math.floor(Number(number) * UNITS[unit!.toLowerCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Bytes for people: `512 B`, `1.5 KiB`, `86.7 MiB`, `3.8 GiB`. */
export function formatBytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${scaled.toFixed(1)} ${units[unit]!}`;
}
