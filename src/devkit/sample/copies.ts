/**
 * Exact and near duplicates: copies of earlier good rows, kept in a pool of bounded size.
 */
import { escapeJson } from './blocks.js';
import { dialectOf, type SupportedLanguage } from './languages.js';
import { reflowWhitespace } from './near-duplicate.js';
import type { Random } from './random.js';
import { unescapeJson, type Locations, type RowFields } from './rows.js';

/**
 * Good rows duplicates may copy: the first 1024, then one good row in 32 replaces a random entry, so
 * copies reach back over the whole file. Keeping every row even briefly would make each one survive a
 * young-generation GC, which measurably slowed generation; memory stays flat either way.
 */
const POOL_SIZE = 1024;
const REPLACE_ONE_IN = 32;

/** The rows copies are made from, and how many near duplicates each has had. */
export class CopySources {
  private readonly rows: RowFields[] = [];
  /** Per entry: the indentation variant its next near duplicate uses (a random start, then counting up). */
  private readonly nextVariant: number[] = [];

  constructor(private readonly random: Random, private readonly locations: Locations) {}

  /** Considers a new good row as a source. */
  offer(row: RowFields): void {
    const random = this.random;
    if (this.rows.length < POOL_SIZE) {
      this.rows.push(row);
      this.nextVariant.push(random.below(3));
    } else if (random.below(REPLACE_ONE_IN) === 0) {
      const index = random.below(POOL_SIZE);
      this.rows[index] = row;
      this.nextVariant[index] = random.below(3);
    }
  }

  /** An exact copy of a source's code, half the time under a fork's repository. */
  duplicate(): RowFields {
    const source = this.random.pick(this.rows);
    return { ...source, ...this.move(source) };
  }

  /** A source's code with only whitespace changed; each near duplicate of a source is a different variant. */
  nearDuplicate(): RowFields {
    const index = this.random.below(this.rows.length);
    const source = this.rows[index]!;
    const variant = this.nextVariant[index]!;
    this.nextVariant[index] = variant + 1;
    const unit = dialectOf(source.language as SupportedLanguage).indent;
    // Reflowing the escaped text directly is ~3x cheaper; it needs code without backslashes of its own.
    const codeJson = source.codeJson.includes('\\\\')
      ? escapeJson(reflowWhitespace(this.random, unescapeJson(source.codeJson), unit, variant))
      : reflowWhitespace(this.random, source.codeJson, unit, variant, true);
    const docPrefixJson = source.originalStringJson.slice(0, source.originalStringJson.length - source.codeJson.length);
    return { ...source, ...this.move(source), codeJson, originalStringJson: docPrefixJson + codeJson };
  }

  private move(source: RowFields): Partial<RowFields> {
    return this.random.chance(0.5) ? this.locations.fork(source) : {};
  }
}
