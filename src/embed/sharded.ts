/**
 * `embed --shard I/N` and `embed --merge`: many processes (on one machine or many sharing the output
 * folder) embed one run together. Shard I embeds only its contiguous range of windows (store/shards.ts)
 * into the folder's ordinary window journal (parts.ts: a window's file is named by its index, so shards
 * never collide), then writes its completion marker (store/shard-folder.ts). The merge, run by the shard
 * that finds every marker present or by `--merge`, assembles the journal exactly as an unsharded run
 * does, so `embeddings.arrow` is byte-identical to one; a merged folder is not merged again.
 * The hashing model's document frequencies need every row: each shard counts them (a deterministic
 * pass, so all get the same table) unless one has already saved them in the journal.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TidepoolError, writeFailure } from '../errors.js';
import { readArrowBatches } from '../store/arrow-file.js';
import { EMBEDDINGS_FILE } from '../store/embeddings-file.js';
import { readManifest } from '../store/manifest.js';
import { OutputFolder } from '../store/output-folder.js';
import { assertNotLocked } from '../store/output-lock.js';
import { ShardFolder, type ShardPlan } from '../store/shard-folder.js';
import { formatShard, shardRange, windowCount, type Shard } from '../store/shards.js';
import { EmbedParts } from './parts.js';
import { accumulate, assertNotOtherRun, commitEmbeddings, embedWindows, emptyTotals, setUpEmbed, type EmbedRun, type EmbedSetup, type EmbedSummary, type EmbedTotals } from './run.js';

/** Runs one shard (merging when it finishes last) or, with `merge`, only the merge. */
export async function runEmbedSharded(run: EmbedRun, started: number): Promise<EmbedSummary> {
  const setup = await setUpEmbed(run);
  await mkdir(run.out, { recursive: true }).catch((error: unknown) => {
    throw writeFailure(error, run.out, false);
  });
  const shards = new ShardFolder(run.out);
  const shard = setup.options.shard;
  if (shard === undefined) {
    const merged = await mergeShards(setup, shards, started);
    return { ...merged, merged: true };
  }
  return runShard(setup, shard, shards, run, started);
}

/** Rows of the pairs: from their manifest, else counted from the file. */
async function rowsOf(setup: EmbedSetup): Promise<number> {
  if (setup.input.rows !== undefined) return setup.input.rows;
  let rows = 0;
  for await (const batch of readArrowBatches(setup.input.path)) rows += batch.numRows;
  return rows;
}

function planOf(setup: EmbedSetup, shards: number): ShardPlan {
  return { stage: 'embed', shards, identity: setup.identity, key: setup.key };
}

async function runShard(setup: EmbedSetup, shard: Shard, shards: ShardFolder, run: EmbedRun, started: number): Promise<EmbedSummary> {
  // An unsharded run or a merge in progress owns the folder: a shard must not write beside it.
  assertNotLocked(run.out);
  const claim = await shards.claim(shard, 'embed');
  let summary: EmbedSummary;
  try {
    await assertNotOtherRun({ dir: run.out }, setup.identity, setup.input);
    await shards.adopt(planOf(setup, shard.count), shard);
    const windows = shardRange(shard, windowCount(await rowsOf(setup), setup.windowRows));
    if (shards.isDone(shard.index)) {
      summary = shardSummary(setup, emptyTotals(), run.out, started, { shard: formatShard(shard), windows, alreadyDone: true });
    } else {
      const parts = await EmbedParts.open(run.out, setup.key);
      // An empty shard (more shards than windows) has nothing to embed, not even the hashing model's counts.
      const { totals } = windows.start === windows.end ? { totals: emptyTotals() } : await embedWindows(setup, parts, run, windows);
      await shards.markDone(shard.index);
      summary = shardSummary(setup, totals, run.out, started, { shard: formatShard(shard), windows, alreadyDone: false });
    }
  } finally {
    claim.release();
  }
  const missing = shards.missing(shard.count);
  if (missing.length > 0) return { ...summary, merged: false, missingShards: missing };
  try {
    const merged = await mergeShards(setup, shards, started);
    return { ...summary, merged: true, mergedRows: merged.rows, alreadyMerged: merged.alreadyMerged ?? false };
  } catch (error) {
    // Two shards that finish together both find every marker; the one that claims the folder merges.
    if (error instanceof TidepoolError && error.code === 'E_OUTPUT_LOCKED') return { ...summary, merged: false, missingShards: [] };
    throw error;
  }
}

