/**
 * Shared by the table-driven option tests of every stage (tests/unit/<stage>/options-table.test.ts):
 * a resolver given one bad value per option must name each option once, as the user wrote it, in one
 * `E_USAGE` error.
 */
import { expect, it } from 'vitest';
import { pipelineNaming, type OptionNaming, type OptionTable } from '../../src/util/options.js';

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

/** One stage's table-driven test: one bad value per option, given to its resolver. */
export interface EveryOptionCase {
  stage: string;
  table: OptionTable;
  /** The options given a bad value, by their table names. */
  tested: readonly string[];
  /** Entries of the table not given to the resolver under that name, each with the reason. */
  skipped?: Readonly<Record<string, string>>;
  /** Runs the resolver on the bad values, naming options by `naming` (by flag when undefined). */
  resolve(naming?: OptionNaming): unknown;
  /** First words of problems that name no single option (e.g. `give` of `give --max-usd or --max-tokens`). */
  unnamed?: readonly string[];
  /** A whole problem the flag-named error must hold, as the user reads it. */
  example: string;
}

/**
 * The three tests every stage's option table gets: every entry tested or skipped with a reason, each
 * bad option named once by its flag, and once by its pipeline key (`<stage>.<key>`), in one error.
 */
export function itChecksEveryOption(test: EveryOptionCase): void {
  const unnamed = test.unnamed ?? [];
  it(test.skipped === undefined ? 'tests every entry of the table' : 'tests or skips every entry of the table', () => {
    expectEveryEntry(test.table, test.tested, test.skipped ?? {});
  });

  it('names each bad option by its flag, all in one error', () => {
    const problems = usageProblems(test.stage, () => test.resolve());
    expect(namedOptions(problems)).toEqual([...test.tested.map((name) => flagOf(test.table, name)), ...unnamed].sort());
    expect(problems).toContain(test.example);
  });

  it('names each bad option by its pipeline key with pipelineNaming', () => {
    const problems = usageProblems(test.stage, () => test.resolve(pipelineNaming(test.stage)));
    expect(namedOptions(problems)).toEqual([...test.tested.map((name) => `${test.stage}.${name}`), ...unnamed].sort());
  });
}
