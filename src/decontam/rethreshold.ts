/**
 * `tidepool decontam --rethreshold --out DIR`: applies other thresholds to a finished decontam output
 * from its candidates.jsonl alone (no benchmarks, indexes or embeddings), in one pass over kept.jsonl.
 * Every record that is not a candidate is in kept.jsonl and stays kept; a candidate's verdict is
 * decided again from its recorded scores, exactly as the detectors decide (exact matches always
 * remove). kept.jsonl, removed.jsonl and candidates.jsonl are rewritten (byte-identical to a full run
 * at the same thresholds), and the manifest records the new thresholds and the previous ones.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { TidepoolError } from '../errors.js';
import { MANIFEST_FILE, describeFile, newManifest, readManifest, type Manifest } from '../store/manifest.js';
import { withOutputFolder } from '../store/output-folder.js';
import { OptionProblems, type OptionTable } from '../util/options.js';
import { CANDIDATES_FILE, formatCandidateLine, parseCandidateLine, passingFindings, type CandidateLine, type ScoredDetector, type Thresholds } from './candidates.js';
import { formatHistograms, scoreHistograms, stemOf, type ScoreHistogram } from './histogram.js';
import { DECONTAM_OPTIONS } from './options.js';
import { DECONTAM_FILES } from './run.js';
import { DecontamTally, NO_FINDINGS, contaminationList, type Detector } from './verdict.js';
import { JsonlWriter } from './writer.js';

/** Arguments of {@link rethresholdDecontam}. */
export interface RethresholdRun {
  /** A decontam output folder (with candidates.jsonl). */
  out: string;
  /** New n-gram threshold. @default the folder's */
  ngramThreshold?: number | undefined;
  /** New embedding threshold. @default the folder's */
  embedThreshold?: number | undefined;
}

/** The `--json` summary of a rethreshold. */
export interface RethresholdSummary {
  out: string;
  records: number;
  kept: number;
  removed: number;
  removedByBenchmark: Record<string, number>;
  removedByDetector: Record<Detector, number>;
  benchmarkItemsHit: number;
  thresholds: Thresholds;
  previousThresholds: Thresholds;
  floors: Thresholds;
  /** Records with at least one candidate. */
  candidateRecords: number;
  histograms: ScoreHistogram[];
  /** The histograms as text. */
  histogramText: string;
  seconds: number;
}

const RETHRESHOLD_OPTIONS: OptionTable = { ngramThreshold: DECONTAM_OPTIONS.ngramThreshold!, embedThreshold: DECONTAM_OPTIONS.embedThreshold! };

/** What the folder's manifest says, checked. */
interface Recorded {
  manifest: Manifest;
  thresholds: Thresholds;
  floors: Thresholds;
  enabled: Record<ScoredDetector, boolean>;
  stems: string[];
  records: number;
}

function recordedOf(manifest: Manifest, out: string): Recorded {
  const parameters = manifest.parameters as {
    ngram?: { enabled: boolean; threshold: number };
    embedding?: { enabled: boolean; threshold?: number };
    benchmarks?: { stem: string }[];
    candidates?: { floors: Thresholds };
  };
  if (manifest.stage !== 'decontam' || parameters.ngram === undefined || parameters.embedding === undefined || parameters.benchmarks === undefined) {
    throw new TidepoolError('E_USAGE', `${out} holds a ${manifest.stage} output, not a decontam one: --rethreshold works on the --out folder of a finished tidepool decontam run.`, { path: out });
  }
  if (parameters.candidates === undefined || !existsSync(join(out, CANDIDATES_FILE))) {
    throw new TidepoolError('E_USAGE', `${out} has no ${CANDIDATES_FILE} (written by tidepool decontam since near misses are recorded): rerun tidepool decontam into it once, then --rethreshold.`, { path: out });
  }
  const floors = parameters.candidates.floors;
  return {
    manifest,
    // A detector that did not run has no candidates: any threshold leaves it as it is.
    thresholds: { ngram: parameters.ngram.threshold, embedding: parameters.embedding.threshold ?? floors.embedding },
    floors,
    enabled: { ngram: parameters.ngram.enabled, embedding: parameters.embedding.enabled },
    stems: parameters.benchmarks.map((benchmark) => benchmark.stem),
    records: Number(manifest.counts.records),
  };
}

