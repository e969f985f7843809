/**
 * The pipeline file of `tidepool run`: JSON (or YAML) naming the work folder and, per stage, the
 * options that stage's command takes (camelCase, as commander names its flags; see options.ts). Paths
 * are relative to the file's folder. Validation collects every problem with its key and throws once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TidepoolError } from '../errors.js';
import { checkOptionValue, describeValue } from '../util/options.js';
import { didYouMean } from './nearest-name.js';
import { SAME_OPTION, STAGE_OPTIONS, WIRED_BY_PIPELINE } from './options.js';
import { STAGES, type StageName } from './stage-names.js';

/** The stages, in the order they run. */
export { STAGES, type StageName };

/** Where generate's LLM is: the project's scripted stand-in, or a real OpenAI-compatible endpoint. */
export type LlmConfig = 'scripted' | { baseURL?: string; model: string; apiKeyEnv?: string };

/** A checked pipeline file. */
export interface PipelineConfig {
  /** The file it was read from. */
  file: string;
  /** Folder holding one sub-folder per stage. */
  work: string;
  /** Stage name -> its options (paths resolved). Only stages present run. */
  stages: Partial<Record<StageName, Record<string, unknown>>>;
  /** The `executor` section as written (checked by executor-config.ts with the command's flags). */
  executor?: unknown;
}

/** Reads and checks a pipeline file (`.json`, or `.yaml`/`.yml`). */
export function readPipelineConfig(file: string): PipelineConfig {
  return throwProblems(inspectPipelineConfig(readPipelineFile(file), file));
}

/** The parsed content of a pipeline file (`.json`, or `.yaml`/`.yml`); a missing or unparsable file throws. */
export function readPipelineFile(file: string): unknown {
  if (!existsSync(file)) throw new TidepoolError('E_INPUT_MISSING', `pipeline file ${file} not found; see examples/demo.json for the layout`, { file });
  const text = readFileSync(file, 'utf8');
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'} (${(error as Error).message})`, { file });
  }
}

/** Checks a parsed pipeline file; paths are resolved against `file`'s folder. */
export function checkPipelineConfig(raw: unknown, file: string): PipelineConfig {
  return throwProblems(inspectPipelineConfig(raw, file));
}

/** A pipeline file as far as it could be read, with every problem found in it. */
export interface PipelineInspection {
  /** The stages with their valid options (a stage whose section has a problem keeps its valid keys). */
  config: PipelineConfig;
  problems: string[];
  /** Stages whose section has no problem: the ones whose options can go on to their resolvers. */
  clean: ReadonlySet<StageName>;
}

/** Throws the one `E_USAGE` error listing `problems` (with the file), or returns the config. */
export function throwProblems({ config, problems }: { config: PipelineConfig; problems: readonly string[] }): PipelineConfig {
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `${config.file}:\n  - ${problems.join('\n  - ')}`, { file: config.file, problems: [...problems] });
  return config;
}

/** Checks a parsed pipeline file, collecting every problem instead of throwing (but for a file that is not an object). */
export function inspectPipelineConfig(raw: unknown, file: string): PipelineInspection {
  const problems: string[] = [];
  const base = dirname(resolve(file));
  const at = (path: string): string => resolve(base, path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TidepoolError('E_FORMAT_INVALID', `${file}: expected an object with "work" and stage sections (${STAGES.join(', ')})`, { file });
  const top = raw as Record<string, unknown>;
  const topNames = ['work', 'executor', ...STAGES];
  for (const key of Object.keys(top)) {
    if (key !== 'work' && key !== 'executor' && key !== '$schema' && key !== 'description' && !(STAGES as readonly string[]).includes(key)) problems.push(`"${key}" is not a stage; stages are ${STAGES.join(', ')} (plus "work" and "executor")${didYouMean(key, topNames)}`);
  }
  if (typeof top.work !== 'string' || top.work === '') problems.push(`"work" must name the work folder (relative to the pipeline file), e.g. "work": "demo-output"${top.work === undefined ? '' : `, got ${describeValue(top.work)}`}`);
  const stages: PipelineConfig['stages'] = {};
  const clean = new Set<StageName>();
  for (const stage of STAGES) {
    const section = top[stage];
    if (section === undefined) continue;
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      problems.push(`"${stage}" must be an object of options, got ${describeValue(section)}`);
      continue;
    }
    const before = problems.length;
    stages[stage] = checkStageOptions(stage, section as Record<string, unknown>, at, problems);
    if (problems.length === before) clean.add(stage);
  }
  if (stages.sample === undefined && stages.ingest !== undefined && stages.ingest.inputs === undefined) problems.push('ingest.inputs is required when there is no sample stage');
  for (const [later, needs] of [['embed', 'ingest'], ['select', 'embed'], ['generate', 'select'], ['decontam', 'generate'], ['export', 'generate']] as const) {
    if (stages[later] !== undefined && stages[needs] === undefined) problems.push(`"${later}" needs a "${needs}" stage before it`);
  }
  // A work folder is needed to say where stages would write, even when "work" itself is the problem.
  const work = typeof top.work === 'string' && top.work !== '' ? at(top.work) : at('work');
  return { config: { file, work, stages, ...(top.executor === undefined ? {} : { executor: top.executor }) }, problems, clean };
}

/** One stage section: every key known and of its type (see options.ts), values in the form the stage takes. */
function checkStageOptions(stage: StageName, section: Record<string, unknown>, at: (path: string) => string, problems: string[]): Record<string, unknown> {
  const specs = STAGE_OPTIONS[stage];
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    // A command option the pipeline sets itself (or shards' --shard/--merge, which the stage's own table
    // holds) is refused with its reason before the table is consulted.
    const wired = WIRED_BY_PIPELINE[stage][key];
    const spec = wired === undefined ? specs[key] : undefined;
    if (spec === undefined) {
      problems.push(wired === undefined
        ? `${stage}.${key} is not an option of ${stage}; it takes ${Object.keys(specs).join(', ')}${didYouMean(key, Object.keys(specs))}`
        : `${stage}.${key} is not set in a pipeline file: ${wired}`);
      continue;
    }
    // With servers, `model` names what they serve (`nomic-embed-text`), never a folder beside the file.
    const checked = checkOptionValue(`${stage}.${key}`, spec.kind, value, key === 'model' && section.endpoint !== undefined ? (path) => path : at);
    if ('problem' in checked) problems.push(checked.problem);
    else options[key] = checked.value;
  }
  for (const [key, spec] of Object.entries(specs)) if (spec.required === true && !(key in section)) problems.push(`${stage}.${key} is required`);
  for (const [newer, older] of SAME_OPTION[stage] ?? []) {
    if (newer in section && older in section) problems.push(`${stage}.${newer} and ${stage}.${older} set the same option: keep one`);
  }
  return options;
}
