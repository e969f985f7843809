/**
 * The exact-substring detector. A record is flagged when its whitespace-normalised text shares a run of
 * at least `minChars` characters with a whitespace-normalised benchmark piece (so a piece shorter than
 * that can never match, and "return x" does not flag everything).
 *
 * How: every window of `minChars` characters of every piece is hashed (a polynomial rolling hash) into
 * one {@link HashPostings} table, once. A record is normalised into a reusable buffer, its windows are
 * rolled over in one pass and looked up; a hit is confirmed by comparing the characters, then extended
 * both ways to the maximal shared run, which is the evidence. Work per record is linear in its length
 * whatever the number of benchmark items: no record x item loop. Pure.
 */
import { HashPostings } from './postings.js';
import { NormalizedBuffer, truncateEvidence } from './normalize.js';

/** A benchmark text to index: which item it belongs to, and the raw text. */
export interface ExactPieceInput {
  item: number;
  text: string;
}

/** The best shared run between a record and one benchmark item. */
export interface ExactMatch {
  item: number;
  /** Index (in the list given to {@link ExactIndex.build}) of the piece the run is in. */
  piece: number;
  /** Length of the shared run, in normalised characters. */
  length: number;
  /** Where the run starts in the record's normalised text. */
  start: number;
  /** Where the run starts in the piece's normalised text. */
  pieceStart: number;
  /** Run length over the piece's normalised length: 1 means the whole piece is in the record. */
  score: number;
  /** The shared run (normalised), truncated. */
  evidence: string;
}

/** What the index holds. */
export interface ExactIndexStats {
  pieces: number;
  /** Pieces at least `minChars` long after normalisation: the only ones that can match. */
  indexedPieces: number;
  /** Pieces shorter than `minChars` (never matched). */
  shortPieces: number;
  /** Windows hashed. */
  windows: number;
  /** Windows left out for having fewer than {@link MIN_DISTINCT_UNITS} distinct characters. */
  lowInformationWindows: number;
}

/**
 * Windows with fewer distinct characters than this are not indexed: a line of 50 `=` or `-` in a
 * benchmark statement would otherwise flag every record with a comment banner. A real copy still
 * matches through its other windows.
 */
export const MIN_DISTINCT_UNITS = 8;

/** Odd multiplier of the rolling hash. */
const BASE = 0x9e3779b1;

/** A run found in the record being scanned. */
interface Run {
  piece: number;
  /** Record position minus piece offset: runs on one diagonal are the same alignment. */
  diagonal: number;
  start: number;
  end: number;
}

/** The exact-substring index over a benchmark's pieces. */
export class ExactIndex {
  readonly minChars: number;
  readonly stats: ExactIndexStats;
  private readonly text: Uint16Array;
  private readonly pieceStarts: Int32Array;
  private readonly pieceItems: Int32Array;
  /** Index in the input list of each indexed piece. */
  private readonly pieceInputs: Int32Array;
  private readonly table: HashPostings;
  private readonly power: number;
  private readonly buffer = new NormalizedBuffer();

  private constructor(minChars: number, text: Uint16Array, pieceStarts: Int32Array, pieceItems: Int32Array, pieceInputs: Int32Array, table: HashPostings, stats: ExactIndexStats) {
    this.minChars = minChars;
    this.pieceInputs = pieceInputs;
    this.text = text;
    this.pieceStarts = pieceStarts;
    this.pieceItems = pieceItems;
    this.table = table;
    this.stats = stats;
    this.power = powerOf(minChars);
  }

  /** Indexes every window of `minChars` characters of every piece. */
  static build(pieces: readonly ExactPieceInput[], minChars: number): ExactIndex {
    const buffer = new NormalizedBuffer();
    const normalized: Uint16Array[] = [];
    const items: number[] = [];
    const inputs: number[] = [];
    let total = 0;
    let windows = 0;
    for (const [index, piece] of pieces.entries()) {
      const length = buffer.normalize(piece.text);
      if (length < minChars) continue;
      normalized.push(buffer.units.slice(0, length));
      items.push(piece.item);
      inputs.push(index);
      total += length;
      windows += length - minChars + 1;
    }
    // Pieces are laid end to end; a window never spans two because only windows inside one are hashed.
    const text = new Uint16Array(total);
    const pieceStarts = new Int32Array(normalized.length + 1);
    for (let p = 0; p < normalized.length; p++) {
      text.set(normalized[p]!, pieceStarts[p]);
      pieceStarts[p + 1] = pieceStarts[p]! + normalized[p]!.length;
    }
    const keys = new Uint32Array(windows);
    const positions = new Int32Array(windows);
    let count = 0;
    let lowInformation = 0;
    const seen = new Uint16Array(65536);
    let distinct = 0;
    const power = powerOf(minChars);
    for (let p = 0; p < normalized.length; p++) {
      const start = pieceStarts[p]!;
      const end = pieceStarts[p + 1]!;
      let hash = 0;
      distinct = 0;
      for (let k = start; k < start + minChars; k++) {
        hash = (Math.imul(hash, BASE) + text[k]!) | 0;
        if (seen[text[k]!]!++ === 0) distinct++;
      }
      for (let at = start; ; at++) {
        if (distinct >= MIN_DISTINCT_UNITS) {
          keys[count] = hash >>> 0;
          positions[count++] = at;
        } else {
          lowInformation++;
        }
        if (at + minChars >= end) break;
        const out = text[at]!;
        const into = text[at + minChars]!;
        if (--seen[out]! === 0) distinct--;
        if (seen[into]!++ === 0) distinct++;
        hash = (Math.imul(hash - Math.imul(out, power), BASE) + into) | 0;
      }
      for (let k = end - minChars; k < end; k++) seen[text[k]!] = 0;
    }
    const table = HashPostings.build(keys, positions, count);
    const stats: ExactIndexStats = { pieces: pieces.length, indexedPieces: normalized.length, shortPieces: pieces.length - normalized.length, windows: count, lowInformationWindows: lowInformation };
    return new ExactIndex(minChars, text, pieceStarts, Int32Array.from(items), Int32Array.from(inputs), table, stats);
  }

