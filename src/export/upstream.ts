/**
 * Follows the pipeline up from the export's input: the input folder's `manifest.json`, then the
 * manifest beside each of its `inputs[].path`, and so on (decontam -> generate -> select / ingest ...).
 * Folders that no longer exist, or have no manifest, are skipped; nothing here is fatal to the export.
 * Also counts the exported records' source repositories by streaming the pipeline's `pairs.arrow`.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { readArrowBatches } from '../store/arrow-file.js';
import { MANIFEST_FILE } from '../store/manifest.js';
import { PAIRS_FILE } from '../store/pairs.js';
import { candidatePaths, parseStageManifest, type StageRecord } from './provenance.js';
import { countPair, newRepoTally, type RepoTally, type SourceRowCounts } from './tally.js';

/** What the manifests say about the pipeline behind the input. */
export interface PipelineTrace {
  /** Stages found, upstream first (each folder once). */
  stages: StageRecord[];
  /** The decontam stage nearest the input, if any. */
  decontam: StageRecord | null;
  /** An existing `pairs.arrow` the pipeline read, if any. */
  pairsPath: string | null;
  /** Manifests that exist but could not be read (said in the log, not fatal). */
  notes: string[];
}

/** Deepest chain of stages followed (a guard against cycles in hand-edited manifests). */
const MAX_DEPTH = 32;

async function exists(path: string): Promise<'file' | 'dir' | null> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

async function readStage(dir: string, notes: string[]): Promise<StageRecord | null> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    notes.push(`${path} is not valid JSON (${(error as Error).message}); its stage is not described in the card`);
    return null;
  }
  const record = parseStageManifest(value, dir);
  if (typeof record === 'string') {
    notes.push(`${path} is not a tidepool manifest (${record}); its stage is not described in the card`);
    return null;
  }
  return record;
}

/** The first place a recorded path exists now, with what it is. */
async function locate(recorded: string, manifestDir: string, cwd: string): Promise<{ path: string; kind: 'file' | 'dir' } | null> {
  for (const path of candidatePaths(recorded, manifestDir, cwd)) {
    const kind = await exists(path);
    if (kind !== null) return { path, kind };
  }
  return null;
}

/**
 * Reads the manifest in `dir` and every upstream manifest still on disk.
 * @param cwd folder relative recorded paths are tried from first.
 */
export async function tracePipeline(dir: string, cwd: string): Promise<PipelineTrace> {
  const stages: StageRecord[] = [];
  const notes: string[] = [];
  const visited = new Set<string>();
  const pairsCandidates: string[] = [];

  const visit = async (folder: string, depth: number): Promise<void> => {
    const key = resolve(folder);
    if (visited.has(key) || depth > MAX_DEPTH) return;
    visited.add(key);
    const record = await readStage(folder, notes);
    if (record === null) return;
    for (const recorded of record.inputs) {
      const found = await locate(recorded, folder, cwd);
      if (found === null) continue;
      if (found.kind === 'file' && basename(found.path) === PAIRS_FILE) pairsCandidates.push(found.path);
      // Post-order: a stage's inputs are listed before it, so the card reads upstream first.
      await visit(found.kind === 'dir' ? found.path : dirname(found.path), depth + 1);
    }
    if (await exists(join(folder, PAIRS_FILE)) === 'file') pairsCandidates.push(join(folder, PAIRS_FILE));
    stages.push(record);
  };
  await visit(dir, 0);
  const decontam = [...stages].reverse().find((stage) => stage.stage === 'decontam') ?? null;
  return { stages, decontam, pairsPath: pairsCandidates[0] ?? null, notes };
}

/**
 * Looks the exported records' source rows up in `pairs.arrow` (streamed batch by batch, stopping once
 * every row is found) and counts records per repository.
 * @returns null when the file has no `row_id` / `repo` columns.
 */
export async function countRepos(pairsPath: string, rows: SourceRowCounts): Promise<RepoTally | null> {
  const tally = newRepoTally();
  if (rows.size === 0) return tally;
  for await (const batch of readArrowBatches(pairsPath)) {
    const rowIds = batch.getChild('row_id');
    const repos = batch.getChild('repo');
    if (rowIds === null || repos === null) return null;
    for (let i = 0; i < batch.numRows; i++) {
      const rowId = rowIds.get(i) as bigint | number | null;
      if (rowId === null) continue;
      const repo = repos.get(i) as string | null;
      countPair(tally, rows, Number(rowId), repo);
    }
    if (tally.matchedRows >= rows.size) break;
  }
  return tally;
}