function shardSummary(setup: EmbedSetup, totals: EmbedTotals, out: string, started: number, fields: Pick<EmbedSummary, 'shard' | 'windows' | 'alreadyDone'>): EmbedSummary {
  const { model } = setup;
  return {
    rows: totals.rows, dim: model.dim, seconds: (performance.now() - started) / 1000, rowsPerSecond: totals.embeddedRows / Math.max(totals.embedSeconds, 1e-9),
    device: model.device, model: model.key, tokens: totals.tokens,
    tokensPerSecond: model.kind === 'hashing' ? null : totals.embeddedTokens / Math.max(totals.embedSeconds, 1e-9),
    paddingFraction: totals.paddedTokens > 0 ? 1 - totals.tokens / totals.paddedTokens : null,
    truncated: totals.truncated, empty: totals.empty, zeroVectors: totals.zeroVectors, resumedRows: totals.resumedRows, out, ...fields,
  };
}

/**
 * Assembles the shards' journal into `embeddings.arrow` + manifest under the folder's exclusive claim;
 * a folder already merged from the same run is left as it is.
 * @throws TidepoolError `E_USAGE` when no sharded run is in the folder, it is another run's, or shards are unfinished.
 */
async function mergeShards(setup: EmbedSetup, shards: ShardFolder, started: number): Promise<EmbedSummary> {
  const out = shards.out;
  const folder = await OutputFolder.claim(out, 'embed --merge');
  try {
    const plan = await shards.planForMerge('embed', 'tidepool embed --shard I/N');
    shards.check(plan, { ...planOf(setup, plan.shards) }, '--merge');
    const manifest = await readManifest(out).catch(() => undefined);
    if (manifest?.stage === 'embed' && manifest.parameters.identity === setup.identity && manifest.parameters.shards === plan.shards && existsSync(join(out, EMBEDDINGS_FILE))) {
      const counts = manifest.counts as Record<string, number>;
      const totals = { ...emptyTotals(), rows: counts.rows ?? 0, tokens: counts.tokens ?? 0, truncated: counts.truncated ?? 0, empty: counts.empty ?? 0, zeroVectors: counts.zeroVectors ?? 0 };
      return { ...shardSummary(setup, totals, out, started, {}), alreadyMerged: true };
    }
    shards.assertFinished(plan);
    const parts = await EmbedParts.open(out, setup.key);
    const finished = await parts.finished();
    const windows = windowCount(await rowsOf(setup), setup.windowRows);
    const totals = emptyTotals();
    for (let window = 0; window < windows; window++) {
      const stats = finished.get(window);
      if (stats === undefined) {
        const owner = Array.from({ length: plan.shards }, (_, index) => index).find((index) => { const range = shardRange({ index, count: plan.shards }, windows); return window >= range.start && window < range.end; }) ?? 0;
        throw new TidepoolError('E_USAGE', `cannot merge ${out}: window ${window} is missing from the journal ${parts.dir}, though shard ${owner}/${plan.shards} that owns it is marked finished (files removed by hand?). Delete ${shards.marker(owner)} and rerun --shard ${owner}/${plan.shards}; it embeds only what is missing.`, { path: parts.dir, window, shard: owner });
      }
      accumulate(totals, stats);
      totals.embeddedRows += stats.rows;
      totals.embeddedTokens += stats.tokens;
      totals.embedSeconds += stats.seconds;
    }
    return await commitEmbeddings(folder, setup, parts, totals, windows, started, { shards: plan.shards });
  } finally {
    folder.release();
  }
}
