/**
 * OSS-Instruct (Magicoder-style) seed cutting: a few consecutive lines cut at random from coreset
 * code inspire a new problem. Pure: the caller passes the random source, so a seeded PRNG (e.g.
 * `seededRandom` from `util/random.ts`) makes the cut reproducible.
 */

/** Fewest lines a seed has. */
export const MIN_SEED_LINES = 1;
/** Most lines a seed has. */
export const MAX_SEED_LINES = 15;

/** A seed: `lineCount` consecutive lines of the code starting at 0-based line `startLine`, joined by `\n`. */
export interface Seed {
  text: string;
  startLine: number;
  lineCount: number;
}

/**
 * Cuts a seed of 1-15 consecutive lines (never more than the code has) from `code`. The length is
 * drawn first, then the start; a blank-only cut is redrawn (up to a few times, then the nearest
 * non-blank window of that length is taken) so a seed is blank only when the code is.
 * Lines split on `\n` (a `\r` before it is dropped). Calls `random` a bounded number of times.
 * @param random uniform in [0, 1), e.g. a seeded PRNG.
 */
export function cutSeed(code: string, random: () => number): Seed {
  const lines = code.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const maxLength = Math.min(MAX_SEED_LINES, lines.length);
  const lineCount = MIN_SEED_LINES + pick(random, maxLength - MIN_SEED_LINES + 1);
  const starts = lines.length - lineCount + 1;
  const isBlank = (start: number): boolean => lines.slice(start, start + lineCount).every((line) => line.trim() === '');
  let startLine = pick(random, starts);
  for (let attempt = 0; attempt < 4 && isBlank(startLine); attempt++) startLine = pick(random, starts);
  if (isBlank(startLine)) startLine = nearestNonBlank(startLine, starts, isBlank) ?? startLine;
  return { text: lines.slice(startLine, startLine + lineCount).join('\n'), startLine, lineCount };
}

/** Integer in [0, n), robust to a `random` that returns exactly 1. */
function pick(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** The non-blank start closest to `from` (earlier first on ties), or undefined when every window is blank. */
function nearestNonBlank(from: number, starts: number, isBlank: (start: number) => boolean): number | undefined {
  for (let distance = 1; distance < starts; distance++) {
    if (from - distance >= 0 && !isBlank(from - distance)) return from - distance;
    if (from + distance < starts && !isBlank(from + distance)) return from + distance;
  }
  return undefined;
}
