/**
 * The I/O shell of `tidepool select`: loads the embeddings (or streams them from disk when they do not
 * fit `--memory-budget`, see `rows-input.ts`), runs exact k-center greedy on the chosen kernel with a
 * progress line and checkpoints, and writes `coreset.arrow` and `manifest.json`.
 */
import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { TidepoolError } from '../errors.js';
import { assertSameSource, readUpstream, withChecksum, type UpstreamFile } from '../store/lineage.js';
import { describeFile, newManifest, sha256FileInBackground } from '../store/manifest.js';
import { OutputFolder } from '../store/output-folder.js';
import { Progress, type ProgressSink } from '../util/progress.js';
import { clearCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { CORESET_FILE, readCoresetRowIds, writeCoreset } from '../store/coreset.js';
import { defaultPoolSize, initialState, kCenterGreedy, lazyPays, type GreedyState } from './greedy.js';
import { resolveEmbeddingsPath } from '../store/embeddings-file.js';
import { openSelectionRows, type SelectionRows } from './rows-input.js';
import { removeDiskCopy } from './disk-copy.js';
import type { DiskRows } from './disk-rows.js';
import { formatBytes } from '../util/byte-size.js';
import { resolveSelectOptions, type ResolvedSelectOptions, type SelectBackend, type SelectOptions } from './options.js';
import type { OptionNaming } from '../util/options.js';
import { maxOf, randomBaselineRadius } from './baseline.js';
import { seededRandom } from '../util/random.js';

/** What {@link runSelect} is given besides its options. */
export interface SelectHooks {
  /** Where the progress line goes. @default nowhere */
  progress?: ProgressSink | undefined;
  /** Stops the run at the next pass, with the state checkpointed. */
  signal?: AbortSignal | undefined;
}

/** Arguments of {@link runSelect}: the options, and the hooks. */
export type SelectRun = SelectOptions & SelectHooks;

/** The `--json` summary of select. */
export interface SelectSummary {
  k: number;
  n: number;
  d: number;
  /** Euclidean covering radius after the last pick. */
  radius: number;
  randomBaselineRadius: number | null;
  seconds: number;
  backend: SelectBackend;
  passes: number;
  poolSize: number;
  resumed: boolean;
  /**
   * Where the time went, in seconds: `startup` from process start to this run (imports), then the
   * run's own phases: `load` (reading the input, building the kernel), `setup` (seeds, checkpoint),
   * `greedy` (the selection work proper), `baseline`, `write`.
   */
  phases: SelectPhases;
  /** The memory budget and how the rows reached the kernel. */
  memory: SelectMemory;
  /** The distance work done, against n x k (the work of one full pass per pick). */
  work: SelectWork;
}

/** Distance evaluations of a run (deterministic: the CI work guard checks them). */
export interface SelectWork {
  /** Point-center distances in passes (folds). */
  folds: number;
  /** Point-center distances inside candidate pools. */
  pool: number;
  /** Center-center distances for triangle-inequality pruning. */
  centers: number;
  /** All of the above over n x k. */
  share: number;
  /** Rows read by folds (bytes: times d x 4, or 2 for fp16). */
  rowsRead: number;
}

/** The work counters of a final greedy state. */
export function workOf(state: GreedyState, n: number): SelectWork {
  const folds = state.evaluations ?? 0;
  const pool = state.poolEvaluations ?? 0;
  const centers = state.centerEvaluations ?? 0;
  const picked = Math.max(1, state.centers.length - state.seeds);
  return { folds, pool, centers, share: (folds + pool + centers) / (n * picked), rowsRead: state.rowsRead ?? 0 };
}

/** {@link SelectSummary.memory}. */
export interface SelectMemory {
  /** `--memory-budget`, bytes. */
  budget: number;
  /** `memory`: the matrix was loaded; `stream`: read from disk block by block each pass. */
  mode: 'memory' | 'stream';
  /** In memory: whether the matrix is the `.npy` file mapped read-only (no copy made). */
  mapped?: boolean;
  /** Bytes the plan expects the data to take (`memory-plan.ts`). */
  estimate: number;
  /** Rows per block read (streamed runs). */
  blockRows?: number;
  /** Bytes read from disk during the run, and the seconds those reads took (streamed runs). */
  bytesRead?: number;
  readSeconds?: number;
  bytesPerSecond?: number;
}

/** Seconds per phase of a select run (see {@link SelectSummary.phases}). */
export interface SelectPhases {
  startup: number;
  load: number;
  setup: number;
  greedy: number;
  baseline: number;
  write: number;
}

function usage(message: string): TidepoolError {
  return new TidepoolError('E_USAGE', message);
}

/**
 * Runs selection end to end, checking every option before anything is read or written.
 * @param naming how option problems name an option. @default its flag
 * @throws TidepoolError `E_USAGE` listing every bad option
 */
export async function runSelect(request: SelectRun, naming?: OptionNaming): Promise<SelectSummary> {
  const { progress, signal, ...options } = request;
  return runResolvedSelect(resolveSelectOptions(options, naming), { progress, signal });
}

/** Runs selection end to end with options already resolved ({@link resolveSelectOptions}). */
export async function runResolvedSelect(options: ResolvedSelectOptions, hooks: SelectHooks = {}): Promise<SelectSummary> {
  const started = performance.now();
  const run = { ...options, embeddings: resolveEmbeddingsPath(options.embeddings), alreadySelected: coresetPath(options.alreadySelected) };
  // The manifest's checksum of the input is computed on another thread while this one loads and selects.
  const inputDigest = sha256FileInBackground(run.embeddings);
  try {
    const folder = await OutputFolder.claim(run.out, 'select');
    try {
      return await select(folder, run, hooks, started, inputDigest.sha256);
    } finally {
      folder.release();
    }
  } finally {
    inputDigest.cancel();
  }
}

/** `--already-selected`: a coreset.arrow, or the output folder of `tidepool select` holding one. */
function coresetPath(path: string | undefined): string | undefined {
  return path !== undefined && existsSync(path) && statSync(path).isDirectory() ? join(path, CORESET_FILE) : path;
}

/**
 * The embeddings as the manifest beside them describes them, refusing an `--already-selected` coreset
 * that was selected from other embeddings. A file without a manifest gets its checksum from
 * `inputDigest`, awaited here only when there is a coreset to compare (else when the manifest is written).
 */
async function checkedEmbeddings(run: ResolvedSelectOptions, inputDigest: Promise<string>): Promise<UpstreamFile> {
  const upstream = await readUpstream(run.embeddings, 'embeddings');
  if (run.alreadySelected === undefined) return upstream;
  const embeddings = upstream.sha256 === undefined ? withChecksum(upstream, 'embeddings', await inputDigest) : upstream;
  const coreset = await readUpstream(run.alreadySelected, 'coreset');
  assertSameSource('embeddings', { label: `--already-selected ${run.alreadySelected}`, lineage: coreset.lineage }, { label: `--embeddings ${run.embeddings}`, lineage: embeddings.lineage }, 'A warm start continues a coreset of these very embeddings: pass the coreset selected from them, or select from the embeddings that coreset came from.');
  return embeddings;
}

async function select(folder: OutputFolder, run: ResolvedSelectOptions, hooks: SelectHooks, started: number, inputDigest: Promise<string>): Promise<SelectSummary> {
  const embeddings = await checkedEmbeddings(run, inputDigest);
  const clock = phaseClock(started);
  const rows = await openSelectionRows(run);
  try {
    return await selectFrom(folder, run, hooks, embeddings, rows, clock, inputDigest, started);
  } finally {
    await rows.release();
  }
}

/** A row id -> row index lookup (built only when asked, and not at all for a `.npy` file's indices). */
function rowIndexer(rows: SelectionRows, path: string): (id: number, what: string) => number {
  let indexOf: Map<number, number> | undefined;
  const { n, rowIds } = rows;
  return (id, what) => {
    let index: number | undefined;
    if (rows.rowIdsAreIndices) index = Number.isInteger(id) && id >= 0 && id < n ? id : undefined;
    else {
      if (indexOf === undefined) {
        indexOf = new Map();
        rowIds.forEach((rowId, i) => indexOf!.set(rowId, i));
      }
      index = indexOf.get(id);
    }
    if (index === undefined) throw usage(`${what} row_id ${id} is not in ${path} (row ids ${rowIds[0]}..${rowIds[n - 1]})`);
    return index;
  };
}

async function selectFrom(folder: OutputFolder, run: ResolvedSelectOptions, hooks: SelectHooks, embeddings: UpstreamFile, rows: SelectionRows, clock: PhaseClock, inputDigest: Promise<string>, started: number): Promise<SelectSummary> {
  const { precision, seed, threads, backend } = run;
  const { n, d, kernel, streamed } = rows;
  clock.end('load');
  const toIndex = rowIndexer(rows, run.embeddings);
  const seeds = run.alreadySelected === undefined ? [] : (await readCoresetRowIds(run.alreadySelected)).map((id) => toIndex(id, '--already-selected'));
  if (run.k > n - seeds.length) throw usage(`--k ${run.k} is more than the ${n - seeds.length} rows left to pick from (${n} rows${seeds.length > 0 ? `, ${seeds.length} already selected` : ''})`);
  const first = seeds.length > 0 ? undefined : run.first === undefined ? Math.floor(seededRandom(seed)() * n) : toIndex(run.first, '--first');
  const lazy = lazyPays(n, d);
  // The one place the default pool size is applied: it depends on n, known only now, and on where the rows are.
  const poolSize = run.poolSize ?? defaultPoolSize(n, lazy && streamed === undefined);

  const info = await stat(run.embeddings);
  const key = createHash('sha256').update(JSON.stringify({ path: run.embeddings, size: info.size, mtime: info.mtimeMs, k: run.k, first, seeds, poolSize, precision })).digest('hex');
  const saved = await loadCheckpoint(run.out, key, n);
  const options = { k: run.k, first, seeds, poolSize, lazy, bounds: run.bounds };
  const state: GreedyState = saved ?? initialState(n, options);
  clock.end('setup');
  const progress = new Progress({ label: 'select', unit: 'picks', total: run.k, sink: hooks.progress ?? { write: () => undefined, isTTY: false }, quiet: hooks.progress === undefined });
  const disk = diskMeter(streamed);
  const checkpointMs = run.checkpointSeconds * 1000;
  let lastCheckpoint = performance.now();
  let final: GreedyState;
  const generator = kCenterGreedy(kernel, options, state);
  for (;;) {
    const step = await generator.next();
    if (step.done) {
      final = step.value;
      break;
    }
    const picked = state.centers.length - state.seeds;
    if (step.value.kind === 'pass') {
      disk.pass(state.passes);
      if (hooks.signal?.aborted) {
        await saveCheckpoint(run.out, key, state);
        throw new TidepoolError('E_INTERRUPTED', `select interrupted after ${picked} picks; the state is saved in ${run.out}. Rerun the same command to resume.`);
      }
      if (performance.now() - lastCheckpoint >= checkpointMs) {
        await saveCheckpoint(run.out, key, state);
        lastCheckpoint = performance.now();
      }
    }
    const radius = state.radii.at(-1);
    progress.update(picked, picked, `radius ${radius === undefined || !Number.isFinite(radius) ? '-' : Math.sqrt(radius).toFixed(4)} | passes ${state.passes} | evaluations ${(100 * workOf(state, n).share).toFixed(1)}% of n·k${disk.line()}`);
  }
  progress.finish();
  clock.end('greedy');
  const radius = Math.sqrt(maxOf(final.minDist));
  const baseline = !run.baseline ? null : await randomBaselineRadius(kernel, n, final.centers.length, seed);
  clock.end('baseline');
  const picks = final.centers.slice(final.seeds);
  await folder.uncommit();
  await writeCoreset(join(run.out, CORESET_FILE), picks.map((i) => rows.rowIds[i]!), final.radii);
  const seconds = (performance.now() - started) / 1000;
  clock.end('write');
  const summary: SelectSummary = {
    k: run.k, n, d, radius, randomBaselineRadius: baseline, seconds, backend, passes: final.passes, poolSize, resumed: saved !== null, work: workOf(final, n), phases: clock.phases,
    memory: { budget: run.memoryBudget, mode: rows.plan.mode, estimate: rows.plan.estimate, ...(rows.plan.mode === 'stream' ? { blockRows: rows.plan.blockRows } : { mapped: rows.mapped }), ...disk.summary() },
  };
  await folder.commit(newManifest({
    stage: 'select',
    lineage: (embeddings.sha256 === undefined ? withChecksum(embeddings, 'embeddings', await inputDigest) : embeddings).lineage,
    parameters: { k: run.k, first: first === undefined ? null : rows.rowIds[first], seed, alreadySelected: run.alreadySelected ?? null, precision, backend, poolSize, threads },
    inputs: [await describeFile(run.embeddings, n, inputDigest), ...(run.alreadySelected === undefined ? [] : [await describeFile(run.alreadySelected, seeds.length)])],
    outputs: [await describeFile(join(run.out, CORESET_FILE), picks.length)],
    counts: { ...summary, bounds: run.bounds, radiusCurve: radiusCurve(final.radii) },
    timings: { seconds },
  }));
  await clearCheckpoint(run.out);
  await removeDiskCopy(run.out);
  return summary;
}

/** Bytes each pass reads from disk and the disk's rate, for the progress line and the summary (nothing when in memory). */
function diskMeter(streamed: DiskRows | undefined): { pass(passes: number): void; line(): string; summary(): Partial<SelectMemory> } {
  let passes = 0;
  let atLastPass = 0;
  let lastPassBytes = 0;
  const rate = (): number => (streamed === undefined || streamed.readSeconds === 0 ? 0 : streamed.bytesRead / streamed.readSeconds);
  return {
    pass(now) {
      if (streamed === undefined || now === passes) return;
      passes = now;
      lastPassBytes = streamed.bytesRead - atLastPass;
      atLastPass = streamed.bytesRead;
    },
    line: () => (streamed === undefined || passes === 0 ? '' : ` | read ${formatBytes(lastPassBytes)}/pass at ${formatBytes(rate())}/s`),
    summary: () => (streamed === undefined ? {} : { bytesRead: streamed.bytesRead, readSeconds: streamed.readSeconds, bytesPerSecond: rate() }),
  };
}

interface PhaseClock {
  end(phase: Exclude<keyof SelectPhases, 'startup'>): void;
  phases: SelectPhases;
}

/** Times phases one after another from `started` (a `performance.now()` reading, which counts from process start). */
function phaseClock(started: number): PhaseClock {
  const phases: SelectPhases = { startup: started / 1000, load: 0, setup: 0, greedy: 0, baseline: 0, write: 0 };
  let last = started;
  return {
    phases,
    end(phase) {
      const now = performance.now();
      phases[phase] += (now - last) / 1000;
      last = now;
    },
  };
}

/** Up to 100 (k, radius) points of the radius-versus-k curve, Euclidean. */
function radiusCurve(radii: readonly number[]): [number, number][] {
  const step = Math.max(1, Math.floor(radii.length / 100));
  const curve: [number, number][] = [];
  for (let i = 0; i < radii.length; i += step) if (Number.isFinite(radii[i])) curve.push([i + 1, Math.sqrt(radii[i]!)]);
  return curve;
}
