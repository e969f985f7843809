/**
 * The pure core of `tidepool sample`: a deterministic stream of CodeSearchNet-like JSON lines with a
 * controlled share of exact duplicates, whitespace-only near duplicates and bad lines.
 * Memory stays flat whatever `rows` is: duplicates copy from a bounded pool of earlier good rows, and the
 * blocks and headers functions are made of are bounded per language.
 */
import { badLine, type BadLineKind } from './bad-lines.js';
import { BlockLibrary } from './blocks.js';
import { CopySources } from './copies.js';
import { DetailPool } from './docstring.js';
import { generateFunction, type LanguageKit } from './function.js';
import { HeaderLibrary } from './headers.js';
import { dialectOf, type SupportedLanguage } from './languages.js';
import { resolveSampleOptions, sampleCounts, type SampleCounts, type SampleOptions } from './options.js';
import { hex32, mix32, Random } from './random.js';
import { Locations, RowSerializer, type RowFields } from './rows.js';

export type { BadLineKind } from './bad-lines.js';
export { resolveSampleOptions, sampleCounts, type SampleCounts, type SampleOptions } from './options.js';
export { SUPPORTED_LANGUAGES, type SupportedLanguage } from './languages.js';
export type { SampleNaming } from './rows.js';

/** One generated line: its bytes WITHOUT the trailing newline, and what it is. */
export interface SampleLine {
  /** A string (UTF-8 when written), or a Buffer for lines that are deliberately not valid UTF-8. */
  bytes: string | Buffer;
  kind: 'good' | 'duplicate' | 'near_duplicate' | BadLineKind;
}

/** Kinds in the order the schedule counts them. */
const KINDS = ['good', 'duplicate', 'near_duplicate', 'invalid_json', 'missing_field', 'mistyped_field', 'invalid_utf8'] as const satisfies readonly SampleLine['kind'][];

/**
 * Decides the kind of each line so that every kind appears exactly as often as {@link sampleCounts} says,
 * spread uniformly over the file (sequential sampling: draw each line's kind with probability
 * remaining-of-kind / remaining-lines). Duplicates are never drawn before the first good row.
 */
class KindSchedule {
  private readonly remaining: number[];
  private left: number;
  private sawGood = false;

  constructor(counts: SampleCounts) {
    this.remaining = KINDS.map((kind) => counts[kind]);
    this.left = this.remaining.reduce((sum, count) => sum + count, 0);
  }

  next(random: Random): number {
    const remaining = this.remaining;
    // Until a good row exists, duplicates have nothing to copy: draw among the other kinds only.
    const skipCopies = !this.sawGood;
    const pool = skipCopies ? this.left - remaining[1]! - remaining[2]! : this.left;
    let draw = random.below(pool);
    let kind = 0;
    for (; kind < remaining.length - 1; kind++) {
      if (skipCopies && (kind === 1 || kind === 2)) continue;
      draw -= remaining[kind]!;
      if (draw < 0) break;
    }
    remaining[kind]!--;
    this.left--;
    if (kind === 0) this.sawGood = true;
    return kind;
  }
}

/**
 * Generates the sample line by line. Same options (seed included) -> byte-identical lines.
 * Counts of each kind are exact (see {@link sampleCounts}); duplicates copy the code of an earlier good row
 * (from a pool of 1024), half the time under a fork's repository; near duplicates re-indent and re-space it.
 * Every good row's code is unique even after removing all whitespace, so de-duplication removes exactly
 * the duplicate and near-duplicate rows.
 * @throws TidepoolError `E_USAGE` when an option is invalid (all problems listed).
 */
export function* generateSample(options: SampleOptions): Generator<SampleLine> {
  const resolved = resolveSampleOptions(options);
  const { naming } = resolved;
  const random = new Random(resolved.seed);
  const kits = resolved.languages.map((language): LanguageKit => {
    const dialect = dialectOf(language as SupportedLanguage);
    return {
      headers: [new HeaderLibrary(dialect, false, random.uint32()), new HeaderLibrary(dialect, true, random.uint32())],
      blocks: [new BlockLibrary(dialect, false, random.uint32()), new BlockLibrary(dialect, true, random.uint32())],
    };
  });
  const details = new DetailPool(random);
  const locations = new Locations(random, kits);
  const schedule = new KindSchedule(sampleCounts(resolved));
  const sources = new CopySources(random, locations);
  const serializer = new RowSerializer(naming);
  const tagSalt = random.uint32();
  let functions = 0;

  const freshRow = (): RowFields => {
    const cursor = locations.next();
    const tag = hex32(mix32((functions++ + tagSalt) >>> 0));
    return locations.place(cursor, generateFunction(random, cursor.kit, details, tag));
  };

  for (let line = 0; line < resolved.rows; line++) {
    const kind = KINDS[schedule.next(random)]!;
    if (kind === 'good') {
      const row = freshRow();
      sources.offer(row);
      yield { bytes: serializer.serialize(row), kind };
    } else if (kind === 'duplicate') {
      yield { bytes: serializer.serialize(sources.duplicate()), kind };
    } else if (kind === 'near_duplicate') {
      yield { bytes: serializer.serialize(sources.nearDuplicate()), kind };
    } else {
      yield { bytes: badLine(kind, random, freshRow(), naming), kind };
    }
  }
}
