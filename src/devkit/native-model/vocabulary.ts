/**
 * Trains the native model's WordPiece vocabulary on the fixed corpus: the special tokens, every
 * single character the tokenizer can meet in code and prose, their `##` continuations, then pieces
 * learned by merging the most frequent adjacent pair (the way Hugging Face's WordPiece trainer
 * does, on top of BPE) until the vocabulary has the size asked for. Deterministic: ties go to the
 * pair whose text sorts first.
 */
import { InternalError } from '../../errors.js';
import { CONTINUATION_PREFIX, corpusWordCounts } from './corpus.js';

export { CONTINUATION_PREFIX } from './corpus.js';

/** Special tokens, in id order: `[PAD]` is 0. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Non-ASCII characters common in code comments and docs, given their own tokens. */
const EXTRA_CHARACTERS = '’‘“”–—…•·→←×°€£¥©®™±≤≥≠√∞µ';

/** Single characters, then the `##` forms of those that can continue a word (not punctuation). */
function alphabet(): string[] {
  const singles: string[] = [];
  for (let code = 0x21; code <= 0x7e; code++) {
    const char = String.fromCharCode(code);
    if (char < 'A' || char > 'Z') singles.push(char);
  }
  singles.push(...Array.from(EXTRA_CHARACTERS));
  const continuing = singles.filter((char) => !/[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]/u.test(char));
  return [...singles, ...continuing.map((char) => CONTINUATION_PREFIX + char)];
}

/** Max-heap of pair counts with lazy deletion: stale entries are skipped when popped. */
class PairHeap {
  private readonly entries: { key: string; count: number }[] = [];

  private static before(a: { key: string; count: number }, b: { key: string; count: number }): boolean {
    return a.count !== b.count ? a.count > b.count : a.key < b.key;
  }

  push(key: string, count: number): void {
    const entries = this.entries;
    entries.push({ key, count });
    let i = entries.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!PairHeap.before(entries[i]!, entries[parent]!)) break;
      [entries[i], entries[parent]] = [entries[parent]!, entries[i]!];
      i = parent;
    }
  }

  /** The best pair whose count is still current, or undefined when none is left. */
  pop(current: ReadonlyMap<string, number>): string | undefined {
    const entries = this.entries;
    while (entries.length > 0) {
      const top = entries[0]!;
      const last = entries.pop()!;
      if (entries.length > 0) {
        entries[0] = last;
        for (let i = 0; ; ) {
          const left = 2 * i + 1;
          const right = left + 1;
          let best = i;
          if (left < entries.length && PairHeap.before(entries[left]!, entries[best]!)) best = left;
          if (right < entries.length && PairHeap.before(entries[right]!, entries[best]!)) best = right;
          if (best === i) break;
          [entries[i], entries[best]] = [entries[best]!, entries[i]!];
          i = best;
        }
      }
      if (top.count > 0 && current.get(top.key) === top.count) return top.key;
    }
    return undefined;
  }
}

interface TrainingWord {
  symbols: string[];
  weight: number;
}

/** Adds `sign * weight` to the count of every adjacent pair in `word`, recording touched pairs. */
function countPairs(word: TrainingWord, index: number, sign: number, counts: Map<string, number>, wordsOf: Map<string, Set<number>>, touched: Set<string>): void {
  for (let i = 0; i + 1 < word.symbols.length; i++) {
    const key = `${word.symbols[i]!} ${word.symbols[i + 1]!}`;
    counts.set(key, (counts.get(key) ?? 0) + sign * word.weight);
    touched.add(key);
    if (sign > 0) {
      const holders = wordsOf.get(key);
      if (holders) holders.add(index);
      else wordsOf.set(key, new Set([index]));
    }
  }
}

/** Replaces every non-overlapping `first second` in `symbols` (left to right) with `token`. */
function mergeSymbols(symbols: readonly string[], first: string, second: string, token: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === first && symbols[i + 1] === second) {
      out.push(token);
      i++;
    } else out.push(symbols[i]!);
  }
  return out;
}

/**
 * The vocabulary, in id order: {@link SPECIAL_TOKENS}, the alphabet, then learned pieces.
 * @param size - Entries wanted; throws when the corpus runs out of pairs to merge before that.
 */
export function buildVocabulary(size: number, wordCounts: ReadonlyMap<string, number> = corpusWordCounts()): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS, ...alphabet()];
  const known = new Set(vocab);
  const words: TrainingWord[] = [...wordCounts].map(([word, weight]) => {
    const continues = word.startsWith(CONTINUATION_PREFIX);
    // Code points, as the tokenizers' WordPiece walks a word.
    const chars = Array.from(continues ? word.slice(CONTINUATION_PREFIX.length) : word);
    return { symbols: chars.map((char, i) => (i === 0 && !continues ? char : CONTINUATION_PREFIX + char)), weight };
  });
  const counts = new Map<string, number>();
  const wordsOf = new Map<string, Set<number>>();
  const heap = new PairHeap();
  const touched = new Set<string>();
  words.forEach((word, index) => {
    countPairs(word, index, 1, counts, wordsOf, touched);
  });
  for (const key of touched) heap.push(key, counts.get(key)!);
  while (vocab.length < size) {
    const key = heap.pop(counts);
    if (key === undefined) {
      throw new InternalError(`the native model's corpus yields only ${vocab.length} WordPiece entries, fewer than the ${size} asked for; add words to src/devkit/native-model/corpus-*.ts`);
    }
    const [first, second] = key.split(' ') as [string, string];
    const token = first + second.slice(CONTINUATION_PREFIX.length);
    if (!known.has(token)) {
      known.add(token);
      vocab.push(token);
    }
    touched.clear();
    for (const index of [...wordsOf.get(key)!].sort((a, b) => a - b)) {
      const word = words[index]!;
      const symbols = mergeSymbols(word.symbols, first, second, token);
      if (symbols.length === word.symbols.length) continue;
      countPairs(word, index, -1, counts, wordsOf, touched);
      word.symbols = symbols;
      countPairs(word, index, 1, counts, wordsOf, touched);
    }
    for (const changed of [...touched].sort()) heap.push(changed, counts.get(changed)!);
  }
  return vocab;
}
