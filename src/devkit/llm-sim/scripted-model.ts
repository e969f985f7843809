/**
 * A deterministic "scripted model": a {@link Respond} for the llm-sim server that answers
 * `tidepool generate`'s prompts plausibly, so the generate stage can run, be demonstrated and be
 * benchmarked without a real LLM. It is not a model: replies are assembled from facts read off the
 * prompt's code, and every choice (wording, which bug, which calls are spoiled) is drawn from a hash
 * of the request's messages, so the same request always gets the same reply.
 *
 * Deliberate imperfections make the pipeline's funnel show rejections: a fixed share of first-turn
 * generator calls gets a reply with no JSON at all (`unparseableRate`) or a sample the prechecks
 * reject (`defectRate`); a retry turn always gets a clean sample; a share of discriminator calls
 * (`rejectRate`) answers one rule "no" and rejects.
 */
import { createHash } from 'node:crypto';
import { TidepoolError } from '../../errors.js';
import { hashFraction, hashIndex, hashPick } from './hash.js';
import { readCall } from './request.js';
import { addDefect, buildSample, type Choose } from './samples.js';
import type { ChatRequest, Reply, Respond } from './server.js';
import { buildVerdict } from './verdict.js';

/** How the scripted model behaves; every field optional. */
export interface ScriptedModelOptions {
  /** Milliseconds before each reply is sent (a stand-in for generation time). @default 0 */
  latencyMs?: number | undefined;
  /** Share of first-turn generator calls whose sample a precheck rejects. @default 0.1 */
  defectRate?: number | undefined;
  /** Share of first-turn generator calls answered with prose holding no JSON. @default 0.05 */
  unparseableRate?: number | undefined;
  /** Share of discriminator calls answered with one rule "no" and verdict "reject". @default 0.15 */
  rejectRate?: number | undefined;
  /** Share of generator answers (generation, repair, OSS-Instruct) whose tests expect what the solution does not do. @default 0 */
  wrongTestRate?: number | undefined;
}

/** {@link ScriptedModelOptions} complete and validated. */
export type ResolvedScriptedModelOptions = { readonly [K in keyof ScriptedModelOptions]-?: number };

/** The defaults of {@link ScriptedModelOptions}. */
export const SCRIPTED_MODEL_DEFAULTS: ResolvedScriptedModelOptions = { latencyMs: 0, defectRate: 0.1, unparseableRate: 0.05, rejectRate: 0.15, wrongTestRate: 0 };

/** What the scripted model says to a request that is not one of tidepool's prompts. */
export const NOT_A_TIDEPOOL_PROMPT = "tidepool llm-sim is a scripted stand-in for an LLM, not a model: it only answers the prompts of `tidepool generate`.";

const UNPARSEABLE_REPLIES = [
  "I'm sorry, but I need more context about what this code is supposed to do before I can write a good training sample for it.",
  'Here is a task based on the code: write a function with the same behaviour, handle empty input, and return the result.',
  'Sure! The code processes its input and returns a result. Let me know if you would like a more detailed sample.',
];

/**
 * Fills in defaults and checks every field, collecting all problems.
 * @throws TidepoolError `E_USAGE` listing each bad field by name.
 */
export function resolveScriptedModelOptions(options: ScriptedModelOptions = {}): ResolvedScriptedModelOptions {
  const defaults = SCRIPTED_MODEL_DEFAULTS;
  const resolved: ResolvedScriptedModelOptions = {
    latencyMs: options.latencyMs ?? defaults.latencyMs,
    defectRate: options.defectRate ?? defaults.defectRate,
    unparseableRate: options.unparseableRate ?? defaults.unparseableRate,
    rejectRate: options.rejectRate ?? defaults.rejectRate,
    wrongTestRate: options.wrongTestRate ?? defaults.wrongTestRate,
  };
  const problems: string[] = [];
  if (!Number.isFinite(resolved.latencyMs) || resolved.latencyMs < 0) problems.push(`options.latencyMs must be a non-negative number of milliseconds, got ${resolved.latencyMs}`);
  for (const field of ['defectRate', 'unparseableRate', 'rejectRate', 'wrongTestRate'] as const) {
    const value = resolved[field];
    if (!(value >= 0 && value <= 1)) problems.push(`options.${field} must be a number in [0, 1], got ${value}`);
  }
  if (resolved.defectRate + resolved.unparseableRate > 1) {
    problems.push(`options.defectRate + options.unparseableRate must be at most 1 (they are shares of the same calls), got ${resolved.defectRate} + ${resolved.unparseableRate}`);
  }
  if (problems.length > 0) throw new TidepoolError('E_USAGE', `scripted model: ${problems.join('; ')}`, { problems });
  return resolved;
}

/**
 * The scripted model as a server {@link Respond}: `startLlmServer({ respond: scriptedModel() })`.
 * @throws TidepoolError `E_USAGE` for invalid options (see {@link resolveScriptedModelOptions}).
 */
export function scriptedModel(options: ScriptedModelOptions = {}): Respond {
  const resolved = resolveScriptedModelOptions(options);
  return (request) => {
    const reply: Reply = { content: scriptedReply(request, resolved) };
    return resolved.latencyMs > 0 ? { delayMs: resolved.latencyMs, then: reply } : reply;
  };
}

/** The reply text the scripted model gives to `request` (deterministic; no latency). */
export function scriptedReply(request: ChatRequest, options: ResolvedScriptedModelOptions = SCRIPTED_MODEL_DEFAULTS): string {
  const call = readCall(request);
  // One digest of the whole conversation; every choice then hashes this short key with its own salt.
  const key = createHash('sha256').update(JSON.stringify(request.messages)).digest('hex');
  const choose: Choose = (choice, n) => hashIndex(key, choice, n);
  if (call.kind === 'other') return NOT_A_TIDEPOOL_PROMPT;
  if (call.kind === 'discriminator') {
    const reject = hashFraction(key, 'reject') < options.rejectRate;
    return JSON.stringify(buildVerdict(call.rules, reject, choose('failing-rule', Math.max(1, call.rules.length))));
  }
  const fault = call.retry ? 1 : hashFraction(key, 'fault');
  if (fault < options.unparseableRate) return hashPick(UNPARSEABLE_REPLIES, key, 'unparseable');
  const sample = buildSample(call, choose, hashFraction(key, 'wrong-tests') < options.wrongTestRate);
  return JSON.stringify(fault < options.unparseableRate + options.defectRate ? addDefect(sample, call, choose) : sample);
}
