/**
 * Evidence a person can check: for a match, the record's text and the benchmark's text side by side
 * with the matching parts marked, as source offsets of each text. Exact matches are found on
 * whitespace-normalised text, so their run is mapped back through {@link normalizedToSource}; n-gram
 * matches share canonical n-grams, mapped back to the source spans of their tokens on both sides
 * ({@link sharedNgramSpans}); an embedding match compares whole texts, so it has no spans. Long texts
 * are cut to an excerpt around the matching parts ({@link excerpt}). Pure.
 */
import type { EvidenceText, MatchEvidence, Span } from '../store/decontam-candidates.js';
import { CanonicalScanner } from './canonical.js';
import type { ExactMatch } from './exact.js';
import { ngramHashes, type NgramMatch } from './ngram.js';
import { isWhitespaceUnit } from './normalize.js';

/** Longest record text kept as evidence, in characters: an excerpt around the matching parts beyond it. @default 2000 */
export const RECORD_EVIDENCE_CHARS = 2000;
/** Longest benchmark text kept as evidence (HumanEval's longest prompt + solution fits). @default 4000 */
export const BENCHMARK_EVIDENCE_CHARS = 4000;
/** Characters kept before the first matching part when an excerpt does not start at the text's start. */
const EXCERPT_LEAD = 200;

/**
 * For each unit of `text` normalised as the exact detector normalises it (white-space runs to one
 * space, ends trimmed), the offset in `text` of the unit it comes from (a space: the run's first unit).
 */
export function normalizedToSource(text: string): Int32Array {
  const map = new Int32Array(text.length);
  let length = 0;
  let pendingSpace = -1;
  for (let i = 0; i < text.length; i++) {
    if (isWhitespaceUnit(text.charCodeAt(i))) {
      if (length > 0 && pendingSpace < 0) pendingSpace = i;
      continue;
    }
    if (pendingSpace >= 0) {
      map[length++] = pendingSpace;
      pendingSpace = -1;
    }
    map[length++] = i;
  }
  return map.subarray(0, length);
}

/** The source span of normalised units `[start, end)` (`end > start`), through a {@link normalizedToSource} map. */
export function sourceSpan(map: Int32Array, start: number, end: number): Span {
  return [map[start]!, map[end - 1]! + 1];
}

/** Ascending, disjoint spans from token ranges: consecutive or overlapping marked tokens make one span. */
function tokenSpans(marked: Uint8Array, starts: Int32Array, ends: Int32Array, count: number): Span[] {
  const spans: Span[] = [];
  for (let t = 0; t < count; t++) {
    if (marked[t] === 0) continue;
    let last = t;
    while (last + 1 < count && marked[last + 1] === 1) last++;
    spans.push([starts[t]!, ends[last]!]);
    t = last;
  }
  return spans;
}

/** A scanned text: its token classes, their source spans, and the hash of each n-gram. */
interface Scanned {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  hashes: Uint32Array;
  grams: number;
}

function scanText(text: string, n: number, scanner: CanonicalScanner): Scanned {
  const count = scanner.scan(text);
  const hashes = new Uint32Array(Math.max(0, count - n + 1));
  const grams = ngramHashes(scanner.ids, count, n, hashes);
  return { ids: scanner.ids.slice(0, count), starts: scanner.starts.slice(0, count), ends: scanner.ends.slice(0, count), count, hashes, grams };
}

const sameGram = (a: Scanned, at: number, b: Scanned, bt: number, n: number): boolean => {
  for (let k = 0; k < n; k++) if (a.ids[at + k] !== b.ids[bt + k]) return false;
  return true;
};

/**
 * The parts of `a` and of `b` made of canonical n-grams (of `n` tokens) that the other text also
 * holds, as source spans of each. `counted` leaves out n-grams (by their hash) the detector does not
 * count, such as those common to many benchmark items. A hash match is confirmed token by token.
 */
