/**
 * One unit of work from generator call to verdict: ask the generator, parse (one retry quoting the
 * parse error), run the rule-based prechecks, run the sample's tests (when execution checks are on),
 * ask the discriminator (same one retry; it sees the execution result), decide. The chat and the
 * execution are injected, so this core holds no I/O; transport failures propagate to the caller.
 */
import { executionFailed, executionPlan, executionReason, executionText, type SampleExecution, type SampleRunRequest } from './execution.js';
import { describeProblems, parseReply, validateSample } from './parse-reply.js';
import { precheck, type PrecheckOptions } from './prechecks.js';
import { countRules, discriminatorPromptName, discriminatorSpec, generatorSpec, retrySpec, type ChatSpec, type RoleParams } from './requests.js';
import type { PromptSet } from './prompts.js';
import type { ChatResult } from './llm.js';
import { requiredFields, type InstructionSample } from './tasks.js';
import type { WorkUnit } from './units.js';
import { validateVerdict, type RuleAnswer } from './verdict.js';

/** Sends one request (through the cache); `cached` when no server call was paid for. */
export type Ask = (spec: ChatSpec) => Promise<{ result: ChatResult; cached: boolean; usd: number | undefined }>;

/** Where in the unit a rejection happened. */
export type RejectStage = 'generator' | 'precheck' | 'execution' | 'discriminator';

/** Why a sample was rejected: a stable code plus a message. */
export interface RejectReason {
  code: string;
  message: string;
}

/** The end of one unit. */
export interface UnitOutcome {
  accepted: boolean;
  /** Set when rejected. */
  stage: RejectStage | null;
  /** The sample, when the generator's reply could be read. */
  sample: InstructionSample | null;
  reasons: RejectReason[];
  /**
   * The run of the sample's tests: null when execution checks are off or the task has no tests (and in
   * journal lines written before execution checks existed, where it is absent).
   */
  execution?: SampleExecution | null;
  /** The discriminator's per-rule answers (null when it was not asked). */
  rules: RuleAnswer[] | null;
  /** The discriminator said accept over a "no" (or the reverse). */
  inconsistentVerdict: boolean;
  /** The generator's last reply, kept when it could not be read. */
  unreadableReply: string | null;
  tokens: { prompt: number; completion: number };
  /** What the unit's requests cost at list price (cached ones included); null when a model has no price. */
  usd: number | null;
  requests: number;
  cachedRequests: number;
}

/** Everything a unit needs besides its row. */
export interface UnitContext {
  prompts: PromptSet;
  generator: RoleParams;
  /** Null: no discriminator; prechecks alone decide. */
  discriminator: RoleParams | null;
  /** Few-shot block for the generator prompt (from the pool snapshot). */
  generatorExamples: string;
  /** Few-shot block for the discriminator prompt. */
  discriminatorExamples: string;
  prechecks: PrecheckOptions;
  ask: Ask;
  /** Runs a sample's solution and tests (through the execution journal and the sandbox); null: execution checks are off. */
  execute: ((request: SampleRunRequest) => Promise<SampleExecution>) | null;
  /** A sample must pass its tests to be accepted (a skipped one is rejected too). */
  requirePass: boolean;
}

