/**
 * The pipeline file of `tidepool run`: JSON (or YAML) naming the work folder and, per stage, the
 * options that stage's command takes (camelCase, as in its `run*` API). Paths are relative to the
 * file's folder. Validation collects every problem with its path and throws once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TidepoolError } from '../errors.js';
import { STAGES, type StageName } from './stage-names.js';

/** The stages, in the order they run. */
export { STAGES, type StageName };

/** Options a stage section may hold (besides the ones the pipeline wires itself), and which are paths. */
const STAGE_KEYS: Readonly<Record<StageName, { keys: readonly string[]; paths: readonly string[]; required?: readonly string[] }>> = {
  sample: { keys: ['rows', 'seed', 'naming', 'duplicateRate', 'nearDuplicateRate', 'badLineRate', 'languages'], paths: [], required: ['rows'] },
  ingest: {
    keys: ['inputs', 'languages', 'minCodeLines', 'maxCodeLines', 'minCodeChars', 'maxCodeChars', 'minDocstringWords', 'maxLineBytes', 'dedup', 'threads'],
    paths: ['inputs'],
  },
  embed: { keys: ['model', 'text', 'precision', 'device', 'maxLength', 'batchTokens', 'windowRows', 'threads'], paths: ['model'], required: ['model'] },
  select: { keys: ['k', 'first', 'seed', 'precision', 'threads', 'poolSize', 'baseline'], paths: [], required: ['k'] },
  generate: {
    keys: [
      'llm', 'mode', 'tasks', 'discriminatorModel', 'discriminate', 'concurrency', 'rpm', 'tpm', 'maxUsd', 'maxTokens', 'limit', 'seed',
      'translateTo', 'temperature', 'discriminatorTemperature', 'replyTokens', 'prompts', 'prices', 'poolCapacity', 'poolEpoch',
      'goodExamples', 'badExamples', 'maxRetries', 'timeoutMs',
    ],
    paths: ['prompts', 'prices'],
    required: ['llm'],
  },
  decontam: { keys: ['bench', 'exact', 'minExactChars', 'ngram', 'ngramN', 'ngramThreshold', 'minNgrams', 'embed', 'model', 'embedThreshold', 'maxSolutions'], paths: ['bench'], required: ['bench'] },
  export: { keys: ['format', 'out', 'withMetadata', 'system'], paths: ['out'], required: ['format'] },
  report: { keys: ['png', 'sample', 'seed'], paths: [] },
};

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
}

/** Reads and checks a pipeline file (`.json`, or `.yaml`/`.yml`). */
export function readPipelineConfig(file: string): PipelineConfig {
  if (!existsSync(file)) throw new TidepoolError('E_INPUT_MISSING', `pipeline file ${file} not found; see examples/demo.json for the layout`, { file });
  const text = readFileSync(file, 'utf8');
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new TidepoolError('E_FORMAT_INVALID', `${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'} (${(error as Error).message})`, { file });
  }
  return checkPipelineConfig(raw, file);
}

/** Checks a parsed pipeline file; paths are resolved against `file`'s folder. */
export function checkPipelineConfig(raw: unknown, file: string): PipelineConfig {
  const problems: string[] = [];
  const base = dirname(resolve(file));
  const at = (path: string): string => resolve(base, path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TidepoolError('E_FORMAT_INVALID', `${file}: expected an object with "work" and stage sections (${STAGES.join(', ')})`, { file });
  const top = raw as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (key !== 'work' && key !== '$schema' && key !== 'description' && !(STAGES as readonly string[]).includes(key)) problems.push(`"${key}" is not a stage; stages are ${STAGES.join(', ')} (plus "work")`);
  }
  if (typeof top.work !== 'string' || top.work === '') problems.push('"work" must name the work folder (relative to the pipeline file), e.g. "work": "demo-output"');
  const stages: PipelineConfig['stages'] = {};
  for (const stage of STAGES) {
    const section = top[stage];
    if (section === undefined) continue;
    if (typeof section !== 'object' || section === null || Array.isArray(section)) {
      problems.push(`"${stage}" must be an object of options`);
      continue;
    }
    const spec = STAGE_KEYS[stage];
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
      if (!spec.keys.includes(key)) {
        problems.push(`${stage}.${key} is not an option of ${stage}; it takes ${spec.keys.join(', ')}`);
        continue;
      }
      options[key] = spec.paths.includes(key) ? resolvePaths(value, at, `${stage}.${key}`, problems) : value;
    }
    for (const key of spec.required ?? []) if (!(key in options)) problems.push(`${stage}.${key} is required`);
    if (stage === 'embed' && options.model === at('hashing')) options.model = 'hashing';
    if (stage === 'generate' && 'llm' in options) checkLlm(options.llm, problems);
    stages[stage] = options;
  }
  if (stages.sample === undefined && stages.ingest !== undefined && stages.ingest.inputs === undefined) problems.push('ingest.inputs is required when there is no sample stage');
  for (const [later, needs] of [['embed', 'ingest'], ['select', 'embed'], ['generate', 'select'], ['decontam', 'generate'], ['export', 'generate']] as const) {
    if (stages[later] !== undefined && stages[needs] === undefined) problems.push(`"${later}" needs a "${needs}" stage before it`);
  }
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `${file}:\n  - ${problems.join('\n  - ')}`, { file, problems });
  return { file, work: at(top.work as string), stages };
}

function resolvePaths(value: unknown, at: (path: string) => string, where: string, problems: string[]): unknown {
  if (typeof value === 'string') return isAbsolute(value) ? value : at(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item: string) => (isAbsolute(item) ? item : at(item)));
  problems.push(`${where} must be a path (or a list of paths)`);
  return value;
}

function checkLlm(llm: unknown, problems: string[]): void {
  if (llm === 'scripted') return;
  if (typeof llm === 'object' && llm !== null && typeof (llm as { model?: unknown }).model === 'string') return;
  problems.push('generate.llm must be "scripted" (the project\'s scripted stand-in, not a model) or {"baseURL": "http://127.0.0.1:8000/v1", "model": "NAME", "apiKeyEnv": "OPENAI_API_KEY"}');
}