export function sharedNgramSpans(a: string, b: string, n: number, counted: (hash: number) => boolean = () => true): { a: Span[]; b: Span[] } {
  const scanner = new CanonicalScanner();
  const left = scanText(a, n, scanner);
  const right = scanText(b, n, scanner);
  const byHash = new Map<number, number[]>();
  for (let at = 0; at < right.grams; at++) {
    const hash = right.hashes[at]!;
    if (!counted(hash)) continue;
    const list = byHash.get(hash);
    if (list === undefined) byHash.set(hash, [at]);
    else list.push(at);
  }
  const markedLeft = new Uint8Array(left.count);
  const markedRight = new Uint8Array(right.count);
  for (let at = 0; at < left.grams; at++) {
    const list = byHash.get(left.hashes[at]!);
    if (list === undefined) continue;
    for (const bt of list) {
      if (!sameGram(left, at, right, bt, n)) continue;
      markedLeft.fill(1, at, at + n);
      markedRight.fill(1, bt, bt + n);
    }
  }
  return { a: tokenSpans(markedLeft, left.starts, left.ends, left.count), b: tokenSpans(markedRight, right.starts, right.ends, right.count) };
}

/**
 * `text` with its matching `spans` (ascending, disjoint), whole when it has at most `limit`
 * characters, else an excerpt of `limit` characters starting a little before the first span; spans
 * are clipped to the excerpt and made relative to it.
 */
export function excerpt(text: string, spans: readonly Span[], limit: number): EvidenceText {
  if (text.length <= limit) return { text, from: 0, length: text.length, spans: spans.map(([start, end]) => [start, end]) };
  const from = Math.max(0, Math.min((spans[0]?.[0] ?? 0) - EXCERPT_LEAD, text.length - limit));
  const to = from + limit;
  const clipped: Span[] = [];
  for (const [start, end] of spans) {
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (e > s) clipped.push([s - from, e - from]);
  }
  return { text: text.slice(from, to), from, length: text.length, spans: clipped };
}

/** The benchmark texts the detectors indexed, to show beside a record. */
export interface EvidenceSources {
  /** The exact detector's pieces, by their index in its index ({@link ExactMatch.piece}). */
  pieces: readonly string[];
  /** The n-gram detector's code units, by index ({@link NgramMatch.unit}). */
  units: readonly string[];
  /** Per benchmark item: its file, line and embedded text. */
  items: readonly { path: string; line: number; embedText: string }[];
  /** N-gram length of the n-gram detector. */
  n: number;
  /** Whether the n-gram detector counts an n-gram (by hash). */
  counted: (hash: number) => boolean;
}

function evidenceOf(sources: EvidenceSources, item: number, record: string, recordSpans: readonly Span[], benchmark: string, benchmarkSpans: readonly Span[]): MatchEvidence {
  const { path, line } = sources.items[item]!;
  return { item: { path, line }, record: excerpt(record, recordSpans, RECORD_EVIDENCE_CHARS), benchmark: excerpt(benchmark, benchmarkSpans, BENCHMARK_EVIDENCE_CHARS) };
}

/** An exact match: the shared run in the record's text and in the benchmark piece. */
export function exactEvidence(text: string, match: ExactMatch, sources: EvidenceSources): MatchEvidence {
  const piece = sources.pieces[match.piece]!;
  const recordSpan = sourceSpan(normalizedToSource(text), match.start, match.start + match.length);
  const pieceSpan = sourceSpan(normalizedToSource(piece), match.pieceStart, match.pieceStart + match.length);
  return evidenceOf(sources, match.item, text, [recordSpan], piece, [pieceSpan]);
}

/** An n-gram match: the counted canonical n-grams the record's code and the benchmark unit share. */
export function ngramEvidence(code: string, match: NgramMatch, sources: EvidenceSources): MatchEvidence {
  const unit = sources.units[match.unit]!;
  const shared = sharedNgramSpans(code, unit, sources.n, sources.counted);
  return evidenceOf(sources, match.item, code, shared.a, unit, shared.b);
}

/** An embedding match: the two embedded texts, whole (excerpts when long). */
export function embeddingEvidence(embedText: string, item: number, sources: EvidenceSources): MatchEvidence {
  return evidenceOf(sources, item, embedText, [], sources.items[item]!.embedText, []);
}
