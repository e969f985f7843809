/**
 * The CI guard of the greedy's work. Its work is deterministic (passes, distance evaluations, rows
 * read), so fixed small workloads are run here and their counters compared with the figures committed
 * in bench/work-counters.json: a counter more than TOLERANCE above its figure fails, naming workload
 * and counter. Figures change only deliberately, in the commit whose benchmark justifies it:
 * `npm run bench:work-counters` (UPDATE_WORK_COUNTERS=1) rewrites them.
 * The kernel is the reference one: the counters are the driver's, whatever kernel runs the folds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kCenterGreedy, type GreedyOptions, type GreedyState } from '../../../src/select/greedy.js';
import { ReferenceKernel } from '../../../src/select/kernel.js';
import { readNpyHeader, readNpyRowsInto } from '../../../src/store/npy.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FIGURES = join(ROOT, 'bench', 'work-counters.json');
const TOLERANCE = 0.03;
const UPDATE = process.env.UPDATE_WORK_COUNTERS === '1';

interface Workload {
  name: string;
  about: string;
  points: () => Promise<{ points: Float32Array; d: number }>;
  options: GreedyOptions;
}

/** Seeded Gaussian mixture, rows scaled to unit length (the shape of the bench's Gaussian workloads). */
function gaussianMixture(n: number, d: number, clusters: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const middles = Float32Array.from({ length: clusters * d }, normal);
  const points = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(uniform() * clusters);
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const value = middles[c * d + j]! + 0.6 * normal();
      points[i * d + j] = value;
      norm += value * value;
    }
    for (let j = 0; j < d; j++) points[i * d + j]! /= Math.sqrt(norm);
  }
  return points;
}

async function realCode(): Promise<{ points: Float32Array; d: number }> {
  const header = await readNpyHeader(join(ROOT, 'tests', 'fixtures', 'select', 'real-code-2000x48.npy'));
  const points = new Float32Array(header.rows * header.dim);
  await readNpyRowsInto(header, 0, header.rows, points);
  return { points, d: header.dim };
}

const WORKLOADS: Workload[] = [
  { name: 'gaussian-3000x32-k200', about: 'Gaussian mixture (16 clusters, unit rows), 3,000 x 32, k = 200, pool 64, eager passes', points: () => Promise.resolve({ points: gaussianMixture(3000, 32, 16, 11), d: 32 }), options: { k: 200, first: 0, poolSize: 64, lazy: false } },
  { name: 'gaussian-3000x32-k200-lazy', about: 'the same with lazy refresh', points: () => Promise.resolve({ points: gaussianMixture(3000, 32, 16, 11), d: 32 }), options: { k: 200, first: 0, poolSize: 64, lazy: true } },
  { name: 'real-code-2000x48-k200', about: 'Python stdlib + node_modules JS code units, hashing embedder (tests/fixtures/select/real-code-2000x48.npy, from bench/real-code-npy.mjs), k = 200, pool 64, eager passes', points: realCode, options: { k: 200, first: 0, poolSize: 64, lazy: false } },
  { name: 'real-code-2000x48-k200-lazy', about: 'the same with lazy refresh', points: realCode, options: { k: 200, first: 0, poolSize: 64, lazy: true } },
];

type Counters = Record<'passes' | 'foldEvaluations' | 'poolEvaluations' | 'centerEvaluations' | 'rowsReadPerPass', number>;

async function countersOf(workload: Workload): Promise<Counters> {
  const { points, d } = await workload.points();
  const generator = kCenterGreedy(new ReferenceKernel(points, d), workload.options);
  let state: GreedyState;
  for (;;) {
    const step = await generator.next();
    if (step.done) {
      state = step.value;
      break;
    }
  }
  return {
    passes: state.passes,
    foldEvaluations: state.evaluations ?? 0,
    poolEvaluations: state.poolEvaluations ?? 0,
    centerEvaluations: state.centerEvaluations ?? 0,
    rowsReadPerPass: Math.round((state.rowsRead ?? 0) / Math.max(1, state.passes)),
  };
}

interface Figures {
  about: string;
  tolerance: number;
  workloads: Record<string, { about: string; counters: Counters }>;
}

describe('work guard: the greedy does no more work than bench/work-counters.json records', () => {
  const figures = JSON.parse(readFileSync(FIGURES, 'utf8')) as Figures;
  const updated: Figures = { ...figures, tolerance: TOLERANCE, workloads: {} };

  it.each(WORKLOADS.map((w) => [w.name, w] as const))('%s', async (name, workload) => {
    const counters = await countersOf(workload);
    updated.workloads[name] = { about: workload.about, counters };
    if (UPDATE) {
      writeFileSync(FIGURES, `${JSON.stringify(updated, null, 2)}\n`);
      return;
    }
    const recorded = figures.workloads[name];
    expect(recorded, `workload ${name} has no figures in bench/work-counters.json: run \`npm run bench:work-counters\``).toBeDefined();
    const grown = Object.entries(counters)
      .filter(([counter, value]) => value > recorded!.counters[counter as keyof Counters] * (1 + TOLERANCE))
      .map(([counter, value]) => `workload ${name}: ${counter} grew from ${recorded!.counters[counter as keyof Counters]} to ${value} (more than ${TOLERANCE * 100}%); if that is deliberate, justify it with a benchmark and run \`npm run bench:work-counters\``);
    expect(grown).toEqual([]);
  }, 60_000);
});
