/**
 * Shared by the table-driven option tests of every stage (tests/unit/<stage>/options-table.test.ts):
 * a resolver given one bad value per option must name each option once, as the user wrote it, in one
 * `E_USAGE` error.
 */
import { expect } from 'vitest';
import type { OptionTable } from '../../../src/util/options.js';

/** The problems of the one `E_USAGE` error `resolve` throws, checking the message lists them all under `invalid STAGE options:`. */
export function usageProblems(stage: string, resolve: () => unknown): string[] {
  let error: unknown;
  try {
    resolve();
  } catch (caught) {
    error = caught;
  }
  expect(error).toMatchObject({ code: 'E_USAGE' });
  const { message, details } = error as { message: string; details: { problems: string[] } };
  expect(message).toBe(`invalid ${stage} options:\n  - ${details.problems.join('\n  - ')}`);
  return details.problems;
}

/** The option each problem names: its first word (`--pool-size must be ...`, `--tasks: unknown task ...`). */
export function namedOptions(problems: readonly string[]): string[] {
  return problems.map((problem) => /^[^\s:]+/.exec(problem)?.[0] ?? problem).sort();
}

/** How the command line names `name`: its flag, or `options.NAME` for an API field without one. */
export function flagOf(table: OptionTable, name: string): string {
  const flag = table[name]?.flag;
  return flag?.startsWith('--') === true ? flag : `options.${name}`;
}

/** Every entry of `table` is either tested or skipped (with a reason), so a new option cannot go untested. */
export function expectEveryEntry(table: OptionTable, tested: readonly string[], skipped: Readonly<Record<string, string>>): void {
  expect([...tested, ...Object.keys(skipped)].sort()).toEqual(Object.keys(table).sort());
}
