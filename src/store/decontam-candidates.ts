/**
 * The files `tidepool decontam` writes about its matches, as other stages read them: the lines of
 * `candidates.jsonl` (every match down to a floor, for `--rethreshold` and the report's score
 * histograms) and the evidence a person can check, attached to the best match of each detector in
 * `candidates.jsonl` and `removed.jsonl`. One reader/writer here, shared by `decontam` (writes,
 * rethresholds) and `report` (reads). Pure.
 *
 * `candidates.jsonl`, one line per record with at least one candidate, in the order records were checked:
 *
 * `{"record":N,"row_id":R,"removed":B,"candidates":[{"item","benchmark","detector","score","evidence","match"?}],"kept":"..."}`
 *
 * `record` is the record's 0-based place among the checked records; `row_id` only for pairs; `kept`
 * (the record's kept.jsonl line, verbatim) only on removed records. Scores are unrounded. `match`
 * ({@link MatchEvidence}) only on the best candidate of each detector, and only in files written
 * since evidence is recorded: readers treat it as optional, so older files stay readable.
 */
import { TidepoolError } from '../errors.js';

/** Output file name. */
export const CANDIDATES_FILE = 'candidates.jsonl';

/** The detectors of `tidepool decontam`. */
export type Detector = 'exact' | 'ngram' | 'embedding';

/** Detectors with a threshold to change (exact matches always remove). */
export type ScoredDetector = Exclude<Detector, 'exact'>;

/** A threshold per scored detector. */
export type Thresholds = Record<ScoredDetector, number>;

/** A half-open range `[start, end)` of UTF-16 units. */
export type Span = [start: number, end: number];

/**
 * One side of a match: a text (or an excerpt of it) and the parts of it that match the other side.
 * `spans` are offsets into `text`, ascending and disjoint.
 */
export interface EvidenceText {
  /** The text (an excerpt when it was longer than the recorded limit). */
  text: string;
  /** Offset of `text` in the whole text: 0 unless it is an excerpt that starts later. */
  from: number;
  /** Length of the whole text (`from + text.length` is less when the excerpt stops early). */
  length: number;
  /** Matching parts of `text`. Empty for the embedding detector, which matches whole texts. */
  spans: Span[];
}

/** What a person needs to check a match: where the benchmark item is, and both texts with the matching parts. */
export interface MatchEvidence {
  /** The benchmark file (as passed to `--bench`) and the item's 1-based line in it. */
  item: { path: string; line: number };
  /** The text of the record the detector checked (exact: docstring + code or the generated text; n-gram: the code). */
  record: EvidenceText;
  /** The benchmark text it matched (exact: the piece; n-gram: the code unit; embedding: the embedded text). */
  benchmark: EvidenceText;
}

/** One match of a detector, with the evidence written for it. */
export interface Finding {
  item: number;
  score: number;
  /** A short excerpt of the record (about 300 characters). */
  evidence: string;
  /** Both texts with the matching parts; on the best match of each detector only (absent in older files). */
  match?: MatchEvidence;
}

/** One recorded candidate. */
export interface Candidate extends Finding {
  /** `<file stem>/<task id>`, as removed.jsonl names it. */
  benchmark: string;
  detector: Detector;
}

/** One line of candidates.jsonl. */
export interface CandidateLine {
  record: number;
  row_id?: number;
  removed: boolean;
  candidates: Candidate[];
  kept?: string;
}

/** The line (key order fixed: `record` first, so that a merge can renumber it cheaply). */
export function formatCandidateLine(line: CandidateLine): string {
  return JSON.stringify({ record: line.record, ...(line.row_id === undefined ? {} : { row_id: line.row_id }), removed: line.removed, candidates: line.candidates, ...(line.kept === undefined ? {} : { kept: line.kept }) });
}

