/**
 * `runPipeline` as `tidepool run` calls it: with the development kit and with what this process's
 * environment says. Environment variables are read here, in the CLI layer, and nowhere in the pipeline.
 */
import { TidepoolError } from '../errors.js';
import { pipelineDevkit } from '../devkit/pipeline.js';
import { hubSettings } from './hub-settings.js';
import { OPENAI_URL, resolveLlmEndpoint } from './llm-endpoint.js';
import type { LlmCredentials, LlmEndpointConfig, PipelineEnvironment } from '../pipeline/host.js';
import { runPipeline as runPipelineWith, type PipelineRun, type PipelineSummary } from '../pipeline/run.js';

export type { PipelineSummary };

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
    hub: hubSettings(env),
    // embed's rule (embed-endpoint.ts): the servers' key is OPENAI_API_KEY; a pipeline file never holds one.
    embeddingApiKey: env.OPENAI_API_KEY === '' ? undefined : env.OPENAI_API_KEY,
    // and `openai:NAME` with no servers named goes where `tidepool embed --model openai:NAME` sends it.
    embeddingBaseURL: env.OPENAI_BASE_URL === '' ? undefined : env.OPENAI_BASE_URL,
  };
}

/**
 * The pipeline's `generate.llm` through the CLI's one rule ({@link resolveLlmEndpoint}), the key from the
 * variable `apiKeyEnv` names.
 */
function llmCredentials(llm: Readonly<LlmEndpointConfig>, env: NodeJS.ProcessEnv): LlmCredentials {
  const keyName = llm.apiKeyEnv ?? 'OPENAI_API_KEY';
  const endpoint = resolveLlmEndpoint({ baseURL: llm.baseURL }, env, keyName);
  if (endpoint === undefined) {
    throw new TidepoolError('E_USAGE', `generate.llm: no API key in $${keyName} for ${OPENAI_URL}; set it, or give generate.llm.baseURL of a local server`);
  }
  return endpoint;
}
