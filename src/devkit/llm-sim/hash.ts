/**
 * Deterministic draws for the scripted model: every choice is a function of the request text and a
 * salt naming the choice, so the same request always gets the same reply and choices are independent.
 */
import { createHash } from 'node:crypto';

/** A uniform number in [0, 1) derived from `text` and `salt` (sha256, first 48 bits). */
export function hashFraction(text: string, salt: string): number {
  const digest = createHash('sha256').update(salt).update('\0').update(text).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** An integer in [0, n) derived from `text` and `salt`; n must be positive. */
export function hashIndex(text: string, salt: string, n: number): number {
  return Math.min(n - 1, Math.floor(hashFraction(text, salt) * n));
}

/** One of `items`, chosen by `text` and `salt`; `items` must not be empty. */
export function hashPick<T>(items: readonly T[], text: string, salt: string): T {
  return items[hashIndex(text, salt, items.length)]!;
}
