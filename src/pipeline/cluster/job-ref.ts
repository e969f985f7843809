/**
 * What one cluster job of a pipeline does, as its command line says it (`tidepool run FILE --job REF`):
 * a shard of a stage (`embed/shard/3/4`), the merge that finishes a sharded stage (`embed/finish/4`),
 * or a whole unsharded stage (`select/whole`). Pure.
 */
import { TidepoolError } from '../../errors.js';
import { STAGES, type StageName } from '../stage-names.js';

/** One job's part of a pipeline. */
export type JobRef =
  | { stage: StageName; role: 'shard'; index: number; shards: number }
  | { stage: StageName; role: 'finish'; shards: number }
  | { stage: StageName; role: 'whole' };

/** The text of `ref` for `--job` (`index` may be the launcher's task placeholder). */
export function formatJobRef(ref: JobRef | { stage: StageName; role: 'shard'; index: string; shards: number }): string {
  if (ref.role === 'shard') return `${ref.stage}/shard/${ref.index}/${ref.shards}`;
  if (ref.role === 'finish') return `${ref.stage}/finish/${ref.shards}`;
  return `${ref.stage}/whole`;
}

/** A stage and its number of shards, as `--prepare-next` takes it (`decontam/2`). */
export interface NextStage {
  stage: StageName;
  shards: number;
}

function stageOf(text: string, flag: string): StageName {
  if (!(STAGES as readonly string[]).includes(text)) throw new TidepoolError('E_USAGE', `${flag}: there is no stage "${text}"; the stages are ${STAGES.join(', ')}`, { value: text });
  return text as StageName;
}

function countOf(text: string | undefined, flag: string, what: string): number {
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new TidepoolError('E_USAGE', `${flag}: ${what} must be a whole number, got ${JSON.stringify(text)}`, { value: text });
  return value;
}

/**
 * Parses `--job` (written by the cluster executor, not by hand).
 * @throws TidepoolError `E_USAGE` naming the expected forms
 */
export function parseJobRef(text: string): JobRef {
  const parts = text.split('/');
  const flag = `--job ${text}`;
  const stage = stageOf(parts[0] ?? '', flag);
  if (parts[1] === 'whole' && parts.length === 2) return { stage, role: 'whole' };
  if (parts[1] === 'finish' && parts.length === 3) return { stage, role: 'finish', shards: countOf(parts[2], flag, 'the number of shards') };
  if (parts[1] === 'shard' && parts.length === 4) {
    const index = countOf(parts[2], flag, 'the shard index');
    const shards = countOf(parts[3], flag, 'the number of shards');
    if (shards < 1 || index >= shards) throw new TidepoolError('E_USAGE', `${flag}: shard ${index} of ${shards} does not exist (0..${shards - 1})`, { value: text });
    return { stage, role: 'shard', index, shards };
  }
  throw new TidepoolError('E_USAGE', `${flag}: expected STAGE/whole, STAGE/finish/N or STAGE/shard/I/N (the cluster executor writes these)`, { value: text });
}

/** Parses `--prepare-next STAGE/N`. */
export function parseNextStage(text: string): NextStage {
  const [stage, shards, ...rest] = text.split('/');
  const flag = `--prepare-next ${text}`;
  if (rest.length > 0 || shards === undefined) throw new TidepoolError('E_USAGE', `${flag}: expected STAGE/N`, { value: text });
  return { stage: stageOf(stage ?? '', flag), shards: countOf(shards, flag, 'the number of shards') };
}
