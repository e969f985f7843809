/**
 * `runPipeline` as `tidepool run` calls it: with the development kit and with what this process's
 * environment says. Environment variables are read here, in the CLI layer, and nowhere in the pipeline.
 */
import { fileURLToPath } from 'node:url';
import { TidepoolError } from '../errors.js';
import { SlurmLauncher } from '../launchers/slurm/index.js';
import { setSchedulerTask } from '../store/output-lock.js';
import { pipelineDevkit } from '../devkit/pipeline.js';
import { hubSettings } from './hub-settings.js';
import { keyVariables } from '../generate/endpoints/spec.js';
import { endpointKeys, OPENAI_URL, resolveLlmEndpoint } from './llm-endpoint.js';
import type { LlmCredentials, LlmEndpointConfig, PipelineEnvironment } from '../pipeline/host.js';
import { runPipeline as runPipelineWith, type PipelineRun, type PipelineSummary } from '../pipeline/run.js';
import type { ClusterHost, ExecutedRun, ExecutedSummary, StatusRun } from '../pipeline/cluster/run.js';
import type { PipelineStatus } from '../pipeline/cluster/status.js';

export type { PipelineSummary };

/** Runs a pipeline file with the development kit and the environment `env`. */
export function runPipeline(run: Omit<PipelineRun, 'devkit' | 'environment'>, env: NodeJS.ProcessEnv = process.env): Promise<PipelineSummary> {
  return runPipelineWith({ ...run, devkit: pipelineDevkit, environment: pipelineEnvironment(env) });
}

/**
 * Runs a pipeline file with the executor its `executor` section or the flags name; a cluster job (a
 * `--job` run) gets its scheduler ids from `env` for its failure record.
 */
export async function executePipeline(run: Omit<ExecutedRun, 'devkit' | 'environment' | 'cluster'>, env: NodeJS.ProcessEnv = process.env): Promise<ExecutedSummary> {
  const { executePipeline: execute } = await import('../pipeline/cluster/run.js');
  const job = run.job === undefined ? undefined : { ...run.job, ...schedulerIds(env) };
  // A requeued task finds its own earlier run's shard claim (on another host) and takes it over.
  if (job !== undefined && env.SLURM_JOB_ID !== undefined) setSchedulerTask(`slurm:${env.SLURM_JOB_ID}`);
  return execute({ ...run, job, devkit: pipelineDevkit, environment: pipelineEnvironment(env), cluster: clusterHost(env) });
}

/** `tidepool status`: the last cluster launch of the pipeline's work folder. */
export async function pipelineStatus(run: Omit<StatusRun, 'devkit' | 'environment' | 'cluster'>, env: NodeJS.ProcessEnv = process.env): Promise<PipelineStatus> {
  const { statusOfPipeline } = await import('../pipeline/cluster/run.js');
  return statusOfPipeline({ ...run, devkit: pipelineDevkit, environment: pipelineEnvironment(env), cluster: clusterHost(env) });
}

/** The scheduler's ids of this job, when it runs as one (Slurm's variables). */
function schedulerIds(env: NodeJS.ProcessEnv): { jobId?: string; task?: number } {
  const jobId = env.SLURM_ARRAY_JOB_ID ?? env.SLURM_JOB_ID;
  const task = env.SLURM_ARRAY_TASK_ID === undefined ? undefined : Number(env.SLURM_ARRAY_TASK_ID);
  return { ...(jobId === undefined ? {} : { jobId }), ...(task === undefined || !Number.isInteger(task) ? {} : { task }) };
}

/** The cluster executors' launchers (Slurm's client commands found on PATH) and how a node starts tidepool. */
function clusterHost(env: NodeJS.ProcessEnv): ClusterHost {
  const poll = Number(env.TIDEPOOL_CLUSTER_POLL_MS);
  return {
    launcher: () => new SlurmLauncher(),
    // This very build, by absolute path: the work folder and the install must be on a shared filesystem.
    self: [process.execPath, fileURLToPath(new URL('../../bin/tidepool.js', import.meta.url))],
    ...(Number.isFinite(poll) && poll > 0 ? { pollMs: poll } : {}),
  };
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
  const named = keyVariables(endpoint.baseURL);
  if (named.length === 0) return endpoint;
  const keys = endpointKeys(endpoint.baseURL, env);
  const missing = named.filter((name) => keys[name] === undefined);
  if (missing.length > 0) {
    throw new TidepoolError('E_USAGE', `generate.llm.baseURL names ${missing.map((name) => `$${name}`).join(', ')} in #key_env, which ${missing.length === 1 ? 'is' : 'are'} not set; export ${missing.map((name) => `${name}=...`).join(' ')} before \`tidepool run\`, or drop #key_env to use $${keyName}`);
  }
  return { ...endpoint, endpointKeys: keys };
}
