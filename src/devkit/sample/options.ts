/** Sample options: user-facing {@link SampleOptions} -> validated `Required<SampleOptions>`, and the exact row counts. */
import { KINDS, OptionProblems, option, type OptionNaming, type OptionTable } from '../../util/options.js';
import { isSupportedLanguage, SUPPORTED_LANGUAGES } from './languages.js';
import type { SampleNaming } from './rows.js';

/** What a caller may set. Rates are fractions of `rows`; see {@link sampleCounts} for the exact counts. */
export interface SampleOptions {
  /** Number of lines to produce, bad lines included. */
  rows: number;
  /** Seed of the generator: the same seed gives byte-identical output. An integer >= 0. @default 1 */
  seed?: number;
  /** Field names: CodeSearchNet's jsonl (`original`) or the Hugging Face dataset (`hf`). @default 'original' */
  naming?: SampleNaming;
  /** Fraction of rows that repeat an earlier row's code exactly (same code, sometimes another repo). @default 0.03 */
  duplicateRate?: number;
  /** Fraction of rows that repeat an earlier row's code with only whitespace changed (re-indented, trailing spaces, blank lines, CRLF). @default 0.02 */
  nearDuplicateRate?: number;
  /** Fraction of deliberately bad lines, split evenly over the four {@link BadLineKind}s. @default 0 */
  badLineRate?: number;
  /** Languages to write, each repository picking one uniformly. @default the CodeSearchNet six */
  languages?: readonly string[];
}

/** Exact number of lines of each kind in a sample. */
export interface SampleCounts {
  good: number;
  duplicate: number;
  near_duplicate: number;
  invalid_json: number;
  missing_field: number;
  mistyped_field: number;
  invalid_utf8: number;
}

/** Every option of `tidepool sample` (the command's camelCase names), checked by the resolver and by `tidepool run`. */
export const SAMPLE_OPTIONS: OptionTable = {
  rows: option(KINDS.count, '--rows', true),
  seed: option(KINDS.count, '--seed'),
  naming: option({ type: 'choice', values: ['original', 'hf'] }, '--naming'),
  duplicateRate: option(KINDS.rate, '--duplicate-rate'),
  nearDuplicateRate: option(KINDS.rate, '--near-duplicate-rate'),
  badLineRate: option(KINDS.rate, '--bad-line-rate'),
  languages: option(KINDS.list, '--languages'),
  gzipLevel: option({ type: 'integer', min: 0, max: 9 }, '--gzip-level'),
};

const DEFAULTS = { seed: 1, naming: 'original', duplicateRate: 0.03, nearDuplicateRate: 0.02, badLineRate: 0 } as const;

/**
 * Validates every option, collecting all problems into one `E_USAGE` error naming each option by
 * `naming` (its flag by default); fills in the defaults. (`gzipLevel` is the writer's: see run.ts.)
 */
export function resolveSampleOptions(options: SampleOptions, naming?: OptionNaming): Required<SampleOptions> {
  const problems = new OptionProblems('sample', SAMPLE_OPTIONS, naming);
  const rows = options.rows as number | undefined;
  if (rows === undefined) problems.add('{name} is required: the number of lines to write', 'rows');
  problems.value('rows', rows);
  const seed = problems.value('seed', options.seed, DEFAULTS.seed);
  const fieldNames = problems.value('naming', options.naming, DEFAULTS.naming);
  const before = problems.list.length;
  const rates = {
    duplicateRate: problems.value('duplicateRate', options.duplicateRate, DEFAULTS.duplicateRate),
    nearDuplicateRate: problems.value('nearDuplicateRate', options.nearDuplicateRate, DEFAULTS.nearDuplicateRate),
    badLineRate: problems.value('badLineRate', options.badLineRate, DEFAULTS.badLineRate),
  };
  const ratesValid = problems.list.length === before;
  const rateSum = rates.duplicateRate + rates.nearDuplicateRate + rates.badLineRate;
  if (ratesValid && rateSum >= 1) {
    problems.add(`{name} + {name} + {name} must be < 1 so that some rows are good, got ${rates.duplicateRate} + ${rates.nearDuplicateRate} + ${rates.badLineRate} = ${rateSum}`, 'duplicateRate', 'nearDuplicateRate', 'badLineRate');
  }
  const languages = options.languages ?? SUPPORTED_LANGUAGES;
  if (Array.isArray(languages) && languages.length > 0) {
    for (const [index, language] of languages.entries()) {
      if (typeof language !== 'string' || !isSupportedLanguage(language)) {
        problems.add(`{name}[${index}] must be one of ${SUPPORTED_LANGUAGES.join(', ')}, got ${JSON.stringify(language)}`, 'languages');
      }
    }
  } else {
    problems.add(`{name} must be a non-empty list of ${SUPPORTED_LANGUAGES.join(', ')}, got ${JSON.stringify(languages)}`, 'languages');
  }
  problems.throwIfAny();
  return { rows: rows!, seed, naming: fieldNames, ...rates, languages: [...new Set(languages)] };
}

/**
 * The exact number of lines of each kind: `duplicate = round(rows * duplicateRate)`,
 * `near_duplicate = round(rows * nearDuplicateRate)`, bad lines `round(rows * badLineRate)` split evenly
 * over invalid_json, missing_field, mistyped_field, invalid_utf8 in that order (the first `bad % 4` kinds get
 * one more), and `good` the rest (`round` is `Math.round`, halves up). When rounding would leave no good row
 * (only for tiny `rows` with rates summing close to 1) bad lines, then near duplicates, then duplicates are
 * reduced until one good row remains, since duplicates need an earlier good row to copy.
 */
export function sampleCounts(options: Required<SampleOptions>): SampleCounts {
  const { rows } = options;
  let duplicate = Math.round(rows * options.duplicateRate);
  let nearDuplicate = Math.round(rows * options.nearDuplicateRate);
  let bad = Math.round(rows * options.badLineRate);
  let excess = duplicate + nearDuplicate + bad - Math.max(0, rows - 1);
  const reduce = (count: number): number => {
    const cut = Math.min(count, Math.max(0, excess));
    excess -= cut;
    return count - cut;
  };
  bad = reduce(bad);
  nearDuplicate = reduce(nearDuplicate);
  duplicate = reduce(duplicate);
  const share = Math.floor(bad / 4);
  const extra = bad % 4;
  return {
    good: rows - duplicate - nearDuplicate - bad,
    duplicate,
    near_duplicate: nearDuplicate,
    invalid_json: share + (extra > 0 ? 1 : 0),
    missing_field: share + (extra > 1 ? 1 : 0),
    mistyped_field: share + (extra > 2 ? 1 : 0),
    invalid_utf8: share,
  };
}