/** Runs `unit` on the row's `code`. */
export async function processUnit(unit: WorkUnit, code: string, context: UnitContext): Promise<UnitOutcome> {
  const outcome: UnitOutcome = {
    accepted: false, stage: null, sample: null, reasons: [], execution: null, rules: null, inconsistentVerdict: false, unreadableReply: null,
    tokens: { prompt: 0, completion: 0 }, usd: 0, requests: 0, cachedRequests: 0,
  };
  const ask = async (spec: ChatSpec): Promise<ChatResult> => {
    const { result, cached, usd } = await context.ask(spec);
    outcome.usd = usd === undefined || outcome.usd === null ? null : outcome.usd + usd;
    outcome.requests++;
    if (cached) outcome.cachedRequests++;
    outcome.tokens.prompt += result.promptTokens;
    outcome.tokens.completion += result.completionTokens;
    return result;
  };
  const reject = (stage: RejectStage, reasons: RejectReason[]): UnitOutcome => Object.assign(outcome, { accepted: false, stage, reasons });

  const fields = [...requiredFields(unit.task), 'input'];
  const generated = await askParsed(ask, generatorSpec(unit, code, context.generatorExamples, context.prompts, context.generator), (reply) => {
    const parsed = parseReply(reply, fields);
    if (!parsed.ok) return parsed;
    const valid = validateSample(parsed.value, unit.task);
    return valid.ok ? { ok: true, value: valid.sample } : { ok: false, error: `${describeProblems(valid.problems)}. Reply with only the JSON object, every field filled.` };
  });
  if (!generated.ok) {
    outcome.unreadableReply = generated.reply;
    return reject('generator', [{ code: 'unparseable', message: generated.error }]);
  }
  // The row fixes the languages; the model's spelling of them (e.g. "JavaScript") does not matter downstream.
  const sample: InstructionSample = { ...generated.value, language: unit.language };
  if (unit.targetLanguage !== undefined) sample.targetLanguage = unit.targetLanguage;
  outcome.sample = sample;

  const checked = precheck({ ...generated.value }, unit.task, context.prechecks);
  if (!checked.passed) return reject('precheck', checked.reasons.map((reason) => ({ code: reason.code, message: reason.message })));

  const execution = context.execute === null ? null : await executeSample(sample, context.execute);
  outcome.execution = execution;
  // A solution that fails its own tests is wrong (or its tests are): rejected without asking the
  // discriminator. --require-pass rejects a skipped run too; tasks without tests (null) are not affected.
  if (execution !== null && (executionFailed(execution.verdict) || (context.requirePass && execution.verdict === 'skipped'))) {
    return reject('execution', [executionReason(execution)]);
  }
  if (context.discriminator === null) return Object.assign(outcome, { accepted: true });

  const spec = discriminatorSpec(unit, code, generated.value, context.discriminatorExamples, context.prompts, context.discriminator, ...(execution === null ? [] : [executionText(execution)]));
  const judged = await askParsed(ask, spec, (reply) => {
    const parsed = parseReply(reply, ['rules', 'verdict']);
    if (!parsed.ok) return parsed;
    const verdict = validateVerdict(parsed.value, countRules(context.prompts[discriminatorPromptName(unit.task)].text));
    return verdict.ok ? { ok: true, value: verdict.verdict } : verdict;
  });
  if (!judged.ok) return reject('discriminator', [{ code: 'verdict_unparseable', message: judged.error }]);
  outcome.rules = judged.value.rules;
  outcome.inconsistentVerdict = judged.value.inconsistent;
  if (judged.value.accept) return Object.assign(outcome, { accepted: true });
  return reject('discriminator', judged.value.reasons.map((message) => ({ code: ruleCode(message), message })));
}

/** The sample's execution: planned skips come back at once, runnable samples go to `execute`. */
async function executeSample(sample: InstructionSample, execute: (request: SampleRunRequest) => Promise<SampleExecution>): Promise<SampleExecution | null> {
  const plan = executionPlan(sample);
  if (plan === undefined) return null;
  return 'skip' in plan ? plan.skip : execute(plan.run);
}

type Read<T> = { ok: true; value: T } | { ok: false; error: string };
type Asked<T> = { ok: true; value: T } | { ok: false; error: string; reply: string };

/** Asks once, and once more quoting the problem when the reply cannot be read. */
async function askParsed<T>(ask: (spec: ChatSpec) => Promise<ChatResult>, spec: ChatSpec, read: (reply: string) => Read<T>): Promise<Asked<T>> {
  const first = await ask(spec);
  const firstRead = read(first.content);
  if (firstRead.ok) return firstRead;
  const second = await ask(retrySpec(spec, first.content, firstRead.error));
  const secondRead = read(second.content);
  return secondRead.ok ? secondRead : { ...secondRead, reply: second.content };
}

/** `rule N: ...` -> `rule_N`, so reasons can be counted by rule. */
function ruleCode(message: string): string {
  const match = /^rule (\d+):/.exec(message);
  return match === null ? 'verdict_reject' : `rule_${match[1]}`;
}
