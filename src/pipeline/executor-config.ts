/**
 * Where `tidepool run` runs the stages: the pipeline file's `executor` section merged with the command's
 * flags (flags win). The local executor (each stage in this process) is the default; `slurm` submits each
 * stage as a job array of `tasks` shards. Pure: no file access.
 *
 * ```json
 * "executor": {
 *   "type": "slurm",
 *   "tasks": { "embed": 64, "decontam": 8 },
 *   "workers": 16,
 *   "resources": { "partition": "gpu", "time": "04:00:00", "cpusPerTask": 8, "mem": "32G", "gpusPerTask": 1, "sbatch": ["--constraint=a100"] },
 *   "stages": { "select": { "partition": "bigmem", "mem": "400G", "gpusPerTask": 0 } }
 * }
 * ```
 */
import { TidepoolError } from '../errors.js';
import type { JobResources } from '../launchers/launcher.js';
import { checkOptionValue, describeValue, KINDS, type OptionKind } from '../util/options.js';
import { didYouMean } from './nearest-name.js';
import { STAGES, type StageName } from './stage-names.js';

/** Executors `tidepool run` knows. */
export const EXECUTORS = ['local', 'slurm'] as const;
export type ExecutorType = (typeof EXECUTORS)[number];

/**
 * Stages that run as several shards (`--shard I/N`); the others always run as one task (`select`'s exact
 * greedy needs every point at once; give it its own resources instead).
 */
export const SHARDED_STAGES: ReadonlySet<StageName> = new Set<StageName>(['ingest', 'embed', 'generate', 'decontam']);

/** The executor's settings, checked. */
export interface ExecutorSettings {
  type: ExecutorType;
  /** Shards per stage (1 when not named). */
  tasks: Partial<Record<StageName, number>>;
  /** At most this many tasks of one stage at once; undefined: as many as the scheduler gives. */
  workers: number | undefined;
  /** Let the scheduler requeue a task on preemption or node failure. @default true */
  requeue: boolean;
  /** Resources of every job. */
  resources: JobResources;
  /** Per stage, resources that replace the common ones key by key. */
  stages: Partial<Record<StageName, JobResources>>;
}

/** The executor settings the command line gives (each undefined when its flag is absent). */
export interface ExecutorFlags {
  executor?: string | undefined;
  /** `embed=4,decontam=2` */
  tasks?: string | undefined;
  workers?: number | undefined;
  requeue?: boolean | undefined;
  resources?: JobResources | undefined;
}

const RESOURCE_KINDS: Readonly<Record<string, OptionKind>> = {
  partition: KINDS.string, time: KINDS.string, cpusPerTask: KINDS.positive, mem: KINDS.string,
  gpusPerTask: KINDS.count, account: KINDS.string, qos: KINDS.string, sbatch: KINDS.list,
};

const SECTION_KEYS = ['type', 'tasks', 'workers', 'requeue', 'resources', 'stages'];

/** `tasks` of the flag (`embed=4,decontam=2`), into `problems`. */
function parseTasksFlag(text: string, problems: string[]): Record<string, unknown> {
  const tasks: Record<string, unknown> = {};
  for (const item of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^([a-z]+)=(\d+)$/.exec(item);
    if (match === null) problems.push(`--tasks ${JSON.stringify(item)}: expected STAGE=N, e.g. --tasks embed=64,decontam=8`);
    else tasks[match[1]!] = Number(match[2]);
  }
  return tasks;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One resources object (`executor.resources` or `executor.stages.NAME`), into `problems`. */
function checkResources(label: string, raw: unknown, problems: string[]): JobResources {
  if (!isObject(raw)) {
    problems.push(`${label} must be an object of ${Object.keys(RESOURCE_KINDS).join(', ')}, got ${describeValue(raw)}`);
    return {};
  }
  const resources: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const kind = RESOURCE_KINDS[key];
    if (kind === undefined) {
      problems.push(`${label}.${key} is not a resource; they are ${Object.keys(RESOURCE_KINDS).join(', ')}${didYouMean(key, Object.keys(RESOURCE_KINDS))}`);
      continue;
    }
    const checked = checkOptionValue(`${label}.${key}`, kind, value);
    if ('problem' in checked) problems.push(checked.problem);
    else resources[key === 'sbatch' ? 'extra' : key] = checked.value;
  }
  for (const line of (resources.extra as string[] | undefined) ?? []) {
    if (!line.startsWith('--')) problems.push(`${label}.sbatch: ${JSON.stringify(line)} must be an sbatch option starting with "--", e.g. "--constraint=a100" (it becomes an #SBATCH line)`);
  }
  return resources;
}

/**
 * The executor settings of a pipeline file's `executor` section (undefined when absent) and the flags.
 * @param present the stages the pipeline has (tasks for another stage are refused)
 * @throws TidepoolError `E_USAGE` listing every problem, each with the key or flag that set it
 */
