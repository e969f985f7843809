/**
 * The instruction tasks of `tidepool generate` and the shape of one generated sample. Pure data.
 *
 * One sample shape serves every task, so samples share columns downstream:
 * - `generation`: `instruction` states a problem; `input` is optional context (may be empty); `output` is code in `language`.
 * - `summarization`: `input` is code in `language`; `output` is prose describing it.
 * - `translation`: `input` is code in `language`; `output` is the same program in `targetLanguage`.
 * - `repair`: `input` is the buggy code; `output` is the fixed code (both in `language`). The bug is
 *   described, if at all, in `instruction`; there are no separate `buggyCode` / `fixedCode` fields.
 * - `oss-instruct`: `instruction` is a self-contained problem; `input` is empty; `output` is the solution.
 *
 * `generation`, `repair` and `oss-instruct` samples also carry `tests`: assert-style checks of `output`
 * in its language, run after it in one program when execution checks are on (SelfCodeAlign-style).
 */

/** CodeOcean (WaveCoder-style) tasks: one generator call per coreset row and task. */
export const CODE_OCEAN_TASKS = ['generation', 'summarization', 'translation', 'repair'] as const;
export type CodeOceanTask = (typeof CODE_OCEAN_TASKS)[number];

/** Every task a sample can belong to. */
export const GENERATE_TASKS = [...CODE_OCEAN_TASKS, 'oss-instruct'] as const;
export type GenerateTask = (typeof GENERATE_TASKS)[number];

/** One instruction-tuning sample. `targetLanguage` is present for `translation` only. */
export interface InstructionSample {
  task: GenerateTask;
  instruction: string;
  input: string;
  output: string;
  language: string;
  targetLanguage?: string;
  /** Assert-style tests of `output` (tasks where {@link hasTests}); empty when the model wrote none. */
  tests?: string;
}

/** String fields a sample of `task` must have, non-empty. `input` is always present but may be empty where not listed. */
export function requiredFields(task: GenerateTask): readonly (keyof InstructionSample)[] {
  switch (task) {
    case 'generation':
    case 'oss-instruct':
      return ['instruction', 'output', 'language'];
    case 'summarization':
    case 'repair':
      return ['instruction', 'input', 'output', 'language'];
    case 'translation':
      return ['instruction', 'input', 'output', 'language', 'targetLanguage'];
  }
}

/** True when the task's `output` is code (every task but `summarization`, whose output is prose). */
export function outputIsCode(task: GenerateTask): boolean {
  return task !== 'summarization';
}

/** The tasks whose samples carry assert-style `tests` of their `output`. */
export const TESTED_TASKS: readonly GenerateTask[] = ['generation', 'repair', 'oss-instruct'];

/** True when samples of `task` carry `tests` (the prompt asks for them, the schema has the field). */
export function hasTests(task: GenerateTask): boolean {
  return TESTED_TASKS.includes(task);
}