  /** Benchmark items with at least one shared run in `text`, each with its longest run; in item order. */
  scan(text: string): ExactMatch[] {
    const w = this.minChars;
    const length = this.buffer.normalize(text);
    if (length < w) return [];
    const units = this.buffer.units;
    const { table, power } = this;
    let runs: Run[] | undefined;
    let hash = 0;
    for (let k = 0; k < w; k++) hash = (Math.imul(hash, BASE) + units[k]!) | 0;
    for (let at = 0; ; at++) {
      const key = hash >>> 0;
      if (table.mayContain(key)) {
        const slot = table.find(key);
        if (slot >= 0) runs = this.confirm(slot, at, length, runs ?? []);
      }
      if (at + w >= length) break;
      hash = (Math.imul(hash - Math.imul(units[at]!, power), BASE) + units[at + w]!) | 0;
    }
    return runs === undefined || runs.length === 0 ? [] : this.best(runs);
  }

  /** Checks the postings of a hit at record position `at`; adds each new maximal run to `runs`. */
  private confirm(slot: number, at: number, length: number, runs: Run[]): Run[] {
    const units = this.buffer.units;
    const { text, table } = this;
    const w = this.minChars;
    for (let posting = table.start(slot); posting < table.end(slot); posting++) {
      const position = table.values[posting]!;
      const piece = this.pieceOf(position);
      const offset = position - this.pieceStarts[piece]!;
      const diagonal = at - offset;
      if (runs.some((run) => run.piece === piece && run.diagonal === diagonal && at < run.end)) continue;
      let equal = true;
      for (let k = 0; k < w; k++) {
        if (units[at + k] !== text[position + k]) {
          equal = false;
          break;
        }
      }
      if (!equal) continue;
      const pieceEnd = this.pieceStarts[piece + 1]!;
      let left = 0;
      while (at - left > 0 && position - left > this.pieceStarts[piece]! && units[at - left - 1] === text[position - left - 1]) left++;
      let right = w;
      while (at + right < length && position + right < pieceEnd && units[at + right] === text[position + right]) right++;
      runs.push({ piece, diagonal, start: at - left, end: at + right });
    }
    return runs;
  }

  /** The longest run per item, with its evidence. */
  private best(runs: readonly Run[]): ExactMatch[] {
    const byItem = new Map<number, Run>();
    for (const run of runs) {
      const item = this.pieceItems[run.piece]!;
      const current = byItem.get(item);
      if (current === undefined || run.end - run.start > current.end - current.start) byItem.set(item, run);
    }
    return [...byItem.entries()].sort((a, b) => a[0] - b[0]).map(([item, run]) => {
      const pieceLength = this.pieceStarts[run.piece + 1]! - this.pieceStarts[run.piece]!;
      const runLength = run.end - run.start;
      return {
        item,
        piece: this.pieceInputs[run.piece]!,
        length: runLength,
        start: run.start,
        pieceStart: run.start - run.diagonal,
        score: runLength / pieceLength,
        evidence: truncateEvidence(this.buffer.slice(run.start, Math.min(run.end, run.start + 400))),
      };
    });
  }

  /** The piece holding text position `position` (binary search over piece starts). */
  private pieceOf(position: number): number {
    const starts = this.pieceStarts;
    let low = 0;
    let high = starts.length - 2;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= position) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/** BASE^(w-1) mod 2^32: the weight of the unit that leaves the window. */
function powerOf(w: number): number {
  let power = 1;
  for (let k = 1; k < w; k++) power = Math.imul(power, BASE);
  return power;
}
