/** The text detectors' indexes over a benchmark, built once from its items. Pure. */
import { ExactIndex } from './exact.js';
import type { BenchmarkItem } from './layouts.js';
import { NgramIndex } from './ngram.js';
import type { ResolvedDecontamOptions } from './options.js';

/** The exact and n-gram indexes (each absent when its detector is off). */
export interface TextIndexes {
  exact: ExactIndex | undefined;
  ngram: NgramIndex | undefined;
}

/** Builds the enabled detectors' indexes; item `i` of `items` is item `i` in every match. */
export function buildTextIndexes(items: readonly BenchmarkItem[], options: Pick<ResolvedDecontamOptions, 'exact' | 'ngram'>): TextIndexes {
  const exact = options.exact.enabled
    ? ExactIndex.build(items.flatMap((item, index) => item.exactPieces.map((text) => ({ item: index, text }))), options.exact.minChars)
    : undefined;
  const ngram = options.ngram.enabled
    ? NgramIndex.build(items.flatMap((item, index) => item.codeUnits.map((code) => ({ item: index, code }))), options.ngram.n, options.ngram.minNgrams)
    : undefined;
  return { exact, ngram };
}