export function resolveExecutor(section: unknown, flags: ExecutorFlags, present: readonly StageName[], file: string): ExecutorSettings {
  const problems: string[] = [];
  const raw: Record<string, unknown> = section === undefined ? {} : isObject(section) ? section : {};
  if (section !== undefined && !isObject(section)) problems.push(`"executor" must be an object (type, tasks, workers, requeue, resources, stages), got ${describeValue(section)}`);
  for (const key of Object.keys(raw)) if (!SECTION_KEYS.includes(key)) problems.push(`executor.${key} is not an executor setting; they are ${SECTION_KEYS.join(', ')}${didYouMean(key, SECTION_KEYS)}`);

  const typeText = flags.executor ?? raw.type ?? 'local';
  const typeLabel = flags.executor === undefined ? 'executor.type' : '--executor';
  if (!(EXECUTORS as readonly unknown[]).includes(typeText)) problems.push(`${typeLabel} must be one of ${EXECUTORS.join(', ')}, got ${describeValue(typeText)}`);

  const tasks: Partial<Record<StageName, number>> = {};
  const taskSources: [string, unknown][] = [];
  if (raw.tasks !== undefined) {
    if (isObject(raw.tasks)) taskSources.push(...Object.entries(raw.tasks).map(([stage, value]): [string, unknown] => [`executor.tasks.${stage}`, value]));
    else problems.push(`executor.tasks must be an object of stage: number of tasks, e.g. {"embed": 64}, got ${describeValue(raw.tasks)}`);
  }
  if (flags.tasks !== undefined) taskSources.push(...Object.entries(parseTasksFlag(flags.tasks, problems)).map(([stage, value]): [string, unknown] => [`--tasks ${stage}`, value]));
  for (const [label, value] of taskSources) {
    const stage = label.replace(/^executor\.tasks\.|^--tasks /, '');
    if (!(STAGES as readonly string[]).includes(stage)) {
      problems.push(`${label}: there is no stage "${stage}"; the stages are ${STAGES.join(', ')}${didYouMean(stage, STAGES)}`);
      continue;
    }
    const checked = checkOptionValue(label, KINDS.positive, value);
    if ('problem' in checked) {
      problems.push(checked.problem);
      continue;
    }
    const count = checked.value as number;
    if (!present.includes(stage as StageName)) problems.push(`${label}: the pipeline ${file} has no ${stage} stage; its stages are ${present.join(', ')}`);
    else if (count > 1 && !SHARDED_STAGES.has(stage as StageName)) problems.push(`${label} = ${count}: ${stage} runs as one task (${stage === 'select' ? 'the exact greedy needs every point at once; give it more memory with executor.stages.select' : 'it does not split into shards'}); shards are for ${[...SHARDED_STAGES].join(', ')}`);
    else tasks[stage as StageName] = count;
  }

  let workers: number | undefined;
  const workersValue = flags.workers ?? raw.workers;
  if (workersValue !== undefined) {
    const checked = checkOptionValue(flags.workers === undefined ? 'executor.workers' : '--workers', KINDS.positive, workersValue);
    if ('problem' in checked) problems.push(checked.problem);
    else workers = checked.value as number;
  }
  let requeue = true;
  const requeueValue = flags.requeue ?? raw.requeue;
  if (requeueValue !== undefined) {
    const checked = checkOptionValue(flags.requeue === undefined ? 'executor.requeue' : '--requeue', KINDS.boolean, requeueValue);
    if ('problem' in checked) problems.push(checked.problem);
    else requeue = checked.value as boolean;
  }
  const fromFile = raw.resources === undefined ? {} : checkResources('executor.resources', raw.resources, problems);
  const resources: JobResources = { ...fromFile, ...definedOnly(flags.resources ?? {}) };
  const stages: Partial<Record<StageName, JobResources>> = {};
  if (raw.stages !== undefined) {
    if (!isObject(raw.stages)) problems.push(`executor.stages must be an object of stage: resources, e.g. {"select": {"mem": "400G"}}, got ${describeValue(raw.stages)}`);
    else {
      for (const [stage, value] of Object.entries(raw.stages)) {
        if (!(STAGES as readonly string[]).includes(stage)) problems.push(`executor.stages.${stage}: there is no stage "${stage}"; the stages are ${STAGES.join(', ')}${didYouMean(stage, STAGES)}`);
        else stages[stage as StageName] = checkResources(`executor.stages.${stage}`, value, problems);
      }
    }
  }
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `${file}:\n  - ${problems.join('\n  - ')}`, { file, problems });
  return { type: typeText as ExecutorType, tasks, workers, requeue, resources, stages };
}

function definedOnly(resources: JobResources): JobResources {
  return Object.fromEntries(Object.entries(resources).filter(([, value]) => value !== undefined));
}

/** The resources of `stage`'s jobs: the common ones, with the stage's own replacing them key by key. */
export function stageResources(settings: ExecutorSettings, stage: StageName): JobResources {
  return { ...settings.resources, ...(settings.stages[stage] ?? {}) };
}

/** Shards of `stage` (1 when not sharded). */
export function tasksOf(settings: ExecutorSettings, stage: StageName): number {
  return settings.tasks[stage] ?? 1;
}
