/**
 * The development kit as `tidepool run` takes it (see `pipeline/host.ts`): the sample writer and the
 * scripted LLM server. Loaded lazily, so a pipeline that uses neither never loads their code.
 */
import type { PipelineDevkit, ScriptedLlm } from '../pipeline/host.js';
import type { SampleOptions } from './sample/options.js';

/** The kit `tidepool run` passes to the pipeline. */
export const pipelineDevkit: PipelineDevkit = {
  async writeSample(options: Readonly<Record<string, unknown>>, out: string): Promise<unknown> {
    const { runSample } = await import('./sample/run.js');
    // The pipeline file's sample section was checked against the `sample` command's options (pipeline/options.ts).
    return runSample({ ...(options as unknown as SampleOptions), out });
  },
  async startScriptedLlm(): Promise<ScriptedLlm> {
    const { startLlmServer } = await import('./llm-sim/server.js');
    const { scriptedModel } = await import('./llm-sim/scripted-model.js');
    return startLlmServer({ respond: scriptedModel(), recordRequests: false });
  },
};