const RECORD_PREFIX = /^\{"record":(\d+)/;

/** A line with its `record` moved by `offset` (a shard's lines in the merged file). */
export function shiftCandidateLine(line: string, offset: number): string {
  return line.replace(RECORD_PREFIX, (_, record: string) => `{"record":${Number(record) + offset}`);
}

/** The JSON value of a line, or undefined when it is not JSON (the caller names the line). */
function parsedOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Parses one line of candidates.jsonl.
 * @throws TidepoolError `E_BAD_RECORD` naming the file and line when it is not one.
 */
export function parseCandidateLine(text: string, path: string, lineNumber: number): CandidateLine {
  const line = parsedOrUndefined(text) as Partial<CandidateLine> | null | undefined;
  if (typeof line !== 'object' || line === null || typeof line.record !== 'number' || typeof line.removed !== 'boolean' || !Array.isArray(line.candidates) || (line.removed && typeof line.kept !== 'string')) {
    throw new TidepoolError('E_BAD_RECORD', `${path}:${lineNumber}: not a candidates line (expected {"record", "removed", "candidates", "kept" when removed}). The file is written by tidepool decontam; rerun it rather than edit the file.`, { path, line: lineNumber });
  }
  return line as CandidateLine;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isOffset = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

function evidenceTextOf(value: unknown): EvidenceText | undefined {
  if (!isObject(value) || typeof value.text !== 'string' || !isOffset(value.from) || !isOffset(value.length) || !Array.isArray(value.spans)) return undefined;
  const text = value.text;
  const spans: Span[] = [];
  let last = 0;
  for (const span of value.spans as unknown[]) {
    // Spans out of order or out of the text would highlight the wrong characters: the whole side is dropped.
    if (!Array.isArray(span) || span.length !== 2 || !isOffset(span[0]) || !isOffset(span[1]) || span[0] < last || span[1] < span[0] || span[1] > text.length) return undefined;
    spans.push([span[0], span[1]]);
    last = span[1];
  }
  return { text, from: value.from, length: value.length, spans };
}

/**
 * A recorded `match` checked field by field, or undefined when there is none or it is not one (a file
 * from an older tidepool has none; a damaged one is shown without highlights rather than wrongly).
 */
export function parseMatchEvidence(value: unknown): MatchEvidence | undefined {
  if (!isObject(value) || !isObject(value.item) || typeof value.item.path !== 'string' || !isOffset(value.item.line)) return undefined;
  const record = evidenceTextOf(value.record);
  const benchmark = evidenceTextOf(value.benchmark);
  if (record === undefined || benchmark === undefined) return undefined;
  return { item: { path: value.item.path, line: value.item.line }, record, benchmark };
}

/** Output file of the removed records. */
export const REMOVED_FILE = 'removed.jsonl';

/** One entry of a removed record's `contamination` list, as a reader sees it. */
export interface RemovedEntry {
  benchmark: string;
  detector: string;
  score: number;
  evidence: string;
  /** Both texts with the matching parts; undefined in files from before evidence was recorded. */
  match: MatchEvidence | undefined;
}

/** Characters of a generated record's instruction shown in its label. */
const LABEL_CHARS = 80;

/** A removed record's reasons, named for a person. */
export interface RemovedRecord {
  /** `row_id N` for pairs, else `removed.jsonl line N: ` and the start of the instruction. */
  label: string;
  entries: RemovedEntry[];
}

/**
 * Parses one line of removed.jsonl: the record (any fields) plus its `contamination` list.
 * @throws TidepoolError `E_BAD_RECORD` naming the file and line when it is not one.
 */
export function parseRemovedLine(text: string, path: string, lineNumber: number): RemovedRecord {
  const value = parsedOrUndefined(text);
  const bad = (): TidepoolError => new TidepoolError('E_BAD_RECORD', `${path}:${lineNumber}: not a removed record (expected a JSON object with a "contamination" list of {"benchmark", "detector", "score", "evidence"}). The file is written by tidepool decontam; rerun it rather than edit the file.`, { path, line: lineNumber });
  if (!isObject(value) || !Array.isArray(value.contamination)) throw bad();
  const entries: RemovedEntry[] = [];
  for (const entry of value.contamination as unknown[]) {
    if (!isObject(entry) || typeof entry.benchmark !== 'string' || typeof entry.detector !== 'string' || typeof entry.score !== 'number' || typeof entry.evidence !== 'string') throw bad();
    entries.push({ benchmark: entry.benchmark, detector: entry.detector, score: entry.score, evidence: entry.evidence, match: parseMatchEvidence(entry.match) });
  }
  const rowId = value.row_id;
  const instruction = typeof value.instruction === 'string' ? value.instruction.replace(/\s+/g, ' ').trim() : '';
  const named = instruction === '' ? '' : `: ${instruction.length > LABEL_CHARS ? `${instruction.slice(0, LABEL_CHARS)}…` : instruction}`;
  return { label: typeof rowId === 'number' ? `row_id ${rowId}` : `${REMOVED_FILE} line ${lineNumber}${named}`, entries };
}
