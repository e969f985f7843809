/**
 * Execution checks of generated samples (SelfCodeAlign-style): a sample's `output` runs followed by its
 * own `tests` in the sandbox of `src/exec/`, and the verdict travels with the unit (provenance, funnel,
 * pools, the discriminator's prompt). This module is the pure part: which samples run, what the
 * sandbox is asked, how a result is kept (bounded) and how it reads in a prompt or a reject reason.
 * The sandbox itself is injected as a {@link SampleRunner}, so this file spawns nothing.
 */
import type { ExecRequest, ExecResult, ExecVerdict } from '../exec/types.js';
import { hasTests, type InstructionSample } from './tasks.js';
import { displayLanguage } from './units.js';

/** What one execution ended with (the sandbox's verdicts). */
export type ExecutionVerdict = ExecVerdict;

/** Every verdict, in the order tables show them. */
export const EXECUTION_VERDICTS: readonly ExecutionVerdict[] = ['passed', 'failed', 'timeout', 'crashed', 'skipped'];

/** Languages whose samples run: the interpreters the sandbox drives (`python3`, `node`). */
export const EXECUTED_LANGUAGES: readonly string[] = ['python', 'javascript'];

/** What the sandbox is asked to run: a program and its tests, with the sandbox's default limits. */
export type SampleRunRequest = Omit<ExecRequest, 'limits'>;

/** What the sandbox answers. */
export type SampleRunResult = ExecResult;

/** A sandbox as generate sees it; `src/exec`'s `Sandbox` is one. */
export interface SampleRunner {
  readonly kind: string;
  run(request: SampleRunRequest, signal?: AbortSignal): Promise<SampleRunResult>;
  /** Stops what it keeps between runs (warm sandboxes). */
  close?(): Promise<void>;
}

/** The execution of one sample as provenance, the journal and the pools keep it. */
export interface SampleExecution {
  verdict: ExecutionVerdict;
  /** Why it failed, crashed, timed out or was skipped (empty when it passed). */
  reason: string;
  /**
   * Stable code of a skip, counted in the funnel: `no_tests`, `language_unsupported`, or
   * `sandbox` (the sandbox itself skipped it); null for the other verdicts.
   */
  skip: 'no_tests' | 'language_unsupported' | 'sandbox' | null;
  exitCode: number | null;
  signal: string | null;
  /** The captured output, at most {@link KEPT_OUTPUT_CHARS} characters (its end, where the failure shows). */
  output: string;
  /** The sandbox cut the output, or this record kept only its end. */
  outputTruncated: boolean;
  // No run time: records of a rerun, of shards and of an uninterrupted run must be byte-identical,
  // and the discriminator's prompt (a cache key) must not change with the machine's load.
}

/** Characters of captured output a record keeps (the sandbox caps what it reads; this caps what is stored per sample). */
export const KEPT_OUTPUT_CHARS = 2000;

/** Marker starting output of which only the end was kept. */
export const CUT_MARKER = '… ';

/**
 * The sandbox request for `sample`, or the skip it gets without running: tasks without tests are not
 * executed at all (undefined), empty tests and languages other than {@link EXECUTED_LANGUAGES} are
 * `skipped` with a counted reason.
 */
export function executionPlan(sample: InstructionSample): { run: SampleRunRequest } | { skip: SampleExecution } | undefined {
  if (!hasTests(sample.task)) return undefined;
  const language = sample.language.toLowerCase();
  if (!EXECUTED_LANGUAGES.includes(language)) {
    return { skip: skipped('language_unsupported', `${displayLanguage(sample.language)} samples are not executed (execution checks run ${EXECUTED_LANGUAGES.map(displayLanguage).join(' and ')})`) };
  }
  const tests = sample.tests ?? '';
  if (tests.trim() === '') return { skip: skipped('no_tests', 'the sample has no tests') };
  return { run: { language, solution: sample.output, tests } };
}

/** A sandbox result as a record keeps it: output cut to its last {@link KEPT_OUTPUT_CHARS} characters. */
export function keptExecution(result: SampleRunResult): SampleExecution {
  const cut = result.output.length > KEPT_OUTPUT_CHARS;
  const output = cut ? `${CUT_MARKER}${result.output.slice(-KEPT_OUTPUT_CHARS)}` : result.output;
  return {
    verdict: result.verdict, reason: result.verdict === 'passed' ? '' : result.reason,
    skip: result.verdict === 'skipped' ? 'sandbox' : null,
    exitCode: result.exitCode, signal: result.signal, output, outputTruncated: result.outputTruncated || cut,
  };
}

/** True for the verdicts that say the solution does not pass its own tests. */
export function executionFailed(verdict: ExecutionVerdict): boolean {
  return verdict === 'failed' || verdict === 'timeout' || verdict === 'crashed';
}

/** Characters of output quoted in a prompt or a reject reason. */
export const QUOTED_OUTPUT_CHARS = 600;

/** How the discriminator prompt's `{{execution}}` describes `execution`. */
export function executionText(execution: SampleExecution): string {
  if (execution.verdict === 'passed') return 'passed (the tests ran without error)';
  if (execution.verdict === 'skipped') return `not run: ${execution.reason}`;
  return `${execution.verdict}: ${execution.reason}${quotedOutput(execution)}`;
}

/** The reject reason of a sample whose execution failed (or, under `--require-pass`, did not pass). */
export function executionReason(execution: SampleExecution): { code: string; message: string } {
  const what = execution.verdict === 'skipped' ? 'execution skipped, and --require-pass needs a pass' : `execution ${execution.verdict}`;
  return { code: `execution_${execution.verdict}`, message: `${what}: ${execution.reason}${quotedOutput(execution)}` };
}

function quotedOutput(execution: SampleExecution): string {
  const text = execution.output.trim();
  if (text === '') return '';
  return `; output ends: ${text.length > QUOTED_OUTPUT_CHARS ? `${CUT_MARKER}${text.slice(-QUOTED_OUTPUT_CHARS)}` : text}`;
}

function skipped(skip: 'no_tests' | 'language_unsupported', reason: string): SampleExecution {
  return { verdict: 'skipped', reason, skip, exitCode: null, signal: null, output: '', outputTruncated: false };
}
