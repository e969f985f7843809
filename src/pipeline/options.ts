/**
 * What each stage section of a pipeline file may hold: every option of the stage's command, under
 * the camelCase name commander gives its flag (`--pool-size` -> `poolSize`), with the type the flag
 * parses to, so that a mistyped value is named with its pipeline key and its own type
 * (`select.k must be a positive integer, got "5" (a string)`), never passed on to crash a stage.
 * Each stage declares its own table (in its `options.ts`); this puts them together. Pure: no file access.
 */
import { SAMPLE_OPTIONS } from '../devkit/sample/options.js';
import { DECONTAM_OPTIONS } from '../decontam/options.js';
import { EMBED_OPTIONS } from '../embed/options.js';
import { EXPORT_OPTIONS } from '../export/options.js';
import { GENERATE_OPTIONS } from '../generate/options.js';
import { INGEST_OPTIONS } from '../ingest/options.js';
import { REPORT_OPTIONS } from '../report/options.js';
import { SELECT_OPTIONS } from '../select/options.js';
import type { OptionTable } from '../util/options.js';
import type { StageName } from './stage-names.js';

export { checkOptionValue, describeValue, type OptionKind, type OptionSpec } from '../util/options.js';

/**
 * Every stage's options, as each stage declares them. Keys are the commands' camelCase option names;
 * a few older pipeline names (generate's `discriminate`, `goodExamples`, `timeoutMs`,
 * `discriminatorTemperature`) stay accepted. Flags the pipeline sets itself (`--out`, `--data`,
 * `--embeddings`, `--coreset`, `--input`, `--work` and the stage folders) are not here: see
 * {@link WIRED_BY_PIPELINE}.
 */
export const STAGE_OPTIONS: Readonly<Record<StageName, OptionTable>> = {
  sample: SAMPLE_OPTIONS, ingest: INGEST_OPTIONS, embed: EMBED_OPTIONS, select: SELECT_OPTIONS,
  generate: GENERATE_OPTIONS, decontam: DECONTAM_OPTIONS, export: EXPORT_OPTIONS, report: REPORT_OPTIONS,
};

/**
 * Command options a pipeline file does not take, per stage, each with the reason a user is told:
 * the pipeline wires stages together itself, and a secret never belongs in a file.
 */
export const WIRED_BY_PIPELINE: Readonly<Record<StageName, Readonly<Record<string, string>>>> = {
  sample: { out: 'the sample is written into the work folder (WORK/sample/)' },
  ingest: {
    out: 'ingest writes into WORK/ingest/',
    shard: 'the executor sets it: shards come from executor.tasks (e.g. "executor": {"type": "slurm", "tasks": {"ingest": 8}}) or `tidepool run --executor slurm --tasks ingest=8`',
    merge: 'the executor runs the merge after the shards of executor.tasks',
  },
  embed: {
    data: 'embed reads WORK/ingest/', out: 'embed writes into WORK/embed/', offline: 'offline use of the Hugging Face cache comes from the environment: run with HF_HUB_OFFLINE=1',
    apiKey: 'an API key never goes in a file: set OPENAI_API_KEY in the environment of `tidepool run`',
    shard: 'the executor sets it: shards come from executor.tasks (e.g. "executor": {"type": "slurm", "tasks": {"embed": 8}}) or `tidepool run --executor slurm --tasks embed=8`',
    merge: 'the executor runs the merge after the shards of executor.tasks',
  },
  select: { embeddings: 'select reads WORK/embed/', out: 'select writes into WORK/select/' },
  generate: {
    data: 'generate reads WORK/ingest/', coreset: 'generate reads WORK/select/', out: 'generate writes into WORK/generate/',
    model: 'the model goes in generate.llm: {"model": "NAME", "baseURL": "http://127.0.0.1:8000/v1"}',
    baseUrl: 'the endpoint goes in generate.llm: {"model": "NAME", "baseURL": "http://127.0.0.1:8000/v1"}',
    apiKey: 'an API key never goes in a file: put it in an environment variable and name that variable in generate.llm.apiKeyEnv (default OPENAI_API_KEY)',
    shard: 'the executor sets it: shards come from executor.tasks (e.g. "executor": {"type": "slurm", "tasks": {"generate": 8}}) or `tidepool run --executor slurm --tasks generate=8`',
    merge: 'the executor runs the merge after the shards of executor.tasks',
  },
  decontam: {
    input: 'decontam checks what generate wrote (WORK/generate/)', out: 'decontam writes into WORK/decontam/',
    coreset: 'it applies to pairs input, and a pipeline\'s decontam checks generated records',
    embeddings: 'it applies to pairs input, and a pipeline\'s decontam checks generated records',
    offline: 'offline use of the Hugging Face cache comes from the environment: run with HF_HUB_OFFLINE=1',
    apiKey: 'an API key never goes in a file: set OPENAI_API_KEY in the environment of `tidepool run`',
    shard: 'the executor sets it: shards come from executor.tasks (e.g. "executor": {"type": "slurm", "tasks": {"decontam": 8}}) or `tidepool run --executor slurm --tasks decontam=8`',
    merge: 'the executor runs the merge after the shards of executor.tasks',
    rethreshold: 'it re-applies thresholds to a finished decontam folder: run `tidepool decontam --rethreshold --out WORK/decontam` after the pipeline',
  },
  export: { input: 'export reads WORK/decontam/ (or WORK/generate/ without a decontam stage)' },
  report: {
    out: 'the report is written to WORK/report/report.html', work: 'the report reads the pipeline\'s work folder',
    ingest: 'the report reads WORK/ingest/', embed: 'the report reads WORK/embed/', select: 'the report reads WORK/select/',
    generate: 'the report reads WORK/generate/', decontam: 'the report reads WORK/decontam/',
  },
};

/** Pairs of keys that name the same option (a newer flag name and an older pipeline name): at most one may be set. */
export const SAME_OPTION: Readonly<Partial<Record<StageName, readonly (readonly [string, string])[]>>> = {
  generate: [['discriminator', 'discriminate'], ['examples', 'goodExamples'], ['timeout', 'timeoutMs']],
};

