/**
 * The lines of `instructions.jsonl` and `rejected.jsonl`: the sample in the shape trainers read, plus
 * provenance (source row, task, seed, models, prompt versions, pool snapshot, verdict, tokens). Pure.
 */
import type { SampleExecution } from './execution.js';
import type { RuleAnswer } from './verdict.js';
import type { RejectReason, RejectStage, UnitOutcome } from './unit.js';
import type { WorkUnit } from './units.js';

/** Models and prompt versions of a run, as provenance records them. */
export interface RunIdentity {
  mode: 'codeocean' | 'oss-instruct';
  generatorModel: string;
  /** Null when the run has no discriminator. */
  discriminatorModel: string | null;
  /** Prompt file name -> sha256 of its text. */
  promptVersions: Readonly<Record<string, string>>;
}

/** Where a record came from and how it was judged. */
export interface Provenance {
  unit: string;
  rowId: number;
  task: string;
  mode: string;
  /** OSS-Instruct: the seed lines and where they were cut. */
  seed: { text: string; startLine: number; lineCount: number } | null;
  generator: { model: string; prompt: string; promptVersion: string };
  discriminator: { model: string; prompt: string; promptVersion: string } | null;
  /** Id of the case-pool snapshot whose examples the prompts saw. */
  poolSnapshot: string;
  verdict: 'accept' | 'reject' | null;
  rules: RuleAnswer[] | null;
  /** The run of the sample's tests (verdict, bounded output); null when not executed (execution off, or a task without tests). */
  execution: SampleExecution | null;
  tokens: { prompt: number; completion: number };
  requests: number;
  cachedRequests: number;
}

/** One accepted sample (a line of `instructions.jsonl`). */
export interface InstructionRecord {
  id: string;
  task: string;
  language: string;
  targetLanguage?: string;
  instruction: string;
  input: string;
  output: string;
  /** Assert-style tests of `output` (generation, repair, oss-instruct). */
  tests?: string;
  provenance: Provenance;
}

/** One rejected unit (a line of `rejected.jsonl`). */
export interface RejectedRecord {
  id: string;
  task: string;
  language: string;
  stage: RejectStage;
  reasons: RejectReason[];
  /** The sample as generated, when its reply could be read. */
  sample: { instruction: string; input: string; output: string; targetLanguage?: string; tests?: string } | null;
  /** The generator's unreadable reply (truncated), when it could not be read. */
  reply: string | null;
  provenance: Provenance;
}

const REPLY_KEEP = 4000;

/** The output line for a finished unit: an instruction record when accepted, else a rejected record. */
export function unitRecord(unit: WorkUnit, outcome: UnitOutcome, run: RunIdentity, poolSnapshot: string): { accepted: true; record: InstructionRecord } | { accepted: false; record: RejectedRecord } {
  const generatorPrompt = unit.task;
  const discriminatorPrompt = unit.task === 'oss-instruct' ? 'discriminator-generation' : `discriminator-${unit.task}`;
  const judged = outcome.rules !== null;
  const provenance: Provenance = {
    unit: unit.key, rowId: unit.rowId, task: unit.task, mode: run.mode,
    seed: unit.seed === undefined ? null : { ...unit.seed },
    generator: { model: run.generatorModel, prompt: generatorPrompt, promptVersion: run.promptVersions[generatorPrompt] ?? '' },
    discriminator: run.discriminatorModel === null ? null : { model: run.discriminatorModel, prompt: discriminatorPrompt, promptVersion: run.promptVersions[discriminatorPrompt] ?? '' },
    poolSnapshot,
    verdict: judged ? (outcome.accepted ? 'accept' : 'reject') : null,
    rules: outcome.rules,
    execution: outcome.execution ?? null,
    tokens: { ...outcome.tokens }, requests: outcome.requests, cachedRequests: outcome.cachedRequests,
  };
  const id = unit.key;
  const targetLanguage = unit.targetLanguage === undefined ? {} : { targetLanguage: unit.targetLanguage };
  const tests = outcome.sample?.tests === undefined ? {} : { tests: outcome.sample.tests };
  if (outcome.accepted && outcome.sample !== null) {
    const { instruction, input, output } = outcome.sample;
    return { accepted: true, record: { id, task: unit.task, language: unit.language, ...targetLanguage, instruction, input, output, ...tests, provenance } };
  }
  const sample = outcome.sample === null ? null : { instruction: outcome.sample.instruction, input: outcome.sample.input, output: outcome.sample.output, ...targetLanguage, ...tests };
  const reply = outcome.unreadableReply === null ? null : outcome.unreadableReply.length > REPLY_KEEP ? `${outcome.unreadableReply.slice(0, REPLY_KEEP)}… (truncated)` : outcome.unreadableReply;
  return { accepted: false, record: { id, task: unit.task, language: unit.language, stage: outcome.stage ?? 'generator', reasons: outcome.reasons, sample, reply, provenance } };
}