/** The new thresholds, checked against the options' ranges and the recorded floors (all problems at once). */
function newThresholds(run: RethresholdRun, recorded: Recorded): Thresholds {
  const problems = new OptionProblems('decontam --rethreshold', RETHRESHOLD_OPTIONS);
  const asked: Record<ScoredDetector, number | undefined> = {
    ngram: problems.value('ngramThreshold', run.ngramThreshold),
    embedding: problems.value('embedThreshold', run.embedThreshold),
  };
  const option: Record<ScoredDetector, string> = { ngram: 'ngramThreshold', embedding: 'embedThreshold' };
  for (const detector of ['ngram', 'embedding'] as const) {
    const value = asked[detector];
    if (value === undefined) continue;
    if (!recorded.enabled[detector]) problems.add(`{name} sets the ${detector} detector's threshold, but it did not run in ${run.out}: drop {name}, or rerun tidepool decontam with that detector on`, option[detector], option[detector]);
    else if (value < recorded.floors[detector]) {
      problems.add(`{name} ${value} is below the floor ${recorded.floors[detector]} that ${run.out} recorded its ${detector} candidates down to (those under it were not kept). Use ${recorded.floors[detector]} or more, or rerun tidepool decontam with {name} ${value}: it then records down to that threshold.`, option[detector], option[detector]);
    }
  }
  problems.throwIfAny();
  return { ngram: asked.ngram ?? recorded.thresholds.ngram, embedding: asked.embedding ?? recorded.thresholds.embedding };
}

async function readCandidates(path: string): Promise<CandidateLine[]> {
  const lines: CandidateLine[] = [];
  let number = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    number++;
    if (text !== '') lines.push(parseCandidateLine(text, path, number));
  }
  return lines;
}

