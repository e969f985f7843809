/**
 * What `tidepool run` checks after reading the pipeline file and before any stage runs, so that a bad
 * pipeline exits 1 with every problem listed and nothing started: the files the file names exist, each
 * stage's upstream will have the columns it needs, each stage's options pass its own resolver, and a
 * real `generate.llm` has a key. Reads only file metadata; writes nothing.
 */
import { existsSync, statSync } from 'node:fs';
import { TidepoolError } from '../errors.js';
import { PAIRS_COLUMNS, PAIRS_FILE } from '../store/pairs.js';
import { TEMPLATE_FIELDS } from '../store/pairs-template.js';
import { looksLikeHubId } from '../util/hub-id.js';
import { describeNearby } from '../util/nearby.js';
import { STAGES, type LlmConfig, type PipelineConfig, type PipelineInspection, type StageName } from './config.js';
import { endpointKeyProblems, usesServers } from './endpoint-keys.js';
import type { PipelineEnvironment } from './host.js';
import { STAGE_OPTIONS } from './options.js';
import { stageProblems } from './stage-problems.js';
import { STAGE_SPECS } from './stages.js';

/** What an outside path must be. */
type PathNeed = 'file' | 'folder' | 'any';

/** The outside paths each stage's options may name (a model named `hashing` is built in, not a path). */
const NAMED_PATHS: Readonly<Partial<Record<StageName, Readonly<Record<string, PathNeed>>>>> = {
  ingest: { inputs: 'file' },
  embed: { model: 'folder' },
  select: { alreadySelected: 'any' },
  generate: { prompts: 'folder', prices: 'file' },
  decontam: { bench: 'file', model: 'folder' },
  report: { chromium: 'file' },
};

/**
 * Every problem found before running, besides those of the pipeline file itself (`inspection.problems`).
 * A stage's resolver sees only stages whose section is clean, and not the optional keys already
 * reported here, so that one mistake is reported once.
 */
export function preflightProblems(inspection: PipelineInspection, environment: PipelineEnvironment): string[] {
  const { config, clean } = inspection;
  const problems: string[] = [];
  for (const stage of STAGES) {
    const options = config.stages[stage];
    if (options === undefined) continue;
    const reported = new Set<string>();
    const report = (key: string, problem: string): void => {
      reported.add(key);
      problems.push(problem);
    };
    for (const [key, need] of Object.entries(NAMED_PATHS[stage] ?? {})) {
      // With servers, `model` is the name of what they serve.
      if (key === 'model' && usesServers(options)) continue;
      for (const problem of missingPaths(`${stage}.${key}`, options[key], need)) report(key, problem);
    }
    if (stage === 'embed' && typeof options.text === 'string') {
      for (const problem of templateColumnProblems(options.text)) report('text', problem);
    }
    if (stage === 'embed' || stage === 'decontam') {
      for (const { key, problem } of endpointKeyProblems(stage, options, environment)) report(key, problem);
    }
    if (stage === 'generate' && typeof options.llm === 'object') {
      const problem = credentialsProblem(options.llm as Exclude<LlmConfig, 'scripted'>, environment);
      if (problem !== undefined) report('llm', problem);
    }
    if (!clean.has(stage)) continue;
    // A required key stays (the stage cannot be described without it; its resolver does not look at files).
    const unreported = Object.fromEntries(Object.entries(options).filter(([key]) => !reported.has(key) || STAGE_OPTIONS[stage][key]?.required === true));
    problems.push(...stageProblems(STAGE_SPECS[stage], config, unreported));
  }
  return problems;
}

/** One problem per path of `value` (a path or a list of them) that is not there, or not of the kind needed. */
function missingPaths(label: string, value: unknown, need: PathNeed): string[] {
  const paths = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const problems: string[] = [];
  for (const path of paths) {
    // A local folder was made absolute when the file was read, so a value still shaped `org/name` is a Hub id.
    if (label.endsWith('.model') && (path === 'hashing' || looksLikeHubId(path))) continue;
    if (!existsSync(path)) {
      const nearby = describeNearby(path);
      problems.push(`${label}: ${path} not found${nearby === '' ? '' : `; ${nearby}`}`);
      continue;
    }
    const isFolder = statSync(path).isDirectory();
    if (need === 'folder' && !isFolder) problems.push(`${label}: ${path} is a file; it must be a folder`);
    if (need === 'file' && isFolder) problems.push(`${label}: ${path} is a folder; it must be a file`);
  }
  return problems;
}

/**
 * embed.text names `{column}`s of the pairs ingest writes: each must be one of pairs.arrow's text
 * columns. (The template's syntax is checked by embed's resolver.)
 */
export function templateColumnProblems(template: string): string[] {
  const problems: string[] = [];
  // `\{` is a literal brace, not a column.
  for (const match of template.matchAll(/(?<!\\)\{([^{}\\]*)\}/g)) {
    const name = match[1] ?? '';
    if ((TEMPLATE_FIELDS as readonly string[]).includes(name)) continue;
    const why = (PAIRS_COLUMNS as readonly string[]).includes(name) ? 'is not a text column of' : 'is not a column of';
    problems.push(`embed.text: {${name}} ${why} ${PAIRS_FILE} (what ingest writes); its text columns are ${TEMPLATE_FIELDS.map((field) => `{${field}}`).join(', ')}`);
  }
  return problems;
}

/** A real `generate.llm` without a key for OpenAI's endpoint, said before ingest, embed and select spend their time. */
function credentialsProblem(llm: Exclude<LlmConfig, 'scripted'>, environment: PipelineEnvironment): string | undefined {
  try {
    environment.llmCredentials(llm);
    return undefined;
  } catch (error) {
    if (error instanceof TidepoolError && error.code === 'E_USAGE') return error.message;
    throw error;
  }
}

/** Checks everything before running: throws one `E_USAGE` error listing every problem, or returns the config. */
export function preflight(inspection: PipelineInspection, environment: PipelineEnvironment): PipelineConfig {
  const problems = [...inspection.problems, ...preflightProblems(inspection, environment)];
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `${inspection.config.file}:\n  - ${problems.join('\n  - ')}`, { file: inspection.config.file, problems });
  return inspection.config;
}
