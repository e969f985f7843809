/**
 * Reads what the decontamination figures need beyond the manifest's counts: the score distribution
 * of candidates.jsonl (streamed a line at a time into fixed bins: memory does not grow with the file)
 * binned at the floors and thresholds the manifest records, and the first removed records of
 * removed.jsonl with their evidence (the rest only counted).
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CANDIDATES_FILE, REMOVED_FILE, parseCandidateLine, parseRemovedLine, type RemovedRecord, type ScoredDetector, type Thresholds } from '../store/decontam-candidates.js';
import type { Manifest } from '../store/manifest.js';
import { ScoreHistogramCounter } from '../store/score-histogram.js';
import type { DecontamEvidenceData, DecontamScoresData } from './data.js';

/** What the manifest says about candidates: the benchmark stems, the scored detectors that ran, their floors and thresholds. */
export interface RecordedScores {
  stems: string[];
  detectors: ScoredDetector[];
  floors: Thresholds;
  thresholds: Thresholds;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScore = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;

/** The candidates' parameters of a decontam manifest, or a problem (an older decontam recorded none). Pure. */
export function recordedScores(manifest: Manifest): RecordedScores | { problem: string } {
  const parameters = manifest.parameters;
  const candidates = parameters.candidates;
  const ngram = parameters.ngram;
  const embedding = parameters.embedding;
  const benchmarks = parameters.benchmarks;
  if (!isObject(candidates) || !isObject(candidates.floors) || !isScore(candidates.floors.ngram) || !isScore(candidates.floors.embedding)) {
    return { problem: 'its manifest records no candidates (written by tidepool decontam since near misses are kept): rerun tidepool decontam' };
  }
  if (!isObject(ngram) || typeof ngram.enabled !== 'boolean' || !isScore(ngram.threshold) || !isObject(embedding) || typeof embedding.enabled !== 'boolean' || !Array.isArray(benchmarks)) {
    return { problem: 'its manifest has no "parameters.ngram", "parameters.embedding" and "parameters.benchmarks" as tidepool decontam writes them' };
  }
  const stems = benchmarks.map((benchmark) => (isObject(benchmark) && typeof benchmark.stem === 'string' ? benchmark.stem : null));
  if (stems.some((stem) => stem === null)) return { problem: 'its manifest\'s "parameters.benchmarks" entries have no "stem"' };
  const floors = { ngram: candidates.floors.ngram, embedding: candidates.floors.embedding };
  const detectors: ScoredDetector[] = [];
  if (ngram.enabled) detectors.push('ngram');
  if (embedding.enabled) detectors.push('embedding');
  return {
    stems: stems as string[], detectors, floors,
    thresholds: { ngram: ngram.threshold, embedding: isScore(embedding.threshold) ? embedding.threshold : floors.embedding },
  };
}

function lines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

/**
 * Bins every candidate of `dir/candidates.jsonl` per benchmark and detector.
 * @throws TidepoolError `E_BAD_RECORD` naming the file and line of a line that is not a candidates line.
 */
export async function scanCandidates(dir: string, recorded: RecordedScores): Promise<DecontamScoresData | { problem: string }> {
  const path = join(dir, CANDIDATES_FILE);
  if (!existsSync(path)) return { problem: `${path} is missing (written by tidepool decontam since near misses are kept): rerun tidepool decontam` };
  const counter = new ScoreHistogramCounter(recorded.stems, recorded.detectors, recorded.floors, recorded.thresholds);
  let number = 0;
  let candidateRecords = 0;
  for await (const text of lines(path)) {
    number++;
    if (text === '') continue;
    counter.add(parseCandidateLine(text, path, number));
    candidateRecords++;
  }
  return { histograms: counter.result(), candidateRecords };
}

/**
 * The first `limit` records of `dir/removed.jsonl` with their entries, and how many there are.
 * @throws TidepoolError `E_BAD_RECORD` naming the file and line of a shown line that is not a removed record.
 */
export async function scanRemoved(dir: string, limit: number): Promise<DecontamEvidenceData | { problem: string }> {
  const path = join(dir, REMOVED_FILE);
  if (!existsSync(path)) return { problem: `${path} is missing: rerun tidepool decontam` };
  const records: RemovedRecord[] = [];
  let number = 0;
  let total = 0;
  for await (const text of lines(path)) {
    number++;
    if (text === '') continue;
    total++;
    // Lines past the limit are only counted: a large file costs a read, not memory.
    if (records.length < limit) records.push(parseRemovedLine(text, path, number));
  }
  return { records, total, limit };
}