/** Re-applies thresholds to `run.out` and returns what changed. */
export async function rethresholdDecontam(run: RethresholdRun): Promise<RethresholdSummary> {
  const started = performance.now();
  // Checked before the claim, which would create a missing folder.
  if (!existsSync(join(run.out, MANIFEST_FILE))) {
    throw new TidepoolError('E_USAGE', `${run.out} has no ${MANIFEST_FILE}: --rethreshold works on the --out folder of a finished tidepool decontam run (run tidepool decontam into it first).`, { path: run.out });
  }
  return withOutputFolder(run.out, 'decontam --rethreshold', async (folder) => {
    const recorded = recordedOf(await readManifest(run.out), run.out);
    const thresholds = newThresholds(run, recorded);
    const candidatesPath = folder.file(CANDIDATES_FILE);
    const lines = await readCandidates(candidatesPath);
    // Sparse tables of the items the candidates name (the benchmarks themselves are not read).
    const itemIds: string[] = [];
    const itemStems: string[] = [];
    for (const line of lines) {
      for (const candidate of line.candidates) {
        itemIds[candidate.item] = candidate.benchmark;
        itemStems[candidate.item] = stemOf(candidate.benchmark);
      }
    }
    const tally = new DecontamTally(recorded.stems, itemStems);
    await folder.uncommit();
    const keptPath = folder.file(DECONTAM_FILES.kept);
    const writers = [JsonlWriter.create(keptPath), JsonlWriter.create(folder.file(DECONTAM_FILES.removed)), JsonlWriter.create(candidatesPath)] as const;
    const [keptFile, removedFile, candidatesFile] = writers;
    try {
      const oldKept = createInterface({ input: createReadStream(keptPath), crlfDelay: Infinity })[Symbol.asyncIterator]();
      const nextKept = async (record: number): Promise<string> => {
        const next = await oldKept.next();
        if (next.done === true) throw new TidepoolError('E_BAD_RECORD', `${keptPath} ends before record ${record} of ${recorded.records}: it does not belong with ${candidatesPath} (edited or replaced?). Rerun tidepool decontam into ${run.out}.`, { path: keptPath });
        return next.value;
      };
      let at = 0;
      for (let record = 0; record < recorded.records; record++) {
        const line = lines[at]?.record === record ? lines[at++] : undefined;
        if (line === undefined) {
          tally.add(NO_FINDINGS);
          keptFile.write(await nextKept(record));
          continue;
        }
        const keptLine = line.removed ? line.kept! : await nextKept(record);
        const found = passingFindings(line.candidates, thresholds);
        const removed = tally.add(found);
        if (removed) removedFile.write(JSON.stringify({ ...(JSON.parse(keptLine) as object), contamination: contaminationList(found, itemIds) }));
        else keptFile.write(keptLine);
        candidatesFile.write(formatCandidateLine({ record: line.record, ...(line.row_id === undefined ? {} : { row_id: line.row_id }), removed, candidates: line.candidates, ...(removed ? { kept: keptLine } : {}) }));
      }
      if (at < lines.length || !(await oldKept.next()).done) {
        throw new TidepoolError('E_BAD_RECORD', `${keptPath} and ${candidatesPath} hold more records than the ${recorded.records} its manifest counts (edited or replaced?). Rerun tidepool decontam into ${run.out}.`, { path: run.out });
      }
    } catch (error) {
      for (const writer of writers) writer.abort();
      throw error;
    }
    const outputs = writers.map((writer) => writer.close());
    const rejects = folder.file(DECONTAM_FILES.rejects);
    if (existsSync(rejects)) outputs.push(await describeFile(rejects));
    const seconds = (performance.now() - started) / 1000;
    // The tool fields (and createdAt) are this rethreshold's; the rest is the run's, updated.
    const manifest = recorded.manifest;
    const parameters = manifest.parameters as { ngram: object; embedding: object };
    await folder.commit(newManifest({
      stage: manifest.stage, inputs: manifest.inputs,
      ...(manifest.lineage === undefined ? {} : { lineage: manifest.lineage }),
      ...(manifest.executor === undefined ? {} : { executor: manifest.executor }),
      parameters: {
        // Without the shards' identity a later --merge assembles the parts again instead of calling
        // these rethresholded files its own.
        ...Object.fromEntries(Object.entries(manifest.parameters).filter(([key]) => key !== 'identity')),
        ngram: { ...parameters.ngram, threshold: thresholds.ngram },
        embedding: recorded.enabled.embedding ? { ...parameters.embedding, threshold: thresholds.embedding } : parameters.embedding,
        rethreshold: { thresholds, previousThresholds: recorded.thresholds },
      },
      outputs,
      counts: { ...manifest.counts, kept: tally.kept, removed: tally.removed, removedByBenchmark: tally.removedByBenchmark, removedByDetector: tally.removedByDetector, benchmarkItemsHit: tally.benchmarkItemsHit },
      timings: { ...manifest.timings, rethresholdSeconds: seconds },
    }));
    const detectors = (['ngram', 'embedding'] as const).filter((detector) => recorded.enabled[detector]);
    const histograms = scoreHistograms(lines, recorded.stems, detectors, recorded.floors, thresholds);
    return {
      out: run.out, records: tally.records, kept: tally.kept, removed: tally.removed,
      removedByBenchmark: tally.removedByBenchmark, removedByDetector: tally.removedByDetector, benchmarkItemsHit: tally.benchmarkItemsHit,
      thresholds, previousThresholds: recorded.thresholds, floors: recorded.floors, candidateRecords: lines.length,
      histograms, histogramText: formatHistograms(histograms), seconds,
    };
  });
}
