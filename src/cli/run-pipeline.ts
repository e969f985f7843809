/**
 * `runPipeline` as `tidepool run` calls it: with the development kit and with what this process's
 * environment says. Environment variables are read here, in the CLI layer, and nowhere in the pipeline.
 */
import { TidepoolError } from '../errors.js';
import { pipelineDevkit } from '../devkit/pipeline.js';
import type { LlmCredentials, LlmEndpointConfig, PipelineEnvironment } from '../pipeline/host.js';
import { runPipeline as runPipelineWith, type PipelineRun, type PipelineSummary } from '../pipeline/run.js';

export type { PipelineSummary };

const OPENAI_URL = 'https://api.openai.com/v1';

/** Runs a pipeline file with the development kit and the environment `env`. */
export function runPipeline(run: Omit<PipelineRun, 'devkit' | 'environment'>, env: NodeJS.ProcessEnv = process.env): Promise<PipelineSummary> {
  return runPipelineWith({ ...run, devkit: pipelineDevkit, environment: pipelineEnvironment(env) });
}

/** What the pipeline's stages take from `env`. */
export function pipelineEnvironment(env: NodeJS.ProcessEnv): PipelineEnvironment {
  return {
    llmCredentials: (llm) => llmCredentials(llm, env),
    chromium: env.TIDEPOOL_CHROMIUM,
    searchPath: env.PATH,
  };
}

/**
 * The pipeline's `generate.llm`: its baseURL, else `$OPENAI_BASE_URL`, else OpenAI's; the key from the
 * variable `apiKeyEnv` names. Only OpenAI's own endpoint needs a key; a local server gets `no-key`.
 */
function llmCredentials(llm: Readonly<LlmEndpointConfig>, env: NodeJS.ProcessEnv): LlmCredentials {
  const keyName = llm.apiKeyEnv ?? 'OPENAI_API_KEY';
  const apiKey = env[keyName];
  const baseURL = llm.baseURL ?? env.OPENAI_BASE_URL ?? OPENAI_URL;
  if ((apiKey === undefined || apiKey === '') && baseURL === OPENAI_URL) {
    throw new TidepoolError('E_USAGE', `generate.llm: no API key in $${keyName} for ${baseURL}; set it, or give generate.llm.baseURL of a local server`);
  }
  return { baseURL, apiKey: apiKey === undefined || apiKey === '' ? 'no-key' : apiKey };
}
