/**
 * What the stages' own resolvers say about a pipeline file, before anything runs: each problem names
 * its option by the key the file used (`select.poolSize`, `generate.timeout`), not by a flag.
 */
import { TidepoolError } from '../errors.js';
import { pipelineNaming, type OptionNaming } from '../util/options.js';
import type { PipelineConfig, StageName } from './config.js';
import type { StageOptions, StageSpec } from './stages.js';

/**
 * Pipeline keys under another name in a stage's API (generate: `timeout` in seconds is `timeoutMs`):
 * the API field -> the key a pipeline file may give it by, when the file used that key.
 */
const KEY_OF_FIELD: Readonly<Partial<Record<StageName, Readonly<Record<string, string>>>>> = {
  generate: { discriminate: 'discriminator', goodExamples: 'examples', timeoutMs: 'timeout' },
};

/** Names a stage's options by the keys the pipeline file's section used (`select.poolSize`, `generate.timeout`). */
export function sectionNaming(stage: StageName, options: StageOptions): OptionNaming {
  const keys = KEY_OF_FIELD[stage] ?? {};
  const base = pipelineNaming(stage);
  return (name) => {
    const key = keys[name];
    return base(key !== undefined && key in options ? key : name);
  };
}

/**
 * The problems the stage's resolver finds in the request the pipeline would pass it, each naming its
 * option by pipeline key (one that names no key is prefixed with the stage); none when it resolves.
 */
export function stageProblems(spec: StageSpec, config: PipelineConfig, options: StageOptions): string[] {
  try {
    spec.check(spec.request(config, options), sectionNaming(spec.name, options));
    return [];
  } catch (error) {
    if (!(error instanceof TidepoolError) || error.code !== 'E_USAGE') throw error;
    const listed = error.details.problems;
    const problems = Array.isArray(listed) ? listed.map(String) : [error.message];
    return problems.map((problem) => (problem.startsWith(`${spec.name}.`) ? problem : `${spec.name}: ${problem}`));
  }
}
