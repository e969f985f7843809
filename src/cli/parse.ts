/**
 * Argument parsers for commander options: each turns the flag's text into its value and checks it
 * against the same kinds the stages' resolvers use (src/util/options.ts), throwing a message commander
 * shows with the flag's name (`option '--k <k>' argument '0' is invalid. expected a positive integer, got "0"`).
 */
import { InvalidArgumentError } from 'commander';
import { checkOptionValue, expectedOf, KINDS, type OptionKind } from '../util/options.js';

/** A parser of numbers of `kind` (`_` allowed as a digit separator: `2_000_000`; `2e6` too). */
function numberParser(kind: OptionKind): (value: string) => number {
  return (value) => {
    const n = Number(value.replaceAll('_', ''));
    if (value.trim() === '' || 'problem' in checkOptionValue('', kind, n)) throw new InvalidArgumentError(`expected ${expectedOf(kind)}, got "${value}"`);
    return n;
  };
}

/** Parses a non-negative integer (accepts `2_000_000`, `2e6`). */
export const parseCount = numberParser(KINDS.count);

/** Parses a positive integer. */
export const parsePositive = numberParser(KINDS.positive);

/** Parses a fraction in [0, 1). */
export const parseRate = numberParser(KINDS.rate);

/** Parses a comma-separated list (empty items dropped). */
export function parseList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((item) => item.trim()).filter((item) => item !== '')];
}

/** Parses a size in bytes (`4G`, `512MiB`, `1.5GB`, `65536`). */
export function parseSize(value: string): number {
  const checked = checkOptionValue('', KINDS.size, value);
  if ('problem' in checked) throw new InvalidArgumentError(`expected ${expectedOf(KINDS.size)}, got "${value}"`);
  return checked.value as number;
}
